/* The share-link service through the gateway: POST /share-links (who may
 * create for whom, the product and seller price checks, expiresAt), the
 * public GET /share-links/:code (404/410, one click per visitor per hour,
 * no address stored), GET /share-links (ownership, paging), PATCH and
 * DELETE (deactivation), GET /share-links/:code/stats (exact numbers from
 * the order service's events, through the relay), the internal API, and
 * what matters most: POST /orders through a link takes its seller and
 * seller price, and refuses expired, inactive, unknown and other-product
 * links.
 *
 * Users: an ADMIN token is minted; two resellers and a customer register.
 * Products are created through the product API.  Money is compared as the
 * exact JSON text the server wrote ("1500.00"). */
#include "../lib/t.h"
#include "../lib/http.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINK_DB  "SHARE_LINK_DATABASE_URL"
#define ORDER_DB "ORDER_DATABASE_URL"

static char *admin;
static struct t_user seller_a, seller_b, customer;
static char *product;            /* base price 1000.00, plenty of stock */
static char *other_product;      /* base price 10.00 */

/* ---- helpers ---- */

/* A product at base price base ("1000.00") with stock units; extra adds
 * fields (",\"isActive\":false").  Its id (malloc'd) or NULL. */
static char *
product_create(const char *base, int stock, const char *extra)
{
	char name[80], body[400];
	struct resp rs;
	t_unique(name, sizeof name, "share-product");
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"basePrice\":%s,\"stock\":%d%s}", name, base,
	    stock, extra);
	t_post_json(&rs, "/products", admin, body);
	char *id = NULL;
	if (rs.status == 201 && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	else
		fprintf(stderr, "share_link: could not create a product: %ld %s\n", rs.status, rs.body);
	t_resp_free(&rs);
	return id;
}

/* An ISO 8601 time secs from now. */
static char *
iso_in(char *out, size_t n, long secs)
{
	time_t t = time(NULL) + secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return out;
}

/* POST /share-links with body json as token. */
static long
link_post(struct resp *rs, const char *token, const char *json)
{
	return t_send_json(rs, "POST", "/share-links", token, json);
}

/* A link of seller u (extra: more members, each followed by a comma).
 * Fills id and code (37 and 16 bytes); returns 0, or -1 (the check failed). */
struct link {
	char id[40];
	char code[20];
};

static int
link_create(const struct t_user *u, const char *extra, struct link *l)
{
	char body[600];
	struct resp rs;
	snprintf(body, sizeof body, "{%s\"sellerId\":\"%s\"}", extra, u->id);
	link_post(&rs, u->token, body);
	int rc = -1;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") && t_jstr(rs.json, "code")) {
		snprintf(l->id, sizeof l->id, "%s", t_jstr(rs.json, "id"));
		snprintf(l->code, sizeof l->code, "%s", t_jstr(rs.json, "code"));
		rc = 0;
	}
	t_resp_free(&rs);
	return rc;
}

/* GET /share-links/:code as a visitor with user agent ua (no token). */
static long
visit(struct resp *rs, const char *code, const char *ua)
{
	char url[120], h[200];
	snprintf(url, sizeof url, "/share-links/%s", code);
	snprintf(h, sizeof h, "User-Agent: %s", ua);
	return t_http(rs, "GET", url, NULL, NULL, NULL, 0, h, (char *)NULL);
}

static long
stats_get(struct resp *rs, const char *code, const char *token)
{
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s/stats", code);
	return t_get(rs, url, token);
}

/* A link's clicks as its stats show them, or -1. */
static long long
clicks_of(const char *code)
{
	struct resp rs;
	stats_get(&rs, code, admin);
	long long n = rs.status == 200 ? t_jint(rs.json, "clicks", -1) : -1;
	t_resp_free(&rs);
	return n;
}

/* Polls the link's stats until conversions is want, for at most ms; the
 * last answer stays in rs (free it). */
static void
wait_conversions(struct resp *rs, const char *code, long long want, long ms)
{
	double end = t_now() + (double)ms / 1000.0;
	for (;;) {
		stats_get(rs, code, admin);
		if ((rs->status == 200 && t_jint(rs->json, "conversions", -1) == want) ||
		    t_now() > end)
			return;
		t_resp_free(rs);
		t_sleep_ms(100);
	}
}

/* POST /orders of one line as token; extra as in link_create. */
static long
order_post(struct resp *rs, const char *token, const char *extra, const char *prod, int qty,
    const char *price)
{
	char body[800];
	snprintf(body, sizeof body, "{%s\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":%s}]}", extra, prod, qty, price);
	return t_send_json(rs, "POST", "/orders", token, body);
}

