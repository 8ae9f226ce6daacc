/* The Razorpay stand-in that the tests (and only they) run: Razorpay's REST
 * API under /v1 (api.c) and a control API for tests under /_stub/
 * (control.c), on common/'s server_main.  t/razorpay/README.md describes
 * both.
 *
 * State (orders, payments, refunds) lives in one shared anonymous mapping
 * made by the pool master before it forks (state.c), guarded by one robust
 * process-shared mutex: every worker of the pool sees the same state, so
 * the pool may have several workers (a webhook delivery in one worker never
 * blocks an API call the payment service makes while handling it). */
#ifndef STUB_H
#define STUB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "req.h"

#define ST_ORDERS    4096
#define ST_PAYMENTS  8192
#define ST_REFUNDS   2048
#define ST_PAYOUTS   1024
#define ST_NOTES_MAX 4096      /* serialized notes object, bytes */
#define ST_ID_MAX    32        /* "order_" + 14 characters, with room */
#define ST_RECEIPT_MAX 40      /* Razorpay's limit, characters */
#define ST_IDEM_MAX  64

struct st_order {
	char id[ST_ID_MAX];
	int64_t amount, amount_paid;
	char currency[4];
	bool has_receipt;
	char receipt[ST_RECEIPT_MAX * 4 + 1];   /* UTF-8 */
	bool partial_payment;
	int attempts;
	char notes[ST_NOTES_MAX];                /* "" when empty (written as []) */
	int64_t created_at;
};

enum st_pay_status { PAY_CREATED, PAY_AUTHORIZED, PAY_CAPTURED, PAY_REFUNDED,
	PAY_FAILED, PAY__MAX };

struct st_payment {
	char id[ST_ID_MAX];
	int order;                               /* index into orders */
	int64_t amount, amount_refunded;
	char currency[4];
	enum st_pay_status status;
	char method[16];                         /* "upi", "card", "netbanking", "wallet" */
	char rrn[16];
	int64_t created_at;
};

struct st_refund {
	char id[ST_ID_MAX];
	int payment;                             /* index into payments */
	int64_t amount;
	char currency[4];
	char notes[ST_NOTES_MAX];
	bool has_receipt;
	char receipt[ST_RECEIPT_MAX * 4 + 1];
	char speed[12];                          /* speed_requested */
	char idem_key[ST_IDEM_MAX + 1];          /* X-Refund-Idempotency, "" when none */
	char body_hash[65];                      /* SHA-256 of the request body */
	char status[12];                         /* pending, processed, failed */
	int64_t created_at;
};

/* A RazorpayX payout (POST /v1/payouts, razorpay-facts.md B.5): kept with
 * its X-Payout-Idempotency key and body hash, so a retry gets it back. */
struct st_payout {
	char id[ST_ID_MAX];
	char idem_key[40];
	char body_hash[65];
	char fund_account_id[48];
	char account_number[48];
	char reference_id[48];
	char mode[8];
	char status[16];                         /* processing, or failed for "fa_fail...";
	                                          * then POST /_stub/payout or a payout.*
	                                          * webhook moves it on */
	int64_t amount;
	char currency[4];
	int64_t created_at;
};

/* One /v1 request as it arrived (GET /_stub/state "calls"), so a test can
 * tell that something was never asked of Razorpay. */
#define ST_CALLS     256       /* the most recent ones kept */
#define ST_CALL_BODY 512       /* bytes of the body kept */
struct st_call {
	char method[8];
	char path[128];
	char body[ST_CALL_BODY];
};

/* Fault injection for /v1 (POST /_stub/fault). */
struct st_fault {
	int status;        /* 0: none */
	int count;         /* requests left to fail */
	long delay_ms;     /* added before every /v1 answer while > 0 */
};

