/* it_product: PATCH /products/:id (name, base price and the default
 * variant, variants and images added, changed and removed, the refused
 * inputs) and DELETE (soft). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
products_patch_name_only(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p;
	T_REQUIRE(mkprod(&p, cat, "250.00", ",\"description\":\"keep me\",\"variants\":"
	    "[{\"price\":260.00,\"stock\":3}],\"images\":[{\"url\":\"https://example.com/k.jpg\","
	    "\"isPrimary\":true}]"));
	struct resp before, rs;
	get_product(&before, p.id, admin);
	T_REQUIRE(T_STATUS(&before, 200));
	char w[64];
	word(w, sizeof w, "renamed");
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, fmt("{\"name\":\"%s\"}", w));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), w);
		static const char *const same[] = { "slug", "description", "basePrice", "categoryId",
			"isActive", "currency", "variants", "images", "createdAt" };
		for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
			if (!T_EQ_STR(t_jtext(rs.json, same[i]), t_jtext(before.json, same[i])))
				printf("    (%s changed)\n", same[i]);
	}
	t_resp_free(&rs);
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), w);
		T_JSON_EQ(&rs, "basePrice", "250.00");
		T_EQ_STR(t_jstr(rs.json, "description"), "keep me");
	}
	t_resp_free(&rs);
	/* An empty PATCH changes nothing and is fine. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{}");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "name"), w);
	t_resp_free(&rs);
	t_resp_free(&before);
	prod_free(&p);
	free(cat);
}

static void
products_patch_base_price_moves_default_variant(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "100.00", ",\"stock\":5"));
	struct resp rs;
	/* A second variant with a price of its own keeps it. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    "{\"variants\":[{\"price\":300.00,\"stock\":1}]}");
	T_REQUIRE(T_STATUS(&rs, 200));
	const char *v2 = t_jstr(rs.json, "variants.1.id");
	char *own = xdup(v2);
	t_resp_free(&rs);
	T_REQUIRE(own != NULL);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"basePrice\":250.50}");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "basePrice", "250.50");
		T_EQ_STR(t_jstr(rs.json, "variants.0.id"), p.variant);
		T_JSON_EQ(&rs, "variants.0.price", "250.50");
		T_JSON_EQ(&rs, "variants.0.stock", "5");
		T_EQ_STR(t_jstr(rs.json, "variants.1.id"), own);
		T_JSON_EQ(&rs, "variants.1.price", "300.00");
	}
	t_resp_free(&rs);
	/* Orders price from the internal lookup: it follows too. */
	t_post_json(&rs, iurl("/internal/product/lookup"), NULL,
	    fmt("{\"items\":[{\"productId\":\"%s\",\"variantId\":null}]}", p.id));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), p.variant);
		T_JSON_EQ(&rs, "items.0.basePrice", "250.50");
		T_JSON_EQ(&rs, "items.0.price", "250.50");
	}
	t_resp_free(&rs);
	/* Bad prices in a PATCH are refused and change nothing. */
	static const char *const bad[] = { "0", "-5", "1.001", "\"x\"", "2e2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
		    fmt("{\"basePrice\":%s}", bad[i]));
		T_ERROR(&rs, 400, "basePrice");
		t_resp_free(&rs);
	}
	char *paise = t_db_value(DB, "SELECT base_price::text FROM products WHERE id = $1", p.id,
	    NULL);
	T_EQ_STR(paise, "25050");
	free(paise);
	free(own);
	prod_free(&p);
}

