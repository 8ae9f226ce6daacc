/* The commission rules (admin): GET/POST /pricing/rules,
 * GET/PATCH/DELETE /pricing/rules/:id.
 *
 * Percentages travel as two-decimal numbers and are parsed exactly into
 * basis points by money_parse ("12.50" -> 1250).  Every change writes
 * PRICING_RULE_CHANGED to the outbox in its own transaction.  The DEFAULT
 * rule exists once (seeded by the migration): its rate and cap may change,
 * it cannot be created or deleted. */
#include "pricing.h"
#include "log.h"
#include "outbox.h"
#include "valid.h"
#include <string.h>

static const char *const create_scopes[] = { "CATEGORY", "PRODUCT", NULL };
static const char *const list_scopes[] = { "DEFAULT", "CATEGORY", "PRODUCT", NULL };

enum { RC_SCOPE, RC_SCOPE_ID, RC_RATE, RC_MARKUP, RC__MAX };
static const struct field create_fields[RC__MAX] = {
	[RC_SCOPE] = { "scope", F_ENUM, F_REQUIRED, 0, 0, create_scopes },
	[RC_SCOPE_ID] = { "scopeId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[RC_RATE] = { "ratePercent", F_MONEY, F_REQUIRED, 0, BPS_ONE, NULL },
	[RC_MARKUP] = { "maxMarkupPercent", F_MONEY, 0, 0, MARKUP_BPS_MAX, NULL },
};

enum { RU_RATE, RU_MARKUP, RU__MAX };
static const struct field update_fields[RU__MAX] = {
	[RU_RATE] = { "ratePercent", F_MONEY, 0, 0, BPS_ONE, NULL },
	[RU_MARKUP] = { "maxMarkupPercent", F_MONEY, 0, 0, MARKUP_BPS_MAX, NULL },
};

/* A rate or cap column (basis points) as a two-decimal percentage. */
static void
json_bps_put(struct jw *w, const char *key, const PGresult *res, int row,
    const char *col)
{
	if (db_isnull(res, row, col))
		jw_knull(w, key);
	else
		jw_kmoney(w, key, db_get_ll(res, row, col));
}

static void
json_rule_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "scope", db_get(res, row, "scope"));
	jw_kstr(w, "scopeId", db_get(res, row, "scope_id"));
	json_bps_put(w, "ratePercent", res, row, "rate_bps");
	json_bps_put(w, "maxMarkupPercent", res, row, "max_markup_bps");
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_kstr(w, "updatedAt", db_get(res, row, "updated_at"));
	jw_obj_close(w);
}

/* Writes PRICING_RULE_CHANGED for row 0 of rule inside the open
 * transaction; with_previous adds the values before an update.  0, or -1
 * after answering. */
static int
rule_event_put(struct req *r, const char *action, const PGresult *rule,
    bool with_previous)
{
	struct buf ev = { 0 };
	struct jw w;
	jw_init(&w, &ev);
	jw_obj_open(&w);
	jw_kstr(&w, "action", action);
	jw_key(&w, "rule");
	json_rule_put(&w, rule, 0);
	if (with_previous) {
		jw_key(&w, "previous");
		jw_obj_open(&w);
		json_bps_put(&w, "ratePercent", rule, 0, "old_rate_bps");
		json_bps_put(&w, "maxMarkupPercent", rule, 0, "old_max_markup_bps");
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	const char *eid = outbox_put(r, "PRICING_RULE_CHANGED", db_get(rule, 0, "id"), &ev);
	buf_free(&ev);
	return eid ? 0 : -1;
}

/* GET /pricing/rules?scope=&scopeId=&skip=&take= */
enum { Q_SCOPE, Q_SCOPE_ID, Q_SKIP, Q_TAKE, Q__MAX };
const struct qparam rules_list_query[Q__MAX + 1] = {
	[Q_SCOPE] = { "scope", QP_ENUM, 0, 0, 0, list_scopes },
	[Q_SCOPE_ID] = { "scopeId", QP_UUID, 0, 0, 0, NULL },
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(50),
};

void
rules_list(struct req *r)
{
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	const char *p[] = { r->q[Q_SCOPE].s, r->q[Q_SCOPE_ID].s, db_int(r, skip), db_int(r, take) };
	PGresult *res = db_exec_or_reply(r, S(S_RULE_LIST), p);
	if (res == NULL)
		return;
	db_reply_page(r, res, json_rule_put, skip, take);
}

void
rules_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_RULE_GET), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "rule %s not found", id);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	json_rule_put(&w, res, 0);
	reply_w(r, 200);
}

