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
 * lost (reconcile_refunds.c). */
#include "payment.h"
#include "crypto.h"
#include "idem.h"
#include "log.h"
#include "money.h"
#include "valid.h"
#include <stdio.h>
#include <string.h>

enum { R_AMOUNT, R_NOTES, R__MAX };
static const struct field refund_fields[R__MAX] = {
	/* Razorpay's minimum refund is INR 1.00. */
	[R_AMOUNT] = { "amount", F_MONEY, 0, 100, 0, NULL },
	[R_NOTES] = { "notes", F_STRING, F_TRIM, 0, RZP_NOTE_MAX, NULL },
};

/* The X-Refund-Idempotency key into out[44]: "rf_" + 40 hex digits. */
static void
refund_key(struct req *r, const char *payment_id, int64_t amount, char out[44])
{
	char hex[65];
	const char *client = r->idem_key;
	if (client != NULL) {
		struct buf b = { 0 };
		buf_printf(&b, "%s\n%s\n%s\n%lld", r->user.sub, client, payment_id,
		    (long long)amount);
		crypto_sha256_hex(b.p, b.len, hex);
		buf_free(&b);
	} else {
		unsigned char rnd[20];
		crypto_random(rnd, sizeof rnd);
		crypto_hex(rnd, sizeof rnd, hex);
	}
	snprintf(out, 44, "rf_%.40s", hex);
}

void
refunds_create(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL || idem_begin_or_reply(r) <= 0)
		return;
	/* No body at all is a full refund. */
	struct fval f[R__MAX];
	memset(f, 0, sizeof f);
	if (r->body_len > 0 || r->body_too_large) {
		struct jv *body = req_json_or_reply(r);
		if (body == NULL || fields_or_reply(r, body, refund_fields, R__MAX, f, NULL) != 0)
			return;
	}
	/* Committed before Razorpay is asked: should its answer be lost (a
	 * timeout, a crash), the reconcile job reads the payment's refunds
	 * later and records what Razorpay made (reconcile_refunds.c). */
	if (db_exec_or_reply(r, S(S_PAY_REFUND_ASKED), (const char *[]){ id }) == NULL)
		return;
	if (db_begin(r) != 0)
		return;
	PGresult *pay = db_exec_or_reply(r, S(S_PAY_LOCK), (const char *[]){ id });
	if (pay == NULL)
		return;
	if (PQntuples(pay) != 1) {
		reply_error(r, 404, "payment not found");
		return;
	}
	const char *status = db_get(pay, 0, "status");
	if (strcmp(status, "REFUNDED") == 0) {
		reply_error(r, 409, "payment is already fully refunded");
		return;
	}
	const char *rzp_payment = db_get(pay, 0, "razorpay_payment_id");
	if (strcmp(status, "SUCCESS") != 0 || rzp_payment == NULL) {
		reply_error(r, 409, "payment is %s: only a successful payment can be refunded",
		    status);
		return;
	}
	int64_t left = db_get_ll(pay, 0, "amount") - db_get_ll(pay, 0, "amount_refunded");
	int64_t amount = f[R_AMOUNT].set ? f[R_AMOUNT].i : left;
	if (amount > left) {
		char a[32];
		reply_error(r, 400, "amount exceeds what is left to refund (%s)",
		    money_format(left, a, sizeof a));
		return;
	}

	char key[44];
	refund_key(r, id, amount, key);
	const char *notes_text = f[R_NOTES].set && f[R_NOTES].s[0] ? f[R_NOTES].s : NULL;
	struct rzp_note notes[] = {
		{ "paymentId", id }, { "orderId", db_get(pay, 0, "order_id") },
		{ "comment", notes_text },
	};
	struct rzp_result rr;
	if (rzp_refund_create(r, rzp_payment, amount, key, notes,
	    notes_text ? 3 : 2, &rr) != 0) {
		rzp_reply_error(r, &rr);
		return;
	}
	struct rzp_refund rf;
	if (rzp_refund_read(rr.entity, &rf) != 0 || strcmp(rf.payment_id, rzp_payment) != 0) {
		/* Razorpay may have refunded: its refund webhook will record it. */
		log_err("payment %s: unreadable refund answer from razorpay", id);
		reply_error(r, 502, "payment gateway error: unexpected response");
		return;
	}
	if (rf.amount != amount)
		log_err("payment %s: asked razorpay to refund %lld, it refunded %lld (%s)", id,
		    (long long)amount, (long long)rf.amount, rf.id);

	struct buf nj = { 0 };
	if (notes_text != NULL) {
		struct jw w;
		jw_init(&w, &nj);
		jw_obj_open(&w);
		jw_kstr(&w, "comment", notes_text);
		jw_obj_close(&w);
	}
	PGresult *refund, *after;
	enum apply_result ar = pay_apply_refund(r, pay, &rf, key,
	    nj.p ? arena_strndup(r->a, nj.p, nj.len) : NULL, &refund, &after);
	buf_free(&nj);
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
