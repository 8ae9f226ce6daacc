/* GET /pricing/product/:productId: what a reseller may charge for a
 * product and what they earn on it.
 *
 * basePrice is the price a seller price is checked against when no variant
 * is named: the default variant's price.  The variants list comes from
 * product_variants() (GET /internal/product/products/:id/variants).  An
 * inactive product is 404 except for an admin. */
#include "pricing.h"
#include "client_product.h"
#include "valid.h"

static void
json_bounds_put(struct jw *w, int64_t base, const struct rule *rule)
{
	jw_kmoney(w, "minSellerPrice", base);
	int64_t max = pricing_max_seller(base, rule);
	if (max < 0)
		jw_knull(w, "maxSellerPrice");
	else
		jw_kmoney(w, "maxSellerPrice", max);
}

void
product_pricing_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "productId");
	if (id == NULL)
		return;
	struct priced p = { .product_id = id, .variant = NULL };
	if (lookup_or_reply(r, &p, 1) != 0)
		return;
	bool admin = r->authed && r->user.role == ROLE_ADMIN;
	if (!p.found || (!p.active && !admin)) {
		reply_error(r, 404, "product %s not found", id);
		return;
	}
	struct ruleset rs;
	if (rules_load_or_reply(r, &p, 1, &rs) != 0)
		return;
	const struct rule *rule = rules_effective(&rs, &p);

	struct product_variant *vars;
	size_t nvars;
	enum client_rc rc = product_variants(r, id, &vars, &nvars);
	if (rc == CLIENT_NOT_FOUND)   /* deleted since the lookup */
		http_unavailable(r, "product", "variants: status 404");
	if (rc != CLIENT_OK)
		return;

	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "productId", p.product_id);
	jw_kstr(&w, "currency", p.currency);
	jw_kmoney(&w, "basePrice", p.price);
	jw_kmoney(&w, "commissionRate", rule->rate_bps);
	json_bounds_put(&w, p.price, rule);
	jw_kbool(&w, "isActive", p.active);
	jw_key(&w, "variants");
	jw_arr_open(&w);
	for (size_t i = 0; i < nvars; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "variantId", vars[i].id);
		jw_kmoney(&w, "price", vars[i].price);
		jw_kbool(&w, "isDefault", vars[i].is_default);
		json_bounds_put(&w, vars[i].price, rule);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}
