/* it_pricing: the public pricing API: POST /pricing/calculate (the brief's
 * numbers, half-up rounding, the commission rounded once from the exact
 * total and split across the lines, variant prices, a base-price change
 * seen by the next call, inactive products), POST /pricing/validate-margin,
 * GET /pricing/product/:id, and their refused inputs. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "pricing.h"
#include "money.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
pricing_health(void)
{
	struct resp rs;
	t_get(&rs, "/pricing/health", NULL);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "status"), "ok");
	t_resp_free(&rs);
}

/* The contract's example, exactly. */
static void
calculate_brief_example(void)
{
	char *variant = NULL;
	char *p = product_create("1000.00", "", &variant);
	T_REQUIRE(p != NULL);
	struct resp rs;
	char body[300];
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"items\":[{\"productId\":\"%s\","
	    "\"quantity\":2,\"sellerPrice\":1500.00}]}",
	    "11111111-1111-4111-8111-111111111111", p);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "3000.00");
		T_JSON_EQ(&rs, "commission", "300.00");
		T_JSON_EQ(&rs, "total", "3000.00");
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		T_EQ_INT(t_jlen(rs.json, "items"), 1);
		T_EQ_STR(t_jstr(rs.json, "items.0.productId"), p);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), variant);
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
		T_JSON_EQ(&rs, "items.0.sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "items.0.quantity", "2");
		T_JSON_EQ(&rs, "items.0.subtotal", "3000.00");
		T_JSON_EQ(&rs, "items.0.commission", "300.00");
		T_JSON_EQ(&rs, "items.0.commissionRate", "10.00");
		/* The money is written with two decimals in the body itself. */
		T_ASSERT(strstr(rs.body, "\"subtotal\":3000.00") != NULL);
	}
	t_resp_free(&rs);

	/* The same with the variant named, and with a token (optional). */
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"quantity\":2,\"sellerPrice\":\"1500.00\"}]}", p, variant);
	t_post_json(&rs, "/pricing/calculate", reseller, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "commission", "300.00");
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
	}
	t_resp_free(&rs);
	free(p);
	free(variant);
}

static void
validate_margin_brief_example(void)
{
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	struct resp rs;
	margin(&rs, p, "1500.00");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "valid", "true");
		T_JSON_EQ(&rs, "basePrice", "1000.00");
		T_JSON_EQ(&rs, "sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "margin", "500.00");
		T_JSON_EQ(&rs, "marginPercentage", "50.00");
		T_JSON_EQ(&rs, "reason", "(absent)");
	}
	t_resp_free(&rs);

	/* 1/3 of the base: 33.333... -> 33.33; 2/3: 66.666... -> 66.67. */
	margin(&rs, p, "1333.33");
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "marginPercentage", "33.33");
	t_resp_free(&rs);
	margin(&rs, p, "1666.67");
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "marginPercentage", "66.67");
	t_resp_free(&rs);
	/* 0.005 % exactly (0.05 on 1000.00) rounds up to 0.01. */
	margin(&rs, p, "1000.05");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "margin", "0.05");
		T_JSON_EQ(&rs, "marginPercentage", "0.01");
	}
	t_resp_free(&rs);
	/* Selling at the base is valid with no margin. */
	margin(&rs, p, "1000.00");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "valid", "true");
		T_JSON_EQ(&rs, "margin", "0.00");
		T_JSON_EQ(&rs, "marginPercentage", "0.00");
	}
	t_resp_free(&rs);
	free(p);
}

static void
below_base_rejected(void)
{
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	struct resp rs;
	calc1(&rs, p, "999.99", 1);
	T_ERROR(&rs, 400, "items[0].sellerPrice must be at least 1000.00");
	t_resp_free(&rs);

	margin(&rs, p, "900.00");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "valid", "false");
		T_JSON_EQ(&rs, "margin", "-100.00");
		T_JSON_EQ(&rs, "marginPercentage", "-10.00");
		T_ASSERT(t_contains(t_jstr(rs.json, "reason"), "at least 1000.00"));
	}
	t_resp_free(&rs);

	/* The second line is the bad one: the message names it. */
	char body[400];
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":1000.00},{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0}]}", p, p);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	T_ERROR(&rs, 400, "items[1].sellerPrice must be at least 1000.00");
	t_resp_free(&rs);
	free(p);
}