static void
products_patch_variants_add_change_remove(void)
{
	char w[64];
	word(w, sizeof w, "var");
	struct resp rs;
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"Variants %s\",\"basePrice\":50,"
	    "\"variants\":[{\"sku\":\"%s-a\",\"stock\":1},{\"sku\":\"%s-b\",\"stock\":2}]}", w, w, w));
	T_REQUIRE(T_STATUS(&rs, 201));
	char *id = xdup(t_jstr(rs.json, "id"));
	char *va = xdup(t_jstr(rs.json, "variants.0.id"));
	char *vb = xdup(t_jstr(rs.json, "variants.1.id"));
	t_resp_free(&rs);
	T_REQUIRE(id && va && vb);
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin, fmt("{\"variants\":["
	    "{\"id\":\"%s\",\"stock\":9,\"price\":55.55,\"optionValues\":[{\"optionName\":\"Size\","
	    "\"value\":\"XL\"}]},{\"sku\":\"%s-c\",\"stock\":3,\"optionValues\":"
	    "[{\"optionName\":\"Size\",\"value\":\"S\"}]}],\"removeVariantIds\":[\"%s\"]}",
	    va, w, vb));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 2);
		T_EQ_STR(t_jstr(rs.json, "variants.0.id"), va);
		T_EQ_STR(t_jstr(rs.json, "variants.0.sku"), fmt("%s-a", w));
		T_JSON_EQ(&rs, "variants.0.stock", "9");
		T_JSON_EQ(&rs, "variants.0.price", "55.55");
		T_EQ_STR(t_jstr(rs.json, "variants.0.optionValues.0.value"), "XL");
		T_EQ_STR(t_jstr(rs.json, "variants.1.sku"), fmt("%s-c", w));
		T_JSON_EQ(&rs, "variants.1.stock", "3");
		T_JSON_EQ(&rs, "variants.1.price", "50.00");
		T_EQ_STR(t_jstr(rs.json, "variants.1.optionValues.0.value"), "S");
		T_ASSERT(strstr(rs.body, vb) == NULL);
	}
	t_resp_free(&rs);
	/* The removed variant's row stays (orders may name it), not reservable. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE id = $1 AND deleted_at IS "
	    "NOT NULL", vb, NULL), 1);
	char *order = uuid();
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":1}]", vb));
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	free(order);
	/* Removing it again: not a variant of this product any more. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"removeVariantIds\":[\"%s\"]}", vb));
	T_ERROR(&rs, 400, "removeVariantIds[0]");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    "{\"removeVariantIds\":[\"not-a-uuid\"]}");
	T_ERROR(&rs, 400, "removeVariantIds[0]");
	t_resp_free(&rs);
	free(id);
	free(va);
	free(vb);
}

static void
products_patch_remove_last_variant_409(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":2"));
	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"name\":\"Should not stick\",\"removeVariantIds\":[\"%s\"]}", p.variant));
	T_ERROR(&rs, 409, "variant");
	t_resp_free(&rs);
	get_product(&rs, p.id, admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_EQ_STR(t_jstr(rs.json, "variants.0.id"), p.variant);
		T_EQ_STR(t_jstr(rs.json, "name"), p.name);
	}
	t_resp_free(&rs);
	/* Replacing it in the same PATCH is fine: one variant is left. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"stock\":1}],\"removeVariantIds\":[\"%s\"]}", p.variant));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_ASSERT(strcmp(t_jstr(rs.json, "variants.0.id") ? t_jstr(rs.json, "variants.0.id")
		    : "", p.variant) != 0);
	}
	t_resp_free(&rs);
	prod_free(&p);
}

static void
products_patch_foreign_variant_400(void)
{
	struct prod p, q;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":2"));
	T_REQUIRE(mkprod(&q, NULL, "10.00", ",\"stock\":6"));
	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":99}]}", q.variant));
	T_ERROR(&rs, 400, "variants[0].id");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"removeVariantIds\":[\"%s\"]}", q.variant));
	T_ERROR(&rs, 400, "removeVariantIds[0]");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    "{\"variants\":[{\"id\":\"" GHOST "\",\"stock\":1}]}");
	T_ERROR(&rs, 400, "variants[0].id");
	t_resp_free(&rs);
	T_EQ_INT(t_stock(q.variant), 6);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE id = $1 AND deleted_at IS "
	    "NULL AND product_id = $2", q.variant, q.id, NULL), 1);
	/* Images of another product likewise. */
	t_post_json(&rs, "/products", admin, "{\"name\":\"Image owner\",\"basePrice\":1,"
	    "\"images\":[{\"url\":\"https://example.com/o.jpg\"}]}");
	T_REQUIRE(T_STATUS(&rs, 201));
	char *img = xdup(t_jstr(rs.json, "images.0.id"));
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"images\":[{\"id\":\"%s\",\"altText\":\"mine\"}]}", img));
	T_ERROR(&rs, 400, "images[0].id");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"removeImageIds\":[\"%s\"]}", img));
	T_ERROR(&rs, 400, "removeImageIds[0]");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM images WHERE id = $1 AND alt_text IS NULL",
	    img, NULL), 1);
	free(img);
	prod_free(&p);
	prod_free(&q);
}

