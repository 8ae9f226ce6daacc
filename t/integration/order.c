/* The order service through the gateway: POST /orders (prices recomputed,
 * stock reserved all-or-none, concurrency, ownership, Idempotency-Key),
 * GET /orders and /orders/:id (who sees what), PATCH /orders/:id/status (the
 * state machine, roles, history, events), cancellation returning the stock
 * through the relay, and the internal API (GET /internal/order/orders/:id,
 * POST /internal/order/events).
 *
 * Users: an ADMIN token is minted; two customers and a reseller are
 * registered (the auth service must know them: the seller check asks it).
 * Products are created through the product API.  Money is compared as the
 * exact JSON text the server wrote ("3000.00"), never as a double. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char *admin;
static struct t_user cust_a, cust_b, seller;

/* ---- helpers ---- */

/* A product at base price base ("1000.00") with stock units in its one
 * variant.  Returns its id and, when variant is not NULL, the variant's
 * (both malloc'd). */
static char *
product_create(const char *base, int stock, char **variant)
{
	char name[80], body[300];
	struct resp rs;
	t_unique(name, sizeof name, "order-product");
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"basePrice\":%s,\"stock\":%d}", name,
	    base, stock);
	t_post_json(&rs, "/products", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL) {
		id = strdup(t_jstr(rs.json, "id"));
		if (variant != NULL) {
			const char *v = t_jstr(rs.json, "variants.0.id");
			*variant = v ? strdup(v) : NULL;
		}
	}
	t_resp_free(&rs);
	return id;
}

/* The stock of the product's first variant as GET /products/:id shows it,
 * or -1. */
static long long
stock_of(const char *product)
{
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/products/%s", product);
	t_get(&rs, url, NULL);
	long long n = rs.status == 200 ? t_jint(rs.json, "variants.0.stock", -1) : -1;
	t_resp_free(&rs);
	return n;
}

/* Polls the stock until it is want, for at most ms; returns the last seen. */
static long long
wait_stock(const char *product, long long want, long ms)
{
	double end = t_now() + (double)ms / 1000.0;
	long long n;
	while ((n = stock_of(product)) != want && t_now() < end)
		t_sleep_ms(100);
	return n;
}

/* An order body of one line. */
static char *
one_line(char *out, size_t n, const char *extra, const char *product, int qty,
    const char *price)
{
	snprintf(out, n, "{%s\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":%s}]}", extra, product, qty, price);
	return out;
}

static long
order_post(struct resp *rs, const char *token, const char *body, const char *key)
{
	char h[300];
	if (key == NULL)
		return t_send_json(rs, "POST", "/orders", token, body);
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	return t_http(rs, "POST", "/orders", token, "application/json", body, strlen(body), h,
	    (char *)NULL);
}

/* Creates a one-line order; returns its id (malloc'd) or NULL. */
static char *
order_create(const char *token, const char *extra, const char *product, int qty,
    const char *price)
{
	char body[600];
	struct resp rs;
	order_post(&rs, token, one_line(body, sizeof body, extra, product, qty, price), NULL);
	char *id = NULL;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return id;
}

static long
set_status(struct resp *rs, const char *token, const char *id, const char *status,
    const char *notes)
{
	char url[120], body[300];
	snprintf(url, sizeof url, "/orders/%s/status", id);
	if (notes != NULL)
		snprintf(body, sizeof body, "{\"status\":\"%s\",\"notes\":\"%s\"}", status, notes);
	else
		snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
	return t_send_json(rs, "PATCH", url, token, body);
}

/* PATCH that must be answered with want (and, for 409, name both statuses). */
static void
expect_status_change(const char *token, const char *id, const char *from, const char *to,
    long want)
{
	struct resp rs;
	set_status(&rs, token, id, to, NULL);
	if (want == 409) {
		char m[80];
		snprintf(m, sizeof m, "from %s to %s", from, to);
		if (!T_ERROR(&rs, 409, m))
			printf("    (transition %s -> %s)\n", from, to);
	} else if (want >= 400) {
		T_ERROR(&rs, want, NULL);
	} else if (T_STATUS(&rs, want)) {
		T_EQ_STR(t_jstr(rs.json, "status"), to);
	}
	t_resp_free(&rs);
}

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

