/* Checkout: POST /payments/razorpay/create-order and POST /payments/verify
 * (the contract's Frontend Integration Guide, section 6).
 *
 * create-order makes (or reuses) the order's PENDING payment and its
 * Razorpay order for the server-side total, holding the payment row lock
 * across the Razorpay call, so two concurrent calls for one order make one
 * Razorpay order.  verify checks the checkout signature against the
 * Razorpay order id we stored, then asks Razorpay what the payment is and
 * applies it through the webhook's state machine (apply.c). */
#include "payment.h"
#include "config.h"
#include "idem.h"
#include "log.h"
#include "router.h"
#include "valid.h"
#include <stdio.h>
#include <string.h>

/* "rcpt_" + the payment uuid's 32 hex digits: 37 characters, unique. */
static void
receipt_of(const char *payment_id, char out[RZP_RECEIPT_MAX + 1])
{
	char *o = out + snprintf(out, RZP_RECEIPT_MAX + 1, "rcpt_");
	for (const char *p = payment_id; *p && o < out + RZP_RECEIPT_MAX; p++)
		if (*p != '-')
			*o++ = *p;
	*o = '\0';
}

/* Answers 201 {payment, razorpayOrder} for the payment row and the
 * Razorpay order entity. */
static void
reply_checkout(struct req *r, const PGresult *pay, const struct jv *order)
{
	int64_t amount = 0;
	rzp_int(order, "amount", &amount);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "payment");
	json_payment_brief_put(&w, pay, 0);
	jw_key(&w, "razorpayOrder");
	jw_obj_open(&w);
	jw_kstr(&w, "id", rzp_str(order, "id"));
	jw_kint(&w, "amount", amount);
	jw_kstr(&w, "currency", rzp_str(order, "currency"));
	jw_kstr(&w, "receipt", rzp_str(order, "receipt"));
	jw_kstr(&w, "status", rzp_str(order, "status"));
	jw_kstr(&w, "key", config_str("RAZORPAY_KEY_ID", NULL));
	jw_obj_close(&w);
	jw_obj_close(&w);
	reply_w(r, 201);
}

/* The Razorpay order must be for exactly our amount and currency. */
static bool
order_matches(const struct jv *order, const PGresult *pay)
{
	int64_t amount;
	const char *cur = rzp_str(order, "currency");
	return rzp_str(order, "id") != NULL && rzp_int(order, "amount", &amount) == 0 &&
	    amount == db_get_ll(pay, 0, "amount") && cur != NULL &&
	    strcmp(cur, db_get(pay, 0, "currency")) == 0;
}

void
checkout_create_order(struct req *r)
{
	if (idem_begin_or_reply(r) <= 0)
		return;
	struct pay_request pr;
	if (pay_request_or_reply(r, &pr) != 0 || db_begin(r) != 0)
		return;
	PGresult *pay;
	if (pay_open_or_reply(r, &pr, &pay) != 0)
		return;
	const char *id = db_get(pay, 0, "id");
	const char *rzp_order = db_get(pay, 0, "razorpay_order_id");
	struct rzp_result rr;
	if (rzp_order != NULL) {
		/* Reuse: one Razorpay order takes any number of attempts (IN). */
		if (rzp_order_fetch(r, rzp_order, &rr) != 0) {
			rzp_reply_error(r, &rr);
			return;
		}
		const char *st = rzp_str(rr.entity, "status");
		if (st != NULL && strcmp(st, "paid") == 0) {
			reply_error(r, 409, "order is already paid: payment %s is being confirmed", id);
			return;
		}
	} else {
		char receipt[RZP_RECEIPT_MAX + 1];
		receipt_of(id, receipt);
		const struct rzp_note notes[] = {
			{ "orderId", pr.order.id }, { "userId", pr.order.user_id }, { "paymentId", id },
		};
		if (rzp_order_create(r, db_get_ll(pay, 0, "amount"), db_get(pay, 0, "currency"),
		    receipt, notes, sizeof notes / sizeof notes[0], &rr) != 0) {
			rzp_reply_error(r, &rr);
			return;
		}
		if (!rzp_id_ok(rzp_str(rr.entity, "id"))) {
			log_err("payment %s: razorpay answered an order without a usable id", id);
			reply_error(r, 502, "payment gateway error: unexpected response");
			return;
		}
		const char *p[] = { id, rzp_str(rr.entity, "id"), NULL };
		if ((pay = db_exec_or_reply(r, S(S_PAY_SET_CHECKOUT), p)) == NULL)
			return;
	}
	if (!order_matches(rr.entity, pay)) {
		log_err("payment %s: razorpay order %s is not for %lld %s", id,
		    rzp_str(rr.entity, "id"), db_get_ll(pay, 0, "amount"), db_get(pay, 0, "currency"));
		reply_error(r, 502, "payment gateway error: the order amount does not match");
		return;
	}
	reply_checkout(r, pay, rr.entity);
	idem_commit_or_reply(r);   /* the answer commits with the payment */
}