static void
products_patch_images_add_change_remove(void)
{
	struct resp rs;
	t_post_json(&rs, "/products", admin, "{\"name\":\"Images patch\",\"basePrice\":1,"
	    "\"images\":[{\"url\":\"https://example.com/0.jpg\",\"isPrimary\":true},"
	    "{\"url\":\"https://example.com/1.jpg\"}]}");
	T_REQUIRE(T_STATUS(&rs, 201));
	char *id = xdup(t_jstr(rs.json, "id"));
	char *i0 = xdup(t_jstr(rs.json, "images.0.id"));
	char *i1 = xdup(t_jstr(rs.json, "images.1.id"));
	t_resp_free(&rs);
	T_REQUIRE(id && i0 && i1);
	/* Change i0's text, remove i1, add a new primary image (i0 stops being it). */
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin, fmt("{\"images\":["
	    "{\"id\":\"%s\",\"altText\":\"changed\"},"
	    "{\"url\":\"https://example.com/new.jpg\",\"isPrimary\":true}],"
	    "\"removeImageIds\":[\"%s\"]}", i0, i1));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "images"), 2);
		T_EQ_STR(t_jstr(rs.json, "images.0.id"), i0);
		T_EQ_STR(t_jstr(rs.json, "images.0.altText"), "changed");
		T_JSON_EQ(&rs, "images.0.isPrimary", "false");
		T_EQ_STR(t_jstr(rs.json, "images.1.url"), "https://example.com/new.jpg");
		T_JSON_EQ(&rs, "images.1.isPrimary", "true");
		T_ASSERT(strstr(rs.body, i1) == NULL);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM images WHERE product_id = $1 AND is_primary",
	    id, NULL), 1);
	/* Reordering by position. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"images\":[{\"id\":\"%s\",\"position\":5}]}", i0));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "images.1.id"), i0);
		T_JSON_EQ(&rs, "images.1.position", "5");
	}
	t_resp_free(&rs);
	/* Bad image input in a PATCH. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    "{\"images\":[{\"url\":\"ftp://example.com/a.jpg\"}]}");
	T_ERROR(&rs, 400, "images[0].url");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    "{\"images\":[{\"url\":\"https://e.com/a\",\"isPrimary\":true},"
	    "{\"url\":\"https://e.com/b\",\"isPrimary\":true}]}");
	T_ERROR(&rs, 400, "isPrimary");
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"removeImageIds\":[\"%s\"]}", i1));
	T_ERROR(&rs, 400, "removeImageIds[0]");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM images WHERE product_id = $1", id, NULL), 2);
	free(id);
	free(i0);
	free(i1);
}

static void
products_patch_bad_input_400(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ""));
	static const struct { const char *body, *mention; } bad[] = {
		{ "{\"id\":\"" GHOST "\"}", "id" },
		{ "{\"createdAt\":\"2020-01-01\"}", "createdAt" },
		{ "{\"isDeleted\":true}", "isDeleted" },
		{ "{\"name\":\"\"}", "name" },
		{ "{\"name\":\"  \"}", "name" },
		{ "{\"categoryId\":\"" GHOST "\"}", "categoryId" },
		{ "{\"slug\":\"Not Valid\"}", "slug" },
		{ "{\"stock\":5}", "stock" },
		{ "{\"currency\":\"INR\"}", "currency" },
		{ "{\"isActive\":1}", "isActive" },
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, bad[i].body);
		if (!T_ERROR(&rs, 400, bad[i].mention))
			printf("    (body %s)\n", bad[i].body);
		t_resp_free(&rs);
	}
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"name\":");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	t_http(&rs, "PATCH", fmt("/products/%s", p.id), admin, "text/plain", "{}", 2, (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", "/products/" GHOST, admin, "{\"name\":\"ghost\"}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", "/products/not-a-uuid", admin, "{\"name\":\"ghost\"}");
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	get_product(&rs, p.id, admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), p.name);
		T_JSON_EQ(&rs, "basePrice", "10.00");
	}
	t_resp_free(&rs);
	prod_free(&p);
}

static void
products_delete_soft(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p;
	T_REQUIRE(mkprod(&p, cat, "10.00", ",\"stock\":5"));
	/* An order holds some of it before the delete. */
	char *held = uuid();
	T_EQ_INT(reserve1(held, p.variant, 2), 200);
	struct resp rs;
	del(&rs, fmt("/products/%s", p.id), admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), p.id);
		T_JSON_EQ(&rs, "deleted", "true");
	}
	t_resp_free(&rs);
	for (size_t i = 0; i < NROLES; i++) {
		get_product(&rs, p.id, ROLE_TOK(i));
		if (!T_ERROR(&rs, 404, NULL))
			printf("    (as %s)\n", roles[i].name);
		t_resp_free(&rs);
		t_get(&rs, fmt("/products/slug/%s", p.slug), ROLE_TOK(i));
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
		for (int f = 0; f < 2; f++) {
			t_get(&rs, fmt("/products?categoryId=%s%s", cat, f ? "&isActive=false" : ""),
			    ROLE_TOK(i));
			if (T_STATUS(&rs, 200)) {
				T_JSON_EQ(&rs, "total", "0");
				T_EQ_INT(t_jlen(rs.json, "data"), 0);
			}
			t_resp_free(&rs);
		}
	}
	/* Not reservable, not found by the lookup, no variants. */
	char *order = uuid();
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":1}]", p.variant));
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_post_json(&rs, iurl("/internal/product/lookup"), NULL,
	    fmt("{\"items\":[{\"productId\":\"%s\",\"variantId\":null}]}", p.id));
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "items.0.found", "false");
	t_resp_free(&rs);
	t_get(&rs, iurl(fmt("/internal/product/products/%s/variants", p.id)), NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	/* The rows are still there, so orders that name them keep working:
	 * the earlier order can still release its stock. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM products WHERE id = $1 AND deleted_at IS "
	    "NOT NULL", p.id, NULL), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE id = $1", p.variant, NULL), 1);
	release(&rs, held);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(t_stock(p.variant), 5);
	/* Deleting, changing it again: 404. */
	del(&rs, fmt("/products/%s", p.id), admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"name\":\"zombie\"}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	del(&rs, "/products/" GHOST, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	del(&rs, "/products/not-a-uuid", admin);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	free(order);
	free(held);
	prod_free(&p);
	free(cat);
}

static const struct t_case cases[] = {
	T_CASE(products_patch_name_only),
	T_CASE(products_patch_base_price_moves_default_variant),
	T_CASE(products_patch_variants_add_change_remove),
	T_CASE(products_patch_remove_last_variant_409),
	T_CASE(products_patch_foreign_variant_400),
	T_CASE(products_patch_images_add_change_remove),
	T_CASE(products_patch_bad_input_400),
	T_CASE(products_delete_soft),
};

const struct t_suite product_update_suite = T_SUITE("update", cases);
