/* it_order: POST /orders: server-side prices (the brief's example, two
 * lines), the commission rounded once (0.04 for 0.15 + 0.25, the same in
 * order_db, the events and the wallet's credit), the refused inputs, short
 * stock, 30 buyers for the last 10 units, buying for someone else, the
 * seller a reseller, an unknown share link, Idempotency-Key replay and 422. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "order.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
order_health(void)
{
	struct resp rs;
	t_get(&rs, "/orders/health", NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "ok");
	t_resp_free(&rs);
}

/* The contract's example: base 1000.00, seller price 1500.00, quantity 2. */
static void
create_brief_example(void)
{
	char *variant = NULL;
	char *p = product_create("1000.00", 10, &variant);
	T_REQUIRE(p != NULL && variant != NULL);
	char extra[200], body[600];
	snprintf(extra, sizeof extra, "\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"shippingAddress\":\"123 Main St, City, Country\",", cust_a.id, seller.id);
	struct resp rs;
	order_post(&rs, cust_a.token, one_line(body, sizeof body, extra, p, 2, "1500.00"), NULL);
	char *id = NULL, *posted = NULL;
	if (T_STATUS(&rs, 201)) {
		id = strdup(t_jstr(rs.json, "id"));
		posted = strdup(rs.body);
		T_EQ_STR(t_jstr(rs.json, "userId"), cust_a.id);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller.id);
		T_JSON_EQ(&rs, "shareLinkId", "null");
		T_EQ_STR(t_jstr(rs.json, "status"), "PENDING");
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		T_JSON_EQ(&rs, "subtotal", "3000.00");
		T_JSON_EQ(&rs, "commission", "300.00");
		T_JSON_EQ(&rs, "total", "3000.00");
		T_EQ_STR(t_jstr(rs.json, "shippingAddress"), "123 Main St, City, Country");
		T_JSON_EQ(&rs, "paymentId", "null");
		T_EQ_INT(t_jlen(rs.json, "items"), 1);
		T_EQ_STR(t_jstr(rs.json, "items.0.productId"), p);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), variant);
		T_ASSERT(t_contains(t_jstr(rs.json, "items.0.productName"), "order-product"));
		T_JSON_EQ(&rs, "items.0.quantity", "2");
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
		T_JSON_EQ(&rs, "items.0.sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "items.0.subtotal", "3000.00");
		T_JSON_EQ(&rs, "items.0.commission", "300.00");
		T_ASSERT(t_jstr(rs.json, "items.0.id") != NULL);
		const char *at = t_jstr(rs.json, "createdAt");
		T_ASSERT(at != NULL && strlen(at) == 24 && at[10] == 'T' && at[19] == '.' &&
		    at[23] == 'Z');
		T_ASSERT(t_jstr(rs.json, "updatedAt") != NULL);
		T_ASSERT(strstr(rs.body, "\"total\":3000.00") != NULL);
	}
	t_resp_free(&rs);
	T_REQUIRE(id != NULL);
	T_EQ_INT(t_product_stock(p), 8);

	/* One ORDER_CREATED in the outbox, money in paise. */
	T_EQ_INT(outbox_count(id, "ORDER_CREATED"), 1);
	char *v = t_db_value("ORDER_DATABASE_URL", "SELECT payload->>'totalPaise' || '/' || "
	    "(payload->>'commissionPaise') || '/' || (payload->'items'->0->>'sellerPricePaise') "
	    "FROM outbox WHERE aggregate_id = $1 AND type = 'ORDER_CREATED'", id, (char *)NULL);
	T_EQ_STR(v, "300000/30000/150000");
	free(v);

	/* GET shows it with its history. */
	char url[120];
	snprintf(url, sizeof url, "/orders/%s", id);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "3000.00");
		T_EQ_INT(t_jlen(rs.json, "statusHistory"), 1);
		T_JSON_EQ(&rs, "statusHistory.0.from", "null");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.0.to"), "PENDING");
		T_EQ_STR(t_jstr(rs.json, "statusHistory.0.actorId"), cust_a.id);
		T_ASSERT(t_jstr(rs.json, "statusHistory.0.createdAt") != NULL);
		/* The 201's document is the stored order: the same bytes as GET's
		 * but for the history. */
		char *h = strstr(rs.body, ",\"statusHistory\":");
		char *e = h ? strstr(h, "],\"createdAt\"") : NULL;
		T_REQUIRE(h != NULL && e != NULL && posted != NULL);
		memmove(h, e + 1, strlen(e + 1) + 1);
		T_EQ_STR(rs.body, posted);
	}
	t_resp_free(&rs);
	free(posted);

	/* The client code of the contract (section 9): userId, optional seller,
	 * sellerPrice as a number; no seller: no commission. */
	snprintf(extra, sizeof extra, "\"userId\":\"%s\",", cust_a.id);
	order_post(&rs, cust_a.token, one_line(body, sizeof body, extra, p, 1, "1500.00"), NULL);
	if (T_STATUS(&rs, 201)) {
		T_JSON_EQ(&rs, "sellerId", "null");
		T_JSON_EQ(&rs, "subtotal", "1500.00");
		T_JSON_EQ(&rs, "commission", "0.00");
		T_JSON_EQ(&rs, "total", "1500.00");
		T_JSON_EQ(&rs, "items.0.commission", "0.00");
	}
	t_resp_free(&rs);

	/* A reseller buying from themselves earns nothing. */
	snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", seller.id);
	order_post(&rs, seller.token, one_line(body, sizeof body, extra, p, 1, "1500.00"), NULL);
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller.id);
		T_EQ_STR(t_jstr(rs.json, "userId"), seller.id);
		T_JSON_EQ(&rs, "commission", "0.00");
		T_JSON_EQ(&rs, "items.0.commission", "0.00");
		T_JSON_EQ(&rs, "total", "1500.00");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p), 6);
	free(id);
	free(p);
	free(variant);
}

