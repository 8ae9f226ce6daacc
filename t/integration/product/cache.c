/* it_product: the per-worker response cache (fcgi/product/cache.c): after
 * every kind of write, every later read from every pool worker reflects
 * it, right after the write and on a busy host. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		const char *got = t_jtext(j, ws->w[i].path);
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
		t_send_json(&rs, "PATCH", url, admin,
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
		t_send_json(&rs, "PATCH", url, admin, "{\"isActive\":false}");
		T_REQUIRE(T_STATUS(&rs, 200));
		t_resp_free(&rs);
		stale += reads_want("after isActive=false", url, NULL, 404, NULL, 0);
		stale += reads_want("after isActive=false", url, customer, 404, NULL, 0);
		stale += reads_want("after isActive=false", url, admin, 200, off, 1);
		t_send_json(&rs, "PATCH", url, admin, "{\"isActive\":true}");
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
	t_send_json(&rs, "PATCH", url, admin, fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":8},"
	    "{\"stock\":2,\"price\":11.00}],\"images\":[{\"url\":\"https://example.com/c.jpg\"}]}",
	    p.variant));
	T_REQUIRE(T_STATUS(&rs, 200));
	char *img = xdup(t_jstr(rs.json, "images.0.id"));
	t_resp_free(&rs);
	const struct want w1[] = { { "variants.0.stock", "8" }, { "variants.1.price", "11.00" },
		{ "images.0.url", "\"https://example.com/c.jpg\"" } };
	stale += reads_want("after PATCH of variants and images", url, NULL, 200, w1, NW(w1));
	t_send_json(&rs, "PATCH", url, admin, fmt("{\"removeImageIds\":[\"%s\"]}", img));
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
			t_send_json(&rs, "PATCH", url, admin, fmt("{\"variants\":[{\"id\":\"%s\","
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
		t_send_json(&rs, "PATCH", fmt("/categories/%s", cat), admin,
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

const struct t_suite product_cache_suite = T_SUITE("cache", cases);
