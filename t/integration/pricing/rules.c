/* it_pricing: the commission rules: precedence (product, category,
 * DEFAULT), markup caps, admin only, create/read/update/delete, the
 * DEFAULT rule, the refused inputs.  Every case that changes the DEFAULT
 * rule puts it back to 10.00 before it returns. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "pricing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The DEFAULT rule's id (malloc'd), from the list. */
static char *
default_rule_id(void)
{
	struct resp rs;
	t_get(&rs, "/pricing/rules?scope=DEFAULT", admin);
	char *id = NULL;
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "total", -1), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.scope"), "DEFAULT");
		const char *s = t_jstr(rs.json, "data.0.id");
		id = s ? strdup(s) : NULL;
	}
	t_resp_free(&rs);
	return id;
}

static void
rule_precedence(void)
{
	char *cat = category_create();
	T_REQUIRE(cat != NULL);
	char extra[120];
	snprintf(extra, sizeof extra, ",\"categoryId\":\"%s\"", cat);
	char *in_cat = product_create("100.00", extra, NULL);
	char *own = product_create("100.00", extra, NULL);
	char *plain = product_create("100.00", "", NULL);
	T_REQUIRE(in_cat != NULL && own != NULL && plain != NULL);
	char *cat_rule = rule_create("CATEGORY", cat, "5.00", NULL);
	char *own_rule = rule_create("PRODUCT", own, "20.00", NULL);
	T_REQUIRE(cat_rule != NULL && own_rule != NULL);

	char body[600];
	snprintf(body, sizeof body, "{\"items\":["
	    "{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":200.00},"
	    "{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":200.00},"
	    "{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":200.00}]}",
	    in_cat, own, plain);
	struct resp rs;
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "items.0.commissionRate", "5.00");
		T_JSON_EQ(&rs, "items.0.commission", "10.00");
		T_JSON_EQ(&rs, "items.1.commissionRate", "20.00");
		T_JSON_EQ(&rs, "items.1.commission", "40.00");
		T_JSON_EQ(&rs, "items.2.commissionRate", "10.00");
		T_JSON_EQ(&rs, "items.2.commission", "20.00");
		T_JSON_EQ(&rs, "subtotal", "600.00");
		T_JSON_EQ(&rs, "commission", "70.00");
		T_JSON_EQ(&rs, "total", "600.00");
	}
	t_resp_free(&rs);

	char url[120];
	snprintf(url, sizeof url, "/pricing/product/%s", own);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commissionRate", "20.00");
	t_resp_free(&rs);

	/* Without its own rule the product falls back to its category's. */
	rule_delete(own_rule);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commissionRate", "5.00");
	t_resp_free(&rs);
	/* And without that, to the default. */
	rule_delete(cat_rule);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commissionRate", "10.00");
	t_resp_free(&rs);
	free(cat_rule);
	free(own_rule);
	free(cat);
	free(in_cat);
	free(own);
	free(plain);
}

static void
max_markup(void)
{
	char *p = product_create("100.00", "", NULL);
	T_REQUIRE(p != NULL);
	char *rule = rule_create("PRODUCT", p, "10.00", "50.00");
	T_REQUIRE(rule != NULL);
	struct resp rs;
	calc1(&rs, p, "150.00", 1);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commission", "15.00");
	t_resp_free(&rs);
	calc1(&rs, p, "150.01", 1);
	T_ERROR(&rs, 400, "items[0].sellerPrice must be at most 150.00");
	t_resp_free(&rs);

	margin(&rs, p, "150.00");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "valid", "true");
		T_JSON_EQ(&rs, "marginPercentage", "50.00");
	}
	t_resp_free(&rs);
	margin(&rs, p, "150.01");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "valid", "false");
		T_JSON_EQ(&rs, "margin", "50.01");
		T_ASSERT(t_contains(t_jstr(rs.json, "reason"), "at most 150.00"));
	}
	t_resp_free(&rs);

	char url[120];
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "productId"), p);
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		T_JSON_EQ(&rs, "basePrice", "100.00");
		T_JSON_EQ(&rs, "commissionRate", "10.00");
		T_JSON_EQ(&rs, "minSellerPrice", "100.00");
		T_JSON_EQ(&rs, "maxSellerPrice", "150.00");
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_JSON_EQ(&rs, "variants.0.price", "100.00");
		T_JSON_EQ(&rs, "variants.0.maxSellerPrice", "150.00");
	}
	t_resp_free(&rs);

	/* Removing the cap (null) lifts the limit. */
	snprintf(url, sizeof url, "/pricing/rules/%s", rule);
	t_send_json(&rs, "PATCH", url, admin, "{\"maxMarkupPercent\":null}");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "maxMarkupPercent", "null");
		T_JSON_EQ(&rs, "ratePercent", "10.00");
	}
	t_resp_free(&rs);
	calc1(&rs, p, "1000000.00", 1);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "maxSellerPrice", "null");
	t_resp_free(&rs);
	rule_delete(rule);
	free(rule);
	free(p);
}

