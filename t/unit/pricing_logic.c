/* fcgi/pricing/logic.c: which commission rule applies, the seller-price
 * bounds (base and markup cap, to the paisa), ratios in basis points, the
 * bounds of a line and a cart.  The commission's rounding and split are
 * common/money.c's (t/unit/money.c).  Plain functions: no stack, no
 * database. */
#include "../lib/t.h"
#include "../../fcgi/pricing/logic.h"
#include "money.h"

static void
pricing_scope_parse_each(void)
{
	T_EQ_INT(pricing_scope_parse("DEFAULT"), SCOPE_DEFAULT);
	T_EQ_INT(pricing_scope_parse("CATEGORY"), SCOPE_CATEGORY);
	T_EQ_INT(pricing_scope_parse("PRODUCT"), SCOPE_PRODUCT);
	T_EQ_INT(pricing_scope_parse("product"), SCOPE__MAX);
	T_EQ_INT(pricing_scope_parse("VARIANT"), SCOPE__MAX);
	T_EQ_INT(pricing_scope_parse(""), SCOPE__MAX);
	T_EQ_INT(pricing_scope_parse(NULL), SCOPE__MAX);
}

static struct rule rules[] = {
	{ "r-def", SCOPE_DEFAULT, NULL, 1000, -1 },
	{ "r-cat", SCOPE_CATEGORY, "c1", 1500, 5000 },
	{ "r-prod", SCOPE_PRODUCT, "p1", 2000, 0 },
	{ "r-other", SCOPE_PRODUCT, "p2", 500, -1 },
};

static void
pricing_rule_for_precedence(void)
{
	const struct ruleset rs = { rules, 4, &rules[0] };
	/* PRODUCT > CATEGORY > DEFAULT */
	T_EQ_STR(pricing_rule_for(&rs, "p1", "c1")->id, "r-prod");
	T_EQ_STR(pricing_rule_for(&rs, "p1", NULL)->id, "r-prod");
	T_EQ_STR(pricing_rule_for(&rs, "p3", "c1")->id, "r-cat");
	T_EQ_STR(pricing_rule_for(&rs, "p3", "c2")->id, "r-def");
	T_EQ_STR(pricing_rule_for(&rs, "p3", NULL)->id, "r-def");
	T_EQ_STR(pricing_rule_for(&rs, "p2", "c1")->id, "r-other");
	/* No rules but the default. */
	const struct ruleset only = { rules, 1, &rules[0] };
	T_EQ_STR(pricing_rule_for(&only, "p1", "c1")->id, "r-def");
}

static void
pricing_max_seller_caps(void)
{
	struct rule u = { "r", SCOPE_DEFAULT, NULL, 1000, -1 };
	T_EQ_INT(pricing_max_seller(100000, &u), -1);          /* uncapped */
	u.max_markup_bps = 0;
	T_EQ_INT(pricing_max_seller(100000, &u), 100000);      /* the base itself */
	u.max_markup_bps = 5000;
	T_EQ_INT(pricing_max_seller(100000, &u), 150000);      /* +50.00 % */
	u.max_markup_bps = 1;
	T_EQ_INT(pricing_max_seller(333, &u), 333);            /* 333.0333: floor */
	T_EQ_INT(pricing_max_seller(10000, &u), 10001);
	u.max_markup_bps = 3333;
	T_EQ_INT(pricing_max_seller(1, &u), 1);                /* 1.3333 paise */
	T_EQ_INT(pricing_max_seller(3, &u), 3);                /* 3.9999 */
	T_EQ_INT(pricing_max_seller(0, &u), 0);
}

static void
pricing_max_seller_no_overflow(void)
{
	struct rule u = { "r", SCOPE_DEFAULT, NULL, 1000, MARKUP_BPS_MAX };
	T_EQ_INT(pricing_max_seller(MONEY_MAX, &u), MONEY_MAX);
	T_EQ_INT(pricing_max_seller(MONEY_MAX / 101, &u), MONEY_MAX / 101 * 101);
}

static void
pricing_verdict_brief_example(void)
{
	/* base 1000.00, seller price 1500.00: margin 500.00, 50.00 % */
	struct rule u = { "r", SCOPE_DEFAULT, NULL, 1000, -1 };
	int64_t max;
	T_EQ_INT(pricing_verdict(150000, 100000, &u, &max), PRICE_OK);
	T_EQ_INT(max, -1);
	T_EQ_INT(pricing_ratio_bps(150000 - 100000, 100000), 5000);
}

