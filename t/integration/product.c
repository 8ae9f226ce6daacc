/* The product service through the gateway: categories, products with their
 * variants and images, the visibility rules per role, the outbox events,
 * the internal API (lookup, reservations, releases), reservations under
 * concurrency, and the per-worker response cache (fcgi/product/cache.c):
 * after every kind of write, every later read from every pool worker
 * reflects it.
 *
 * Roles: anonymous (no token), CUSTOMER, RESELLER and ADMIN are minted with
 * t_mint; one CUSTOMER is registered for real.  Money is compared as the
 * exact JSON text the server wrote ("1500.10"), never as a double.  Lists
 * are read per category (a category made by the case) so that rows other
 * cases made never count. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "crypto.h"
#include <curl/curl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DB "PRODUCT_DATABASE_URL"
#define GHOST "5f0c1a9e-0000-4000-8000-00000000dead"

static char *admin;          /* minted ADMIN */
static char *customer;       /* minted CUSTOMER */
static char *reseller;       /* minted RESELLER */
static char *real_customer;  /* a registered CUSTOMER's own token */

/* Every role, anonymous first; admin last. */
struct role_tok {
	const char *name;
	char **tok;
};
static const struct role_tok roles[] = {
	{ "anonymous", NULL }, { "customer", &customer }, { "registered customer", &real_customer },
	{ "reseller", &reseller }, { "admin", &admin },
};
#define NROLES (sizeof roles / sizeof roles[0])
#define ROLE_TOK(i) (roles[i].tok ? *roles[i].tok : NULL)

/* ---- helpers ---- */

/* The JSON text of the value at path ("1500.10", "true", "\"x\""), or
 * "(absent)" / "null".  Owned by o. */
static const char *
jtext(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	if (v == NULL) {
		/* t_jget returns NULL both for a JSON null and for an absent member. */
		const char *dot = strrchr(path, '.');
		struct json_object *parent = o;
		const char *last = path;
		if (dot != NULL) {
			char head[256];
			snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
			parent = t_jget(o, head);
			last = dot + 1;
		}
		if (parent != NULL && json_object_is_type(parent, json_type_object) &&
		    json_object_object_get_ex(parent, last, NULL))
			return "null";
		return "(absent)";
	}
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}

#define T_JTEXT(rs, path, want) T_EQ_STR(jtext((rs)->json, (path)), (want))

static long
send_json(struct resp *rs, const char *method, const char *url, const char *token,
    const char *json)
{
	return t_http(rs, method, url, token, "application/json", json, strlen(json),
	    (char *)NULL);
}

static long
del(struct resp *rs, const char *url, const char *token)
{
	return t_http(rs, "DELETE", url, token, NULL, NULL, 0, (char *)NULL);
}

/* Formats into a static ring of buffers (a few live at once). */
static const char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *
fmt(const char *f, ...)
{
	static char ring[8][4096];
	static int k;
	char *out = ring[k++ & 7];
	va_list ap;
	va_start(ap, f);
	vsnprintf(out, sizeof ring[0], f, ap);
	va_end(ap);
	return out;
}

/* INTERNAL_URL + path. */
static const char *
iurl(const char *path)
{
	const char *base = getenv("INTERNAL_URL");
	return fmt("%s%s", base ? base : "", path);
}

/* A word of lower-case letters only, unique per run and call ("zq" +
 * time, pid and counter in base 26): safe in slugs and in text search. */
static char *
word(char *out, size_t n, const char *prefix)
{
	static unsigned counter;
	unsigned long long parts[3] = { (unsigned long long)time(NULL),
		(unsigned long long)getpid(), counter++ };
	const int widths[3] = { 7, 5, 3 };
	size_t o = (size_t)snprintf(out, n, "%s", prefix);
	for (int p = 0; p < 3; p++) {
		unsigned long long v = parts[p];
		for (int i = 0; i < widths[p] && o + 1 < n; i++) {
			out[o++] = (char)('a' + v % 26);
			v /= 26;
		}
	}
	out[o < n ? o : n - 1] = '\0';
	return out;
}

static char *
xdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static char *
uuid(void)
{
	char u[37];
	crypto_uuid4(u);
	return strdup(u);
}

/* Creates a category (admin) with the given JSON body; returns its id
 * (malloc'd) or NULL; *slug gets its slug when not NULL. */
static char *
cat_post(const char *body, char **slug)
{
	struct resp rs;
	t_post_json(&rs, "/categories", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201)) {
		id = xdup(t_jstr(rs.json, "id"));
		if (slug != NULL)
			*slug = xdup(t_jstr(rs.json, "slug"));
	}
	t_resp_free(&rs);
	return id;
}

static char *
cat_new(void)
{
	char name[64];
	word(name, sizeof name, "cat");
	return cat_post(fmt("{\"name\":\"Category %s\"}", name), NULL);
}

struct prod {
	char *id, *variant, *slug, *name;
};

static void
prod_free(struct prod *p)
{
	free(p->id);
	free(p->variant);
	free(p->slug);
	free(p->name);
	memset(p, 0, sizeof *p);
}

/* POST /products {"name":<unique>,"basePrice":price[,"categoryId":cat]<extra>}
 * (extra: ",\"stock\":5" or ""); fills p (id, first variant, slug, name). */
static bool
mkprod(struct prod *p, const char *cat, const char *price, const char *extra)
{
	memset(p, 0, sizeof *p);
	char w[64], name[96];
	word(w, sizeof w, "zq");
	snprintf(name, sizeof name, "Test Product %s", w);
	const char *body = cat != NULL ?
	    fmt("{\"name\":\"%s\",\"basePrice\":%s,\"categoryId\":\"%s\"%s}", name, price, cat,
	        extra) :
	    fmt("{\"name\":\"%s\",\"basePrice\":%s%s}", name, price, extra);
	struct resp rs;
	t_post_json(&rs, "/products", admin, body);
	bool ok = T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL;
	if (ok) {
		p->id = xdup(t_jstr(rs.json, "id"));
		p->variant = xdup(t_jstr(rs.json, "variants.0.id"));
		p->slug = xdup(t_jstr(rs.json, "slug"));
		p->name = strdup(name);
	}
	t_resp_free(&rs);
	return ok;
}

static long
get_product(struct resp *rs, const char *id, const char *token)
{
	return t_get(rs, fmt("/products/%s", id), token);
}

static long long
stock_of(const char *variant)
{
	return t_db_count(DB, "SELECT stock FROM variants WHERE id = $1", variant, NULL);
}

static long long
products_named(const char *name)
{
	return t_db_count(DB, "SELECT count(*) FROM products WHERE name = $1", name, NULL);
}

/* POST INTERNAL_URL/internal/product/reservations; items is a JSON array. */
static long
reserve(struct resp *rs, const char *order, const char *items)
{
	return t_post_json(rs, iurl("/internal/product/reservations"), NULL,
	    fmt("{\"orderId\":\"%s\",\"items\":%s}", order, items));
}

static long
reserve1(const char *order, const char *variant, int qty)
{
	struct resp rs;
	long st = reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":%d}]",
	    variant, qty));
	if (st != 200 && st != 409)
		printf("    reserve: %ld %s\n", st, rs.body);
	t_resp_free(&rs);
	return st;
}

static long
release(struct resp *rs, const char *order)
{
	return t_post_json(rs, iurl(fmt("/internal/product/reservations/%s/release", order)),
	    NULL, "{}");
}

/* Every role but admin is refused a write: anonymous 401, the rest 403. */
static void
write_refused(const char *method, const char *url, const char *json)
{
	struct resp rs;
	for (size_t i = 0; i < NROLES; i++) {
		if (roles[i].tok == &admin)
			continue;
		if (json != NULL)
			send_json(&rs, method, url, ROLE_TOK(i), json);
		else
			del(&rs, url, ROLE_TOK(i));
		if (!T_ERROR(&rs, roles[i].tok == NULL ? 401 : 403, NULL))
			printf("    (as %s)\n", roles[i].name);
		t_resp_free(&rs);
	}
}

/* ---- fresh reads: the cache check ---- */

/* One expected value: the JSON text at path ("\"name\"", "7", "1500.10"). */
struct want {
	const char *path;
	const char *text;
};

/* An answer's check: true when it is what the write implies, else why. */
typedef bool (*answer_ok)(long status, struct json_object *j, const void *arg,
    char *why, size_t n);

struct wants {
	long status;
	const struct want *w;
	size_t n;
};

static bool
wants_ok(long status, struct json_object *j, const void *arg, char *why, size_t n)
{
	const struct wants *ws = arg;
	if (status != ws->status) {
		snprintf(why, n, "status %ld, expected %ld", status, ws->status);
		return false;
	}
	for (size_t i = 0; i < ws->n; i++) {
		const char *got = jtext(j, ws->w[i].path);
		if (strcmp(got, ws->w[i].text) != 0) {
			snprintf(why, n, "%s is %s, expected %s", ws->w[i].path, got, ws->w[i].text);
			return false;
		}
	}
	return true;
}

