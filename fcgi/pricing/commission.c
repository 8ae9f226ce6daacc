/* Commission rules in effect (loaded, and kept per worker for the quote)
 * and the seller-price check's message; the arithmetic and the precedence
 * are logic.c's. */
#include "pricing.h"
#include "log.h"
#include "money.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

/* Row i of a rule result into u (strings stay in res).  false for a row
 * of an unknown scope. */
static bool
rule_read(const PGresult *res, int i, struct rule *u)
{
	enum rule_scope s = pricing_scope_parse(db_get(res, i, "scope"));
	if (s == SCOPE__MAX)
		return false;
	u->id = db_get(res, i, "id");
	u->scope = s;
	u->scope_id = db_get(res, i, "scope_id");
	u->rate_bps = db_get_ll(res, i, "rate_bps");
	u->max_markup_bps = db_isnull(res, i, "max_markup_bps") ? -1 :
	    db_get_ll(res, i, "max_markup_bps");
	return true;
}

static int
no_default(struct req *r)
{
	/* The migration seeds it and DELETE refuses it: a damaged table. */
	log_err("commission_rules has no DEFAULT rule");
	reply_error(r, 500, "internal server error");
	return -1;
}

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
		if (!rule_read(res, i, u))
			continue;
		if (u->scope == SCOPE_DEFAULT)
			rs->def = u;
		rs->n++;
	}
	return rs->def != NULL ? 0 : no_default(r);
}

/* ---- every rule, kept per worker (the quote's) ----
 *
 * Rules change through this pool's admin endpoints, which bump a counter
 * the pool's workers share (mapped by the pool master before it forks)
 * right after their commit; a worker reloads the whole table when the
 * counter moved since its copy was read, and at least every RULES_TTL
 * seconds for a change made another way (SQL by hand). */
#define RULES_TTL 1

static atomic_ulong *rules_gen;

__attribute__((constructor)) static void
rules_gen_map(void)
{
	void *p = mmap(NULL, sizeof *rules_gen, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	rules_gen = p == MAP_FAILED ? NULL : p;
}

static struct {
	struct rule *v;
	size_t n;
	const struct rule *def;
	unsigned long gen;
	time_t loaded;
	bool ok;
} kept;

static void
kept_free(void)
{
	for (size_t i = 0; i < kept.n; i++) {
		free((char *)kept.v[i].id);
		free((char *)kept.v[i].scope_id);
	}
	free(kept.v);
	memset(&kept, 0, sizeof kept);
}

void
rules_changed(void)
{
	if (rules_gen != NULL)
		atomic_fetch_add(rules_gen, 1);
}

int
rules_all_or_reply(struct req *r, struct ruleset *rs)
{
	unsigned long g = rules_gen != NULL ? atomic_load(rules_gen) : 0;
	if (!kept.ok || rules_gen == NULL || kept.gen != g || r->now < kept.loaded ||
	    r->now - kept.loaded >= RULES_TTL) {
		PGresult *res = db_exec_or_reply(r, S(S_RULES_ALL), NULL);
		if (res == NULL)
			return -1;
		kept_free();
		int rows = PQntuples(res);
		kept.v = xmalloc((size_t)(rows ? rows : 1) * sizeof *kept.v);
		for (int i = 0; i < rows; i++) {
			struct rule *u = &kept.v[kept.n];
			if (!rule_read(res, i, u))
				continue;
			u->id = xstrdup(u->id);
			u->scope_id = u->scope_id ? xstrdup(u->scope_id) : NULL;
			kept.n++;
		}
		for (size_t i = 0; i < kept.n; i++)
			if (kept.v[i].scope == SCOPE_DEFAULT)
				kept.def = &kept.v[i];
		kept.gen = g;
		kept.loaded = r->now;
		kept.ok = kept.def != NULL;
	}
	if (!kept.ok)
		return no_default(r);
	rs->v = kept.v;
	rs->n = kept.n;
	rs->def = kept.def;
	return 0;
}

const struct rule *
rules_effective(const struct ruleset *rs, const struct priced *p)
{
	return pricing_rule_for(rs, p->product_id, p->category_id);
}

const char *
pricing_check(struct req *r, int64_t seller, int64_t base, const struct rule *rule)
{
	char a[32], pct[32];
	int64_t max;
	switch (pricing_verdict(seller, base, rule, &max)) {
	case PRICE_OK:
		break;
	case PRICE_BELOW_BASE:
		return arena_printf(r->a, "must be at least %s", money_format(base, a, sizeof a));
	case PRICE_ABOVE_CAP:
		return arena_printf(r->a, "must be at most %s (a markup of at most %s%%)",
		    money_format(max, a, sizeof a),
		    money_format(rule->max_markup_bps, pct, sizeof pct));
	}
	return NULL;
}
