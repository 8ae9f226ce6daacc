#include "razorpay.h"
#include "config.h"
#include "crypto.h"
#include "http.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- signatures ---- */

bool
rzp_signature_ok(const char *key_secret, const char *order_id, const char *payment_id,
    const char *signature)
{
	if (key_secret == NULL || key_secret[0] == '\0' || order_id == NULL ||
	    order_id[0] == '\0' || payment_id == NULL || payment_id[0] == '\0' ||
	    signature == NULL || signature[0] == '\0')
		return false;
	size_t lo = strlen(order_id), lp = strlen(payment_id);
	char msg[2 * 256 + 2];
	if (lo > 256 || lp > 256)
		return false;
	memcpy(msg, order_id, lo);
	msg[lo] = '|';
	memcpy(msg + lo + 1, payment_id, lp);
	char want[65];
	crypto_hmac_sha256_hex(key_secret, strlen(key_secret), msg, lo + 1 + lp, want);
	return crypto_streq(want, signature);
}

bool
rzp_webhook_ok(const char *secret, const void *body, size_t len, const char *signature)
{
	if (secret == NULL || secret[0] == '\0' || signature == NULL || signature[0] == '\0')
		return false;
	char want[65];
	crypto_hmac_sha256_hex(secret, strlen(secret), len ? body : "", len, want);
	return crypto_streq(want, signature);
}

/* The delivery's dedup key, arena-owned. */
static const char *
webhook_key(struct req *r)
{
	const char *h = req_header(r, "HTTP_X_RAZORPAY_EVENT_ID");
	if (h != NULL && h[0] != '\0') {
		size_t n = strlen(h);
		bool ok = n <= 190;
		for (const char *p = h; ok && *p; p++)
			ok = *p > 0x20 && *p < 0x7f;
		if (ok)
			return h;
	}
	char hex[65];
	crypto_sha256_hex(r->body, r->body_len, hex);
	return arena_printf(r->a, "body:%s", hex);
}

const struct jv *
rzp_webhook_or_reply(struct req *r, const char *secret_var, const char **event,
    const char **key)
{
	if (r->body_too_large) {
		reply_error(r, 413, "request body is too large");
		return NULL;
	}
	const char *secret = config_str(secret_var, NULL);
	if (secret == NULL || secret[0] == '\0') {
		log_err("webhook refused: %s is not set", secret_var);
		reply_error(r, 400, "webhook signature cannot be verified");
		return NULL;
	}
	const char *sig = req_header(r, "HTTP_X_RAZORPAY_SIGNATURE");
	if (sig == NULL || sig[0] == '\0') {
		log_warn("webhook refused: no X-Razorpay-Signature (from %s)", r->remote_addr);
		reply_error(r, 400, "missing X-Razorpay-Signature header");
		return NULL;
	}
	if (!rzp_webhook_ok(secret, r->body, r->body_len, sig)) {
		log_warn("webhook refused: invalid signature (from %s)", r->remote_addr);
		reply_error(r, 400, "invalid webhook signature");
		return NULL;
	}
	char err[128];
	struct jv *root = r->body_len ? json_parse(r->a, r->body, r->body_len, err, sizeof err) :
	    NULL;
	if (root == NULL || root->type != JV_OBJ) {
		log_err("webhook: signed body is not a JSON object");
		reply_error(r, 400, "webhook body must be a JSON object");
		return NULL;
	}
	const char *ev = rzp_str(root, "event");
	if (ev == NULL || ev[0] == '\0' || strlen(ev) > 100) {
		reply_error(r, 400, "event is required");
		return NULL;
	}
	*event = ev;
	*key = webhook_key(r);
	return root;
}

void
rzp_webhook_ack(struct req *r, const char *event, const char *status)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "status", status);
	jw_kstr(&w, "event", event);
	jw_obj_close(&w);
	reply_w(r, 200);
}

static bool
charset_ok(const char *s, size_t min, size_t max, bool dash)
{
	if (s == NULL)
		return false;
	size_t n = 0;
	for (const char *p = s; *p; p++, n++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || (dash && c == '-')))
			return false;
		if (n >= max)
			return false;
	}
	return n >= min;
}

bool
rzp_id_ok(const char *s)
{
	return charset_ok(s, 1, 64, false);
}

bool
rzp_idem_key_ok(const char *s)
{
	return charset_ok(s, 10, 64, true);
}

/* ---- reading entities ---- */

const struct jv *
rzp_get(const struct jv *v, const char *path)
{
	char seg[64];
	const char *p = path;
	while (v != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n >= sizeof seg)
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		v = json_get(v, seg);
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}

const char *
rzp_str(const struct jv *o, const char *key)
{
	const struct jv *v = json_get(o, key);
	return v != NULL && v->type == JV_STR ? v->s : NULL;
}

int
rzp_int(const struct jv *o, const char *key, int64_t *out)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_NUM || v->len == 0 || v->len > 18)
		return -1;
	int64_t n = 0;
	for (size_t i = 0; i < v->len; i++) {
		if (v->s[i] < '0' || v->s[i] > '9')
			return -1;
		n = n * 10 + (v->s[i] - '0');
	}
	*out = n;
	return 0;
}

