/* The pricing service through the gateway: the suite it_pricing, one file
 * per concern (pricing.h lists them): POST /pricing/calculate, POST
 * /pricing/validate-margin, GET /pricing/product/:id, the admin rules and
 * the internal API, against products created through the product API.
 *
 * Money is compared as the exact JSON text the server wrote ("3000.00"),
 * never as a double.  Every test that changes the DEFAULT rule puts it back
 * to 10.00 before it returns (other suites rely on it).  This file: the
 * tokens and the helpers the files share. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "pricing.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *admin;       /* minted ADMIN token */
char *customer;    /* a registered CUSTOMER's token */
char *reseller;    /* minted RESELLER token */

/* Creates a category; returns its id (malloc'd) or NULL. */
char *
category_create(void)
{
	char name[80], body[200];
	t_unique(name, sizeof name, "pricing-cat");
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", name);
	return t_create("/categories", admin, body);
}

/* Creates a product from the JSON members in extra (", \"categoryId\":..."
 * or ""), with base price base ("1000.00").  Returns the product id and,
 * when variant is not NULL, the first variant's id (both malloc'd). */
char *
product_create(const char *base, const char *extra, char **variant)
{
	char members[2048];
	snprintf(members, sizeof members,
	    "\"description\":\"for the pricing suite\",\"basePrice\":%s%s", base, extra);
	char *id = t_product_new(admin, "pricing-product", members, variant);
	if (id != NULL && variant != NULL)
		T_ASSERT(*variant != NULL);
	return id;
}

/* Creates a rule; returns its id (malloc'd) or NULL. */
char *
rule_create(const char *scope, const char *scope_id, const char *rate, const char *markup)
{
	char body[300];
	if (markup != NULL)
		snprintf(body, sizeof body, "{\"scope\":\"%s\",\"scopeId\":\"%s\","
		    "\"ratePercent\":%s,\"maxMarkupPercent\":%s}", scope, scope_id, rate, markup);
	else
		snprintf(body, sizeof body, "{\"scope\":\"%s\",\"scopeId\":\"%s\","
		    "\"ratePercent\":%s}", scope, scope_id, rate);
	return t_create("/pricing/rules", admin, body);
}

void
rule_delete(const char *id)
{
	char url[120];
	struct resp rs;
	if (id == NULL)
		return;
	snprintf(url, sizeof url, "/pricing/rules/%s", id);
	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 204);
	t_resp_free(&rs);
}

/* POST /pricing/calculate with one item. */
long
calc1(struct resp *rs, const char *product, const char *seller, int qty)
{
	char body[300];
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":%s}]}", product, qty, seller);
	return t_post_json(rs, "/pricing/calculate", NULL, body);
}

long
margin(struct resp *rs, const char *product, const char *seller)
{
	char body[200];
	snprintf(body, sizeof body, "{\"productId\":\"%s\",\"sellerPrice\":%s}", product,
	    seller);
	return t_post_json(rs, "/pricing/validate-margin", NULL, body);
}

static int
suite_init(void)
{
	/* The caller's identity is all a token carries: the pricing and product
	 * services read nothing else about an admin. */
	admin = t_token(ROLE_ADMIN, "pricing-admin@example.com");
	reseller = t_token(ROLE_RESELLER, "pricing-reseller@example.com");
	struct t_user u = t_register("CUSTOMER", "pricing-customer");
	customer = u.token;
	free(u.id);
	return admin != NULL && reseller != NULL && customer != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(reseller);
	free(customer);
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&pricing_calculate_suite,
	&pricing_rules_suite,
	&pricing_internal_suite,
};

int
main(void)
{
	return t_run_suites("pricing", suites, T_NCASES(suites), suite_init, suite_clean);
}
