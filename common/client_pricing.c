/* The pricing service's client (client_pricing.h): the quote, and the
 * push of a product snapshot to its copy of the catalog. */
#include "client_pricing.h"
#include "log.h"
#include <string.h>
#include <strings.h>

/* The answer's item it for l (the "in" members set).  NULL, or why it
 * does not check. */
static const char *
quote_item_read(const struct jv *it, struct pricing_quote_item *l)
{
	if (it == NULL || it->type != JV_OBJ)
		return "item is not an object";
	const char *pid = json_str(it, "productId"), *vid = json_str(it, "variantId");
	if (pid == NULL || strcasecmp(pid, l->product_id) != 0)
		return "item is not the product asked for";
	if (vid == NULL || strcasecmp(vid, l->variant_id) != 0)
		return "item is not the variant asked for";
	int64_t qty, seller, base, rate;
	if (client_int(it, "quantity", 1, INT64_MAX, &qty) != 0 || qty != l->quantity)
		return "item has another quantity";
	if (client_money(it, "basePrice", &base) != 0 || base != l->base_price ||
	    client_money(it, "sellerPrice", &seller) != 0 || seller != l->seller_price ||
	    client_money(it, "subtotal", &l->subtotal) != 0 ||
	    client_money(it, "commission", &l->commission) != 0 ||
	    client_money(it, "commissionRate", &rate) != 0)
		return "item has missing, other or malformed prices";
	/* commissionRate is a percentage with two decimals: 10.00 = 1000 bps. */
	l->rate_bps = rate;
	if (l->base_price > l->seller_price || l->subtotal != l->seller_price * l->quantity ||
	    l->commission < 0 || l->commission > l->subtotal || l->rate_bps < 0 ||
	    l->rate_bps > 10000)
		return "item prices do not add up";
	return NULL;
}

const char *
pricing_quote_read(struct arena *a, const struct jv *answer, struct pricing_quote_item *items,
    size_t n, struct pricing_quote *q)
{
	const struct jv *arr = json_get(answer, "items");
	if (arr == NULL || arr->type != JV_ARR || arr->n != n || n == 0)
		return "answer has no items array of the size asked for";
	int64_t sub = 0, com = 0;
	for (size_t i = 0; i < n; i++) {
		const char *why = quote_item_read(arr->items[i], &items[i]);
		if (why != NULL)
			return arena_printf(a, "items[%zu]: %s", i, why);
		sub += items[i].subtotal;
		com += items[i].commission;
	}
	const char *cur = json_str(answer, "currency");
	if (cur == NULL || strcmp(cur, items[0].currency) != 0)
		return "answer in another currency";
	q->currency = cur;
	if (client_money(answer, "subtotal", &q->subtotal) != 0 ||
	    client_money(answer, "commission", &q->commission) != 0 ||
	    client_money(answer, "total", &q->total) != 0)
		return "answer has no valid totals";
	/* The quote splits the commission so that its lines add up to it. */
	if (q->subtotal != sub || q->commission != com || q->total < q->subtotal)
		return "answer totals are not the sums of its lines";
	return NULL;
}

enum client_rc
pricing_quote(struct req *r, struct pricing_quote_item *items, size_t n,
    struct pricing_quote *q, struct client_refusal *ref)
{
	struct buf body = { 0 };
	struct jw w;
	client_body_array(&w, &body, "items");
	for (size_t i = 0; i < n; i++) {
		const struct pricing_quote_item *l = &items[i];
		jw_obj_open(&w);
		jw_kstr(&w, "productId", l->product_id);
		jw_kstr(&w, "variantId", l->variant_id);
		jw_kint(&w, "quantity", l->quantity);
		jw_kmoney(&w, "sellerPrice", l->seller_price);
		if (l->category_id != NULL)
			jw_kstr(&w, "categoryId", l->category_id);
		jw_kmoney(&w, "price", l->base_price);
		jw_kstr(&w, "currency", l->currency);
		jw_obj_close(&w);
	}
	client_body_end(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/pricing/quote", &body, &resp);
	buf_free(&body);
	if (rc == 0 && (resp.status == 400 || resp.status == 404 || resp.status == 409)) {
		client_refusal_set(ref, &resp, "the items cannot be priced");
		return CLIENT_REFUSED;
	}
	if (rc != 0 || resp.status != 200)
		return client_down(r, "pricing", rc, &resp);
	const char *why = pricing_quote_read(r->a, resp.json, items, n, q);
	return why != NULL ? client_malformed(r, "pricing", why) : CLIENT_OK;
}

int
pricing_catalog_push(struct req *r, const char *snapshot)
{
	struct buf body = { 0 };
	buf_adds(&body, snapshot);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/pricing/catalog", &body, &resp);
	buf_free(&body);
	if (rc == 0 && resp.status == 200)
		return 0;
	log_warn("pricing copy not updated now (status %ld): the relayed event will "
	    "update it", resp.status);
	return -1;
}
