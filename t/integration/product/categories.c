/* it_product: categories: every role reads them, only an admin writes;
 * slugs derived and unique, the refused inputs, delete with products 409. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
categories_list_and_get_every_role(void)
{
	char w[64];
	word(w, sizeof w, "cat");
	char *slug = NULL;
	char *id = cat_post(fmt("{\"name\":\"Listed %s\",\"description\":\"all of them\"}", w),
	    &slug);
	T_REQUIRE(id != NULL);
	struct resp rs;
	for (size_t i = 0; i < NROLES; i++) {
		t_get(&rs, "/categories", ROLE_TOK(i));
		if (T_STATUS(&rs, 200)) {
			T_ASSERT(json_object_is_type(rs.json, json_type_array));
			T_ASSERT(strstr(rs.body, id) != NULL);
		}
		t_resp_free(&rs);
		t_get(&rs, fmt("/categories/%s", id), ROLE_TOK(i));
		if (T_STATUS(&rs, 200)) {
			T_EQ_STR(t_jstr(rs.json, "id"), id);
			T_EQ_STR(t_jstr(rs.json, "name"), fmt("Listed %s", w));
			T_EQ_STR(t_jstr(rs.json, "slug"), slug);
			T_EQ_STR(t_jstr(rs.json, "description"), "all of them");
		}
		t_resp_free(&rs);
	}
	t_get(&rs, "/categories/" GHOST, NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/categories/not-a-uuid", NULL);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	free(id);
	free(slug);
}

static void
categories_write_non_admin_401_403(void)
{
	char *id = cat_new();
	T_REQUIRE(id != NULL);
	write_refused("POST", "/categories", "{\"name\":\"Nope\"}");
	write_refused("PATCH", fmt("/categories/%s", id), "{\"name\":\"Nope\"}");
	write_refused("DELETE", fmt("/categories/%s", id), NULL);
	/* Still there, unchanged. */
	struct resp rs;
	t_get(&rs, fmt("/categories/%s", id), NULL);
	if (T_STATUS(&rs, 200))
		T_ASSERT(strcmp(t_jstr(rs.json, "name") ? t_jstr(rs.json, "name") : "", "Nope") != 0);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM categories WHERE name = 'Nope'", NULL), 0);
	free(id);
}

static void
categories_slug_derived_from_name(void)
{
	char w[64], name[128];
	word(w, sizeof w, "");
	snprintf(name, sizeof name, "  Men's Summer  Shirts & Tops %s!  ", w);
	char *s1 = NULL, *s2 = NULL;
	char *c1 = cat_post(fmt("{\"name\":\"%s\"}", name), &s1);
	T_REQUIRE(c1 != NULL && s1 != NULL);
	T_EQ_STR(s1, fmt("men-s-summer-shirts-tops-%s", w));
	/* The same name again: created, with another slug of the same form. */
	char *c2 = cat_post(fmt("{\"name\":\"%s\"}", name), &s2);
	T_REQUIRE(c2 != NULL && s2 != NULL);
	T_ASSERT(strcmp(s1, s2) != 0);
	T_ASSERT(strncmp(s2, s1, strlen(s1)) == 0 && s2[strlen(s1)] == '-');
	bool ok = s2[0] != '\0';
	for (const char *p = s2; *p; p++)
		ok &= (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    (*p == '-' && p[1] != '-' && p[1] != '\0');
	t_check(ok, __FILE__, __LINE__, "derived slug \"%s\" is not a valid slug", s2);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM categories WHERE slug IN ($1, $2)", s1, s2,
	    NULL), 2);
	free(c1);
	free(c2);
	free(s1);
	free(s2);
}

static void
categories_slug_duplicate_409(void)
{
	char w[64];
	word(w, sizeof w, "slug");
	char *a = cat_post(fmt("{\"name\":\"First\",\"slug\":\"%s\"}", w), NULL);
	T_REQUIRE(a != NULL);
	struct resp rs;
	t_post_json(&rs, "/categories", admin, fmt("{\"name\":\"Second\",\"slug\":\"%s\"}", w));
	T_ERROR(&rs, 409, "slug");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM categories WHERE slug = $1", w, NULL), 1);
	/* Renaming another category's slug to a taken one is a conflict too. */
	char *b = cat_new();
	T_REQUIRE(b != NULL);
	t_send_json(&rs, "PATCH", fmt("/categories/%s", b), admin, fmt("{\"slug\":\"%s\"}", w));
	T_ERROR(&rs, 409, "slug");
	t_resp_free(&rs);
	free(a);
	free(b);
}