static json_object *
parse(const char *body)
{
	return body != NULL && body[0] != '\0' ? json_tokener_parse(body) : NULL;
}

#define READS 6

/* Reads url READS times at once (right after the write; both pool workers
 * answer) and then READS times one after another; every answer must pass
 * ok.  Prints each stale answer; returns how many there were. */
static int
reads_check(const char *label, const char *url, const char *token, answer_ok ok,
    const void *arg)
{
	int stale = 0;
	char why[400];
	long st[READS];
	char *bodies[READS];
	t_http_parallel(READS, "GET", url, token, NULL, NULL, st, bodies);
	for (int i = 0; i < READS; i++) {
		json_object *j = parse(bodies[i]);
		if (!ok(st[i], j, arg, why, sizeof why)) {
			stale++;
			printf("    STALE %s: GET %s (%s, burst read %d): %s\n      body: %.700s\n",
			    label, url, token ? "with token" : "anonymous", i + 1, why, bodies[i]);
		}
		json_object_put(j);
		free(bodies[i]);
	}
	for (int i = 0; i < READS; i++) {
		struct resp rs;
		t_get(&rs, url, token);
		if (!ok(rs.status, rs.json, arg, why, sizeof why)) {
			stale++;
			printf("    STALE %s: GET %s (%s, read %d in a row): %s\n      body: %.700s\n",
			    label, url, token ? "with token" : "anonymous", i + 1, why, rs.body);
		}
		t_resp_free(&rs);
	}
	return stale;
}

/* reads_check with a status and a list of path = text. */
static int
reads_want(const char *label, const char *url, const char *token, long status,
    const struct want *w, size_t n)
{
	struct wants ws = { status, w, n };
	return reads_check(label, url, token, wants_ok, &ws);
}

#define NW(a) (sizeof (a) / sizeof (a)[0])
#define T_FRESH(stale, what) \
	t_check((stale) == 0, __FILE__, __LINE__, "%d stale answer(s) %s", (stale), (what))

/* ---- suite setup ---- */

static int
suite_init(void)
{
	char sub[40], email[120], body[300];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	admin = t_mint(sub, "product-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	customer = t_mint(sub, "product-customer@example.com", ROLE_CUSTOMER, TOKEN_ACCESS,
	    3600, 0, NULL);
	reseller = t_mint(sub, "product-reseller@example.com", ROLE_RESELLER, TOKEN_ACCESS,
	    3600, 0, NULL);
	t_unique(email, sizeof email, "product-customer");
	snprintf(body, sizeof body, "{\"email\":\"%s@example.com\",\"password\":\"correct horse 1\","
	    "\"firstName\":\"Pro\",\"lastName\":\"Duct\"}", email);
	struct resp rs;
	t_post_json(&rs, "/auth/register", NULL, body);
	const char *tok = t_jstr(rs.json, "accessToken");
	real_customer = rs.status == 201 && tok ? strdup(tok) : NULL;
	if (real_customer == NULL)
		fprintf(stderr, "product: could not register a customer: %ld %s\n", rs.status,
		    rs.body);
	t_resp_free(&rs);
	return admin && customer && reseller && real_customer ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(customer);
	free(reseller);
	free(real_customer);
	return 0;
}

/* ================================================================
 * Categories
 * ================================================================ */

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
	send_json(&rs, "PATCH", fmt("/categories/%s", b), admin, fmt("{\"slug\":\"%s\"}", w));
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
		send_json(&rs, "PATCH", fmt("/categories/%s", id), admin,
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
	send_json(&rs, "PATCH", fmt("/categories/%s", id), admin,
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
	send_json(&rs, "PATCH", "/categories/" GHOST, admin, "{\"name\":\"ghost\"}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/categories/%s", id), admin, "{\"isDeleted\":true}");
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

/* ================================================================
 * Product reads
 * ================================================================ */

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
			T_JTEXT(&rs, "total", "1");
			T_JTEXT(&rs, "skip", "0");
			T_JTEXT(&rs, "take", "10");
			T_EQ_STR(t_jstr(rs.json, "data.0.id"), p.id);
			T_EQ_STR(t_jstr(rs.json, "data.0.name"), p.name);
			T_EQ_STR(t_jstr(rs.json, "data.0.slug"), p.slug);
			T_JTEXT(&rs, "data.0.basePrice", "1000.00");
			T_JTEXT(&rs, "data.0.isActive", "true");
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
		T_JTEXT(&rs, "take", "10");
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
		T_JTEXT(&rs, "total", "3");
		T_JTEXT(&rs, "take", "2");
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), p[2].id);  /* newest first */
		T_EQ_STR(t_jstr(rs.json, "data.1.id"), p[1].id);
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&take=2&skip=2", cat), NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), p[0].id);
		T_JTEXT(&rs, "total", "3");
		T_JTEXT(&rs, "skip", "2");
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?categoryId=%s&skip=50&take=100", cat), NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_JTEXT(&rs, "total", "3");
		T_JTEXT(&rs, "take", "100");
	}
	t_resp_free(&rs);
	/* A category nobody uses: an empty page. */
	t_get(&rs, "/products?categoryId=" GHOST, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_JTEXT(&rs, "total", "0");
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
			T_JTEXT(&rs, "basePrice", "12.34");
			T_JTEXT(&rs, "category", "null");
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
		T_JTEXT(&rs, "total", "1");
		T_EQ_STR(ids_of(&rs), p1);
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=%s", w2), customer);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "total", "1");
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
		T_JTEXT(&rs, "total", "0");
	t_resp_free(&rs);
	/* Two words: both must match (none does here). */
	t_get(&rs, fmt("/products?q=%s+%s", w1, w2), NULL);
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "total", "0");
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
	}
	t_resp_free(&rs);
	t_get(&rs, fmt("/products?q=zzzznothingmatches%s", w1), NULL);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "total", "0");
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
		T_JTEXT(&rs, "total", "0");
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
		T_JTEXT(&rs, "total", "3");
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
		T_JTEXT(&rs, "total", "3");
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
				T_JTEXT(&rs, "isActive", "false");
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
			T_JTEXT(&rs, "total", !adm || f != 0 ? "1" : "2");
			t_resp_free(&rs);
		}
	}
	/* Activated again: everyone sees it. */
	send_json(&rs, "PATCH", fmt("/products/%s", off.id), admin, "{\"isActive\":true}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	get_product(&rs, off.id, NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	prod_free(&on);
	prod_free(&off);
	free(cat);
}

/* ================================================================
 * Product create
 * ================================================================ */

/* The document products_create_nested_variants_and_images expects. */
static void
nested_check(struct resp *rs, const char *w, const char *cat, const char *sku1,
    const char *sku2)
{
	T_EQ_STR(t_jstr(rs->json, "name"), fmt("Shirt %s", w));
	T_EQ_STR(t_jstr(rs->json, "slug"), fmt("shirt-%s", w));
	T_JTEXT(rs, "basePrice", "1000.00");
	T_JTEXT(rs, "isActive", "true");
	T_EQ_STR(t_jstr(rs->json, "categoryId"), cat);
	T_EQ_STR(t_jstr(rs->json, "category.id"), cat);
	T_EQ_INT(t_jlen(rs->json, "variants"), 2);
	T_EQ_STR(t_jstr(rs->json, "variants.0.sku"), sku1);
	T_JTEXT(rs, "variants.0.price", "1000.00");
	T_JTEXT(rs, "variants.0.stock", "100");
	T_JTEXT(rs, "variants.0.isDefault", "true");
	T_EQ_INT(t_jlen(rs->json, "variants.0.optionValues"), 2);
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.0.optionName"), "Color");
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.0.value"), "Red");
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.1.optionName"), "Size");
	T_EQ_STR(t_jstr(rs->json, "variants.0.optionValues.1.value"), "L");
	T_EQ_STR(t_jstr(rs->json, "variants.1.sku"), sku2);
	T_JTEXT(rs, "variants.1.price", "1100.50");
	T_JTEXT(rs, "variants.1.stock", "0");
	T_JTEXT(rs, "variants.1.isDefault", "false");
	T_EQ_STR(t_jstr(rs->json, "variants.1.optionValues.0.value"), "Blue");
	/* Images in the order given, positions 0, 1, 2, one primary. */
	T_EQ_INT(t_jlen(rs->json, "images"), 3);
	for (int i = 0; i < 3; i++) {
		char want[64];
		snprintf(want, sizeof want, "%s://example.com/%d.jpg", i == 1 ? "http" : "https", i);
		T_EQ_STR(t_jstr(rs->json, fmt("images.%d.url", i)), want);
		T_JTEXT(rs, fmt("images.%d.position", i), fmt("%d", i));
		T_JTEXT(rs, fmt("images.%d.isPrimary", i), i == 1 ? "true" : "false");
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
		T_JTEXT(&rs, "variants.0.price", "499.99");
		T_JTEXT(&rs, "variants.0.stock", "7");
		T_JTEXT(&rs, "variants.0.isDefault", "true");
		T_EQ_INT(t_jlen(rs.json, "variants.0.optionValues"), 0);
	}
	t_resp_free(&rs);
	/* No stock given: 0. */
	struct prod q;
	T_REQUIRE(mkprod(&q, NULL, "1.00", ""));
	get_product(&rs, q.id, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 1);
		T_JTEXT(&rs, "variants.0.stock", "0");
		T_JTEXT(&rs, "variants.0.price", "1.00");
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
		T_JTEXT(&rs, "basePrice", "1500.10");
		T_JTEXT(&rs, "variants.0.price", "1500.10");
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
		T_JTEXT(&rs, "basePrice", "0.29");
	t_resp_free(&rs);
	t_post_json(&rs, "/products", admin, "{\"name\":\"Whole price\",\"basePrice\":42}");
	if (T_STATUS(&rs, 201))
		T_JTEXT(&rs, "basePrice", "42.00");
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
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":-1}]}", p.variant));
	T_ERROR(&rs, 400, "variants[0].stock");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":2.5}]}", p.variant));
	T_ERROR(&rs, 400, "variants[0].stock");
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p.variant), 4);
	/* The database enforces it as well. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM pg_constraint WHERE conrelid = "
	    "'variants'::regclass AND contype = 'c' AND "
	    "pg_get_constraintdef(oid) LIKE '%stock >= 0%'", NULL), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE stock < 0", NULL), 0);
	/* Stock 0 is fine. */
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":0}]}", p.variant));
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "variants.0.stock", "0");
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
	send_json(&rs, "PATCH", fmt("/products/%s", b.id), admin,
	    fmt("{\"variants\":[{\"sku\":\"%s\",\"stock\":1}]}", w));
	T_ERROR(&rs, 409, "sku");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", b.id), admin,
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
	send_json(&rs, "PATCH", fmt("/products/%s", a.id), admin,
	    fmt("{\"variants\":[{\"sku\":\"%s-2\"}],\"removeVariantIds\":[\"%s\"]}", w, a.variant));
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", b.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"sku\":\"%s\"}]}", b.variant, w));
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "variants.0.sku"), w);
	t_resp_free(&rs);
	prod_free(&a);
	prod_free(&b);
}

