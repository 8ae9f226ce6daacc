/* POST /pricing/calculate: seller-priced lines -> subtotal and commission.
 *
 * Each line: base = the variant's price (the default variant when none is
 * given); sellerPrice must be at least the base and within the effective
 * rule's markup cap; subtotal = sellerPrice x quantity.  The commission is
 * rounded once: half-up of the exact sum of every line's subtotal x its
 * rule's rate (paise x basis points), then allocated to the lines by the
 * largest remainder, a tie to the earlier line (money_commission_allocate):
 * lines 0.15 and 0.25 at 10 % earn 0.04 (0.02 + 0.02), not 0.02 + 0.03.
 * The subtotal is the sum of the lines' and so is the commission.  total =
 * subtotal: the commission is the seller's share of what the customer
 * pays, not an extra charge.
 *
 * POST /internal/pricing/quote (internal listener only) prices the same way
 * lines whose base prices the caller brings: the order service, whose stock
 * reservation has just read them from the product service in the same
 * statement that reserved them (docs/internal-api.md). */
#include "pricing.h"
#include "log.h"
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

/* The common fields of items[i] into items[i] (product, variant) and
 * lines[i] (quantity, seller price); g gets every declared field.  0, or
 * -1 after answering 400. */
static int
item_read(struct req *r, const struct jv *it, size_t i, const struct field *fields,
    size_t nfields, struct fval *g, struct priced *p, struct line *l)
{
	if (it->type != JV_OBJ) {
		reply_error(r, 400, "items[%zu] must be an object", i);
		return -1;
	}
	char *pfx = arena_printf(r->a, "items[%zu].", i);
	if (fields_or_reply(r, it, fields, nfields, g, pfx) != 0)
		return -1;
	p->product_id = g[I_PRODUCT].s;
	p->variant = g[I_VARIANT].set ? g[I_VARIANT].s : NULL;
	l->quantity = g[I_QUANTITY].i;
	l->seller = g[I_PRICE].i;
	if (!pricing_line_fits(l->seller, l->quantity)) {
		reply_error(r, 400, "items[%zu].quantity times sellerPrice is too large", i);
		return -1;
	}
	return 0;
}

static void price_and_reply(struct req *r, const struct priced *items, struct line *lines,
    const struct rule **rules, size_t n);

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
		struct fval g[I__MAX];
		if (item_read(r, arr->items[i], i, item_fields, I__MAX, g, &items[i],
		    &lines[i]) != 0)
			return;
	}
	const struct rule **rules = arena_alloc(r->a, n * sizeof *rules);
	if (catalog_price_or_reply(r, items, rules, n) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (priced_usable_or_reply(r, &items[i]) != 0)
			return;
	price_and_reply(r, items, lines, rules, n);
}

/* The quote's items: calculate's, with the variant required and the
 * product's facts the caller read from the product service. */
enum { Q_CATEGORY = I__MAX, Q_BASE, Q_CURRENCY, Q_NAME, Q__MAX };
static const struct field quote_item_fields[Q__MAX] = {
	[I_PRODUCT] = { "productId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[I_VARIANT] = { "variantId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[I_QUANTITY] = { "quantity", F_INT, F_REQUIRED, 1, 10000, NULL },
	[I_PRICE] = { "sellerPrice", F_MONEY, F_REQUIRED, 0, 0, NULL },
	[Q_CATEGORY] = { "categoryId", F_UUID, 0, 0, 0, NULL },
	[Q_BASE] = { "price", F_MONEY, F_REQUIRED, 1, 0, NULL },
	[Q_CURRENCY] = { "currency", F_STRING, 0, 3, 3, NULL },
	[Q_NAME] = { "name", F_STRING, 0, 0, 500, NULL },
};
enum { QB_ITEMS, QB__MAX };
static const struct field quote_fields[QB__MAX] = {
	[QB_ITEMS] = { "items", F_ARRAY, F_REQUIRED, 1, PRICING_ITEMS_MAX, NULL },
};

void
quote_post(struct req *r)
{
	struct fval f[QB__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, quote_fields, QB__MAX, f, NULL) != 0)
		return;
	const struct jv *arr = f[QB_ITEMS].v;
	size_t n = arr->n;
	struct priced *items = arena_alloc(r->a, n * sizeof *items);
	struct line *lines = arena_alloc(r->a, n * sizeof *lines);
	for (size_t i = 0; i < n; i++) {
		struct fval g[Q__MAX];
		struct priced *p = &items[i];
		if (item_read(r, arr->items[i], i, quote_item_fields, Q__MAX, g, p,
		    &lines[i]) != 0)
			return;
		p->found = true;
		p->active = true;
		p->variant_id = p->variant;
		p->category_id = g[Q_CATEGORY].set ? g[Q_CATEGORY].s : NULL;
		p->price = g[Q_BASE].i;
		p->currency = g[Q_CURRENCY].set ? g[Q_CURRENCY].s : "INR";
		p->name = g[Q_NAME].set ? g[Q_NAME].s : NULL;
		if (!pricing_is_currency(p->currency)) {
			reply_error(r, 400, "items[%zu].currency must be three capital letters", i);
			return;
		}
	}
	struct ruleset rs;
	if (rules_all_or_reply(r, &rs) != 0)
		return;
	const struct rule **rules = arena_alloc(r->a, n * sizeof *rules);
	for (size_t i = 0; i < n; i++)
		rules[i] = rules_effective(&rs, &items[i]);
	price_and_reply(r, items, lines, rules, n);
}

/* The commission of lines[0..n) (subtotals and rules set), rounded once
 * from the exact total and allocated to the lines by largest remainder
 * (money_commission_allocate): sets each line's commission and *total.  0,
 * or -1 after answering 500 (subtotals and rates are bounded, so never). */
static int
commission_allocate_or_reply(struct req *r, struct line *lines, size_t n, int64_t *total)
{
	int64_t *sub = arena_alloc(r->a, n * sizeof *sub);
	int64_t *bps = arena_alloc(r->a, n * sizeof *bps);
	int64_t *com = arena_alloc(r->a, n * sizeof *com);
	for (size_t i = 0; i < n; i++) {
		sub[i] = lines[i].subtotal;
		bps[i] = lines[i].rule->rate_bps;
	}
	if (money_commission_allocate(sub, bps, n, com, total) != 0) {
		log_err("could not allocate the commission of %zu lines", n);
		reply_error(r, 500, "internal server error");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		lines[i].commission = com[i];
	return 0;
}

/* Checks and the answer for priced lines, line i under rules[i]. */
static void
price_and_reply(struct req *r, const struct priced *items, struct line *lines,
    const struct rule **rules, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(items[i].currency, items[0].currency) != 0) {
			reply_error(r, 409, "items[%zu] is priced in %s, items[0] in %s: "
			    "calculate one currency at a time", i, items[i].currency,
			    items[0].currency);
			return;
		}
	}
	int64_t subtotal = 0, commission = 0;
	for (size_t i = 0; i < n; i++) {
		struct line *l = &lines[i];
		l->rule = rules[i];
		const char *why = pricing_check(r, l->seller, items[i].price, l->rule);
		if (why != NULL) {
			reply_error(r, 400, "items[%zu].sellerPrice %s", i, why);
			return;
		}
		l->subtotal = l->seller * l->quantity;
		if (!pricing_total_add(&subtotal, l->subtotal)) {
			reply_error(r, 400, "items: the total is too large");
			return;
		}
	}
	if (commission_allocate_or_reply(r, lines, n, &commission) != 0)
		return;

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