static long long
outbox_count(const char *id, const char *type)
{
	return t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM outbox "
	    "WHERE aggregate_id = $1 AND type = $2", id, type, (char *)NULL);
}

/* Posts an event envelope to the internal listener. */
static long
event_post(struct resp *rs, const char *event_id, const char *type, const char *payload)
{
	char url[300], body[1500];
	snprintf(url, sizeof url, "%s/internal/order/events", t_env("INTERNAL_URL"));
	snprintf(body, sizeof body, "{\"eventId\":\"%s\",\"type\":\"%s\",\"source\":\"payment\","
	    "\"aggregateId\":\"x\",\"occurredAt\":\"2026-01-01T00:00:00.000Z\",\"attempt\":1,"
	    "\"payload\":%s}", event_id, type, payload);
	return t_send_json(rs, "POST", url, NULL, body);
}

static long
payment_success(struct resp *rs, const char *event_id, const char *order, const char *payment,
    long long amount, const char *currency)
{
	char p[500];
	snprintf(p, sizeof p, "{\"paymentId\":\"%s\",\"orderId\":\"%s\",\"userId\":\"%s\","
	    "\"amountPaise\":%lld,\"currency\":\"%s\",\"razorpayOrderId\":\"order_X\","
	    "\"razorpayPaymentId\":\"pay_X\"}", payment, order, cust_a.id, amount, currency);
	return event_post(rs, event_id, "PAYMENT_SUCCESS", p);
}

/* Whether every order of a list page satisfies: userId == user (when not
 * NULL) and (sellerId == seller_or_user or userId == seller_or_user). */
static bool
all_orders(struct json_object *o, const char *user, const char *party)
{
	size_t n = t_jlen(o, "data");
	for (size_t i = 0; i < n; i++) {
		char pu[40], ps[40];
		snprintf(pu, sizeof pu, "data.%zu.userId", i);
		snprintf(ps, sizeof ps, "data.%zu.sellerId", i);
		const char *u = t_jstr(o, pu), *s = t_jstr(o, ps);
		if (user != NULL && (u == NULL || strcmp(u, user) != 0))
			return false;
		if (party != NULL && !((u && strcmp(u, party) == 0) || (s && strcmp(s, party) == 0)))
			return false;
	}
	return true;
}

static bool
list_has(struct json_object *o, const char *id)
{
	size_t n = t_jlen(o, "data");
	for (size_t i = 0; i < n; i++) {
		char p[40];
		snprintf(p, sizeof p, "data.%zu.id", i);
		const char *v = t_jstr(o, p);
		if (v != NULL && strcmp(v, id) == 0)
			return true;
	}
	return false;
}

