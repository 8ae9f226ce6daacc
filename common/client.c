/* What every client of the internal API shares (client.h): reading the
 * members of an answer, and the 503 for a callee that cannot answer. */
#include "client.h"
#include "money.h"
#include "valid.h"
#include <string.h>

int
client_money(const struct jv *o, const char *key, int64_t *out)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_NUM || money_parse(v->s, v->len, out) != MONEY_OK)
		return -1;
	return 0;
}

int
client_int(const struct jv *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_NUM)
		return -1;
	size_t i = v->len > 0 && v->s[0] == '-' ? 1 : 0;
	if (v->len == i || v->len - i > 18)
		return -1;
	int64_t n = 0;
	for (size_t k = i; k < v->len; k++) {
		if (v->s[k] < '0' || v->s[k] > '9')
			return -1;
		n = n * 10 + (v->s[k] - '0');
	}
	n = i ? -n : n;
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

const char *
client_str(const struct jv *o, const char *key, bool *bad)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type == JV_NULL)
		return NULL;
	if (v->type != JV_STR) {
		*bad = true;
		return NULL;
	}
	return v->s;
}

const char *
client_uuid(struct arena *a, const struct jv *o, const char *key, bool *bad)
{
	const char *s = client_str(o, key, bad);
	if (s == NULL)
		return NULL;
	if (!valid_uuid(s)) {
		*bad = true;
		return NULL;
	}
	return arena_strlower(a, s);
}

bool
client_currency_ok(const char *s)
{
	return money_currency_ok(s);
}

void
client_body_array(struct jw *w, struct buf *b, const char *key)
{
	jw_init(w, b);
	jw_obj_open(w);
	jw_key(w, key);
	jw_arr_open(w);
}

void
client_body_end(struct jw *w)
{
	jw_arr_close(w);
	jw_obj_close(w);
}

void
client_refusal_set(struct client_refusal *ref, const struct http_resp *resp,
    const char *fallback)
{
	const struct jv *m = resp->json ? json_get(resp->json, "message") : NULL;
	ref->status = (int)resp->status;
	ref->message = m != NULL && m->type == JV_STR && m->len > 0 ? m->s : fallback;
}

enum client_rc
client_down(struct req *r, const char *callee, int rc, const struct http_resp *resp)
{
	http_unavailable(r, callee, http_failure(r, rc, resp));
	return CLIENT_DOWN;
}

enum client_rc
client_malformed(struct req *r, const char *callee, const char *why)
{
	http_unavailable(r, callee, why);
	return CLIENT_DOWN;
}
