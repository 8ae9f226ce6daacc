/* it_product: POST /products: nested variants and images written whole or
 * not at all, the default variant, exact base prices, the refused inputs
 * and roles. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include "token.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The document products_create_nested_variants_and_images expects. */
static void
nested_check(struct resp *rs, const char *w, const char *cat, const char *sku1,
    const char *sku2)
{
	T_EQ_STR(t_jstr(rs->json, "name"), fmt("Shirt %s", w));
	T_EQ_STR(t_jstr(rs->json, "slug"), fmt("shirt-%s", w));
	T_JSON_EQ(rs, "basePrice", "1000.00");
	T_JSON_EQ(rs, "isActive", "true");
	T_EQ_STR(t_jstr(rs->json, "categoryId"), cat);
	T_EQ_STR(t_jstr(rs->json, "category.id"), cat);
	T_EQ_INT(t_jlen(rs->json, "variants"), 2);
	T_EQ_STR(t_jstr(rs->json, "variants.0.sku"), sku1);
	T_JSON_EQ(rs, "variants.0.price", "1000.00");
	T_JSON_EQ(rs, "variants.0.stock", "100");
	T_JSON_EQ(rs, "variants.0.isDefault", "true");
	T_EQ_INT(t_jlen(rs->json, "variants.0.optionValues"), 2);
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.0.optionName"), "Color");
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.0.value"), "Red");
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.1.optionName"), "Size");
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.1.value"), "L");
	T_EQ_STR(t_jstr(rs->json, "variants.1.sku"), sku2);
	T_JSON_EQ(rs, "variants.1.price", "1100.50");
	T_JSON_EQ(rs, "variants.1.stock", "0");
	T_JSON_EQ(rs, "variants.1.isDefault", "false");
	T_EQ_STR(t_jstr(rs->json, "variants.1.optionValues.0.value"), "Blue");
	/* Images in the order given, positions 0, 1, 2, one primary. */
	T_EQ_INT(t_jlen(rs->json, "images"), 3);
	for (int i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof want, "%s://example.com/%d.jpg", i == 1 ? "http" : "https", i);
		T_EQ_STR(t_jstr(rs->json, fmt("images.%d.url", i)), want);
		T_JSON_EQ(rs, fmt("images.%d.position", i), fmt("%d", i));
		T_JSON_EQ(rs, fmt("images.%d.isPrimary", i), i == 1 ? "true" : "false");
	}
	T_EQ_STR(t_jstr(rs->json, "images.0.altText"), "front");
}

static void
products_create_nested_variants_and_images(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	char w[64], sku1[80], sku2[80];
	word(w, sizeof w, "nest");
	snprintf(sku1, sizeof sku1, "%s-RED-L", w);
	snprintf(sku2, sizeof sku2, "%s-BLUE-M", w);
	const char *body = fmt("{\"name\":\"Shirt %s\",\"description\":\"Description\","
	    "\"basePrice\":1000.00,\"categoryId\":\"%s\","
	    "\"variants\":[{\"sku\":\"%s\",\"price\":1000.00,\"stock\":100,\"optionValues\":"
	    "[{\"optionName\":\"Color\",\"value\":\"Red\"},{\"optionName\":\"Size\",\"value\":\"L\"}]},"
	    "{\"sku\":\"%s\",\"price\":1100.50,\"stock\":0,\"optionValues\":"
	    "[{\"optionName\":\"Color\",\"value\":\"Blue\"}]}],"
	    "\"images\":[{\"url\":\"https://example.com/0.jpg\",\"altText\":\"front\"},"
	    "{\"url\":\"http://example.com/1.jpg\",\"isPrimary\":true},"
	    "{\"url\":\"https://example.com/2.jpg\"}]}", w, cat, sku1, sku2);
	struct resp rs;
	t_post_json(&rs, "/products", admin, body);
	T_REQUIRE(T_STATUS(&rs, 201));
	char *id = xdup(t_jstr(rs.json, "id"));
	nested_check(&rs, w, cat, sku1, sku2);
	t_resp_free(&rs);
	/* GET /products/:id shows the same document. */
	get_product(&rs, id, NULL);
	if (T_STATUS(&rs, 200))
		nested_check(&rs, w, cat, sku1, sku2);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE product_id = $1", id, NULL),
	    2);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM images WHERE product_id = $1", id, NULL),
	    3);
	free(id);
	free(cat);
}