/* ================================================================
 * Product update
 * ================================================================ */

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
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, fmt("{\"name\":\"%s\"}", w));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), w);
		static const char *const same[] = { "slug", "description", "basePrice", "categoryId",
			"isActive", "currency", "variants", "images", "createdAt" };
		for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
			if (!T_EQ_STR(jtext(rs.json, same[i]), jtext(before.json, same[i])))
				printf("    (%s changed)\n", same[i]);
	}
	t_resp_free(&rs);
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), w);
		T_JTEXT(&rs, "basePrice", "250.00");
		T_EQ_STR(t_jstr(rs.json, "description"), "keep me");
	}
	t_resp_free(&rs);
	/* An empty PATCH changes nothing and is fine. */
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{}");
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
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    "{\"variants\":[{\"price\":300.00,\"stock\":1}]}");
	T_REQUIRE(T_STATUS(&rs, 200));
	const char *v2 = t_jstr(rs.json, "variants.1.id");
	char *own = xdup(v2);
	t_resp_free(&rs);
	T_REQUIRE(own != NULL);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"basePrice\":250.50}");
	if (T_STATUS(&rs, 200)) {
		T_JTEXT(&rs, "basePrice", "250.50");
		T_EQ_STR(t_jstr(rs.json, "variants.0.id"), p.variant);
		T_JTEXT(&rs, "variants.0.price", "250.50");
		T_JTEXT(&rs, "variants.0.stock", "5");
		T_EQ_STR(t_jstr(rs.json, "variants.1.id"), own);
		T_JTEXT(&rs, "variants.1.price", "300.00");
	}
	t_resp_free(&rs);
	/* Orders price from the internal lookup: it follows too. */
	t_post_json(&rs, iurl("/internal/product/lookup"), NULL,
	    fmt("{\"items\":[{\"productId\":\"%s\",\"variantId\":null}]}", p.id));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), p.variant);
		T_JTEXT(&rs, "items.0.basePrice", "250.50");
		T_JTEXT(&rs, "items.0.price", "250.50");
	}
	t_resp_free(&rs);
	/* Bad prices in a PATCH are refused and change nothing. */
	static const char *const bad[] = { "0", "-5", "1.001", "\"x\"", "2e2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
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
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin, fmt("{\"variants\":["
	    "{\"id\":\"%s\",\"stock\":9,\"price\":55.55,\"optionValues\":[{\"optionName\":\"Size\","
	    "\"value\":\"XL\"}]},{\"sku\":\"%s-c\",\"stock\":3,\"optionValues\":"
	    "[{\"optionName\":\"Size\",\"value\":\"S\"}]}],\"removeVariantIds\":[\"%s\"]}",
	    va, w, vb));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "variants"), 2);
		T_EQ_STR(t_jstr(rs.json, "variants.0.id"), va);
		T_EQ_STR(t_jstr(rs.json, "variants.0.sku"), fmt("%s-a", w));
		T_JTEXT(&rs, "variants.0.stock", "9");
		T_JTEXT(&rs, "variants.0.price", "55.55");
		T_EQ_STR(t_jstr(rs.json, "variants.0.optionValues.0.value"), "XL");
		T_EQ_STR(t_jstr(rs.json, "variants.1.sku"), fmt("%s-c", w));
		T_JTEXT(&rs, "variants.1.stock", "3");
		T_JTEXT(&rs, "variants.1.price", "50.00");
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
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"removeVariantIds\":[\"%s\"]}", vb));
	T_ERROR(&rs, 400, "removeVariantIds[0]");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
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
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
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
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
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
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":99}]}", q.variant));
	T_ERROR(&rs, 400, "variants[0].id");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"removeVariantIds\":[\"%s\"]}", q.variant));
	T_ERROR(&rs, 400, "removeVariantIds[0]");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    "{\"variants\":[{\"id\":\"" GHOST "\",\"stock\":1}]}");
	T_ERROR(&rs, 400, "variants[0].id");
	t_resp_free(&rs);
	T_EQ_INT(stock_of(q.variant), 6);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE id = $1 AND deleted_at IS "
	    "NULL AND product_id = $2", q.variant, q.id, NULL), 1);
	/* Images of another product likewise. */
	t_post_json(&rs, "/products", admin, "{\"name\":\"Image owner\",\"basePrice\":1,"
	    "\"images\":[{\"url\":\"https://example.com/o.jpg\"}]}");
	T_REQUIRE(T_STATUS(&rs, 201));
	char *img = xdup(t_jstr(rs.json, "images.0.id"));
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"images\":[{\"id\":\"%s\",\"altText\":\"mine\"}]}", img));
	T_ERROR(&rs, 400, "images[0].id");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
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
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin, fmt("{\"images\":["
	    "{\"id\":\"%s\",\"altText\":\"changed\"},"
	    "{\"url\":\"https://example.com/new.jpg\",\"isPrimary\":true}],"
	    "\"removeImageIds\":[\"%s\"]}", i0, i1));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "images"), 2);
		T_EQ_STR(t_jstr(rs.json, "images.0.id"), i0);
		T_EQ_STR(t_jstr(rs.json, "images.0.altText"), "changed");
		T_JTEXT(&rs, "images.0.isPrimary", "false");
		T_EQ_STR(t_jstr(rs.json, "images.1.url"), "https://example.com/new.jpg");
		T_JTEXT(&rs, "images.1.isPrimary", "true");
		T_ASSERT(strstr(rs.body, i1) == NULL);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM images WHERE product_id = $1 AND is_primary",
	    id, NULL), 1);
	/* Reordering by position. */
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"images\":[{\"id\":\"%s\",\"position\":5}]}", i0));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "images.1.id"), i0);
		T_JTEXT(&rs, "images.1.position", "5");
	}
	t_resp_free(&rs);
	/* Bad image input in a PATCH. */
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    "{\"images\":[{\"url\":\"ftp://example.com/a.jpg\"}]}");
	T_ERROR(&rs, 400, "images[0].url");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    "{\"images\":[{\"url\":\"https://e.com/a\",\"isPrimary\":true},"
	    "{\"url\":\"https://e.com/b\",\"isPrimary\":true}]}");
	T_ERROR(&rs, 400, "isPrimary");
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
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
		send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, bad[i].body);
		if (!T_ERROR(&rs, 400, bad[i].mention))
			printf("    (body %s)\n", bad[i].body);
		t_resp_free(&rs);
	}
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"name\":");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	t_http(&rs, "PATCH", fmt("/products/%s", p.id), admin, "text/plain", "{}", 2, (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
	send_json(&rs, "PATCH", "/products/" GHOST, admin, "{\"name\":\"ghost\"}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	send_json(&rs, "PATCH", "/products/not-a-uuid", admin, "{\"name\":\"ghost\"}");
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	get_product(&rs, p.id, admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "name"), p.name);
		T_JTEXT(&rs, "basePrice", "10.00");
	}
	t_resp_free(&rs);
	prod_free(&p);
}

