/* it_share_link: the link itself: POST /share-links (who may create for
 * whom, the product, seller-price and expiresAt checks, random unique
 * codes, Idempotency-Key), GET /share-links (ownership, paging), PATCH and
 * DELETE (deactivation, expiresAt, an expired link's 410). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	T_CASE(list_ownership),
	T_CASE(deactivate_then_404),
	T_CASE(patch_expires_at),
	T_CASE(expired_link_410),
};

const struct t_suite share_link_links_suite = T_SUITE("links", cases);
