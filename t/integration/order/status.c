/* it_order: PATCH /orders/:id/status: the state machine for every role,
 * history and events, concurrent changes, cancellation returning the stock
 * through the relay. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "order.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Polls the stock until it is want, for at most ms; returns the last seen. */
static long long
wait_stock(const char *product, long long want, long ms)
{
	char url[120], n[24];
	snprintf(url, sizeof url, "/products/%s", product);
	snprintf(n, sizeof n, "%lld", want);
	t_wait_json(NULL, url, NULL, "variants.0.stock", n, (double)ms / 1000.0);
	return t_product_stock(product);
}

static void
status_machine(void)
{
	static const char *const all[] = { "PENDING", "PAID", "SHIPPED", "DELIVERED", "CANCELLED" };
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char extra[200];
	snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", seller.id);
	char *id = order_create(cust_a.token, extra, p, 1, "15.00");
	T_REQUIRE(id != NULL);
	struct resp rs;

	/* From PENDING. */
	expect_status_change(admin, id, "PENDING", "PENDING", 409);
	expect_status_change(admin, id, "PENDING", "SHIPPED", 409);
	expect_status_change(admin, id, "PENDING", "DELIVERED", 409);
	expect_status_change(cust_a.token, id, "PENDING", "PAID", 403);
	expect_status_change(seller.token, id, "PENDING", "CANCELLED", 403);
	expect_status_change(cust_b.token, id, "PENDING", "CANCELLED", 403);
	t_order_status_set(&rs, admin, id, "PAID", "paid at the counter");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "PAID");
		T_EQ_INT(t_jlen(rs.json, "statusHistory"), 2);
	}
	t_resp_free(&rs);

	/* From PAID: the buyer can no longer cancel. */
	expect_status_change(admin, id, "PAID", "PENDING", 409);
	expect_status_change(admin, id, "PAID", "PAID", 409);
	expect_status_change(admin, id, "PAID", "DELIVERED", 409);
	expect_status_change(cust_a.token, id, "PAID", "CANCELLED", 403);
	expect_status_change(cust_a.token, id, "PAID", "SHIPPED", 403);
	t_order_status_set(&rs, admin, id, "SHIPPED", "AWB 1234");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "SHIPPED");
	t_resp_free(&rs);

	/* From SHIPPED. */
	expect_status_change(admin, id, "SHIPPED", "PENDING", 409);
	expect_status_change(admin, id, "SHIPPED", "PAID", 409);
	expect_status_change(admin, id, "SHIPPED", "SHIPPED", 409);
	expect_status_change(admin, id, "SHIPPED", "CANCELLED", 409);
	expect_status_change(admin, id, "SHIPPED", "DELIVERED", 200);

	/* DELIVERED is final. */
	for (size_t i = 0; i < 5; i++)
		expect_status_change(admin, id, "DELIVERED", all[i], 409);

	/* The history, in order, with who and why. */
	char url[120];
	snprintf(url, sizeof url, "/orders/%s", id);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "DELIVERED");
		T_EQ_INT(t_jlen(rs.json, "statusHistory"), 4);
		T_EQ_STR(t_jstr(rs.json, "statusHistory.1.from"), "PENDING");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.1.to"), "PAID");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.1.notes"), "paid at the counter");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.2.to"), "SHIPPED");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.2.notes"), "AWB 1234");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.3.from"), "SHIPPED");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.3.to"), "DELIVERED");
		T_ASSERT(t_jstr(rs.json, "statusHistory.3.actorId") != NULL);
	}
	t_resp_free(&rs);

	/* One event per change, with the commission for the wallet. */
	T_EQ_INT(outbox_count(id, "ORDER_PAID"), 1);
	T_EQ_INT(outbox_count(id, "ORDER_SHIPPED"), 1);
	T_EQ_INT(outbox_count(id, "ORDER_DELIVERED"), 1);
	char *v = t_db_value("ORDER_DATABASE_URL", "SELECT (payload->>'commissionPaise') || '/' || "
	    "(payload->>'sellerId') FROM outbox WHERE aggregate_id = $1 AND type = 'ORDER_DELIVERED'",
	    id, (char *)NULL);
	char want[80];
	snprintf(want, sizeof want, "150/%s", seller.id);
	T_EQ_STR(v, want);
	free(v);

	/* Bad requests. */
	t_order_status_set(&rs, admin, id, "LOST", NULL);
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders/%s/status", id);
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"PAID\",\"paymentId\":\"x\"}");
	T_ERROR(&rs, 400, "paymentId is not an allowed field");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", url, admin, "{}");
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	t_order_status_set(&rs, admin, "5f0c1a9e-0000-4000-8000-00000000dead", "PAID", NULL);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_order_status_set(&rs, admin, "nope", "PAID", NULL);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	free(id);
	free(p);
}

