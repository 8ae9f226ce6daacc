/* Calls to other services through the gateway's internal listener
 * (docs/internal-api.md): product (does the linked product exist, is it on
 * sale, its price and name), auth (is the seller a reseller), pricing (is
 * the link's seller price within the product's bounds).
 *
 * A peer that cannot be reached, answers 5xx or answers something
 * malformed is a 503 naming the service; the detail goes to the log. */
#include "share_link.h"
#include "http.h"
#include "money.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* A positive JSON number of paise at key: 0, or -1. */
static int
jmoney(const struct jv *o, const char *key, int64_t *out)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_NUM || money_parse(v->s, v->len, out) != MONEY_OK ||
	    *out <= 0)
		return -1;
	return 0;
}

/* ---- product ---- */

/* The lookup's answer item for p->id into p.  NULL, or why it is
 * malformed. */
static const char *
product_read(struct req *r, const struct jv *it, struct product *p)
{
	if (it == NULL || it->type != JV_OBJ)
		return "item is not an object";
	const struct jv *found = json_get(it, "found");
	if (found == NULL || found->type != JV_BOOL)
		return "item has no boolean found";
	if (!(p->found = found->b))
		return NULL;
	const char *pid = json_str(it, "productId"), *vid = json_str(it, "variantId");
	if (pid == NULL || strcasecmp(pid, p->id) != 0)
		return "item is not the product asked for";
	if (vid == NULL || !valid_uuid(vid))
		return "item has no variantId";
	p->variant_id = arena_strlower(r->a, vid);
	const struct jv *act = json_get(it, "isActive");
	if (act == NULL || act->type != JV_BOOL)
		return "item has no boolean isActive";
	p->active = act->b;
	p->name = json_str(it, "name");
	const char *cat = json_str(it, "categoryId");
	if (cat != NULL && !valid_uuid(cat))
		return "item has a malformed categoryId";
	p->category_id = cat ? arena_strlower(r->a, cat) : NULL;
	p->currency = json_str(it, "currency");
	if (p->currency == NULL)
		p->currency = "INR";
	if (strlen(p->currency) != 3)
		return "item has a malformed currency";
	if (jmoney(it, "basePrice", &p->base_price) != 0 || jmoney(it, "price", &p->price) != 0)
		return "item has no valid basePrice and price";
	return NULL;
}

int
peer_product_or_reply(struct req *r, const char *id, struct product *p)
{
	memset(p, 0, sizeof *p);
	p->id = id;
	struct buf body = { 0 };
	struct jw w;
	jw_init(&w, &body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kstr(&w, "productId", id);
	jw_knull(&w, "variantId");          /* the default variant */
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/product/lookup", &body, &resp);
	buf_free(&body);
	if (rc != 0 || resp.status != 200)
		return http_unavailable(r, "product", http_failure(r, rc, &resp));
	const struct jv *items = resp.json ? json_get(resp.json, "items") : NULL;
	if (items == NULL || items->type != JV_ARR || items->n != 1)
		return http_unavailable(r, "product", "answer has no items array of one item");
	const char *why = product_read(r, items->items[0], p);
	if (why != NULL)
		return http_unavailable(r, "product", why);
	return 0;
}

/* ---- auth ---- */

int
peer_reseller_or_reply(struct req *r, const char *id)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/auth/users/%s", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404) {
		reply_error(r, 400, "sellerId does not name a reseller");
		return -1;
	}
	if (rc != 0 || resp.status != 200)
		return http_unavailable(r, "auth", http_failure(r, rc, &resp));
	const char *got = json_str(resp.json, "id");
	const char *role = json_str(resp.json, "role");
	if (got == NULL || strcasecmp(got, id) != 0 || role == NULL)
		return http_unavailable(r, "auth", "user answer without id or role");
	if (strcmp(role, "RESELLER") != 0) {
		reply_error(r, 400, "sellerId does not name a reseller");
		return -1;
	}
	return 0;
}

/* ---- pricing ---- */

int
peer_price_check_or_reply(struct req *r, const struct product *p, int64_t price)
{
	struct buf body = { 0 };
	struct jw w;
	jw_init(&w, &body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kstr(&w, "productId", p->id);
	jw_kstr(&w, "variantId", p->variant_id);
	jw_kint(&w, "quantity", 1);
	jw_kmoney(&w, "sellerPrice", price);
	if (p->category_id != NULL)
		jw_kstr(&w, "categoryId", p->category_id);
	jw_kmoney(&w, "price", p->price);
	jw_kstr(&w, "currency", p->currency);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/pricing/quote", &body, &resp);
	buf_free(&body);
	if (rc == 0 && resp.status == 200)
		return 0;
	if (rc == 0 && resp.status == 400) {
		/* "items[0].sellerPrice must be at most 1500.00 (...)": the
		 * reason is about our sellerPrice. */
		const char *m = json_str(resp.json, "message");
		const char *pfx = "items[0].";
		if (m != NULL && strncmp(m, pfx, strlen(pfx)) == 0)
			m += strlen(pfx);
		reply_error(r, 400, "%s", m != NULL && m[0] != '\0' ? m : "sellerPrice is not valid");
		return -1;
	}
	return http_unavailable(r, "pricing", http_failure(r, rc, &resp));
}
