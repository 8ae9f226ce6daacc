/* POST /payments/webhook: Razorpay's events, the source of truth.
 *
 * 1. The signature: X-Razorpay-Signature is the HMAC-SHA256 of the raw
 *    body (r->body, exactly the bytes received) with
 *    RAZORPAY_WEBHOOK_SECRET, compared in constant time.  A bad or missing
 *    signature, or no secret configured, is a 400 and changes nothing.
 * 2. Only then the body is parsed (any content type).  Both are
 *    rzp_webhook_or_reply (common/razorpay.c), which the wallet's
 *    RazorpayX payout webhook shares.
 * 3. One transaction: the delivery's X-Razorpay-Event-Id (or "body:" and
 *    the body's SHA-256 without one) is inserted into webhook_events, then
 *    the effect (apply.c) is written.  A repeat finds the id taken and
 *    answers 200 without an effect; concurrent identical deliveries wait
 *    on the key and find it taken.
 * 4. 200 for everything Razorpay should not retry: applied, duplicate,
 *    unknown order, amount mismatch (logged as an error), unknown event.
 *    Only a database outage answers 503, so Razorpay retries.
 *
 * No outgoing HTTP call happens here: the answer takes milliseconds, and
 * the relay delivers the events. */
#include "payment.h"
#include "log.h"
#include <string.h>

static enum apply_result
on_payment(struct req *r, enum pay_event ev, const struct jv *root)
{
	struct rzp_payment p;
	if (rzp_payment_read(rzp_get(root, "payload.payment.entity"), &p) != 0) {
		log_warn("webhook: %s without a readable payment entity", rzp_str(root, "event"));
		return APPLY_UNKNOWN;
	}
	return pay_apply(r, ev, &p, NULL);
}

/* refund.created / refund.processed / refund.failed: the refund entity
 * and, in every sample, the payment entity. */
static enum apply_result
on_refund(struct req *r, const struct jv *root)
{
	struct rzp_refund f;
	if (rzp_refund_read(rzp_get(root, "payload.refund.entity"), &f) != 0) {
		log_warn("webhook: %s without a readable refund entity", rzp_str(root, "event"));
		return APPLY_UNKNOWN;
	}
	PGresult *pay = NULL;
	struct rzp_payment p;
	if (rzp_payment_read(rzp_get(root, "payload.payment.entity"), &p) == 0 &&
	    p.order_id != NULL && strcmp(p.id, f.payment_id) == 0 &&
	    (strcmp(p.status, "captured") == 0 || strcmp(p.status, "refunded") == 0)) {
		/* Refunded implies captured: when the capture's own event has
		 * not arrived yet, it is applied first (events come in any
		 * order). */
		enum apply_result ar = pay_apply(r, PAY_EV_CAPTURED, &p, &pay);
		if (ar == APPLY_ERROR || ar == APPLY_MISMATCH || ar == APPLY_UNKNOWN)
			return ar;
	} else {
		pay = db_exec_or_reply(r, S(S_PAY_LOCK_RZP_PAYMENT), (const char *[]){ f.payment_id });
		if (pay == NULL)
			return APPLY_ERROR;
		if (PQntuples(pay) != 1) {
			log_warn("webhook: refund %s of razorpay payment %s: not one of ours", f.id,
			    f.payment_id);
			return APPLY_UNKNOWN;
		}
	}
	PGresult *refund, *after;
	return pay_apply_refund(r, pay, &f, NULL, NULL, &refund, &after);
}

static const char *
outcome_name(enum apply_result ar)
{
	switch (ar) {
	case APPLY_CHANGED: return "applied";
	case APPLY_UNCHANGED: return "unchanged";
	case APPLY_MISMATCH: return "rejected";
	case APPLY_UNKNOWN:
	case APPLY_ERROR: break;
	}
	return "ignored";
}

void
webhook_post(struct req *r)
{
	const char *event, *key;
	const struct jv *root = rzp_webhook_or_reply(r, "RAZORPAY_WEBHOOK_SECRET", &event, &key);
	if (root == NULL)
		return;

	if (db_begin(r) != 0)
		return;
	PGresult *claim = db_exec_or_reply(r, S(S_WEBHOOK_CLAIM), (const char *[]){ key, event });
	if (claim == NULL)
		return;
	if (PQntuples(claim) == 0) {
		log_info("webhook %s %s: duplicate", event, key);
		rzp_webhook_ack(r, event, "duplicate");
		return;
	}
	enum apply_result ar = APPLY_UNKNOWN;
	enum pay_event ev;
	switch (pay_hook_of(event, &ev)) {
	case PAY_HOOK_PAYMENT:
		ar = on_payment(r, ev, root);
		break;
	case PAY_HOOK_REFUND:
		ar = on_refund(r, root);
		break;
	case PAY_HOOK_IGNORED:
		break;
	}
	if (ar == APPLY_ERROR)
		return;
	/* The claim commits with the effect, or alone (ignored, rejected). */
	if (db_commit(r) != 0)
		return;
	log_info("webhook %s %s: %s", event, key, outcome_name(ar));
	rzp_webhook_ack(r, event, outcome_name(ar));
}