static long
link_patch(struct resp *rs, const char *token, const char *id, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", id);
	return t_send_json(rs, "PATCH", url, token, json);
}

static int
suite_init(void)
{
	char sub[40];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	admin = t_mint(sub, "share-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	seller_a = t_register("RESELLER", "share-user");
	seller_b = t_register("RESELLER", "share-user");
	customer = t_register("CUSTOMER", "share-user");
	if (!admin || !seller_a.token || !seller_b.token || !customer.token)
		return -1;
	product = product_create("1000.00", 1000, "");
	other_product = product_create("10.00", 1000, "");
	return product && other_product ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(product);
	free(other_product);
	struct t_user *u[] = { &seller_a, &seller_b, &customer };
	for (size_t i = 0; i < 3; i++) {
		free(u[i]->token);
		free(u[i]->id);
	}
	return 0;
}

/* ---- cases: create ---- */

static void
share_health(void)
{
	struct resp rs;
	t_get(&rs, "/share-links/health", NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "ok");
		T_EQ_STR(t_jstr(rs.json, "service"), "share-link");
	}
	t_resp_free(&rs);
}

/* The contract's example: a reseller's link to a product at their price. */
static void
create_reseller_self(void)
{
	char body[600], exp[40];
	struct resp rs;
	iso_in(exp, sizeof exp, 86400);
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"productId\":\"%s\","
	    "\"sellerPrice\":1500.00,\"expiresAt\":\"%s\"}", seller_a.id, product, exp);
	link_post(&rs, seller_a.token, body);
	if (T_STATUS(&rs, 201)) {
		const char *code = t_jstr(rs.json, "code"), *id = t_jstr(rs.json, "id");
		T_REQUIRE(code != NULL && id != NULL);
		T_EQ_INT(strlen(code), 12);
		T_ASSERT(strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789-_") == 12);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_EQ_STR(t_jstr(rs.json, "productId"), product);
		T_JSON_EQ(&rs, "sellerPrice", "1500.00");
		T_EQ_STR(t_jstr(rs.json, "expiresAt"), exp);
		T_JSON_EQ(&rs, "isActive", "true");
		T_ASSERT(t_jstr(rs.json, "createdAt") != NULL);
		char url[300];
		const char *base = getenv("SHARE_BASE_URL");
		snprintf(url, sizeof url, "%s/%s", base && *base ? base :
		    "http://localhost:3000/share", code);
		T_EQ_STR(t_jstr(rs.json, "url"), url);
		/* Paise in the table; the code is unique there. */
		char *v = t_db_value(LINK_DB, "SELECT seller_price || '/' || code || '/' || "
		    "currency FROM share_links WHERE id = $1", id, (char *)NULL);
		char want[80];
		snprintf(want, sizeof want, "150000/%s/INR", code);
		T_EQ_STR(v, want);
		free(v);
	}
	t_resp_free(&rs);

	/* No sellerId: the reseller's own; no product: any product. */
	link_post(&rs, seller_a.token, "{}");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_JSON_EQ(&rs, "productId", "null");
		T_JSON_EQ(&rs, "sellerPrice", "null");
		T_JSON_EQ(&rs, "expiresAt", "null");
	}
	t_resp_free(&rs);
}

static void
create_codes_differ(void)
{
	struct link a, b;
	T_REQUIRE(link_create(&seller_a, "", &a) == 0 && link_create(&seller_a, "", &b) == 0);
	T_ASSERT(strcmp(a.code, b.code) != 0);
	T_ASSERT(strcmp(a.id, b.id) != 0);
}

static void
create_bad_other_seller_403(void)
{
	char body[200];
	struct resp rs;
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\"}", seller_b.id);
	link_post(&rs, seller_a.token, body);
	T_ERROR(&rs, 403, "sellerId");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_links WHERE seller_id = $1",
	    seller_b.id, (char *)NULL), 0);
}

static void
create_bad_customer_403(void)
{
	char body[200];
	struct resp rs;
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\"}", customer.id);
	link_post(&rs, customer.token, body);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	link_post(&rs, NULL, "{}");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
}

static void
create_admin_for_reseller(void)
{
	char body[300];
	struct resp rs;
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"productId\":\"%s\"}", seller_b.id,
	    product);
	link_post(&rs, admin, body);
	if (T_STATUS(&rs, 201))
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
	t_resp_free(&rs);
	/* A customer is not a seller; nor is an unknown id. */
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\"}", customer.id);
	link_post(&rs, admin, body);
	T_ERROR(&rs, 400, "sellerId does not name a reseller");
	t_resp_free(&rs);
	link_post(&rs, admin, "{\"sellerId\":\"5f0c1a9e-0000-4000-8000-00000000dead\"}");
	T_ERROR(&rs, 400, "sellerId does not name a reseller");
	t_resp_free(&rs);
	link_post(&rs, admin, "{}");
	T_ERROR(&rs, 400, "sellerId is required");
	t_resp_free(&rs);
}

