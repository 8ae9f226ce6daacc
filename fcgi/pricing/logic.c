/* The pricing service's rules (logic.h): plain functions, no I/O.  Exact,
 * in integers, with 128-bit intermediates where a product of two bounded
 * values could pass int64. */
#include "logic.h"
#include "money.h"
#include <string.h>

static const char *const scope_names[SCOPE__MAX] = {
	[SCOPE_DEFAULT] = "DEFAULT",
	[SCOPE_CATEGORY] = "CATEGORY",
	[SCOPE_PRODUCT] = "PRODUCT",
};

enum rule_scope
pricing_scope_parse(const char *s)
{
	int i;
	for (i = 0; i < SCOPE__MAX; i++)
		if (s != NULL && strcmp(s, scope_names[i]) == 0)
			break;
	return (enum rule_scope)i;
}

const struct rule *
pricing_rule_for(const struct ruleset *rs, const char *product_id, const char *category_id)
{
	const struct rule *cat = NULL;
	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *u = &rs->v[i];
		if (u->scope == SCOPE_PRODUCT && strcmp(u->scope_id, product_id) == 0)
			return u;
		if (u->scope == SCOPE_CATEGORY && category_id != NULL &&
		    strcmp(u->scope_id, category_id) == 0)
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

enum price_verdict
pricing_verdict(int64_t seller, int64_t base, const struct rule *rule, int64_t *max)
{
	*max = pricing_max_seller(base, rule);
	if (seller < base)
		return PRICE_BELOW_BASE;
	if (*max >= 0 && seller > *max)
		return PRICE_ABOVE_CAP;
	return PRICE_OK;
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

bool
pricing_is_currency(const char *s)
{
	return money_currency_ok(s);
}

bool
pricing_line_fits(int64_t seller, int64_t quantity)
{
	return quantity > 0 && seller <= MONEY_MAX / quantity;
}

bool
pricing_total_add(int64_t *total, int64_t subtotal)
{
	if (subtotal > MONEY_MAX - *total)
		return false;
	*total += subtotal;
	return true;
}