static void
unknown_product_404(void)
{
	const char *ghost = "5f0c1a9e-0000-4000-8000-00000000dead";
	struct resp rs;
	calc1(&rs, ghost, "1500.00", 1);
	T_ERROR(&rs, 404, "product 5f0c1a9e-0000-4000-8000-00000000dead not found");
	t_resp_free(&rs);
	margin(&rs, ghost, "1500.00");
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/product/5f0c1a9e-0000-4000-8000-00000000dead", NULL);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);

	/* A real product with a variant that is not its own. */
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	char body[300];
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"quantity\":1,\"sellerPrice\":1500.00}]}", p, ghost);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	T_ERROR(&rs, 404, "variant 5f0c1a9e-0000-4000-8000-00000000dead");
	t_resp_free(&rs);

	/* Deleted products are unknown too. */
	char url[120];
	snprintf(url, sizeof url, "/products/%s", p);
	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_ASSERT(rs.status == 200 || rs.status == 204);
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 1);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	free(p);
}

/* A line's commission is rounded half-up (one line: its commission is the
 * total's); the cases tell half-up from truncation, ceiling and banker's
 * rounding.  Several lines: calculate_commission_rounded_once. */
static void
calculate_rounding_half_up(void)
{
	char *p = product_create("0.01", "", NULL);
	T_REQUIRE(p != NULL);
	char *rule = rule_create("PRODUCT", p, "12.50", NULL);
	T_REQUIRE(rule != NULL);
	struct resp rs;

	calc1(&rs, p, "3.33", 1);              /* 0.41625 -> 0.42 */
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "commission", "0.42");
		T_JSON_EQ(&rs, "items.0.commissionRate", "12.50");
	}
	t_resp_free(&rs);
	calc1(&rs, p, "0.04", 1);              /* 0.005 -> 0.01 (banker's: 0.00) */
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commission", "0.01");
	t_resp_free(&rs);
	calc1(&rs, p, "0.03", 1);              /* 0.00375 -> 0.00 (ceiling: 0.01) */
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commission", "0.00");
	t_resp_free(&rs);
	calc1(&rs, p, "0.12", 1);              /* 0.015 -> 0.02 (banker's: 0.02, trunc 0.01) */
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "commission", "0.02");
	t_resp_free(&rs);
	calc1(&rs, p, "1.11", 3);              /* subtotal 3.33, rounded once: 0.42 */
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "3.33");
		T_JSON_EQ(&rs, "items.0.subtotal", "3.33");
		T_JSON_EQ(&rs, "commission", "0.42");
	}
	t_resp_free(&rs);

	/* Two lines of 0.04: 0.005 + 0.005 = 0.01 exactly, rounded once
	 * (per line it was 0.01 + 0.01 = 0.02); the tie goes to line 0. */
	char body[400];
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.04},{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.04}]}", p, p);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "0.08");
		T_JSON_EQ(&rs, "commission", "0.01");
		T_JSON_EQ(&rs, "items.0.commission", "0.01");
		T_JSON_EQ(&rs, "items.1.commission", "0.00");
	}
	t_resp_free(&rs);

	/* 1500.10 is exactly 150010 paise: x3 = 4500.30, 12.5 % = 562.5375 -> 562.54. */
	calc1(&rs, p, "1500.10", 3);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "4500.30");
		T_JSON_EQ(&rs, "commission", "562.54");
	}
	t_resp_free(&rs);
	rule_delete(rule);
	free(rule);
	free(p);
}

/* The sum of the lines' commissions in paise (from their JSON text), or -1
 * when one is not an amount. */
static long long
lines_commission(struct json_object *o)
{
	long long sum = 0;
	size_t n = t_jlen(o, "items");
	for (size_t i = 0; i < n; i++) {
		char path[40];
		snprintf(path, sizeof path, "items.%zu.commission", i);
		const char *t = t_jtext(o, path);
		int64_t v;
		if (money_parse(t, strlen(t), &v) != MONEY_OK)
			return -1;
		sum += v;
	}
	return sum;
}

/* The commission is rounded once from the exact total (issue 11) and
 * allocated to the lines by the largest remainder, ties to the earlier
 * line: the lines add up to it. */
