/* The product service's client (client_product.h): the lookup, the
 * reservation and its release, a product's variants, its card and its
 * snapshot. */
#include "client_product.h"
#include "log.h"
#include <string.h>
#include <strings.h>

/* ---- lookup ---- */

/* The lookup's answer item it for p (p->product_id and p->variant in).
 * NULL, or why it does not check. */
static const char *
lookup_item_read(struct arena *a, const struct jv *it, struct product_item *p)
{
	const char *pid = p->product_id, *variant = p->variant;
	memset(p, 0, sizeof *p);
	p->product_id = pid;
	p->variant = variant;
	if (it == NULL || it->type != JV_OBJ)
		return "item is not an object";
	const struct jv *found = json_get(it, "found");
	if (found == NULL || found->type != JV_BOOL)
		return "item has no boolean found";
	if (!found->b)
		return NULL;
	bool bad = false;
	const char *got = client_str(it, "productId", &bad);
	if (got == NULL || strcasecmp(got, pid) != 0)
		return "item is not the product asked for";
	if ((p->variant_id = client_uuid(a, it, "variantId", &bad)) == NULL)
		return "item has no variantId";
	if (variant != NULL && strcasecmp(p->variant_id, variant) != 0)
		return "item is not the variant asked for";
	const struct jv *act = json_get(it, "isActive");
	if (act == NULL || act->type != JV_BOOL)
		return "item has no boolean isActive";
	p->name = client_str(it, "name", &bad);
	p->category_id = client_uuid(a, it, "categoryId", &bad);
	if (bad)
		return "item has a malformed name or categoryId";
	p->currency = client_str(it, "currency", &bad);
	if (p->currency == NULL && !bad)
		p->currency = "INR";
	if (!client_currency_ok(p->currency))
		return "item has a malformed currency";
	if (client_money(it, "basePrice", &p->base_price) != 0 || p->base_price <= 0 ||
	    client_money(it, "price", &p->price) != 0 || p->price <= 0)
		return "item has no valid basePrice and price";
	p->found = true;
	p->active = act->b;
	return NULL;
}

const char *
product_lookup_read(struct arena *a, const struct jv *answer, struct product_item *items,
    size_t n)
{
	const struct jv *arr = json_get(answer, "items");
	if (arr == NULL || arr->type != JV_ARR || arr->n != n)
		return "answer has no items array of the size asked for";
	for (size_t i = 0; i < n; i++) {
		const char *why = lookup_item_read(a, arr->items[i], &items[i]);
		if (why != NULL)
			return arena_printf(a, "items[%zu]: %s", i, why);
	}
	return NULL;
}

enum client_rc
product_lookup(struct req *r, struct product_item *items, size_t n)
{
	struct buf body = { 0 };
	struct jw w;
	client_body_array(&w, &body, "items");
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "productId", items[i].product_id);
		jw_kstr(&w, "variantId", items[i].variant);   /* null: the default */
		jw_obj_close(&w);
	}
	client_body_end(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/product/lookup", &body, &resp);
	buf_free(&body);
	if (rc != 0 || resp.status != 200)
		return client_down(r, "product", rc, &resp);
	const char *why = product_lookup_read(r->a, resp.json, items, n);
	return why != NULL ? client_malformed(r, "product", why) : CLIENT_OK;
}

/* ---- reservations ---- */

/* The answer's line it for l (the "in" members set).  NULL, or why it
 * does not check. */
static const char *
reserve_line_read(struct arena *a, const struct jv *it, struct product_reserve_line *l)
{
	if (it == NULL || it->type != JV_OBJ)
		return "line is not an object";
	bool bad = false;
	const char *pid = client_str(it, "productId", &bad);
	if (pid == NULL || strcasecmp(pid, l->product_id) != 0)
		return "line is not the product asked for";
	l->variant_id = client_uuid(a, it, "variantId", &bad);
	if (l->variant_id == NULL ||
	    (l->variant != NULL && strcasecmp(l->variant_id, l->variant) != 0))
		return "line has no variantId or another one";
	int64_t qty;
	if (client_int(it, "quantity", 1, INT64_MAX, &qty) != 0 || qty != l->quantity)
		return "line has another quantity";
	l->name = client_str(it, "name", &bad);
	l->category_id = client_uuid(a, it, "categoryId", &bad);
	if (bad)
		return "line has a malformed name or categoryId";
	l->currency = client_str(it, "currency", &bad);
	if (!client_currency_ok(l->currency))
		return "line has no currency";
	if (client_money(it, "price", &l->price) != 0 || l->price <= 0)
		return "line has no valid price";
	return NULL;
}

const char *
product_reserve_read(struct arena *a, const struct jv *answer,
    struct product_reserve_line *lines, size_t n)
{
	const struct jv *got = json_get(answer, "lines");
	if (got == NULL || got->type != JV_ARR || got->n != n)
		return "answer has no lines array of the size asked for";
	for (size_t i = 0; i < n; i++) {
		const char *why = reserve_line_read(a, got->items[i], &lines[i]);
		if (why != NULL)
			return arena_printf(a, "lines[%zu]: %s", i, why);
	}
	return NULL;
}