/* Two concurrent changes from one status: one wins. */
static void
status_concurrent_one_wins(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char *id = order_create(cust_a.token, "", p, 1, "10.00");
	T_REQUIRE(id != NULL);
	char url[120];
	snprintf(url, sizeof url, "/orders/%s/status", id);
	enum { N = 8 };
	long status[N];
	t_http_parallel(N, "PATCH", url, admin, "application/json", "{\"status\":\"PAID\"}",
	    status, NULL);
	int ok = 0, conflict = 0;
	for (int i = 0; i < N; i++) {
		if (status[i] == 200) ok++;
		else if (status[i] == 409) conflict++;
	}
	T_EQ_INT(ok, 1);
	T_EQ_INT(conflict, N - 1);
	T_EQ_INT(outbox_count(id, "ORDER_PAID"), 1);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM order_status_history "
	    "WHERE order_id = $1 AND to_status = 'PAID'", id, (char *)NULL), 1);
	free(id);
	free(p);
}

/* Cancelling returns the stock: the relay delivers ORDER_CANCELLED to the
 * product service, which releases the reservation. */
static void
cancel_returns_stock(void)
{
	char *p = product_create("10.00", 5, NULL);
	T_REQUIRE(p != NULL);
	char *id = order_create(cust_a.token, "", p, 2, "10.00");
	char *paid = order_create(cust_b.token, "", p, 1, "10.00");
	T_REQUIRE(id != NULL && paid != NULL);
	T_EQ_INT(t_product_stock(p), 2);
	struct resp rs;

	/* The buyer cancels a PENDING order. */
	t_order_status_set(&rs, cust_a.token, id, "CANCELLED", "changed my mind");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "CANCELLED");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.1.notes"), "changed my mind");
	}
	t_resp_free(&rs);
	T_EQ_INT(outbox_count(id, "ORDER_CANCELLED"), 1);
	char *prev = t_db_value("ORDER_DATABASE_URL", "SELECT payload->>'previousStatus' "
	    "FROM outbox WHERE aggregate_id = $1 AND type = 'ORDER_CANCELLED'", id, (char *)NULL);
	T_EQ_STR(prev, "PENDING");
	free(prev);
	for (int i = 0; i < 5; i++) {
		static const char *const all[] = { "PENDING", "PAID", "SHIPPED", "DELIVERED",
		    "CANCELLED" };
		expect_status_change(admin, id, "CANCELLED", all[i], 409);
	}
	expect_status_change(cust_a.token, id, "CANCELLED", "CANCELLED", 409);

	/* An admin cancels a PAID order. */
	expect_status_change(admin, paid, "PENDING", "PAID", 200);
	expect_status_change(admin, paid, "PAID", "CANCELLED", 200);

	/* Depends on workers/relay running in the stack (scripts/stack.sh
	 * starts it when built). */
	char relay[600];
	snprintf(relay, sizeof relay, "%s/relay", getenv("BIN_DIR") ? getenv("BIN_DIR") : ".");
	if (access(relay, X_OK) != 0) {
		printf("\n    NOTE: %s is not built: stock return after cancel NOT CHECKED\n", relay);
	} else {
		long long s = wait_stock(p, 5, 5000);
		if (!T_EQ_INT(s, 5))
			printf("    (stock after cancelling: relay -> ORDER_CANCELLED -> product)\n");
	}
	free(id);
	free(paid);
	free(p);
}

static const struct t_case cases[] = {
	T_CASE(status_machine),
	T_CASE(status_concurrent_one_wins),
	T_CASE(cancel_returns_stock),
};

const struct t_suite order_status_suite = T_SUITE("status", cases);