static int
suite_init(void)
{
	char sub[40];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	admin = t_mint(sub, "order-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	cust_a = t_register("CUSTOMER", "order-user");
	cust_b = t_register("CUSTOMER", "order-user");
	seller = t_register("RESELLER", "order-user");
	return admin && cust_a.token && cust_b.token && seller.token ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	struct t_user *u[] = { &cust_a, &cust_b, &seller };
	for (size_t i = 0; i < 3; i++) {
		free(u[i]->token);
		free(u[i]->id);
	}
	return 0;
}

/* ---- cases ---- */

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
	T_EQ_INT(stock_of(p), 8);

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
	T_EQ_INT(stock_of(p), 6);
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
	T_EQ_INT(stock_of(p1), 2);
	T_EQ_INT(stock_of(p2), 4);
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
	double end = t_now() + (double)ms / 1000.0;
	long long n;
	while ((n = t_db_count("WALLET_DATABASE_URL", sql, arg, (char *)NULL)) != want &&
	    t_now() < end)
		t_sleep_ms(100);
	return n;
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

/* @P stands for a real product's id. */
static char *
subst(char *out, size_t n, const char *tmpl, const char *id)
{
	size_t o = 0, idl = strlen(id);
	for (const char *t = tmpl; *t && o + 1 < n; ) {
		if (t[0] == '@' && t[1] == 'P' && o + idl + 1 < n) {
			memcpy(out + o, id, idl);
			o += idl;
			t += 2;
		} else {
			out[o++] = *t++;
		}
	}
	out[o] = '\0';
	return out;
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
		subst(body, sizeof body, bad[i].tmpl, p);
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
	T_EQ_INT(stock_of(p), 5);
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
	T_EQ_INT(stock_of(p1), 5);
	T_EQ_INT(stock_of(p2), 3);
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
	T_EQ_INT(stock_of(p2), 3);

	/* Exactly what is left is fine. */
	char *id = order_create(cust_a.token, "", p2, 3, "10.00");
	T_ASSERT(id != NULL);
	T_EQ_INT(stock_of(p2), 0);
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
	T_EQ_INT(stock_of(p), 0);
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
	T_EQ_INT(stock_of(p), 8);
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
	T_EQ_INT(stock_of(p), 10);
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
	T_EQ_INT(stock_of(p), 10);
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
	T_EQ_INT(stock_of(p), 8);
	/* The key is the caller's: another user's same key is another request. */
	order_post(&rs, cust_b.token, body, key);
	if (T_STATUS(&rs, 201)) {
		T_ASSERT(strcmp(t_jstr(rs.json, "id"), first) != 0);
		T_ASSERT(t_header(&rs, "Idempotent-Replayed") == NULL);
	}
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p), 6);
	free(first);
	free(p);
}