static void
create_bad_price_400(void)
{
	static const struct { const char *price, *mention; } bad[] = {
		{ "999.99", "sellerPrice must be at least 1000.00" },
		{ "1500.001", "sellerPrice" },
		{ "-1500.00", "sellerPrice" },
		{ "0", "sellerPrice" },
		{ "\"abc\"", "sellerPrice" },
		{ "true", "sellerPrice" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char body[300];
		struct resp rs;
		snprintf(body, sizeof body, "{\"productId\":\"%s\",\"sellerPrice\":%s}", product,
		    bad[i].price);
		link_post(&rs, seller_a.token, body);
		if (!T_ERROR(&rs, 400, bad[i].mention))
			printf("    (sellerPrice %s)\n", bad[i].price);
		t_resp_free(&rs);
	}
	/* Exactly the base price is fine; a price without a product is not. */
	char body[300];
	struct resp rs;
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"sellerPrice\":1000.00}", product);
	link_post(&rs, seller_a.token, body);
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	link_post(&rs, seller_a.token, "{\"sellerPrice\":1500.00}");
	T_ERROR(&rs, 400, "productId");
	t_resp_free(&rs);
}

/* The product's commission rule caps the markup: the pricing service's
 * check, with its bound in the message. */
static void
create_bad_price_above_cap_400(void)
{
	char *capped = product_create("200.00", 5, "");
	T_REQUIRE(capped != NULL);
	char body[300];
	struct resp rs;
	snprintf(body, sizeof body, "{\"scope\":\"PRODUCT\",\"scopeId\":\"%s\","
	    "\"ratePercent\":5.00,\"maxMarkupPercent\":50.00}", capped);
	t_post_json(&rs, "/pricing/rules", admin, body);
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"sellerPrice\":300.01}", capped);
	link_post(&rs, seller_a.token, body);
	T_ERROR(&rs, 400, "sellerPrice must be at most 300.00");
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"sellerPrice\":300.00}", capped);
	link_post(&rs, seller_a.token, body);
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	free(capped);
}

static void
create_bad_expires_at_400(void)
{
	char past[40], body[300];
	iso_in(past, sizeof past, -60);
	const char *bad[] = { past, "2024-12-31", "tomorrow", "2030-02-30T00:00:00Z",
	    "2030-01-01T00:00:00", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp rs;
		snprintf(body, sizeof body, "{\"expiresAt\":\"%s\"}", bad[i]);
		link_post(&rs, seller_a.token, body);
		if (!T_ERROR(&rs, 400, "expiresAt"))
			printf("    (expiresAt %s)\n", bad[i]);
		t_resp_free(&rs);
	}
	struct resp rs;
	link_post(&rs, seller_a.token, "{\"expiresAt\":1735689599}");
	T_ERROR(&rs, 400, "expiresAt must be a string");
	t_resp_free(&rs);
	/* An offset is accepted and the instant kept in UTC. */
	link_post(&rs, seller_a.token, "{\"expiresAt\":\"2099-01-01T05:30:00+05:30\"}");
	if (T_STATUS(&rs, 201))
		T_EQ_STR(t_jstr(rs.json, "expiresAt"), "2099-01-01T00:00:00.000Z");
	t_resp_free(&rs);
}

static void
create_bad_product(void)
{
	char body[300];
	struct resp rs;
	link_post(&rs, seller_a.token,
	    "{\"productId\":\"5f0c1a9e-0000-4000-8000-00000000dead\"}");
	T_ERROR(&rs, 404, "product 5f0c1a9e-0000-4000-8000-00000000dead not found");
	t_resp_free(&rs);
	link_post(&rs, seller_a.token, "{\"productId\":\"not-a-uuid\"}");
	T_ERROR(&rs, 400, "productId must be a UUID");
	t_resp_free(&rs);
	char *off = product_create("100.00", 5, ",\"isActive\":false");
	T_REQUIRE(off != NULL);
	snprintf(body, sizeof body, "{\"productId\":\"%s\"}", off);
	link_post(&rs, seller_a.token, body);
	T_ERROR(&rs, 409, "not available");
	t_resp_free(&rs);
	free(off);
}

