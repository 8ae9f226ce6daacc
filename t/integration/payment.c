/* The payment service through the gateway, against the Razorpay stand-in
 * (t/razorpay/, served by scripts/test.sh on RAZORPAY_STUB_PORT) and real
 * orders (POST /orders, the order service).
 *
 * - create-order: the contract's shape, the amount from the order (never
 *   the client's), reuse, Idempotency-Key, ownership, gateway errors.
 * - verify: the checkout signature (bad: 400, nothing changes), then the
 *   payment as Razorpay reports it, through the webhook's state machine.
 * - webhook: the signature over the raw bytes (bad/missing: 400, nothing
 *   changes), dedup on X-Razorpay-Event-Id (5 concurrent identical
 *   deliveries: one effect), payment.captured + order.paid = one effect,
 *   amount mismatch not applied, forward-only transitions, late capture
 *   after failure, refunds learnt from webhooks.
 * - reads: who sees which payment (403s).
 * - refunds: admin only, partial then full, over-refund 400.
 * - the reconcile job: it_payment_reconcile (payment_reconcile.c).
 *
 * Effects are checked in payment_db read-only (t_db_count on
 * PAYMENT_DATABASE_URL): the payment's status and its outbox rows.  The
 * stand-in's POST /_stub/pay plays the customer in Checkout and answers
 * the signature Checkout would hand the browser; POST /_stub/webhook sends
 * Razorpay's signed events to the gateway. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "../lib/pay.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB T_PAY_DB

struct user {
	char id[37];
	char *token;
};

static char *admin;
static struct user cust_a, cust_b;
static char *product;             /* base price 1000.00, plenty of stock */
static const char *hook_secret;   /* RAZORPAY_WEBHOOK_SECRET */
static const char *key_id;        /* RAZORPAY_KEY_ID */

/* ---- helpers ---- */

/* The JSON text of the value at path ("1500.00", "150000"), or
 * "(absent)".  Owned by o. */
static const char *
jtext(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) :
	    "(absent)";
}

#define T_JTEXT(rs, path, want) T_EQ_STR(jtext((rs)->json, (path)), (want))

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static long
create_order(struct resp *rs, const char *token, const char *body, const char *key)
{
	char h[200];
	if (key == NULL)
		return t_post_json(rs, "/payments/razorpay/create-order", token, body);
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	return t_http(rs, "POST", "/payments/razorpay/create-order", token, "application/json",
	    body, strlen(body), h, (char *)NULL);
}

/* Our own delivery of raw bytes: sig NULL computes the right signature,
 * "" sends none; event_id NULL sends no X-Razorpay-Event-Id. */
static long
hook_raw(struct resp *rs, const char *body, size_t len, const char *sig,
    const char *event_id, const char *ctype)
{
	char good[65], h1[200], h2[200];
	if (sig == NULL) {
		crypto_hmac_sha256_hex(hook_secret, strlen(hook_secret), body, len, good);
		sig = good;
	}
	snprintf(h1, sizeof h1, sig[0] ? "X-Razorpay-Signature: %s" : "X-Test-No-Signature: %s",
	    sig[0] ? sig : "1");
	snprintf(h2, sizeof h2, event_id ? "X-Razorpay-Event-Id: %s" : "X-Test-No-Event-Id: %s",
	    event_id ? event_id : "1");
	return t_http(rs, "POST", "/payments/webhook", NULL, ctype, body, len, h1, h2,
	    (char *)NULL);
}