static void
pricing_verdict_bounds_to_the_paisa(void)
{
	struct rule u = { "r", SCOPE_DEFAULT, NULL, 1000, 5000 };
	int64_t max;
	T_EQ_INT(pricing_verdict(100000, 100000, &u, &max), PRICE_OK);    /* the base */
	T_EQ_INT(pricing_verdict(150000, 100000, &u, &max), PRICE_OK);    /* the cap */
	T_EQ_INT(max, 150000);
	T_EQ_INT(pricing_verdict(0, 0, &u, &max), PRICE_OK);
}

static void
pricing_verdict_bad_below_base(void)
{
	struct rule u = { "r", SCOPE_DEFAULT, NULL, 1000, -1 };
	int64_t max;
	T_EQ_INT(pricing_verdict(99999, 100000, &u, &max), PRICE_BELOW_BASE);
	T_EQ_INT(pricing_verdict(0, 1, &u, &max), PRICE_BELOW_BASE);
	u.max_markup_bps = 5000;     /* below the base comes first */
	T_EQ_INT(pricing_verdict(99999, 100000, &u, &max), PRICE_BELOW_BASE);
}

static void
pricing_verdict_bad_above_cap(void)
{
	struct rule u = { "r", SCOPE_DEFAULT, NULL, 1000, 5000 };
	int64_t max;
	T_EQ_INT(pricing_verdict(150001, 100000, &u, &max), PRICE_ABOVE_CAP);
	T_EQ_INT(max, 150000);
	u.max_markup_bps = 0;
	T_EQ_INT(pricing_verdict(100001, 100000, &u, &max), PRICE_ABOVE_CAP);
}

static void
pricing_ratio_bps_half_away_from_zero(void)
{
	T_EQ_INT(pricing_ratio_bps(1, 3), 3333);
	T_EQ_INT(pricing_ratio_bps(2, 3), 6667);
	T_EQ_INT(pricing_ratio_bps(1, 20000), 1);          /* 0.5 bp */
	T_EQ_INT(pricing_ratio_bps(1, 20001), 0);
	T_EQ_INT(pricing_ratio_bps(-1, 20000), -1);         /* symmetric */
	T_EQ_INT(pricing_ratio_bps(-50000, 100000), -5000);  /* below the base */
	T_EQ_INT(pricing_ratio_bps(0, 100000), 0);
	T_EQ_INT(pricing_ratio_bps(MONEY_MAX, MONEY_MAX), BPS_ONE);
}

static void
pricing_is_currency_three_capitals(void)
{
	T_ASSERT(pricing_is_currency("INR"));
	T_ASSERT(pricing_is_currency("USD"));
	T_ASSERT(!pricing_is_currency("inr"));
	T_ASSERT(!pricing_is_currency("IN"));
	T_ASSERT(!pricing_is_currency("INRR"));
	T_ASSERT(!pricing_is_currency("IN1"));
	T_ASSERT(!pricing_is_currency(""));
	T_ASSERT(!pricing_is_currency(NULL));
}

static void
pricing_line_fits_bounds(void)
{
	T_ASSERT(pricing_line_fits(MONEY_MAX, 1));
	T_ASSERT(!pricing_line_fits(MONEY_MAX, 2));
	T_ASSERT(pricing_line_fits(MONEY_MAX / 10000, 10000));
	T_ASSERT(!pricing_line_fits(MONEY_MAX / 10000 + 1, 10000));
	T_ASSERT(pricing_line_fits(0, 10000));
	T_ASSERT(!pricing_line_fits(1, 0));
}

static void
pricing_total_add_bounds(void)
{
	int64_t total = 0;
	T_ASSERT(pricing_total_add(&total, 150000));
	T_ASSERT(pricing_total_add(&total, 0));
	T_EQ_INT(total, 150000);
	T_ASSERT(pricing_total_add(&total, MONEY_MAX - 150000));
	T_EQ_INT(total, MONEY_MAX);
	T_ASSERT(!pricing_total_add(&total, 1));
	T_EQ_INT(total, MONEY_MAX);                          /* untouched */
}

static const struct t_case cases[] = {
	T_CASE(pricing_scope_parse_each),
	T_CASE(pricing_rule_for_precedence),
	T_CASE(pricing_max_seller_caps),
	T_CASE(pricing_max_seller_no_overflow),
	T_CASE(pricing_verdict_brief_example),
	T_CASE(pricing_verdict_bounds_to_the_paisa),
	T_CASE(pricing_verdict_bad_below_base),
	T_CASE(pricing_verdict_bad_above_cap),
	T_CASE(pricing_ratio_bps_half_away_from_zero),
	T_CASE(pricing_is_currency_three_capitals),
	T_CASE(pricing_line_fits_bounds),
	T_CASE(pricing_total_add_bounds),
};

int
main(void)
{
	return t_run("pricing_logic", cases, T_NCASES(cases), NULL, NULL);
}