/* Two lines, two products, named variants; totals are the sums. */
static void
create_two_lines(void)
{
	char *v1 = NULL, *v2 = NULL;
	char *p1 = product_create("100.00", 5, &v1), *p2 = product_create("0.01", 5, &v2);
	T_REQUIRE(p1 && p2 && v1 && v2);
	char body[800];
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"items\":["
	    "{\"productId\":\"%s\",\"variantId\":\"%s\",\"quantity\":3,\"sellerPrice\":\"100.10\"},"
	    "{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":0.04}]}", seller.id, p1, v1, p2);
	struct resp rs;
	order_post(&rs, cust_a.token, body, NULL);
	if (T_STATUS(&rs, 201)) {
		T_JSON_EQ(&rs, "items.0.subtotal", "300.30");
		T_JSON_EQ(&rs, "items.0.commission", "30.03");
		T_JSON_EQ(&rs, "items.1.subtotal", "0.04");
		T_JSON_EQ(&rs, "items.1.commission", "0.00");   /* 0.004 rounds to 0.00 */
		T_EQ_STR(t_jstr(rs.json, "items.1.variantId"), v2);
		T_JSON_EQ(&rs, "subtotal", "300.34");
		T_JSON_EQ(&rs, "commission", "30.03");
		T_JSON_EQ(&rs, "total", "300.34");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p1), 2);
	T_EQ_INT(t_product_stock(p2), 4);
	free(p1);
	free(p2);
	free(v1);
	free(v2);
}

/* Polls a count in wallet_db until it is want, for at most ms; returns the
 * last seen. */
static long long
wait_wallet_count(long long want, long ms, const char *sql, const char *arg)
{
	char n[24];
	snprintf(n, sizeof n, "%lld", want);
	t_db_wait("WALLET_DATABASE_URL", n, ms, sql, arg, (char *)NULL);
	return t_db_count("WALLET_DATABASE_URL", sql, arg, (char *)NULL);
}

/* The commission is rounded once from the exact total and split across the
 * lines by the largest remainder (issue 11): 0.15 + 0.25 at the DEFAULT
 * 10 % is 0.015 + 0.025 = 0.04 (0.02 + 0.02, the tie to the earlier line),
 * not 0.02 + 0.03 = 0.05.  The same number in the answer, order_db, the
 * ORDER_CREATED and ORDER_PAID events and the seller's wallet credit. */
