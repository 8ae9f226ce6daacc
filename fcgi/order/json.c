/* The order document: one reader from rows, one writer (json_order_put)
 * used by every answer that carries an order. */
#include "order.h"
#include <string.h>

static void
item_read(const PGresult *res, int row, struct order_item *it)
{
	it->id = db_get(res, row, "item_id");
	it->product_id = db_get(res, row, "item_product_id");
	it->variant_id = db_get(res, row, "item_variant_id");
	it->product_name = db_get(res, row, "item_product_name");
	it->quantity = db_get_ll(res, row, "item_quantity");
	it->base_price = db_get_ll(res, row, "item_base_price");
	it->seller_price = db_get_ll(res, row, "item_seller_price");
	it->subtotal = db_get_ll(res, row, "item_subtotal");
	it->commission = db_get_ll(res, row, "item_commission");
}

static void
order_read(const PGresult *res, int row, struct order *o)
{
	o->id = db_get(res, row, "id");
	o->user_id = db_get(res, row, "user_id");
	o->seller_id = db_get(res, row, "seller_id");
	o->share_link_id = db_get(res, row, "share_link_id");
	o->status = db_get(res, row, "status");
	o->currency = db_get(res, row, "currency");
	o->subtotal = db_get_ll(res, row, "subtotal");
	o->commission = db_get_ll(res, row, "commission");
	o->total = db_get_ll(res, row, "total");
	o->shipping_address = db_get(res, row, "shipping_address");
	o->payment_id = db_get(res, row, "payment_id");
	o->created_at = db_get(res, row, "created_at");
	o->updated_at = db_get(res, row, "updated_at");
	o->items = NULL;
	o->nitems = 0;
}

size_t
orders_read(struct req *r, const PGresult *res, struct order **out)
{
	int rows = PQntuples(res);
	struct order *v = arena_alloc(r->a, (size_t)(rows ? rows : 1) * sizeof *v);
	struct order_item *items = arena_alloc(r->a, (size_t)(rows ? rows : 1) * sizeof *items);
	size_t n = 0, ni = 0;
	for (int row = 0; row < rows; row++) {
		const char *id = db_get(res, row, "id");
		if (id == NULL)
			continue;
		/* An order's rows are adjacent: a new id starts a new order,
		 * whose items continue the shared array. */
		if (n == 0 || strcmp(v[n - 1].id, id) != 0) {
			order_read(res, row, &v[n]);
			v[n].items = &items[ni];
			n++;
		}
		if (!db_isnull(res, row, "item_id")) {
			item_read(res, row, &items[ni++]);
			v[n - 1].nitems++;
		}
	}
	*out = v;
	return n;
}

static void
history_put(struct jw *w, const PGresult *h)
{
	jw_key(w, "statusHistory");
	jw_arr_open(w);
	for (int i = 0; i < PQntuples(h); i++) {
		jw_obj_open(w);
		jw_kstr(w, "from", db_get(h, i, "from_status"));
		jw_kstr(w, "to", db_get(h, i, "to_status"));
		jw_kstr(w, "notes", db_get(h, i, "notes"));
		jw_kstr(w, "actorId", db_get(h, i, "actor_id"));
		jw_kstr(w, "actorRole", db_get(h, i, "actor_role"));
		jw_kstr(w, "createdAt", db_get(h, i, "created_at"));
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

void
json_order_put(struct jw *w, const struct order *o, const PGresult *history)
{
	jw_obj_open(w);
	jw_kstr(w, "id", o->id);
	jw_kstr(w, "userId", o->user_id);
	jw_kstr(w, "sellerId", o->seller_id);
	jw_kstr(w, "shareLinkId", o->share_link_id);
	jw_kstr(w, "status", o->status);
	jw_kstr(w, "currency", o->currency);
	jw_kmoney(w, "subtotal", o->subtotal);
	jw_kmoney(w, "commission", o->commission);
	jw_kmoney(w, "total", o->total);
	jw_kstr(w, "shippingAddress", o->shipping_address);
	jw_kstr(w, "paymentId", o->payment_id);
	jw_key(w, "items");
	jw_arr_open(w);
	for (size_t i = 0; i < o->nitems; i++) {
		const struct order_item *it = &o->items[i];
		jw_obj_open(w);
		jw_kstr(w, "id", it->id);
		jw_kstr(w, "productId", it->product_id);
		jw_kstr(w, "variantId", it->variant_id);
		jw_kstr(w, "productName", it->product_name);
		jw_kint(w, "quantity", it->quantity);
		jw_kmoney(w, "basePrice", it->base_price);
		jw_kmoney(w, "sellerPrice", it->seller_price);
		jw_kmoney(w, "subtotal", it->subtotal);
		jw_kmoney(w, "commission", it->commission);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	if (history != NULL)
		history_put(w, history);
	jw_kstr(w, "createdAt", o->created_at);
	jw_kstr(w, "updatedAt", o->updated_at);
	jw_obj_close(w);
}

void
order_reply(struct req *r, const char *id, int status)
{
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_GET), (const char *[]){ id });
	if (res == NULL)
		return;
	struct order *o;
	if (orders_read(r, res, &o) != 1) {
		reply_error(r, 404, "order %s not found", id);
		return;
	}
	PGresult *h = db_exec_or_reply(r, S(S_HISTORY_GET), (const char *[]){ id });
	if (h == NULL)
		return;
	struct jw w;
	req_writer(r, &w);
	json_order_put(&w, o, h);
	reply_w(r, status);
}
