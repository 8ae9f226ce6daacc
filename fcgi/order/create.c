/* POST /orders: an order from seller-priced lines.
 *
 *   1. Idempotency-Key (common/idem.c): a retry gets the first answer.
 *   2. The body, declared; the buyer is the caller unless an admin says
 *      otherwise; the seller is a reseller, or the share link's seller.
 *   3. The stock is reserved (all lines or none) under the new order id
 *      by the product service, whose answer also carries each line's
 *      variant and base price, read under the same row locks.
 *   4. The pricing service checks the seller prices against those base
 *      prices and computes the commission, rounded once from the exact
 *      total and split across the lines so they add up to it
 *      (fcgi/pricing/README.md; the client's totals are not even
 *      accepted); commission is 0 without a seller and when the seller is
 *      the buyer.  A refusal gives the reservation back.
 *   5. One statement: the order, its lines, its first history row and
 *      ORDER_CREATED.  If it fails, the reservation is given back.
 *
 * So an order costs two internal calls (auth's answer about the seller is
 * kept a few minutes) and three statements in all. */
#include "order.h"
#include "crypto.h"
#include "idem.h"
#include "log.h"
#include "outbox.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

enum { C_USER, C_SELLER, C_LINK, C_ADDRESS, C_ITEMS, C__MAX };
static const struct field create_fields[C__MAX] = {
	[C_USER] = { "userId", F_UUID, 0, 0, 0, NULL },
	[C_SELLER] = { "sellerId", F_UUID, 0, 0, 0, NULL },
	[C_LINK] = { "shareLinkId", F_UUID, 0, 0, 0, NULL },
	[C_ADDRESS] = { "shippingAddress", F_STRING, F_TRIM, 0, 1000, NULL },
	[C_ITEMS] = { "items", F_ARRAY, F_REQUIRED, 1, ORDER_ITEMS_MAX, NULL },
};

enum { I_PRODUCT, I_VARIANT, I_QUANTITY, I_PRICE, I__MAX };
static const struct field item_fields[I__MAX] = {
	[I_PRODUCT] = { "productId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[I_VARIANT] = { "variantId", F_UUID, 0, 0, 0, NULL },
	[I_QUANTITY] = { "quantity", F_INT, F_REQUIRED, 1, ORDER_QTY_MAX, NULL },
	[I_PRICE] = { "sellerPrice", F_MONEY, F_REQUIRED, 0, 0, NULL },
};

/* The request, validated. */
struct draft {
	const char *buyer, *seller, *link, *address;
	struct line *lines;
	size_t n;
	struct pricing_quote p;
};

/* Body -> d.  0, or -1 after answering 400/403. */
static int
draft_read(struct req *r, struct draft *d)
{
	struct fval f[C__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, create_fields, C__MAX, f, NULL) != 0)
		return -1;
	const struct jv *arr = f[C_ITEMS].v;
	d->n = arr->n;
	d->lines = arena_alloc(r->a, d->n * sizeof *d->lines);
	for (size_t i = 0; i < d->n; i++) {
		struct fval g[I__MAX];
		if (arr->items[i]->type != JV_OBJ) {
			reply_error(r, 400, "items[%zu] must be an object", i);
			return -1;
		}
		const char *pfx = arena_printf(r->a, "items[%zu].", i);
		if (fields_or_reply(r, arr->items[i], item_fields, I__MAX, g, pfx) != 0)
			return -1;
		d->lines[i].product_id = g[I_PRODUCT].s;
		d->lines[i].variant = g[I_VARIANT].set ? g[I_VARIANT].s : NULL;
		d->lines[i].quantity = g[I_QUANTITY].i;
		d->lines[i].seller_price = g[I_PRICE].i;
	}
	d->buyer = f[C_USER].set ? f[C_USER].s : r->user.sub;
	d->seller = f[C_SELLER].set ? f[C_SELLER].s : NULL;
	d->link = f[C_LINK].set ? f[C_LINK].s : NULL;
	d->address = f[C_ADDRESS].set && f[C_ADDRESS].s[0] != '\0' ? f[C_ADDRESS].s : NULL;
	if (strcasecmp(d->buyer, r->user.sub) != 0 && r->user.role != ROLE_ADMIN) {
		reply_error(r, 403, "userId must be your own id");
		return -1;
	}
	return 0;
}