static void
calculate_commission_rounded_once(void)
{
	char *p1 = product_create("0.15", "", NULL), *p2 = product_create("0.25", "", NULL);
	char *p3 = product_create("0.05", "", NULL);
	T_REQUIRE(p1 != NULL && p2 != NULL && p3 != NULL);
	char body[12000];
	/* 0.15 and 0.25 at the DEFAULT 10 %: 0.015 + 0.025 = 0.04 exactly
	 * (each line half-up on its own: 0.02 + 0.03 = 0.05).  Floors 0.01
	 * and 0.02, one paisa left, remainders tied (0.5 paisa each): line 0
	 * takes it, 0.02 + 0.02. */
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.15},{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.25}]}", p1, p2);
	struct resp rs;
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "0.40");
		T_JSON_EQ(&rs, "commission", "0.04");
		T_JSON_EQ(&rs, "total", "0.40");
		T_JSON_EQ(&rs, "items.0.commissionRate", "10.00");
		T_JSON_EQ(&rs, "items.1.commissionRate", "10.00");
		T_JSON_EQ(&rs, "items.0.commission", "0.02");
		T_JSON_EQ(&rs, "items.1.commission", "0.02");
		T_EQ_INT(lines_commission(rs.json), 4);
	}
	t_resp_free(&rs);

	/* 100 lines of 0.05: 0.50 exactly (per line it was 1.00); every
	 * remainder ties, so the first 50 lines earn 0.01 and the rest 0.00. */
	size_t o = (size_t)snprintf(body, sizeof body, "{\"items\":[");
	for (int i = 0; i < 100 && o < sizeof body; i++)
		o += (size_t)snprintf(body + o, sizeof body - o, "%s{\"productId\":\"%s\","
		    "\"quantity\":1,\"sellerPrice\":0.05}", i ? "," : "", p3);
	T_REQUIRE(o + 3 <= sizeof body);
	snprintf(body + o, sizeof body - o, "]}");
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "5.00");
		T_JSON_EQ(&rs, "commission", "0.50");
		T_EQ_INT(t_jlen(rs.json, "items"), 100);
		T_EQ_INT(lines_commission(rs.json), 50);
		T_JSON_EQ(&rs, "items.0.commission", "0.01");
		T_JSON_EQ(&rs, "items.49.commission", "0.01");
		T_JSON_EQ(&rs, "items.50.commission", "0.00");
		T_JSON_EQ(&rs, "items.99.commission", "0.00");
	}
	t_resp_free(&rs);

	/* Mixed rates: p2 at a PRODUCT rule of 5 %.  0.15 x 10 % = 0.015,
	 * 0.25 x 5 % = 0.0125, 0.05 x 10 % = 0.005: exact 0.0325 -> 0.03
	 * (per line 0.02 + 0.01 + 0.01 = 0.04).  Floors 0.01 + 0.01 + 0.00,
	 * one paisa left, to the largest remainder: lines 0 and 2 tie at 0.5
	 * paisa and line 0 is the earlier (line 1 has 0.25). */
	char *rule = rule_create("PRODUCT", p2, "5.00", NULL);
	T_REQUIRE(rule != NULL);
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.15},{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.25},{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":0.05}]}", p1, p2, p3);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "items.1.commissionRate", "5.00");
		T_JSON_EQ(&rs, "commission", "0.03");
		T_JSON_EQ(&rs, "items.0.commission", "0.02");
		T_JSON_EQ(&rs, "items.1.commission", "0.01");
		T_JSON_EQ(&rs, "items.2.commission", "0.00");
		T_EQ_INT(lines_commission(rs.json), 3);
	}
	t_resp_free(&rs);
	rule_delete(rule);
	free(rule);
	free(p1);
	free(p2);
	free(p3);
}

