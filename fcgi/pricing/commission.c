/* Commission rules in effect and the price arithmetic: exact, in integers
 * (paise and basis points), with 128-bit intermediates where a product of
 * two bounded values could pass int64. */
#include "pricing.h"
#include "log.h"
#include "money.h"
#include <string.h>

static const char *const scope_names[SCOPE__MAX] = {
	[SCOPE_DEFAULT] = "DEFAULT",
	[SCOPE_CATEGORY] = "CATEGORY",
	[SCOPE_PRODUCT] = "PRODUCT",
};

int
rules_load_or_reply(struct req *r, const struct priced *items, size_t n,
    struct ruleset *rs)
{
	const char **pids = arena_alloc(r->a, (n ? n : 1) * sizeof *pids);
	const char **cids = arena_alloc(r->a, (n ? n : 1) * sizeof *cids);
	for (size_t i = 0; i < n; i++) {
		pids[i] = items[i].found ? items[i].product_id : NULL;
		cids[i] = items[i].found ? items[i].category_id : NULL;
	}
	const char *p[] = { db_uuid_array(r, pids, n), db_uuid_array(r, cids, n) };
	PGresult *res = db_exec_or_reply(r, S(S_RULES_APPLICABLE), p);
	if (res == NULL)
		return -1;
	int rows = PQntuples(res);
	memset(rs, 0, sizeof *rs);
	rs->v = arena_alloc(r->a, (size_t)(rows ? rows : 1) * sizeof *rs->v);
	for (int i = 0; i < rows; i++) {
		struct rule *u = &rs->v[rs->n];
		const char *scope = db_get(res, i, "scope");
		int s;
		for (s = 0; s < SCOPE__MAX; s++)
			if (scope != NULL && strcmp(scope, scope_names[s]) == 0)
				break;
		if (s == SCOPE__MAX)
			continue;
		u->id = db_get(res, i, "id");
		u->scope = (enum rule_scope)s;
		u->scope_id = db_get(res, i, "scope_id");
		u->rate_bps = db_get_ll(res, i, "rate_bps");
		u->max_markup_bps = db_isnull(res, i, "max_markup_bps") ? -1 :
		    db_get_ll(res, i, "max_markup_bps");
		if (u->scope == SCOPE_DEFAULT)
			rs->def = u;
		rs->n++;
	}
	if (rs->def == NULL) {
		/* The migration seeds it and DELETE refuses it: a damaged table. */
		log_err("commission_rules has no DEFAULT rule");
		reply_error(r, 500, "internal server error");
		return -1;
	}
	return 0;
}

const struct rule *
rules_effective(const struct ruleset *rs, const struct priced *p)
{
	const struct rule *cat = NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *u = &rs->v[i];
		if (u->scope == SCOPE_PRODUCT && strcmp(u->scope_id, p->product_id) == 0)
			return u;
		if (u->scope == SCOPE_CATEGORY && p->category_id != NULL &&
		    strcmp(u->scope_id, p->category_id) == 0)
			cat = u;
	}
	return cat ? cat : rs->def;
}

int64_t
pricing_max_seller(int64_t base, const struct rule *rule)
{
	if (rule->max_markup_bps < 0)
		return -1;
	/* floor(base * (1 + markup)): the largest price within the cap. */
	__int128 m = (__int128)base * (BPS_ONE + rule->max_markup_bps) / BPS_ONE;
	return m > MONEY_MAX ? MONEY_MAX : (int64_t)m;
}

const char *
pricing_check(struct req *r, int64_t seller, int64_t base, const struct rule *rule)
{
	char a[32];
	if (seller < base)
		return arena_printf(r->a, "must be at least %s", money_format(base, a, sizeof a));
	int64_t max = pricing_max_seller(base, rule);
	if (max >= 0 && seller > max) {
		char pct[32];
		return arena_printf(r->a, "must be at most %s (a markup of at most %s%%)",
		    money_format(max, a, sizeof a),
		    money_format(rule->max_markup_bps, pct, sizeof pct));
	}
	return NULL;
}

int64_t
pricing_ratio_bps(int64_t num, int64_t den)
{
	__int128 p = (__int128)num * BPS_ONE;
	__int128 q = p / den, rem = p % den;
	if (rem < 0)
		rem = -rem;
	if (rem * 2 >= den)
		q += p < 0 ? -1 : 1;
	return (int64_t)q;
}
