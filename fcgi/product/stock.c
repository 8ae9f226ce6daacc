/* Internal API (docs/internal-api.md): batched price lookup and stock
 * reservations keyed by order id. */
#include "product.h"
#include "events.h"
#include "log.h"
#include <stdlib.h>
#include <string.h>

#define LOOKUP_MAX 100

enum { K_ITEMS, K__MAX };
static const struct field lookup_fields[K__MAX] = {
	[K_ITEMS] = { "items", F_ARRAY, F_REQUIRED, 1, LOOKUP_MAX, NULL },
};
enum { KI_PRODUCT, KI_VARIANT, KI__MAX };
static const struct field lookup_item_fields[KI__MAX] = {
	[KI_PRODUCT] = { "productId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[KI_VARIANT] = { "variantId", F_UUID, 0, 0, 0, NULL },
};

enum { RS_ORDER, RS_ITEMS, RS__MAX };
static const struct field reserve_fields[RS__MAX] = {
	[RS_ORDER] = { "orderId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[RS_ITEMS] = { "items", F_ARRAY, F_REQUIRED, 1, LOOKUP_MAX, NULL },
};
enum { RI_PRODUCT, RI_VARIANT, RI_QTY, RI__MAX };
static const struct field reserve_item_fields[RI__MAX] = {
	[RI_PRODUCT] = { "productId", F_UUID, 0, 0, 0, NULL },
	[RI_VARIANT] = { "variantId", F_UUID, 0, 0, 0, NULL },
	[RI_QTY] = { "quantity", F_INT, F_REQUIRED, 1, 1000000, NULL },
};

void
stock_lookup(struct req *r)
{
	struct fval f[K__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, lookup_fields, K__MAX, f, NULL) != 0)
		return;
	size_t n = f[K_ITEMS].v->n;
	const char **pids = arena_alloc(r->a, n * sizeof *pids);
	const char **vids = arena_alloc(r->a, n * sizeof *vids);
	for (size_t i = 0; i < n; i++) {
		struct fval it[KI__MAX];
		const char *pfx = arena_printf(r->a, "items[%zu].", i);
		if (fields_or_reply(r, f[K_ITEMS].v->items[i], lookup_item_fields, KI__MAX,
		    it, pfx) != 0)
			return;
		pids[i] = it[KI_PRODUCT].s;
		vids[i] = it[KI_VARIANT].s;
	}
	PGresult *res = db_exec_or_reply(r, S(S_LOOKUP),
	    (const char *[]){ db_uuid_array(r, pids, n), db_uuid_array(r, vids, n) });
	if (res == NULL)
		return;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	int row = 0, rows = PQntuples(res);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		if (row < rows && db_get_ll(res, row, "ord") == (long long)i + 1) {
			jw_kstr(&w, "productId", db_get(res, row, "product_id"));
			jw_kstr(&w, "variantId", db_get(res, row, "variant_id"));
			jw_kbool(&w, "found", true);
			jw_kstr(&w, "name", db_get(res, row, "name"));
			jw_kstr(&w, "categoryId", db_get(res, row, "category_id"));
			jw_kbool(&w, "isActive", db_get_bool(res, row, "is_active"));
			jw_kmoney(&w, "basePrice", db_get_ll(res, row, "base_price"));
			jw_kmoney(&w, "price", db_get_ll(res, row, "price"));
			jw_kstr(&w, "currency", db_get(res, row, "currency"));
			jw_kint(&w, "stock", db_get_ll(res, row, "stock"));
			row++;
		} else {
			jw_kstr(&w, "productId", pids[i]);
			jw_kstr(&w, "variantId", vids[i]);
			jw_kbool(&w, "found", false);
		}
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* "lines": what each request line resolved to (rows of S_RES_ATOMIC, in
 * request order). */
static void
lines_put(struct jw *w, const PGresult *res)
{
	jw_key(w, "lines");
	jw_arr_open(w);
	for (int i = 0; i < PQntuples(res); i++) {
		jw_obj_open(w);
		jw_kstr(w, "productId", db_get(res, i, "product_id"));
		jw_kstr(w, "variantId", db_get(res, i, "variant_id"));
		jw_kstr(w, "name", db_get(res, i, "name"));
		jw_kstr(w, "categoryId", db_get(res, i, "category_id"));
		jw_kmoney(w, "price", db_get_ll(res, i, "price"));
		jw_kstr(w, "currency", db_get(res, i, "currency"));
		jw_kint(w, "quantity", db_get_ll(res, i, "qty"));
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

/* The answer: the reservation held (held: an S_RES_GET result) and the
 * request's lines resolved (lines: the S_RES_ATOMIC result). */
static void
reply_reservation(struct req *r, const char *order_id, const PGresult *held,
    const PGresult *lines)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", order_id);
	jw_kstr(&w, "status", db_get(held, 0, "status"));
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(held); i++) {
		if (db_isnull(held, i, "variant_id"))
			continue;
		jw_obj_open(&w);
		jw_kstr(&w, "variantId", db_get(held, i, "variant_id"));
		jw_kint(&w, "quantity", db_get_ll(held, i, "quantity"));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	if (lines != NULL)
		lines_put(&w, lines);
	jw_obj_close(&w);
	reply_w(r, 200);
}

struct line {
	const char *variant;
	long long qty;
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->variant, ((const struct line *)b)->variant);
}

/* The answer for a reservation made now: its lines are the request's,
 * summed per variant, in variant id order (as S_RES_GET reads them back). */
static void
reply_reservation_made(struct req *r, const char *order, const PGresult *res)
{
	int n = PQntuples(res);
	struct line *v = arena_alloc(r->a, (size_t)n * sizeof *v);
	for (int i = 0; i < n; i++) {
		v[i].variant = db_get(res, i, "variant_id");
		v[i].qty = db_get_ll(res, i, "qty");
	}
	qsort(v, (size_t)n, sizeof *v, line_cmp);
	int m = 0;
	for (int i = 0; i < n; i++) {
		if (m > 0 && strcmp(v[m - 1].variant, v[i].variant) == 0)
			v[m - 1].qty += v[i].qty;
		else
			v[m++] = v[i];
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", order);
	jw_kstr(&w, "status", "RESERVED");
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (int i = 0; i < m; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "variantId", v[i].variant);
		jw_kint(&w, "quantity", v[i].qty);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	lines_put(&w, res);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* A line that cannot be reserved: 404 (unknown or deleted) or 409. */
static void
reply_line_refused(struct req *r, const PGresult *res, int row, const char *const *pids,
    const char *const *vids)
{
	const char *why = db_get(res, row, "why");
	const char *variant = db_get(res, row, "variant_id");
	const char *product = db_get(res, row, "product_id");
	if (strcmp(why, "missing") == 0) {
		if (vids[row] != NULL && pids[row] != NULL)
			reply_error(r, 404, "items[%d]: variant %s of product %s not found", row,
			    vids[row], pids[row]);
		else if (vids[row] != NULL)
			reply_error(r, 404, "items[%d]: variant %s not found", row, vids[row]);
		else
			reply_error(r, 404, "items[%d]: product %s not found", row, pids[row]);
	} else if (strcmp(why, "inactive") == 0) {
		reply_error(r, 409, "items[%d]: product %s is not available for sale (variant %s)",
		    row, product, variant);
	} else {
		reply_error(r, 409, "items[%d]: insufficient stock for variant %s", row, variant);
	}
}

/* S_RES_ATOMIC failed on a constraint and took nothing: the stock >= 0
 * of a variant (S_RES_SHORT names the first line short of it), or
 * reservation_complete (sql/product/007: a variant deleted meanwhile). */
static void
reply_short(struct req *r, const char *order, const char *const *pids,
    const char *const *vids, const long long *qty, size_t n)
{
	if (strcmp(db_constraint(), "reservation_complete") == 0) {
		reply_error(r, 409, "a variant of this order was deleted meanwhile, try again");
		return;
	}
	PGresult *res = db_exec_or_reply(r, S(S_RES_SHORT), (const char *[]){ order,
	    db_uuid_array(r, pids, n), db_uuid_array(r, vids, n), db_int_array(r, qty, n) });
	if (res == NULL)
		return;
	if (PQntuples(res) == 1)
		reply_error(r, 409, "items[%s]: insufficient stock for variant %s",
		    db_get(res, 0, "line"), db_get(res, 0, "variant_id"));
	else   /* stock came back since: still, nothing was taken */
		reply_error(r, 409, "insufficient stock, try again");
}

void
stock_reserve(struct req *r)
{
	struct fval f[RS__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, reserve_fields, RS__MAX, f, NULL) != 0)
		return;
	const char *order = f[RS_ORDER].s;
	size_t n = f[RS_ITEMS].v->n;
	const char **pids = arena_alloc(r->a, n * sizeof *pids);
	const char **vids = arena_alloc(r->a, n * sizeof *vids);
	long long *qty = arena_alloc(r->a, n * sizeof *qty);
	for (size_t i = 0; i < n; i++) {
		struct fval it[RI__MAX];
		const char *pfx = arena_printf(r->a, "items[%zu].", i);
		if (fields_or_reply(r, f[RS_ITEMS].v->items[i], reserve_item_fields, RI__MAX,
		    it, pfx) != 0)
			return;
		pids[i] = it[RI_PRODUCT].set ? it[RI_PRODUCT].s : NULL;
		vids[i] = it[RI_VARIANT].set ? it[RI_VARIANT].s : NULL;
		qty[i] = it[RI_QTY].i;
		if (pids[i] == NULL && vids[i] == NULL) {
			reply_error(r, 400, "items[%zu] needs a productId or a variantId", i);
			return;
		}
	}
	/* One statement, so one atomic round trip (S_RES_ATOMIC). */
	enum db_err err;
	PGresult *res = db_exec(r, S(S_RES_ATOMIC), (const char *[]){ order,
	    db_uuid_array(r, pids, n), db_uuid_array(r, vids, n), db_int_array(r, qty, n) },
	    &err);
	if (res == NULL) {
		if (err == DB_CHECK)
			reply_short(r, order, pids, vids, qty, n);
		else if (err == DB_DOWN)
			reply_error(r, 503, "database unavailable, try again shortly");
		else
			reply_error(r, 500, "internal server error");
		return;
	}
	if (PQntuples(res) != (int)n) {
		log_err("reservation for order %s: %d rows for %zu lines", order, PQntuples(res), n);
		reply_error(r, 500, "internal server error");
		return;
	}
	for (int i = 0; i < (int)n; i++) {
		if (!db_isnull(res, i, "why")) {
			reply_line_refused(r, res, i, pids, vids);
			return;
		}
	}
	if (db_get_bool(res, 0, "reserved")) {
		/* Stock-only changes do not NOTIFY (sql/product/005): the pool's
		 * cached documents of these products are dropped here. */
		for (int i = 0; i < (int)n; i++)
			cache_product_changed(db_get(res, i, "product_id"));
		reply_reservation_made(r, order, res);
		return;
	}
	/* The order has a reservation already: a retry gets the first answer
	 * and reserves nothing; the reaper sees the reservation young again. */
	PGresult *prev;
	if (db_exec_or_reply(r, S(S_RES_TOUCH), (const char *[]){ order }) == NULL ||
	    (prev = db_exec_or_reply(r, S(S_RES_GET), (const char *[]){ order })) == NULL)
		return;
	if (PQntuples(prev) == 0 || strcmp(db_get(prev, 0, "status"), "RESERVED") != 0) {
		reply_error(r, 409, "the reservation for order %s was released", order);
		return;
	}
	reply_reservation(r, order, prev, res);
}

int
stock_give_back_in_tx(struct req *r, const char *order, PGresult **back)
{
	if (db_exec_or_reply(r, S(S_RES_LOCK_LINES), (const char *[]){ order }) == NULL ||
	    (*back = db_exec_or_reply(r, S(S_RES_GIVE_BACK), (const char *[]){ order })) == NULL)
		return -1;
	return 0;
}

/* Returns the reservation's stock inside the open transaction; *back gets
 * the products whose stock came back (for cache_product_changed once the
 * transaction has committed).  Returns 1 released now, 0 already released,
 * 2 no reservation, -1 answered. */
static int
release_in_tx(struct req *r, const char *order, PGresult **back)
{
	*back = NULL;
	PGresult *rel = db_exec_or_reply(r, S(S_RES_RELEASE), (const char *[]){ order });
	if (rel == NULL)
		return -1;
	if (PQntuples(rel) == 1)
		return stock_give_back_in_tx(r, order, back) == 0 ? 1 : -1;
	PGresult *now = db_exec_or_reply(r, S(S_RES_GET), (const char *[]){ order });
	if (now == NULL)
		return -1;
	return PQntuples(now) == 0 ? 2 : 0;
}

void
products_changed(const PGresult *back)
{
	for (int i = 0; back != NULL && i < PQntuples(back); i++)
		cache_product_changed(db_get(back, i, "product_id"));
}

void
stock_release(struct req *r)
{
	const char *order = param_uuid_or_reply(r, "orderId");
	if (order == NULL || db_begin(r) != 0)
		return;
	PGresult *back;
	int rc = release_in_tx(r, order, &back);
	if (rc < 0)
		return;
	if (rc == 2) {
		reply_error(r, 404, "no reservation for order %s", order);
		return;
	}
	PGresult *now = db_exec_or_reply(r, S(S_RES_GET), (const char *[]){ order });
	if (now == NULL || db_commit(r) != 0)
		return;
	products_changed(back);
	reply_reservation(r, order, now, NULL);
}

/* POST /internal/product/events: ORDER_CANCELLED returns the stock. */
void
stock_events(struct req *r)
{
	struct event ev;
	if (event_parse_or_reply(r, &ev) != 0)
		return;
	if (strcmp(ev.type, "ORDER_CANCELLED") != 0) {
		event_ack(r, &ev, "ignored");
		return;
	}
	const char *order = event_str(&ev, "orderId");
	if (order == NULL || !valid_uuid(order)) {
		reply_error(r, 400, "payload.orderId must be a UUID");
		return;
	}
	if (db_begin(r) != 0)
		return;
	int claimed = event_claim(r, &ev);
	if (claimed < 0)
		return;
	if (claimed == 0) {
		event_ack(r, &ev, "duplicate");
		return;
	}
	/* An order whose reservation never existed (or was released) has no
	 * stock to return: the event is still consumed. */
	PGresult *back;
	if (release_in_tx(r, order, &back) < 0 || db_commit(r) != 0)
		return;
	products_changed(back);
	event_ack(r, &ev, "applied");
}

void
stock_snapshot(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PRODUCT_SNAPSHOT), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(r, 404, "product %s not found", id);
		return;
	}
	buf_reset(&r->out);
	buf_adds(&r->out, db_get(res, 0, "doc"));
	reply_w(r, 200);
}

void
stock_variants(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_VARIANTS_OF), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(r, 404, "product %s not found", id);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "productId", id);
	jw_key(&w, "variants");
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(res); i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "variantId", db_get(res, i, "id"));
		jw_kmoney(&w, "price", db_get_ll(res, i, "price"));
		jw_kbool(&w, "isDefault", db_get_bool(res, i, "is_default"));
		jw_kint(&w, "stock", db_get_ll(res, i, "stock"));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}