/* ================================================================
 * Product delete (soft)
 * ================================================================ */

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
		T_JTEXT(&rs, "deleted", "true");
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
				T_JTEXT(&rs, "total", "0");
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
		T_JTEXT(&rs, "items.0.found", "false");
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
	T_EQ_INT(stock_of(p.variant), 5);
	/* Deleting, changing it again: 404. */
	del(&rs, fmt("/products/%s", p.id), admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"name\":\"zombie\"}");
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

/* ================================================================
 * Events
 * ================================================================ */

static long long
events(const char *id, const char *type)
{
	return t_db_count(DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type = $2",
	    id, type, NULL);
}

static char *
last_payload(const char *id, const char *type, const char *key)
{
	return t_db_value(DB, "SELECT payload->>($3::text) FROM outbox WHERE aggregate_id = $1 AND "
	    "type = $2 ORDER BY id DESC LIMIT 1", id, type, key, NULL);
}

static void
events_outbox_created_updated_deleted(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "1500.10", ""));
	T_EQ_INT(events(p.id, "PRODUCT_CREATED"), 1);
	char *v = last_payload(p.id, "PRODUCT_CREATED", "basePricePaise");
	T_EQ_STR(v, "150010");
	free(v);
	v = last_payload(p.id, "PRODUCT_CREATED", "productId");
	T_EQ_STR(v, p.id);
	free(v);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 0);

	struct resp rs;
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"basePrice\":20.00}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 1);
	v = last_payload(p.id, "PRODUCT_UPDATED", "basePricePaise");
	T_EQ_STR(v, "2000");
	free(v);
	/* The variants travel with their prices in paise too. */
	v = t_db_value(DB, "SELECT payload->'variants'->0->>'pricePaise' FROM outbox WHERE "
	    "aggregate_id = $1 AND type = 'PRODUCT_UPDATED' ORDER BY id DESC LIMIT 1", p.id, NULL);
	T_EQ_STR(v, "2000");
	free(v);
	/* A variant change is an update too; a refused one writes nothing. */
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":4}]}", p.variant));
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 2);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"removeVariantIds\":[\"%s\"]}", p.variant));
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"basePrice\":0}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 2);

	del(&rs, fmt("/products/%s", p.id), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_DELETED"), 1);
	v = last_payload(p.id, "PRODUCT_DELETED", "basePricePaise");
	T_EQ_STR(v, "2000");
	free(v);
	v = last_payload(p.id, "PRODUCT_DELETED", "deleted");
	T_EQ_STR(v, "true");
	free(v);
	del(&rs, fmt("/products/%s", p.id), admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_DELETED"), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1", p.id, NULL),
	    4);
	prod_free(&p);
}

/* ================================================================
 * Internal API
 * ================================================================ */

static void
internal_lookup_batch(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p, q;
	T_REQUIRE(mkprod(&p, cat, "100.00", ",\"stock\":3"));
	T_REQUIRE(mkprod(&q, NULL, "200.00", ",\"variants\":[{\"stock\":1},{\"price\":250.00,"
	    "\"stock\":8}]"));
	struct resp rs;
	t_get(&rs, iurl(fmt("/internal/product/products/%s/variants", q.id)), NULL);
	T_REQUIRE(T_STATUS(&rs, 200));
	char *q2 = xdup(t_jstr(rs.json, "variants.1.variantId"));
	T_JTEXT(&rs, "variants.0.isDefault", "true");
	T_JTEXT(&rs, "variants.1.price", "250.00");
	T_JTEXT(&rs, "variants.1.stock", "8");
	t_resp_free(&rs);
	T_REQUIRE(q2 != NULL);
	t_post_json(&rs, iurl("/internal/product/lookup"), NULL, fmt("{\"items\":["
	    "{\"productId\":\"%s\",\"variantId\":null},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\"},"
	    "{\"productId\":\"" GHOST "\"},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\"},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\"},"
	    "{\"productId\":\"%s\"}]}",
	    p.id, q.id, q2, p.id, q2, p.id, p.variant, q.id));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "items"), 6);
		static const char *const found[] = { "true", "true", "false", "false", "true", "true" };
		for (int i = 0; i < 6; i++)
			if (!T_JTEXT(&rs, fmt("items.%d.found", i), found[i]))
				printf("    (item %d)\n", i);
		T_EQ_STR(t_jstr(rs.json, "items.0.productId"), p.id);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), p.variant);
		T_EQ_STR(t_jstr(rs.json, "items.0.categoryId"), cat);
		T_EQ_STR(t_jstr(rs.json, "items.0.name"), p.name);
		T_JTEXT(&rs, "items.0.price", "100.00");
		T_JTEXT(&rs, "items.0.basePrice", "100.00");
		T_JTEXT(&rs, "items.0.stock", "3");
		T_JTEXT(&rs, "items.0.isActive", "true");
		T_EQ_STR(t_jstr(rs.json, "items.0.currency"), "INR");
		T_EQ_STR(t_jstr(rs.json, "items.1.variantId"), q2);
		T_JTEXT(&rs, "items.1.price", "250.00");
		T_JTEXT(&rs, "items.1.basePrice", "200.00");
		T_JTEXT(&rs, "items.1.categoryId", "null");
		T_EQ_STR(t_jstr(rs.json, "items.2.productId"), GHOST);
		T_JTEXT(&rs, "items.2.price", "(absent)");
		/* q's variant asked for under p: not found, and not priced. */
		T_EQ_STR(t_jstr(rs.json, "items.3.productId"), p.id);
		T_JTEXT(&rs, "items.3.price", "(absent)");
		T_EQ_STR(t_jstr(rs.json, "items.4.variantId"), p.variant);
		/* No variantId: q's default (the first), at the base price. */
		T_JTEXT(&rs, "items.5.price", "200.00");
		T_ASSERT(t_jstr(rs.json, "items.5.variantId") != NULL &&
		    strcmp(t_jstr(rs.json, "items.5.variantId"), q2) != 0);
	}
	t_resp_free(&rs);
	/* Bad batches. */
	t_post_json(&rs, iurl("/internal/product/lookup"), NULL, "{\"items\":[]}");
	T_ERROR(&rs, 400, "items");
	t_resp_free(&rs);
	t_post_json(&rs, iurl("/internal/product/lookup"), NULL,
	    "{\"items\":[{\"productId\":\"nope\"}]}");
	T_ERROR(&rs, 400, "items[0].productId");
	t_resp_free(&rs);
	free(q2);
	prod_free(&p);
	prod_free(&q);
	free(cat);
}

/* The reservation's update skips a variant deleted between its read and
 * its write (the row was locked by the deleting transaction): the whole
 * statement must fail (reservation_abort), not hold the other lines.  A
 * second session locks one variant, the reservation waits on it, the
 * variant is deleted and the lock released. */
struct reserve_job {
	const char *order, *items;
	long status;
	char *body;
};

static void *
reserve_job_run(void *arg)
{
	struct reserve_job *j = arg;
	struct resp rs;
	j->status = reserve(&rs, j->order, j->items);
	j->body = strdup(rs.body ? rs.body : "");
	t_resp_free(&rs);
	return NULL;
}

static int
ok_cmd(PGconn *c, const char *sql, const char *param)
{
	const char *p[] = { param };
	PGresult *r = PQexecParams(c, sql, param ? 1 : 0, NULL, param ? p : NULL, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		printf("    %s: %s\n", sql, PQerrorMessage(c));
	PQclear(r);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static void
internal_reserve_variant_deleted_meanwhile(void)
{
	struct prod a, b;
	T_REQUIRE(mkprod(&a, NULL, "10.00", ",\"stock\":5"));
	T_REQUIRE(mkprod(&b, NULL, "10.00", ",\"stock\":5"));
	PGconn *c = PQconnectdb(getenv(DB));
	T_REQUIRE(PQstatus(c) == CONNECTION_OK);
	T_REQUIRE(ok_cmd(c, "BEGIN", NULL));
	T_REQUIRE(ok_cmd(c, "SELECT 1 FROM variants WHERE id = $1 FOR UPDATE", b.variant));
	char *order = uuid();
	struct reserve_job j = { order, fmt("[{\"variantId\":\"%s\",\"quantity\":1},"
	    "{\"variantId\":\"%s\",\"quantity\":1}]", a.variant, b.variant), 0, NULL };
	j.items = strdup(j.items);
	pthread_t th;
	T_REQUIRE(pthread_create(&th, NULL, reserve_job_run, &j) == 0);
	/* Until the reservation waits on the lock (at most 5 s). */
	long long waiting = 0;
	for (int i = 0; i < 100 && waiting < 1; i++) {
		usleep(50000);
		waiting = t_db_count(DB, "SELECT count(*) FROM pg_stat_activity WHERE "
		    "datname = current_database() AND wait_event_type = 'Lock' "
		    "AND query LIKE '%reservations%'", NULL);
	}
	T_EQ_INT(waiting, 1);
	T_ASSERT(ok_cmd(c, "UPDATE variants SET deleted_at = now() WHERE id = $1", b.variant));
	T_ASSERT(ok_cmd(c, "COMMIT", NULL));
	pthread_join(th, NULL);
	PQfinish(c);
	T_EQ_INT(j.status, 409);
	T_ASSERT(t_contains(j.body, "deleted meanwhile"));
	T_EQ_INT(stock_of(a.variant), 5);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservations WHERE order_id = $1", order,
	    NULL), 0);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservation_lines WHERE order_id = $1",
	    order, NULL), 0);
	free(j.body);
	free((char *)j.items);
	free(order);
	prod_free(&a);
	prod_free(&b);
}

