/* it_pricing: what other services call: the internal quote (the order
 * service's prices), and the catalog copy pricing keeps of products
 * (pushed on every product write). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "pricing.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* POST /internal/pricing/quote: the order service's call, with base prices
 * it read from the product service.  Same arithmetic and rules as
 * calculate; never reachable on the public port. */
static void
internal_quote(void)
{
	char *cat = category_create();
	T_REQUIRE(cat != NULL);
	char *rule = rule_create("CATEGORY", cat, "20.00", "60.00");
	T_REQUIRE(rule != NULL);
	const char *base = getenv("INTERNAL_URL");
	T_REQUIRE(base != NULL);
	char url[300], body[1200];
	snprintf(url, sizeof url, "%s/internal/pricing/quote", base);
	const char *pid = "5f0c1a9e-0000-4000-8000-00000000a001";
	const char *vid = "5f0c1a9e-0000-4000-8000-00000000b001";
	/* The brief's example at the default rule, and a line in cat at 20 %. */
	snprintf(body, sizeof body, "{\"items\":["
	    "{\"productId\":\"%s\",\"variantId\":\"%s\",\"quantity\":2,"
	    "\"sellerPrice\":1500.00,\"price\":1000.00,\"currency\":\"INR\",\"name\":\"A\"},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":150.00,\"price\":100.00,\"categoryId\":\"%s\"}]}",
	    pid, vid, pid, vid, cat);
	struct resp rs;
	t_post_json(&rs, url, NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "items.0.subtotal", "3000.00");
		T_JSON_EQ(&rs, "items.0.commission", "300.00");
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
		T_JSON_EQ(&rs, "items.0.productName", "\"A\"");
		T_JSON_EQ(&rs, "items.1.commissionRate", "20.00");
		T_JSON_EQ(&rs, "items.1.commission", "30.00");
		T_JSON_EQ(&rs, "subtotal", "3150.00");
		T_JSON_EQ(&rs, "commission", "330.00");
		T_JSON_EQ(&rs, "total", "3150.00");
		T_JSON_EQ(&rs, "currency", "\"INR\"");
	}
	t_resp_free(&rs);
	/* Below the base, above the category's cap (100.00 + 60 %). */
	static const struct { const char *seller, *mention; } refused[] = {
		{ "99.99", "items[0].sellerPrice must be at least 100.00" },
		{ "160.01", "items[0].sellerPrice must be at most 160.00" },
	};
	for (size_t i = 0; i < 2; i++) {
		snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":"
		    "\"%s\",\"quantity\":1,\"sellerPrice\":%s,\"price\":100.00,"
		    "\"categoryId\":\"%s\"}]}", pid, vid, refused[i].seller, cat);
		t_post_json(&rs, url, NULL, body);
		T_ERROR(&rs, 400, refused[i].mention);
		t_resp_free(&rs);
	}
	/* Declared fields only; the variant and the base price are required. */
	static const struct { const char *body, *mention; } bad[] = {
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":2.00,"
		  "\"price\":1.00}]}", "items[0].variantId" },
		{ "{\"items\":[{\"productId\":\"@P\",\"variantId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":2.00}]}", "items[0].price" },
		{ "{\"items\":[{\"productId\":\"@P\",\"variantId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":2.00,\"price\":0}]}", "items[0].price" },
		{ "{\"items\":[{\"productId\":\"@P\",\"variantId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":2.00,\"price\":1.00,\"currency\":\"inr\"}]}", "currency" },
		{ "{\"items\":[{\"productId\":\"@P\",\"variantId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":2.00,\"price\":1.00,\"commission\":0}]}",
		  "items[0].commission is not an allowed field" },
		{ "{\"items\":[]}", "items" },
	};
	char b2[600];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, url, NULL, t_subst(b2, sizeof b2, bad[i].body, pid));
		if (!T_ERROR(&rs, 400, bad[i].mention))
			printf("    (case %zu)\n", i);
		t_resp_free(&rs);
	}
	/* The public port does not lead there. */
	t_post_json(&rs, "/internal/pricing/quote", NULL, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);

	/* A rule change is seen by the next quote, whichever worker answers
	 * (each keeps the rules; the change bumps a counter they share). */
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"quantity\":1,\"sellerPrice\":150.00,\"price\":100.00,\"categoryId\":\"%s\"}]}",
	    pid, vid, cat);
	char rurl[120];
	snprintf(rurl, sizeof rurl, "/pricing/rules/%s", rule);
	t_send_json(&rs, "PATCH", rurl, admin, "{\"ratePercent\":25.00}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	for (int i = 0; i < 6; i++) {
		t_post_json(&rs, url, NULL, body);
		if (T_STATUS(&rs, 200))
			T_JSON_EQ(&rs, "items.0.commissionRate", "25.00");
		t_resp_free(&rs);
	}
	rule_delete(rule);
	for (int i = 0; i < 6; i++) {
		t_post_json(&rs, url, NULL, body);
		if (T_STATUS(&rs, 200))
			T_JSON_EQ(&rs, "items.0.commissionRate", "10.00");
		t_resp_free(&rs);
	}
	free(rule);
	free(cat);
}