static void
create_bad_body_400(void)
{
	struct resp rs;
	link_post(&rs, seller_a.token, "{\"code\":\"aaaaaaaaaaaa\"}");
	T_ERROR(&rs, 400, "code is not an allowed field");
	t_resp_free(&rs);
	link_post(&rs, seller_a.token, "{\"isActive\":false}");
	T_ERROR(&rs, 400, "isActive is not an allowed field");
	t_resp_free(&rs);
	link_post(&rs, seller_a.token, "[]");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	link_post(&rs, seller_a.token, "{\"sellerId\":\"x\"}");
	T_ERROR(&rs, 400, "sellerId must be a UUID");
	t_resp_free(&rs);
}

static void
create_idempotency_key(void)
{
	char key[80], h[120];
	struct resp a, b;
	t_unique(key, sizeof key, "share-key");
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	t_http(&a, "POST", "/share-links", seller_a.token, "application/json", "{}", 2, h,
	    (char *)NULL);
	t_http(&b, "POST", "/share-links", seller_a.token, "application/json", "{}", 2, h,
	    (char *)NULL);
	if (T_STATUS(&a, 201) && T_STATUS(&b, 201)) {
		T_EQ_STR(t_jstr(b.json, "id"), t_jstr(a.json, "id"));
		T_EQ_STR(t_header(&b, "Idempotent-Replayed"), "true");
	}
	t_resp_free(&a);
	t_resp_free(&b);
}

/* ---- cases: the public page ---- */

static void
visit_counts_clicks_once_per_visitor(void)
{
	struct link l;
	char extra[200];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	visit(&rs, l.code, "ua-one");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), l.id);
		T_EQ_STR(t_jstr(rs.json, "code"), l.code);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_JSON_EQ(&rs, "sellerPrice", "1500.00");
		T_EQ_STR(t_jstr(rs.json, "product.id"), product);
		T_ASSERT(t_contains(t_jstr(rs.json, "product.name"), "share-product"));
		T_JSON_EQ(&rs, "product.basePrice", "1000.00");
		T_JSON_EQ(&rs, "product.sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "product.isActive", "true");
	}
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 1);
	/* The same visitor again within the hour: not counted. */
	visit(&rs, l.code, "ua-one");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 1);
	/* Another user agent is another visitor. */
	visit(&rs, l.code, "ua-two");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 2);
	/* A token does not change who the visitor is; the seller's own visit
	 * does not count. */
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", l.code);
	t_get(&rs, url, seller_a.token);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 2);

	/* Visitors are 64 hex digits; no address is stored anywhere. */
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_visitors v JOIN "
	    "share_links l ON l.id = v.link_id WHERE l.code = $1 AND v.visitor ~ '^[0-9a-f]{64}$'",
	    l.code, (char *)NULL), 2);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_visitors v "
	    "WHERE v::text LIKE '%127.0.0.1%' OR v::text LIKE '%ua-one%'", (char *)NULL), 0);
}

/* Concurrent visits of one visitor count once. */
static void
visit_concurrent_same_visitor_once(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_a, "", &l) == 0);
	char url[300];
	snprintf(url, sizeof url, "%s/share-links/%s", t_env("BASE_URL"), l.code);
	long status[10];
	t_http_parallel(10, "GET", url, NULL, NULL, NULL, status, NULL);
	for (int i = 0; i < 10; i++)
		T_EQ_INT(status[i], 200);
	T_EQ_INT(clicks_of(l.code), 1);
}

static void
visit_general_link(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_b, "", &l) == 0);
	struct resp rs;
	visit(&rs, l.code, "ua-general");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "product", "null");
		T_JSON_EQ(&rs, "productId", "null");
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
	}
	t_resp_free(&rs);
}

static void
visit_bad_unknown_404(void)
{
	static const char *const codes[] = { "AAAAAAAAAAAA", "short", "aaaaaaaaaaaaa",
	    "aaaaaaaaaa%2F", "aaaaaa.aaaaa" };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		struct resp rs;
		visit(&rs, codes[i], "ua-x");
		if (!T_ERROR(&rs, 404, NULL))
			printf("    (code %s)\n", codes[i]);
		t_resp_free(&rs);
	}
}

/* ---- cases: list ---- */

/* Whether every link of a page is seller's (any seller when NULL) and id
 * is among them (when not NULL). */
static bool
page_check(struct json_object *o, const char *seller, const char *id, bool *has)
{
	size_t n = t_jlen(o, "data");
	*has = false;
	for (size_t i = 0; i < n; i++) {
		char ps[40], pi[40];
		snprintf(ps, sizeof ps, "data.%zu.sellerId", i);
		snprintf(pi, sizeof pi, "data.%zu.id", i);
		const char *s = t_jstr(o, ps), *d = t_jstr(o, pi);
		if (seller != NULL && (s == NULL || strcmp(s, seller) != 0))
			return false;
		if (id != NULL && d != NULL && strcmp(d, id) == 0)
			*has = true;
	}
	return true;
}

