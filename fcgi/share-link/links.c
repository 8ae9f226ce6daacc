/* Share links: the link document, POST /share-links, GET /share-links,
 * PATCH and DELETE /share-links/:id, and the order service's
 * GET /internal/share-link/links/:id.
 *
 * A link belongs to one reseller: a reseller creates, lists and changes
 * only their own, an admin anyone's.  A link may name one product (which
 * must exist and be on sale) and then a seller price (at least the
 * product's price, at most its markup cap: the pricing service decides),
 * and an expiry in the future.  Its code is LINK_CODE_LEN characters from
 * the CSPRNG (72 bits), unique in the database. */
#include "share_link.h"
#include "client_auth.h"
#include "client_pricing.h"
#include "client_product.h"
#include "config.h"
#include "crypto.h"
#include "idem.h"
#include "log.h"
#include "router.h"
#include "money.h"
#include "valid.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* SHARE_BASE_URL without its trailing slashes: a link's url is this, "/"
 * and its code. */
static char base_url[256];

int
links_config(void)
{
	const char *v = config_str("SHARE_BASE_URL", "http://localhost:3000/share");
	int n = link_base_url_len(v, sizeof base_url);
	if (n < 0) {
		fprintf(stderr, "share-link: SHARE_BASE_URL must be an http(s) URL of at most "
		    "%zu characters without a query\n", sizeof base_url - 1);
		return -1;
	}
	snprintf(base_url, sizeof base_url, "%.*s", n, v);
	return 0;
}

const char *
link_url(struct arena *a, const char *code)
{
	return arena_printf(a, "%s/%s", base_url, code);
}

void
json_link_members(struct jw *w, const PGresult *res, int row)
{
	char url[sizeof base_url + LINK_CODE_LEN + 2];
	const char *code = db_get(res, row, "code");
	snprintf(url, sizeof url, "%s/%s", base_url, code);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "code", code);
	jw_kstr(w, "sellerId", db_get(res, row, "seller_id"));
	jw_kstr(w, "productId", db_get(res, row, "product_id"));
	if (db_isnull(res, row, "seller_price"))
		jw_knull(w, "sellerPrice");
	else
		jw_kmoney(w, "sellerPrice", db_get_ll(res, row, "seller_price"));
	jw_kstr(w, "currency", db_get(res, row, "currency"));
	jw_kstr(w, "url", url);
	jw_kstr(w, "expiresAt", db_get(res, row, "expires_at"));
	jw_kbool(w, "isActive", db_get_bool(res, row, "is_active"));
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_kstr(w, "updatedAt", db_get(res, row, "updated_at"));
}

void
json_link_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	json_link_members(w, res, row);
	jw_obj_close(w);
}

/* Answers a link (row 0 of a LINK_COLS result) with status. */
static void
link_reply(struct req *r, const PGresult *res, int status)
{
	struct jw w;
	req_writer(r, &w);
	json_link_put(&w, res, 0);
	reply_w(r, status);
}

/* ---- POST /share-links ---- */

enum { C_SELLER, C_PRODUCT, C_PRICE, C_EXPIRES, C__MAX };
static const struct field create_fields[C__MAX] = {
	[C_SELLER] = { "sellerId", F_UUID, 0, 0, 0, NULL },
	[C_PRODUCT] = { "productId", F_UUID, 0, 0, 0, NULL },
	[C_PRICE] = { "sellerPrice", F_MONEY, 0, 1, 0, NULL },
	[C_EXPIRES] = { "expiresAt", F_TIME, 0, 0, 0, NULL },
};

/* An expiry must lie ahead.  0, or -1 after answering 400. */
static int
expiry_or_reply(struct req *r, const struct fval *f)
{
	if (f->set && !link_expiry_ok(f->i, (int64_t)r->now)) {
		reply_error(r, 400, "expiresAt must be in the future");
		return -1;
	}
	return 0;
}

/* Whether id names a RESELLER (auth_user()).  0, or -1 after answering
 * 400 or 503. */
static int
reseller_or_reply(struct req *r, const char *id)
{
	struct auth_user u;
	enum client_rc rc = auth_user(r, id, &u);
	if (rc == CLIENT_DOWN)
		return -1;
	if (rc != CLIENT_OK || strcmp(u.role, "RESELLER") != 0) {
		reply_error(r, 400, "sellerId does not name a reseller");
		return -1;
	}
	return 0;
}