static void
categories_create_bad_slug_400(void)
{
	static const char *const bad[] = { "Bad Slug", "UPPER", "a--b", "-a", "a-", "a_b",
		"caf\\u00e9", "" };
	char *id = cat_new();
	T_REQUIRE(id != NULL);
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, "/categories", admin,
		    fmt("{\"name\":\"Bad slug\",\"slug\":\"%s\"}", bad[i]));
		if (!T_ERROR(&rs, 400, "slug"))
			printf("    (slug \"%s\")\n", bad[i]);
		t_resp_free(&rs);
		t_send_json(&rs, "PATCH", fmt("/categories/%s", id), admin,
		    fmt("{\"slug\":\"%s\"}", bad[i]));
		if (!T_ERROR(&rs, 400, "slug"))
			printf("    (PATCH slug \"%s\")\n", bad[i]);
		t_resp_free(&rs);
	}
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM categories WHERE name = 'Bad slug'", NULL),
	    0);
	free(id);
}

static void
categories_create_bad_input_400(void)
{
	struct resp rs;
	t_post_json(&rs, "/categories", admin, "{\"description\":\"no name\"}");
	T_ERROR(&rs, 400, "name");
	t_resp_free(&rs);
	t_post_json(&rs, "/categories", admin, "{\"name\":\"   \"}");
	T_ERROR(&rs, 400, "name");
	t_resp_free(&rs);
	t_post_json(&rs, "/categories", admin, "{\"name\":42}");
	T_ERROR(&rs, 400, "name");
	t_resp_free(&rs);
	t_post_json(&rs, "/categories", admin, "{\"name\":\"X\",\"id\":\"" GHOST "\"}");
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	t_post_json(&rs, "/categories", admin, "{\"name\":\"X\",\"createdAt\":\"2020-01-01\"}");
	T_ERROR(&rs, 400, "createdAt");
	t_resp_free(&rs);
	t_post_json(&rs, "/categories", admin, "{\"name\":\"X\"");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	const char *body = "{\"name\":\"X\"}";
	t_http(&rs, "POST", "/categories", admin, "text/plain", body, strlen(body), (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
}

static void
categories_update_admin_200(void)
{
	char *id = cat_new();
	T_REQUIRE(id != NULL);
	char w[64];
	word(w, sizeof w, "renamed");
	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/categories/%s", id), admin,
	    fmt("{\"name\":\"%s\",\"description\":\"new text\"}", w));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), w);
		T_EQ_STR(t_jstr(rs.json, "description"), "new text");
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/categories/%s", id), NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "name"), w);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", "/categories/" GHOST, admin, "{\"name\":\"ghost\"}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/categories/%s", id), admin, "{\"isDeleted\":true}");
	T_ERROR(&rs, 400, "isDeleted");
	t_resp_free(&rs);
	free(id);
}

static void
categories_delete_with_products_409_then_ok(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod a, b;
	T_REQUIRE(mkprod(&a, cat, "10.00", ""));
	T_REQUIRE(mkprod(&b, cat, "11.00", ",\"isActive\":false"));
	struct resp rs;
	del(&rs, fmt("/categories/%s", cat), admin);
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	/* One product deleted: the inactive one still holds the category. */
	del(&rs, fmt("/products/%s", a.id), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	del(&rs, fmt("/categories/%s", cat), admin);
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	del(&rs, fmt("/products/%s", b.id), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* Only deleted products are left: the category can go. */
	del(&rs, fmt("/categories/%s", cat), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_get(&rs, fmt("/categories/%s", cat), NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	del(&rs, fmt("/categories/%s", cat), admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	/* The deleted products' rows are still there. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM products WHERE id IN ($1, $2) AND "
	    "deleted_at IS NOT NULL", a.id, b.id, NULL), 2);
	/* An empty category is simply deleted. */
	char *empty = cat_new();
	T_REQUIRE(empty != NULL);
	del(&rs, fmt("/categories/%s", empty), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	prod_free(&a);
	prod_free(&b);
	free(cat);
	free(empty);
}

static const struct t_case cases[] = {
	T_CASE(categories_list_and_get_every_role),
	T_CASE(categories_write_non_admin_401_403),
	T_CASE(categories_slug_derived_from_name),
	T_CASE(categories_slug_duplicate_409),
	T_CASE(categories_create_bad_slug_400),
	T_CASE(categories_create_bad_input_400),
	T_CASE(categories_update_admin_200),
	T_CASE(categories_delete_with_products_409_then_ok),
};

const struct t_suite product_categories_suite = T_SUITE("categories", cases);
