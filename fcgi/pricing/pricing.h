/* The pricing service: seller-price checks and commission, on pricing_db.
 *
 * calculate prices from the service's versioned copy of the catalog's price
 * facts and reads the rules in the same statement (catalog.c); the quote
 * (the order service's call) brings its base prices and takes the rules
 * from a per-worker copy of the table (commission.c); validate-margin and
 * the product's pricing ask the product service (lookup.c).  Money is
 * int64 paise, rates and markups are int64 basis points (1000 = 10.00 %);
 * nothing here is floating point.  The rules are logic.c's (plain
 * functions, unit-tested); the handlers do the I/O. */
#ifndef PRICING_H
#define PRICING_H
#include "db.h"
#include "json.h"
#include "req.h"
#include "router.h"
#include "logic.h"
#include <stdbool.h>
#include <stdint.h>

enum pricing_stmt {
	S_RULES_APPLICABLE,
	S_RULE_LIST,
	S_RULE_GET,
	S_RULE_INSERT,
	S_RULE_UPDATE,
	S_RULE_LOCK,
	S_RULE_DELETE,
	S_RULES_ALL,
	S_CATALOG_APPLY,
	S_CALC_LINES,
	S__MAX
};
extern const struct stmt pricing_stmts[S__MAX];
#define S(id) (&pricing_stmts[id])

/* A rule's public columns, shared by every statement returning a rule. */
#define RULE_COLS \
	"r.id, r.scope, r.scope_id, r.rate_bps, r.max_markup_bps, " \
	"to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at, " \
	"to_char(r.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS updated_at"

/* Most items in one request (calculate) and in one lookup call. */
#define PRICING_ITEMS_MAX 100

/* ---- lookup.c: prices from the product service ---- */

/* One priced line: the caller fills product_id and variant (NULL for the
 * product's default variant); lookup_or_reply fills the rest. */
struct priced {
	const char *product_id;    /* in: lower-case UUID */
	const char *variant;       /* in: requested variant or NULL */
	bool found;                /* the product (and variant) exist */
	bool active;               /* the product is on sale */
	const char *variant_id;    /* the variant priced (default when none asked) */
	const char *category_id;   /* NULL when uncategorised */
	const char *currency;      /* "INR" */
	const char *name;          /* the product's name, or NULL */
	int64_t price;             /* the variant's price: the base a seller price
	                              is checked against, paise */
};

/* Asks POST /internal/product/lookup once for items[0..n).  Returns 0, or
 * -1 after answering 503 (service down, 5xx or a malformed answer). */
int lookup_or_reply(struct req *r, struct priced *items, size_t n);
/* 404 for an unknown product or variant, 409 for an inactive product.
 * Returns 0, or -1 after answering. */
int priced_usable_or_reply(struct req *r, const struct priced *p);

/* ---- rules: commission and markup caps ---- */

/* struct rule, struct ruleset and which applies: logic.h. */

/* Loads the DEFAULT rule and every rule for the products and categories of
 * items[0..n) (found ones) in one statement.  0, or -1 after answering. */
int rules_load_or_reply(struct req *r, const struct priced *items, size_t n,
    struct ruleset *rs);
/* Every rule, from the worker's copy (reloaded when a rule changed through
 * this pool, and at least every second).  0, or -1 after answering. */
int rules_all_or_reply(struct req *r, struct ruleset *rs);
/* After a rule change committed: the pool's workers reload their copies. */
void rules_changed(void);
/* The most specific rule for p: PRODUCT > CATEGORY > DEFAULT
 * (pricing_rule_for).  Never NULL. */
const struct rule *rules_effective(const struct ruleset *rs, const struct priced *p);

/* ---- catalog.c: the copy of the catalog's price facts ---- */

/* Prices items[0..n) (product_id and variant in; the rest out) from the
 * copy, fetching a product it does not have yet from the product service,
 * and sets rules[i] to line i's most specific rule: one statement when the
 * copy has the products.  0, or -1 after answering (503/500). */
int catalog_price_or_reply(struct req *r, struct priced *items, const struct rule **rules,
    size_t n);

/* ---- price checks (the arithmetic: logic.h) ---- */

/* Why seller is not a valid price for base under rule ("must be at least
 * 1000.00", arena-owned), or NULL when it is. */
const char *pricing_check(struct req *r, int64_t seller, int64_t base,
    const struct rule *rule);

/* ---- the handlers ---- */
void calculate_post(struct req *r);                 /* calculate.c */
void quote_post(struct req *r);
void catalog_post(struct req *r);                   /* catalog.c */
void pricing_events(struct req *r);
void margin_validate(struct req *r);                /* margin.c */
void product_pricing_get(struct req *r);            /* product.c */
void rules_list(struct req *r);                     /* rules.c */
extern const struct qparam rules_list_query[];
void rules_get(struct req *r);
void rules_create(struct req *r);
void rules_update(struct req *r);
void rules_delete(struct req *r);

#endif