/* A snapshot for POST /internal/pricing/catalog (one variant). */
static const char *
snapshot(char *out, size_t n, const char *pid, const char *vid, long long version,
    long long price_paise)
{
	snprintf(out, n, "{\"productId\":\"%s\",\"name\":\"copy\",\"basePricePaise\":%lld,"
	    "\"currency\":\"INR\",\"isActive\":true,\"categoryId\":null,\"deleted\":false,"
	    "\"version\":%lld,\"variants\":[{\"id\":\"%s\",\"pricePaise\":%lld,\"stock\":1,"
	    "\"isDefault\":true,\"position\":0}]}", pid, price_paise, version, vid, price_paise);
	return out;
}

/* calculate prices from the pricing service's copy of the catalog: kept by
 * the product service's push after each write (versioned: an older
 * snapshot never wins), by PRODUCT_* events, and filled from the product
 * service for a product it does not have. */
static void
catalog_copy(void)
{
	char *v = NULL;
	char *p = product_create("1000.00", "", &v);
	T_REQUIRE(p != NULL && v != NULL);
	/* The push: the copy has the product at product_db's version. */
	char *pver = t_db_value("PRODUCT_DATABASE_URL", "SELECT version FROM products WHERE id = $1",
	    p, (char *)NULL);
	char *cver = t_db_value("PRICING_DATABASE_URL", "SELECT version || '/' || base_price "
	    "FROM catalog_products WHERE product_id = $1", p, (char *)NULL);
	T_REQUIRE(pver != NULL && cver != NULL);
	char want[64];
	snprintf(want, sizeof want, "%s/100000", pver);
	T_EQ_STR(cver, want);
	free(cver);

	/* Gone from the copy: the first calculation fetches it back. */
	T_EQ_INT(t_db_write("PRICING_DATABASE_URL", "DELETE FROM catalog_products "
	    "WHERE product_id = $1", p, (char *)NULL), 1);
	struct resp rs;
	calc1(&rs, p, "1500.00", 1);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), v);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count("PRICING_DATABASE_URL", "SELECT count(*) FROM catalog_variants "
	    "WHERE product_id = $1", p, (char *)NULL), 1);

	char url[300], body[900];
	snprintf(url, sizeof url, "%s/internal/pricing/catalog", t_env("INTERNAL_URL"));
	long long ver = atoll(pver);
	/* An older snapshot is ignored... */
	t_post_json(&rs, url, NULL, snapshot(body, sizeof body, p, v, ver - 1, 1));
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "applied", "false");
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 1);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
	t_resp_free(&rs);
	/* ...a newer one is what calculate prices from. */
	t_post_json(&rs, url, NULL, snapshot(body, sizeof body, p, v, ver + 1, 120000));
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "applied", "true");
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 1);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "items.0.basePrice", "1200.00");
	t_resp_free(&rs);

	/* A PRODUCT_UPDATED event, once. */
	char ev[37], envelope[1500];
	crypto_uuid4(ev);
	snprintf(url, sizeof url, "%s/internal/pricing/events", t_env("INTERNAL_URL"));
	snprintf(envelope, sizeof envelope, "{\"eventId\":\"%s\",\"type\":\"PRODUCT_UPDATED\","
	    "\"source\":\"product\",\"aggregateId\":\"%s\",\"occurredAt\":"
	    "\"2026-01-01T00:00:00.000Z\",\"attempt\":1,\"payload\":%s}", ev, p,
	    snapshot(body, sizeof body, p, v, ver + 2, 130000));
	for (int i = 0; i < 2; i++) {
		t_post_json(&rs, url, NULL, envelope);
		if (T_STATUS(&rs, 200))
			T_EQ_STR(t_jstr(rs.json, "status"), i == 0 ? "applied" : "duplicate");
		t_resp_free(&rs);
	}
	calc1(&rs, p, "1500.00", 1);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "items.0.basePrice", "1300.00");
	t_resp_free(&rs);

	/* Malformed snapshots: 400, nothing changes. */
	snprintf(url, sizeof url, "%s/internal/pricing/catalog", t_env("INTERNAL_URL"));
	static const char *const bad[] = {
		"{}", "[]",
		"{\"productId\":\"x\",\"version\":1}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, url, NULL, bad[i]);
		T_ERROR(&rs, 400, NULL);
		t_resp_free(&rs);
	}
	t_post_json(&rs, url, NULL, snapshot(body, sizeof body, p, v, ver + 9, 0));
	T_ERROR(&rs, 400, "basePricePaise");
	t_resp_free(&rs);

	/* Deleted through the API (its version is below the snapshots sent
	 * above, so the push is ignored): the event's snapshot, newer, is not. */
	snprintf(envelope, sizeof envelope, "{\"eventId\":\"%s\",\"type\":\"PRODUCT_DELETED\","
	    "\"source\":\"product\",\"aggregateId\":\"%s\",\"occurredAt\":"
	    "\"2026-01-01T00:00:00.000Z\",\"attempt\":1,\"payload\":{\"productId\":\"%s\","
	    "\"name\":\"copy\",\"basePricePaise\":130000,\"currency\":\"INR\",\"isActive\":false,"
	    "\"categoryId\":null,\"deleted\":true,\"version\":%lld,\"variants\":[]}}",
	    (crypto_uuid4(ev), ev), p, p, ver + 3);
	snprintf(url, sizeof url, "%s/internal/pricing/events", t_env("INTERNAL_URL"));
	t_post_json(&rs, url, NULL, envelope);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 1);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	free(pver);
	free(p);
	free(v);
}