static void
variant_prices(void)
{
	char *p = product_create("1000.00", ",\"variants\":[{\"price\":1000.00,\"stock\":5},"
	    "{\"price\":1200.00,\"stock\":5,\"optionValues\":[{\"optionName\":\"Size\","
	    "\"value\":\"XL\"}]}]", NULL);
	T_REQUIRE(p != NULL);
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/products/%s", p);
	t_get(&rs, url, NULL);
	T_REQUIRE(T_STATUS(&rs, 200));
	char *big = NULL;
	for (size_t i = 0; i < t_jlen(rs.json, "variants"); i++) {
		char path[40];
		snprintf(path, sizeof path, "variants.%zu.price", i);
		if (strcmp(t_jtext(rs.json, path), "1200.00") == 0) {
			snprintf(path, sizeof path, "variants.%zu.id", i);
			big = strdup(t_jstr(rs.json, path));
		}
	}
	t_resp_free(&rs);
	T_REQUIRE(big != NULL);

	char body[400];
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"quantity\":1,\"sellerPrice\":1100.00}]}", p, big);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	T_ERROR(&rs, 400, "at least 1200.00");
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"quantity\":1,\"sellerPrice\":1500.00}]}", p, big);
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), big);
		T_JSON_EQ(&rs, "items.0.basePrice", "1200.00");
		T_JSON_EQ(&rs, "commission", "150.00");
	}
	t_resp_free(&rs);
	/* Every live variant is listed with its own bounds. */
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 2);
		T_JSON_EQ(&rs, "basePrice", "1000.00");
		T_JSON_EQ(&rs, "variants.0.price", "1000.00");
		T_JSON_EQ(&rs, "variants.0.isDefault", "true");
		T_JSON_EQ(&rs, "variants.1.price", "1200.00");
		T_JSON_EQ(&rs, "variants.1.minSellerPrice", "1200.00");
		T_EQ_STR(t_jstr(rs.json, "variants.1.variantId"), big);
	}
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"sellerPrice\":1500.00}", p, big);
	t_post_json(&rs, "/pricing/validate-margin", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "margin", "300.00");
		T_JSON_EQ(&rs, "marginPercentage", "25.00");
	}
	t_resp_free(&rs);
	free(big);
	free(p);
}

/* A basePrice change through the product API is seen by the next call. */
static void
price_change_seen(void)
{
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	struct resp rs;
	calc1(&rs, p, "1500.00", 1);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	char url[120];
	snprintf(url, sizeof url, "/products/%s", p);
	t_send_json(&rs, "PATCH", url, admin, "{\"basePrice\":2000.00}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	calc1(&rs, p, "1500.00", 1);
	T_ERROR(&rs, 400, "items[0].sellerPrice must be at least 2000.00");
	t_resp_free(&rs);
	calc1(&rs, p, "2500.00", 2);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "items.0.basePrice", "2000.00");
		T_JSON_EQ(&rs, "subtotal", "5000.00");
		T_JSON_EQ(&rs, "commission", "500.00");
	}
	t_resp_free(&rs);
	margin(&rs, p, "2500.00");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "basePrice", "2000.00");
		T_JSON_EQ(&rs, "marginPercentage", "25.00");
	}
	t_resp_free(&rs);
	free(p);
}

static void
inactive_product(void)
{
	char *p = product_create("1000.00", ",\"isActive\":false", NULL);
	T_REQUIRE(p != NULL);
	struct resp rs;
	calc1(&rs, p, "1500.00", 1);
	T_ERROR(&rs, 409, "not available");
	t_resp_free(&rs);
	margin(&rs, p, "1500.00");
	T_ERROR(&rs, 409, "not available");
	t_resp_free(&rs);
	char url[120];
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "false");
	t_resp_free(&rs);
	free(p);
}

