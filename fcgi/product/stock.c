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
enum { RI_VARIANT, RI_QTY, RI__MAX };
static const struct field reserve_item_fields[RI__MAX] = {
	[RI_VARIANT] = { "variantId", F_UUID, F_REQUIRED, 0, 0, NULL },
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

static void
reply_reservation(struct req *r, const char *order_id, const PGresult *res)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", order_id);
	jw_kstr(&w, "status", db_get(res, 0, "status"));
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(res); i++) {
		if (db_isnull(res, i, "variant_id"))
			continue;
		jw_obj_open(&w);
		jw_kstr(&w, "variantId", db_get(res, i, "variant_id"));
		jw_kint(&w, "quantity", db_get_ll(res, i, "quantity"));
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* The answer for a reservation made now: its lines are the request's. */
static void
reply_reservation_lines(struct req *r, const char *order, const char **ids,
    const long long *qty, size_t n)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", order);
	jw_kstr(&w, "status", "RESERVED");
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "variantId", ids[i]);
		jw_kint(&w, "quantity", qty[i]);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
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

void
stock_reserve(struct req *r)
{
	struct fval f[RS__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, reserve_fields, RS__MAX, f, NULL) != 0)
		return;
	const char *order = f[RS_ORDER].s;
	size_t n = f[RS_ITEMS].v->n, nl = 0;
	struct line *lines = arena_alloc(r->a, n * sizeof *lines);
	for (size_t i = 0; i < n; i++) {
		struct fval it[RI__MAX];
		const char *pfx = arena_printf(r->a, "items[%zu].", i);
		if (fields_or_reply(r, f[RS_ITEMS].v->items[i], reserve_item_fields, RI__MAX,
		    it, pfx) != 0)
			return;
		lines[nl].variant = it[RI_VARIANT].s;
		lines[nl].qty = it[RI_QTY].i;
		nl++;
	}
	/* Lines for the same variant are summed; ids sorted. */
	qsort(lines, nl, sizeof *lines, line_cmp);
	size_t m = 0;
	for (size_t i = 0; i < nl; i++) {
		if (m > 0 && strcmp(lines[m - 1].variant, lines[i].variant) == 0)
			lines[m - 1].qty += lines[i].qty;
		else
			lines[m++] = lines[i];
	}
	const char **ids = arena_alloc(r->a, m * sizeof *ids);
	long long *qty = arena_alloc(r->a, m * sizeof *qty);
	for (size_t i = 0; i < m; i++) {
		ids[i] = lines[i].variant;
		qty[i] = lines[i].qty;
		if (qty[i] > 1000000) {
			reply_error(r, 400, "quantity for variant %s is too large", ids[i]);
			return;
		}
	}
	/* One statement, so one atomic round trip (S_RES_ATOMIC): it locks the
	 * variants in id order, judges every line, and only when all pass
	 * inserts the reservation, takes the stock and writes the lines. */
	const char *idarr = db_uuid_array(r, ids, m), *qtyarr = db_int_array(r, qty, m);
	enum db_err err;
	PGresult *res = db_exec(r, S(S_RES_ATOMIC), (const char *[]){ order, idarr, qtyarr }, &err);
	if (res == NULL) {
		if (err == DB_CHECK)   /* the stock >= 0 constraint: a race lost */
			reply_error(r, 409, "insufficient stock");
		else if (err == DB_DOWN)
			reply_error(r, 503, "database unavailable, try again shortly");
		else
			reply_error(r, 500, "internal server error");
		return;
	}
	if (db_get_bool(res, 0, "reserved")) {
		reply_reservation_lines(r, order, ids, qty, m);
		return;
	}
	const char *bad = db_get(res, 0, "bad_variant");
	if (bad != NULL) {
		const char *why = db_get(res, 0, "why");
		if (strcmp(why, "missing") == 0)
			reply_error(r, 404, "variant %s not found", bad);
		else if (strcmp(why, "inactive") == 0)
			reply_error(r, 409, "variant %s belongs to an inactive product", bad);
		else
			reply_error(r, 409, "insufficient stock for variant %s", bad);
		return;
	}
	/* The order has a reservation already: a retry gets the first answer
	 * and reserves nothing. */
	PGresult *prev = db_exec_or_reply(r, S(S_RES_GET), (const char *[]){ order });
	if (prev == NULL)
		return;
	if (PQntuples(prev) == 0 || strcmp(db_get(prev, 0, "status"), "RESERVED") != 0) {
		reply_error(r, 409, "the reservation for order %s was released", order);
		return;
	}
	reply_reservation(r, order, prev);
}

/* Returns the reservation's stock inside the open transaction.  Returns
 * 1 released now, 0 already released, 2 no reservation, -1 answered. */
static int
release_in_tx(struct req *r, const char *order)
{
	PGresult *rel = db_exec_or_reply(r, S(S_RES_RELEASE), (const char *[]){ order });
	if (rel == NULL)
		return -1;
	if (PQntuples(rel) == 1) {
		if (db_exec_or_reply(r, S(S_RES_LOCK_LINES), (const char *[]){ order }) == NULL ||
		    db_exec_or_reply(r, S(S_RES_GIVE_BACK), (const char *[]){ order }) == NULL)
			return -1;
		return 1;
	}
	PGresult *now = db_exec_or_reply(r, S(S_RES_GET), (const char *[]){ order });
	if (now == NULL)
		return -1;
	return PQntuples(now) == 0 ? 2 : 0;
}

void
stock_release(struct req *r)
{
	const char *order = param_uuid_or_reply(r, "orderId");
	if (order == NULL || db_begin(r) != 0)
		return;
	int rc = release_in_tx(r, order);
	if (rc < 0) {
		db_rollback(r);
		return;
	}
	if (rc == 2) {
		db_rollback(r);
		reply_error(r, 404, "no reservation for order %s", order);
		return;
	}
	PGresult *now = db_exec_or_reply(r, S(S_RES_GET), (const char *[]){ order });
	if (now == NULL || db_commit(r) != 0) {
		db_rollback(r);
		return;
	}
	reply_reservation(r, order, now);
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
	if (claimed < 0) {
		db_rollback(r);
		return;
	}
	if (claimed == 0) {
		db_rollback(r);
		event_ack(r, &ev, "duplicate");
		return;
	}
	/* An order whose reservation never existed (or was released) has no
	 * stock to return: the event is still consumed. */
	if (release_in_tx(r, order) < 0 || db_commit(r) != 0) {
		db_rollback(r);
		return;
	}
	event_ack(r, &ev, "applied");
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
