/* it_pricing: the pricing service through the gateway.  One file per
 * concern, run in this order:
 *
 *	calculate.c   POST /pricing/calculate, POST /pricing/validate-margin,
 *	              GET /pricing/product/:id
 *	rules.c       the commission rules (admin)
 *	internal.c    the internal quote and the catalog copy
 *
 * main.c holds the tokens the cases share and the helpers below. */
#ifndef IT_PRICING_H
#define IT_PRICING_H
#include "../../lib/t.h"
#include "../../lib/http.h"

extern char *admin;       /* minted ADMIN token */
extern char *customer;    /* a registered CUSTOMER's token */
extern char *reseller;    /* minted RESELLER token */

/* Creates a category; returns its id (malloc'd) or NULL. */
char *category_create(void);
/* Creates a product from the JSON members in extra (", \"categoryId\":..."
 * or ""), with base price base ("1000.00").  Returns the product id and,
 * when variant is not NULL, the first variant's id (both malloc'd). */
char *product_create(const char *base, const char *extra, char **variant);
/* Creates a rule (markup NULL: none); returns its id (malloc'd) or NULL. */
char *rule_create(const char *scope, const char *scope_id, const char *rate,
    const char *markup);
/* Deletes rule id (NULL: nothing); 204 checked. */
void rule_delete(const char *id);
/* POST /pricing/calculate with one item. */
long calc1(struct resp *rs, const char *product, const char *seller, int qty);
/* POST /pricing/validate-margin. */
long margin(struct resp *rs, const char *product, const char *seller);

extern const struct t_suite pricing_calculate_suite, pricing_rules_suite,
    pricing_internal_suite;

#endif