static void
list_ownership(void)
{
	struct link a, b;
	T_REQUIRE(link_create(&seller_a, "", &a) == 0 && link_create(&seller_b, "", &b) == 0);
	char url[200];
	struct resp rs;
	bool has;

	/* A reseller sees their own, with or without ?sellerId=<me>. */
	t_get(&rs, "/share-links?take=100", seller_b.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(page_check(rs.json, seller_b.id, b.id, &has));
		T_ASSERT(has);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 1);
		T_EQ_INT(t_jint(rs.json, "skip", -1), 0);
		T_EQ_INT(t_jint(rs.json, "take", -1), 100);
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/share-links?sellerId=%s", seller_a.id);
	t_get(&rs, url, seller_a.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(page_check(rs.json, seller_a.id, a.id, &has));
		T_ASSERT(has);
		/* Newest first. */
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), a.id);
	}
	t_resp_free(&rs);
	/* Someone else's: 403. */
	t_get(&rs, url, seller_b.token);
	T_ERROR(&rs, 403, "sellerId");
	t_resp_free(&rs);
	/* An admin reads anyone's, or all. */
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(page_check(rs.json, seller_a.id, a.id, &has));
		T_ASSERT(has);
	}
	t_resp_free(&rs);
	t_get(&rs, "/share-links?take=2", admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 2);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);
	/* Paging. */
	snprintf(url, sizeof url, "/share-links?skip=1&take=1&sellerId=%s", seller_a.id);
	t_get(&rs, url, seller_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_ASSERT(strcmp(t_jstr(rs.json, "data.0.id") ? t_jstr(rs.json, "data.0.id") : "",
		    a.id) != 0);
	}
	t_resp_free(&rs);
	/* Customers have no links; bad parameters are 400s. */
	t_get(&rs, "/share-links", customer.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/share-links", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/share-links?sellerId=nope", admin);
	T_ERROR(&rs, 400, "sellerId must be a UUID");
	t_resp_free(&rs);
	t_get(&rs, "/share-links?take=0", seller_a.token);
	T_ERROR(&rs, 400, "take");
	t_resp_free(&rs);
	t_get(&rs, "/share-links?skip=-1", seller_a.token);
	T_ERROR(&rs, 400, "skip");
	t_resp_free(&rs);
}

/* ---- cases: change ---- */

static void
deactivate_then_404(void)
{
	struct link l;
	char extra[200];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	/* Not the owner: 403, nothing changes. */
	link_patch(&rs, seller_b.token, l.id, "{\"isActive\":false}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	link_patch(&rs, customer.token, l.id, "{\"isActive\":false}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, l.id, "{}");
	T_ERROR(&rs, 400, "isActive");
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, l.id, "{\"isActive\":\"no\"}");
	T_ERROR(&rs, 400, "isActive must be a boolean");
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, l.id, "{\"sellerPrice\":2000.00}");
	T_ERROR(&rs, 400, "sellerPrice is not an allowed field");
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, "5f0c1a9e-0000-4000-8000-00000000dead",
	    "{\"isActive\":false}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-deact");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	link_patch(&rs, seller_a.token, l.id, "{\"isActive\":false}");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "isActive", "false");
		T_EQ_STR(t_jstr(rs.json, "id"), l.id);
	}
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-deact");
	T_ERROR(&rs, 404, "share link not found");
	t_resp_free(&rs);
	/* An order through it: 404, and no stock is taken. */
	char link_extra[120];
	snprintf(link_extra, sizeof link_extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, link_extra, product, 1, "1000.00");
	T_ERROR(&rs, 404, "share link not found");
	t_resp_free(&rs);
	/* The owner still sees it and its stats. */
	stats_get(&rs, l.code, seller_a.token);
	if (T_STATUS(&rs, 200))
		T_EQ_INT(t_jint(rs.json, "clicks", -1), 1);
	t_resp_free(&rs);
	/* Back on (an admin may), then DELETE takes it off again. */
	link_patch(&rs, admin, l.id, "{\"isActive\":true}");
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "true");
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-deact");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", l.id);
	t_http(&rs, "DELETE", url, seller_b.token, NULL, NULL, 0, (char *)NULL);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_http(&rs, "DELETE", url, seller_a.token, NULL, NULL, 0, (char *)NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "false");
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-deact");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

