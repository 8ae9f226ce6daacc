/* it_product: the internal API the order service calls: the batch lookup,
 * reservations (all or none, by product, idempotent per order, a variant
 * deleted while one waits) and releases, hidden on the public port, and 50
 * concurrent reservations on a stock of 10. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	T_JSON_EQ(&rs, "variants.0.isDefault", "true");
	T_JSON_EQ(&rs, "variants.1.price", "250.00");
	T_JSON_EQ(&rs, "variants.1.stock", "8");
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
			if (!T_JSON_EQ(&rs, fmt("items.%d.found", i), found[i]))
				printf("    (item %d)\n", i);
		T_EQ_STR(t_jstr(rs.json, "items.0.productId"), p.id);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), p.variant);
		T_EQ_STR(t_jstr(rs.json, "items.0.categoryId"), cat);
		T_EQ_STR(t_jstr(rs.json, "items.0.name"), p.name);
		T_JSON_EQ(&rs, "items.0.price", "100.00");
		T_JSON_EQ(&rs, "items.0.basePrice", "100.00");
		T_JSON_EQ(&rs, "items.0.stock", "3");
		T_JSON_EQ(&rs, "items.0.isActive", "true");
		T_EQ_STR(t_jstr(rs.json, "items.0.currency"), "INR");
		T_EQ_STR(t_jstr(rs.json, "items.1.variantId"), q2);
		T_JSON_EQ(&rs, "items.1.price", "250.00");
		T_JSON_EQ(&rs, "items.1.basePrice", "200.00");
		T_JSON_EQ(&rs, "items.1.categoryId", "null");
		T_EQ_STR(t_jstr(rs.json, "items.2.productId"), GHOST);
		T_JSON_EQ(&rs, "items.2.price", "(absent)");
		/* q's variant asked for under p: not found, and not priced. */
		T_EQ_STR(t_jstr(rs.json, "items.3.productId"), p.id);
		T_JSON_EQ(&rs, "items.3.price", "(absent)");
		T_EQ_STR(t_jstr(rs.json, "items.4.variantId"), p.variant);
		/* No variantId: q's default (the first), at the base price. */
		T_JSON_EQ(&rs, "items.5.price", "200.00");
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
	T_EQ_INT(t_stock(a.variant), 5);
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
	T_EQ_INT(t_stock(a.variant), 5);
	T_EQ_INT(t_stock(b.variant), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservations WHERE order_id = $1", order,
	    NULL), 0);
	/* An unknown variant among good ones: 404, nothing taken. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":1},"
	    "{\"variantId\":\"" GHOST "\",\"quantity\":1}]", a.variant));
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_stock(a.variant), 5);
	/* The same order, now satisfiable: all lines. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":2},"
	    "{\"variantId\":\"%s\",\"quantity\":1}]", a.variant, b.variant));
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "orderId"), order);
		T_EQ_STR(t_jstr(rs.json, "status"), "RESERVED");
		T_EQ_INT(t_jlen(rs.json, "items"), 2);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_stock(a.variant), 3);
	T_EQ_INT(t_stock(b.variant), 0);
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
	T_EQ_INT(t_stock(off.variant), 5);
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
		T_JSON_EQ(&rs, "lines.0.price", "12.34");
		T_EQ_STR(t_jstr(rs.json, "lines.0.name"), a.name);
		T_EQ_STR(t_jstr(rs.json, "lines.0.currency"), "INR");
		T_EQ_STR(t_jstr(rs.json, "lines.1.variantId"), b.variant);
		T_JSON_EQ(&rs, "lines.1.price", "20.00");
		T_EQ_STR(t_jstr(rs.json, "lines.2.variantId"), a.variant);
		/* items: what is held, summed per variant. */
		T_EQ_INT(t_jlen(rs.json, "items"), 2);
	}
	t_resp_free(&rs);
	T_EQ_INT(t_stock(a.variant), 2);
	T_EQ_INT(t_stock(b.variant), 4);
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
	T_EQ_INT(t_stock(a.variant), 2);
	T_EQ_INT(t_stock(b.variant), 4);
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
		T_JSON_EQ(&rs, "items.0.quantity", "3");
	t_resp_free(&rs);
	T_EQ_INT(t_stock(p.variant), 7);
	/* The same order sent 8 times at once: taken once. */
	char *o2 = uuid();
	const char *body = fmt("{\"orderId\":\"%s\",\"items\":[{\"variantId\":\"%s\","
	    "\"quantity\":2}]}", o2, p.variant);
	long st[8];
	t_http_parallel(8, "POST", iurl("/internal/product/reservations"), NULL,
	    "application/json", body, st, NULL);
	for (int i = 0; i < 8; i++)
		T_EQ_INT(st[i], 200);
	T_EQ_INT(t_stock(p.variant), 5);
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
	T_EQ_INT(t_stock(p.variant), 6);
	struct resp rs;
	for (int i = 0; i < 2; i++) {
		release(&rs, order);
		if (T_STATUS(&rs, 200)) {
			T_EQ_STR(t_jstr(rs.json, "orderId"), order);
			T_EQ_STR(t_jstr(rs.json, "status"), "RELEASED");
		}
		t_resp_free(&rs);
		T_EQ_INT(t_stock(p.variant), 10);
	}
	/* A released order cannot reserve again under the same id. */
	reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":1}]", p.variant));
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_stock(p.variant), 10);
	/* Released 8 times at once: back once. */
	char *o2 = uuid();
	T_EQ_INT(reserve1(o2, p.variant, 5), 200);
	long st[8];
	t_http_parallel(8, "POST", iurl(fmt("/internal/product/reservations/%s/release", o2)),
	    NULL, "application/json", "{}", st, NULL);
	for (int i = 0; i < 8; i++)
		T_EQ_INT(st[i], 200);
	T_EQ_INT(t_stock(p.variant), 10);
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
	T_EQ_INT(t_stock(p.variant), 5);
	reserve(&rs, o2, fmt("[{\"variantId\":\"%s\",\"quantity\":2},"
	    "{\"variantId\":\"%s\",\"quantity\":2}]", p.variant, p.variant));
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "items"), 1);
		T_EQ_STR(t_jstr(rs.json, "items.0.variantId"), p.variant);
		T_JSON_EQ(&rs, "items.0.quantity", "4");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_stock(p.variant), 1);
	release(&rs, o2);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(t_stock(p.variant), 5);
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
	T_EQ_INT(t_stock(p.variant), 5);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM reservations WHERE order_id = $1", order,
	    NULL), 0);
	free(order);
	prod_free(&p);
}

