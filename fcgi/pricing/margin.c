/* POST /pricing/validate-margin: is this seller price acceptable for the
 * product (or variant), and what margin does it leave?
 *
 * An unacceptable price is an answer, not an error: 200 with valid false
 * and the reason.  margin = sellerPrice - basePrice (negative below the
 * base); marginPercentage = margin / basePrice x 100, half-up to two
 * decimals, computed in basis points. */
#include "pricing.h"
#include "valid.h"

enum { M_PRODUCT, M_VARIANT, M_PRICE, M__MAX };
static const struct field margin_fields[M__MAX] = {
	[M_PRODUCT] = { "productId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[M_VARIANT] = { "variantId", F_UUID, 0, 0, 0, NULL },
	[M_PRICE] = { "sellerPrice", F_MONEY, F_REQUIRED, 0, 0, NULL },
};

void
margin_validate(struct req *r)
{
	struct fval f[M__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, margin_fields, M__MAX, f, NULL) != 0)
		return;
	struct priced p = {
		.product_id = f[M_PRODUCT].s,
		.variant = f[M_VARIANT].set ? f[M_VARIANT].s : NULL,
	};
	struct ruleset rs;
	if (lookup_or_reply(r, &p, 1) != 0 || priced_usable_or_reply(r, &p) != 0 ||
	    rules_load_or_reply(r, &p, 1, &rs) != 0)
		return;
	const struct rule *rule = rules_effective(&rs, &p);
	int64_t seller = f[M_PRICE].i, base = p.price;
	const char *why = pricing_check(r, seller, base, rule);

	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "valid", why == NULL);
	jw_kmoney(&w, "basePrice", base);
	jw_kmoney(&w, "sellerPrice", seller);
	jw_kmoney(&w, "margin", seller - base);
	jw_kmoney(&w, "marginPercentage", pricing_ratio_bps(seller - base, base));
	jw_kstr(&w, "currency", p.currency);
	if (why != NULL)
		jw_kstr(&w, "reason", arena_printf(r->a, "sellerPrice %s", why));
	jw_obj_close(&w);
	reply_w(r, 200);
}
