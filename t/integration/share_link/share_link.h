/* it_share_link: the share-link service through the gateway.  One file
 * per concern, run in this order:
 *
 *	links.c    POST, GET (list), PATCH and DELETE /share-links
 *	page.c     the public page GET /share-links/:code
 *	sharepage.c the share page GET /share/:code (HTML): tags, escaping,
 *	           CSP, clicks, 404/410 pages, STOREFRONT_URL
 *	browser.c  the share page in a headless Chromium: screenshot, text
 *	expiry.c   the expiry job and the cron runner
 *	orders.c   POST /orders through a link; the internal read
 *	stats.c    GET /share-links/:code/stats and the events behind it
 *
 * main.c holds the users and products the cases share and the helpers
 * below. */
#ifndef IT_SHARE_LINK_H
#define IT_SHARE_LINK_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include <stddef.h>

#define LINK_DB  "SHARE_LINK_DATABASE_URL"
#define ORDER_DB "ORDER_DATABASE_URL"

extern char *admin;
extern struct t_user seller_a, seller_b, customer;
extern char *product;            /* base price 1000.00, plenty of stock */
extern char *other_product;      /* base price 10.00 */

struct link {
	char id[40];
	char code[20];
};

/* A product at base price base ("1000.00") with stock units; extra adds
 * fields (",\"isActive\":false").  Its id (malloc'd) or NULL. */
char *product_create(const char *base, int stock, const char *extra);
/* An ISO 8601 time secs from now. */
char *iso_in(char *out, size_t n, long secs);
/* POST /share-links with body json as token. */
long link_post(struct resp *rs, const char *token, const char *json);
/* A link of seller u (extra: more members, each followed by a comma).
 * Fills id and code; returns 0, or -1 (the check failed). */
int link_create(const struct t_user *u, const char *extra, struct link *l);
/* GET /share-links/:code as a visitor with user agent ua (no token). */
long visit(struct resp *rs, const char *code, const char *ua);
long stats_get(struct resp *rs, const char *code, const char *token);
/* A link's clicks as its stats show them (as an admin), or -1. */
long long clicks_of(const char *code);
/* POST /orders of one line as token; extra as in link_create. */
long order_post(struct resp *rs, const char *token, const char *extra, const char *prod,
    int qty, const char *price);
long link_patch(struct resp *rs, const char *token, const char *id, const char *json);

extern const struct t_suite share_link_links_suite, share_link_page_suite,
    share_link_sharepage_suite, share_link_browser_suite,
    share_link_expiry_suite, share_link_orders_suite, share_link_stats_suite;

#endif
