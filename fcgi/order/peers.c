/* What an order needs of other services, through their clients in
 * common/ (docs/internal-api.md): auth (who is the seller), share-link
 * (the link ordered through), product (the stock reserved, with the base
 * prices read in the same statement), pricing (the seller prices checked
 * and the commission).  This file only maps the order's lines to the
 * clients' structs and the callees' answers to the order's; a callee that
 * cannot answer is the client's 503. */
#include "order.h"
#include "client_auth.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- auth ---- */

/* A user's role never changes (auth has no endpoint that changes one) and
 * users are not deleted, so a role once read is kept by the worker for
 * ROLE_TTL seconds: most orders then need no call to auth.  A role changed
 * by hand in auth_db is seen within ROLE_TTL.  Unknown ids are not kept. */
#define ROLE_SLOTS 1024
#define ROLE_TTL 300
static struct {
	char id[37];
	char role[16];
	time_t until;
} roles[ROLE_SLOTS];

static unsigned
role_slot(const char *id)
{
	unsigned h = 2166136261u;
	for (const char *c = id; *c; c++)
		h = (h ^ (unsigned char)(*c | 0x20)) * 16777619u;
	return h % ROLE_SLOTS;
}

int
peer_user_role(struct req *r, const char *id, const char **role)
{
	unsigned slot = role_slot(id);
	if (roles[slot].until > r->now && strcasecmp(roles[slot].id, id) == 0) {
		*role = arena_strdup(r->a, roles[slot].role);
		return 1;
	}
	struct auth_user u;
	enum client_rc rc = auth_user(r, id, &u);
	if (rc == CLIENT_NOT_FOUND)
		return 0;
	if (rc != CLIENT_OK)
		return -1;
	*role = u.role;
	if (strlen(id) < sizeof roles[slot].id && strlen(u.role) < sizeof roles[slot].role) {
		snprintf(roles[slot].id, sizeof roles[slot].id, "%s", id);
		snprintf(roles[slot].role, sizeof roles[slot].role, "%s", u.role);
		roles[slot].until = r->now + ROLE_TTL;
	}
	return 1;
}

/* ---- share-link ---- */

int
peer_share_link_or_reply(struct req *r, const char *id, struct share_link *l)
{
	enum client_rc rc = share_link_get(r, id, l);
	if (rc == CLIENT_DOWN)
		return -1;
	/* The link's service says when it is gone; our clock says it too. */
	if (rc == CLIENT_GONE || (rc == CLIENT_OK && l->active && l->expires &&
	    l->expires_ms / 1000 <= r->now)) {
		reply_error(r, 410, "share link has expired");
		return -1;
	}
	if (rc != CLIENT_OK || !l->active) {
		reply_error(r, 404, "share link not found");
		return -1;
	}
	return 0;
}

/* ---- product: the reservation, and the lines' base prices ---- */

int
peer_reserve_or_reply(struct req *r, const char *order_id, struct line *lines, size_t n)
{
	struct product_reserve_line *res = arena_alloc(r->a, n * sizeof *res);
	for (size_t i = 0; i < n; i++) {
		res[i].product_id = lines[i].product_id;
		res[i].variant = lines[i].variant;
		res[i].quantity = lines[i].quantity;
	}
	struct client_refusal ref;
	enum client_rc rc = product_reserve(r, order_id, res, n, &ref);
	if (rc == CLIENT_REFUSED)   /* 404 or 409 naming the line: "items[1]: ..." */
		reply_error(r, ref.status, "%s", ref.message);
	if (rc != CLIENT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		lines[i].variant_id = res[i].variant_id;
		lines[i].product_name = res[i].name;
		lines[i].category_id = res[i].category_id;
		lines[i].currency = res[i].currency;
		lines[i].base_price = res[i].price;
	}
	return 0;
}

/* ---- pricing ---- */

int
peer_quote_or_reply(struct req *r, struct line *lines, size_t n, struct pricing_quote *q)
{
	struct pricing_quote_item *it = arena_alloc(r->a, n * sizeof *it);
	for (size_t i = 0; i < n; i++) {
		it[i].product_id = lines[i].product_id;
		it[i].variant_id = lines[i].variant_id;
		it[i].category_id = lines[i].category_id;
		it[i].currency = lines[i].currency;
		it[i].quantity = lines[i].quantity;
		it[i].seller_price = lines[i].seller_price;
		it[i].base_price = lines[i].base_price;
	}
	struct client_refusal ref;
	enum client_rc rc = pricing_quote(r, it, n, q, &ref);
	if (rc == CLIENT_REFUSED)   /* 400, 404 or 409 naming the line */
		reply_error(r, ref.status, "%s", ref.message);
	if (rc != CLIENT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		lines[i].subtotal = it[i].subtotal;
		lines[i].commission = it[i].commission;
		lines[i].rate_bps = it[i].rate_bps;
	}
	return 0;
}
