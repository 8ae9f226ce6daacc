/* GET /share-links/:code: the public page of a link (no token needed).
 *
 * An unknown or inactive link is 404, an expired one 410.  A visit counts
 * one click per visitor per link per hour (S_LINK_CLICK); a visitor is
 * HMAC-SHA256 of the client address and user agent under a server key
 * (SHARE_VISITOR_KEY, else JWT_SECRET), in hex: an unkeyed hash of an IPv4
 * address is reversed by trying all 2^32 of them, and the address itself is
 * never stored.  The link's own seller, signed in, does not count.  The
 * address is nginx's $remote_addr (behind another proxy, configure nginx's
 * real_ip module so that it is the client's).
 *
 * With a product, the answer carries what a shop page shows of it: name,
 * base price, the link's seller price.
 *
 * The share page GET /share/:code (page.c) counts its visits here too
 * (link_click_or_reply). */
#include "share_link.h"
#include "client_product.h"
#include "config.h"
#include "crypto.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* The visitor of r: hex HMAC-SHA256 of "address\nuser agent" into out. */
static void
visitor_of(struct req *r, char out[65])
{
	const char *key = config_str("SHARE_VISITOR_KEY", cfg.jwt_secret);
	const char *who = arena_printf(r->a, "%s\n%s", r->remote_addr, r->user_agent);
	crypto_hmac_sha256_hex(key, strlen(key), who, strlen(who), out);
}

int
link_click_or_reply(struct req *r, const PGresult *link)
{
	if (!link_visit_counts(r->authed, r->user.sub, db_get(link, 0, "seller_id")))
		return 0;
	char visitor[65];
	visitor_of(r, visitor);
	return db_exec_or_reply(r, S(S_LINK_CLICK),
	    (const char *[]){ db_get(link, 0, "id"), visitor }) == NULL ? -1 : 0;
}

/* Writes "product": what the page shows of p, or null when it is gone. */
static void
json_product_put(struct jw *w, const struct product_item *p, const PGresult *link)
{
	jw_key(w, "product");
	if (!p->found) {
		jw_null(w);
		return;
	}
	jw_obj_open(w);
	jw_kstr(w, "id", p->product_id);
	jw_kstr(w, "name", p->name);
	jw_kmoney(w, "basePrice", p->base_price);
	jw_kmoney(w, "price", p->price);
	if (db_isnull(link, 0, "seller_price"))
		jw_knull(w, "sellerPrice");
	else
		jw_kmoney(w, "sellerPrice", db_get_ll(link, 0, "seller_price"));
	jw_kstr(w, "currency", p->currency);
	jw_kbool(w, "isActive", p->active);
	jw_obj_close(w);
}

void
links_visit(struct req *r)
{
	const char *code = req_param(r, "code");
	if (!link_code_valid(code)) {
		reply_error(r, 404, "share link not found");
		return;
	}
	PGresult *res = live_link_or_reply(r, S_LINK_BY_CODE, code);
	if (res == NULL)
		return;
	/* The product first: a 503 counts no click. */
	const char *product = db_get(res, 0, "product_id");
	struct product_item p = { .product_id = product };   /* its default variant */
	if (product != NULL && product_lookup(r, &p, 1) != CLIENT_OK)
		return;
	if (link_click_or_reply(r, res) != 0)
		return;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	json_link_members(&w, res, 0);
	if (product != NULL)
		json_product_put(&w, &p, res);
	else
		jw_knull(&w, "product");
	jw_obj_close(&w);
	reply_w(r, 200);
}