/* A payment.captured body for our Razorpay order, as Razorpay writes it. */
static char *
captured_body(char *out, size_t n, const char *rzp_pay, const char *rzp_order,
    long long amount, bool pretty)
{
	if (pretty)
		snprintf(out, n, "{\n  \"entity\": \"event\",\n  \"account_id\": \"acc_test\",\n"
		    "  \"event\": \"payment.captured\",\n  \"contains\": [\n    \"payment\"\n  ],\n"
		    "  \"payload\": {\n    \"payment\": {\n      \"entity\": {\n"
		    "        \"id\": \"%s\",\n        \"entity\": \"payment\",\n"
		    "        \"amount\": %lld,\n        \"currency\": \"INR\",\n"
		    "        \"status\": \"captured\",\n        \"order_id\": \"%s\",\n"
		    "        \"method\": \"upi\",\n        \"notes\": [],\n"
		    "        \"description\": \"caf\\u00e9 \\\"quoted\\\" / slash\",\n"
		    "        \"captured\": true\n      }\n    }\n  },\n"
		    "  \"created_at\": 1700000000\n}\n", rzp_pay, amount, rzp_order);
	else
		snprintf(out, n, "{\"entity\":\"event\",\"account_id\":\"acc_test\","
		    "\"event\":\"payment.captured\",\"contains\":[\"payment\"],\"payload\":"
		    "{\"payment\":{\"entity\":{\"id\":\"%s\",\"entity\":\"payment\",\"amount\":%lld,"
		    "\"currency\":\"INR\",\"status\":\"captured\",\"order_id\":\"%s\","
		    "\"method\":\"card\",\"notes\":[],\"captured\":true}}},\"created_at\":1700000000}",
		    rzp_pay, amount, rzp_order);
	return out;
}

static long
verify(struct resp *rs, const char *token, const char *rzp_order, const char *rzp_pay,
    const char *sig)
{
	char body[400];
	snprintf(body, sizeof body, "{\"razorpay_order_id\":\"%s\",\"razorpay_payment_id\":\"%s\","
	    "\"razorpay_signature\":\"%s\"}", rzp_order, rzp_pay, sig);
	return t_post_json(rs, "/payments/verify", token, body);
}

static int
suite_init(void)
{
	hook_secret = t_env("RAZORPAY_WEBHOOK_SECRET");
	key_id = t_env("RAZORPAY_KEY_ID");
	if (hook_secret == NULL || key_id == NULL || t_env(DB) == NULL)
		return -1;

	char sub[37];
	crypto_uuid4(sub);
	admin = t_mint(sub, "payment-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	crypto_uuid4(cust_a.id);
	cust_a.token = t_mint(cust_a.id, "payment-a@example.com", ROLE_CUSTOMER, TOKEN_ACCESS,
	    3600, 0, NULL);
	crypto_uuid4(cust_b.id);
	cust_b.token = t_mint(cust_b.id, "payment-b@example.com", ROLE_CUSTOMER, TOKEN_ACCESS,
	    3600, 0, NULL);
	product = t_pay_product(admin, "payment-product");
	return t_pay_init(product) == 0 && admin && cust_a.token && cust_b.token ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(cust_a.token);
	free(cust_b.token);
	free(product);
	return 0;
}

/* ================= create-order ================= */

static void
payment_health(void)
{
	struct resp rs;
	t_get(&rs, "/payments/health", NULL);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "status"), "ok");
	t_resp_free(&rs);
}

/* The Frontend Integration Guide's call, exactly. */
static void
create_order_contract_shape(void)
{
	char order[64], body[400];
	T_REQUIRE(t_order_new(cust_a.token, "1500.10", order));
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"amount\":1500.10,"
	    "\"currency\":\"INR\",\"method\":\"CARD\"}", order, cust_a.id);
	struct resp rs;
	create_order(&rs, cust_a.token, body, NULL);
	T_REQUIRE(T_STATUS(&rs, 201));
	T_EQ_STR(t_jstr(rs.json, "payment.orderId"), order);
	T_EQ_STR(t_jstr(rs.json, "payment.userId"), cust_a.id);
	T_EQ_STR(t_jstr(rs.json, "payment.status"), "PENDING");
	T_JTEXT(&rs, "payment.amount", "1500.10");
	T_EQ_STR(t_jstr(rs.json, "payment.currency"), "INR");
	T_EQ_STR(t_jstr(rs.json, "payment.method"), "CARD");
	const char *rid = t_jstr(rs.json, "razorpayOrder.id");
	T_ASSERT(rid != NULL && strncmp(rid, "order_", 6) == 0);
	T_JTEXT(&rs, "razorpayOrder.amount", "150010");    /* integer paise */
	T_EQ_STR(t_jstr(rs.json, "razorpayOrder.currency"), "INR");
	T_EQ_STR(t_jstr(rs.json, "razorpayOrder.status"), "created");
	T_EQ_STR(t_jstr(rs.json, "razorpayOrder.key"), key_id);
	const char *receipt = t_jstr(rs.json, "razorpayOrder.receipt");
	T_ASSERT(receipt != NULL && strlen(receipt) <= 40 && strncmp(receipt, "rcpt_", 5) == 0);
	char pay[64], rzp[64];
	copy(pay, sizeof pay, t_jstr(rs.json, "payment.id"));
	copy(rzp, sizeof rzp, rid);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1 AND "
	    "razorpay_order_id = $2 AND amount = 150010", order, rzp, (char *)NULL), 1);

	/* Again: the same PENDING payment and Razorpay order. */
	create_order(&rs, cust_a.token, body, NULL);
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "payment.id"), pay);
		T_EQ_STR(t_jstr(rs.json, "razorpayOrder.id"), rzp);
		T_JTEXT(&rs, "razorpayOrder.amount", "150010");
	}
	t_resp_free(&rs);
	/* POST /payments reuses it too. */
	t_post_json(&rs, "/payments", cust_a.token, body);
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "id"), pay);
		T_EQ_STR(t_jstr(rs.json, "razorpayOrderId"), rzp);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 1);
}

