/* The share-link service through the gateway: the suite it_share_link, one
 * file per concern (share_link.h lists them): POST /share-links (who may
 * create for whom, the product and seller price checks, expiresAt), the
 * public GET /share-links/:code (404/410, one click per visitor per hour,
 * no address stored), GET /share-links (ownership, paging), PATCH and
 * DELETE (deactivation), GET /share-links/:code/stats (exact numbers from
 * the order service's events, through the relay), the internal API, and
 * what matters most: POST /orders through a link takes its seller and
 * seller price, and refuses expired, inactive, unknown and other-product
 * links.
 *
 * Users: an ADMIN token is minted; two resellers and a customer register.
 * Products are created through the product API.  Money is compared as the
 * exact JSON text the server wrote ("1500.00").  This file: the users and
 * products the cases share and the helpers they call. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *admin;
struct t_user seller_a, seller_b, customer;
char *product;            /* base price 1000.00, plenty of stock */
char *other_product;      /* base price 10.00 */

/* A product at base price base ("1000.00") with stock units; extra adds
 * fields (",\"isActive\":false").  Its id (malloc'd) or NULL. */
char *
product_create(const char *base, int stock, const char *extra)
{
	char members[400];
	snprintf(members, sizeof members, "\"basePrice\":%s,\"stock\":%d%s", base, stock, extra);
	return t_product_new(admin, "share-product", members, NULL);
}

/* An ISO 8601 time secs from now. */
char *
iso_in(char *out, size_t n, long secs)
{
	time_t t = time(NULL) + secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return out;
}

/* POST /share-links with body json as token. */
long
link_post(struct resp *rs, const char *token, const char *json)
{
	return t_send_json(rs, "POST", "/share-links", token, json);
}

int
link_create(const struct t_user *u, const char *extra, struct link *l)
{
	char body[600];
	struct resp rs;
	snprintf(body, sizeof body, "{%s\"sellerId\":\"%s\"}", extra, u->id);
	link_post(&rs, u->token, body);
	int rc = -1;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") && t_jstr(rs.json, "code")) {
		snprintf(l->id, sizeof l->id, "%s", t_jstr(rs.json, "id"));
		snprintf(l->code, sizeof l->code, "%s", t_jstr(rs.json, "code"));
		rc = 0;
	}
	t_resp_free(&rs);
	return rc;
}

/* GET /share-links/:code as a visitor with user agent ua (no token). */
long
visit(struct resp *rs, const char *code, const char *ua)
{
	char url[120], h[200];
	snprintf(url, sizeof url, "/share-links/%s", code);
	snprintf(h, sizeof h, "User-Agent: %s", ua);
	return t_http(rs, "GET", url, NULL, NULL, NULL, 0, h, (char *)NULL);
}

long
stats_get(struct resp *rs, const char *code, const char *token)
{
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s/stats", code);
	return t_get(rs, url, token);
}

/* POST /orders of one line as token; extra as in link_create. */
long
order_post(struct resp *rs, const char *token, const char *extra, const char *prod, int qty,
    const char *price)
{
	char body[800];
	snprintf(body, sizeof body, "{%s\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":%s}]}", extra, prod, qty, price);
	return t_send_json(rs, "POST", "/orders", token, body);
}

long long
clicks_of(const char *code)
{
	struct resp rs;
	stats_get(&rs, code, admin);
	long long n = rs.status == 200 ? t_jint(rs.json, "clicks", -1) : -1;
	t_resp_free(&rs);
	return n;
}

long
link_patch(struct resp *rs, const char *token, const char *id, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", id);
	return t_send_json(rs, "PATCH", url, token, json);
}

static int
suite_init(void)
{
	admin = t_token(ROLE_ADMIN, "share-admin@example.com");
	seller_a = t_register("RESELLER", "share-user");
	seller_b = t_register("RESELLER", "share-user");
	customer = t_register("CUSTOMER", "share-user");
	if (!admin || !seller_a.token || !seller_b.token || !customer.token)
		return -1;
	product = product_create("1000.00", 1000, "");
	other_product = product_create("10.00", 1000, "");
	return product && other_product ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(product);
	free(other_product);
	struct t_user *u[] = { &seller_a, &seller_b, &customer };
	for (size_t i = 0; i < 3; i++) {
		free(u[i]->token);
		free(u[i]->id);
	}
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&share_link_links_suite,
	&share_link_page_suite,
	&share_link_sharepage_suite,
	&share_link_browser_suite,
	&share_link_expiry_suite,
	&share_link_orders_suite,
	&share_link_stats_suite,
};

int
main(void)
{
	return t_run_suites("share_link", suites, T_NCASES(suites), suite_init, suite_clean);
}
