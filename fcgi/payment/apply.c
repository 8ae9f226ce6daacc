/* The payment state machine, shared by the webhook and POST
 * /payments/verify.  Every function runs inside the caller's transaction,
 * locks the payment row first, and writes the transition and its event
 * together:
 *
 *   captured    PENDING | PROCESSING | FAILED -> SUCCESS     PAYMENT_SUCCESS
 *   authorized  PENDING | FAILED -> PROCESSING
 *   failed      PENDING | PROCESSING -> FAILED               PAYMENT_FAILED
 *   refund      SUCCESS -> SUCCESS (partial) | REFUNDED       PAYMENT_REFUNDED
 *
 * Anything else changes nothing: SUCCESS and REFUNDED never move back, so
 * payment.captured followed by order.paid (or a replay, or verify racing
 * the webhook) is one effect and one event.  A payment whose amount or
 * currency differs from ours is logged and not applied.
 *
 * The reconciliation job (reconcile.c) reaches the same transitions from
 * Razorpay's list of an order's payments, through pay_decide.  Which
 * status follows which, and what fits, are logic.c's rules. */
#include "payment.h"
#include "log.h"
#include "outbox.h"
#include <string.h>

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* paymentId, orderId, userId of row 0. */
static void
ids_put(struct jw *w, const PGresult *row)
{
	jw_kstr(w, "paymentId", db_get(row, 0, "id"));
	jw_kstr(w, "orderId", db_get(row, 0, "order_id"));
	jw_kstr(w, "userId", db_get(row, 0, "user_id"));
}

/* Writes the event of a transition to `row` (the payment after it).
 * 0, or -1 after answering. */
static int
transition_event(struct req *r, const PGresult *row)
{
	const char *status = db_get(row, 0, "status");
	const char *type = is(status, "SUCCESS") ? "PAYMENT_SUCCESS" :
	    is(status, "FAILED") ? "PAYMENT_FAILED" : NULL;
	if (type == NULL)
		return 0;
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	ids_put(&w, row);
	jw_kint(&w, "amountPaise", db_get_ll(row, 0, "amount"));
	jw_kstr(&w, "currency", db_get(row, 0, "currency"));
	if (is(status, "SUCCESS")) {
		jw_kstr(&w, "razorpayOrderId", db_get(row, 0, "razorpay_order_id"));
		jw_kstr(&w, "razorpayPaymentId", db_get(row, 0, "razorpay_payment_id"));
	} else {
		jw_kstr(&w, "reason", db_get(row, 0, "failure_reason"));
	}
	jw_obj_close(&w);
	const char *eid = outbox_put(r, type, db_get(row, 0, "id"), &b);
	buf_free(&b);
	return eid != NULL ? 0 : -1;
}

enum apply_result
pay_apply(struct req *r, enum pay_event ev, const struct rzp_payment *p, PGresult **row)
{
	if (row != NULL)
		*row = NULL;
	if (p->order_id == NULL)
		return APPLY_UNKNOWN;
	PGresult *cur = db_exec_or_reply(r, S(S_PAY_LOCK_RZP_ORDER), (const char *[]){ p->order_id });
	if (cur == NULL)
		return APPLY_ERROR;
	if (PQntuples(cur) != 1) {
		log_warn("razorpay order %s (payment %s) is not one of ours", p->order_id, p->id);
		return APPLY_UNKNOWN;
	}
	if (row != NULL)
		*row = cur;
	const char *id = db_get(cur, 0, "id");
	const char *from = db_get(cur, 0, "status");
	const char *known = db_get(cur, 0, "razorpay_payment_id");
	if (!pay_amount_fits(ev, p->amount, p->currency, db_get_ll(cur, 0, "amount"),
	    db_get(cur, 0, "currency"))) {
		log_err("payment %s: razorpay payment %s of %lld %s does not match our %lld %s: "
		    "not applied", id, p->id, (long long)p->amount, p->currency,
		    db_get_ll(cur, 0, "amount"), db_get(cur, 0, "currency"));
		return APPLY_MISMATCH;
	}
	const char *to = pay_next_status(ev, from, known, p->id);
	if (to == NULL) {
		if (ev == PAY_EV_CAPTURED && known != NULL && !is(known, p->id))
			log_err("payment %s is %s with %s, and razorpay payment %s was captured on "
			    "the same order too: refund one of them", id, from, known, p->id);
		return APPLY_UNCHANGED;
	}
	const char *reason = NULL;
	if (ev == PAY_EV_FAILED)
		reason = arena_strndup(r->a, p->error ? p->error : "payment failed", 500);
	const char *params[] = { id, from, to, p->id, rzp_method_name(p->method), reason };
	PGresult *after = db_exec_or_reply(r, S(S_PAY_TRANSITION), params);
	if (after == NULL)
		return APPLY_ERROR;
	if (PQntuples(after) != 1) {
		/* The row is locked: this cannot happen. */
		log_err("payment %s changed under its row lock", id);
		reply_error(r, 500, "internal server error");
		return APPLY_ERROR;
	}
	if (transition_event(r, after) != 0)
		return APPLY_ERROR;
	log_info("payment %s: %s -> %s (razorpay %s)", id, from, to, p->id);
	if (row != NULL)
		*row = after;
	return APPLY_CHANGED;
}

