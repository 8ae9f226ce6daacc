/* The pricing service's copy of the catalog's price facts (sql/pricing/
 * 002_catalog.sql), so that POST /pricing/calculate prices a line and
 * finds its rule in one statement, without a call to the product service.
 *
 * It stays exact: the product service pushes each catalog write's
 * snapshot here right after its commit and before it answers (POST
 * /internal/pricing/catalog), so the next calculation sees the change; the
 * PRODUCT_* event carrying the same snapshot is relayed to POST
 * /internal/pricing/events as the fallback.  Each snapshot has the
 * product's version and only a newer one replaces a row, whatever order
 * they arrive in.  A product not here yet (created before this copy
 * existed, or seeded straight into product_db) is fetched from the product
 * service on its first calculation. */
#include "pricing.h"
#include "client_product.h"
#include "events.h"
#include "log.h"
#include "valid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A snapshot's members as S_CATALOG_APPLY takes them. */
struct snapshot {
	const char *product_id, *version, *name, *category_id, *currency, *base_price;
	bool active, deleted;
	struct buf variants;   /* [{id, pricePaise, isDefault, position}] */
};

static bool
is_int(const struct jv *v, long long min)
{
	if (v == NULL || v->type != JV_NUM || v->len == 0 || v->len > 18)
		return false;
	for (size_t i = 0; i < v->len; i++)
		if (v->s[i] < '0' || v->s[i] > '9')
			return false;
	return strtoll(v->s, NULL, 10) >= min;
}