/* Whether price is a valid seller price for p (at least its price, at
 * most its markup cap), as pricing_quote() decides.  0, or -1 after
 * answering 400 (its reason) or 503. */
static int
price_check_or_reply(struct req *r, const struct product_item *p, int64_t price)
{
	struct pricing_quote_item it = {
		.product_id = p->product_id, .variant_id = p->variant_id,
		.category_id = p->category_id, .currency = p->currency,
		.quantity = 1, .seller_price = price, .base_price = p->price,
	};
	struct pricing_quote q;
	struct client_refusal ref;
	enum client_rc rc = pricing_quote(r, &it, 1, &q, &ref);
	if (rc == CLIENT_REFUSED && ref.status == 400) {
		/* "items[0].sellerPrice must be at most 1500.00 (...)": the
		 * reason is about our sellerPrice. */
		const char *m = ref.message, *pfx = "items[0].";
		if (strncmp(m, pfx, strlen(pfx)) == 0)
			m += strlen(pfx);
		reply_error(r, 400, "%s", m[0] != '\0' ? m : "sellerPrice is not valid");
		return -1;
	}
	if (rc == CLIENT_REFUSED)
		return http_unavailable(r, "pricing", arena_printf(r->a, "status %d", ref.status));
	return rc == CLIENT_OK ? 0 : -1;
}

/* The linked product and seller price.  0 with *currency set, or -1 after
 * answering. */
static int
product_check(struct req *r, const struct fval *f, const char **currency)
{
	*currency = "INR";
	if (!f[C_PRODUCT].set)
		return 0;
	struct product_item p = { .product_id = f[C_PRODUCT].s };   /* its default variant */
	if (product_lookup(r, &p, 1) != CLIENT_OK)
		return -1;
	if (!p.found) {
		reply_error(r, 404, "product %s not found", p.product_id);
		return -1;
	}
	if (!p.active) {
		reply_error(r, 409, "product %s is not available for sale", p.product_id);
		return -1;
	}
	*currency = p.currency;
	if (!f[C_PRICE].set)
		return 0;
	if (f[C_PRICE].i < p.price) {
		char a[32];
		reply_error(r, 400, "sellerPrice must be at least %s (the product's price)",
		    money_format(p.price, a, sizeof a));
		return -1;
	}
	/* The markup cap of the product's commission rule. */
	return price_check_or_reply(r, &p, f[C_PRICE].i);
}

void
links_create(struct req *r)
{
	if (idem_begin_or_reply(r) <= 0)
		return;
	struct fval f[C__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, create_fields, C__MAX, f, NULL) != 0)
		return;
	bool admin = r->user.role == ROLE_ADMIN;
	const char *seller;
	switch (link_owner_of(admin, arena_strlower(r->a, r->user.sub),
	    f[C_SELLER].set ? f[C_SELLER].s : NULL, &seller)) {
	case LINK_OWNER_OK:
		break;
	case LINK_OWNER_REQUIRED:
		reply_error(r, 400, "sellerId is required");
		return;
	case LINK_OWNER_NOT_YOURS:
		reply_error(r, 403, "sellerId must be your own id");
		return;
	}
	if (f[C_PRICE].set && !f[C_PRODUCT].set) {
		reply_error(r, 400, "sellerPrice needs a productId");
		return;
	}
	if (expiry_or_reply(r, &f[C_EXPIRES]) != 0)
		return;
	/* A reseller's token says what they are; an admin names someone. */
	if (admin && reseller_or_reply(r, seller) != 0)
		return;
	const char *currency;
	if (product_check(r, f, &currency) != 0)
		return;

	const char *price = f[C_PRICE].set ? db_int(r, f[C_PRICE].i) : NULL;
	char code[LINK_CODE_LEN + 1];
	const char *p[] = { code, seller, f[C_PRODUCT].s, price, currency, f[C_EXPIRES].s };
	enum db_err err = DB_ERROR;
	PGresult *res = NULL;
	/* A collision of 72 random bits is all but impossible; a few tries
	 * make it harmless. */
	for (int tries = 0; res == NULL && tries < 3; tries++) {
		crypto_token(code, LINK_CODE_LEN);
		res = db_exec(r, S(S_LINK_INSERT), p, &err);
		if (res == NULL && !(err == DB_UNIQUE &&
		    strcmp(db_constraint(), "share_links_code_key") == 0))
			break;
	}
	if (res == NULL) {
		db_reply_error(r, err);
		return;
	}
	log_info("share link %s (%s) created for seller %s", db_get(res, 0, "id"), code, seller);
	link_reply(r, res, 201);
}