static void
create_order_idempotency_key_replay(void)
{
	char order[64], body[200], key[80];
	T_REQUIRE(t_order_new(cust_a.token, "1200.00", order));
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"amount\":1200}", order);
	t_unique(key, sizeof key, "pay-key");
	struct resp a, b;
	create_order(&a, cust_a.token, body, key);
	create_order(&b, cust_a.token, body, key);
	if (T_STATUS(&a, 201) && T_STATUS(&b, 201)) {
		T_EQ_STR(t_header(&b, "Idempotent-Replayed"), "true");
		T_EQ_STR(a.body, b.body);
	}
	t_resp_free(&a);
	t_resp_free(&b);
	/* The same key for another body is a 422. */
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"amount\":1200.00,\"method\":\"UPI\"}",
	    order);
	create_order(&a, cust_a.token, body, key);
	T_ERROR(&a, 422, NULL);
	t_resp_free(&a);
}

/* The amount is the order's; a client's different amount changes nothing. */
static void
create_order_bad_amount_mismatch_400(void)
{
	char order[64], body[200];
	T_REQUIRE(t_order_new(cust_a.token, "1500.00", order));
	struct resp rs;
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"amount\":1.00}", order);
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 400, "amount does not match the order total");
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"amount\":1500.00,\"currency\":\"USD\"}",
	    order);
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 400, "currency");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 0);
}

static void
create_order_bad_input_400(void)
{
	char order[64], body[300];
	T_REQUIRE(t_order_new(cust_a.token, "1000.00", order));
	/* "@O" stands for the order id. */
	static const char *const bad[] = {
		"{\"orderId\":\"@O\",\"amount\":1000.001}",
		"{\"orderId\":\"@O\",\"amount\":-1000}",
		"{\"orderId\":\"@O\",\"amount\":\"ten\"}",
		"{\"orderId\":\"@O\",\"method\":\"CASH\"}",
		"{\"orderId\":\"@O\",\"currency\":\"inr\"}",
		"{\"orderId\":\"@O\",\"status\":\"SUCCESS\"}",
		"{\"orderId\":\"not-a-uuid@O\"}",
		"{\"userId\":\"@O\"}",
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *at = strstr(bad[i], "@O");
		snprintf(body, sizeof body, "%.*s%s%s", (int)(at - bad[i]), bad[i], order, at + 2);
		create_order(&rs, cust_a.token, body, NULL);
		if (!T_ERROR(&rs, 400, NULL))
			printf("    (body %s)\n", body);
		t_resp_free(&rs);
	}
	t_http(&rs, "POST", "/payments/razorpay/create-order", cust_a.token, "application/json",
	    "{\"orderId\":", 11, (char *)NULL);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 0);
}

