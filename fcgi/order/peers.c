/* Calls to other services through the gateway's internal listener
 * (docs/internal-api.md): auth (who is the seller), share-link (the link
 * ordered through), product (stock, and the base prices read in the same
 * statement that reserves it), pricing (the seller prices checked and the
 * commission).
 *
 * A peer that cannot be reached, answers 5xx or answers something
 * malformed is a 503 naming the service; the detail goes to the log. */
#include "order.h"
#include "http.h"
#include "log.h"
#include "money.h"
#include "valid.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The message of a peer's error answer, or fallback. */
static const char *
peer_message(const struct http_resp *resp, const char *fallback)
{
	const struct jv *m = resp->json ? json_get(resp->json, "message") : NULL;
	return m != NULL && m->type == JV_STR && m->len > 0 ? m->s : fallback;
}

/* A JSON number of paise at key: 0, or -1 when absent or malformed. */
static int
jmoney(const struct jv *o, const char *key, int64_t *out)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_NUM || money_parse(v->s, v->len, out) != MONEY_OK)
		return -1;
	return 0;
}

/* ---- auth ---- */

/* A user's role never changes (auth has no endpoint that changes one) and
 * users are not deleted, so a role once read is kept by the worker for
 * ROLE_TTL seconds: most orders then need no call to auth.  A role changed
 * by hand in auth_db is seen within ROLE_TTL.  Unknown ids are not kept. */
#define ROLE_SLOTS 1024
#define ROLE_TTL 300
static struct {
	char id[37];
	char role[16];
	time_t until;
} roles[ROLE_SLOTS];

static unsigned
role_slot(const char *id)
{
	unsigned h = 2166136261u;
	for (const char *c = id; *c; c++)
		h = (h ^ (unsigned char)(*c | 0x20)) * 16777619u;
	return h % ROLE_SLOTS;
}

int
peer_user_role(struct req *r, const char *id, const char **role)
{
	unsigned slot = role_slot(id);
	if (roles[slot].until > r->now && strcasecmp(roles[slot].id, id) == 0) {
		*role = arena_strdup(r->a, roles[slot].role);
		return 1;
	}
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/auth/users/%s", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return 0;
	if (rc != 0 || resp.status != 200)
		return http_unavailable(r, "auth", http_failure(r, rc, &resp));
	const char *got = resp.json ? json_str(resp.json, "id") : NULL;
	*role = resp.json ? json_str(resp.json, "role") : NULL;
	if (got == NULL || strcasecmp(got, id) != 0 || *role == NULL)
		return http_unavailable(r, "auth", "user answer without id or role");
	if (strlen(id) < sizeof roles[slot].id && strlen(*role) < sizeof roles[slot].role) {
		snprintf(roles[slot].id, sizeof roles[slot].id, "%s", id);
		snprintf(roles[slot].role, sizeof roles[slot].role, "%s", *role);
		roles[slot].until = r->now + ROLE_TTL;
	}
	return 1;
}

/* ---- share-link ---- */

/* "2026-01-01T00:00:00.000Z" (fraction and Z optional, UTC) -> seconds. */
static int
parse_iso(const char *s, time_t *out)
{
	struct tm tm;
	int n = 0;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
		return -1;
	const char *p = s + n;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'Z')
		p++;
	else if (strcmp(p, "+00:00") == 0)
		p += 6;
	if (*p != '\0')
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