enum client_rc
product_reserve(struct req *r, const char *order_id, struct product_reserve_line *lines,
    size_t n, struct client_refusal *ref)
{
	struct buf body = { 0 };
	struct jw w;
	jw_init(&w, &body);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", order_id);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kstr(&w, "productId", lines[i].product_id);
		if (lines[i].variant != NULL)
			jw_kstr(&w, "variantId", lines[i].variant);
		jw_kint(&w, "quantity", lines[i].quantity);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/product/reservations", &body, &resp);
	buf_free(&body);
	if (rc == 0 && (resp.status == 404 || resp.status == 409)) {
		client_refusal_set(ref, &resp, "insufficient stock");
		return CLIENT_REFUSED;
	}
	if (rc == 0 && resp.status == 200) {
		const char *why = product_reserve_read(r->a, resp.json, lines, n);
		if (why == NULL)
			return CLIENT_OK;
		client_malformed(r, "product", why);
	} else {
		client_down(r, "product", rc, &resp);
	}
	/* A timeout or a malformed answer may hide a reservation that was
	 * made: give it back. */
	product_release(r, order_id);
	return CLIENT_DOWN;
}

void
product_release(struct req *r, const char *order_id)
{
	struct http_resp resp;
	struct buf body = { 0 };
	buf_adds(&body, "{}");
	const char *path = arena_printf(r->a, "/internal/product/reservations/%s/release",
	    order_id);
	int rc = http_internal(r, "POST", path, &body, &resp);
	buf_free(&body);
	/* 404: nothing was reserved. */
	if (rc != 0 || (resp.status != 200 && resp.status != 404))
		log_err("could not release the stock of order %s (%s): release it by hand",
		    order_id, http_failure(r, rc, &resp));
}

/* ---- a product's variants, its snapshot ---- */

const char *
product_variants_read(struct arena *a, const struct jv *answer, struct product_variant **out,
    size_t *n)
{
	const struct jv *vs = json_get(answer, "variants");
	if (vs == NULL || vs->type != JV_ARR)
		return "answer has no variants array";
	struct product_variant *v = arena_alloc(a, (vs->n > 0 ? vs->n : 1) * sizeof *v);
	for (size_t i = 0; i < vs->n; i++) {
		const struct jv *it = vs->items[i];
		const struct jv *def = json_get(it, "isDefault");
		bool bad = false;
		if (it->type != JV_OBJ || (v[i].id = client_uuid(a, it, "variantId", &bad)) == NULL ||
		    client_money(it, "price", &v[i].price) != 0 || v[i].price <= 0 ||
		    def == NULL || def->type != JV_BOOL ||
		    client_int(it, "stock", 0, INT64_MAX, &v[i].stock) != 0)
			return arena_printf(a, "variants[%zu] is malformed", i);
		v[i].is_default = def->b;
	}
	*out = v;
	*n = vs->n;
	return NULL;
}

enum client_rc
product_variants(struct req *r, const char *id, struct product_variant **out, size_t *n)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/product/products/%s/variants", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return CLIENT_NOT_FOUND;
	if (rc != 0 || resp.status != 200)
		return client_down(r, "product", rc, &resp);
	const char *why = product_variants_read(r->a, resp.json, out, n);
	return why != NULL ? client_malformed(r, "product", why) : CLIENT_OK;
}

/* Whether s is a slug as the product service keeps them. */
static bool
slug_ok(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

const char *
product_card_read(struct arena *a, const struct jv *answer, const char *id,
    struct product_card *card)
{
	memset(card, 0, sizeof *card);
	if (answer == NULL || answer->type != JV_OBJ)
		return "card is not an object";
	bool bad = false;
	card->product_id = client_uuid(a, answer, "productId", &bad);
	if (card->product_id == NULL || strcasecmp(card->product_id, id) != 0)
		return "card is not the product asked for";
	card->name = client_str(answer, "name", &bad);
	card->slug = client_str(answer, "slug", &bad);
	if (card->name == NULL || !slug_ok(card->slug))
		return "card has no name or no valid slug";
	card->description = client_str(answer, "description", &bad);
	const struct jv *act = json_get(answer, "isActive");
	if (bad || act == NULL || act->type != JV_BOOL)
		return "card has a malformed description or isActive";
	card->active = act->b;
	card->currency = client_str(answer, "currency", &bad);
	if (!client_currency_ok(card->currency))
		return "card has a malformed currency";
	if (client_money(answer, "basePrice", &card->base_price) != 0 || card->base_price <= 0 ||
	    client_money(answer, "price", &card->price) != 0 || card->price <= 0)
		return "card has no valid basePrice and price";
	const struct jv *img = json_get(answer, "image");
	if (img != NULL && img->type != JV_NULL) {
		if (img->type != JV_OBJ)
			return "card has a malformed image";
		card->image_url = client_str(img, "url", &bad);
		card->image_alt = client_str(img, "altText", &bad);
		if (bad || card->image_url == NULL ||
		    (strncmp(card->image_url, "https://", 8) != 0 &&
		    strncmp(card->image_url, "http://", 7) != 0))
			return "card has a malformed image";
	}
	return NULL;
}

enum client_rc
product_card(struct req *r, const char *id, struct product_card *card)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/product/products/%s/card", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return CLIENT_NOT_FOUND;
	if (rc != 0 || resp.status != 200)
		return client_down(r, "product", rc, &resp);
	const char *why = product_card_read(r->a, resp.json, id, card);
	return why != NULL ? client_malformed(r, "product", why) : CLIENT_OK;
}

enum client_rc
product_snapshot(struct req *r, const char *id, const struct jv **snapshot)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/product/products/%s/snapshot", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return CLIENT_NOT_FOUND;
	if (rc != 0 || resp.status != 200)
		return client_down(r, "product", rc, &resp);
	if (resp.json == NULL || resp.json->type != JV_OBJ)
		return client_malformed(r, "product", "snapshot is not an object");
	*snapshot = resp.json;
	return CLIENT_OK;
}