void
rules_create(struct req *r)
{
	struct fval f[RC__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, create_fields, RC__MAX, f, NULL) != 0)
		return;
	const char *scope = f[RC_SCOPE].s, *scope_id = f[RC_SCOPE_ID].s;
	if (strcmp(scope, "PRODUCT") == 0) {
		/* A typo would make a rule that never applies.  (Categories have
		 * no internal lookup yet: their ids are taken as given.) */
		struct priced p = { .product_id = scope_id, .variant = NULL };
		if (lookup_or_reply(r, &p, 1) != 0)
			return;
		if (!p.found) {
			reply_error(r, 404, "product %s not found", scope_id);
			return;
		}
	}
	if (db_begin(r) != 0)
		return;
	const char *p[] = { scope, scope_id, db_int(r, f[RC_RATE].i),
	    f[RC_MARKUP].set ? db_int(r, f[RC_MARKUP].i) : NULL };
	enum db_err err;
	PGresult *rule = db_exec(r, S(S_RULE_INSERT), p, &err);
	if (rule == NULL) {
		if (err == DB_UNIQUE)
			reply_error(r, 409, "a rule for %s %s already exists", scope, scope_id);
		else
			db_reply_error(r, err);
		return;
	}
	if (rule_event_put(r, "CREATED", rule, false) != 0 || db_commit(r) != 0)
		return;
	rules_changed();
	struct jw w;
	req_writer(r, &w);
	json_rule_put(&w, rule, 0);
	reply_w(r, 201);
}

void
rules_update(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	struct fval f[RU__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, update_fields, RU__MAX, f, NULL) != 0)
		return;
	const struct jv *rate = json_get(body, "ratePercent");
	const struct jv *markup = json_get(body, "maxMarkupPercent");
	if (rate != NULL && rate->type == JV_NULL) {
		reply_error(r, 400, "ratePercent must be a number");
		return;
	}
	if (rate == NULL && markup == NULL) {
		reply_error(r, 400, "body must set ratePercent or maxMarkupPercent");
		return;
	}
	if (db_begin(r) != 0)
		return;
	/* maxMarkupPercent: null removes the cap, absent keeps it. */
	const char *p[] = { id, f[RU_RATE].set ? db_int(r, f[RU_RATE].i) : NULL,
	    markup != NULL ? "true" : "false",
	    f[RU_MARKUP].set ? db_int(r, f[RU_MARKUP].i) : NULL };
	enum db_err err;
	PGresult *rule = db_exec(r, S(S_RULE_UPDATE), p, &err);
	if (rule == NULL) {
		db_reply_error(r, err);
		return;
	}
	if (PQntuples(rule) != 1) {
		reply_error(r, 404, "rule %s not found", id);
		return;
	}
	if (rule_event_put(r, "UPDATED", rule, true) != 0 || db_commit(r) != 0)
		return;
	rules_changed();
	struct jw w;
	req_writer(r, &w);
	json_rule_put(&w, rule, 0);
	reply_w(r, 200);
}

void
rules_delete(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL || db_begin(r) != 0)
		return;
	PGresult *lock = db_exec_or_reply(r, S(S_RULE_LOCK), (const char *[]){ id });
	if (lock == NULL)
		return;
	if (PQntuples(lock) != 1) {
		reply_error(r, 404, "rule %s not found", id);
		return;
	}
	if (strcmp(db_get(lock, 0, "scope"), "DEFAULT") == 0) {
		reply_error(r, 409, "the DEFAULT rule cannot be deleted; change its rate instead");
		return;
	}
	PGresult *rule = db_exec_or_reply(r, S(S_RULE_DELETE), (const char *[]){ id });
	if (rule == NULL || PQntuples(rule) != 1) {
		if (rule != NULL) {
			log_err("rule %s vanished under its row lock", id);
			reply_error(r, 500, "internal server error");
		}
		return;
	}
	if (rule_event_put(r, "DELETED", rule, false) != 0 || db_commit(r) != 0)
		return;
	rules_changed();
	reply_empty(r, 204);
}
