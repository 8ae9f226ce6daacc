/* The order service's client (client_order.h): an order for its payment,
 * and which orders exist (for the product service's reaper). */
#include "client_order.h"
#include "log.h"
#include <string.h>
#include <strings.h>

const char *
order_get_read(const struct jv *answer, const char *id, struct order_info *o)
{
	memset(o, 0, sizeof *o);
	o->id = id;
	if (answer == NULL || answer->type != JV_OBJ)
		return "order answer is not an object";
	bool bad = false;
	o->user_id = client_str(answer, "userId", &bad);
	o->status = client_str(answer, "status", &bad);
	if (o->user_id == NULL || o->status == NULL)
		return "order answer has no userId or status";
	o->currency = client_str(answer, "currency", &bad);
	if (o->currency == NULL && !bad)
		o->currency = "INR";
	if (client_money(answer, "total", &o->total) != 0 || !client_currency_ok(o->currency))
		return "order answer has no usable total or currency";
	return NULL;
}

/* The 503 of a payment whose order cannot be read (its wording predates
 * the clients). */
static enum client_rc
order_down(struct req *r, const char *id, const char *why)
{
	log_err("order service: order %s: %s", id, why);
	reply_error(r, 503, "order service unavailable, try again shortly");
	return CLIENT_DOWN;
}

enum client_rc
order_get(struct req *r, const char *id, struct order_info *o)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/order/orders/%s", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return CLIENT_NOT_FOUND;
	if (rc != 0 || resp.status != 200)
		return order_down(r, id, http_failure(r, rc, &resp));
	const char *why = order_get_read(resp.json, id, o);
	return why != NULL ? order_down(r, id, why) : CLIENT_OK;
}

const char *
order_exists_read(const struct jv *answer, const char *const *ids, size_t n, bool *exists)
{
	const struct jv *got = json_get(answer, "existing");
	if (got == NULL || got->type != JV_ARR)
		return "answer has no existing array";
	for (size_t j = 0; j < got->n; j++)
		if (got->items[j]->type != JV_STR)
			return "answer has an id that is not a string";
	for (size_t i = 0; i < n; i++) {
		exists[i] = false;
		for (size_t j = 0; j < got->n && !exists[i]; j++)
			exists[i] = strcasecmp(got->items[j]->s, ids[i]) == 0;
	}
	return NULL;
}

enum client_rc
order_exists(struct req *r, const char *const *ids, size_t n, bool *exists)
{
	struct buf body = { 0 };
	struct jw w;
	client_body_array(&w, &body, "ids");
	for (size_t i = 0; i < n; i++)
		jw_str(&w, ids[i]);
	client_body_end(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/order/orders/exists", &body, &resp);
	buf_free(&body);
	if (rc != 0 || resp.status != 200)
		return client_down(r, "order", rc, &resp);
	const char *why = order_exists_read(resp.json, ids, n, exists);
	return why != NULL ? client_malformed(r, "order", why) : CLIENT_OK;
}