static void
create_commission_rounded_once(void)
{
	char *p1 = product_create("0.15", 5, NULL), *p2 = product_create("0.25", 5, NULL);
	T_REQUIRE(p1 != NULL && p2 != NULL);
	char body[800];
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"items\":["
	    "{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":0.15},"
	    "{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":0.25}]}", seller.id, p1, p2);
	struct resp rs;
	order_post(&rs, cust_a.token, body, NULL);
	char *id = NULL;
	if (T_STATUS(&rs, 201)) {
		id = strdup(t_jstr(rs.json, "id"));
		T_JSON_EQ(&rs, "subtotal", "0.40");
		T_JSON_EQ(&rs, "commission", "0.04");
		T_JSON_EQ(&rs, "total", "0.40");
		T_JSON_EQ(&rs, "items.0.commission", "0.02");
		T_JSON_EQ(&rs, "items.1.commission", "0.02");
	}
	t_resp_free(&rs);
	T_REQUIRE(id != NULL);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT commission FROM orders WHERE id = $1",
	    id, (char *)NULL), 4);
	char *v = t_db_value("ORDER_DATABASE_URL", "SELECT string_agg(commission::text, '+' "
	    "ORDER BY position) || '=' || sum(commission) FROM order_items WHERE order_id = $1",
	    id, (char *)NULL);
	T_EQ_STR(v, "2+2=4");
	free(v);
	v = t_db_value("ORDER_DATABASE_URL", "SELECT (payload->>'commissionPaise') || '/' || "
	    "(payload->'items'->0->>'commissionPaise') || '/' || "
	    "(payload->'items'->1->>'commissionPaise') FROM outbox "
	    "WHERE aggregate_id = $1 AND type = 'ORDER_CREATED'", id, (char *)NULL);
	T_EQ_STR(v, "4/2/2");
	free(v);

	/* Paid: ORDER_PAID carries 4, and the wallet credits 4 to the seller. */
	char ev[37], pay[37];
	crypto_uuid4(ev);
	crypto_uuid4(pay);
	payment_success(&rs, ev, id, pay, 40, "INR");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
	v = t_db_value("ORDER_DATABASE_URL", "SELECT (payload->>'totalPaise') || '/' || "
	    "(payload->>'commissionPaise') FROM outbox WHERE aggregate_id = $1 "
	    "AND type = 'ORDER_PAID'", id, (char *)NULL);
	T_EQ_STR(v, "40/4");
	free(v);
	T_EQ_INT(wait_wallet_count(1, 20000, "SELECT count(*) FROM wallet_orders "
	    "WHERE order_id = $1 AND commission = 4 AND total = 40", id), 1);
	T_EQ_INT(t_db_count("WALLET_DATABASE_URL", "SELECT sum(amount) FROM wallet_transactions "
	    "WHERE order_id = $1 AND type = 'COMMISSION_CREATED'", id, (char *)NULL), 4);
	free(id);
	free(p1);
	free(p2);
}

/* The client's totals are not accepted; bad lines are refused and nothing
 * is reserved. */
static void
create_bad_input_400(void)
{
	char *p = product_create("1000.00", 5, NULL);
	T_REQUIRE(p != NULL);
	static const struct { long status; const char *tmpl, *mention; } bad[] = {
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":2,\"sellerPrice\":1500.00}],"
		  "\"total\":1.00}", "total is not an allowed field" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":2,\"sellerPrice\":1500.00,"
		  "\"subtotal\":1.00}]}", "items[0].subtotal is not an allowed field" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":2,\"sellerPrice\":1500.00}],"
		  "\"commission\":0}", "commission is not an allowed field" },
		{ 400, "{\"items\":[]}", "items" },
		{ 400, "{}", "items" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":0,\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1001,\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1.5,\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.001}]}",
		  "items[0].sellerPrice" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":-1}]}",
		  "items[0].sellerPrice" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1}]}", "items[0].sellerPrice" },
		{ 400, "{\"items\":[{\"productId\":\"nope\",\"quantity\":1,\"sellerPrice\":1}]}",
		  "items[0].productId" },
		{ 400, "{\"items\":[\"x\"]}", "items[0] must be an object" },
		{ 400, "{\"userId\":\"x\",\"items\":[{\"productId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":1500.00}]}", "userId" },
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.00}],"
		  "\"status\":\"PAID\"}", "status is not an allowed field" },
		/* The pricing service's refusals pass through. */
		{ 400, "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":999.99}]}",
		  "items[0].sellerPrice must be at least 1000.00" },
		{ 404, "{\"items\":[{\"productId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"quantity\":1,\"sellerPrice\":1500.00}]}", "not found" },
		{ 404, "{\"items\":[{\"productId\":\"@P\",\"variantId\":"
		  "\"5f0c1a9e-0000-4000-8000-00000000dead\",\"quantity\":1,\"sellerPrice\":1500.00}]}",
		  "not found" },
	};
	char body[8192];
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_subst(body, sizeof body, bad[i].tmpl, p);
		order_post(&rs, cust_a.token, body, NULL);
		if (!T_ERROR(&rs, bad[i].status, bad[i].mention))
			printf("    (case %zu)\n", i);
		t_resp_free(&rs);
	}
	/* 51 lines. */
	size_t off = (size_t)snprintf(body, sizeof body, "{\"items\":[");
	for (int i = 0; i < 51; i++)
		off += (size_t)snprintf(body + off, sizeof body - off,
		    "%s{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":1500}", i ? "," : "", p);
	snprintf(body + off, sizeof body - off, "]}");
	order_post(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 400, "items must have at most 50 items");
	t_resp_free(&rs);
	/* Not JSON, no token. */
	t_http(&rs, "POST", "/orders", cust_a.token, "text/plain", "x", 1, (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	order_post(&rs, NULL, "{}", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p), 5);
	free(p);
}