/* A catalog write is seen by the very next calculation, through the push
 * (not the relayed event, which may come later). */
static void
catalog_push_on_write(void)
{
	char *v = NULL;
	char *p = product_create("1000.00", "", &v);
	T_REQUIRE(p != NULL && v != NULL);
	char url[120];
	snprintf(url, sizeof url, "/products/%s", p);
	struct resp rs;
	/* Each write: the copy moves to the product's new version at once. */
	static const char *const prices[] = { "1100.00", "1200.50", "999.99" };
	for (int i = 0; i < 3; i++) {
		char body[80];
		snprintf(body, sizeof body, "{\"basePrice\":%s}", prices[i]);
		t_send_json(&rs, "PATCH", url, admin, body);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
		calc1(&rs, p, "2000.00", 1);
		if (T_STATUS(&rs, 200))
			T_JSON_EQ(&rs, "items.0.basePrice", prices[i]);
		t_resp_free(&rs);
		char *a = t_db_value("PRODUCT_DATABASE_URL", "SELECT version::text FROM products "
		    "WHERE id = $1", p, (char *)NULL);
		char *b = t_db_value("PRICING_DATABASE_URL", "SELECT version::text FROM "
		    "catalog_products WHERE product_id = $1", p, (char *)NULL);
		T_EQ_STR(b, a);
		free(a);
		free(b);
	}
	/* Deactivated: 409; deleted: 404. */
	t_send_json(&rs, "PATCH", url, admin, "{\"isActive\":false}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	calc1(&rs, p, "2000.00", 1);
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	calc1(&rs, p, "2000.00", 1);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	free(p);
	free(v);
}

static const struct t_case cases[] = {
	T_CASE(internal_quote),
	T_CASE(catalog_copy),
	T_CASE(catalog_push_on_write),
};

const struct t_suite pricing_internal_suite = T_SUITE("internal", cases);
