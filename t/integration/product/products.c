/* it_product: reading products: the list's shape, defaults, paging, sort
 * orders and text search, one product by id and by slug, inactive products
 * hidden from everyone but an admin. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
products_list_shape_and_defaults(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p;
	T_REQUIRE(mkprod(&p, cat, "1000.00",
	    ",\"images\":[{\"url\":\"https://example.com/a.jpg\",\"isPrimary\":true}]"));
	struct resp rs;
	for (size_t i = 0; i < NROLES; i++) {
		t_get(&rs, fmt("/products?categoryId=%s", cat), ROLE_TOK(i));
		if (T_STATUS(&rs, 200)) {
			/* {data,total,skip,take} exactly. */
			T_EQ_INT(json_object_object_length(rs.json), 4);
			T_ASSERT(json_object_is_type(t_jget(rs.json, "data"), json_type_array));
			T_JSON_EQ(&rs, "total", "1");
			T_JSON_EQ(&rs, "skip", "0");
			T_JSON_EQ(&rs, "take", "10");
			T_EQ_STR(t_jstr(rs.json, "data.0.id"), p.id);
			T_EQ_STR(t_jstr(rs.json, "data.0.name"), p.name);
			T_EQ_STR(t_jstr(rs.json, "data.0.slug"), p.slug);
			T_JSON_EQ(&rs, "data.0.basePrice", "1000.00");
			T_JSON_EQ(&rs, "data.0.isActive", "true");
			T_EQ_STR(t_jstr(rs.json, "data.0.category.id"), cat);
			T_ASSERT(t_jstr(rs.json, "data.0.category.name") != NULL);
			T_EQ_INT(t_jlen(rs.json, "data.0.variants"), 1);
			T_EQ_STR(t_jstr(rs.json, "data.0.variants.0.id"), p.variant);
			T_EQ_INT(t_jlen(rs.json, "data.0.images"), 1);
			T_EQ_STR(t_jstr(rs.json, "data.0.images.0.url"), "https://example.com/a.jpg");
		}
		t_resp_free(&rs);
	}
	/* The unfiltered list has the same shape. */
	t_get(&rs, "/products", NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(json_object_object_length(rs.json), 4);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 1);
		T_ASSERT(t_jlen(rs.json, "data") >= 1 && t_jlen(rs.json, "data") <= 10);
		T_JSON_EQ(&rs, "take", "10");
	}
	t_resp_free(&rs);
	prod_free(&p);
	free(cat);
}

static void
products_list_paging(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p[3];
	for (int i = 0; i < 3; i++)
		T_REQUIRE(mkprod(&p[i], cat, "5.00", ""));
	struct resp rs;
	t_get(&rs, fmt("/products?categoryId=%s&take=2", cat), NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 2);
		T_JSON_EQ(&rs, "total", "3");
		T_JSON_EQ(&rs, "take", "2");
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), p[2].id);  /* newest first */
		T_EQ_STR(t_jstr(rs.json, "data.1.id"), p[1].id);
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&take=2&skip=2", cat), NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), p[0].id);
		T_JSON_EQ(&rs, "total", "3");
		T_JSON_EQ(&rs, "skip", "2");
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&skip=50&take=100", cat), NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_JSON_EQ(&rs, "total", "3");
		T_JSON_EQ(&rs, "take", "100");
	}
	t_resp_free(&rs);
	/* A category nobody uses: an empty page. */
	t_get(&rs, "/products?categoryId=" GHOST, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_JSON_EQ(&rs, "total", "0");
	}
	t_resp_free(&rs);
	for (int i = 0; i < 3; i++)
		prod_free(&p[i]);
	free(cat);
}

