/* it_share_link: GET /share-links/:code/stats: exact after an order through
 * the link is paid (through the relay), ownership, and the event consumer
 * applying each event once in either order (refunds, cancellations). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Polls the link's stats until conversions is want, for at most ms; the
 * last answer stays in rs (free it). */
static void
wait_conversions(struct resp *rs, const char *code, long long want, long ms)
{
	char url[120], n[24];
	snprintf(url, sizeof url, "/share-links/%s/stats", code);
	snprintf(n, sizeof n, "%lld", want);
	t_wait_json(rs, url, admin, "conversions", n, (double)ms / 1000.0);
}

/* Clicks, an order through the link, its payment (an admin marks it PAID:
 * ORDER_PAID through the relay), an unpaid order: the numbers exactly. */
static void
stats_after_paid_order(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	stats_get(&rs, l.code, seller_a.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "clicks", "0");
		T_JSON_EQ(&rs, "conversions", "0");
		T_JSON_EQ(&rs, "conversionRate", "0.00");
		T_JSON_EQ(&rs, "totalRevenue", "0.00");
	}
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-stats-1");
	t_resp_free(&rs);

	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, product, 2, "1500.00");
	char order[40] = "";
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id"))
		snprintf(order, sizeof order, "%s", t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	T_REQUIRE(order[0] != '\0');
	char url[120];
	snprintf(url, sizeof url, "/orders/%s/status", order);
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"PAID\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	wait_conversions(&rs, l.code, 1, 15000);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "clicks", "1");
		T_JSON_EQ(&rs, "conversions", "1");
		T_JSON_EQ(&rs, "conversionRate", "100.00");
		T_JSON_EQ(&rs, "totalRevenue", "3000.00");
		T_JSON_EQ(&rs, "orders", "1");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_orders WHERE order_id = $1 "
	    "AND revenue = 300000 AND paid_at IS NOT NULL", order, (char *)NULL), 1);

	/* Two more visitors and an unpaid order: 1 of 3 = 33.33 %. */
	visit(&rs, l.code, "ua-stats-2");
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-stats-3");
	t_resp_free(&rs);
	order_post(&rs, customer.token, extra, product, 1, "1500.00");
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	double end = t_now() + 15;
	for (;;) {
		stats_get(&rs, l.code, seller_a.token);
		if (t_jint(rs.json, "orders", -1) == 2 || t_now() > end)
			break;
		t_resp_free(&rs);
		t_sleep_ms(100);
	}
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "clicks", "3");
		T_JSON_EQ(&rs, "conversions", "1");
		T_JSON_EQ(&rs, "conversionRate", "33.33");
		T_JSON_EQ(&rs, "totalRevenue", "3000.00");
		T_JSON_EQ(&rs, "orders", "2");
		T_JSON_EQ(&rs, "cancelled", "0");
	}
	t_resp_free(&rs);

	/* The paid order is cancelled (ORDER_CANCELLED through the relay): no
	 * longer a conversion, no revenue; it still was placed. */
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"CANCELLED\",\"notes\":\"returned\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	wait_conversions(&rs, l.code, 0, 15000);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "clicks", "3");
		T_JSON_EQ(&rs, "conversions", "0");
		T_JSON_EQ(&rs, "conversionRate", "0.00");
		T_JSON_EQ(&rs, "totalRevenue", "0.00");
		T_JSON_EQ(&rs, "orders", "2");
		T_JSON_EQ(&rs, "cancelled", "1");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_orders WHERE order_id = $1 "
	    "AND cancelled_at IS NOT NULL", order, (char *)NULL), 1);
}