static void
internal_reserve_all_or_none(void)
{
	struct prod a, b;
	T_REQUIRE(mkprod(&a, NULL, "10.00", ",\"stock\":5"));
	T_REQUIRE(mkprod(&b, NULL, "10.00", ",\"stock\":1"));
	char *order = uuid();
	struct resp rs;
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":2},"
	    "{\"variantId\":\"%s\",\"quantity\":2}]", a.variant, b.variant));
	if (T_ERROR(&rs, 409, "insufficient stock"))
		T_ASSERT(t_contains(t_jstr(rs.json, "message"), b.variant));
	t_resp_free(&rs);
	T_EQ_INT(stock_of(a.variant), 5);
	T_EQ_INT(stock_of(b.variant), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservations WHERE order_id = $1", order,
	    NULL), 0);
	/* An unknown variant among good ones: 404, nothing taken. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":1},"
	    "{\"variantId\":\"" GHOST "\",\"quantity\":1}]", a.variant));
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	T_EQ_INT(stock_of(a.variant), 5);
	/* The same order, now satisfiable: all lines. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":2},"
	    "{\"variantId\":\"%s\",\"quantity\":1}]", a.variant, b.variant));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "orderId"), order);
		T_EQ_STR(t_jstr(rs.json, "status"), "RESERVED");
		T_EQ_INT(t_jlen(rs.json, "items"), 2);
	}
	t_resp_free(&rs);
	T_EQ_INT(stock_of(a.variant), 3);
	T_EQ_INT(stock_of(b.variant), 0);
	/* Bad bodies. */
	static const char *const bad[] = {
		"{\"items\":[{\"variantId\":\"" GHOST "\",\"quantity\":1}]}",
		"{\"orderId\":\"x\",\"items\":[{\"variantId\":\"" GHOST "\",\"quantity\":1}]}",
		"{\"orderId\":\"" GHOST "\",\"items\":[]}",
		"{\"orderId\":\"" GHOST "\",\"items\":[{\"variantId\":\"" GHOST "\",\"quantity\":0}]}",
		"{\"orderId\":\"" GHOST "\",\"items\":[{\"variantId\":\"" GHOST "\",\"quantity\":-2}]}",
		"{\"orderId\":\"" GHOST "\",\"items\":[{\"variantId\":\"" GHOST "\",\"quantity\":1.5}]}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_post_json(&rs, iurl("/internal/product/reservations"), NULL, bad[i]);
		if (!T_ERROR(&rs, 400, NULL))
			printf("    (body %s)\n", bad[i]);
		t_resp_free(&rs);
	}
	/* An inactive product's variant cannot be reserved. */
	struct prod off;
	T_REQUIRE(mkprod(&off, NULL, "10.00", ",\"stock\":5,\"isActive\":false"));
	char *o2 = uuid();
	reserve(&rs, o2, fmt("[{\"variantId\":\"%s\",\"quantity\":1}]", off.variant));
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	T_EQ_INT(stock_of(off.variant), 5);
	free(o2);
	free(order);
	prod_free(&a);
	prod_free(&b);
	prod_free(&off);
}

/* Lines named by product (the order service's form): the default variant
 * is reserved, and each line comes back resolved, with its price, in the
 * request's order. */
static void
internal_reserve_by_product(void)
{
	struct prod a, b;
	T_REQUIRE(mkprod(&a, NULL, "12.34", ",\"stock\":5"));
	T_REQUIRE(mkprod(&b, NULL, "20.00", ",\"stock\":5"));
	char *order = uuid();
	struct resp rs;
	reserve(&rs, order, fmt("[{\"productId\":\"%s\",\"quantity\":2},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\",\"quantity\":1},"
	    "{\"productId\":\"%s\",\"quantity\":1}]", a.id, b.id, b.variant, a.id));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "lines"), 3);
		T_EQ_STR(t_jstr(rs.json, "lines.0.productId"), a.id);
		T_EQ_STR(t_jstr(rs.json, "lines.0.variantId"), a.variant);
		T_JTEXT(&rs, "lines.0.price", "12.34");
		T_EQ_STR(t_jstr(rs.json, "lines.0.name"), a.name);
		T_EQ_STR(t_jstr(rs.json, "lines.0.currency"), "INR");
		T_EQ_STR(t_jstr(rs.json, "lines.1.variantId"), b.variant);
		T_JTEXT(&rs, "lines.1.price", "20.00");
		T_EQ_STR(t_jstr(rs.json, "lines.2.variantId"), a.variant);
		/* items: what is held, summed per variant. */
		T_EQ_INT(t_jlen(rs.json, "items"), 2);
	}
	t_resp_free(&rs);
	T_EQ_INT(stock_of(a.variant), 2);
	T_EQ_INT(stock_of(b.variant), 4);
	T_EQ_INT(t_db_count(DB, "SELECT quantity FROM reservation_lines WHERE order_id = $1 "
	    "AND variant_id = $2", order, a.variant, NULL), 3);

	/* Refusals name the line; nothing is taken. */
	static const struct { int status; const char *mention; } want[] = {
		{ 404, "items[1]: variant" },          /* b's variant is not a's */
		{ 404, "items[0]: product " GHOST },   /* unknown product */
		{ 409, "items[1]: insufficient stock" },
	};
	const char *bodies[3];
	bodies[0] = fmt("[{\"productId\":\"%s\",\"quantity\":1},"
	    "{\"productId\":\"%s\",\"variantId\":\"%s\",\"quantity\":1}]", b.id, a.id, b.variant);
	bodies[1] = fmt("[{\"productId\":\"" GHOST "\",\"quantity\":1}]");
	bodies[2] = fmt("[{\"productId\":\"%s\",\"quantity\":1},"
	    "{\"productId\":\"%s\",\"quantity\":3}]", b.id, a.id);
	for (int i = 0; i < 3; i++) {
		char *o = uuid();
		reserve(&rs, o, bodies[i]);
		if (!T_ERROR(&rs, want[i].status, want[i].mention))
			printf("    (case %d)\n", i);
		t_resp_free(&rs);
		T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservations WHERE order_id = $1", o,
		    NULL), 0);
		free(o);
	}
	T_EQ_INT(stock_of(a.variant), 2);
	T_EQ_INT(stock_of(b.variant), 4);
	/* A line must name a product or a variant. */
	reserve(&rs, order, "[{\"quantity\":1}]");
	T_ERROR(&rs, 400, "items[0] needs a productId or a variantId");
	t_resp_free(&rs);
	free(order);
	prod_free(&a);
	prod_free(&b);
}

static void
internal_reserve_idempotent_per_order(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":10"));
	char *order = uuid();
	struct resp rs;
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":3}]", p.variant));
	T_REQUIRE(T_STATUS(&rs, 200));
	char *first = strdup(rs.body);
	t_resp_free(&rs);
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":3}]", p.variant));
	if (T_STATUS(&rs, 200))
		T_EQ_STR(rs.body, first);
	t_resp_free(&rs);
	/* A retry with other lines still answers the first reservation. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":5}]", p.variant));
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "items.0.quantity", "3");
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p.variant), 7);
	/* The same order sent 8 times at once: taken once. */
	char *o2 = uuid();
	const char *body = fmt("{\"orderId\":\"%s\",\"items\":[{\"variantId\":\"%s\","
	    "\"quantity\":2}]}", o2, p.variant);
	long st[8];
	t_http_parallel(8, "POST", iurl("/internal/product/reservations"), NULL,
	    "application/json", body, st, NULL);
	for (int i = 0; i < 8; i++)
		T_EQ_INT(st[i], 200);
	T_EQ_INT(stock_of(p.variant), 5);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservation_lines WHERE order_id = $1", o2,
	    NULL), 1);
	free(o2);
	free(first);
	free(order);
	prod_free(&p);
}