static void
products_list_bad_query_400(void)
{
	static const struct { const char *q, *mention; } bad[] = {
		{ "take=101", "take" }, { "take=0", "take" }, { "take=-1", "take" },
		{ "skip=-1", "skip" }, { "take=abc", "take" }, { "skip=abc", "skip" },
		{ "take=1.5", "take" }, { "take=10abc", "take" },
		{ "categoryId=not-a-uuid", "categoryId" }, { "isActive=maybe", "isActive" },
		{ "sort=cheapest", "sort" }, { "sort=PRICE_ASC", "sort" },
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		for (int r = 0; r < 2; r++) {
			t_get(&rs, fmt("/products?%s", bad[i].q), r ? admin : NULL);
			T_ERROR(&rs, 400, bad[i].mention);
			t_resp_free(&rs);
		}
	}
	t_get(&rs, "/products?take=100", NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
products_get_by_id_and_slug(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "12.34", ",\"description\":\"plain\""));
	struct resp rs;
	for (size_t i = 0; i < NROLES; i++) {
		get_product(&rs, p.id, ROLE_TOK(i));
		if (T_STATUS(&rs, 200)) {
			T_EQ_STR(t_jstr(rs.json, "id"), p.id);
			T_EQ_STR(t_jstr(rs.json, "description"), "plain");
			T_JSON_EQ(&rs, "basePrice", "12.34");
			T_JSON_EQ(&rs, "category", "null");
			T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		}
		t_resp_free(&rs);
		t_get(&rs, fmt("/products/slug/%s", p.slug), ROLE_TOK(i));
		if (T_STATUS(&rs, 200))
			T_EQ_STR(t_jstr(rs.json, "id"), p.id);
		t_resp_free(&rs);
	}
	get_product(&rs, GHOST, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/products/not-a-uuid", NULL);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	t_get(&rs, "/products/slug/no-such-product-zzzz", NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	prod_free(&p);
}

/* A product's slug, derived from a long name, reaches the product; a second
 * product with the same name gets a slug of its own that does too. */
static void
products_slug_derived_long_name_reachable(void)
{
	char w[64], name[256];
	word(w, sizeof w, "long");
	snprintf(name, sizeof name, "%s %s", w,
	    "abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij "
	    "abcdefghij abcdefghij abcdefghij");
	char *slugs[2] = { NULL, NULL }, *ids[2] = { NULL, NULL };
	struct resp rs;
	for (int i = 0; i < 2; i++) {
		t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":1}", name));
		if (T_STATUS(&rs, 201)) {
			ids[i] = xdup(t_jstr(rs.json, "id"));
			slugs[i] = xdup(t_jstr(rs.json, "slug"));
		}
		t_resp_free(&rs);
	}
	T_REQUIRE(ids[0] && ids[1] && slugs[0] && slugs[1]);
	T_ASSERT(strcmp(slugs[0], slugs[1]) != 0);
	for (int i = 0; i < 2; i++) {
		t_get(&rs, fmt("/products/slug/%s", slugs[i]), NULL);
		if (!T_STATUS(&rs, 200))
			printf("    the slug is %zu characters: %s\n", strlen(slugs[i]), slugs[i]);
		else
			T_EQ_STR(t_jstr(rs.json, "id"), ids[i]);
		t_resp_free(&rs);
	}
	for (int i = 0; i < 2; i++) {
		free(slugs[i]);
		free(ids[i]);
	}
}

static void
products_slug_explicit_duplicate_409(void)
{
	char w[64];
	word(w, sizeof w, "pslug");
	struct resp rs;
	t_post_json(&rs, "/products", admin,
	    fmt("{\"name\":\"One %s\",\"basePrice\":1,\"slug\":\"%s\"}", w, w));
	T_REQUIRE(T_STATUS(&rs, 201));
	char *id = xdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin,
	    fmt("{\"name\":\"Two %s\",\"basePrice\":1,\"slug\":\"%s\"}", w, w));
	T_ERROR(&rs, 409, "slug");
	t_resp_free(&rs);
	T_EQ_INT(products_named(fmt("Two %s", w)), 0);
	t_post_json(&rs, "/products", admin,
	    fmt("{\"name\":\"Three %s\",\"basePrice\":1,\"slug\":\"Not A Slug\"}", w));
	T_ERROR(&rs, 400, "slug");
	t_resp_free(&rs);
	/* A deleted product frees its slug. */
	del(&rs, fmt("/products/%s", id), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin,
	    fmt("{\"name\":\"Four %s\",\"basePrice\":1,\"slug\":\"%s\"}", w, w));
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products/slug/%s", w), NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "name"), fmt("Four %s", w));
	t_resp_free(&rs);
	free(id);
}

