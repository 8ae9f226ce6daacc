/* The payment service: payments through Razorpay, on payment_db.
 *
 * A payment belongs to one order (order_db, read through the order
 * service's internal API) and goes
 *
 *   PENDING -> PROCESSING -> SUCCESS -> (partial refunds) -> REFUNDED
 *        \          \-> FAILED -> PROCESSING | SUCCESS (late authorisation)
 *
 * forward only: SUCCESS and REFUNDED never move back.  Razorpay's webhook
 * is the source of truth; POST /payments/verify reaches the same
 * transitions (apply.c) after checking the checkout signature.  Every
 * transition and its event (PAYMENT_SUCCESS, PAYMENT_FAILED,
 * PAYMENT_REFUNDED) commit together.  The rules are logic.c's (plain
 * functions, unit-tested); the handlers do the I/O. */
#ifndef PAYMENT_H
#define PAYMENT_H
#include "client_order.h"
#include "db.h"
#include "json.h"
#include "razorpay.h"
#include "req.h"
#include "router.h"
#include "logic.h"
#include <stdbool.h>
#include <stdint.h>

enum payment_stmt {
	S_PAY_INSERT,
	S_PAY_PENDING_LOCK,
	S_PAY_ORDER_SETTLED,
	S_PAY_SET_CHECKOUT,
	S_PAY_GET,
	S_PAY_LOCK,
	S_PAY_BY_RZP_ORDER,
	S_PAY_LOCK_RZP_ORDER,
	S_PAY_LOCK_RZP_PAYMENT,
	S_PAY_OF_ORDER,
	S_PAY_LIST,
	S_PAY_TRANSITION,
	S_PAY_ADD_REFUND,
	S_REFUND_INSERT,
	S_REFUND_SET_STATUS,
	S_REFUNDS_OF,
	S_REFUND_BY_RZP,
	S_WEBHOOK_CLAIM,
	S_RECONCILE_DUE,
	S_RECONCILE_MARK,
	S_PAY_REFUND_ASKED,
	S_RECONCILE_REFUNDS_DUE,
	S_RECONCILE_REFUNDS_SEEN,
	S__MAX
};
extern const struct stmt payment_stmts[S__MAX];
#define S(id) (&payment_stmts[id])

/* A payment's columns, shared by every statement returning payments. */
#define PAY_COLS \
	"p.id, p.order_id, p.user_id, p.amount, p.currency, p.method, p.status, " \
	"p.razorpay_order_id, p.razorpay_payment_id, p.amount_refunded, p.failure_reason, " \
	"to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at, " \
	"to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS updated_at"
#define REFUND_COLS \
	"f.id, f.payment_id, f.razorpay_refund_id, f.amount, f.currency, f.status, f.notes, " \
	"to_char(f.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at"

/* ---- payments.c: records and reads ---- */

/* The full payment object of row `row` (PAY_COLS). */
void json_payment_put(struct jw *w, const PGresult *res, int row);
/* The short one of create-order: id, orderId, userId, status, amount,
 * currency, method. */
void json_payment_brief_put(struct jw *w, const PGresult *res, int row);
void json_refund_put(struct jw *w, const PGresult *res, int row);

void payments_create(struct req *r);        /* POST /payments */
void payments_get(struct req *r);           /* GET /payments/:id */
void payments_of_order(struct req *r);      /* GET /payments/order/:orderId */
void payments_list(struct req *r);          /* GET /payments */
extern const struct qparam payments_list_query[];

/* ---- order.c: the order being paid, from the order service (struct
 * order_info: common/client_order.h) ---- */

/* The checked request of POST /payments and create-order. */
struct pay_request {
	struct order_info order;
	const char *method;        /* CARD, ... or NULL */
};

/* Parses {orderId, userId?, amount?, currency?, method?}, fetches the
 * order and checks it: 404 unknown order, 403 not the caller's (unless
 * admin) or a userId that is not the caller's, 409 order not PENDING,
 * 400 amount or currency that differ from the order's.  Returns 0, or -1
 * after answering. */
int pay_request_or_reply(struct req *r, struct pay_request *pr);

/* Inside an open transaction: the order's PENDING payment, created when
 * there is none, locked (FOR UPDATE), with pr->method applied.  409 when
 * the order already has a paid, refunded or authorised payment.  Returns
 * 0 with *row set, or -1 after answering (the caller returns). */
int pay_open_or_reply(struct req *r, const struct pay_request *pr, PGresult **row);

/* ---- apply.c: the state machine (inside the caller's transaction) ---- */

enum apply_result {
	APPLY_ERROR = -1,          /* answered (503/500): give up */
	APPLY_CHANGED,             /* a transition (and its event) was written */
	APPLY_UNCHANGED,           /* already there, or a transition not allowed */
	APPLY_UNKNOWN,             /* no payment of ours for it */
	APPLY_MISMATCH             /* amount or currency differ: logged, not applied */
};

/* Applies what Razorpay says of payment p (looked up by its order_id,
 * the Razorpay order id; notes are never read).  *row, when not NULL,
 * receives the payment row after the call (NULL for APPLY_UNKNOWN). */
enum apply_result pay_apply(struct req *r, enum pay_event ev,
    const struct rzp_payment *p, PGresult **row);

/* Records Razorpay refund f against the locked payment row pay (row 0):
 * when the refund is unknown it is inserted and counted (amount_refunded,
 * REFUNDED when nothing is left, PAYMENT_REFUNDED); when it is known only
 * its status moves forward.  idem_key and notes_json may be NULL.
 * *refund and *after receive the refund and payment rows. */
enum apply_result pay_apply_refund(struct req *r, const PGresult *pay,
    const struct rzp_refund *f, const char *idem_key, const char *notes_json,
    PGresult **refund, PGresult **after);

/* ---- checkout.c ---- */
void checkout_create_order(struct req *r);  /* POST /payments/razorpay/create-order */
void checkout_verify(struct req *r);        /* POST /payments/verify */

/* ---- refunds.c ---- */
void refunds_create(struct req *r);         /* POST /payments/:id/refund */

/* ---- webhook.c ---- */
void webhook_post(struct req *r);           /* POST /payments/webhook */

/* ---- reconcile.c ---- */
void jobs_reconcile(struct req *r);         /* POST /internal/payment/jobs/reconcile */
/* A run stops taking new payments after this long (reconcile.c). */
#define RECONCILE_BUDGET_MS 40000

/* ---- reconcile_refunds.c: the run's refunds, under its lock ---- */

/* Refunds looked at (checked = processed + failed + pending + errors),
 * by their status afterwards; recorded: those of them we did not know
 * (the refund call's answer was lost), now recorded with their effects. */
struct refund_tally {
	long long checked, processed, failed, pending, recorded, errors;
};
/* Asks Razorpay about the refunds of up to limit payments that have one
 * PENDING for over after_s seconds, or a refund call older than that
 * whose answer may be lost, and applies each through pay_apply_refund.
 * 0, or -1 after answering (a database failure). */
int reconcile_refunds(struct req *r, int64_t limit, int64_t after_s, struct refund_tally *t);

/* GET /internal/<service>/audit's statement (audit.c) */
extern const struct stmt payment_audit;

#endif