static void
patch_expires_at(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_a, "", &l) == 0);
	char body[200], past[40];
	struct resp rs;
	iso_in(past, sizeof past, -5);
	snprintf(body, sizeof body, "{\"expiresAt\":\"%s\"}", past);
	link_patch(&rs, seller_a.token, l.id, body);
	T_ERROR(&rs, 400, "expiresAt must be in the future");
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, l.id, "{\"expiresAt\":\"2098-05-06T07:08:09.5Z\"}");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "expiresAt"), "2098-05-06T07:08:09.500Z");
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, l.id, "{\"expiresAt\":null}");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "expiresAt", "null");
		T_JSON_EQ(&rs, "isActive", "true");
	}
	t_resp_free(&rs);
}

/* An expired link: the page is 410, so is an order through it; the owner
 * still reads its stats. */
static void
expired_link_410(void)
{
	char exp[40], extra[200];
	struct link l;
	iso_in(exp, sizeof exp, 2);
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"expiresAt\":\"%s\",", product, exp);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	t_sleep_ms(3100);
	struct resp rs;
	visit(&rs, l.code, "ua-expired");
	T_ERROR(&rs, 410, "expired");
	t_resp_free(&rs);
	char link_extra[120];
	snprintf(link_extra, sizeof link_extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, link_extra, product, 1, "1000.00");
	T_ERROR(&rs, 410, "share link has expired");
	t_resp_free(&rs);
	char url[300];
	snprintf(url, sizeof url, "%s/internal/share-link/links/%s", t_env("INTERNAL_URL"), l.id);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 410, NULL);
	t_resp_free(&rs);
	stats_get(&rs, l.code, seller_a.token);
	if (T_STATUS(&rs, 200))
		T_EQ_INT(t_jint(rs.json, "clicks", -1), 0);
	t_resp_free(&rs);
	/* Extending it brings it back. */
	iso_in(exp, sizeof exp, 3600);
	char body[120];
	snprintf(body, sizeof body, "{\"expiresAt\":\"%s\"}", exp);
	link_patch(&rs, seller_a.token, l.id, body);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	visit(&rs, l.code, "ua-expired");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

/* POSTs the expiry job on the internal listener. */
static long
expiry_job(struct resp *rs, const char *body)
{
	char url[300];
	snprintf(url, sizeof url, "%s/internal/share-link/jobs/expire", t_env("INTERNAL_URL"));
	if (body == NULL)
		return t_http(rs, "POST", url, NULL, NULL, NULL, 0, (char *)NULL);
	return t_send_json(rs, "POST", url, NULL, body);
}

/* A link's isActive as its owner reads it: 1, 0, or -1. */
static int
active_of(const char *id)
{
	char *v = t_db_value(LINK_DB, "SELECT is_active::text FROM share_links WHERE id = $1", id,
	    (char *)NULL);
	int a = v == NULL ? -1 : strcmp(v, "true") == 0;
	free(v);
	return a;
}

/* The expiry job (cron): an expired link is deactivated and stays a 410,
 * a later expiresAt brings it back; links not expired and links their
 * owner deactivated are left alone; visitor rows past the hour go. */
