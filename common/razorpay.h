/* Razorpay: the checkout and webhook signatures, and the REST client.
 *
 * Signatures (spec/razorpay-facts.md B.2, B.3): lower-case hex
 * HMAC-SHA256, compared in constant time.  The checkout signature is keyed
 * with the API key secret over "order_id|payment_id", where order_id is the
 * Razorpay order id WE stored (never the one the browser sends back); the
 * webhook signature is keyed with RAZORPAY_WEBHOOK_SECRET over the exact
 * bytes received.
 *
 * The client speaks the real REST API over common/http.c: base URL
 * RAZORPAY_API_BASE including the version (default
 * https://api.razorpay.com/v1, "/orders" is appended to it), HTTP basic
 * auth RAZORPAY_KEY_ID:RAZORPAY_KEY_SECRET, amounts in integer paise,
 * RAZORPAY_TIMEOUT_MS (10000) per call.  Neither the secret nor the
 * Authorization header is ever logged. */
#ifndef RAZORPAY_H
#define RAZORPAY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "req.h"

#define RZP_DEFAULT_BASE "https://api.razorpay.com/v1"
/* Razorpay's limits: receipt length, notes pairs and value length. */
#define RZP_RECEIPT_MAX 40
#define RZP_NOTES_MAX 15
#define RZP_NOTE_MAX 256

/* ---- signatures ---- */

/* Checkout: HMAC-SHA256(key_secret, order_id "|" payment_id) == signature.
 * False when any argument is NULL or empty. */
bool rzp_signature_ok(const char *key_secret, const char *order_id,
    const char *payment_id, const char *signature);
/* Webhook: HMAC-SHA256(secret, body[0..len)) == signature.  False when the
 * secret is NULL or empty (never "skip the check") or the signature is
 * missing. */
bool rzp_webhook_ok(const char *secret, const void *body, size_t len,
    const char *signature);

/* One webhook delivery, checked as Razorpay signs it, before anything is
 * parsed: 413 for a body too large; 400 when the secret (environment
 * variable secret_var: RAZORPAY_WEBHOOK_SECRET, RAZORPAYX_WEBHOOK_SECRET) is
 * unset, X-Razorpay-Signature is missing, or it is not the HMAC-SHA256 of
 * the raw body (r->body) under that secret (constant time); then 400 when
 * the signed body is not a JSON object with an "event" of 1 to 100
 * characters.  Returns the parsed body with *event and *key, the
 * delivery's dedup key (X-Razorpay-Event-Id, or "body:" and the body's
 * SHA-256 without one), all in r's arena; or NULL after answering. */
const struct jv *rzp_webhook_or_reply(struct req *r, const char *secret_var,
    const char **event, const char **key);
/* Answers a webhook 200 {"status": status, "event": event}. */
void rzp_webhook_ack(struct req *r, const char *event, const char *status);

/* A Razorpay id fit for a URL path: 1 to 64 of [A-Za-z0-9_]. */
bool rzp_id_ok(const char *s);
/* An X-Refund-Idempotency key: 10 to 64 of [A-Za-z0-9_-]. */
bool rzp_idem_key_ok(const char *s);

/* ---- the REST client ---- */

enum rzp_err {
	RZP_OK,
	RZP_REJECTED,      /* Razorpay answered with an error ({"error":{...}}, non-2xx) */
	RZP_BAD_ANSWER,    /* 2xx, but not the JSON object expected */
	RZP_UNAVAILABLE,   /* transport failure or timeout */
	RZP_UNCONFIGURED   /* RAZORPAY_KEY_ID or RAZORPAY_KEY_SECRET unset */
};

struct rzp_result {
	enum rzp_err err;
	long status;                 /* HTTP status, 0 without an answer */
	const struct jv *entity;     /* RZP_OK: the answer (an object) */
	const char *code;            /* RZP_REJECTED: error.code, or NULL */
	const char *description;     /* RZP_REJECTED: error.description, or NULL */
};

/* One notes pair ({"orderId": "..."}). */
struct rzp_note {
	const char *key;
	const char *value;
};

/* Each call returns 0 with res->entity set, or -1 with res->err saying why
 * (logged).  Everything returned lives in r's arena. */