/* An optional string member that may be null or "": NULL then. */
static const char *
opt_str(const struct jv *o, const char *key)
{
	const char *s = rzp_str(o, key);
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int
rzp_payment_read(const struct jv *e, struct rzp_payment *p)
{
	memset(p, 0, sizeof *p);
	if (e == NULL || e->type != JV_OBJ)
		return -1;
	p->id = opt_str(e, "id");
	p->status = opt_str(e, "status");
	p->currency = opt_str(e, "currency");
	p->order_id = opt_str(e, "order_id");
	p->method = opt_str(e, "method");
	p->error = opt_str(e, "error_description");
	if (p->id == NULL || p->status == NULL || p->currency == NULL ||
	    rzp_int(e, "amount", &p->amount) != 0)
		return -1;
	return 0;
}

int
rzp_refund_read(const struct jv *e, struct rzp_refund *f)
{
	memset(f, 0, sizeof *f);
	if (e == NULL || e->type != JV_OBJ)
		return -1;
	f->id = opt_str(e, "id");
	f->payment_id = opt_str(e, "payment_id");
	f->status = opt_str(e, "status");
	f->currency = opt_str(e, "currency");
	if (f->id == NULL || f->payment_id == NULL || f->status == NULL ||
	    f->currency == NULL || rzp_int(e, "amount", &f->amount) != 0)
		return -1;
	return 0;
}

const char *
rzp_method_name(const char *m)
{
	static const char *const map[][2] = {
		{ "card", "CARD" }, { "upi", "UPI" }, { "netbanking", "NETBANKING" },
		{ "wallet", "WALLET" },
	};
	if (m == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(m, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* ---- the client ---- */

static const char *
api_base(char *out, size_t n)
{
	snprintf(out, n, "%s", config_str("RAZORPAY_API_BASE", RZP_DEFAULT_BASE));
	size_t l = strlen(out);
	while (l > 0 && out[l - 1] == '/')
		out[--l] = '\0';
	return out;
}

/* One call: method base+path, optional JSON body and idempotency header
 * (idem_header: "X-Refund-Idempotency", "X-Payout-Idempotency") with its
 * key.  The credentials live on the stack only for the call and are wiped
 * after it. */
static int
call(struct req *r, const char *method, const char *path, const struct buf *body,
    const char *idem_header, const char *idem_key, struct rzp_result *res)
{
	memset(res, 0, sizeof *res);
	const char *key_id = config_str("RAZORPAY_KEY_ID", NULL);
	const char *secret = config_str("RAZORPAY_KEY_SECRET", NULL);
	if (key_id == NULL || secret == NULL) {
		log_err("razorpay: RAZORPAY_KEY_ID or RAZORPAY_KEY_SECRET is not set");
		res->err = RZP_UNCONFIGURED;
		return -1;
	}
	char base[512], url[1024], userpwd[512], idem[128];
	snprintf(url, sizeof url, "%s%s", api_base(base, sizeof base), path);
	if ((size_t)snprintf(userpwd, sizeof userpwd, "%s:%s", key_id, secret) >=
	    sizeof userpwd) {
		log_err("razorpay: the API key is too long");
		res->err = RZP_UNCONFIGURED;
		return -1;
	}
	const char *headers[2] = { NULL, NULL };
	if (idem_key != NULL) {
		snprintf(idem, sizeof idem, "%s: %s", idem_header, idem_key);
		headers[0] = idem;
	}
	struct http_resp hr;
	long timeout = config_long("RAZORPAY_TIMEOUT_MS", 10000);
	if (timeout < 100)
		timeout = 100;
	int rc = http_call(r, method, url, body ? body->p : NULL, body ? body->len : 0,
	    headers, userpwd, timeout, &hr);
	explicit_bzero(userpwd, sizeof userpwd);
	if (rc != 0) {
		log_err("razorpay %s %s: could not reach the gateway: %s", method, path,
		    hr.error);
		res->err = RZP_UNAVAILABLE;
		return -1;
	}
	res->status = hr.status;
	if (hr.status >= 200 && hr.status < 300) {
		if (hr.json == NULL || hr.json->type != JV_OBJ) {
			log_err("razorpay %s %s -> %ld: the answer is not a JSON object",
			    method, path, hr.status);
			res->err = RZP_BAD_ANSWER;
			return -1;
		}
		res->entity = hr.json;
		return 0;
	}
	const struct jv *e = json_get(hr.json, "error");
	res->code = rzp_str(e, "code");
	res->description = opt_str(e, "description");
	log_warn("razorpay %s %s -> %ld %s: %s", method, path, hr.status,
	    res->code ? res->code : "-", res->description ? res->description : "(no description)");
	res->err = RZP_REJECTED;
	return -1;
}

static void
notes_put(struct jw *w, const struct rzp_note *notes, size_t n)
{
	jw_key(w, "notes");
	jw_obj_open(w);
	for (size_t i = 0; i < n && i < RZP_NOTES_MAX; i++)
		if (notes[i].key != NULL && notes[i].value != NULL)
			jw_kstr(w, notes[i].key, notes[i].value);
	jw_obj_close(w);
}

int
rzp_order_create(struct req *r, int64_t amount, const char *currency, const char *receipt,
    const struct rzp_note *notes, size_t nnotes, struct rzp_result *res)
{
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kint(&w, "amount", amount);
	jw_kstr(&w, "currency", currency);
	if (receipt != NULL)
		jw_kstr(&w, "receipt", receipt);
	notes_put(&w, notes, nnotes);
	jw_obj_close(&w);
	int rc = call(r, "POST", "/orders", &b, NULL, NULL, res);
	buf_free(&b);
	if (rc == 0 && rzp_str(res->entity, "id") == NULL) {
		log_err("razorpay POST /orders: the answer has no order id");
		res->err = RZP_BAD_ANSWER;
		return -1;
	}
	return rc;
}

/* GET base/<what>/<id><tail> for a validated id. */
static int
fetch(struct req *r, const char *what, const char *id, const char *tail,
    struct rzp_result *res)
{
	if (!rzp_id_ok(id)) {
		memset(res, 0, sizeof *res);
		res->err = RZP_REJECTED;
		res->description = "invalid id";
		return -1;
	}
	char path[160];
	snprintf(path, sizeof path, "/%s/%s%s", what, id, tail);
	return call(r, "GET", path, NULL, NULL, NULL, res);
}

int
rzp_order_fetch(struct req *r, const char *order_id, struct rzp_result *res)
{
	return fetch(r, "orders", order_id, "", res);
}

int
rzp_order_payments(struct req *r, const char *order_id, struct rzp_result *res)
{
	return fetch(r, "orders", order_id, "/payments", res);
}

int
rzp_payment_fetch(struct req *r, const char *payment_id, struct rzp_result *res)
{
	return fetch(r, "payments", payment_id, "", res);
}

int
rzp_payment_refunds(struct req *r, const char *payment_id, struct rzp_result *res)
{
	return fetch(r, "payments", payment_id, "/refunds", res);
}

int
rzp_refund_create(struct req *r, const char *payment_id, int64_t amount,
    const char *idem_key, const struct rzp_note *notes, size_t nnotes,
    struct rzp_result *res)
{
	memset(res, 0, sizeof *res);
	if (!rzp_id_ok(payment_id) || (idem_key != NULL && !rzp_idem_key_ok(idem_key))) {
		res->err = RZP_REJECTED;
		res->description = "invalid payment id or idempotency key";
		return -1;
	}
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	if (amount > 0)
		jw_kint(&w, "amount", amount);
	notes_put(&w, notes, nnotes);
	jw_obj_close(&w);
	char path[160];
	snprintf(path, sizeof path, "/payments/%s/refund", payment_id);
	int rc = call(r, "POST", path, &b, "X-Refund-Idempotency", idem_key, res);
	buf_free(&b);
	return rc;
}

bool
rzp_payout_idem_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	if (n < 4 || n > 36)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ ") == n;
}

int
rzp_payout_fetch(struct req *r, const char *payout_id, struct rzp_result *res)
{
	return fetch(r, "payouts", payout_id, "", res);
}

int
rzp_payout_create(struct req *r, const struct rzp_payout *p, struct rzp_result *res)
{
	memset(res, 0, sizeof *res);
	if (!rzp_payout_idem_ok(p->idem_key)) {
		res->err = RZP_REJECTED;
		res->description = "invalid payout idempotency key";
		return -1;
	}
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "account_number", p->account_number);
	jw_kstr(&w, "fund_account_id", p->fund_account_id);
	jw_kint(&w, "amount", p->amount);
	jw_kstr(&w, "currency", p->currency);
	jw_kstr(&w, "mode", p->mode);
	jw_kstr(&w, "purpose", "payout");
	jw_kbool(&w, "queue_if_low_balance", true);
	jw_kstr(&w, "reference_id", p->reference_id);
	notes_put(&w, p->notes, p->nnotes);
	jw_obj_close(&w);
	int rc = call(r, "POST", "/payouts", &b, "X-Payout-Idempotency", p->idem_key, res);
	buf_free(&b);
	return rc;
}

void
rzp_reply_error(struct req *r, const struct rzp_result *res)
{
	switch (res->err) {
	case RZP_OK:
	case RZP_REJECTED:
		if (res->description != NULL)
			reply_error(r, 502, "payment gateway error: %s", res->description);
		else
			reply_error(r, 502, "payment gateway error: HTTP %ld", res->status);
		break;
	case RZP_BAD_ANSWER:
		reply_error(r, 502, "payment gateway error: unexpected response");
		break;
	case RZP_UNAVAILABLE:
		reply_error(r, 503, "payment gateway unavailable, try again shortly");
		break;
	case RZP_UNCONFIGURED:
		reply_error(r, 503, "payment gateway is not configured");
		break;
	}
}