static void
calculate_bad_input_400(void)
{
	char *p = product_create("1000.00", "", NULL);
	T_REQUIRE(p != NULL);
	char body[16384];
	struct resp rs;
	/* @P stands for a real product's id. */
	static const struct { const char *tmpl, *mention; } bad[] = {
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.00,"
		  "\"discount\":1}]}", "items[0].discount is not an allowed field" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.00}],"
		  "\"coupon\":\"X\"}", "coupon is not an allowed field" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":0,\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":10001,\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1.5,\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":\"2\",\"sellerPrice\":1500.00}]}",
		  "items[0].quantity" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.001}]}",
		  "items[0].sellerPrice" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":-1500.00}]}",
		  "items[0].sellerPrice" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":\"abc\"}]}",
		  "items[0].sellerPrice" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1.5e3}]}",
		  "items[0].sellerPrice" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1}]}", "items[0].sellerPrice" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.00,"
		  "\"variantId\":\"v1\"}]}", "items[0].variantId" },
		{ "{\"sellerId\":\"x\",\"items\":[{\"productId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":1500.00}]}", "sellerId" },
		/* 10^13 rupees x 2 is past the largest amount. */
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":2,"
		  "\"sellerPrice\":10000000000000.00}]}", "too large" },
		{ "{\"items\":[{\"productId\":\"@P\",\"quantity\":1,\"sellerPrice\":1500.00},"
		  "\"oops\"]}", "items[1] must be an object" },
		{ "{\"items\":[{\"productId\":\"@P\",\"productId\":\"@P\",\"quantity\":1,"
		  "\"sellerPrice\":1500.00}]}", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_subst(body, sizeof body, bad[i].tmpl, p);
		t_post_json(&rs, "/pricing/calculate", NULL, body);
		T_ERROR(&rs, 400, bad[i].mention);
		t_resp_free(&rs);
	}
	static const struct { const char *body, *mention; } shape[] = {
		{ "{\"items\":[]}", "items" },
		{ "{\"items\":{}}", "items" },
		{ "{}", "items" },
		{ "{\"items\":[{\"productId\":\"not-a-uuid\",\"quantity\":1,"
		  "\"sellerPrice\":1.00}]}", "items[0].productId" },
		{ "{\"items\":[", "JSON" },
		{ "[]", NULL },
		{ "{\"items\":[{\"productId\":NaN}]}", NULL },
		{ "{'items':[]}", NULL },
	};
	for (size_t i = 0; i < sizeof shape / sizeof shape[0]; i++) {
		t_post_json(&rs, "/pricing/calculate", NULL, shape[i].body);
		T_ERROR(&rs, 400, shape[i].mention);
		t_resp_free(&rs);
	}
	/* 101 items. */
	size_t off = (size_t)snprintf(body, sizeof body, "{\"items\":[");
	for (int i = 0; i < 101; i++)
		off += (size_t)snprintf(body + off, sizeof body - off,
		    "%s{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":1500.00}",
		    i ? "," : "", p);
	snprintf(body + off, sizeof body - off, "]}");
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	T_ERROR(&rs, 400, "items must have at most 100 items");
	t_resp_free(&rs);
	/* 100 items are fine and priced in one go. */
	off = (size_t)snprintf(body, sizeof body, "{\"items\":[");
	for (int i = 0; i < 100; i++)
		off += (size_t)snprintf(body + off, sizeof body - off,
		    "%s{\"productId\":\"%s\",\"quantity\":1,\"sellerPrice\":1500.00}",
		    i ? "," : "", p);
	snprintf(body + off, sizeof body - off, "]}");
	t_post_json(&rs, "/pricing/calculate", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "subtotal", "150000.00");
		T_JSON_EQ(&rs, "commission", "15000.00");
		T_EQ_INT(t_jlen(rs.json, "items"), 100);
	}
	t_resp_free(&rs);

	/* Not JSON at all. */
	t_http(&rs, "POST", "/pricing/calculate", NULL, "text/plain", "items", 5, (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	free(p);
}

static void
margin_and_product_bad_input_400(void)
{
	static const struct { const char *body, *mention; } bad[] = {
		{ "{\"productId\":\"5f0c1a9e-0000-4000-8000-00000000dead\",\"sellerPrice\":1,"
		  "\"quantity\":1}", "quantity is not an allowed field" },
		{ "{\"productId\":\"5f0c1a9e-0000-4000-8000-00000000dead\"}", "sellerPrice" },
		{ "{\"sellerPrice\":1500.00}", "productId" },
		{ "{\"productId\":\"5f0c1a9e\",\"sellerPrice\":1500.00}", "productId" },
		{ "{\"productId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"sellerPrice\":15.555}", "sellerPrice" },
		{ "{\"productId\":\"5f0c1a9e-0000-4000-8000-00000000dead\","
		  "\"sellerPrice\":true}", "sellerPrice" },
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, "/pricing/validate-margin", NULL, bad[i].body);
		T_ERROR(&rs, 400, bad[i].mention);
		t_resp_free(&rs);
	}
	t_get(&rs, "/pricing/product/not-a-uuid", NULL);
	T_ERROR(&rs, 400, "productId");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/product/5f0c1a9e-0000-4000-8000-00000000dead%27", NULL);
	T_ERROR(&rs, 400, "productId");
	t_resp_free(&rs);
	t_get(&rs, "/pricing/calculate", NULL);
	T_ERROR(&rs, 405, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/pricing/nothing-here", NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(pricing_health),
	T_CASE(calculate_brief_example),
	T_CASE(validate_margin_brief_example),
	T_CASE(below_base_rejected),
	T_CASE(unknown_product_404),
	T_CASE(calculate_rounding_half_up),
	T_CASE(calculate_commission_rounded_once),
	T_CASE(variant_prices),
	T_CASE(price_change_seen),
	T_CASE(inactive_product),
	T_CASE(calculate_bad_input_400),
	T_CASE(margin_and_product_bad_input_400),
};

const struct t_suite pricing_calculate_suite = T_SUITE("calculate", cases);