/* POST /orders {amount, currency, receipt, notes}. */
int rzp_order_create(struct req *r, int64_t amount, const char *currency,
    const char *receipt, const struct rzp_note *notes, size_t nnotes,
    struct rzp_result *res);
/* GET /orders/:id */
int rzp_order_fetch(struct req *r, const char *order_id, struct rzp_result *res);
/* GET /orders/:id/payments: {"entity":"collection","count","items":[...]} */
int rzp_order_payments(struct req *r, const char *order_id, struct rzp_result *res);
/* GET /payments/:id */
int rzp_payment_fetch(struct req *r, const char *payment_id, struct rzp_result *res);
/* GET /payments/:id/refunds: {"entity":"collection","count","items":[refund...]} */
int rzp_payment_refunds(struct req *r, const char *payment_id, struct rzp_result *res);
/* POST /payments/:id/refund {amount?, notes} with X-Refund-Idempotency:
 * idem_key.  amount 0 refunds what is left. */
int rzp_refund_create(struct req *r, const char *payment_id, int64_t amount,
    const char *idem_key, const struct rzp_note *notes, size_t nnotes,
    struct rzp_result *res);

/* RazorpayX Payouts: POST /payouts (razorpay-facts.md B.5) from the
 * business account account_number to fund account fund_account_id
 * ("fa_..."), purpose "payout", queued if the balance is low, with
 * X-Payout-Idempotency: idem_key (4 to 36 of letters, digits, "-", "_" and
 * space: a retry with the same key and body gets the first result, so a
 * payout is never made twice).  The answer is a payout entity: status
 * queued, pending, processing, processed, or rejected, cancelled, failed,
 * reversed. */
struct rzp_payout {
	const char *account_number, *fund_account_id, *currency, *mode;
	int64_t amount;                 /* paise, at least 100 */
	const char *reference_id;       /* at most 40 characters */
	const char *idem_key;
	const struct rzp_note *notes;
	size_t nnotes;
};
/* GET /payouts/:id (RazorpayX): the payout's current status. */
int rzp_payout_fetch(struct req *r, const char *payout_id, struct rzp_result *res);
int rzp_payout_create(struct req *r, const struct rzp_payout *p, struct rzp_result *res);
bool rzp_payout_idem_ok(const char *s);

/* Answers a failed call: 502 "payment gateway error: <description>" for a
 * rejection or a malformed answer, 503 "payment gateway unavailable" for a
 * transport failure or timeout, 503 when the keys are not configured. */
void rzp_reply_error(struct req *r, const struct rzp_result *res);

/* ---- reading entities ---- */

/* A payment entity (webhook payload.payment.entity, GET /payments/:id). */
struct rzp_payment {
	const char *id;              /* "pay_..." */
	const char *order_id;        /* "order_...", or NULL */
	const char *status;          /* created, authorized, captured, refunded, failed */
	int64_t amount;              /* paise */
	const char *currency;
	const char *method;          /* card, upi, netbanking, wallet, ... or NULL */
	const char *error;           /* error_description, or NULL */
};
/* Fills p from a payment entity.  Returns 0, or -1 when id, status, amount
 * or currency is missing or of the wrong type. */
int rzp_payment_read(const struct jv *entity, struct rzp_payment *p);

/* A refund entity (payload.refund.entity, POST /payments/:id/refund). */
struct rzp_refund {
	const char *id;              /* "rfnd_..." */
	const char *payment_id;      /* "pay_..." */
	const char *status;          /* pending, processed, failed */
	int64_t amount;
	const char *currency;
};
int rzp_refund_read(const struct jv *entity, struct rzp_refund *f);

/* Value at a dotted path of objects ("payload.payment.entity"), or NULL. */
const struct jv *rzp_get(const struct jv *v, const char *path);
/* A string member, or NULL when absent or not a string. */
const char *rzp_str(const struct jv *o, const char *key);
/* A non-negative integer member (paise, counts, timestamps).  Returns 0,
 * or -1 when absent, not an integer, negative or too large. */
int rzp_int(const struct jv *o, const char *key, int64_t *out);

/* Our method name for Razorpay's ("card" -> "CARD"), or NULL for the
 * methods we do not list (emi, paylater, ...). */
const char *rzp_method_name(const char *rzp_method);

#endif
