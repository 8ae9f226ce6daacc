/* The pricing service through the gateway: POST /pricing/calculate,
 * POST /pricing/validate-margin, GET /pricing/product/:id and the admin
 * rules, against products created through the product API.
 *
 * Money is compared as the exact JSON text the server wrote ("3000.00"),
 * never as a double.  Every test that changes the DEFAULT rule puts it back
 * to 10.00 before it returns (other suites rely on it). */
#include "../lib/t.h"
#include "../lib/http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crypto.h"
#include "money.h"

static char *admin;       /* minted ADMIN token */
static char *customer;    /* a registered CUSTOMER's token */
static char *reseller;    /* minted RESELLER token */

/* ---- helpers ---- */

/* The JSON text of the value at path ("3000.00", "true", "\"x\""), or
 * "(absent)".  Owned by o. */
static const char *
jtext(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	if (v == NULL)
		return json_object_object_get_ex(o, path, NULL) ? "null" : "(absent)";
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
}

#define T_JTEXT(rs, path, want) T_EQ_STR(jtext((rs)->json, (path)), (want))

/* Creates a category; returns its id (malloc'd) or NULL. */
static char *
category_create(void)
{
	char name[80], body[200];
	struct resp rs;
	t_unique(name, sizeof name, "pricing-cat");
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
	t_post_json(&rs, "/categories", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return id;
}

/* Creates a product from the JSON members in extra (", \"categoryId\":..."
 * or ""), with base price base ("1000.00").  Returns the product id and,
 * when variant is not NULL, the first variant's id (both malloc'd). */
static char *
product_create(const char *base, const char *extra, char **variant)
{
	char name[80], body[2048];
	struct resp rs;
	t_unique(name, sizeof name, "pricing-product");
	snprintf(body, sizeof body,
	    "{\"name\":\"%s\",\"description\":\"for the pricing suite\",\"basePrice\":%s%s}",
	    name, base, extra);
	t_post_json(&rs, "/products", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL) {
		id = strdup(t_jstr(rs.json, "id"));
		if (variant != NULL) {
			const char *v = t_jstr(rs.json, "variants.0.id");
			*variant = v ? strdup(v) : NULL;
			T_ASSERT(*variant != NULL);
		}
	}
	t_resp_free(&rs);
	return id;
}

/* Creates a rule; returns its id (malloc'd) or NULL. */
static char *
rule_create(const char *scope, const char *scope_id, const char *rate, const char *markup)
{
	char body[300];
	struct resp rs;
	if (markup != NULL)
		snprintf(body, sizeof body, "{\"scope\":\"%s\",\"scopeId\":\"%s\","
		    "\"ratePercent\":%s,\"maxMarkupPercent\":%s}", scope, scope_id, rate, markup);
	else
		snprintf(body, sizeof body, "{\"scope\":\"%s\",\"scopeId\":\"%s\","
		    "\"ratePercent\":%s}", scope, scope_id, rate);
	t_post_json(&rs, "/pricing/rules", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return id;
}

static void
rule_delete(const char *id)
{
	char url[120];
	struct resp rs;
	if (id == NULL)
		return;
	snprintf(url, sizeof url, "/pricing/rules/%s", id);
	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 204);
	t_resp_free(&rs);
}

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

/* POST /pricing/calculate with one item. */
static long
calc1(struct resp *rs, const char *product, const char *seller, int qty)
{
	char body[300];
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":%s}]}", product, qty, seller);
	return t_post_json(rs, "/pricing/calculate", NULL, body);
}

static long
margin(struct resp *rs, const char *product, const char *seller)
{
	char body[200];
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"sellerPrice\":%s}", product,
	    seller);
	return t_post_json(rs, "/pricing/validate-margin", NULL, body);
}

/* tmpl with every "@P" replaced by id, into out. */
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

static int
suite_init(void)
{
	char sub[40], email[120], body[300];
	struct resp rs;
	/* The caller's identity is all a token carries: the pricing and product
	 * services read nothing else about an admin. */
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	admin = t_mint(sub, "pricing-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	reseller = t_mint(sub, "pricing-reseller@example.com", ROLE_RESELLER, TOKEN_ACCESS,
	    3600, 0, NULL);
	t_unique(email, sizeof email, "pricing-customer");
	snprintf(body, sizeof body, "{\"email\":\"%s@example.com\",\"password\":\"correct horse 1\","
	    "\"firstName\":\"Pri\",\"lastName\":\"Cing\"}", email);
	t_post_json(&rs, "/auth/register", NULL, body);
	const char *tok = t_jstr(rs.json, "accessToken");
	customer = rs.status == 201 && tok ? strdup(tok) : NULL;
	if (customer == NULL)
		fprintf(stderr, "pricing: could not register a customer: %ld %s\n", rs.status,
		    rs.body);
	t_resp_free(&rs);
	return admin != NULL && reseller != NULL && customer != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(reseller);
	free(customer);
	return 0;
}

