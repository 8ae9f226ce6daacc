/* The share-link service's client (client_share_link.h): a link, for an
 * order placed through it. */
#include "client_share_link.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* The link's sellerPrice and expiresAt (each a value or null) into l.
 * NULL, or why they do not check. */
static const char *
link_terms_read(const struct jv *answer, struct share_link *l)
{
	const struct jv *price = json_get(answer, "sellerPrice");
	if (price != NULL && price->type != JV_NULL) {
		if (client_money(answer, "sellerPrice", &l->seller_price) != 0 || l->seller_price <= 0)
			return "link answer with a malformed sellerPrice";
		l->has_price = true;
	}
	const struct jv *at = json_get(answer, "expiresAt");
	if (at != NULL && at->type != JV_NULL) {
		if (at->type != JV_STR || !valid_time(at->s, &l->expires_ms))
			return "link answer with a malformed expiresAt";
		l->expires = true;
	}
	return NULL;
}

const char *
share_link_read(struct arena *a, const struct jv *answer, const char *id,
    struct share_link *l)
{
	memset(l, 0, sizeof *l);
	if (answer == NULL || answer->type != JV_OBJ)
		return "link answer is not an object";
	bool bad = false;
	const char *got = client_str(answer, "id", &bad);
	const struct jv *active = json_get(answer, "isActive");
	l->seller_id = client_uuid(a, answer, "sellerId", &bad);
	if (got == NULL || strcasecmp(got, id) != 0 || l->seller_id == NULL ||
	    active == NULL || active->type != JV_BOOL)
		return "link answer without id, sellerId or isActive";
	l->id = arena_strlower(a, got);
	l->active = active->b;
	l->product_id = client_uuid(a, answer, "productId", &bad);
	if (bad)
		return "link answer with a malformed productId";
	return link_terms_read(answer, l);
}

enum client_rc
share_link_get(struct req *r, const char *id, struct share_link *l)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/share-link/links/%s", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return CLIENT_NOT_FOUND;
	if (rc == 0 && resp.status == 410)
		return CLIENT_GONE;
	if (rc != 0 || resp.status != 200)
		return client_down(r, "share-link", rc, &resp);
	const char *why = share_link_read(r->a, resp.json, id, l);
	return why != NULL ? client_malformed(r, "share-link", why) : CLIENT_OK;
}