static void
products_create_default_variant(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "499.99", ",\"stock\":7"));
	struct resp rs;
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_JSON_EQ(&rs, "variants.0.price", "499.99");
		T_JSON_EQ(&rs, "variants.0.stock", "7");
		T_JSON_EQ(&rs, "variants.0.isDefault", "true");
		T_EQ_INT(t_jlen(rs.json, "variants.0.optionValues"), 0);
	}
	t_resp_free(&rs);
	/* No stock given: 0. */
	struct prod q;
	T_REQUIRE(mkprod(&q, NULL, "1.00", ""));
	get_product(&rs, q.id, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_JSON_EQ(&rs, "variants.0.stock", "0");
		T_JSON_EQ(&rs, "variants.0.price", "1.00");
	}
	t_resp_free(&rs);
	/* stock beside variants is ambiguous: refused. */
	t_post_json(&rs, "/products", admin, "{\"name\":\"Ambiguous\",\"basePrice\":1,\"stock\":3,"
	    "\"variants\":[{\"stock\":1}]}");
	T_ERROR(&rs, 400, "stock");
	t_resp_free(&rs);
	prod_free(&p);
	prod_free(&q);
}

static void
products_create_duplicate_sku_rolls_back(void)
{
	char w[64], name[96];
	word(w, sizeof w, "dupsku");
	snprintf(name, sizeof name, "Dup %s", w);
	struct resp rs;
	/* The second variant repeats the first one's SKU. */
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
	    "\"variants\":[{\"sku\":\"%s\",\"stock\":1},{\"sku\":\"%s\",\"stock\":2}],"
	    "\"images\":[{\"url\":\"https://example.com/x.jpg\"}]}", name, w, w));
	T_ERROR(&rs, 409, "sku");
	t_resp_free(&rs);
	T_EQ_INT(products_named(name), 0);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE sku = $1", w, NULL), 0);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM outbox WHERE type = 'PRODUCT_CREATED' AND "
	    "payload->>'name' = $1", name, NULL), 0);
	/* A SKU another product holds. */
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"Holder %s\",\"basePrice\":10,"
	    "\"variants\":[{\"sku\":\"%s\",\"stock\":1}]}", w, w));
	T_REQUIRE(T_STATUS(&rs, 201));
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
	    "\"variants\":[{\"sku\":\"%s-other\",\"stock\":1},{\"sku\":\"%s\",\"stock\":2}]}",
	    name, w, w));
	if (T_ERROR(&rs, 409, "sku"))
		T_ASSERT(t_contains(t_jstr(rs.json, "message"), "variants[1]"));
	t_resp_free(&rs);
	T_EQ_INT(products_named(name), 0);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE sku = $1", w, NULL), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE sku = $1",
	    fmt("%s-other", w), NULL), 0);
}

static void
products_create_bad_image_rolls_back(void)
{
	char w[64], name[96];
	word(w, sizeof w, "badimg");
	snprintf(name, sizeof name, "Img %s", w);
	static const char *const urls[] = { "ftp://example.com/a.jpg", "javascript:alert(1)",
		"example.com/a.jpg", "https://", "data:image/png;base64,AAAA", "" };
	struct resp rs;
	for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
		t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
		    "\"variants\":[{\"sku\":\"%s-%zu\",\"stock\":1}],"
		    "\"images\":[{\"url\":\"https://example.com/ok.jpg\"},{\"url\":\"%s\"}]}",
		    name, w, i, urls[i]));
		if (!T_ERROR(&rs, 400, "images[1].url"))
			printf("    (url \"%s\")\n", urls[i]);
		t_resp_free(&rs);
	}
	T_EQ_INT(products_named(name), 0);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE sku LIKE $1",
	    fmt("%s-%%", w), NULL), 0);
	/* An image without a url, and a url that is not a string. */
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
	    "\"images\":[{\"altText\":\"no url\"}]}", name));
	T_ERROR(&rs, 400, "images[0].url");
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
	    "\"images\":[{\"url\":7}]}", name));
	T_ERROR(&rs, 400, "images[0].url");
	t_resp_free(&rs);
	T_EQ_INT(products_named(name), 0);
}

static void
products_create_two_primary_images_400(void)
{
	char w[64], name[96];
	word(w, sizeof w, "prim");
	snprintf(name, sizeof name, "Prim %s", w);
	struct resp rs;
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
	    "\"images\":[{\"url\":\"https://example.com/a.jpg\",\"isPrimary\":true},"
	    "{\"url\":\"https://example.com/b.jpg\",\"isPrimary\":true}]}", name));
	T_ERROR(&rs, 400, "isPrimary");
	t_resp_free(&rs);
	T_EQ_INT(products_named(name), 0);
	/* The database holds the rule too: one primary image per product. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM pg_indexes WHERE tablename = 'images' AND "
	    "indexdef LIKE '%UNIQUE%' AND indexdef LIKE '%is_primary%'", NULL), 1);
}

static void
products_create_bad_base_price_400(void)
{
	static const char *const bad[] = { "0", "-1", "1.234", "\"abc\"", "1e3", "0.00",
		"-0.01", "true", "\"\"", "[1]", "\"1,5\"", "1.", "null" };
	char w[64], name[96];
	word(w, sizeof w, "price");
	snprintf(name, sizeof name, "Price %s", w);
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, "/products", admin,
		    fmt("{\"name\":\"%s\",\"basePrice\":%s}", name, bad[i]));
		if (!T_ERROR(&rs, 400, strcmp(bad[i], "1.") == 0 ? NULL : "basePrice"))
			printf("    (basePrice %s)\n", bad[i]);
		t_resp_free(&rs);
	}
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\"}", name));
	T_ERROR(&rs, 400, "basePrice");
	t_resp_free(&rs);
	/* A variant's price follows the same rules. */
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":1,"
	    "\"variants\":[{\"price\":1.234}]}", name));
	T_ERROR(&rs, 400, "variants[0].price");
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":1,"
	    "\"variants\":[{\"price\":0}]}", name));
	T_ERROR(&rs, 400, "variants[0].price");
	t_resp_free(&rs);
	T_EQ_INT(products_named(name), 0);
}