/* ---- GET /share-links?sellerId=&skip=&take= ---- */

enum { Q_SELLER, Q_SKIP, Q_TAKE, Q__MAX };
const struct qparam links_list_query[Q__MAX + 1] = {
	[Q_SELLER] = { "sellerId", QP_OWNER, 0, 0, 0, NULL },
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
};

void
links_list(struct req *r)
{
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	const char *p[] = { r->q[Q_SELLER].s, db_int(r, skip), db_int(r, take) };
	PGresult *res = db_exec_or_reply(r, S(S_LINK_LIST), p);
	if (res == NULL)
		return;
	db_reply_page(r, res, json_link_put, skip, take);
}

/* ---- PATCH and DELETE /share-links/:id ---- */

/* Loads link :id for its owner or an admin: the result, or NULL after
 * answering 400/403/404. */
static PGresult *
owned_link_or_reply(struct req *r, const char **id)
{
	if ((*id = param_uuid_or_reply(r, "id")) == NULL)
		return NULL;
	PGresult *res = db_exec_or_reply(r, S(S_LINK_BY_ID), (const char *[]){ *id });
	if (res == NULL)
		return NULL;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "share link not found");
		return NULL;
	}
	if (!guard_owner_or_reply(r, db_get(res, 0, "seller_id")))
		return NULL;
	return res;
}

/* Sets isActive (active: "true"/"false", or NULL to keep) and, when
 * set_expires, expiresAt (expires, NULL for never); answers the link. */
static void
link_change(struct req *r, const char *id, const char *active, bool set_expires,
    const char *expires)
{
	const char *p[] = { id, active, set_expires ? "true" : "false", expires };
	PGresult *res = db_exec_or_reply(r, S(S_LINK_UPDATE), p);
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "share link not found");
		return;
	}
	log_info("share link %s changed by %s %s: isActive %s, expiresAt %s", id,
	    role_name(r->user.role), r->user.sub, active ? active : "kept",
	    set_expires ? (expires ? expires : "never") : "kept");
	link_reply(r, res, 200);
}

enum { U_ACTIVE, U_EXPIRES, U__MAX };
static const struct field update_fields[U__MAX] = {
	[U_ACTIVE] = { "isActive", F_BOOL, 0, 0, 0, NULL },
	[U_EXPIRES] = { "expiresAt", F_TIME, 0, 0, 0, NULL },
};

void
links_update(struct req *r)
{
	struct fval f[U__MAX];
	const char *id;
	if (owned_link_or_reply(r, &id) == NULL)
		return;
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, update_fields, U__MAX, f, NULL) != 0)
		return;
	/* "expiresAt": null takes the expiry away. */
	bool set_expires = json_get(body, "expiresAt") != NULL;
	if (!f[U_ACTIVE].set && !set_expires) {
		reply_error(r, 400, "give isActive or expiresAt to change");
		return;
	}
	if (expiry_or_reply(r, &f[U_EXPIRES]) != 0)
		return;
	link_change(r, id, f[U_ACTIVE].set ? (f[U_ACTIVE].b ? "true" : "false") : NULL,
	    set_expires, f[U_EXPIRES].s);
}

/* DELETE deactivates: the link's orders and counters stay. */
void
links_delete(struct req *r)
{
	const char *id;
	if (owned_link_or_reply(r, &id) == NULL)
		return;
	link_change(r, id, "false", false, NULL);
}

/* ---- GET /internal/share-link/links/:id ---- */

PGresult *
live_link_or_reply(struct req *r, enum share_link_stmt s, const char *key)
{
	PGresult *res = db_exec_or_reply(r, S(s), (const char *[]){ key });
	if (res == NULL)
		return NULL;
	bool found = PQntuples(res) == 1;
	switch (link_use_of(found, found && db_get_bool(res, 0, "expired"),
	    found && db_get_bool(res, 0, "is_active"))) {
	case LINK_LIVE:
		return res;
	case LINK_EXPIRED:
		reply_error(r, 410, "share link has expired");
		break;
	case LINK_GONE:
		reply_error(r, 404, "share link not found");
		break;
	}
	return NULL;
}

/* The order service's view (share_link_get() in common/client_share_link.c). */
void
links_internal_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	PGresult *res;
	if (id == NULL || (res = live_link_or_reply(r, S_LINK_BY_ID, id)) == NULL)
		return;
	link_reply(r, res, 200);
}