static void
create_order_bad_not_owner_403(void)
{
	char order[64], body[200];
	T_REQUIRE(t_order_new(cust_a.token, "1000.00", order));
	struct resp rs;
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", order);
	create_order(&rs, cust_b.token, body, NULL);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* A userId that is not the caller's. */
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"userId\":\"%s\"}", order, cust_b.id);
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 403, "userId");
	t_resp_free(&rs);
	t_post_json(&rs, "/payments", cust_b.token, body);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* No token. */
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", order);
	create_order(&rs, NULL, body, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 0);
	/* An admin may start the customer's payment. */
	create_order(&rs, admin, body, NULL);
	if (T_STATUS(&rs, 201))
		T_EQ_STR(t_jstr(rs.json, "payment.userId"), cust_a.id);
	t_resp_free(&rs);
}

static void
create_order_bad_unknown_order_404(void)
{
	char id[37], body[200];
	crypto_uuid4(id);
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", id);
	struct resp rs;
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 404, "order not found");
	t_resp_free(&rs);
	t_post_json(&rs, "/payments", cust_a.token, body);
	T_ERROR(&rs, 404, "order not found");
	t_resp_free(&rs);
}

/* A Razorpay error is our 502 with its description; nothing is kept. */
static void
create_order_gateway_error_502(void)
{
	char order[64], body[200];
	T_REQUIRE(t_order_new(cust_a.token, "1000.00", order));
	struct resp rs;
	t_stub_post(&rs, "/_stub/fault", "{\"status\":500,\"count\":1}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", order);
	create_order(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 502, "payment gateway error");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 0);
	/* The next try works. */
	create_order(&rs, cust_a.token, body, NULL);
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
}

/* Five concurrent create-orders for one order: one payment, one Razorpay
 * order (the row lock is held across the Razorpay call). */
static void
create_order_concurrent_one_payment(void)
{
	char order[64], body[200];
	T_REQUIRE(t_order_new(cust_a.token, "1300.00", order));
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", order);
	long status[5];
	char *bodies[5];
	t_http_parallel(5, "POST", "/payments/razorpay/create-order", cust_a.token,
	    "application/json", body, status, bodies);
	char first[64] = "";
	for (int i = 0; i < 5; i++) {
		T_EQ_INT(status[i], 201);
		struct json_object *o = json_tokener_parse(bodies[i]);
		const char *rid = t_jstr(o, "razorpayOrder.id");
		if (i == 0)
			copy(first, sizeof first, rid);
		else
			T_EQ_STR(rid, first);
		json_object_put(o);
		free(bodies[i]);
	}
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 1);
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
		T_JTEXT(&rs, "verified", "true");
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
		copy(second, sizeof second, t_jstr(rs.json, "payment.id"));
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
	copy(bad, sizeof bad, sig);
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

/* ================= webhook ================= */

static void
webhook_captured_success_one_event(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1700.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	T_PAY_STATUS(c.pay, "PENDING");
	t_hook_ok("payment.captured", rzp_pay, "", "applied");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "razorpay_payment_id = $2", c.pay, rzp_pay, (char *)NULL), 1);
}

