/* it_payment: POST /payments/verify: the checkout signature (bad: 400,
 * nothing changes), then the payment as Razorpay reports it, through the
 * webhook's state machine. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "payment.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long
verify(struct resp *rs, const char *token, const char *rzp_order, const char *rzp_pay,
    const char *sig)
{
	char body[400];
	snprintf(body, sizeof body, "{\"razorpay_order_id\":\"%s\",\"razorpay_payment_id\":\"%s\","
	    "\"razorpay_signature\":\"%s\"}", rzp_order, rzp_pay, sig);
	return t_post_json(rs, "/payments/verify", token, body);
}

/* ================= verify ================= */

static void
verify_captured_success_once(void)
{
	struct t_checkout c;
	char rzp_pay[64], sig[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1500.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, sig));
	struct resp rs;
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, sig);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "verified", "true");
		T_EQ_STR(t_jstr(rs.json, "payment.id"), c.pay);
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "SUCCESS");
		T_EQ_STR(t_jstr(rs.json, "payment.razorpayPaymentId"), rzp_pay);
		T_EQ_STR(t_jstr(rs.json, "payment.method"), "UPI");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	/* Verify again, then the webhooks: still one effect. */
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, sig);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_hook_ok("payment.captured", rzp_pay, "", "unchanged");
	t_hook_ok("order.paid", rzp_pay, "", "unchanged");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	char *payload = t_db_value(DB, "SELECT payload::text FROM outbox WHERE aggregate_id = $1 "
	    "AND type = 'PAYMENT_SUCCESS'", c.pay, (char *)NULL);
	T_ASSERT(t_contains(payload, "\"amountPaise\": 150000"));
	T_ASSERT(t_contains(payload, rzp_pay));
	T_ASSERT(t_contains(payload, c.order));
	free(payload);

	/* The relay tells the order service: the order becomes PAID. */
	char url[120];
	const char *st = NULL;
	snprintf(url, sizeof url, "/orders/%s", c.order);
	for (int i = 0; i < 100; i++) {
		t_get(&rs, url, cust_a.token);
		st = t_jstr(rs.json, "status");
		if (st != NULL && strcmp(st, "PAID") == 0)
			break;
		t_resp_free(&rs);
		t_sleep_ms(100);
	}
	T_EQ_STR(st, "PAID");
	t_resp_free(&rs);
	/* A paid order cannot be paid again. */
	char body[200];
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", c.order);
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
}

static void
verify_authorized_processing(void)
{
	struct t_checkout c;
	char rzp_pay[64], sig[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "authorized", 0, rzp_pay, sig));
	struct resp rs;
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, sig);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "PROCESSING");
	t_resp_free(&rs);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
	/* The capture arrives by webhook. */
	t_hook_ok("payment.captured", rzp_pay, "", "applied");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

static void
verify_failed_409_and_retry(void)
{
	struct t_checkout c;
	char rzp_pay[64], sig[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "failed", 0, rzp_pay, sig));
	struct resp rs;
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, sig);
	T_ERROR(&rs, 409, "payment failed");
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "FAILED");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", c.pay), 1);
	/* A new attempt gets a new payment and Razorpay order. */
	char body[200];
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", c.order);
	create_order(&rs, cust_a.token, body, NULL);
	char second[64] = "";
	if (T_STATUS(&rs, 201)) {
		t_copy(second, sizeof second, t_jstr(rs.json, "payment.id"));
		T_ASSERT(strcmp(second, c.pay) != 0);
		T_ASSERT(t_jstr(rs.json, "razorpayOrder.id") != NULL &&
		    strcmp(t_jstr(rs.json, "razorpayOrder.id"), c.rzp_order) != 0);
	}
	t_resp_free(&rs);
	/* Authorised (PROCESSING): no third attempt while it waits for capture. */
	char rzp2[64], sig2[80];
	char *rid = t_db_value(DB, "SELECT razorpay_order_id FROM payments WHERE id = $1", second,
	    (char *)NULL);
	bool paid = rid != NULL && t_stub_pay(rid, "authorized", 0, rzp2, sig2);
	if (paid)
		verify(&rs, cust_a.token, rid, rzp2, sig2);
	free(rid);
	T_REQUIRE(paid);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "PROCESSING");
	t_resp_free(&rs);
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 409, "being processed");
	t_resp_free(&rs);
}

static void
verify_bad_signature_400(void)
{
	struct t_checkout c;
	char rzp_pay[64], sig[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, sig));
	struct resp rs;
	char bad[80];
	t_copy(bad, sizeof bad, sig);
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, bad);
	T_ERROR(&rs, 400, "invalid payment signature");
	t_resp_free(&rs);
	/* The signature of another payment id. */
	verify(&rs, cust_a.token, c.rzp_order, "pay_000000000000xx", sig);
	T_ERROR(&rs, 400, "invalid payment signature");
	t_resp_free(&rs);
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, "");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
	/* The right one still works. */
	verify(&rs, cust_a.token, c.rzp_order, rzp_pay, sig);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
verify_bad_not_owner_403_unknown_404(void)
{
	struct t_checkout c;
	char rzp_pay[64], sig[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, sig));
	struct resp rs;
	verify(&rs, cust_b.token, c.rzp_order, rzp_pay, sig);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	verify(&rs, cust_a.token, "order_unknown000001", rzp_pay, sig);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	verify(&rs, NULL, c.rzp_order, rzp_pay, sig);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "PENDING");
}

static const struct t_case cases[] = {
	T_CASE(verify_captured_success_once),
	T_CASE(verify_authorized_processing),
	T_CASE(verify_failed_409_and_retry),
	T_CASE(verify_bad_signature_400),
	T_CASE(verify_bad_not_owner_403_unknown_404),
};

const struct t_suite payment_verify_suite = T_SUITE("verify", cases);
