/* it_payment: POST /payments/razorpay/create-order through the Razorpay
 * stand-in: the contract's shape, the amount from the order (never the
 * client's), reuse, Idempotency-Key, ownership, gateway errors, concurrent
 * calls making one payment. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "payment.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	T_JSON_EQ(&rs, "payment.amount", "1500.10");
	T_EQ_STR(t_jstr(rs.json, "payment.currency"), "INR");
	T_EQ_STR(t_jstr(rs.json, "payment.method"), "CARD");
	const char *rid = t_jstr(rs.json, "razorpayOrder.id");
	T_ASSERT(rid != NULL && strncmp(rid, "order_", 6) == 0);
	T_JSON_EQ(&rs, "razorpayOrder.amount", "150010");    /* integer paise */
	T_EQ_STR(t_jstr(rs.json, "razorpayOrder.currency"), "INR");
	T_EQ_STR(t_jstr(rs.json, "razorpayOrder.status"), "created");
	T_EQ_STR(t_jstr(rs.json, "razorpayOrder.key"), key_id);
	const char *receipt = t_jstr(rs.json, "razorpayOrder.receipt");
	T_ASSERT(receipt != NULL && strlen(receipt) <= 40 && strncmp(receipt, "rcpt_", 5) == 0);
	char pay[64], rzp[64];
	t_copy(pay, sizeof pay, t_jstr(rs.json, "payment.id"));
	t_copy(rzp, sizeof rzp, rid);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1 AND "
	    "razorpay_order_id = $2 AND amount = 150010", order, rzp, (char *)NULL), 1);

	/* Again: the same PENDING payment and Razorpay order. */
	create_order(&rs, cust_a.token, body, NULL);
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "payment.id"), pay);
		T_EQ_STR(t_jstr(rs.json, "razorpayOrder.id"), rzp);
		T_JSON_EQ(&rs, "razorpayOrder.amount", "150010");
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
			t_copy(first, sizeof first, rid);
		else
			T_EQ_STR(rid, first);
		json_object_put(o);
		free(bodies[i]);
	}
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE order_id = $1", order,
	    (char *)NULL), 1);
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
};

const struct t_suite payment_create_suite = T_SUITE("create", cases);
