/* POST /payments/:id/refund (ADMIN): {amount?, notes?}, a full or partial
 * refund of a SUCCESS payment through Razorpay.
 *
 * The payment row stays locked from the check of what is left to refund
 * until the refund is recorded, so two concurrent refunds cannot exceed
 * the captured amount.  Razorpay gets an X-Refund-Idempotency key that is
 * stored with the refund: derived from the client's Idempotency-Key when
 * there is one (a retry after a lost answer asks Razorpay for the same
 * refund, not a second one), random otherwise.  The refund, the new
 * amount_refunded (REFUNDED when nothing is left) and PAYMENT_REFUNDED
 * commit together (apply.c).  The payment's refund_asked_at, committed
 * before the call, lets the reconcile job find a refund whose answer was
 * lost (reconcile_refunds.c).  What may be refunded and the key are
 * logic.c's rules. */
#include "payment.h"
#include "idem.h"
#include "log.h"
#include "money.h"
#include "valid.h"
#include <string.h>

enum { R_AMOUNT, R_NOTES, R__MAX };
static const struct field refund_fields[R__MAX] = {
	/* Razorpay's minimum refund is INR 1.00. */
	[R_AMOUNT] = { "amount", F_MONEY, 0, 100, 0, NULL },
	[R_NOTES] = { "notes", F_STRING, F_TRIM, 0, RZP_NOTE_MAX, NULL },
};

/* Inside the transaction: payment id locked, and what may be refunded of
 * it (pay_refund_request: the asked amount, else what is left) into
 * *amount.  The payment row, or NULL after answering 404/409/400 (the
 * server rolls back). */
static PGresult *
refund_payment_or_reply(struct req *r, const char *id, const struct fval *ask,
    int64_t *amount)
{
	PGresult *pay = db_exec_or_reply(r, S(S_PAY_LOCK), (const char *[]){ id });
	if (pay == NULL)
		return NULL;
	if (PQntuples(pay) != 1) {
		reply_error(r, 404, "payment not found");
		return NULL;
	}
	const char *status = db_get(pay, 0, "status");
	char a[32];
	switch (pay_refund_request(status, db_get(pay, 0, "razorpay_payment_id") != NULL,
	    db_get_ll(pay, 0, "amount"), db_get_ll(pay, 0, "amount_refunded"), ask->set, ask->i,
	    amount)) {
	case PAY_REFUND_OK:
		return pay;
	case PAY_REFUND_DONE:
		reply_error(r, 409, "payment is already fully refunded");
		break;
	case PAY_REFUND_NOT_PAID:
		reply_error(r, 409, "payment is %s: only a successful payment can be refunded",
		    status);
		break;
	case PAY_REFUND_TOO_MUCH:
		reply_error(r, 400, "amount exceeds what is left to refund (%s)",
		    money_format(*amount, a, sizeof a));
		break;
	}
	return NULL;
}

/* Asks Razorpay to refund amount of payment id (its locked row pay) under
 * key.  0 with *rf Razorpay's refund, or -1 after answering (the caller
 * rolls back). */
static int
refund_ask_or_reply(struct req *r, const char *id, const PGresult *pay, int64_t amount,
    const char *key, const char *notes_text, struct rzp_refund *rf)
{
	const char *rzp_payment = db_get(pay, 0, "razorpay_payment_id");
	struct rzp_note notes[] = {
		{ "paymentId", id }, { "orderId", db_get(pay, 0, "order_id") },
		{ "comment", notes_text },
	};
	struct rzp_result rr;
	if (rzp_refund_create(r, rzp_payment, amount, key, notes,
	    notes_text ? 3 : 2, &rr) != 0) {
		rzp_reply_error(r, &rr);
		return -1;
	}
	if (rzp_refund_read(rr.entity, rf) != 0 || strcmp(rf->payment_id, rzp_payment) != 0) {
		/* Razorpay may have refunded: its refund webhook will record it. */
		log_err("payment %s: unreadable refund answer from razorpay", id);
		reply_error(r, 502, "payment gateway error: unexpected response");
		return -1;
	}
	if (rf->amount != amount)
		log_err("payment %s: asked razorpay to refund %lld, it refunded %lld (%s)", id,
		    (long long)amount, (long long)rf->amount, rf->id);
	return 0;
}

/* {"comment": text} (arena-owned), or NULL without a text. */
static const char *
notes_json(struct req *r, const char *text)
{
	if (text == NULL)
		return NULL;
	struct buf nj = { 0 };
	struct jw w;
	jw_init(&w, &nj);
	jw_obj_open(&w);
	jw_kstr(&w, "comment", text);
	jw_obj_close(&w);
	const char *s = arena_strndup(r->a, nj.p, nj.len);
	buf_free(&nj);
	return s;
}

/* Records Razorpay's refund rf of payment id (its locked row pay) through
 * pay_apply_refund and answers 201 {refund, payment}; the answer commits
 * with the refund. */
static void
refund_record_and_reply(struct req *r, const char *id, const PGresult *pay,
    const struct rzp_refund *rf, const char *key, const char *notes_text)
{
	PGresult *refund, *after;
	enum apply_result ar = pay_apply_refund(r, pay, rf, key, notes_json(r, notes_text),
	    &refund, &after);
	if (ar == APPLY_ERROR)
		return;
	if (ar == APPLY_MISMATCH || refund == NULL) {
		reply_error(r, 502, "payment gateway error: the refund does not match the payment");
		return;
	}
	if (strcmp(db_get(refund, 0, "status"), "FAILED") == 0) {
		if (db_commit(r) == 0)
			reply_error(r, 502, "payment gateway error: the refund failed");
		return;
	}
	if (after == NULL) {
		/* Recorded before (a webhook, or a retry): show the payment now. */
		if ((after = db_exec_or_reply(r, S(S_PAY_GET), (const char *[]){ id })) == NULL)
			return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "refund");
	json_refund_put(&w, refund, 0);
	jw_key(&w, "payment");
	json_payment_put(&w, after, 0);
	jw_obj_close(&w);
	reply_w(r, 201);
	/* The answer commits with the refund: a retry after any crash gets it
	 * (a full refund retried would otherwise find nothing left). */
	idem_commit_or_reply(r);
}

void
refunds_create(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	struct fval f[R__MAX];   /* no body at all: a full refund */
	if (id == NULL || idem_begin_or_reply(r) <= 0 || optional_fields_or_reply(r, refund_fields, R__MAX, f) != 0)
		return;
	/* Committed before Razorpay is asked: should its answer be lost (a
	 * timeout, a crash), the reconcile job reads the payment's refunds
	 * later and records what Razorpay made (reconcile_refunds.c). */
	if (db_exec_or_reply(r, S(S_PAY_REFUND_ASKED), (const char *[]){ id }) == NULL)
		return;
	if (db_begin(r) != 0)
		return;
	int64_t amount;
	PGresult *pay = refund_payment_or_reply(r, id, &f[R_AMOUNT], &amount);
	if (pay == NULL)
		return;
	char key[44];
	pay_refund_key(r->user.sub, r->idem_key, id, amount, key);
	const char *notes_text = f[R_NOTES].set && f[R_NOTES].s[0] ? f[R_NOTES].s : NULL;
	struct rzp_refund rf;
	if (refund_ask_or_reply(r, id, pay, amount, key, notes_text, &rf) != 0)
		return;
	refund_record_and_reply(r, id, pay, &rf, key, notes_text);
}