static void
rules_admin_only(void)
{
	const char *id = "/pricing/rules/5f0c1a9e-0000-4000-8000-00000000beef";
	const char *body = "{\"scope\":\"PRODUCT\",\"scopeId\":"
	    "\"5f0c1a9e-0000-4000-8000-00000000beef\",\"ratePercent\":5.00}";
	const char *tokens[] = { NULL, customer, reseller };
	const long want[] = { 401, 403, 403 };
	struct resp rs;
	for (int i = 0; i < 3; i++) {
		t_get(&rs, "/pricing/rules", tokens[i]);
		T_ERROR(&rs, want[i], NULL);
		t_resp_free(&rs);
		t_post_json(&rs, "/pricing/rules", tokens[i], body);
		T_ERROR(&rs, want[i], NULL);
		t_resp_free(&rs);
		t_get(&rs, id, tokens[i]);
		T_ERROR(&rs, want[i], NULL);
		t_resp_free(&rs);
		t_send_json(&rs, "PATCH", id, tokens[i], "{\"ratePercent\":1.00}");
		T_ERROR(&rs, want[i], NULL);
		t_resp_free(&rs);
		t_http(&rs, "DELETE", id, tokens[i], NULL, NULL, 0, (char *)NULL);
		T_ERROR(&rs, want[i], NULL);
		t_resp_free(&rs);
	}
	/* A garbage token on an admin route is a 401 too. */
	t_get(&rs, "/pricing/rules", "not.a.token");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	/* ... and is ignored on a public one. */
	t_get(&rs, "/pricing/health", "not.a.token");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
rules_crud(void)
{
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	long long events0 = t_db_count("PRICING_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE type = 'PRICING_RULE_CHANGED'", (char *)NULL);
	struct resp rs;
	char body[300], url[120];

	snprintf(body, sizeof body, "{\"scope\":\"PRODUCT\",\"scopeId\":\"%s\","
	    "\"ratePercent\":12.50,\"maxMarkupPercent\":100}", p);
	t_post_json(&rs, "/pricing/rules", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201)) {
		id = strdup(t_jstr(rs.json, "id"));
		T_EQ_STR(t_jstr(rs.json, "scope"), "PRODUCT");
		T_EQ_STR(t_jstr(rs.json, "scopeId"), p);
		T_JSON_EQ(&rs, "ratePercent", "12.50");
		T_JSON_EQ(&rs, "maxMarkupPercent", "100.00");
		T_ASSERT(t_jstr(rs.json, "createdAt") != NULL);
	}
	t_resp_free(&rs);
	T_REQUIRE(id != NULL);

	/* One rule per scope and id. */
	t_post_json(&rs, "/pricing/rules", admin, body);
	T_ERROR(&rs, 409, "already exists");
	t_resp_free(&rs);

	snprintf(url, sizeof url, "/pricing/rules/%s", id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "ratePercent", "12.50");
	t_resp_free(&rs);

	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":\"7.25\"}");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "ratePercent", "7.25");
		T_JSON_EQ(&rs, "maxMarkupPercent", "100.00");   /* absent: kept */
	}
	t_resp_free(&rs);
	calc1(&rs, p, "1000.00", 1);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "items.0.commissionRate", "7.25");
		T_JSON_EQ(&rs, "commission", "72.50");
	}
	t_resp_free(&rs);

	/* The list finds it by scope id; the DEFAULT rule sorts first. */
	char list[200];
	snprintf(list, sizeof list, "/pricing/rules?scope=PRODUCT&scopeId=%s", p);
	t_get(&rs, list, admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "total", -1), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), id);
	}
	t_resp_free(&rs);
	t_get(&rs, "/pricing/rules?take=1", admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "data.0.scope"), "DEFAULT");
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_INT(t_jint(rs.json, "take", -1), 1);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);
	t_get(&rs, "/pricing/rules?skip=1000000", admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);

	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 204);
	t_resp_free(&rs);
	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":1}");
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_get(&rs, url, admin);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);

	/* Three changes, three events. */
	long long events1 = t_db_count("PRICING_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE type = 'PRICING_RULE_CHANGED' "
	    "AND aggregate_id = $1", id, (char *)NULL);
	T_EQ_INT(events1, 3);
	T_ASSERT(events0 >= 0);
	char *action = t_db_value("PRICING_DATABASE_URL",
	    "SELECT payload->>'action' FROM outbox WHERE aggregate_id = $1 "
	    "ORDER BY id DESC LIMIT 1", id, (char *)NULL);
	T_EQ_STR(action, "DELETED");
	free(action);
	char *prev = t_db_value("PRICING_DATABASE_URL",
	    "SELECT payload->'previous'->>'ratePercent' FROM outbox WHERE aggregate_id = $1 "
	    "AND payload->>'action' = 'UPDATED'", id, (char *)NULL);
	T_EQ_STR(prev, "12.50");
	free(prev);

	/* A rule for a product that does not exist. */
	t_post_json(&rs, "/pricing/rules", admin, "{\"scope\":\"PRODUCT\",\"scopeId\":"
	    "\"5f0c1a9e-0000-4000-8000-00000000dead\",\"ratePercent\":5}");
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	free(id);
	free(p);
}