/* POSTs n different JSON bodies to url at once; fills status[i]. */
static void
post_all_at_once(int n, const char *url, char **bodies, long *status)
{
	t_http_many(n, "POST", url, NULL, "application/json", (const char *const *)bodies, status,
	    NULL);
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
	T_EQ_INT(t_stock(p.variant), 0);
	T_EQ_INT(t_db_count(DB, "SELECT coalesce(sum(quantity), 0) FROM reservation_lines WHERE "
	    "variant_id = $1", p.variant, NULL), STOCK);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM variants WHERE stock < 0", NULL), 0);
	struct resp rs;
	get_product(&rs, p.id, NULL);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "variants.0.stock", "0");
	t_resp_free(&rs);
	for (int i = 0; i < N; i++) {
		free(bodies[i]);
		free(orders[i]);
	}
	prod_free(&p);
}

static const struct t_case cases[] = {
	T_CASE(internal_lookup_batch),
	T_CASE(internal_reserve_all_or_none),
	T_CASE(internal_reserve_variant_deleted_meanwhile),
	T_CASE(internal_reserve_by_product),
	T_CASE(internal_reserve_idempotent_per_order),
	T_CASE(internal_release_idempotent),
	T_CASE(internal_reserve_same_variant_summed),
	T_CASE(internal_routes_hidden_on_public_port),
	T_CASE(reserve_concurrent_50_on_stock_10),
};

const struct t_suite product_reservations_suite = T_SUITE("reservations", cases);