static void
internal_release_idempotent(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":10"));
	char *order = uuid();
	T_EQ_INT(reserve1(order, p.variant, 4), 200);
	T_EQ_INT(stock_of(p.variant), 6);
	struct resp rs;
	for (int i = 0; i < 2; i++) {
		release(&rs, order);
		if (T_STATUS(&rs, 200)) {
			T_EQ_STR(t_jstr(rs.json, "orderId"), order);
			T_EQ_STR(t_jstr(rs.json, "status"), "RELEASED");
		}
		t_resp_free(&rs);
		T_EQ_INT(stock_of(p.variant), 10);
	}
	/* A released order cannot reserve again under the same id. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":1}]", p.variant));
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p.variant), 10);
	/* Released 8 times at once: back once. */
	char *o2 = uuid();
	T_EQ_INT(reserve1(o2, p.variant, 5), 200);
	long st[8];
	t_http_parallel(8, "POST", iurl(fmt("/internal/product/reservations/%s/release", o2)),
	    NULL, "application/json", "{}", st, NULL);
	for (int i = 0; i < 8; i++)
		T_EQ_INT(st[i], 200);
	T_EQ_INT(stock_of(p.variant), 10);
	/* Unknown order: 404; not a UUID: 400. */
	release(&rs, GHOST);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_post_json(&rs, iurl("/internal/product/reservations/nope/release"), NULL, "{}");
	T_ERROR(&rs, 400, "orderId");
	t_resp_free(&rs);
	free(o2);
	free(order);
	prod_free(&p);
}

static void
internal_reserve_same_variant_summed(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":5"));
	char *o1 = uuid(), *o2 = uuid();
	struct resp rs;
	/* 3 + 3 > 5 even though each line alone fits. */
	reserve(&rs, o1, fmt("[{\"variantId\":\"%s\",\"quantity\":3},"
	    "{\"variantId\":\"%s\",\"quantity\":3}]", p.variant, p.variant));
	T_ERROR(&rs, 409, "insufficient stock");
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p.variant), 5);
	reserve(&rs, o2, fmt("[{\"variantId\":\"%s\",\"quantity\":2},"
	    "{\"variantId\":\"%s\",\"quantity\":2}]", p.variant, p.variant));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "items"), 1);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), p.variant);
		T_JTEXT(&rs, "items.0.quantity", "4");
	}
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p.variant), 1);
	release(&rs, o2);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(stock_of(p.variant), 5);
	free(o1);
	free(o2);
	prod_free(&p);
}

static void
internal_routes_hidden_on_public_port(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":5"));
	char *order = uuid();
	struct resp rs;
	const char *rbody = fmt("{\"orderId\":\"%s\",\"items\":[{\"variantId\":\"%s\","
	    "\"quantity\":1}]}", order, p.variant);
	for (int r = 0; r < 2; r++) {
		const char *tok = r ? admin : NULL;
		t_post_json(&rs, "/internal/product/reservations", tok, rbody);
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
		t_post_json(&rs, "/internal/product/lookup", tok,
		    fmt("{\"items\":[{\"productId\":\"%s\"}]}", p.id));
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
		t_post_json(&rs, fmt("/internal/product/reservations/%s/release", order), tok, "{}");
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
		t_get(&rs, fmt("/internal/product/products/%s/variants", p.id), tok);
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
	}
	T_EQ_INT(stock_of(p.variant), 5);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservations WHERE order_id = $1", order,
	    NULL), 0);
	free(order);
	prod_free(&p);
}

/* ================================================================
 * Concurrency
 * ================================================================ */

static size_t
sink(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* POSTs n different JSON bodies to url at once (curl multi); fills
 * status[i]. */
static void
post_all_at_once(int n, const char *url, char **bodies, long *status)
{
	CURLM *m = curl_multi_init();
	CURL **h = calloc((size_t)n, sizeof *h);
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
	for (int i = 0; i < n; i++) {
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, url);
		curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, bodies[i]);
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
		curl_multi_add_handle(m, h[i]);
	}
	int running = 1;
	while (running > 0) {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < n; i++) {
		status[i] = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &status[i]);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	free(h);
}

static void
reserve_concurrent_50_on_stock_10(void)
{
	enum { N = 50, STOCK = 10 };
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", fmt(",\"stock\":%d", STOCK)));
	char *bodies[N], *orders[N];
	long st[N];
	for (int i = 0; i < N; i++) {
		orders[i] = uuid();
		bodies[i] = strdup(fmt("{\"orderId\":\"%s\",\"items\":[{\"variantId\":\"%s\","
		    "\"quantity\":1}]}", orders[i], p.variant));
	}
	post_all_at_once(N, iurl("/internal/product/reservations"), bodies, st);
	int ok = 0, conflict = 0, other = 0;
	for (int i = 0; i < N; i++) {
		if (st[i] == 200)
			ok++;
		else if (st[i] == 409)
			conflict++;
		else {
			other++;
			printf("    reservation %d answered %ld\n", i, st[i]);
		}
	}
	T_EQ_INT(ok, STOCK);
	T_EQ_INT(conflict, N - STOCK);
	T_EQ_INT(other, 0);
	T_EQ_INT(stock_of(p.variant), 0);
	T_EQ_INT(t_db_count(DB, "SELECT coalesce(sum(quantity), 0) FROM reservation_lines WHERE "
	    "variant_id = $1", p.variant, NULL), STOCK);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE stock < 0", NULL), 0);
	struct resp rs;
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200))
		T_JTEXT(&rs, "variants.0.stock", "0");
	t_resp_free(&rs);
	for (int i = 0; i < N; i++) {
		free(bodies[i]);
		free(orders[i]);
	}
	prod_free(&p);
}

/* ================================================================
 * The response cache: every read after a write reflects it
 * ================================================================ */

static void
cache_fresh_after_patch_name_and_price(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p;
	T_REQUIRE(mkprod(&p, cat, "100.00", ",\"stock\":3"));
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
	char slugurl[200], listurl[200];
	snprintf(slugurl, sizeof slugurl, "/products/slug/%s", p.slug);
	snprintf(listurl, sizeof listurl, "/products?categoryId=%s", cat);
	int stale = 0;
	/* Several rounds: each write is followed at once by reads. */
	for (int round = 0; round < 4; round++) {
		char oldname[128], newname[128], oldp[32], newp[32];
		snprintf(oldname, sizeof oldname, "\"%s\"", round == 0 ? p.name :
		    fmt("Renamed %d %s", round - 1, p.slug));
		snprintf(newname, sizeof newname, "\"Renamed %d %s\"", round, p.slug);
		snprintf(oldp, sizeof oldp, "%d.00", 100 + round);
		snprintf(newp, sizeof newp, "%d.00", 101 + round);
		/* Warm every worker's cache with the current document. */
		const struct want before[] = { { "name", oldname }, { "basePrice", oldp },
			{ "variants.0.price", oldp } };
		const struct want lbefore[] = { { "data.0.name", oldname },
			{ "data.0.basePrice", oldp }, { "total", "1" } };
		stale += reads_want("before the write", url, NULL, 200, before, NW(before));
		stale += reads_want("before the write", url, admin, 200, before, NW(before));
		stale += reads_want("before the write", slugurl, NULL, 200, before, NW(before));
		stale += reads_want("before the write", listurl, NULL, 200, lbefore, NW(lbefore));
		struct resp rs;
		char newraw[128];
		snprintf(newraw, sizeof newraw, "%.*s", (int)strlen(newname) - 2, newname + 1);
		send_json(&rs, "PATCH", url, admin,
		    fmt("{\"name\":\"%s\",\"basePrice\":%s}", newraw, newp));
		T_REQUIRE(T_STATUS(&rs, 200));
		t_resp_free(&rs);
		const struct want after[] = { { "name", newname }, { "basePrice", newp },
			{ "variants.0.price", newp } };
		const struct want lafter[] = { { "data.0.name", newname },
			{ "data.0.basePrice", newp }, { "total", "1" } };
		stale += reads_want("after PATCH name+basePrice", url, NULL, 200, after, NW(after));
		stale += reads_want("after PATCH name+basePrice", url, admin, 200, after, NW(after));
		stale += reads_want("after PATCH name+basePrice", slugurl, NULL, 200, after,
		    NW(after));
		stale += reads_want("after PATCH name+basePrice", listurl, NULL, 200, lafter,
		    NW(lafter));
		stale += reads_want("after PATCH name+basePrice", listurl, admin, 200, lafter,
		    NW(lafter));
	}
	T_FRESH(stale, "after PATCH of name and basePrice");
	prod_free(&p);
	free(cat);
}

/* Stock changed by hand in SQL (any session but the product service's)
 * still NOTIFYs: the cached document follows within moments. */
static void
cache_stock_changed_by_hand(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":10"));
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
	struct resp rs;
	for (int i = 0; i < 4; i++) {   /* cached by every worker */
		t_get(&rs, url, NULL);
		if (T_STATUS(&rs, 200))
			T_EQ_INT(t_jint(rs.json, "variants.0.stock", -1), 10);
		t_resp_free(&rs);
	}
	T_EQ_INT(t_db_write(DB, "UPDATE variants SET stock = 77 WHERE id = $1", p.variant,
	    (char *)NULL), 1);
	int seen = 0;
	for (int tries = 0; tries < 40 && seen < 4; tries++) {
		t_get(&rs, url, NULL);
		if (rs.status == 200 && t_jint(rs.json, "variants.0.stock", -1) == 77)
			seen++;
		else
			seen = 0;
		t_resp_free(&rs);
		if (seen < 4)
			usleep(50 * 1000);
	}
	T_EQ_INT(seen, 4);
	prod_free(&p);
}