static void
products_create_base_price_exact(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "1500.10", ""));
	struct resp rs;
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "basePrice", "1500.10");
		T_JSON_EQ(&rs, "variants.0.price", "1500.10");
		T_ASSERT(strstr(rs.body, "1500.10") != NULL);
	}
	t_resp_free(&rs);
	char *paise = t_db_value(DB, "SELECT base_price::text FROM products WHERE id = $1", p.id,
	    NULL);
	T_EQ_STR(paise, "150010");
	free(paise);
	/* A numeric string is read the same way; whole numbers get two places. */
	t_post_json(&rs, "/products", admin, "{\"name\":\"String price\",\"basePrice\":\"0.29\"}");
	if (T_STATUS(&rs, 201))
		T_JSON_EQ(&rs, "basePrice", "0.29");
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, "{\"name\":\"Whole price\",\"basePrice\":42}");
	if (T_STATUS(&rs, 201))
		T_JSON_EQ(&rs, "basePrice", "42.00");
	t_resp_free(&rs);
	prod_free(&p);
}

static void
products_create_bad_input_400(void)
{
	char w[64], name[96];
	word(w, sizeof w, "badin");
	snprintf(name, sizeof name, "Bad %s", w);
	static const struct { const char *body, *mention; } bad[] = {
		{ "{\"basePrice\":10}", "name" },
		{ "{\"name\":\"\",\"basePrice\":10}", "name" },
		{ "{\"name\":\"   \",\"basePrice\":10}", "name" },
		{ "{\"name\":null,\"basePrice\":10}", "name" },
		{ "{\"name\":5,\"basePrice\":10}", "name" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"categoryId\":\"" GHOST "\"}", "categoryId" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"categoryId\":\"nope\"}", "categoryId" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"id\":\"" GHOST "\"}", "id" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"createdAt\":\"2024-01-01T00:00:00Z\"}",
		  "createdAt" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"isDeleted\":false}", "isDeleted" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"isActive\":\"yes\"}", "isActive" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"currency\":\"USD\"}", "currency" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"stock\":-1}", "stock" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":[{\"stock\":-1}]}",
		  "variants[0].stock" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":[{\"stock\":1},{\"stock\":1.5}]}",
		  "variants[1].stock" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":[{\"stock\":\"3\"}]}",
		  "variants[0].stock" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":[{\"id\":\"" GHOST "\"}]}",
		  "variants[0].id" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":[{\"color\":\"red\"}]}",
		  "variants[0].color" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":[{\"optionValues\":"
		  "[{\"optionName\":\"Color\"}]}]}", "variants[0].optionValues[0].value" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"variants\":{}}", "variants" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"images\":[{\"id\":\"" GHOST "\","
		  "\"url\":\"https://example.com/a.jpg\"}]}", "images[0].id" },
		{ "{\"name\":\"@N\",\"basePrice\":10,\"images\":[{\"url\":\"https://e.com/a\","
		  "\"isPrimary\":\"yes\"}]}", "images[0].isPrimary" },
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		/* "@N" stands for this case's product name. */
		char body[1024];
		const char *at = strstr(bad[i].body, "@N");
		if (at != NULL)
			snprintf(body, sizeof body, "%.*s%s%s", (int)(at - bad[i].body), bad[i].body,
			    name, at + 2);
		else
			snprintf(body, sizeof body, "%s", bad[i].body);
		t_post_json(&rs, "/products", admin, body);
		if (!T_ERROR(&rs, 400, bad[i].mention))
			printf("    (body %s)\n", body);
		t_resp_free(&rs);
	}
	T_EQ_INT(products_named(name), 0);
	/* Malformed JSON, a body that is not an object, no body, wrong type. */
	const char *json = fmt("{\"name\":\"%s\",\"basePrice\":10", name);
	t_post_json(&rs, "/products", admin, json);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, "[1,2]");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, "{\"name\":\"a\",\"basePrice\":10,}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	json = fmt("{\"name\":\"%s\",\"basePrice\":10}", name);
	t_http(&rs, "POST", "/products", admin, "text/plain", json, strlen(json), (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	t_http(&rs, "POST", "/products", admin, "application/x-www-form-urlencoded",
	    "name=x&basePrice=10", 19, (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	t_http(&rs, "POST", "/products", admin, NULL, json, strlen(json), (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	T_EQ_INT(products_named(name), 0);
}

static void
products_write_non_admin_401_403(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ""));
	write_refused("POST", "/products", "{\"name\":\"Refused product\",\"basePrice\":10}");
	write_refused("PATCH", fmt("/products/%s", p.id), "{\"name\":\"Refused product\"}");
	write_refused("DELETE", fmt("/products/%s", p.id), NULL);
	/* The auth checks come before the body: a bad body from a customer is 403. */
	struct resp rs;
	t_post_json(&rs, "/products", customer, "{\"nonsense\":true}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* Expired and wrongly signed admin tokens are 401. */
	char *old = t_mint("00000000-0000-4000-8000-000000000001", "a@example.com", ROLE_ADMIN,
	    TOKEN_ACCESS, 60, 3600, NULL);
	char *forged = t_mint("00000000-0000-4000-8000-000000000001", "a@example.com", ROLE_ADMIN,
	    TOKEN_ACCESS, 3600, 0, "another-secret-another-secret-another-secret");
	t_post_json(&rs, "/products", old, "{\"name\":\"Refused product\",\"basePrice\":10}");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_post_json(&rs, "/products", forged, "{\"name\":\"Refused product\",\"basePrice\":10}");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(old);
	free(forged);
	T_EQ_INT(products_named("Refused product"), 0);
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "name"), p.name);
	t_resp_free(&rs);
	prod_free(&p);
}

static void
variants_negative_stock_400(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":4"));
	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":-1}]}", p.variant));
	T_ERROR(&rs, 400, "variants[0].stock");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":2.5}]}", p.variant));
	T_ERROR(&rs, 400, "variants[0].stock");
	t_resp_free(&rs);
	T_EQ_INT(t_stock(p.variant), 4);
	/* The database enforces it as well. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM pg_constraint WHERE conrelid = "
	    "'variants'::regclass AND contype = 'c' AND "
	    "pg_get_constraintdef(oid) LIKE '%stock >= 0%'", NULL), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE stock < 0", NULL), 0);
	/* Stock 0 is fine. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":0}]}", p.variant));
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "variants.0.stock", "0");
	t_resp_free(&rs);
	prod_free(&p);
}

static void
variants_sku_unique_409(void)
{
	char w[64];
	word(w, sizeof w, "sku");
	struct prod a, b;
	T_REQUIRE(mkprod(&a, NULL, "10.00", fmt(",\"variants\":[{\"sku\":\"%s\",\"stock\":1}]", w)));
	T_REQUIRE(mkprod(&b, NULL, "10.00", ""));
	struct resp rs;
	/* Adding or renaming a variant to a SKU in use. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", b.id), admin,
	    fmt("{\"variants\":[{\"sku\":\"%s\",\"stock\":1}]}", w));
	T_ERROR(&rs, 409, "sku");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", b.id), admin,
	    fmt("{\"name\":\"Should not stick\",\"variants\":[{\"id\":\"%s\",\"sku\":\"%s\"}]}",
	        b.variant, w));
	T_ERROR(&rs, 409, "sku");
	t_resp_free(&rs);
	/* The failed PATCH changed nothing (not even the name). */
	get_product(&rs, b.id, admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), b.name);
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
	}
	t_resp_free(&rs);
	/* Once a's variant is removed, its SKU is free again. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", a.id), admin,
	    fmt("{\"variants\":[{\"sku\":\"%s-2\"}],\"removeVariantIds\":[\"%s\"]}", w, a.variant));
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", b.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"sku\":\"%s\"}]}", b.variant, w));
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "variants.0.sku"), w);
	t_resp_free(&rs);
	prod_free(&a);
	prod_free(&b);
}

static const struct t_case cases[] = {
	T_CASE(products_create_nested_variants_and_images),
	T_CASE(products_create_default_variant),
	T_CASE(products_create_duplicate_sku_rolls_back),
	T_CASE(products_create_bad_image_rolls_back),
	T_CASE(products_create_two_primary_images_400),
	T_CASE(products_create_bad_base_price_400),
	T_CASE(products_create_base_price_exact),
	T_CASE(products_create_bad_input_400),
	T_CASE(products_write_non_admin_401_403),
	T_CASE(variants_negative_stock_400),
	T_CASE(variants_sku_unique_409),
};

const struct t_suite product_create_suite = T_SUITE("create", cases);