/* Who the order is for and who sells it.  0, or -1 after answering. */
static int
parties_check(struct req *r, struct draft *d)
{
	const char *role;
	int rc;
	if (strcasecmp(d->buyer, r->user.sub) != 0) {
		/* An admin ordering for someone: that someone must exist. */
		if ((rc = peer_user_role(r, d->buyer, &role)) < 0)
			return -1;
		if (rc == 0) {
			reply_error(r, 400, "userId does not name a user");
			return -1;
		}
	}
	if (d->link != NULL) {
		struct share_link l;
		if (peer_share_link_or_reply(r, d->link, &l) != 0)
			return -1;
		d->seller = l.seller_id;   /* the link's seller wins */
		for (size_t i = 0; i < d->n; i++) {
			if (l.product_id != NULL && strcmp(d->lines[i].product_id, l.product_id) != 0) {
				reply_error(r, 400, "items[%zu].productId is not the product of the "
				    "share link", i);
				return -1;
			}
			if (l.has_price)
				d->lines[i].seller_price = l.seller_price;
		}
		return 0;
	}
	if (d->seller != NULL) {
		if ((rc = peer_user_role(r, d->seller, &role)) < 0)
			return -1;
		if (rc == 0 || strcmp(role, "RESELLER") != 0) {
			reply_error(r, 400, "sellerId does not name a reseller");
			return -1;
		}
	}
	return 0;
}

/* ORDER_CREATED (workers/README.md). */
static void
created_payload(struct buf *b, const char *id, const struct draft *d)
{
	struct jw w;
	jw_init(&w, b);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", id);
	jw_kstr(&w, "userId", d->buyer);
	jw_kstr(&w, "sellerId", d->seller);
	jw_kstr(&w, "shareLinkId", d->link);
	jw_kstr(&w, "currency", d->p.currency);
	jw_kint(&w, "subtotalPaise", d->p.subtotal);
	jw_kint(&w, "commissionPaise", d->p.commission);
	jw_kint(&w, "totalPaise", d->p.total);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		jw_obj_open(&w);
		jw_kstr(&w, "productId", l->product_id);
		jw_kstr(&w, "variantId", l->variant_id);
		jw_kstr(&w, "productName", l->product_name);
		jw_kint(&w, "quantity", l->quantity);
		jw_kint(&w, "sellerPricePaise", l->seller_price);
		jw_kint(&w, "commissionPaise", l->commission);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
}