static void
cache_fresh_after_reservation_and_release(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	struct prod p;
	T_REQUIRE(mkprod(&p, cat, "10.00", ",\"stock\":10"));
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
	char listurl[200];
	snprintf(listurl, sizeof listurl, "/products?categoryId=%s", cat);
	int stale_res = 0, stale_rel = 0;
	int stock = 10;
	for (int round = 0; round < 3; round++) {
		char now[16], later[16];
		snprintf(now, sizeof now, "%d", stock);
		snprintf(later, sizeof later, "%d", stock - 3);
		const struct want w0[] = { { "variants.0.stock", now } };
		const struct want l0[] = { { "data.0.variants.0.stock", now } };
		/* Round 0: the state before; later rounds: right after the
		 * previous round's last reservation. */
		const char *label = round == 0 ? "before the write" : "after a reservation";
		stale_res += reads_want(label, url, NULL, 200, w0, 1);
		stale_res += reads_want(label, url, admin, 200, w0, 1);
		stale_res += reads_want(label, listurl, NULL, 200, l0, 1);
		char *order = uuid();
		T_EQ_INT(reserve1(order, p.variant, 3), 200);
		const struct want w1[] = { { "variants.0.stock", later } };
		const struct want l1[] = { { "data.0.variants.0.stock", later } };
		stale_res += reads_want("after a reservation", url, NULL, 200, w1, 1);
		stale_res += reads_want("after a reservation", url, admin, 200, w1, 1);
		stale_res += reads_want("after a reservation", listurl, NULL, 200, l1, 1);
		struct resp rs;
		release(&rs, order);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
		stale_rel += reads_want("after a release", url, NULL, 200, w0, 1);
		stale_rel += reads_want("after a release", url, admin, 200, w0, 1);
		stale_rel += reads_want("after a release", listurl, NULL, 200, l0, 1);
		/* Keep one reservation each round, so the stock moves on. */
		char *keep = uuid();
		T_EQ_INT(reserve1(keep, p.variant, 1), 200);
		stock -= 1;
		free(keep);
		free(order);
	}
	T_FRESH(stale_res, "after a reservation (variants[].stock)");
	T_FRESH(stale_rel, "after a release (variants[].stock)");
	prod_free(&p);
	free(cat);
}

static void
cache_fresh_after_soft_delete(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	int stale = 0;
	for (int round = 0; round < 3; round++) {
		struct prod p;
		T_REQUIRE(mkprod(&p, cat, "10.00", ""));
		char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
		char slugurl[200], listurl[200];
		snprintf(slugurl, sizeof slugurl, "/products/slug/%s", p.slug);
		snprintf(listurl, sizeof listurl, "/products?categoryId=%s", cat);
		char id[64];
		snprintf(id, sizeof id, "\"%s\"", p.id);
		const struct want there[] = { { "id", id } };
		const struct want listed[] = { { "data.0.id", id }, { "total", "1" } };
		stale += reads_want("before the write", url, NULL, 200, there, 1);
		stale += reads_want("before the write", url, admin, 200, there, 1);
		stale += reads_want("before the write", slugurl, NULL, 200, there, 1);
		stale += reads_want("before the write", slugurl, admin, 200, there, 1);
		stale += reads_want("before the write", listurl, NULL, 200, listed, NW(listed));
		stale += reads_want("before the write", listurl, admin, 200, listed, NW(listed));
		struct resp rs;
		del(&rs, url, admin);
		T_REQUIRE(T_STATUS(&rs, 200));
		t_resp_free(&rs);
		const struct want empty[] = { { "total", "0" }, { "data.0", "(absent)" } };
		stale += reads_want("after DELETE", url, NULL, 404, NULL, 0);
		stale += reads_want("after DELETE", url, admin, 404, NULL, 0);
		stale += reads_want("after DELETE", slugurl, NULL, 404, NULL, 0);
		stale += reads_want("after DELETE", slugurl, admin, 404, NULL, 0);
		stale += reads_want("after DELETE", listurl, NULL, 200, empty, NW(empty));
		stale += reads_want("after DELETE", listurl, admin, 200, empty, NW(empty));
		prod_free(&p);
	}
	T_FRESH(stale, "after a soft delete");
	free(cat);
}

static void
cache_fresh_after_deactivate(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ""));
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
	int stale = 0;
	const struct want on[] = { { "isActive", "true" } };
	const struct want off[] = { { "isActive", "false" } };
	for (int round = 0; round < 2; round++) {
		stale += reads_want("before the write", url, NULL, 200, on, 1);
		stale += reads_want("before the write", url, admin, 200, on, 1);
		struct resp rs;
		send_json(&rs, "PATCH", url, admin, "{\"isActive\":false}");
		T_REQUIRE(T_STATUS(&rs, 200));
		t_resp_free(&rs);
		stale += reads_want("after isActive=false", url, NULL, 404, NULL, 0);
		stale += reads_want("after isActive=false", url, customer, 404, NULL, 0);
		stale += reads_want("after isActive=false", url, admin, 200, off, 1);
		send_json(&rs, "PATCH", url, admin, "{\"isActive\":true}");
		T_REQUIRE(T_STATUS(&rs, 200));
		t_resp_free(&rs);
		stale += reads_want("after isActive=true", url, NULL, 200, on, 1);
		stale += reads_want("after isActive=true", url, admin, 200, on, 1);
	}
	T_FRESH(stale, "after isActive changes");
	prod_free(&p);
}

static void
cache_fresh_after_variant_and_image_patch(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":1"));
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
	int stale = 0;
	const struct want w0[] = { { "variants.0.stock", "1" }, { "images.0", "(absent)" } };
	stale += reads_want("before the write", url, NULL, 200, w0, NW(w0));
	struct resp rs;
	send_json(&rs, "PATCH", url, admin, fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":8},"
	    "{\"stock\":2,\"price\":11.00}],\"images\":[{\"url\":\"https://example.com/c.jpg\"}]}",
	    p.variant));
	T_REQUIRE(T_STATUS(&rs, 200));
	char *img = xdup(t_jstr(rs.json, "images.0.id"));
	t_resp_free(&rs);
	const struct want w1[] = { { "variants.0.stock", "8" }, { "variants.1.price", "11.00" },
		{ "images.0.url", "\"https://example.com/c.jpg\"" } };
	stale += reads_want("after PATCH of variants and images", url, NULL, 200, w1, NW(w1));
	send_json(&rs, "PATCH", url, admin, fmt("{\"removeImageIds\":[\"%s\"]}", img));
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	const struct want w2[] = { { "images.0", "(absent)" } };
	stale += reads_want("after removing an image", url, NULL, 200, w2, 1);
	T_FRESH(stale, "after variant and image changes");
	free(img);
	prod_free(&p);
}

/* Writes to p's only variant ROUNDS times (reservations and PATCHes in
 * turn), each followed at once by reads; returns the stale answers. */
static int
write_then_read_rounds(const struct prod *p, int rounds)
{
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p->id);
	int stale = 0, stock = 500;
	for (int round = 0; round < rounds; round++) {
		long st[READS];
		char *bodies[READS];
		/* Warm both workers (not checked: this is the state before). */
		t_http_parallel(READS, "GET", url, NULL, NULL, NULL, st, bodies);
		for (int i = 0; i < READS; i++)
			free(bodies[i]);
		if (round % 2 == 0) {
			char *order = uuid();
			long rc = reserve1(order, p->variant, 1);
			free(order);
			if (!T_EQ_INT(rc, 200))
				break;
			stock -= 1;
		} else {
			struct resp rs;
			stock += 7;
			send_json(&rs, "PATCH", url, admin, fmt("{\"variants\":[{\"id\":\"%s\","
			    "\"stock\":%d}]}", p->variant, stock));
			bool ok = T_STATUS(&rs, 200);
			t_resp_free(&rs);
			if (!ok)
				break;
		}
		char now[16];
		snprintf(now, sizeof now, "%d", stock);
		const struct want w[] = { { "variants.0.stock", now } };
		stale += reads_want(round % 2 == 0 ? "right after a reservation" :
		    "right after a PATCH of stock", url, NULL, 200, w, 1);
	}
	return stale;
}

static atomic_bool spinning;

static void *
spin(void *arg)
{
	(void)arg;
	volatile unsigned long x = 0;
	while (atomic_load(&spinning))
		x++;
	return NULL;
}

/* The same, many times over, on a busy host (threads of this process keep
 * the CPUs busy, as other work on a shared machine does): each write is
 * followed at once by a burst of reads, the window in which a worker may
 * not have received its NOTIFY yet. */
