/* it_payment: POST /payments/:id/refund: admin only, partial then full,
 * over-refund 400, not paid 409, refunds learnt from webhooks (once, and
 * before the capture event), concurrent refunds never exceeding the
 * amount. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "payment.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================= refunds ================= */

static void
refund_partial_then_full(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_paid_new(cust_a.token, "1500.00", &c, rzp_pay));
	struct resp rs;
	/* Customers may not refund. */
	t_refund(&rs, cust_a.token, c.pay, "{\"amount\":100.00}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* More than was captured. */
	t_refund(&rs, admin, c.pay, "{\"amount\":1500.01}");
	T_ERROR(&rs, 400, "amount");
	t_resp_free(&rs);
	t_refund(&rs, admin, c.pay, "{\"amount\":10.001}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 0);

	t_refund(&rs, admin, c.pay, "{\"amount\":500.00,\"notes\":\"damaged item\"}");
	if (T_STATUS(&rs, 201)) {
		T_JSON_EQ(&rs, "refund.amount", "500.00");
		T_ASSERT(t_jstr(rs.json, "refund.razorpayRefundId") != NULL);
		T_EQ_STR(t_jstr(rs.json, "refund.notes.comment"), "damaged item");
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "SUCCESS");
		T_JSON_EQ(&rs, "payment.amountRefunded", "500.00");
	}
	char rfnd[64];
	t_copy(rfnd, sizeof rfnd, t_jstr(rs.json, "refund.razorpayRefundId"));
	t_resp_free(&rs);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	/* What is left is 1000.00. */
	t_refund(&rs, admin, c.pay, "{\"amount\":1000.01}");
	T_ERROR(&rs, 400, "1000.00");
	t_resp_free(&rs);
	/* Razorpay's refund.processed for our refund changes nothing. */
	char extra[120];
	snprintf(extra, sizeof extra, ", \"refundId\":\"%s\"", rfnd);
	t_hook_ok("refund.processed", rzp_pay, extra, "unchanged");
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);

	/* No body: the rest. */
	t_refund(&rs, admin, c.pay, NULL);
	if (T_STATUS(&rs, 201)) {
		T_JSON_EQ(&rs, "refund.amount", "1000.00");
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "REFUNDED");
		T_JSON_EQ(&rs, "payment.amountRefunded", "1500.00");
	}
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "REFUNDED");
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 2);
	char *full = t_db_value(DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND "
	    "type = 'PAYMENT_REFUNDED' AND (payload->>'full')::boolean AND "
	    "(payload->>'refundedPaise')::bigint = 150000", c.pay, (char *)NULL);
	T_EQ_STR(full, "1");
	free(full);
	t_refund(&rs, admin, c.pay, "{\"amount\":1.00}");
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	/* The relay brings the refunds to share-link, which takes them off a
	 * link's revenue (this order has no link: recorded, counted nowhere). */
	long long seen = 0;
	for (double end = t_now() + 15; seen != 1 && t_now() < end; t_sleep_ms(100))
		seen = t_db_count("SHARE_LINK_DATABASE_URL", "SELECT count(*) FROM "
		    "share_link_refunds WHERE order_id = $1 AND refunded = 150000", c.order,
		    (char *)NULL);
	T_EQ_INT(seen, 1);
	/* A late capture event never moves it back. */
	t_hook_ok("payment.captured", rzp_pay, "", "unchanged");
	T_PAY_STATUS(c.pay, "REFUNDED");

	char url[120];
	snprintf(url, sizeof url, "/payments/%s", c.pay);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200))
		T_EQ_INT(t_jlen(rs.json, "refunds"), 2);
	t_resp_free(&rs);
}

static void
refund_bad_not_paid_409(void)
{
	struct t_checkout c;
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	struct resp rs;
	t_refund(&rs, admin, c.pay, "{\"amount\":100.00}");
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	char id[37], url[120];
	crypto_uuid4(id);
	t_refund(&rs, admin, id, NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/payments/%s/refund", c.pay);
	t_post_json(&rs, url, admin, "{\"amount\":100.00,\"speed\":\"optimum\"}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
}

/* A refund made elsewhere (the Dashboard) is learnt from its webhook. */
static void
refund_from_webhook_recorded_once(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_paid_new(cust_a.token, "1000.00", &c, rzp_pay));
	char id[80], extra[200];
	t_unique(id, sizeof id, "evt-refund");
	snprintf(extra, sizeof extra, ", \"amount\":25000, \"eventId\":\"%s\"", id);
	t_hook_ok("refund.processed", rzp_pay, extra, "applied");
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "amount_refunded = 25000 AND status = 'SUCCESS'", c.pay, (char *)NULL), 1);
	/* The same refund announced again by another event: once. */
	t_hook_ok("refund.created", rzp_pay, "", "unchanged");
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	/* What is left is refundable through the API. */
	struct resp rs;
	t_refund(&rs, admin, c.pay, "{\"amount\":750.00}");
	if (T_STATUS(&rs, 201))
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "REFUNDED");
	t_resp_free(&rs);
}

/* Two concurrent full refunds: one succeeds, the other finds nothing left. */
static void
refund_concurrent_never_exceeds(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_paid_new(cust_a.token, "1000.00", &c, rzp_pay));
	char url[120];
	snprintf(url, sizeof url, "/payments/%s/refund", c.pay);
	long status[4];
	t_http_parallel(4, "POST", url, admin, "application/json", "{}", status, NULL);
	int created = 0, conflict = 0;
	for (int i = 0; i < 4; i++) {
		created += status[i] == 201;
		conflict += status[i] == 409;
	}
	T_EQ_INT(created, 1);
	T_EQ_INT(conflict, 3);
	T_PAY_STATUS(c.pay, "REFUNDED");
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM refunds r JOIN payments p ON "
	    "p.id = r.payment_id WHERE p.id = $1 AND p.amount_refunded = 100000", c.pay,
	    (char *)NULL), 1);
}

/* A refund event that arrives before the capture's own event: the capture
 * it implies is applied first, then the refund; each once. */
static void
refund_webhook_before_capture_event(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	t_hook_ok("refund.processed", rzp_pay, ", \"amount\":10000", "applied");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	t_hook_ok("payment.captured", rzp_pay, "", "unchanged");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "amount_refunded = 10000", c.pay, (char *)NULL), 1);
}

static const struct t_case cases[] = {
	T_CASE(refund_partial_then_full),
	T_CASE(refund_bad_not_paid_409),
	T_CASE(refund_from_webhook_recorded_once),
	T_CASE(refund_concurrent_never_exceeds),
	T_CASE(refund_webhook_before_capture_event),
};

const struct t_suite payment_refunds_suite = T_SUITE("refunds", cases);