/* The lines as the JSON S_ORDER_CREATE reads (money in paise). */
static void
items_doc(struct buf *b, const struct draft *d)
{
	struct jw w;
	jw_init(&w, b);
	jw_arr_open(&w);
	for (size_t i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		jw_obj_open(&w);
		jw_kstr(&w, "id", l->item_id);
		jw_kint(&w, "position", (int64_t)i);
		jw_kstr(&w, "product_id", l->product_id);
		jw_kstr(&w, "variant_id", l->variant_id);
		jw_kstr(&w, "product_name", l->product_name);
		jw_kint(&w, "quantity", l->quantity);
		jw_kint(&w, "base_price", l->base_price);
		jw_kint(&w, "seller_price", l->seller_price);
		jw_kint(&w, "subtotal", l->subtotal);
		jw_kint(&w, "commission", l->commission);
		jw_kint(&w, "commission_rate_bps", l->rate_bps);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
}

/* Writes the order (one statement, S_ORDER_CREATE) and fills o with what
 * was written.  0, or -1 after answering. */
static int
order_store(struct req *r, const char *id, const struct draft *d, struct order *o)
{
	struct buf items = { 0 }, payload = { 0 };
	items_doc(&items, d);
	created_payload(&payload, id, d);
	const char *p[] = { id, d->buyer, d->seller, d->link, d->p.currency,
	    db_int(r, d->p.subtotal), db_int(r, d->p.commission), db_int(r, d->p.total),
	    d->address, items.p, r->user.sub, role_name(r->user.role), payload.p };
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_CREATE), p);
	buf_free(&items);
	buf_free(&payload);
	if (res == NULL)
		return -1;
	memset(o, 0, sizeof *o);
	o->id = id;
	o->user_id = d->buyer;
	o->seller_id = d->seller;
	o->share_link_id = d->link;
	o->status = "PENDING";
	o->currency = d->p.currency;
	o->subtotal = d->p.subtotal;
	o->commission = d->p.commission;
	o->total = d->p.total;
	o->shipping_address = d->address;
	o->created_at = db_get(res, 0, "created_at");
	o->updated_at = db_get(res, 0, "updated_at");
	o->nitems = d->n;
	o->items = arena_alloc(r->a, d->n * sizeof *o->items);
	for (size_t i = 0; i < d->n; i++) {
		const struct line *l = &d->lines[i];
		struct order_item *it = &o->items[i];
		it->id = l->item_id;
		it->product_id = l->product_id;
		it->variant_id = l->variant_id;
		it->product_name = l->product_name;
		it->quantity = l->quantity;
		it->base_price = l->base_price;
		it->seller_price = l->seller_price;
		it->subtotal = l->subtotal;
		it->commission = l->commission;
	}
	return 0;
}

/* The answer POST /orders gave when it made order id (idem_found_fn):
 * for a retry whose first request died after the order committed.  1
 * answered, 0 no such order, -1 answered an error. */
static int
order_found(struct req *r, const char *id)
{
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_GET), (const char *[]){ id });
	if (res == NULL)
		return -1;
	struct order *o;
	if (orders_read(r, res, &o) != 1)
		return 0;
	struct jw w;
	req_writer(r, &w);
	json_order_put(&w, o, NULL);
	reply_w(r, 201);
	return 1;
}

void
orders_create(struct req *r)
{
	/* The order's id is the Idempotency-Key's: a retry after a crash
	 * finds the order (order_found) or reserves under the same id, which
	 * the product service answers with the reservation already held. */
	if (idem_begin_found_or_reply(r, order_found) <= 0)
		return;
	struct draft d;
	memset(&d, 0, sizeof d);
	if (draft_read(r, &d) != 0 || parties_check(r, &d) != 0)
		return;
	d.buyer = arena_strlower(r->a, d.buyer);   /* a token's sub is not normalized */

	const char *id = r->idem_id;
	if (peer_reserve_or_reply(r, id, d.lines, d.n) != 0)
		return;
	if (peer_quote_or_reply(r, d.lines, d.n, &d.p) != 0) {
		product_release(r, id);
		return;
	}
	/* No seller, no commission; a reseller buying from themselves earns
	 * nothing either. */
	if (!order_commission_earned(d.seller, d.buyer)) {
		d.p.commission = 0;
		for (size_t i = 0; i < d.n; i++) {
			d.lines[i].commission = 0;
			d.lines[i].rate_bps = 0;
		}
	}
	for (size_t i = 0; i < d.n; i++)
		crypto_uuid4(d.lines[i].item_id);

	struct order o;
	if (order_store(r, id, &d, &o) != 0) {
		/* The commit's answer may be what was lost: then the order is
		 * the answer; otherwise the stock goes back. */
		int status = r->status;
		reply_reset(r);
		int found = order_found(r, id);
		if (found == 0) {
			product_release(r, id);
			if (status == 503)
				reply_error(r, 503, "database unavailable, try again shortly");
			else
				reply_error(r, 500, "internal server error");
		} else if (found < 0)
			log_err("order %s: store failed and whether it was committed is "
			    "unknown: its stock stays reserved until the reaper asks", id);
		return;
	}
	log_info("order %s created for %s: %zu lines, total %lld paise", id, d.buyer, d.n,
	    (long long)d.p.total);
	struct jw w;
	req_writer(r, &w);
	json_order_put(&w, &o, NULL);
	reply_w(r, 201);
}