static int
refund_event(struct req *r, const PGresult *after, const PGresult *refund)
{
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	ids_put(&w, after);
	jw_kstr(&w, "refundId", db_get(refund, 0, "id"));
	jw_kint(&w, "amountPaise", db_get_ll(refund, 0, "amount"));
	jw_kint(&w, "refundedPaise", db_get_ll(after, 0, "amount_refunded"));
	jw_kbool(&w, "full", is(db_get(after, 0, "status"), "REFUNDED"));
	jw_kstr(&w, "currency", db_get(after, 0, "currency"));
	jw_obj_close(&w);
	const char *eid = outbox_put(r, "PAYMENT_REFUNDED", db_get(after, 0, "id"), &b);
	buf_free(&b);
	return eid != NULL ? 0 : -1;
}

enum apply_result
pay_apply_refund(struct req *r, const PGresult *pay, const struct rzp_refund *f,
    const char *idem_key, const char *notes_json, PGresult **refund, PGresult **after)
{
	*refund = NULL;
	*after = NULL;
	const char *id = db_get(pay, 0, "id");
	const char *status = pay_refund_status(f->status);

	PGresult *known = db_exec_or_reply(r, S(S_REFUND_BY_RZP), (const char *[]){ f->id });
	if (known == NULL)
		return APPLY_ERROR;
	if (PQntuples(known) == 1) {
		/* Recorded already (by the API call or an earlier event): only
		 * its status moves, pending -> processed | failed. */
		*refund = known;
		PGresult *upd = db_exec_or_reply(r, S(S_REFUND_SET_STATUS),
		    (const char *[]){ f->id, status });
		if (upd == NULL)
			return APPLY_ERROR;
		if (PQntuples(upd) == 1) {
			*refund = upd;
			if (is(status, "FAILED"))
				log_err("payment %s: refund %s failed at Razorpay after it was "
				    "counted: follow it up by hand", id, f->id);
		}
		return APPLY_UNCHANGED;
	}
	if (!is(f->currency, db_get(pay, 0, "currency"))) {
		log_err("payment %s: refund %s is in %s: not applied", id, f->id, f->currency);
		return APPLY_MISMATCH;
	}
	bool counts = !is(status, "FAILED");
	if (counts && !pay_refund_fits(db_get(pay, 0, "status"), db_get_ll(pay, 0, "amount"),
	    db_get_ll(pay, 0, "amount_refunded"), f->amount)) {
		log_err("payment %s (%s, %lld of %lld refunded): refund %s of %lld does not fit: "
		    "not applied", id, db_get(pay, 0, "status"), db_get_ll(pay, 0, "amount_refunded"),
		    db_get_ll(pay, 0, "amount"), f->id, (long long)f->amount);
		return APPLY_MISMATCH;
	}
	const char *p[] = { id, f->id, db_int(r, f->amount), f->currency, status, idem_key,
	    notes_json };
	PGresult *ins = db_exec_or_reply(r, S(S_REFUND_INSERT), p);
	if (ins == NULL)
		return APPLY_ERROR;
	if (PQntuples(ins) != 1) {
		/* Our idempotency key is taken by another refund id: Razorpay
		 * answered a retry with a refund we do not know. */
		log_err("payment %s: refund %s conflicts with a recorded refund: not applied",
		    id, f->id);
		return APPLY_MISMATCH;
	}
	*refund = ins;
	if (!counts)
		return APPLY_CHANGED;
	PGresult *upd = db_exec_or_reply(r, S(S_PAY_ADD_REFUND),
	    (const char *[]){ id, db_int(r, f->amount) });
	if (upd == NULL)
		return APPLY_ERROR;
	if (PQntuples(upd) != 1) {
		log_err("payment %s changed under its row lock", id);
		reply_error(r, 500, "internal server error");
		return APPLY_ERROR;
	}
	*after = upd;
	if (refund_event(r, upd, ins) != 0)
		return APPLY_ERROR;
	log_info("payment %s: refund %s of %lld recorded (%s)", id, f->id,
	    (long long)f->amount, db_get(upd, 0, "status"));
	return APPLY_CHANGED;
}