enum { V_ORDER, V_PAYMENT, V_SIGNATURE, V__MAX };
static const struct field verify_fields[V__MAX] = {
	[V_ORDER] = { "razorpay_order_id", F_STRING, F_REQUIRED, 1, 64, NULL },
	[V_PAYMENT] = { "razorpay_payment_id", F_STRING, F_REQUIRED, 1, 64, NULL },
	[V_SIGNATURE] = { "razorpay_signature", F_STRING, F_REQUIRED, 1, 128, NULL },
};

static void
reply_verified(struct req *r, const PGresult *pay)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "verified", true);
	jw_key(&w, "payment");
	json_payment_put(&w, pay, 0);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* The payment a verify body names, when the caller may verify it and
 * the checkout signature is right (over our stored Razorpay order id,
 * never the browser's: they are equal here, as the row was found by it;
 * the rule stands anyway).  The row, or NULL after answering. */
static PGresult *
verify_payment_or_reply(struct req *r, const char *order_id, const char *payment_id,
    const char *signature)
{
	if (!rzp_id_ok(order_id)) {
		reply_error(r, 400, "razorpay_order_id must be a Razorpay order id");
		return NULL;
	}
	if (!rzp_id_ok(payment_id)) {
		reply_error(r, 400, "razorpay_payment_id must be a Razorpay payment id");
		return NULL;
	}
	PGresult *pay = db_exec_or_reply(r, S(S_PAY_BY_RZP_ORDER), (const char *[]){ order_id });
	if (pay == NULL)
		return NULL;
	if (PQntuples(pay) != 1) {
		reply_error(r, 404, "no payment for this razorpay_order_id");
		return NULL;
	}
	if (!guard_owner_or_reply(r, db_get(pay, 0, "user_id")))
		return NULL;
	const char *secret = config_str("RAZORPAY_KEY_SECRET", NULL);
	if (secret == NULL) {
		log_err("RAZORPAY_KEY_SECRET is not set: cannot verify checkout signatures");
		reply_error(r, 503, "payment gateway is not configured");
		return NULL;
	}
	if (!rzp_signature_ok(secret, db_get(pay, 0, "razorpay_order_id"), payment_id,
	    signature)) {
		log_warn("payment %s: invalid checkout signature for %s", db_get(pay, 0, "id"),
		    payment_id);
		reply_error(r, 400, "invalid payment signature");
		return NULL;
	}
	return pay;
}

/* Razorpay's payment payment_id into *p, when it is a payment of our
 * Razorpay order `ours`.  0, or -1 after answering. */
static int
verify_fetch_or_reply(struct req *r, const char *ours, const char *payment_id,
    struct rzp_payment *p)
{
	struct rzp_result rr;
	if (rzp_payment_fetch(r, payment_id, &rr) != 0) {
		rzp_reply_error(r, &rr);
		return -1;
	}
	if (rzp_payment_read(rr.entity, p) != 0) {
		log_err("razorpay payment %s: unreadable entity", payment_id);
		reply_error(r, 502, "payment gateway error: unexpected response");
		return -1;
	}
	if (p->order_id == NULL || strcmp(p->order_id, ours) != 0 ||
	    strcmp(p->id, payment_id) != 0) {
		reply_error(r, 400, "razorpay_payment_id is not a payment of this order");
		return -1;
	}
	return 0;
}

/* Applies Razorpay's event ev for payment p (apply.c) in a transaction of
 * its own and answers. */
static void
verify_apply(struct req *r, enum pay_event ev, const struct rzp_payment *p)
{
	if (db_begin(r) != 0)
		return;
	PGresult *after;
	enum apply_result ar = pay_apply(r, ev, p, &after);
	if (ar == APPLY_ERROR)
		return;
	if (ar == APPLY_UNKNOWN) {
		reply_error(r, 404, "no payment for this razorpay_order_id");
		return;
	}
	if (ar == APPLY_MISMATCH) {
		reply_error(r, 409, "the payment's amount or currency does not match the order");
		return;
	}
	if (db_commit(r) != 0)
		return;
	if (strcmp(db_get(after, 0, "status"), "FAILED") == 0) {
		reply_error(r, 409, "payment failed: %s", p->error ? p->error : "declined");
		return;
	}
	reply_verified(r, after);
}

void
checkout_verify(struct req *r)
{
	struct fval f[V__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, verify_fields, V__MAX, f, NULL) != 0)
		return;
	const char *payment_id = f[V_PAYMENT].s;
	PGresult *pay = verify_payment_or_reply(r, f[V_ORDER].s, payment_id, f[V_SIGNATURE].s);
	if (pay == NULL)
		return;
	if (pay_verified_already(db_get(pay, 0, "status"), db_get(pay, 0, "razorpay_payment_id"),
	    payment_id)) {
		reply_verified(r, pay);     /* the webhook (or a first verify) got here first */
		return;
	}
	struct rzp_payment p;
	if (verify_fetch_or_reply(r, db_get(pay, 0, "razorpay_order_id"), payment_id, &p) != 0)
		return;
	enum pay_event ev;
	if (!pay_event_of(p.status, &ev)) {
		reply_verified(r, pay);     /* "created": nothing happened yet */
		return;
	}
	verify_apply(r, ev, &p);
}