static void
webhook_bad_signature_400_nothing_changes(void)
{
	struct t_checkout c;
	char rzp_pay[64], body[2000], id[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	captured_body(body, sizeof body, rzp_pay, c.rzp_order, 100000, false);
	t_unique(id, sizeof id, "evt-bad");
	long long before = t_db_count(DB, "SELECT count(*) FROM webhook_events", (char *)NULL);
	struct resp rs;
	/* Signed with another secret. */
	char wrong[65];
	crypto_hmac_sha256_hex("not-the-secret", 14, body, strlen(body), wrong);
	hook_raw(&rs, body, strlen(body), wrong, id, "application/json");
	T_ERROR(&rs, 400, "signature");
	t_resp_free(&rs);
	/* No signature at all. */
	hook_raw(&rs, body, strlen(body), "", id, "application/json");
	T_ERROR(&rs, 400, "signature");
	t_resp_free(&rs);
	/* Signed with an empty secret (what an unset secret would accept). */
	crypto_hmac_sha256_hex("", 0, body, strlen(body), wrong);
	hook_raw(&rs, body, strlen(body), wrong, id, "application/json");
	T_ERROR(&rs, 400, "signature");
	t_resp_free(&rs);
	/* The right signature of other bytes (one more space). */
	char good[65];
	crypto_hmac_sha256_hex(hook_secret, strlen(hook_secret), body, strlen(body), good);
	size_t n = strlen(body);
	body[n] = ' ';
	hook_raw(&rs, body, n + 1, good, id, "application/json");
	T_ERROR(&rs, 400, "signature");
	t_resp_free(&rs);
	body[n] = '\0';
	/* Upper-case hex is not Razorpay's signature. */
	for (char *p = good; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	hook_raw(&rs, body, n, good, id, "application/json");
	T_ERROR(&rs, 400, "signature");
	t_resp_free(&rs);
	/* The stand-in's own bad signature. */
	struct resp s;
	T_EQ_INT(t_stub_hook(&s, "payment.captured", rzp_pay, ", \"badSignature\":true"), 400);
	t_resp_free(&s);

	T_PAY_STATUS(c.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM webhook_events", (char *)NULL), before);
	/* Then the genuine delivery with that event id still applies. */
	hook_raw(&rs, body, n, NULL, id, "application/json");
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "SUCCESS");
}

/* Pretty-printed, a trailing LF, escapes, text/plain: the exact bytes are
 * signed and verified, never a re-serialisation. */
static void
webhook_exact_raw_bytes(void)
{
	struct t_checkout c;
	char rzp_pay[64], body[2000], id[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	captured_body(body, sizeof body, rzp_pay, c.rzp_order, 100000, true);
	t_unique(id, sizeof id, "evt-raw");
	struct resp rs;
	hook_raw(&rs, body, strlen(body), NULL, id, "text/plain; charset=utf-8");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

static void
webhook_same_event_5_concurrent_one_effect(void)
{
	struct t_checkout c;
	char rzp_pay[64], extra[200], id[80];
	T_REQUIRE(t_checkout_new(cust_a.token, "1800.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	t_unique(id, sizeof id, "evt-conc");
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\", \"repeat\":5, \"concurrent\":true", id);
	struct resp rs;
	t_stub_hook(&rs, "payment.captured", rzp_pay, extra);
	int applied = 0, duplicate = 0;
	for (int i = 0; i < 5; i++) {
		char p[64];
		snprintf(p, sizeof p, "statuses.%d", i);
		T_EQ_INT(t_jint(rs.json, p, 0), 200);
		snprintf(p, sizeof p, "deliveries.%d.body", i);
		const char *b = t_jstr(rs.json, p);
		if (t_contains(b, "\"applied\""))
			applied++;
		else if (t_contains(b, "\"duplicate\""))
			duplicate++;
	}
	t_resp_free(&rs);
	T_EQ_INT(applied, 1);
	T_EQ_INT(duplicate, 4);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM webhook_events WHERE event_id = $1", id,
	    (char *)NULL), 1);
	/* Sequential repeats: the same. */
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\", \"repeat\":3", id);
	t_stub_hook(&rs, "payment.captured", rzp_pay, extra);
	T_EQ_INT(t_jint(rs.json, "statuses.2", 0), 200);
	t_resp_free(&rs);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

/* Without X-Razorpay-Event-Id the body's hash is the key. */
static void
webhook_no_event_id_dedup_on_body(void)
{
	struct t_checkout c;
	char rzp_pay[64], body[2000];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	captured_body(body, sizeof body, rzp_pay, c.rzp_order, 100000, false);
	struct resp rs;
	hook_raw(&rs, body, strlen(body), NULL, NULL, "application/json");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	hook_raw(&rs, body, strlen(body), NULL, NULL, "application/json");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "duplicate");
	t_resp_free(&rs);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

static void
webhook_captured_then_order_paid_one_effect(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	t_hook_ok("payment.captured", rzp_pay, "", "applied");
	t_hook_ok("order.paid", rzp_pay, "", "unchanged");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);

	/* The other way round on another order. */
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	t_hook_ok("order.paid", rzp_pay, "", "applied");
	t_hook_ok("payment.captured", rzp_pay, "", "unchanged");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

static void
webhook_bad_amount_mismatch_not_paid(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	/* The customer paid 1.00 on our 1000.00 order. */
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 100, rzp_pay, NULL));
	t_hook_ok("payment.captured", rzp_pay, "", "rejected");
	T_PAY_STATUS(c.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
	/* A forged amount in the event of a genuine payment: the same. */
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 100000, rzp_pay, NULL));
	t_hook_ok("payment.captured", rzp_pay, ", \"amount\":99999", "rejected");
	T_PAY_STATUS(c.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
}

static void
webhook_failed_after_captured_stays_success(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	t_hook_ok("payment.captured", rzp_pay, "", "applied");
	t_hook_ok("payment.failed", rzp_pay, "", "unchanged");
	t_hook_ok("payment.authorized", rzp_pay, "", "unchanged");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", c.pay), 0);
}

/* payment.failed, then a late authorisation captures it (B.3). */
static void
webhook_late_captured_after_failed(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "failed", 0, rzp_pay, NULL));
	t_hook_ok("payment.failed", rzp_pay, "", "applied");
	T_PAY_STATUS(c.pay, "FAILED");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", c.pay), 1);
	t_hook_ok("payment.captured", rzp_pay, "", "applied");
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "failure_reason IS NULL", c.pay, (char *)NULL), 1);
}

