/* Prices from the product service: one product_lookup() per request,
 * whatever the number of items (common/client_product.h). */
#include "pricing.h"
#include "client_product.h"

int
lookup_or_reply(struct req *r, struct priced *items, size_t n)
{
	struct product_item *it = arena_alloc(r->a, n * sizeof *it);
	for (size_t i = 0; i < n; i++) {
		it[i].product_id = items[i].product_id;
		it[i].variant = items[i].variant;
	}
	if (product_lookup(r, it, n) != CLIENT_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct priced *p = &items[i];
		p->found = it[i].found;
		p->active = it[i].active;
		p->variant_id = it[i].variant_id;
		p->category_id = it[i].category_id;
		p->currency = it[i].currency;
		p->name = it[i].name;
		p->price = it[i].price;
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