static void
default_rule(void)
{
	char *def = default_rule_id();
	T_REQUIRE(def != NULL);
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/pricing/rules/%s", def);

	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_ERROR(&rs, 409, "DEFAULT");
	t_resp_free(&rs);

	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":12.00}");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "scope"), "DEFAULT");
		T_JSON_EQ(&rs, "scopeId", "null");
		T_JSON_EQ(&rs, "ratePercent", "12.00");
	}
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 2);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "commission", "360.00");
		T_JSON_EQ(&rs, "items.0.commissionRate", "12.00");
	}
	t_resp_free(&rs);

	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":10.00}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 2);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commission", "300.00");
	t_resp_free(&rs);

	/* There is one DEFAULT rule: it cannot be created. */
	t_post_json(&rs, "/pricing/rules", admin,
	    "{\"scope\":\"DEFAULT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
	    "\"ratePercent\":5}");
	T_ERROR(&rs, 400, "scope");
	t_resp_free(&rs);
	free(def);
	free(p);
}

static void
rules_bad_input_400(void)
{
	static const struct { const char *body, *mention; } bad[] = {
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":100.01}", "ratePercent must be at most 100.00" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":12.505}", "ratePercent" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":-1}", "ratePercent" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":1e1}", "ratePercent" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":5,\"maxMarkupPercent\":-5}", "maxMarkupPercent" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"nope\",\"ratePercent\":5}", "scopeId" },
		{ "{\"scope\":\"SHOP\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":5}", "scope" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"ratePercent\":5,\"rateBps\":500}", "rateBps" },
		{ "{\"scope\":\"PRODUCT\",\"scopeId\":\"5f0c1a9e-0000-4000-8000-00000000dead\"}",
		  "ratePercent" },
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, "/pricing/rules", admin, bad[i].body);
		T_ERROR(&rs, 400, bad[i].mention);
		t_resp_free(&rs);
	}
	char *def = default_rule_id();
	T_REQUIRE(def != NULL);
	char url[120];
	snprintf(url, sizeof url, "/pricing/rules/%s", def);
	t_send_json(&rs, "PATCH", url, admin, "{}");
	T_ERROR(&rs, 400, "ratePercent");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":null}");
	T_ERROR(&rs, 400, "ratePercent");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", url, admin, "{\"scope\":\"PRODUCT\"}");
	T_ERROR(&rs, 400, "scope");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":100.50}");
	T_ERROR(&rs, 400, "ratePercent");
	t_resp_free(&rs);
	free(def);

	t_send_json(&rs, "PATCH", "/pricing/rules/not-a-uuid", admin, "{\"ratePercent\":1}");
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	t_http(&rs, "DELETE", "/pricing/rules/not-a-uuid", admin, NULL, NULL, 0, (char *)NULL);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/rules/not-a-uuid", admin);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/rules?scope=SHOP", admin);
	T_ERROR(&rs, 400, "scope");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/rules?take=0", admin);
	T_ERROR(&rs, 400, "take");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/rules?scopeId=x", admin);
	T_ERROR(&rs, 400, "scopeId");
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(rule_precedence),
	T_CASE(max_markup),
	T_CASE(rules_admin_only),
	T_CASE(rules_crud),
	T_CASE(default_rule),
	T_CASE(rules_bad_input_400),
};

const struct t_suite pricing_rules_suite = T_SUITE("rules", cases);