static void
webhook_authorized_then_failed(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "authorized", 0, rzp_pay, NULL));
	t_hook_ok("payment.authorized", rzp_pay, "", "applied");
	T_PAY_STATUS(c.pay, "PROCESSING");
	t_hook_ok("payment.failed", rzp_pay, "", "applied");
	T_PAY_STATUS(c.pay, "FAILED");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", c.pay), 1);
	/* Another attempt on the same Razorpay order may succeed. */
	char second[64];
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, second, NULL));
	t_hook_ok("payment.captured", second, "", "applied");
	T_PAY_STATUS(c.pay, "SUCCESS");
}

static void
webhook_unknown_order_and_event_ignored(void)
{
	char body[2000], id[80];
	captured_body(body, sizeof body, "pay_unknown0000001", "order_unknown000001", 100000, false);
	t_unique(id, sizeof id, "evt-unknown");
	struct resp rs;
	hook_raw(&rs, body, strlen(body), NULL, id, "application/json");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	const char *other = "{\"entity\":\"event\",\"event\":\"invoice.paid\",\"payload\":{}}";
	t_unique(id, sizeof id, "evt-other");
	hook_raw(&rs, other, strlen(other), NULL, id, "application/json");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	/* Signed garbage is a 400, never a 500. */
	t_unique(id, sizeof id, "evt-garbage");
	hook_raw(&rs, "not json", 8, NULL, id, "application/json");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	hook_raw(&rs, "{\"payload\":{}}", 14, NULL, id, "application/json");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	/* A payment entity of the wrong shape: ignored, no 500. */
	const char *odd = "{\"event\":\"payment.captured\",\"payload\":{\"payment\":{\"entity\":"
	    "{\"id\":\"pay_x\",\"amount\":\"100\",\"currency\":\"INR\",\"status\":\"captured\"}}}}";
	t_unique(id, sizeof id, "evt-odd");
	hook_raw(&rs, odd, strlen(odd), NULL, id, "application/json");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

/* ================= reads ================= */

static void
reads_ownership_403(void)
{
	struct t_checkout c;
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	char url[200];
	struct resp rs;
	snprintf(url, sizeof url, "/payments/%s", c.pay);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), c.pay);
		T_EQ_STR(t_jstr(rs.json, "orderId"), c.order);
		T_EQ_STR(t_jstr(rs.json, "razorpayOrderId"), c.rzp_order);
		T_JTEXT(&rs, "amount", "1000.00");
		T_JTEXT(&rs, "amountRefunded", "0.00");
		T_EQ_INT(t_jlen(rs.json, "refunds"), 0);
	}
	t_resp_free(&rs);
	t_get(&rs, url, cust_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, url, admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/payments/not-a-uuid", cust_a.token);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	char id[37];
	crypto_uuid4(id);
	snprintf(url, sizeof url, "/payments/%s", id);
	t_get(&rs, url, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);

	snprintf(url, sizeof url, "/payments/order/%s", c.order);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, ""), 1);
		T_EQ_STR(t_jstr(rs.json, "0.id"), c.pay);
	}
	t_resp_free(&rs);
	t_get(&rs, url, cust_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);

	/* The list: own only; another's userId is a 403; an admin sees all. */
	snprintf(url, sizeof url, "/payments?userId=%s", cust_b.id);
	t_get(&rs, url, cust_a.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/payments?take=100", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		size_t n = t_jlen(rs.json, "data");
		T_ASSERT(n >= 1);
		T_ASSERT(t_jint(rs.json, "total", -1) >= (long long)n);
		T_EQ_INT(t_jint(rs.json, "take", -1), 100);
		for (size_t i = 0; i < n; i++) {
			char p[40];
			snprintf(p, sizeof p, "data.%zu.userId", i);
			T_EQ_STR(t_jstr(rs.json, p), cust_a.id);
		}
	}
	t_resp_free(&rs);
	t_get(&rs, "/payments?status=PENDING&take=1", cust_b.token);
	if (T_STATUS(&rs, 200))
		T_EQ_INT(t_jint(rs.json, "total", -1), 0);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/payments?userId=%s&status=PENDING", cust_a.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200))
		T_ASSERT(t_jint(rs.json, "total", -1) >= 1);
	t_resp_free(&rs);
	t_get(&rs, "/payments?status=PAID", admin);
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	t_get(&rs, "/payments?take=0", admin);
	T_ERROR(&rs, 400, "take");
	t_resp_free(&rs);
}

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
		T_JTEXT(&rs, "refund.amount", "500.00");
		T_ASSERT(t_jstr(rs.json, "refund.razorpayRefundId") != NULL);
		T_EQ_STR(t_jstr(rs.json, "refund.notes.comment"), "damaged item");
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "SUCCESS");
		T_JTEXT(&rs, "payment.amountRefunded", "500.00");
	}
	char rfnd[64];
	copy(rfnd, sizeof rfnd, t_jstr(rs.json, "refund.razorpayRefundId"));
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
		T_JTEXT(&rs, "refund.amount", "1000.00");
		T_EQ_STR(t_jstr(rs.json, "payment.status"), "REFUNDED");
		T_JTEXT(&rs, "payment.amountRefunded", "1500.00");
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
	T_CASE(payment_health),
	T_CASE(create_order_contract_shape),
	T_CASE(create_order_idempotency_key_replay),
	T_CASE(create_order_bad_amount_mismatch_400),
	T_CASE(create_order_bad_input_400),
	T_CASE(create_order_bad_not_owner_403),
	T_CASE(create_order_bad_unknown_order_404),
	T_CASE(create_order_gateway_error_502),
	T_CASE(create_order_concurrent_one_payment),
	T_CASE(verify_captured_success_once),
	T_CASE(verify_authorized_processing),
	T_CASE(verify_failed_409_and_retry),
	T_CASE(verify_bad_signature_400),
	T_CASE(verify_bad_not_owner_403_unknown_404),
	T_CASE(webhook_captured_success_one_event),
	T_CASE(webhook_bad_signature_400_nothing_changes),
	T_CASE(webhook_exact_raw_bytes),
	T_CASE(webhook_same_event_5_concurrent_one_effect),
	T_CASE(webhook_no_event_id_dedup_on_body),
	T_CASE(webhook_captured_then_order_paid_one_effect),
	T_CASE(webhook_bad_amount_mismatch_not_paid),
	T_CASE(webhook_failed_after_captured_stays_success),
	T_CASE(webhook_late_captured_after_failed),
	T_CASE(webhook_authorized_then_failed),
	T_CASE(webhook_unknown_order_and_event_ignored),
	T_CASE(reads_ownership_403),
	T_CASE(refund_partial_then_full),
	T_CASE(refund_bad_not_paid_409),
	T_CASE(refund_from_webhook_recorded_once),
	T_CASE(refund_concurrent_never_exceeds),
	T_CASE(refund_webhook_before_capture_event),
};

int
main(void)
{
	return t_run("payment", cases, T_NCASES(cases), suite_init, suite_clean);
}
