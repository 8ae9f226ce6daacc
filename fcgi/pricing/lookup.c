/* Prices from the product service: one POST /internal/product/lookup per
 * request, whatever the number of items (docs/internal-api.md). */
#include "pricing.h"
#include "http.h"
#include "log.h"
#include "money.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* Reads one answer item into p.  NULL, or why it is malformed. */
static const char *
parse_item(struct req *r, const struct jv *it, struct priced *p)
{
	if (it == NULL || it->type != JV_OBJ)
		return "item is not an object";
	const struct jv *found = json_get(it, "found");
	if (found == NULL || found->type != JV_BOOL)
		return "item has no boolean found";
	p->found = found->b;
	if (!p->found)
		return NULL;

	const struct jv *pid = json_get(it, "productId");
	if (pid == NULL || pid->type != JV_STR || strcasecmp(pid->s, p->product_id) != 0)
		return "item is not the product asked for";
	const struct jv *vid = json_get(it, "variantId");
	if (vid == NULL || vid->type != JV_STR || !valid_uuid(vid->s))
		return "item has no variantId";
	if (p->variant != NULL && strcasecmp(vid->s, p->variant) != 0)
		return "item is not the variant asked for";
	p->variant_id = arena_strlower(r->a, vid->s);

	const struct jv *cat = json_get(it, "categoryId");
	p->category_id = NULL;
	if (cat != NULL && cat->type == JV_STR) {
		if (!valid_uuid(cat->s))
			return "item has a malformed categoryId";
		p->category_id = arena_strlower(r->a, cat->s);
	} else if (cat != NULL && cat->type != JV_NULL) {
		return "item has a malformed categoryId";
	}

	const struct jv *name = json_get(it, "name");
	p->name = name != NULL && name->type == JV_STR ? name->s : NULL;

	const struct jv *act = json_get(it, "isActive");
	if (act == NULL || act->type != JV_BOOL)
		return "item has no boolean isActive";
	p->active = act->b;

	const struct jv *price = json_get(it, "price");
	if (price == NULL || price->type != JV_NUM ||
	    money_parse(price->s, price->len, &p->price) != MONEY_OK || p->price <= 0)
		return "item has no valid price";

	const struct jv *cur = json_get(it, "currency");
	if (cur == NULL || cur->type == JV_NULL)
		p->currency = "INR";
	else if (cur->type == JV_STR && pricing_is_currency(cur->s))
		p->currency = cur->s;
	else
		return "item has a malformed currency";
	return NULL;
}

int
lookup_or_reply(struct req *r, struct priced *items, size_t n)
{
	struct buf body = { 0 };
	struct jw w;
	jw_init(&w, &body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "productId", items[i].product_id);
		jw_kstr(&w, "variantId", items[i].variant);   /* NULL: default */
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);

	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/product/lookup", &body, &resp);
	buf_free(&body);
	if (rc != 0 || resp.status != 200)
		return http_unavailable(r, "product", http_failure(r, rc, &resp));
	const struct jv *arr = resp.json ? json_get(resp.json, "items") : NULL;
	if (arr == NULL || arr->type != JV_ARR || arr->n != n)
		return http_unavailable(r, "product", "answer has no items array of the size asked for");
	for (size_t i = 0; i < n; i++) {
		const char *why = parse_item(r, arr->items[i], &items[i]);
		if (why != NULL)
			return http_unavailable(r, "product", arena_printf(r->a, "items[%zu]: %s", i, why));
	}
	return 0;
}

int
priced_usable_or_reply(struct req *r, const struct priced *p)
{
	if (!p->found) {
		if (p->variant != NULL)
			reply_error(r, 404, "variant %s of product %s not found", p->variant,
			    p->product_id);
		else
			reply_error(r, 404, "product %s not found", p->product_id);
		return -1;
	}
	if (!p->active) {
		reply_error(r, 409, "product %s is not available for sale", p->product_id);
		return -1;
	}
	return 0;
}
