/* it_order: the internal API: the payment events the order service
 * consumes (PAYMENT_SUCCESS once, an amount mismatch ignored, refunds) and
 * their refused inputs. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "order.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
order_status(const char *id)
{
	static char st[32];
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/orders/%s", id);
	t_get(&rs, url, admin);
	snprintf(st, sizeof st, "%s", rs.status == 200 && t_jstr(rs.json, "status") ?
	    t_jstr(rs.json, "status") : "?");
	t_resp_free(&rs);
	return st;
}

static void
internal_payment_success(void)
{
	char *p = product_create("1000.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char extra[200];
	snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", seller.id);
	char *id = order_create(cust_a.token, extra, p, 2, "1500.00");
	T_REQUIRE(id != NULL);
	char ev[37], ev2[37], pay[37];
	crypto_uuid4(ev);
	crypto_uuid4(ev2);
	crypto_uuid4(pay);
	struct resp rs;

	payment_success(&rs, ev, id, pay, 300000, "INR");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "eventId"), ev);
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	}
	t_resp_free(&rs);
	/* The same event again: 200, nothing changes. */
	payment_success(&rs, ev, id, pay, 300000, "INR");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "duplicate");
	t_resp_free(&rs);
	/* Another delivery of the same payment (another event id): no change. */
	payment_success(&rs, ev2, id, pay, 300000, "INR");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	char url[120];
	snprintf(url, sizeof url, "/orders/%s", id);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "PAID");
		T_EQ_STR(t_jstr(rs.json, "paymentId"), pay);
		T_EQ_INT(t_jlen(rs.json, "statusHistory"), 2);
		T_ASSERT(t_contains(t_jstr(rs.json, "statusHistory.1.notes"), pay));
		T_JSON_EQ(&rs, "statusHistory.1.actorId", "null");
	}
	t_resp_free(&rs);
	T_EQ_INT(outbox_count(id, "ORDER_PAID"), 1);
	char *v = t_db_value("ORDER_DATABASE_URL", "SELECT (payload->>'paymentId') || '/' || "
	    "(payload->>'totalPaise') || '/' || (payload->>'commissionPaise') FROM outbox "
	    "WHERE aggregate_id = $1 AND type = 'ORDER_PAID'", id, (char *)NULL);
	char want[120];
	snprintf(want, sizeof want, "%s/300000/30000", pay);
	T_EQ_STR(v, want);
	free(v);

	/* The internal read shows the same order to any internal caller. */
	snprintf(url, sizeof url, "%s/internal/order/orders/%s", t_env("INTERNAL_URL"), id);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "PAID");
		T_JSON_EQ(&rs, "total", "3000.00");
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "%s/internal/order/orders/5f0c1a9e-0000-4000-8000-00000000dead",
	    t_env("INTERNAL_URL"));
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	/* ... and is not reachable from the public port. */
	snprintf(url, sizeof url, "/internal/order/orders/%s", id);
	t_get(&rs, url, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	free(id);
	free(p);
}

static void
internal_payment_mismatch_ignored(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char *id = order_create(cust_a.token, "", p, 1, "10.00");
	char *cancelled = order_create(cust_a.token, "", p, 1, "10.00");
	T_REQUIRE(id != NULL && cancelled != NULL);
	char ev[37], pay[37];
	struct resp rs;

	crypto_uuid4(ev);
	crypto_uuid4(pay);
	payment_success(&rs, ev, id, pay, 999, "INR");      /* the order is 1000 */
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	crypto_uuid4(ev);
	payment_success(&rs, ev, id, pay, 1000, "USD");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_STR(order_status(id), "PENDING");
	T_EQ_INT(outbox_count(id, "ORDER_PAID"), 0);

	/* A payment for a cancelled order changes nothing (an admin refunds). */
	expect_status_change(cust_a.token, cancelled, "PENDING", "CANCELLED", 200);
	crypto_uuid4(ev);
	payment_success(&rs, ev, cancelled, pay, 1000, "INR");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_STR(order_status(cancelled), "CANCELLED");
	T_EQ_INT(outbox_count(cancelled, "ORDER_PAID"), 0);

	/* An unknown order: acknowledged, nothing to do. */
	crypto_uuid4(ev);
	payment_success(&rs, ev, "5f0c1a9e-0000-4000-8000-00000000dead", pay, 1000, "INR");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* The right amount still works afterwards. */
	crypto_uuid4(ev);
	payment_success(&rs, ev, id, pay, 1000, "INR");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_STR(order_status(id), "PAID");
	free(id);
	free(cancelled);
	free(p);
}