static void
expiry_job_deactivates_and_purges(void)
{
	char exp[40], extra[200];
	struct link a, b, c, d;
	iso_in(exp, sizeof exp, 2);
	snprintf(extra, sizeof extra, "\"expiresAt\":\"%s\",", exp);
	T_REQUIRE(link_create(&seller_a, extra, &a) == 0);
	T_REQUIRE(link_create(&seller_a, extra, &d) == 0);
	T_REQUIRE(link_create(&seller_a, "", &b) == 0);
	iso_in(exp, sizeof exp, 3600);
	snprintf(extra, sizeof extra, "\"expiresAt\":\"%s\",", exp);
	T_REQUIRE(link_create(&seller_a, extra, &c) == 0);
	struct resp rs;
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", d.id);
	t_http(&rs, "DELETE", url, seller_a.token, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* b: a visitor counted two hours ago, and one now. */
	T_EQ_INT(t_db_write(LINK_DB, "INSERT INTO share_link_visitors (link_id, visitor, "
	    "counted_at) VALUES ($1, repeat('ab', 32), now() - interval '2 hours')", b.id,
	    (char *)NULL), 1);
	visit(&rs, b.code, "ua-expiry-job");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_sleep_ms(3100);

	expiry_job(&rs, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "job"), "expire");
		T_ASSERT(t_jint(rs.json, "expired", -1) >= 1);
		T_ASSERT(t_jint(rs.json, "visitorsPurged", -1) >= 1);
		T_JSON_EQ(&rs, "more", "false");
	}
	t_resp_free(&rs);
	T_EQ_INT(active_of(a.id), 0);
	T_EQ_INT(active_of(b.id), 1);
	T_EQ_INT(active_of(c.id), 1);
	T_EQ_INT(active_of(d.id), 0);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_links WHERE id IN ($1, $2) "
	    "AND expired_at IS NOT NULL", a.id, d.id, (char *)NULL), 1);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_visitors WHERE link_id = $1",
	    b.id, (char *)NULL), 1);
	/* Deactivated by expiry, it is still "expired" to visitors and orders. */
	visit(&rs, a.code, "ua-expiry-job");
	T_ERROR(&rs, 410, "expired");
	t_resp_free(&rs);
	/* A second run finds nothing to do. */
	expiry_job(&rs, NULL);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "expired", "0");
		T_JSON_EQ(&rs, "visitorsPurged", "0");
	}
	t_resp_free(&rs);
	/* A later expiresAt brings an expired link back, not one its owner
	 * deactivated. */
	snprintf(extra, sizeof extra, "{\"expiresAt\":\"%s\"}", exp);
	link_patch(&rs, seller_a.token, a.id, extra);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "true");
	t_resp_free(&rs);
	visit(&rs, a.code, "ua-expiry-job");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, d.id, extra);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "false");
	t_resp_free(&rs);
	visit(&rs, d.code, "ua-expiry-job");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);

	/* It takes no body, and the public port does not have it. */
	expiry_job(&rs, "{\"limit\":5}");
	T_ERROR(&rs, 400, "no body");
	t_resp_free(&rs);
	t_send_json(&rs, "POST", "/internal/share-link/jobs/expire", admin, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

/* cron/job.c, the runner cron calls: the job's answer and exit 0; another
 * answer 1, a bad name 2, no listener 3. */
static void
cron_job_runner(void)
{
	char out[2048], env[400];
	snprintf(env, sizeof env, "INTERNAL_URL='%s'", t_env("INTERNAL_URL"));
	T_EQ_INT(t_cron_job(env, "share-link expire", out, sizeof out), 0);
	T_ASSERT(strstr(out, "\"job\":\"expire\"") != NULL);
	T_EQ_INT(t_cron_job(env, "share-link no-such-job", out, sizeof out), 1);
	T_EQ_INT(t_cron_job(env, "'share-link' '../x'", out, sizeof out), 2);
	T_EQ_INT(t_cron_job(env, "share-link", out, sizeof out), 2);
	T_EQ_INT(t_cron_job("INTERNAL_URL=http://127.0.0.1:9", "share-link expire", out, sizeof out),
	    3);
}

/* ---- cases: orders through a link ---- */

/* The link's seller and seller price win over the body's. */
static void
order_takes_seller_and_price_from_link(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	/* The client says 1000.00 and seller B: the link says 1500.00 and A. */
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",\"sellerId\":\"%s\",", l.id,
	    seller_b.id);
	order_post(&rs, customer.token, extra, product, 2, "1000.00");
	char order[40] = "";
	if (T_STATUS(&rs, 201)) {
		snprintf(order, sizeof order, "%s", t_jstr(rs.json, "id") ? t_jstr(rs.json, "id") : "");
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_EQ_STR(t_jstr(rs.json, "shareLinkId"), l.id);
		T_EQ_STR(t_jstr(rs.json, "userId"), customer.id);
		T_JSON_EQ(&rs, "items.0.sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
		T_JSON_EQ(&rs, "subtotal", "3000.00");
		T_JSON_EQ(&rs, "commission", "300.00");
		T_JSON_EQ(&rs, "total", "3000.00");
	}
	t_resp_free(&rs);
	T_REQUIRE(order[0] != '\0');
	char *v = t_db_value(ORDER_DB, "SELECT o.seller_id || '/' || o.share_link_id || '/' || "
	    "i.seller_price || '/' || o.total FROM orders o JOIN order_items i ON i.order_id = o.id "
	    "WHERE o.id = $1", order, (char *)NULL);
	char want[200];
	snprintf(want, sizeof want, "%s/%s/150000/300000", seller_a.id, l.id);
	T_EQ_STR(v, want);
	free(v);
}

/* A link without a product or price: the seller is the link's, the price
 * the buyer's line. */
static void
order_through_general_link(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_b, "", &l) == 0);
	char extra[200];
	struct resp rs;
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, other_product, 3, "12.50");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
		T_JSON_EQ(&rs, "items.0.sellerPrice", "12.50");
		T_JSON_EQ(&rs, "subtotal", "37.50");
	}
	t_resp_free(&rs);
	/* ... and still the pricing rules: below the base is a 400. */
	order_post(&rs, customer.token, extra, other_product, 1, "9.99");
	T_ERROR(&rs, 400, "sellerPrice must be at least 10.00");
	t_resp_free(&rs);
}