struct st_state {
	char account_id[ST_ID_MAX];
	int norders, npayments, nrefunds;
	struct st_order orders[ST_ORDERS];
	struct st_payment payments[ST_PAYMENTS];
	struct st_refund refunds[ST_REFUNDS];
	int npayouts;
	struct st_payout payouts[ST_PAYOUTS];
	struct st_fault fault;
	uint64_t webhooks_sent;
	uint64_t ncalls;                         /* /v1 requests so far */
	struct st_call calls[ST_CALLS];          /* the last ST_CALLS, a ring */
	char refund_status[12];     /* what a new refund is: "" = processed */
	int refund_lose;            /* refund answers still to lose (POST /_stub/refund) */
};

/* state.c */
/* Maps and initialises the shared state; called once, in the master. */
int st_init(void);
/* The state, locked for the rest of request r: st_lock defers the unlock
 * on r's arena, so a handler never leaves it locked, and is a no-op while
 * this request holds the lock; st_unlock releases it earlier (a webhook
 * delivery must not hold it; a later st_lock takes it again). */
struct st_state *st_lock(struct req *r);
void st_unlock(void);
/* prefix + 14 random base62 characters into out[ST_ID_MAX]. */
void st_new_id(char *out, const char *prefix);
int st_order_find(const struct st_state *s, const char *id);
int st_payment_find(const struct st_state *s, const char *id);
int st_payout_find(const struct st_state *s, const char *id);
int st_refund_find(const struct st_state *s, const char *id);
const char *st_pay_status_name(enum st_pay_status st);
const char *st_order_status(const struct st_order *o);
/* Moves payment p to captured and credits its order. */
void st_payment_capture(struct st_state *s, struct st_payment *p);
/* What is still refundable, in paise (0 unless captured). */
int64_t st_refundable(const struct st_payment *p);
/* Appends a refund of amount on payment pi (no checks), processed unless
 * POST /_stub/refund said otherwise, and returns its index; -1 when the
 * table is full. */
int st_refund_add(struct st_state *s, int pi, int64_t amount);
/* Moves refund f to status as Razorpay does: only a pending one moves (to
 * processed or failed; a failed one no longer counts as refunded).  False
 * when f is final in another status. */
bool st_refund_move(struct st_state *s, struct st_refund *f, const char *status);

/* Entity writers: exactly Razorpay's shapes (razorpay-facts.md B.1, B.4). */
void st_order_put(struct jw *w, const struct st_state *s, const struct st_order *o);
/* amount_override < 0: the payment's own amount.  status_override
 * describes a webhook's snapshot (captured/fee/error fields follow it);
 * PAY__MAX writes the current state. */
void st_payment_put(struct jw *w, const struct st_state *s, const struct st_payment *p,
    int64_t amount_override, enum st_pay_status status_override);
void st_refund_put(struct jw *w, const struct st_state *s, const struct st_refund *f,
    const char *status);
/* Writes notes text as stored ("" -> []). */
void st_notes_put(struct jw *w, const char *notes);
/* Writes any parsed JSON value back out. */
void st_jv_put(struct jw *w, const struct jv *v);

/* api.c: Razorpay's REST API */
void api_orders_create(struct req *r);
void api_orders_get(struct req *r);
void api_orders_payments(struct req *r);
void api_payments_get(struct req *r);
void api_payments_refund(struct req *r);
void api_payments_capture(struct req *r);
void api_refunds_get(struct req *r);
void api_payment_refunds(struct req *r);
void api_payouts_get(struct req *r);
void api_payouts_create(struct req *r);
/* status NULL: the payout's own; else a webhook's snapshot says status
 * (status_details follow it). */
void st_payout_put(struct jw *w, const struct st_payout *p, const char *status);
/* Records one /v1 request (its body's first ST_CALL_BODY bytes). */
void st_call_add(struct st_state *s, const char *method, const char *path,
    const char *body, size_t len);
void api_not_found(struct req *r);
/* Razorpay's error body: {"error":{"code","description","source","step",
 * "reason","metadata":{},"field"?}}. */
void rzp_error(struct req *r, int status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* control.c: the tests' control API */
void ctl_health(struct req *r);
void ctl_pay(struct req *r);
void ctl_webhook(struct req *r);
void ctl_state(struct req *r);
void ctl_payout(struct req *r);
void ctl_refund(struct req *r);
void ctl_fault(struct req *r);

#endif