/* The ids of data[] in order, as "a,b,c". */
static const char *
ids_of(struct resp *rs)
{
	static char out[1024];
	out[0] = '\0';
	for (size_t i = 0; i < t_jlen(rs->json, "data"); i++) {
		const char *id = t_jstr(rs->json, fmt("data.%zu.id", i));
		if (i > 0)
			strncat(out, ",", sizeof out - strlen(out) - 1);
		strncat(out, id ? id : "?", sizeof out - strlen(out) - 1);
	}
	return out;
}

static void
products_list_sort_orders(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod a, b, c;
	T_REQUIRE(mkprod(&a, cat, "20.00", ""));
	T_REQUIRE(mkprod(&b, cat, "5.00", ""));
	T_REQUIRE(mkprod(&c, cat, "12.50", ""));
	char want[512];
	struct resp rs;
	t_get(&rs, fmt("/products?categoryId=%s", cat), NULL);
	snprintf(want, sizeof want, "%s,%s,%s", c.id, b.id, a.id);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), want);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&sort=newest", cat), NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), want);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&sort=price_asc", cat), NULL);
	snprintf(want, sizeof want, "%s,%s,%s", b.id, c.id, a.id);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), want);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&sort=price_desc", cat), NULL);
	snprintf(want, sizeof want, "%s,%s,%s", a.id, c.id, b.id);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), want);
	t_resp_free(&rs);
	/* Paging follows the order. */
	t_get(&rs, fmt("/products?categoryId=%s&sort=price_asc&skip=1&take=1", cat), NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), c.id);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&sort=random", cat), NULL);
	T_ERROR(&rs, 400, "sort");
	t_resp_free(&rs);
	prod_free(&a);
	prod_free(&b);
	prod_free(&c);
	free(cat);
}

static void
products_list_text_search(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	char w1[64], w2[64];
	word(w1, sizeof w1, "zqname");
	word(w2, sizeof w2, "zqdesc");
	struct resp rs;
	/* w1 in one name, w2 in another's description; a third has neither. */
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"Cotton %s shirt\",\"basePrice\":30,"
	    "\"categoryId\":\"%s\"}", w1, cat));
	T_REQUIRE(T_STATUS(&rs, 201));
	char *p1 = xdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"Linen trousers\",\"basePrice\":10,"
	    "\"description\":\"soft %s fabric\",\"categoryId\":\"%s\"}", w2, cat));
	T_REQUIRE(T_STATUS(&rs, 201));
	char *p2 = xdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	struct prod p3;
	T_REQUIRE(mkprod(&p3, cat, "20.00", ""));

	t_get(&rs, fmt("/products?q=%s", w1), NULL);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "1");
		T_EQ_STR(ids_of(&rs), p1);
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s", w2), customer);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "1");
		T_EQ_STR(ids_of(&rs), p2);
	}
	t_resp_free(&rs);
	/* Case does not matter; filters and sort combine with q. */
	char upper[64];
	snprintf(upper, sizeof upper, "%s", w1);
	for (char *x = upper; *x; x++)
		*x = (char)(*x - 'a' + 'A');
	t_get(&rs, fmt("/products?q=%s&categoryId=%s", upper, cat), NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), p1);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s&categoryId=" GHOST, w1), NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "total", "0");
	t_resp_free(&rs);
	/* Two words: both must match (none does here). */
	t_get(&rs, fmt("/products?q=%s+%s", w1, w2), NULL);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "0");
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=zzzznothingmatches%s", w1), NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "total", "0");
	t_resp_free(&rs);
	/* Search with sort: "cotton" matches p1 only among ours, so sort with
	 * the category filter and a word every product of it carries. */
	t_get(&rs, fmt("/products?q=%s&sort=price_desc&categoryId=%s", w2, cat), NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), p2);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s&sort=bad", w1), NULL);
	T_ERROR(&rs, 400, "sort");
	t_resp_free(&rs);
	/* A deleted product is not found by search. */
	del(&rs, fmt("/products/%s", p1), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s", w1), admin);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "total", "0");
	t_resp_free(&rs);
	free(p1);
	free(p2);
	prod_free(&p3);
	free(cat);
}

