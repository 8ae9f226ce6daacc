/* POST /pricing/calculate: seller-priced lines -> subtotal and commission.
 *
 * Each line: base = the variant's price (the default variant when none is
 * given); sellerPrice must be at least the base and within the effective
 * rule's markup cap; subtotal = sellerPrice x quantity; commission = half-up
 * round of subtotal x rate / 100 %.  Totals are the sums of the lines, so
 * the lines always add up to them.  total = subtotal: the commission is the
 * seller's share of what the customer pays, not an extra charge. */
#include "pricing.h"
#include "money.h"
#include "valid.h"
#include <string.h>

enum { C_SELLER, C_ITEMS, C__MAX };
static const struct field calc_fields[C__MAX] = {
	[C_SELLER] = { "sellerId", F_UUID, 0, 0, 0, NULL },
	[C_ITEMS] = { "items", F_ARRAY, F_REQUIRED, 1, PRICING_ITEMS_MAX, NULL },
};

enum { I_PRODUCT, I_VARIANT, I_QUANTITY, I_PRICE, I__MAX };
static const struct field item_fields[I__MAX] = {
	[I_PRODUCT] = { "productId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[I_VARIANT] = { "variantId", F_UUID, 0, 0, 0, NULL },
	[I_QUANTITY] = { "quantity", F_INT, F_REQUIRED, 1, 10000, NULL },
	[I_PRICE] = { "sellerPrice", F_MONEY, F_REQUIRED, 0, 0, NULL },
};

struct line {
	int64_t quantity;
	int64_t seller;
	int64_t subtotal;
	int64_t commission;
	const struct rule *rule;
};

void
calculate_post(struct req *r)
{
	struct fval f[C__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, calc_fields, C__MAX, f, NULL) != 0)
		return;
	/* sellerId names whose link the customer buys through; the price and
	 * commission do not depend on it (it is validated, not trusted). */
	const struct jv *arr = f[C_ITEMS].v;
	size_t n = arr->n;
	struct priced *items = arena_alloc(r->a, n * sizeof *items);
	struct line *lines = arena_alloc(r->a, n * sizeof *lines);

	for (size_t i = 0; i < n; i++) {
		const struct jv *it = arr->items[i];
		if (it->type != JV_OBJ) {
			reply_error(r, 400, "items[%zu] must be an object", i);
			return;
		}
		struct fval g[I__MAX];
		char *pfx = arena_printf(r->a, "items[%zu].", i);
		if (fields_or_reply(r, it, item_fields, I__MAX, g, pfx) != 0)
			return;
		items[i].product_id = g[I_PRODUCT].s;
		items[i].variant = g[I_VARIANT].set ? g[I_VARIANT].s : NULL;
		lines[i].quantity = g[I_QUANTITY].i;
		lines[i].seller = g[I_PRICE].i;
		if (lines[i].seller > MONEY_MAX / lines[i].quantity) {
			reply_error(r, 400, "items[%zu].quantity times sellerPrice is too large", i);
			return;
		}
	}

	if (lookup_or_reply(r, items, n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (priced_usable_or_reply(r, &items[i]) != 0)
			return;
		if (strcmp(items[i].currency, items[0].currency) != 0) {
			reply_error(r, 409, "items[%zu] is priced in %s, items[0] in %s: "
			    "calculate one currency at a time", i, items[i].currency,
			    items[0].currency);
			return;
		}
	}
	struct ruleset rs;
	if (rules_load_or_reply(r, items, n, &rs) != 0)
		return;

	int64_t subtotal = 0, commission = 0;
	for (size_t i = 0; i < n; i++) {
		struct line *l = &lines[i];
		l->rule = rules_effective(&rs, &items[i]);
		const char *why = pricing_check(r, l->seller, items[i].price, l->rule);
		if (why != NULL) {
			reply_error(r, 400, "items[%zu].sellerPrice %s", i, why);
			return;
		}
		l->subtotal = l->seller * l->quantity;
		l->commission = money_percent_bps(l->subtotal, l->rule->rate_bps);
		if (l->subtotal > MONEY_MAX - subtotal) {
			reply_error(r, 400, "items: the total is too large");
			return;
		}
		subtotal += l->subtotal;
		commission += l->commission;
	}

	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kmoney(&w, "subtotal", subtotal);
	jw_kmoney(&w, "commission", commission);
	jw_kmoney(&w, "total", subtotal);
	jw_kstr(&w, "currency", items[0].currency);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		const struct line *l = &lines[i];
		jw_obj_open(&w);
		jw_kstr(&w, "productId", items[i].product_id);
		jw_kstr(&w, "variantId", items[i].variant_id);
		jw_kstr(&w, "productName", items[i].name);
		jw_kmoney(&w, "basePrice", items[i].price);
		jw_kmoney(&w, "sellerPrice", l->seller);
		jw_kint(&w, "quantity", l->quantity);
		jw_kmoney(&w, "subtotal", l->subtotal);
		jw_kmoney(&w, "commission", l->commission);
		jw_kmoney(&w, "commissionRate", l->rule->rate_bps);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}