/* Short on one line: 409 naming that line, and nothing reserved. */
static void
create_short_stock_409(void)
{
	char *v2 = NULL;
	char *p1 = product_create("10.00", 5, NULL), *p2 = product_create("10.00", 3, &v2);
	T_REQUIRE(p1 && p2 && v2);
	char body[600];
	snprintf(body, sizeof body, "{\"items\":["
	    "{\"productId\":\"%s\",\"quantity\":2,\"sellerPrice\":10.00},"
	    "{\"productId\":\"%s\",\"quantity\":4,\"sellerPrice\":10.00}]}", p1, p2);
	struct resp rs;
	order_post(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 409, "items[1]");
	T_ASSERT(t_contains(t_jstr(rs.json, "message"), "insufficient stock"));
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p1), 5);
	T_EQ_INT(t_product_stock(p2), 3);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM order_items "
	    "WHERE product_id = $1", p1, (char *)NULL), 0);

	/* Two lines of the same variant are summed: 2 + 2 > 3. */
	snprintf(body, sizeof body, "{\"items\":["
	    "{\"productId\":\"%s\",\"quantity\":2,\"sellerPrice\":10.00},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\",\"quantity\":2,\"sellerPrice\":10.00}]}",
	    p2, p2, v2);
	order_post(&rs, cust_a.token, body, NULL);
	T_ERROR(&rs, 409, "insufficient stock");
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p2), 3);

	/* Exactly what is left is fine. */
	char *id = order_create(cust_a.token, "", p2, 3, "10.00");
	T_ASSERT(id != NULL);
	T_EQ_INT(t_product_stock(p2), 0);
	free(id);
	free(p1);
	free(p2);
	free(v2);
}

/* 30 concurrent orders for the last 10 units: exactly 10 win. */
static void
create_concurrent_last_units(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char body[400];
	one_line(body, sizeof body, "", p, 1, "12.00");
	enum { N = 30 };
	long status[N];
	char *bodies[N];
	t_http_parallel(N, "POST", "/orders", cust_a.token, "application/json", body, status,
	    bodies);
	int created = 0, short_ = 0, other = 0;
	for (int i = 0; i < N; i++) {
		if (status[i] == 201)
			created++;
		else if (status[i] == 409 && strstr(bodies[i], "insufficient stock") != NULL)
			short_++;
		else {
			other++;
			printf("    request %d: %ld %s\n", i, status[i], bodies[i]);
		}
		free(bodies[i]);
	}
	T_EQ_INT(created, 10);
	T_EQ_INT(short_, 20);
	T_EQ_INT(other, 0);
	T_EQ_INT(t_product_stock(p), 0);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT coalesce(sum(quantity), 0) "
	    "FROM order_items WHERE product_id = $1", p, (char *)NULL), 10);
	free(p);
}

