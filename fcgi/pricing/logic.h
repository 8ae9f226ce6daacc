/* The pricing service's rules as plain functions over plain data: which
 * commission rule applies (PRODUCT > CATEGORY > DEFAULT), the seller-price
 * bounds (at least the base, at most the rule's markup cap), ratios in
 * basis points, the bounds of a line and of a cart.  No request, no
 * database: commission.c, calculate.c, margin.c, product.c, catalog.c and
 * lookup.c call these and do the I/O; t/unit/pricing_logic.c calls them
 * directly.  The commission itself is rounded once and split by the
 * largest remainder in common/money.c (money_commission_allocate).  Money
 * is int64 paise, rates and markups int64 basis points (1000 = 10.00 %). */
#ifndef PRICING_LOGIC_H
#define PRICING_LOGIC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Basis points in 100 %. */
#define BPS_ONE 10000
/* Largest markup cap a rule may set: 10000.00 % (a hundred times the base). */
#define MARKUP_BPS_MAX 1000000

enum rule_scope { SCOPE_DEFAULT, SCOPE_CATEGORY, SCOPE_PRODUCT, SCOPE__MAX };

struct rule {
	const char *id;
	enum rule_scope scope;
	const char *scope_id;      /* NULL for DEFAULT */
	int64_t rate_bps;
	int64_t max_markup_bps;    /* -1: no cap */
};

struct ruleset {
	struct rule *v;            /* arena-owned */
	size_t n;
	const struct rule *def;    /* the DEFAULT rule */
};

/* "DEFAULT", "CATEGORY", "PRODUCT" -> its scope; SCOPE__MAX for anything
 * else (NULL included). */
enum rule_scope pricing_scope_parse(const char *s);

/* The most specific rule of rs for a product (of category_id, or NULL):
 * its PRODUCT rule, else its category's, else the DEFAULT (rs->def). */
const struct rule *pricing_rule_for(const struct ruleset *rs, const char *product_id,
    const char *category_id);

/* Largest valid seller price under rule for base (floor of base x (1 +
 * cap), at most MONEY_MAX), or -1 when uncapped. */
int64_t pricing_max_seller(int64_t base, const struct rule *rule);

enum price_verdict {
	PRICE_OK,
	PRICE_BELOW_BASE,          /* under the base price */
	PRICE_ABOVE_CAP            /* over the rule's markup cap (*max: the most) */
};
/* Whether seller is a valid price for base under rule; *max receives
 * pricing_max_seller. */
enum price_verdict pricing_verdict(int64_t seller, int64_t base, const struct rule *rule,
    int64_t *max);

/* num / den in basis points, rounded half away from zero (den > 0):
 * 500.00 / 1000.00 -> 5000 (50.00 %). */
int64_t pricing_ratio_bps(int64_t num, int64_t den);

/* Three capital letters ("INR"). */
bool pricing_is_currency(const char *s);

/* Whether seller x quantity (quantity >= 1) stays within MONEY_MAX. */
bool pricing_line_fits(int64_t seller, int64_t quantity);
/* Adds a line's subtotal to *total; false (nothing added) when the sum
 * would pass MONEY_MAX. */
bool pricing_total_add(int64_t *total, int64_t subtotal);

#endif