int
peer_share_link_or_reply(struct req *r, const char *id, struct share_link *out)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/share-link/links/%s", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404) {
		reply_error(r, 404, "share link not found");
		return -1;
	}
	if (rc == 0 && resp.status == 410) {
		reply_error(r, 410, "share link has expired");
		return -1;
	}
	if (rc != 0 || resp.status != 200)
		return http_unavailable(r, "share-link", http_failure(r, rc, &resp));
	const struct jv *l = resp.json;
	if (l == NULL || l->type != JV_OBJ)
		return http_unavailable(r, "share-link", "link answer is not an object");

	const char *lid = json_str(l, "id"), *seller = json_str(l, "sellerId");
	const struct jv *active = json_get(l, "isActive");
	const struct jv *product = json_get(l, "productId");
	const struct jv *price = json_get(l, "sellerPrice");
	const struct jv *expires = json_get(l, "expiresAt");
	if (lid == NULL || strcasecmp(lid, id) != 0 || seller == NULL || !valid_uuid(seller) ||
	    active == NULL || active->type != JV_BOOL)
		return http_unavailable(r, "share-link", "link answer without id, sellerId or isActive");
	memset(out, 0, sizeof *out);
	out->seller_id = arena_strlower(r->a, seller);
	if (product != NULL && product->type == JV_STR && valid_uuid(product->s))
		out->product_id = arena_strlower(r->a, product->s);
	else if (product != NULL && product->type != JV_NULL)
		return http_unavailable(r, "share-link", "link answer with a malformed productId");
	if (price != NULL && price->type == JV_NUM) {
		if (money_parse(price->s, price->len, &out->seller_price) != MONEY_OK)
			return http_unavailable(r, "share-link", "link answer with a malformed sellerPrice");
		out->has_price = true;
	} else if (price != NULL && price->type != JV_NULL) {
		return http_unavailable(r, "share-link", "link answer with a malformed sellerPrice");
	}

	if (!active->b) {
		reply_error(r, 404, "share link not found");
		return -1;
	}
	if (expires != NULL && expires->type == JV_STR) {
		time_t at;
		if (parse_iso(expires->s, &at) != 0)
			return http_unavailable(r, "share-link", "link answer with a malformed expiresAt");
		if (at <= r->now) {
			reply_error(r, 410, "share link has expired");
			return -1;
		}
	} else if (expires != NULL && expires->type != JV_NULL) {
		return http_unavailable(r, "share-link", "link answer with a malformed expiresAt");
	}
	return 0;
}

/* ---- product: the reservation, and the lines' base prices ---- */

/* Reads the product service's resolution of line l (answer lines[i]).
 * NULL, or why it is malformed. */
static const char *
reserved_line(struct req *r, const struct jv *it, struct line *l)
{
	if (it == NULL || it->type != JV_OBJ)
		return "line is not an object";
	const char *pid = json_str(it, "productId"), *vid = json_str(it, "variantId");
	if (pid == NULL || strcasecmp(pid, l->product_id) != 0)
		return "line is not the product asked for";
	if (vid == NULL || !valid_uuid(vid) ||
	    (l->variant != NULL && strcasecmp(vid, l->variant) != 0))
		return "line has no variantId or another one";
	l->variant_id = arena_strlower(r->a, vid);
	l->product_name = json_str(it, "name");
	const char *cat = json_str(it, "categoryId");
	if (cat != NULL && !valid_uuid(cat))
		return "line has a malformed categoryId";
	l->category_id = cat ? arena_strlower(r->a, cat) : NULL;
	l->currency = json_str(it, "currency");
	if (l->currency == NULL || strlen(l->currency) != 3)
		return "line has no currency";
	if (jmoney(it, "price", &l->base_price) != 0 || l->base_price <= 0)
		return "line has no valid price";
	return NULL;
}

int
peer_reserve_or_reply(struct req *r, const char *order_id, struct line *lines, size_t n)
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
		/* The product service names the line: "items[1]: ...". */
		reply_error(r, (int)resp.status, "%s", peer_message(&resp, "insufficient stock"));
		return -1;
	}
	if (rc == 0 && resp.status == 200) {
		const struct jv *got = resp.json ? json_get(resp.json, "lines") : NULL;
		const char *why = NULL;
		if (got == NULL || got->type != JV_ARR || got->n != n)
			why = "answer has no lines array of the size asked for";
		for (size_t i = 0; why == NULL && i < n; i++) {
			why = reserved_line(r, got->items[i], &lines[i]);
			if (why != NULL)
				why = arena_printf(r->a, "lines[%zu]: %s", i, why);
		}
		if (why == NULL)
			return 0;
		http_unavailable(r, "product", why);
	} else {
		http_unavailable(r, "product", http_failure(r, rc, &resp));
	}
	/* A timeout or a malformed answer may hide a reservation that was
	 * made: give it back. */
	peer_release(r, order_id);
	return -1;
}

/* ---- pricing ---- */

