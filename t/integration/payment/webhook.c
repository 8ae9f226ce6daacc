/* it_payment: POST /payments/webhook: the signature over the raw bytes
 * (bad/missing: 400, nothing changes), dedup on X-Razorpay-Event-Id (5
 * concurrent identical deliveries: one effect), payment.captured +
 * order.paid = one effect, amount mismatch not applied, forward-only
 * transitions, late capture after failure. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "payment.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct t_case cases[] = {
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
};

const struct t_suite payment_webhook_suite = T_SUITE("webhook", cases);