static void
stats_ownership(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_a, "", &l) == 0);
	struct resp rs;
	stats_get(&rs, l.code, seller_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	stats_get(&rs, l.code, customer.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	stats_get(&rs, l.code, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	stats_get(&rs, l.code, admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	stats_get(&rs, "AAAAAAAAAAAA", admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

/* The consumer: each event once, either order, payloads checked. */
static void
events_exactly_once(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_a, "", &l) == 0);
	char order[37], ev1[37], ev2[37], ev3[37], payload[600];
	crypto_uuid4(order);
	crypto_uuid4(ev1);
	crypto_uuid4(ev2);
	crypto_uuid4(ev3);
	struct resp rs;
	/* Paid before it was created (the relay does not order them). */
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":123456,\"commissionPaise\":0}", order, l.id);
	t_event_post(&rs, "share-link", ev1, "ORDER_PAID", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	t_event_post(&rs, "share-link", ev1, "ORDER_PAID", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "duplicate");
	t_resp_free(&rs);
	/* Another ORDER_PAID for the order (a new event id): no second payment. */
	t_event_post(&rs, "share-link", ev2, "ORDER_PAID", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "duplicate");
	t_resp_free(&rs);
	/* The late ORDER_CREATED changes nothing. */
	t_event_post(&rs, "share-link", ev3, "ORDER_CREATED", payload);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	stats_get(&rs, l.code, seller_a.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "conversions", "1");
		T_JSON_EQ(&rs, "orders", "1");
		T_JSON_EQ(&rs, "totalRevenue", "1234.56");
		T_JSON_EQ(&rs, "conversionRate", "0.00");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM inbox WHERE event_id IN ($1, $2, $3)",
	    ev1, ev2, ev3, (char *)NULL), 3);

	/* No link: ignored; an unknown link: ignored; other types: ignored. */
	char ev[37];
	crypto_uuid4(ev);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":null,"
	    "\"currency\":\"INR\",\"totalPaise\":100}", order);
	t_event_post(&rs, "share-link", ev, "ORDER_CREATED", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	crypto_uuid4(ev);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":"
	    "\"5f0c1a9e-0000-4000-8000-00000000dead\",\"currency\":\"INR\",\"totalPaise\":100}",
	    order);
	t_event_post(&rs, "share-link", ev, "ORDER_PAID", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	crypto_uuid4(ev);
	t_event_post(&rs, "share-link", ev, "ORDER_SHIPPED", "{\"orderId\":\"x\"}");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ignored");
	t_resp_free(&rs);
	/* Malformed payloads are 400s (the relay retries, then parks them). */
	crypto_uuid4(ev);
	snprintf(payload, sizeof payload, "{\"orderId\":\"nope\",\"shareLinkId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":100}", l.id);
	t_event_post(&rs, "share-link", ev, "ORDER_PAID", payload);
	T_ERROR(&rs, 400, "orderId");
	t_resp_free(&rs);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":\"%s\","
	    "\"currency\":\"INR\"}", order, l.id);
	t_event_post(&rs, "share-link", ev, "ORDER_PAID", payload);
	T_ERROR(&rs, 400, "totalPaise");
	t_resp_free(&rs);
	/* Not on the public port. */
	t_send_json(&rs, "POST", "/internal/share-link/events", admin, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

/* The link's stats are conversions, totalRevenue and cancelled as given
 * (NULL: not checked). */
static void
stats_expect(const char *code, const char *conversions, const char *revenue,
    const char *cancelled)
{
	struct resp rs;
	stats_get(&rs, code, seller_a.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "conversions", conversions);
		T_JSON_EQ(&rs, "totalRevenue", revenue);
		if (cancelled != NULL)
			T_JSON_EQ(&rs, "cancelled", cancelled);
	}
	t_resp_free(&rs);
}

/* Refunds come off the revenue (PAYMENT_REFUNDED carries the payment's
 * refunded total so far: the largest seen counts, whatever the order of
 * arrival); a cancellation, before or after the payment, takes the order
 * out of conversions and revenue. */
static void
events_refunds_and_cancellations(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_a, "", &l) == 0);
	char a[37], b[37], ev[37], payload[600];
	crypto_uuid4(a);
	crypto_uuid4(b);
	struct resp rs;
	/* Order a: 1,000.00 paid, then refunds of 100.00 and 250.00 in all. */
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":100000}", a, l.id);
	crypto_uuid4(ev);
	t_event_post(&rs, "share-link", ev, "ORDER_PAID", payload);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* The second refund's event arrives first. */
	const char *refunds[][2] = { { "25000", "applied" }, { "10000", "duplicate" } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(payload, sizeof payload, "{\"paymentId\":\"%s\",\"orderId\":\"%s\","
		    "\"amountPaise\":15000,\"refundedPaise\":%s,\"full\":false,"
		    "\"currency\":\"INR\"}", b, a, refunds[i][0]);
		crypto_uuid4(ev);
		t_event_post(&rs, "share-link", ev, "PAYMENT_REFUNDED", payload);
		if (T_STATUS(&rs, 200))
			T_EQ_STR(t_jstr(rs.json, "status"), refunds[i][1]);
		t_resp_free(&rs);
	}
	/* A refund of an order that is not the link's: recorded, counted nowhere. */
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"refundedPaise\":500}", b);
	crypto_uuid4(ev);
	t_event_post(&rs, "share-link", ev, "PAYMENT_REFUNDED", payload);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	stats_expect(l.code, "1", "750.00", "0");

	/* Order b: cancelled before its ORDER_CREATED and ORDER_PAID arrive. */
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":40000,\"previousStatus\":\"PAID\"}", b, l.id);
	crypto_uuid4(ev);
	t_event_post(&rs, "share-link", ev, "ORDER_CANCELLED", payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	const char *late[] = { "ORDER_PAID", "ORDER_CREATED", "ORDER_CANCELLED" };
	for (size_t i = 0; i < 3; i++) {
		crypto_uuid4(ev);
		t_event_post(&rs, "share-link", ev, late[i], payload);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}
	stats_expect(l.code, "1", "750.00", "1");

	/* Order a is cancelled after its payment and refunds: nothing left. */
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"shareLinkId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":100000}", a, l.id);
	crypto_uuid4(ev);
	t_event_post(&rs, "share-link", ev, "ORDER_CANCELLED", payload);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	stats_expect(l.code, "0", "0.00", "2");

	/* Malformed refunds are 400s. */
	crypto_uuid4(ev);
	t_event_post(&rs, "share-link", ev, "PAYMENT_REFUNDED", "{\"orderId\":\"nope\",\"refundedPaise\":1}");
	T_ERROR(&rs, 400, "orderId");
	t_resp_free(&rs);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\"}", a);
	t_event_post(&rs, "share-link", ev, "PAYMENT_REFUNDED", payload);
	T_ERROR(&rs, 400, "refundedPaise");
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(stats_after_paid_order),
	T_CASE(stats_ownership),
	T_CASE(events_refunds_and_cancellations),
	T_CASE(events_exactly_once),
};

const struct t_suite share_link_stats_suite = T_SUITE("stats", cases);