static void
products_list_search_sorted(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	char w[64];
	word(w, sizeof w, "zqsort");
	const char *prices[3] = { "7.00", "3.00", "9.00" };
	char *ids[3] = { NULL, NULL, NULL };
	struct resp rs;
	for (int i = 0; i < 3; i++) {
		t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s item %d\",\"basePrice\":%s,"
		    "\"categoryId\":\"%s\"}", w, i, prices[i], cat));
		if (T_STATUS(&rs, 201))
			ids[i] = xdup(t_jstr(rs.json, "id"));
		t_resp_free(&rs);
	}
	T_REQUIRE(ids[0] && ids[1] && ids[2]);
	char want[512];
	t_get(&rs, fmt("/products?q=%s&sort=price_asc", w), NULL);
	snprintf(want, sizeof want, "%s,%s,%s", ids[1], ids[0], ids[2]);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(ids_of(&rs), want);
		T_JSON_EQ(&rs, "total", "3");
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s&sort=price_desc", w), NULL);
	snprintf(want, sizeof want, "%s,%s,%s", ids[2], ids[0], ids[1]);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), want);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s", w), NULL);
	snprintf(want, sizeof want, "%s,%s,%s", ids[2], ids[1], ids[0]);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(ids_of(&rs), want);
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s&take=1&skip=1&sort=price_asc", w), NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(ids_of(&rs), ids[0]);
		T_JSON_EQ(&rs, "total", "3");
	}
	t_resp_free(&rs);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
	free(cat);
}

static void
products_inactive_hidden_from_non_admins(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod on, off;
	T_REQUIRE(mkprod(&on, cat, "10.00", ""));
	T_REQUIRE(mkprod(&off, cat, "10.00", ",\"isActive\":false"));
	struct resp rs;
	for (size_t i = 0; i < NROLES; i++) {
		bool adm = roles[i].tok == &admin;
		get_product(&rs, off.id, ROLE_TOK(i));
		if (adm) {
			if (T_STATUS(&rs, 200))
				T_JSON_EQ(&rs, "isActive", "false");
		} else if (!T_ERROR(&rs, 404, NULL)) {
			printf("    (as %s)\n", roles[i].name);
		}
		t_resp_free(&rs);
		t_get(&rs, fmt("/products/slug/%s", off.slug), ROLE_TOK(i));
		if (adm)
			T_STATUS(&rs, 200);
		else
			T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
		/* Lists: a non-admin sees active products only, whatever isActive says. */
		static const char *const filters[] = { "", "&isActive=true", "&isActive=false" };
		for (int f = 0; f < 3; f++) {
			t_get(&rs, fmt("/products?categoryId=%s%s", cat, filters[f]), ROLE_TOK(i));
			if (!T_STATUS(&rs, 200)) {
				t_resp_free(&rs);
				continue;
			}
			char want[128];
			if (adm && f == 0)
				snprintf(want, sizeof want, "%s,%s", off.id, on.id);
			else
				snprintf(want, sizeof want, "%s", !adm || f == 1 ? on.id : off.id);
			if (!T_EQ_STR(ids_of(&rs), want))
				printf("    (as %s, filter \"%s\")\n", roles[i].name, filters[f]);
			T_JSON_EQ(&rs, "total", !adm || f != 0 ? "1" : "2");
			t_resp_free(&rs);
		}
	}
	/* Activated again: everyone sees it. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", off.id), admin, "{\"isActive\":true}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	get_product(&rs, off.id, NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	prod_free(&on);
	prod_free(&off);
	free(cat);
}

static const struct t_case cases[] = {
	T_CASE(products_list_shape_and_defaults),
	T_CASE(products_list_paging),
	T_CASE(products_list_bad_query_400),
	T_CASE(products_get_by_id_and_slug),
	T_CASE(products_slug_derived_long_name_reachable),
	T_CASE(products_slug_explicit_duplicate_409),
	T_CASE(products_list_sort_orders),
	T_CASE(products_list_text_search),
	T_CASE(products_list_search_sorted),
	T_CASE(products_inactive_hidden_from_non_admins),
};

const struct t_suite product_products_suite = T_SUITE("products", cases);