static void
create_for_someone_else(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char extra[200], body[600];
	struct resp rs;
	/* A customer may not order for another user... */
	snprintf(extra, sizeof extra, "\"userId\":\"%s\",", cust_b.id);
	order_post(&rs, cust_a.token, one_line(body, sizeof body, extra, p, 1, "10.00"), NULL);
	T_ERROR(&rs, 403, "userId");
	t_resp_free(&rs);
	/* ... nor may a reseller. */
	order_post(&rs, seller.token, body, NULL);
	T_ERROR(&rs, 403, "userId");
	t_resp_free(&rs);
	/* An admin may, for a user that exists. */
	order_post(&rs, admin, body, NULL);
	if (T_STATUS(&rs, 201))
		T_EQ_STR(t_jstr(rs.json, "userId"), cust_b.id);
	t_resp_free(&rs);
	snprintf(extra, sizeof extra, "\"userId\":\"5f0c1a9e-0000-4000-8000-00000000dead\",");
	order_post(&rs, admin, one_line(body, sizeof body, extra, p, 1, "10.00"), NULL);
	T_ERROR(&rs, 400, "userId");
	t_resp_free(&rs);
	/* Naming oneself is fine. */
	snprintf(extra, sizeof extra, "\"userId\":\"%s\",", cust_a.id);
	order_post(&rs, cust_a.token, one_line(body, sizeof body, extra, p, 1, "10.00"), NULL);
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p), 8);
	free(p);
}

static void
create_seller_not_reseller_400(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char extra[200], body[600];
	struct resp rs;
	snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", cust_b.id);
	order_post(&rs, cust_a.token, one_line(body, sizeof body, extra, p, 1, "10.00"), NULL);
	T_ERROR(&rs, 400, "sellerId does not name a reseller");
	t_resp_free(&rs);
	snprintf(extra, sizeof extra, "\"sellerId\":\"5f0c1a9e-0000-4000-8000-00000000dead\",");
	order_post(&rs, cust_a.token, one_line(body, sizeof body, extra, p, 1, "10.00"), NULL);
	T_ERROR(&rs, 400, "sellerId does not name a reseller");
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p), 10);
	free(p);
}

/* The share-link service is not deployed yet: an order through a link is
 * a 503 (once it is, an unknown link is a 404); never a partial write. */
static void
create_share_link_unknown(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char body[600];
	struct resp rs;
	one_line(body, sizeof body, "\"shareLinkId\":\"5f0c1a9e-0000-4000-8000-00000000dead\",",
	    p, 1, "10.00");
	order_post(&rs, cust_a.token, body, NULL);
	if (rs.status == 503)
		T_ERROR(&rs, 503, "share-link service unavailable");
	else
		T_ERROR(&rs, 404, "share link not found");
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p), 10);
	free(p);
}

static void
create_idempotency_key(void)
{
	char *p = product_create("10.00", 10, NULL);
	T_REQUIRE(p != NULL);
	char key[80], body[600], other[600];
	t_unique(key, sizeof key, "order-key");
	one_line(body, sizeof body, "", p, 2, "10.00");
	one_line(other, sizeof other, "", p, 3, "10.00");
	struct resp rs;
	char *first = NULL;
	order_post(&rs, cust_a.token, body, key);
	if (T_STATUS(&rs, 201)) {
		first = strdup(t_jstr(rs.json, "id"));
		T_ASSERT(t_header(&rs, "Idempotent-Replayed") == NULL);
	}
	t_resp_free(&rs);
	T_REQUIRE(first != NULL);
	order_post(&rs, cust_a.token, body, key);
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "id"), first);
		T_EQ_STR(t_header(&rs, "Idempotent-Replayed"), "true");
		T_JSON_EQ(&rs, "total", "20.00");
	}
	t_resp_free(&rs);
	order_post(&rs, cust_a.token, other, key);
	T_ERROR(&rs, 422, "Idempotency-Key");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM orders o "
	    "JOIN order_items i ON i.order_id = o.id WHERE i.product_id = $1", p, (char *)NULL), 1);
	T_EQ_INT(t_product_stock(p), 8);
	/* The key is the caller's: another user's same key is another request. */
	order_post(&rs, cust_b.token, body, key);
	if (T_STATUS(&rs, 201)) {
		T_ASSERT(strcmp(t_jstr(rs.json, "id"), first) != 0);
		T_ASSERT(t_header(&rs, "Idempotent-Replayed") == NULL);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_product_stock(p), 6);
	free(first);
	free(p);
}

static const struct t_case cases[] = {
	T_CASE(order_health),
	T_CASE(create_brief_example),
	T_CASE(create_two_lines),
	T_CASE(create_commission_rounded_once),
	T_CASE(create_bad_input_400),
	T_CASE(create_short_stock_409),
	T_CASE(create_concurrent_last_units),
	T_CASE(create_for_someone_else),
	T_CASE(create_seller_not_reseller_400),
	T_CASE(create_share_link_unknown),
	T_CASE(create_idempotency_key),
};

const struct t_suite order_create_suite = T_SUITE("create", cases);