static void
cache_fresh_immediately_after_write_repeated(void)
{
	enum { ROUNDS = 40, SPINNERS = 4 };
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "10.00", ",\"stock\":500"));
	pthread_t th[SPINNERS];
	atomic_store(&spinning, true);
	int started = 0;
	for (; started < SPINNERS; started++)
		if (pthread_create(&th[started], NULL, spin, NULL) != 0)
			break;
	int stale = write_then_read_rounds(&p, ROUNDS);
	atomic_store(&spinning, false);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	T_FRESH(stale, "right after a write (repeated)");
	prod_free(&p);
}

/* The categories list holds the category id with the given name. */
struct cat_name {
	const char *id, *name;
};

static bool
cat_listed_ok(long status, struct json_object *j, const void *arg, char *why, size_t n)
{
	const struct cat_name *c = arg;
	if (status != 200 || j == NULL || !json_object_is_type(j, json_type_array)) {
		snprintf(why, n, "status %ld or not an array", status);
		return false;
	}
	for (size_t i = 0; i < json_object_array_length(j); i++) {
		struct json_object *e = json_object_array_get_idx(j, i);
		const char *id = t_jstr(e, "id");
		if (id != NULL && strcmp(id, c->id) == 0) {
			const char *name = t_jstr(e, "name");
			if (name != NULL && strcmp(name, c->name) == 0)
				return true;
			snprintf(why, n, "category %s is named \"%s\", expected \"%s\"", c->id,
			    name ? name : "(none)", c->name);
			return false;
		}
	}
	snprintf(why, n, "category %s is not listed", c->id);
	return false;
}

static void
cache_fresh_after_category_rename(void)
{
	char w[64], old[96], renamed[96];
	word(w, sizeof w, "");
	snprintf(old, sizeof old, "Before %s", w);
	char *cat = cat_post(fmt("{\"name\":\"%s\"}", old), NULL);
	T_REQUIRE(cat != NULL);
	struct prod p;
	T_REQUIRE(mkprod(&p, cat, "10.00", ""));
	char url[128];
	snprintf(url, sizeof url, "/products/%s", p.id);
	char slugurl[200], listurl[200];
	snprintf(slugurl, sizeof slugurl, "/products/slug/%s", p.slug);
	snprintf(listurl, sizeof listurl, "/products?categoryId=%s", cat);
	int stale = 0;
	for (int round = 0; round < 3; round++) {
		char cur[96];
		if (round == 0)
			snprintf(cur, sizeof cur, "%s", old);
		else
			snprintf(cur, sizeof cur, "After %d %s", round - 1, w);
		snprintf(renamed, sizeof renamed, "After %d %s", round, w);
		char q0[128], q1[128];
		snprintf(q0, sizeof q0, "\"%s\"", cur);
		snprintf(q1, sizeof q1, "\"%s\"", renamed);
		const struct want w0[] = { { "category.name", q0 } };
		const struct want l0[] = { { "data.0.category.name", q0 } };
		struct cat_name c0 = { cat, cur };
		stale += reads_want("before the write", url, NULL, 200, w0, 1);
		stale += reads_want("before the write", url, admin, 200, w0, 1);
		stale += reads_want("before the write", slugurl, NULL, 200, w0, 1);
		stale += reads_want("before the write", listurl, NULL, 200, l0, 1);
		stale += reads_check("before the write", "/categories", NULL, cat_listed_ok, &c0);
		struct resp rs;
		send_json(&rs, "PATCH", fmt("/categories/%s", cat), admin,
		    fmt("{\"name\":\"%s\"}", renamed));
		T_REQUIRE(T_STATUS(&rs, 200));
		t_resp_free(&rs);
		const struct want w1[] = { { "category.name", q1 } };
		const struct want l1[] = { { "data.0.category.name", q1 } };
		struct cat_name c1 = { cat, renamed };
		stale += reads_want("after a category rename", url, NULL, 200, w1, 1);
		stale += reads_want("after a category rename", url, admin, 200, w1, 1);
		stale += reads_want("after a category rename", slugurl, NULL, 200, w1, 1);
		stale += reads_want("after a category rename", listurl, NULL, 200, l1, 1);
		stale += reads_check("after a category rename", "/categories", NULL, cat_listed_ok,
		    &c1);
		stale += reads_want("after a category rename", fmt("/categories/%s", cat), NULL, 200,
		    (const struct want[]){ { "name", q1 } }, 1);
	}
	T_FRESH(stale, "after a category rename");
	prod_free(&p);
	free(cat);
}

static void
cache_fresh_after_new_product(void)
{
	char *cat = cat_new();
	T_REQUIRE(cat != NULL);
	char listurl[200];
	snprintf(listurl, sizeof listurl, "/products?categoryId=%s", cat);
	int stale = 0;
	/* A new category appears in /categories. */
	struct cat_name cn = { cat, NULL };
	struct resp rs;
	t_get(&rs, fmt("/categories/%s", cat), NULL);
	char *cname = xdup(t_jstr(rs.json, "name"));
	t_resp_free(&rs);
	cn.name = cname;
	stale += reads_check("after a new category", "/categories", NULL, cat_listed_ok, &cn);
	for (int round = 0; round < 3; round++) {
		char total[16], after_total[16];
		snprintf(total, sizeof total, "%d", round);
		snprintf(after_total, sizeof after_total, "%d", round + 1);
		const struct want w0[] = { { "total", total } };
		stale += reads_want("before the write", listurl, NULL, 200, w0, 1);
		stale += reads_want("before the write", listurl, admin, 200, w0, 1);
		/* The unfiltered first page too (nothing else writes products now). */
		t_get(&rs, "/products", NULL);
		long long all = t_jint(rs.json, "total", -1);
		t_resp_free(&rs);
		char all0[32], all1[32];
		snprintf(all0, sizeof all0, "%lld", all);
		snprintf(all1, sizeof all1, "%lld", all + 1);
		const struct want a0[] = { { "total", all0 } };
		stale += reads_want("before the write", "/products", NULL, 200, a0, 1);
		stale += reads_want("before the write", "/products?sort=newest&take=5", NULL, 200, a0, 1);
		struct prod p;
		T_REQUIRE(mkprod(&p, cat, "10.00", ""));
		char id[64];
		snprintf(id, sizeof id, "\"%s\"", p.id);
		const struct want w1[] = { { "total", after_total }, { "data.0.id", id } };
		const struct want a1[] = { { "total", all1 }, { "data.0.id", id } };
		stale += reads_want("after a new product", listurl, NULL, 200, w1, NW(w1));
		stale += reads_want("after a new product", listurl, admin, 200, w1, NW(w1));
		stale += reads_want("after a new product", "/products", NULL, 200, a1, NW(a1));
		stale += reads_want("after a new product", "/products?sort=newest&take=5", NULL, 200,
		    a1, NW(a1));
		prod_free(&p);
	}
	T_FRESH(stale, "after a new product");
	free(cname);
	free(cat);
}

static const struct t_case cases[] = {
	/* categories */
	T_CASE(categories_list_and_get_every_role),
	T_CASE(categories_write_non_admin_401_403),
	T_CASE(categories_slug_derived_from_name),
	T_CASE(categories_slug_duplicate_409),
	T_CASE(categories_create_bad_slug_400),
	T_CASE(categories_create_bad_input_400),
	T_CASE(categories_update_admin_200),
	T_CASE(categories_delete_with_products_409_then_ok),
	/* product reads */
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
	/* product create */
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
	/* product update and delete */
	T_CASE(products_patch_name_only),
	T_CASE(products_patch_base_price_moves_default_variant),
	T_CASE(products_patch_variants_add_change_remove),
	T_CASE(products_patch_remove_last_variant_409),
	T_CASE(products_patch_foreign_variant_400),
	T_CASE(products_patch_images_add_change_remove),
	T_CASE(products_patch_bad_input_400),
	T_CASE(products_delete_soft),
	/* events */
	T_CASE(events_outbox_created_updated_deleted),
	/* internal API */
	T_CASE(internal_lookup_batch),
	T_CASE(internal_reserve_all_or_none),
	T_CASE(internal_reserve_variant_deleted_meanwhile),
	T_CASE(internal_reserve_by_product),
	T_CASE(internal_reserve_idempotent_per_order),
	T_CASE(internal_release_idempotent),
	T_CASE(internal_reserve_same_variant_summed),
	T_CASE(internal_routes_hidden_on_public_port),
	/* concurrency */
	T_CASE(reserve_concurrent_50_on_stock_10),
	/* the response cache */
	T_CASE(cache_fresh_after_patch_name_and_price),
	T_CASE(cache_fresh_after_reservation_and_release),
	T_CASE(cache_stock_changed_by_hand),
	T_CASE(cache_fresh_after_soft_delete),
	T_CASE(cache_fresh_after_deactivate),
	T_CASE(cache_fresh_after_variant_and_image_patch),
	T_CASE(cache_fresh_after_category_rename),
	T_CASE(cache_fresh_after_new_product),
	T_CASE(cache_fresh_immediately_after_write_repeated),
};

int
main(void)
{
	return t_run("product", cases, T_NCASES(cases), suite_init, suite_clean);
}