static void
list_and_get_ownership(void)
{
	char *p = product_create("10.00", 50, NULL);
	T_REQUIRE(p != NULL);
	char extra[200];
	snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", seller.id);
	char *a_sold = order_create(cust_a.token, extra, p, 1, "12.00");   /* A from R */
	char *a_own = order_create(cust_a.token, "", p, 1, "12.00");       /* A, no seller */
	char *b_own = order_create(cust_b.token, "", p, 1, "12.00");       /* B */
	char *r_own = order_create(seller.token, "", p, 1, "12.00");       /* R buys */
	T_REQUIRE(a_sold && a_own && b_own && r_own);
	struct resp rs;
	char url[300];

	/* A customer lists their own orders only. */
	t_get(&rs, "/orders?take=100", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, cust_a.id, NULL));
		T_ASSERT(list_has(rs.json, a_sold) && list_has(rs.json, a_own));
		T_ASSERT(!list_has(rs.json, b_own));
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
		T_EQ_INT(t_jint(rs.json, "skip", -1), 0);
		T_EQ_INT(t_jint(rs.json, "take", -1), 100);
		T_ASSERT(t_jint(rs.json, "data.0.items.0.quantity", -1) >= 1);
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s", cust_a.id);
	t_get(&rs, url, cust_a.token);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s", cust_b.id);
	t_get(&rs, url, cust_a.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* Filtered by seller: still their own. */
	snprintf(url, sizeof url, "/orders?sellerId=%s&take=100", seller.id);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, cust_a.id, seller.id));
		T_ASSERT(list_has(rs.json, a_sold) && !list_has(rs.json, a_own));
	}
	t_resp_free(&rs);
	/* Paging: newest first, take 1. */
	t_get(&rs, "/orders?take=1", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_INT(t_jint(rs.json, "take", -1), 1);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);
	t_get(&rs, "/orders?skip=1000000", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);

	/* A reseller sees what they sold and what they bought. */
	t_get(&rs, "/orders?take=100", seller.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, NULL, seller.id));
		T_ASSERT(list_has(rs.json, a_sold) && list_has(rs.json, r_own));
		T_ASSERT(!list_has(rs.json, a_own) && !list_has(rs.json, b_own));
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?sellerId=%s&take=100", seller.id);
	t_get(&rs, url, seller.token);
	if (T_STATUS(&rs, 200))
		T_ASSERT(list_has(rs.json, a_sold) && !list_has(rs.json, r_own));
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s", cust_a.id);
	t_get(&rs, url, seller.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?sellerId=%s", cust_a.id);
	t_get(&rs, url, seller.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);

	/* An admin sees everything, filtered as asked. */
	snprintf(url, sizeof url, "/orders?userId=%s&take=100", cust_b.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, cust_b.id, NULL));
		T_ASSERT(list_has(rs.json, b_own));
		T_EQ_INT(t_jint(rs.json, "total", -1), (long long)t_jlen(rs.json, "data"));
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s&sellerId=%s&status=PENDING", cust_a.id,
	    seller.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200))
		T_ASSERT(list_has(rs.json, a_sold) && all_orders(rs.json, cust_a.id, seller.id));
	t_resp_free(&rs);
	t_get(&rs, "/orders", admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "take", -1), 20);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 4);
	}
	t_resp_free(&rs);

	/* Bad filters. */
	static const struct { const char *url, *mention; } bad[] = {
		{ "/orders?status=LOST", "status" },
		{ "/orders?take=101", "take" },
		{ "/orders?take=0", "take" },
		{ "/orders?skip=-1", "skip" },
		{ "/orders?userId=nope", "userId" },
		{ "/orders?sellerId=nope", "sellerId" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_get(&rs, bad[i].url, admin);
		T_ERROR(&rs, 400, bad[i].mention);
		t_resp_free(&rs);
	}
	t_get(&rs, "/orders", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);

	/* One order: the buyer, the seller, an admin; nobody else. */
	snprintf(url, sizeof url, "/orders/%s", a_sold);
	const char *ok[] = { cust_a.token, seller.token, admin };
	for (size_t i = 0; i < 3; i++) {
		t_get(&rs, url, ok[i]);
		if (T_STATUS(&rs, 200))
			T_EQ_STR(t_jstr(rs.json, "id"), a_sold);
		t_resp_free(&rs);
	}
	t_get(&rs, url, cust_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders/%s", a_own);
	t_get(&rs, url, seller.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/orders/5f0c1a9e-0000-4000-8000-00000000dead", admin);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_get(&rs, "/orders/not-a-uuid", admin);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	free(a_sold);
	free(a_own);
	free(b_own);
	free(r_own);
	free(p);
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
	set_status(&rs, admin, id, "PAID", "paid at the counter");
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
	set_status(&rs, admin, id, "SHIPPED", "AWB 1234");
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
	set_status(&rs, admin, id, "LOST", NULL);
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders/%s/status", id);
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"PAID\",\"paymentId\":\"x\"}");
	T_ERROR(&rs, 400, "paymentId is not an allowed field");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", url, admin, "{}");
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	set_status(&rs, admin, "5f0c1a9e-0000-4000-8000-00000000dead", "PAID", NULL);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	set_status(&rs, admin, "nope", "PAID", NULL);
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
	T_EQ_INT(stock_of(p), 2);
	struct resp rs;

	/* The buyer cancels a PENDING order. */
	set_status(&rs, cust_a.token, id, "CANCELLED", "changed my mind");
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
	T_CASE(list_and_get_ownership),
	T_CASE(status_machine),
	T_CASE(status_concurrent_one_wins),
	T_CASE(cancel_returns_stock),
	T_CASE(internal_payment_success),
	T_CASE(internal_payment_mismatch_ignored),
	T_CASE(internal_refund),
	T_CASE(internal_events_bad_input),
};

int
main(void)
{
	return t_run("order", cases, T_NCASES(cases), suite_init, suite_clean);
}