/* Reads answer item i into l.  NULL, or why it is malformed. */
static const char *
priced_line(struct req *r, const struct jv *it, struct line *l)
{
	if (it == NULL || it->type != JV_OBJ)
		return "item is not an object";
	const char *pid = json_str(it, "productId"), *vid = json_str(it, "variantId");
	if (pid == NULL || strcasecmp(pid, l->product_id) != 0)
		return "item is not the product asked for";
	if (vid == NULL || strcasecmp(vid, l->variant_id) != 0)
		return "item is not the variant asked for";
	int64_t seller, base, rate;
	const struct jv *q = json_get(it, "quantity");
	char qty[24];
	snprintf(qty, sizeof qty, "%lld", (long long)l->quantity);
	if (q == NULL || q->type != JV_NUM || strcmp(q->s, qty) != 0)
		return "item has another quantity";
	if (jmoney(it, "basePrice", &base) != 0 || base != l->base_price ||
	    jmoney(it, "sellerPrice", &seller) != 0 || seller != l->seller_price ||
	    jmoney(it, "subtotal", &l->subtotal) != 0 ||
	    jmoney(it, "commission", &l->commission) != 0 ||
	    jmoney(it, "commissionRate", &rate) != 0)
		return "item has missing, other or malformed prices";
	/* commissionRate is a percentage with two decimals: 10.00 = 1000 bps. */
	l->rate_bps = rate;
	if (l->base_price > l->seller_price || l->subtotal != l->seller_price * l->quantity ||
	    l->commission > l->subtotal || l->rate_bps > 10000)
		return "item prices do not add up";
	return NULL;
}

int
peer_quote_or_reply(struct req *r, struct line *lines, size_t n, struct priced *p)
{
	struct buf body = { 0 };
	struct jw w;
	jw_init(&w, &body);
	jw_obj_open(&w);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++) {
		const struct line *l = &lines[i];
		jw_obj_open(&w);
		jw_kstr(&w, "productId", l->product_id);
		jw_kstr(&w, "variantId", l->variant_id);
		jw_kint(&w, "quantity", l->quantity);
		jw_kmoney(&w, "sellerPrice", l->seller_price);
		if (l->category_id != NULL)
			jw_kstr(&w, "categoryId", l->category_id);
		jw_kmoney(&w, "price", l->base_price);
		jw_kstr(&w, "currency", l->currency);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	struct http_resp resp;
	int rc = http_internal(r, "POST", "/internal/pricing/quote", &body, &resp);
	buf_free(&body);
	if (rc == 0 && (resp.status == 400 || resp.status == 404 || resp.status == 409)) {
		reply_error(r, (int)resp.status, "%s", peer_message(&resp, "the order cannot be priced"));
		return -1;
	}
	if (rc != 0 || resp.status != 200)
		return http_unavailable(r, "pricing", http_failure(r, rc, &resp));

	const struct jv *a = resp.json;
	const struct jv *items = a ? json_get(a, "items") : NULL;
	if (items == NULL || items->type != JV_ARR || items->n != n)
		return http_unavailable(r, "pricing", "answer has no items array of the size asked for");
	int64_t sub = 0, com = 0;
	for (size_t i = 0; i < n; i++) {
		const char *why = priced_line(r, items->items[i], &lines[i]);
		if (why != NULL)
			return http_unavailable(r, "pricing", arena_printf(r->a, "items[%zu]: %s", i, why));
		sub += lines[i].subtotal;
		com += lines[i].commission;
	}
	const char *cur = json_str(a, "currency");
	if (cur == NULL || strcmp(cur, lines[0].currency) != 0)
		return http_unavailable(r, "pricing", "answer in another currency");
	p->currency = cur;
	if (jmoney(a, "subtotal", &p->subtotal) != 0 || jmoney(a, "commission", &p->commission) != 0 ||
	    jmoney(a, "total", &p->total) != 0)
		return http_unavailable(r, "pricing", "answer has no valid totals");
	/* The quote splits the commission so that its lines add up to it. */
	if (p->subtotal != sub || p->commission != com || p->total < p->subtotal)
		return http_unavailable(r, "pricing", "answer totals are not the sums of its lines");
	return 0;
}

void
peer_release(struct req *r, const char *order_id)
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