/* A product link without a price: the buyer's price for that product; a
 * reseller buying through their own link earns no commission. */
static void
order_through_product_link_without_price(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",", other_product);
	T_REQUIRE(link_create(&seller_b, extra, &l) == 0);
	struct resp rs;
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, other_product, 2, "11.00");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
		T_JSON_EQ(&rs, "items.0.sellerPrice", "11.00");
		T_JSON_EQ(&rs, "subtotal", "22.00");
		T_JSON_EQ(&rs, "commission", "2.20");
	}
	t_resp_free(&rs);
	order_post(&rs, seller_b.token, extra, other_product, 2, "11.00");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
		T_EQ_STR(t_jstr(rs.json, "userId"), seller_b.id);
		T_JSON_EQ(&rs, "commission", "0.00");
	}
	t_resp_free(&rs);
}

static void
order_bad_link_other_product_400(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, other_product, 1, "10.00");
	T_ERROR(&rs, 400, "items[0].productId is not the product of the share link");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(ORDER_DB, "SELECT count(*) FROM orders WHERE share_link_id = $1", l.id,
	    (char *)NULL), 0);
}

static void
order_bad_unknown_link_404(void)
{
	struct resp rs;
	order_post(&rs, customer.token, "\"shareLinkId\":\"5f0c1a9e-0000-4000-8000-00000000dead\",",
	    product, 1, "1000.00");
	T_ERROR(&rs, 404, "share link not found");
	t_resp_free(&rs);
	order_post(&rs, customer.token, "\"shareLinkId\":\"abc\",", product, 1, "1000.00");
	T_ERROR(&rs, 400, "shareLinkId must be a UUID");
	t_resp_free(&rs);
}

/* ---- cases: statistics ---- */

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

/* ---- cases: the internal API ---- */

static void
internal_link_shape(void)
{
	char exp[40], extra[300];
	struct link l;
	iso_in(exp, sizeof exp, 3600);
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1234.50,"
	    "\"expiresAt\":\"%s\",", product, exp);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	char url[300];
	struct resp rs;
	snprintf(url, sizeof url, "%s/internal/share-link/links/%s", t_env("INTERNAL_URL"), l.id);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), l.id);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_EQ_STR(t_jstr(rs.json, "productId"), product);
		T_JSON_EQ(&rs, "sellerPrice", "1234.50");
		T_JSON_EQ(&rs, "isActive", "true");
		T_EQ_STR(t_jstr(rs.json, "expiresAt"), exp);
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "%s/internal/share-link/links/5f0c1a9e-0000-4000-8000-00000000dead",
	    t_env("INTERNAL_URL"));
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "%s/internal/share-link/links/%s", t_env("INTERNAL_URL"), l.code);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	/* Not on the public port. */
	snprintf(url, sizeof url, "/internal/share-link/links/%s", l.id);
	t_get(&rs, url, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(share_health),
	T_CASE(create_reseller_self),
	T_CASE(create_codes_differ),
	T_CASE(create_bad_other_seller_403),
	T_CASE(create_bad_customer_403),
	T_CASE(create_admin_for_reseller),
	T_CASE(create_bad_price_400),
	T_CASE(create_bad_price_above_cap_400),
	T_CASE(create_bad_expires_at_400),
	T_CASE(create_bad_product),
	T_CASE(create_bad_body_400),
	T_CASE(create_idempotency_key),
	T_CASE(visit_counts_clicks_once_per_visitor),
	T_CASE(visit_concurrent_same_visitor_once),
	T_CASE(visit_general_link),
	T_CASE(visit_bad_unknown_404),
	T_CASE(list_ownership),
	T_CASE(deactivate_then_404),
	T_CASE(patch_expires_at),
	T_CASE(expired_link_410),
	T_CASE(order_takes_seller_and_price_from_link),
	T_CASE(order_through_general_link),
	T_CASE(order_through_product_link_without_price),
	T_CASE(order_bad_link_other_product_400),
	T_CASE(order_bad_unknown_link_404),
	T_CASE(stats_after_paid_order),
	T_CASE(stats_ownership),
	T_CASE(events_refunds_and_cancellations),
	T_CASE(expiry_job_deactivates_and_purges),
	T_CASE(cron_job_runner),
	T_CASE(events_exactly_once),
	T_CASE(internal_link_shape),
};

int
main(void)
{
	return t_run("share_link", cases, T_NCASES(cases), suite_init, suite_clean);
}