static void
internal_refund(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char *id = order_create(cust_a.token, "", p, 2, "10.00");
	T_REQUIRE(id != NULL);
	char ev[37], pay[37], payload[600];
	struct resp rs;
	crypto_uuid4(ev);
	crypto_uuid4(pay);
	payment_success(&rs, ev, id, pay, 2000, "INR");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	/* A partial refund is a note. */
	crypto_uuid4(ev);
	snprintf(payload, sizeof payload, "{\"paymentId\":\"%s\",\"orderId\":\"%s\","
	    "\"userId\":\"%s\",\"refundId\":\"rfnd_1\",\"amountPaise\":2000,"
	    "\"refundedPaise\":500,\"full\":false,\"currency\":\"INR\"}", pay, id, cust_a.id);
	event_post(&rs, ev, "PAYMENT_REFUNDED", payload);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_STR(order_status(id), "PAID");

	/* A full refund cancels the PAID order (and the stock comes back). */
	crypto_uuid4(ev);
	snprintf(payload, sizeof payload, "{\"paymentId\":\"%s\",\"orderId\":\"%s\","
	    "\"userId\":\"%s\",\"refundId\":\"rfnd_2\",\"amountPaise\":2000,"
	    "\"refundedPaise\":2000,\"full\":true,\"currency\":\"INR\"}", pay, id, cust_a.id);
	event_post(&rs, ev, "PAYMENT_REFUNDED", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	event_post(&rs, ev, "PAYMENT_REFUNDED", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "duplicate");
	t_resp_free(&rs);
	T_EQ_STR(order_status(id), "CANCELLED");
	T_EQ_INT(outbox_count(id, "ORDER_CANCELLED"), 1);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM order_status_history "
	    "WHERE order_id = $1 AND notes LIKE 'partial refund rfnd_1%'", id, (char *)NULL), 1);
	free(id);
	free(p);
}

static void
internal_events_bad_input(void)
{
	char url[300], ev[37];
	struct resp rs;
	snprintf(url, sizeof url, "%s/internal/order/events", t_env("INTERNAL_URL"));
	t_send_json(&rs, "POST", url, NULL, "{");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "POST", url, NULL, "{\"eventId\":\"x\",\"type\":\"PAYMENT_SUCCESS\","
	    "\"source\":\"payment\",\"payload\":{}}");
	T_ERROR(&rs, 400, "eventId");
	t_resp_free(&rs);
	crypto_uuid4(ev);
	char body[400];
	snprintf(body, sizeof body, "{\"eventId\":\"%s\",\"type\":\"PAYMENT_SUCCESS\","
	    "\"source\":\"payment\"}", ev);
	t_send_json(&rs, "POST", url, NULL, body);
	T_ERROR(&rs, 400, "payload");
	t_resp_free(&rs);
	event_post(&rs, ev, "PAYMENT_SUCCESS", "{\"orderId\":\"nope\"}");
	T_ERROR(&rs, 400, "orderId");
	t_resp_free(&rs);
	event_post(&rs, ev, "PAYMENT_SUCCESS", "{\"orderId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
	    "\"paymentId\":\"5f0c1a9e-0000-4000-8000-00000000dead\"}");
	T_ERROR(&rs, 400, "amountPaise");
	t_resp_free(&rs);
	event_post(&rs, ev, "PAYMENT_REFUNDED", "{\"orderId\":\"5f0c1a9e-0000-4000-8000-00000000dead\"}");
	T_ERROR(&rs, 400, "full");
	t_resp_free(&rs);
	/* An event the order service does not consume is acknowledged. */
	event_post(&rs, ev, "PAYOUT_COMPLETED", "{}");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	/* The consumer is internal only. */
	t_send_json(&rs, "POST", "/internal/order/events", admin, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(internal_payment_success),
	T_CASE(internal_payment_mismatch_ignored),
	T_CASE(internal_refund),
	T_CASE(internal_events_bad_input),
};

const struct t_suite order_events_suite = T_SUITE("events", cases);