/* snap (a PRODUCT_* payload) into s.  NULL, or what is wrong with it. */
static const char *
snapshot_read(struct req *r, const struct jv *snap, struct snapshot *s)
{
	memset(s, 0, sizeof *s);
	if (snap == NULL || snap->type != JV_OBJ)
		return "snapshot is not an object";
	bool bad = false;
	s->product_id = client_str(snap, "productId", &bad);
	if (s->product_id == NULL || !valid_uuid(s->product_id))
		return "productId must be a UUID";
	const struct jv *ver = json_get(snap, "version"), *base = json_get(snap, "basePricePaise");
	if (!is_int(ver, 1))
		return "version must be a positive integer";
	if (!is_int(base, 1))
		return "basePricePaise must be a positive integer";
	s->version = ver->s;
	s->base_price = base->s;
	s->name = client_str(snap, "name", &bad);
	s->category_id = client_str(snap, "categoryId", &bad);
	if (bad || (s->category_id != NULL && !valid_uuid(s->category_id)))
		return "name or categoryId is malformed";
	s->currency = client_str(snap, "currency", &bad);
	if (s->currency == NULL)
		s->currency = "INR";
	if (!pricing_is_currency(s->currency))
		return "currency must be three capital letters";
	const struct jv *act = json_get(snap, "isActive"), *del = json_get(snap, "deleted");
	if (act == NULL || act->type != JV_BOOL || del == NULL || del->type != JV_BOOL)
		return "isActive and deleted must be booleans";
	s->active = act->b;
	s->deleted = del->b;
	const struct jv *vs = json_get(snap, "variants");
	if (vs == NULL || vs->type != JV_ARR)
		return "variants must be an array";
	struct jw w;
	jw_init(&w, &s->variants);
	jw_arr_open(&w);
	for (size_t i = 0; i < vs->n; i++) {
		const struct jv *v = vs->items[i];
		const struct jv *id = v->type == JV_OBJ ? json_get(v, "id") : NULL;
		const struct jv *price = v->type == JV_OBJ ? json_get(v, "pricePaise") : NULL;
		const struct jv *def = v->type == JV_OBJ ? json_get(v, "isDefault") : NULL;
		const struct jv *pos = v->type == JV_OBJ ? json_get(v, "position") : NULL;
		if (id == NULL || id->type != JV_STR || !valid_uuid(id->s) || !is_int(price, 1) ||
		    def == NULL || def->type != JV_BOOL || !is_int(pos, 0)) {
			buf_free(&s->variants);
			return arena_printf(r->a, "variants[%zu] is malformed", i);
		}
		jw_obj_open(&w);
		jw_kstr(&w, "id", id->s);
		jw_key(&w, "pricePaise");
		jw_raw(&w, price->s);
		jw_kbool(&w, "isDefault", def->b);
		jw_key(&w, "position");
		jw_raw(&w, pos->s);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	return NULL;
}

/* Applies a snapshot.  1 applied, 0 older than the copy's (ignored), -1
 * after answering (503). */
static int
snapshot_apply(struct req *r, const struct snapshot *s)
{
	const char *p[] = { s->product_id, s->version, s->name, s->category_id, s->currency,
	    s->base_price, s->active ? "true" : "false", s->deleted ? "true" : "false",
	    s->variants.p };
	PGresult *res = db_exec_or_reply(r, S(S_CATALOG_APPLY), p);
	if (res == NULL)
		return -1;
	return db_get_bool(res, 0, "applied") ? 1 : 0;
}

/* POST /internal/pricing/catalog: a snapshot pushed by the product service. */
void
catalog_post(struct req *r)
{
	struct jv *body = req_json_or_reply(r);
	if (body == NULL)
		return;
	struct snapshot s;
	const char *why = snapshot_read(r, body, &s);
	if (why != NULL) {
		reply_error(r, 400, "%s", why);
		return;
	}
	int rc = snapshot_apply(r, &s);
	buf_free(&s.variants);
	if (rc < 0)
		return;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "productId", s.product_id);
	jw_key(&w, "version");
	jw_raw(&w, s.version);
	jw_kbool(&w, "applied", rc == 1);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* POST /internal/pricing/events: PRODUCT_CREATED, PRODUCT_UPDATED and
 * PRODUCT_DELETED carry the snapshot as their payload. */
void
pricing_events(struct req *r)
{
	struct event ev;
	if (event_parse_or_reply(r, &ev) != 0)
		return;
	if (strncmp(ev.type, "PRODUCT_", 8) != 0) {
		event_ack(r, &ev, "ignored");
		return;
	}
	struct snapshot s;
	const char *why = snapshot_read(r, ev.payload, &s);
	if (why != NULL) {
		reply_error(r, 400, "payload: %s", why);
		return;
	}
	int rc = -1;
	if (db_begin(r) == 0) {
		int claimed = event_claim(r, &ev);
		if (claimed == 0) {
			buf_free(&s.variants);
			event_ack(r, &ev, "duplicate");
			return;
		}
		if (claimed > 0 && (rc = snapshot_apply(r, &s)) >= 0 && db_commit(r) != 0)
			rc = -1;
	}
	buf_free(&s.variants);
	if (rc >= 0)
		event_ack(r, &ev, "applied");
}

/* Fetches product id's snapshot from the product service into the copy.
 * 1 stored (or already newer here), 0 the product does not exist, -1 after
 * answering 503. */
static int
catalog_fetch(struct req *r, const char *id)
{
	const struct jv *snap;
	enum client_rc rc = product_snapshot(r, id, &snap);
	if (rc == CLIENT_NOT_FOUND)
		return 0;
	if (rc != CLIENT_OK)
		return -1;
	struct snapshot s;
	const char *why = snapshot_read(r, snap, &s);
	if (why != NULL)
		return http_unavailable(r, "product", arena_printf(r->a, "snapshot %s: %s", id, why));
	int applied = snapshot_apply(r, &s);
	buf_free(&s.variants);
	return applied < 0 ? -1 : 1;
}

static struct rule *
rule_at(struct req *r, const PGresult *res, int row, const char *pfx, enum rule_scope scope)
{
	char col[16];
	snprintf(col, sizeof col, "%s_id", pfx);
	if (db_isnull(res, row, col))
		return NULL;
	struct rule *u = arena_alloc(r->a, sizeof *u);
	u->id = db_get(res, row, col);
	u->scope = scope;
	u->scope_id = NULL;
	snprintf(col, sizeof col, "%s_rate", pfx);
	u->rate_bps = db_get_ll(res, row, col);
	snprintf(col, sizeof col, "%s_cap", pfx);
	u->max_markup_bps = db_isnull(res, row, col) ? -1 : db_get_ll(res, row, col);
	return u;
}

int
catalog_price_or_reply(struct req *r, struct priced *items, const struct rule **rules,
    size_t n)
{
	const char **pids = arena_alloc(r->a, n * sizeof *pids);
	const char **vids = arena_alloc(r->a, n * sizeof *vids);
	for (size_t i = 0; i < n; i++) {
		pids[i] = items[i].product_id;
		vids[i] = items[i].variant;
	}
	const char *p[] = { db_uuid_array(r, pids, n), db_uuid_array(r, vids, n) };
	PGresult *res = NULL;
	for (int pass = 0; pass < 2; pass++) {
		if ((res = db_exec_or_reply(r, S(S_CALC_LINES), p)) == NULL)
			return -1;
		if (PQntuples(res) != (int)n) {
			log_err("calc_lines: %d rows for %zu items", PQntuples(res), n);
			reply_error(r, 500, "internal server error");
			return -1;
		}
		/* Products not in the copy yet: fetched once, then asked again. */
		int fetched = 0;
		for (size_t i = 0; pass == 0 && i < n; i++) {
			if (!db_isnull(res, (int)i, "known"))
				continue;
			bool seen = false;
			for (size_t k = 0; k < i; k++)
				seen |= strcmp(pids[k], pids[i]) == 0;
			if (seen)
				continue;
			int rc = catalog_fetch(r, pids[i]);
			if (rc < 0)
				return -1;
			fetched += rc;
		}
		if (fetched == 0)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		int row = (int)i;
		struct priced *it = &items[i];
		it->found = !db_isnull(res, row, "known") && !db_get_bool(res, row, "deleted") &&
		    !db_isnull(res, row, "variant_id");
		it->active = it->found && db_get_bool(res, row, "is_active");
		if (!it->found)
			continue;
		it->variant_id = db_get(res, row, "variant_id");
		it->category_id = db_get(res, row, "category_id");
		it->currency = db_get(res, row, "currency");
		it->name = db_get(res, row, "name");
		it->price = db_get_ll(res, row, "price");
		const struct rule *u = rule_at(r, res, row, "p", SCOPE_PRODUCT);
		if (u == NULL)
			u = rule_at(r, res, row, "c", SCOPE_CATEGORY);
		if (u == NULL)
			u = rule_at(r, res, row, "d", SCOPE_DEFAULT);
		if (u == NULL) {
			/* The migration seeds it and DELETE refuses it. */
			log_err("commission_rules has no DEFAULT rule");
			reply_error(r, 500, "internal server error");
			return -1;
		}
		rules[i] = u;
	}
	return 0;
}