/* ---- cases ---- */

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
		T_JTEXT(&rs, "subtotal", "3000.00");
		T_JTEXT(&rs, "commission", "300.00");
		T_JTEXT(&rs, "total", "3000.00");
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		T_EQ_INT(t_jlen(rs.json, "items"), 1);
		T_EQ_STR(t_jstr(rs.json, "items.0.productId"), p);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), variant);
		T_JTEXT(&rs, "items.0.basePrice", "1000.00");
		T_JTEXT(&rs, "items.0.sellerPrice", "1500.00");
		T_JTEXT(&rs, "items.0.quantity", "2");
		T_JTEXT(&rs, "items.0.subtotal", "3000.00");
		T_JTEXT(&rs, "items.0.commission", "300.00");
		T_JTEXT(&rs, "items.0.commissionRate", "10.00");
		/* The money is written with two decimals in the body itself. */
		T_ASSERT(strstr(rs.body, "\"subtotal\":3000.00") != NULL);
	}
	t_resp_free(&rs);

	/* The same with the variant named, and with a token (optional). */
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"quantity\":2,\"sellerPrice\":\"1500.00\"}]}", p, variant);
	t_post_json(&rs, "/pricing/calculate", reseller, body);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "commission", "300.00");
		T_JTEXT(&rs, "items.0.basePrice", "1000.00");
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
		T_JTEXT(&rs, "valid", "true");
		T_JTEXT(&rs, "basePrice", "1000.00");
		T_JTEXT(&rs, "sellerPrice", "1500.00");
		T_JTEXT(&rs, "margin", "500.00");
		T_JTEXT(&rs, "marginPercentage", "50.00");
		T_JTEXT(&rs, "reason", "(absent)");
	}
	t_resp_free(&rs);

	/* 1/3 of the base: 33.333... -> 33.33; 2/3: 66.666... -> 66.67. */
	margin(&rs, p, "1333.33");
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "marginPercentage", "33.33");
	t_resp_free(&rs);
	margin(&rs, p, "1666.67");
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "marginPercentage", "66.67");
	t_resp_free(&rs);
	/* 0.005 % exactly (0.05 on 1000.00) rounds up to 0.01. */
	margin(&rs, p, "1000.05");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "margin", "0.05");
		T_JTEXT(&rs, "marginPercentage", "0.01");
	}
	t_resp_free(&rs);
	/* Selling at the base is valid with no margin. */
	margin(&rs, p, "1000.00");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "valid", "true");
		T_JTEXT(&rs, "margin", "0.00");
		T_JTEXT(&rs, "marginPercentage", "0.00");
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
		T_JTEXT(&rs, "valid", "false");
		T_JTEXT(&rs, "margin", "-100.00");
		T_JTEXT(&rs, "marginPercentage", "-10.00");
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
		T_JTEXT(&rs, "commission", "0.42");
		T_JTEXT(&rs, "items.0.commissionRate", "12.50");
	}
	t_resp_free(&rs);
	calc1(&rs, p, "0.04", 1);              /* 0.005 -> 0.01 (banker's: 0.00) */
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commission", "0.01");
	t_resp_free(&rs);
	calc1(&rs, p, "0.03", 1);              /* 0.00375 -> 0.00 (ceiling: 0.01) */
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commission", "0.00");
	t_resp_free(&rs);
	calc1(&rs, p, "0.12", 1);              /* 0.015 -> 0.02 (banker's: 0.02, trunc 0.01) */
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commission", "0.02");
	t_resp_free(&rs);
	calc1(&rs, p, "1.11", 3);              /* subtotal 3.33, rounded once: 0.42 */
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "subtotal", "3.33");
		T_JTEXT(&rs, "items.0.subtotal", "3.33");
		T_JTEXT(&rs, "commission", "0.42");
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
		T_JTEXT(&rs, "subtotal", "0.08");
		T_JTEXT(&rs, "commission", "0.01");
		T_JTEXT(&rs, "items.0.commission", "0.01");
		T_JTEXT(&rs, "items.1.commission", "0.00");
	}
	t_resp_free(&rs);

	/* 1500.10 is exactly 150010 paise: x3 = 4500.30, 12.5 % = 562.5375 -> 562.54. */
	calc1(&rs, p, "1500.10", 3);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "subtotal", "4500.30");
		T_JTEXT(&rs, "commission", "562.54");
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
		T_JTEXT(&rs, "subtotal", "0.40");
		T_JTEXT(&rs, "commission", "0.04");
		T_JTEXT(&rs, "total", "0.40");
		T_JTEXT(&rs, "items.0.commissionRate", "10.00");
		T_JTEXT(&rs, "items.1.commissionRate", "10.00");
		T_JTEXT(&rs, "items.0.commission", "0.02");
		T_JTEXT(&rs, "items.1.commission", "0.02");
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
		T_JTEXT(&rs, "subtotal", "5.00");
		T_JTEXT(&rs, "commission", "0.50");
		T_EQ_INT(t_jlen(rs.json, "items"), 100);
		T_EQ_INT(lines_commission(rs.json), 50);
		T_JTEXT(&rs, "items.0.commission", "0.01");
		T_JTEXT(&rs, "items.49.commission", "0.01");
		T_JTEXT(&rs, "items.50.commission", "0.00");
		T_JTEXT(&rs, "items.99.commission", "0.00");
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
		T_JTEXT(&rs, "items.1.commissionRate", "5.00");
		T_JTEXT(&rs, "commission", "0.03");
		T_JTEXT(&rs, "items.0.commission", "0.02");
		T_JTEXT(&rs, "items.1.commission", "0.01");
		T_JTEXT(&rs, "items.2.commission", "0.00");
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
		T_JTEXT(&rs, "items.0.commissionRate", "5.00");
		T_JTEXT(&rs, "items.0.commission", "10.00");
		T_JTEXT(&rs, "items.1.commissionRate", "20.00");
		T_JTEXT(&rs, "items.1.commission", "40.00");
		T_JTEXT(&rs, "items.2.commissionRate", "10.00");
		T_JTEXT(&rs, "items.2.commission", "20.00");
		T_JTEXT(&rs, "subtotal", "600.00");
		T_JTEXT(&rs, "commission", "70.00");
		T_JTEXT(&rs, "total", "600.00");
	}
	t_resp_free(&rs);

	char url[120];
	snprintf(url, sizeof url, "/pricing/product/%s", own);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commissionRate", "20.00");
	t_resp_free(&rs);

	/* Without its own rule the product falls back to its category's. */
	rule_delete(own_rule);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commissionRate", "5.00");
	t_resp_free(&rs);
	/* And without that, to the default. */
	rule_delete(cat_rule);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commissionRate", "10.00");
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
		T_JTEXT(&rs, "commission", "15.00");
	t_resp_free(&rs);
	calc1(&rs, p, "150.01", 1);
	T_ERROR(&rs, 400, "items[0].sellerPrice must be at most 150.00");
	t_resp_free(&rs);

	margin(&rs, p, "150.00");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "valid", "true");
		T_JTEXT(&rs, "marginPercentage", "50.00");
	}
	t_resp_free(&rs);
	margin(&rs, p, "150.01");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "valid", "false");
		T_JTEXT(&rs, "margin", "50.01");
		T_ASSERT(t_contains(t_jstr(rs.json, "reason"), "at most 150.00"));
	}
	t_resp_free(&rs);

	char url[120];
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "productId"), p);
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		T_JTEXT(&rs, "basePrice", "100.00");
		T_JTEXT(&rs, "commissionRate", "10.00");
		T_JTEXT(&rs, "minSellerPrice", "100.00");
		T_JTEXT(&rs, "maxSellerPrice", "150.00");
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_JTEXT(&rs, "variants.0.price", "100.00");
		T_JTEXT(&rs, "variants.0.maxSellerPrice", "150.00");
	}
	t_resp_free(&rs);

	/* Removing the cap (null) lifts the limit. */
	snprintf(url, sizeof url, "/pricing/rules/%s", rule);
	t_send_json(&rs, "PATCH", url, admin, "{\"maxMarkupPercent\":null}");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "maxMarkupPercent", "null");
		T_JTEXT(&rs, "ratePercent", "10.00");
	}
	t_resp_free(&rs);
	calc1(&rs, p, "1000000.00", 1);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "maxSellerPrice", "null");
	t_resp_free(&rs);
	rule_delete(rule);
	free(rule);
	free(p);
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
		if (strcmp(jtext(rs.json, path), "1200.00") == 0) {
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
		T_JTEXT(&rs, "items.0.basePrice", "1200.00");
		T_JTEXT(&rs, "commission", "150.00");
	}
	t_resp_free(&rs);
	/* Every live variant is listed with its own bounds. */
	snprintf(url, sizeof url, "/pricing/product/%s", p);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 2);
		T_JTEXT(&rs, "basePrice", "1000.00");
		T_JTEXT(&rs, "variants.0.price", "1000.00");
		T_JTEXT(&rs, "variants.0.isDefault", "true");
		T_JTEXT(&rs, "variants.1.price", "1200.00");
		T_JTEXT(&rs, "variants.1.minSellerPrice", "1200.00");
		T_EQ_STR(t_jstr(rs.json, "variants.1.variantId"), big);
	}
	t_resp_free(&rs);
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"variantId\":\"%s\","
	    "\"sellerPrice\":1500.00}", p, big);
	t_post_json(&rs, "/pricing/validate-margin", NULL, body);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "margin", "300.00");
		T_JTEXT(&rs, "marginPercentage", "25.00");
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
		T_JTEXT(&rs, "items.0.basePrice", "2000.00");
		T_JTEXT(&rs, "subtotal", "5000.00");
		T_JTEXT(&rs, "commission", "500.00");
	}
	t_resp_free(&rs);
	margin(&rs, p, "2500.00");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "basePrice", "2000.00");
		T_JTEXT(&rs, "marginPercentage", "25.00");
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
		T_JTEXT(&rs, "isActive", "false");
	t_resp_free(&rs);
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
		T_JTEXT(&rs, "ratePercent", "12.50");
		T_JTEXT(&rs, "maxMarkupPercent", "100.00");
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
		T_JTEXT(&rs, "ratePercent", "12.50");
	t_resp_free(&rs);

	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":\"7.25\"}");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "ratePercent", "7.25");
		T_JTEXT(&rs, "maxMarkupPercent", "100.00");   /* absent: kept */
	}
	t_resp_free(&rs);
	calc1(&rs, p, "1000.00", 1);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "items.0.commissionRate", "7.25");
		T_JTEXT(&rs, "commission", "72.50");
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
		T_JTEXT(&rs, "scopeId", "null");
		T_JTEXT(&rs, "ratePercent", "12.00");
	}
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 2);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "commission", "360.00");
		T_JTEXT(&rs, "items.0.commissionRate", "12.00");
	}
	t_resp_free(&rs);

	t_send_json(&rs, "PATCH", url, admin, "{\"ratePercent\":10.00}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 2);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "commission", "300.00");
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
		subst(body, sizeof body, bad[i].tmpl, p);
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
		T_JTEXT(&rs, "subtotal", "150000.00");
		T_JTEXT(&rs, "commission", "15000.00");
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
		T_JTEXT(&rs, "items.0.subtotal", "3000.00");
		T_JTEXT(&rs, "items.0.commission", "300.00");
		T_JTEXT(&rs, "items.0.basePrice", "1000.00");
		T_JTEXT(&rs, "items.0.productName", "\"A\"");
		T_JTEXT(&rs, "items.1.commissionRate", "20.00");
		T_JTEXT(&rs, "items.1.commission", "30.00");
		T_JTEXT(&rs, "subtotal", "3150.00");
		T_JTEXT(&rs, "commission", "330.00");
		T_JTEXT(&rs, "total", "3150.00");
		T_JTEXT(&rs, "currency", "\"INR\"");
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
		t_post_json(&rs, url, NULL, subst(b2, sizeof b2, bad[i].body, pid));
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
			T_JTEXT(&rs, "items.0.commissionRate", "25.00");
		t_resp_free(&rs);
	}
	rule_delete(rule);
	for (int i = 0; i < 6; i++) {
		t_post_json(&rs, url, NULL, body);
		if (T_STATUS(&rs, 200))
			T_JTEXT(&rs, "items.0.commissionRate", "10.00");
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
		T_JTEXT(&rs, "items.0.basePrice", "1000.00");
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
		T_JTEXT(&rs, "applied", "false");
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 1);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "items.0.basePrice", "1000.00");
	t_resp_free(&rs);
	/* ...a newer one is what calculate prices from. */
	t_post_json(&rs, url, NULL, snapshot(body, sizeof body, p, v, ver + 1, 120000));
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "applied", "true");
	t_resp_free(&rs);
	calc1(&rs, p, "1500.00", 1);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "items.0.basePrice", "1200.00");
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
		T_JTEXT(&rs, "items.0.basePrice", "1300.00");
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
			T_JTEXT(&rs, "items.0.basePrice", prices[i]);
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
	T_CASE(pricing_health),
	T_CASE(calculate_brief_example),
	T_CASE(validate_margin_brief_example),
	T_CASE(below_base_rejected),
	T_CASE(unknown_product_404),
	T_CASE(calculate_rounding_half_up),
	T_CASE(calculate_commission_rounded_once),
	T_CASE(rule_precedence),
	T_CASE(max_markup),
	T_CASE(variant_prices),
	T_CASE(price_change_seen),
	T_CASE(inactive_product),
	T_CASE(rules_admin_only),
	T_CASE(rules_crud),
	T_CASE(default_rule),
	T_CASE(rules_bad_input_400),
	T_CASE(calculate_bad_input_400),
	T_CASE(margin_and_product_bad_input_400),
	T_CASE(internal_quote),
	T_CASE(catalog_copy),
	T_CASE(catalog_push_on_write),
};

int
main(void)
{
	return t_run("pricing", cases, T_NCASES(cases), suite_init, suite_clean);
}
