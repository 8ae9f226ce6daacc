/* Razorpay's REST API under /v1, as razorpay-facts.md B.1 and B.5 describe
 * it: HTTP Basic auth with RAZORPAY_KEY_ID:RAZORPAY_KEY_SECRET, amounts in
 * paise, every success a 200, every error Razorpay's error object. */
#include "stub.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "valid.h"
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ---- errors ---- */

static void
error_body(struct req *r, int status, const char *code, const char *source,
    const char *step, const char *reason, const char *field, const char *desc)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "error");
	jw_obj_open(&w);
	jw_kstr(&w, "code", code);
	jw_kstr(&w, "description", desc);
	jw_kstr(&w, "source", source);
	jw_kstr(&w, "step", step);
	jw_kstr(&w, "reason", reason);
	jw_key(&w, "metadata");
	jw_obj_open(&w);
	jw_obj_close(&w);
	if (field != NULL)
		jw_kstr(&w, "field", field);
	jw_obj_close(&w);
	jw_obj_close(&w);
	reply_w(r, status);
}

void
rzp_error(struct req *r, int status, const char *field, const char *fmt, ...)
{
	char desc[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof desc, fmt, ap);
	va_end(ap);
	if (status >= 500)
		error_body(r, status, "SERVER_ERROR", "NA", "NA", "NA", field, desc);
	else
		error_body(r, status, "BAD_REQUEST_ERROR", "business", "payment_initiation",
		    "input_validation_failed", field, desc);
}

static void
not_exist(struct req *r)
{
	rzp_error(r, 400, "id", "The id provided does not exist");
}

/* ---- the prologue every /v1 request passes ---- */

/* "Basic " + base64(key_id:key_secret), built once. */
static const char *
expected_auth(void)
{
	static char *want;
	if (want == NULL) {
		const char *id = config_str("RAZORPAY_KEY_ID", "");
		const char *secret = config_str("RAZORPAY_KEY_SECRET", "");
		size_t n = strlen(id) + 1 + strlen(secret);
		char *plain = xmalloc(n + 1);
		snprintf(plain, n + 1, "%s:%s", id, secret);
		want = xmalloc(6 + 4 * ((n + 2) / 3) + 1);
		memcpy(want, "Basic ", 6);
		EVP_EncodeBlock((unsigned char *)want + 6, (const unsigned char *)plain, (int)n);
		free(plain);
	}
	return want;
}

/* Fault injection, then the credentials.  Returns 0, or -1 after
 * answering. */
static int
api_begin_or_reply(struct req *r)
{
	struct st_state *s = st_lock(r);
	st_call_add(s, r->method, r->path, r->body, r->body_len);
	struct st_fault f = s->fault;
	if (s->fault.count > 0)
		s->fault.count--;
	st_unlock();
	if (f.delay_ms > 0)
		usleep((useconds_t)f.delay_ms * 1000);
	if (f.count > 0 && f.status != 0) {
		if (f.status >= 500)
			rzp_error(r, f.status, NULL, "The server encountered an error. The "
			    "incident has been reported to admins");
		else
			rzp_error(r, f.status, NULL, "injected failure");
		return -1;
	}
	/* Exactly "Basic <token>" (razorpay-facts.md B.1): no other case, no quotes. */
	const char *h = req_header(r, "HTTP_AUTHORIZATION");
	if (h == NULL || !crypto_streq(h, expected_auth())) {
		error_body(r, 401, "BAD_REQUEST_ERROR", "NA", "NA", "NA", NULL,
		    "Authentication failed");
		return -1;
	}
	return 0;
}

/* The request body as a JSON object, or an empty object when there is none.
 * Returns NULL after answering 400. */
static const struct jv *
body_or_reply(struct req *r)
{
	static const struct jv empty = { .type = JV_OBJ };
	if (r->body_len == 0)
		return &empty;
	char err[128];
	struct jv *v = json_parse(r->a, r->body, r->body_len, err, sizeof err);
	if (v == NULL || v->type != JV_OBJ) {
		rzp_error(r, 400, NULL, "The request body is not a valid JSON object");
		return NULL;
	}
	return v;
}

/* Razorpay refuses fields it does not know.  Returns 0, or -1 after
 * answering. */
static int
known_fields_or_reply(struct req *r, const struct jv *o, const char *const *allowed)
{
	for (size_t i = 0; i < o->n; i++) {
		const char *k = o->members[i].key;
		const char *const *a;
		for (a = allowed; *a != NULL && strcmp(*a, k) != 0; a++)
			;
		if (*a == NULL) {
			rzp_error(r, 400, k, "%s is/are not required and should not be sent", k);
			return -1;
		}
	}
	return 0;
}

/* An integer amount (a JSON integer, or a string of digits, as Razorpay
 * accepts both).  Returns 1 with *out, 0 when absent, -1 after answering. */
static int
amount_or_reply(struct req *r, const struct jv *o, const char *key, bool required,
    int64_t *out)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type == JV_NULL) {
		if (!required)
			return 0;
		rzp_error(r, 400, key, "The %s field is required.", key);
		return -1;
	}
	if ((v->type != JV_NUM && v->type != JV_STR) || v->len == 0 || v->len > 15 ||
	    strspn(v->s, "0123456789") != v->len) {
		rzp_error(r, 400, key, "The %s must be an integer.", key);
		return -1;
	}
	*out = strtoll(v->s, NULL, 10);
	return 1;
}

/* notes: an object of at most 15 scalar values of at most 256 characters
 * (an empty array counts as none).  Serialised into out ("" when empty).
 * Returns 0, or -1 after answering. */
static int
notes_or_reply(struct req *r, const struct jv *o, char *out, size_t outsz)
{
	const struct jv *v = json_get(o, "notes");
	out[0] = '\0';
	if (v == NULL || v->type == JV_NULL || (v->type == JV_ARR && v->n == 0))
		return 0;
	if (v->type != JV_OBJ) {
		rzp_error(r, 400, "notes", "The notes must be an array.");
		return -1;
	}
	if (v->n > 15) {
		rzp_error(r, 400, "notes", "Number of notes should be less than or equal to 15");
		return -1;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct jv *x = v->members[i].val;
		if (x->type == JV_ARR || x->type == JV_OBJ) {
			rzp_error(r, 400, "notes", "The notes.%s must be a string.", v->members[i].key);
			return -1;
		}
		if (x->type == JV_STR && utf8_chars(x->s) > 256) {
			rzp_error(r, 400, "notes", "The notes.%s may not be greater than 256 "
			    "characters.", v->members[i].key);
			return -1;
		}
	}
	if (v->n == 0)
		return 0;
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	st_jv_put(&w, v);
	bool fits = b.len < outsz;
	if (fits)
		memcpy(out, b.p, b.len + 1);
	buf_free(&b);
	if (!fits) {
		rzp_error(r, 400, "notes", "The notes are too long");
		return -1;
	}
	return 0;
}

/* receipt: an optional string of at most 40 characters.  Returns 1 when
 * set, 0 when absent, -1 after answering. */
static int
receipt_or_reply(struct req *r, const struct jv *o, char *out, size_t outsz)
{
	const struct jv *v = json_get(o, "receipt");
	if (v == NULL || v->type == JV_NULL)
		return 0;
	if (v->type != JV_STR) {
		rzp_error(r, 400, "receipt", "The receipt must be a string.");
		return -1;
	}
	if (utf8_chars(v->s) > ST_RECEIPT_MAX || v->len >= outsz) {
		rzp_error(r, 400, "receipt", "The receipt may not be greater than 40 characters.");
		return -1;
	}
	memcpy(out, v->s, v->len + 1);
	return 1;
}

/* ---- orders ---- */

void
api_orders_create(struct req *r)
{
	static const char *const allowed[] = { "amount", "currency", "receipt", "notes",
		"partial_payment", "first_payment_min_amount", NULL };
	if (api_begin_or_reply(r) != 0)
		return;
	const struct jv *o = body_or_reply(r);
	if (o == NULL || known_fields_or_reply(r, o, allowed) != 0)
		return;
	struct st_order n;
	memset(&n, 0, sizeof n);
	if (amount_or_reply(r, o, "amount", true, &n.amount) < 0)
		return;
	if (n.amount < 100) {
		rzp_error(r, 400, "amount", "The amount must be at least INR 1.00");
		return;
	}
	const struct jv *cur = json_get(o, "currency");
	if (cur == NULL || cur->type == JV_NULL) {
		rzp_error(r, 400, "currency", "The currency field is required.");
		return;
	}
	if (cur->type != JV_STR || cur->len != 3 || strspn(cur->s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
		rzp_error(r, 400, "currency", "The selected currency is invalid.");
		return;
	}
	memcpy(n.currency, cur->s, 4);
	int rc = receipt_or_reply(r, o, n.receipt, sizeof n.receipt);
	if (rc < 0)
		return;
	n.has_receipt = rc == 1;
	if (notes_or_reply(r, o, n.notes, sizeof n.notes) != 0)
		return;
	const struct jv *pp = json_get(o, "partial_payment");
	if (pp != NULL && pp->type != JV_BOOL && pp->type != JV_NULL) {
		rzp_error(r, 400, "partial_payment", "The partial payment field must be true or false.");
		return;
	}
	n.partial_payment = pp != NULL && pp->type == JV_BOOL && pp->b;
	n.created_at = (int64_t)r->now;

	struct st_state *s = st_lock(r);
	if (s->norders == ST_ORDERS) {
		rzp_error(r, 500, NULL, "the stand-in is full (%d orders)", ST_ORDERS);
		return;
	}
	struct st_order *x = &s->orders[s->norders++];
	*x = n;
	st_new_id(x->id, "order_");
	struct jw w;
	req_writer(r, &w);
	st_order_put(&w, s, x);
	reply_w(r, 200);
}

void
api_orders_get(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	struct st_state *s = st_lock(r);
	int i = st_order_find(s, req_param(r, "id"));
	if (i < 0) {
		not_exist(r);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	st_order_put(&w, s, &s->orders[i]);
	reply_w(r, 200);
}

void
api_orders_payments(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	struct st_state *s = st_lock(r);
	int oi = st_order_find(s, req_param(r, "id"));
	if (oi < 0) {
		not_exist(r);
		return;
	}
	int count = 0;
	for (int i = 0; i < s->npayments; i++)
		count += s->payments[i].order == oi;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "entity", "collection");
	jw_kint(&w, "count", count);
	jw_key(&w, "items");
	jw_arr_open(&w);
	/* Newest first, as Razorpay lists. */
	for (int i = s->npayments - 1; i >= 0; i--)
		if (s->payments[i].order == oi)
			st_payment_put(&w, s, &s->payments[i], -1, PAY__MAX);
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- payments ---- */

void
api_payments_get(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	struct st_state *s = st_lock(r);
	int i = st_payment_find(s, req_param(r, "id"));
	if (i < 0) {
		not_exist(r);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	st_payment_put(&w, s, &s->payments[i], -1, PAY__MAX);
	reply_w(r, 200);
}

void
api_payments_capture(struct req *r)
{
	static const char *const allowed[] = { "amount", "currency", NULL };
	if (api_begin_or_reply(r) != 0)
		return;
	const struct jv *o = body_or_reply(r);
	if (o == NULL || known_fields_or_reply(r, o, allowed) != 0)
		return;
	int64_t amount;
	if (amount_or_reply(r, o, "amount", true, &amount) < 0)
		return;
	const struct jv *cur = json_get(o, "currency");
	if (cur == NULL || cur->type != JV_STR) {
		rzp_error(r, 400, "currency", "The currency field is required.");
		return;
	}
	struct st_state *s = st_lock(r);
	int i = st_payment_find(s, req_param(r, "id"));
	if (i < 0) {
		not_exist(r);
		return;
	}
	struct st_payment *p = &s->payments[i];
	if (p->status == PAY_CAPTURED || p->status == PAY_REFUNDED) {
		rzp_error(r, 400, NULL, "This payment has already been captured");
		return;
	}
	if (p->status != PAY_AUTHORIZED) {
		rzp_error(r, 400, NULL, "Only payments which have been authorized and not yet "
		    "captured can be captured");
		return;
	}
	if (amount != p->amount) {
		rzp_error(r, 400, "amount", "Capture amount must be equal to the amount authorized");
		return;
	}
	if (strcmp(cur->s, p->currency) != 0) {
		rzp_error(r, 400, "currency", "The currency should be same as the payment currency");
		return;
	}
	st_payment_capture(s, p);
	struct jw w;
	req_writer(r, &w);
	st_payment_put(&w, s, p, -1, PAY__MAX);
	reply_w(r, 200);
}

/* X-Refund-Idempotency: 10 to 64 characters of [A-Za-z0-9_-]. */
static bool
idem_key_ok(const char *k)
{
	size_t n = strlen(k);
	return n >= 10 && n <= ST_IDEM_MAX &&
	    strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The refund f, or, while POST /_stub/refund's loseAnswers lasts, a 504
 * in its place: the refund is made, its answer lost on the way. */
static void
refund_answer(struct req *r, struct st_state *s, const struct st_refund *f)
{
	if (s->refund_lose > 0) {
		s->refund_lose--;
		log_info("refund %s made, its answer lost (504)", f->id);
		rzp_error(r, 504, NULL, "Gateway Timeout");
		return;
	}
	struct jw w;
	req_writer(r, &w);
	st_refund_put(&w, s, f, NULL);
	reply_w(r, 200);
}

void
api_payments_refund(struct req *r)
{
	static const char *const allowed[] = { "amount", "speed", "notes", "receipt", NULL };
	if (api_begin_or_reply(r) != 0)
		return;
	const char *key = req_header(r, "HTTP_X_REFUND_IDEMPOTENCY");
	if (key != NULL && !idem_key_ok(key)) {
		rzp_error(r, 400, NULL, "The idempotency key must be 10 to 64 characters of "
		    "letters, digits, - and _");
		return;
	}
	char hash[65];
	crypto_sha256_hex(r->body, r->body_len, hash);
	const struct jv *o = body_or_reply(r);
	if (o == NULL || known_fields_or_reply(r, o, allowed) != 0)
		return;
	int64_t amount = 0;
	int has_amount = amount_or_reply(r, o, "amount", false, &amount);
	if (has_amount < 0)
		return;
	const struct jv *sp = json_get(o, "speed");
	const char *speed = "normal";
	if (sp != NULL && sp->type != JV_NULL) {
		if (sp->type != JV_STR || (strcmp(sp->s, "normal") != 0 && strcmp(sp->s, "optimum") != 0)) {
			rzp_error(r, 400, "speed", "The selected speed is invalid.");
			return;
		}
		speed = sp->s;
	}
	struct st_refund n;
	memset(&n, 0, sizeof n);
	int rc = receipt_or_reply(r, o, n.receipt, sizeof n.receipt);
	if (rc < 0 || notes_or_reply(r, o, n.notes, sizeof n.notes) != 0)
		return;
	n.has_receipt = rc == 1;

	struct st_state *s = st_lock(r);
	int pi = st_payment_find(s, req_param(r, "id"));
	if (pi < 0) {
		not_exist(r);
		return;
	}
	if (key != NULL) {
		for (int i = 0; i < s->nrefunds; i++) {
			struct st_refund *f = &s->refunds[i];
			if (f->payment != pi || strcmp(f->idem_key, key) != 0)
				continue;
			if (strcmp(f->body_hash, hash) != 0) {
				rzp_error(r, 400, NULL, "The idempotency key has already been used "
				    "with a different request body");
				return;
			}
			refund_answer(r, s, f);
			return;
		}
	}
	struct st_payment *p = &s->payments[pi];
	if (p->status == PAY_REFUNDED) {
		rzp_error(r, 400, NULL, "The payment has been fully refunded already");
		return;
	}
	if (p->status != PAY_CAPTURED) {
		rzp_error(r, 400, NULL, "Only captured payments can be refunded");
		return;
	}
	if (!has_amount)
		amount = st_refundable(p);
	if (amount < 100) {
		rzp_error(r, 400, "amount", "The amount must be at least INR 1.00");
		return;
	}
	if (amount > st_refundable(p)) {
		rzp_error(r, 400, "amount", "The refund amount provided is greater than amount "
		    "captured");
		return;
	}
	int fi = st_refund_add(s, pi, amount);
	if (fi < 0) {
		rzp_error(r, 500, NULL, "the stand-in is full (%d refunds)", ST_REFUNDS);
		return;
	}
	struct st_refund *f = &s->refunds[fi];
	memcpy(f->notes, n.notes, sizeof f->notes);
	memcpy(f->receipt, n.receipt, sizeof f->receipt);
	f->has_receipt = n.has_receipt;
	snprintf(f->speed, sizeof f->speed, "%s", speed);
	snprintf(f->idem_key, sizeof f->idem_key, "%s", key ? key : "");
	memcpy(f->body_hash, hash, sizeof f->body_hash);
	refund_answer(r, s, f);
}

void
api_payment_refunds(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	struct st_state *s = st_lock(r);
	int pi = st_payment_find(s, req_param(r, "id"));
	if (pi < 0) {
		not_exist(r);
		return;
	}
	int count = 0;
	for (int i = 0; i < s->nrefunds; i++)
		count += s->refunds[i].payment == pi;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "entity", "collection");
	jw_kint(&w, "count", count);
	jw_key(&w, "items");
	jw_arr_open(&w);
	for (int i = s->nrefunds - 1; i >= 0; i--)
		if (s->refunds[i].payment == pi)
			st_refund_put(&w, s, &s->refunds[i], NULL);
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

void
api_refunds_get(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	struct st_state *s = st_lock(r);
	int i = st_refund_find(s, req_param(r, "id"));
	if (i < 0) {
		not_exist(r);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	st_refund_put(&w, s, &s->refunds[i], NULL);
	reply_w(r, 200);
}

void
api_not_found(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	rzp_error(r, 400, NULL, "The requested URL was not found on the server.");
}

/* A string member of at most max bytes of the characters in set, or NULL
 * after answering 400. */
static const char *
payout_str_or_reply(struct req *r, const struct jv *o, const char *key, size_t max,
    const char *set)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_STR || v->len == 0 || v->len > max ||
	    strspn(v->s, set) != v->len) {
		rzp_error(r, 400, key, "The %s field is invalid.", key);
		return NULL;
	}
	return v->s;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

/* POST /v1/payouts (RazorpayX).  X-Payout-Idempotency is required; the same
 * key with the same body gets the first payout back, with another body a
 * 400.  A fund account id starting "fa_fail" makes a failed payout. */
void
api_payouts_create(struct req *r)
{
	static const char *const allowed[] = { "account_number", "fund_account_id", "amount",
		"currency", "mode", "purpose", "queue_if_low_balance", "reference_id", "narration",
		"notes", NULL };
	if (api_begin_or_reply(r) != 0)
		return;
	const char *key = req_header(r, "HTTP_X_PAYOUT_IDEMPOTENCY");
	size_t kn = key ? strlen(key) : 0;
	if (kn < 4 || kn > 36 || strspn(key, ALNUM "-_ ") != kn) {
		rzp_error(r, 400, NULL, "X-Payout-Idempotency must be 4 to 36 characters");
		return;
	}
	char hash[65];
	crypto_sha256_hex(r->body, r->body_len, hash);
	const struct jv *o = body_or_reply(r);
	if (o == NULL || known_fields_or_reply(r, o, allowed) != 0)
		return;
	int64_t amount = 0;
	const char *acct, *fa, *cur, *mode, *purpose, *ref = NULL;
	if (amount_or_reply(r, o, "amount", true, &amount) < 0 ||
	    (acct = payout_str_or_reply(r, o, "account_number", 40, ALNUM)) == NULL ||
	    (fa = payout_str_or_reply(r, o, "fund_account_id", 40, ALNUM "_")) == NULL ||
	    (cur = payout_str_or_reply(r, o, "currency", 3, "INR")) == NULL ||
	    (mode = payout_str_or_reply(r, o, "mode", 4, "NEFTRGIMPSUcard")) == NULL ||
	    (purpose = payout_str_or_reply(r, o, "purpose", 40, ALNUM " ")) == NULL)
		return;
	if (json_get(o, "reference_id") != NULL &&
	    (ref = payout_str_or_reply(r, o, "reference_id", 40, ALNUM "-_")) == NULL)
		return;
	if (strncmp(fa, "fa_", 3) != 0 || strcmp(cur, "INR") != 0) {
		rzp_error(r, 400, "fund_account_id", "The fund account id is invalid");
		return;
	}
	if (amount < 100) {
		rzp_error(r, 400, "amount", "Minimum transaction amount should be 100 paise");
		return;
	}
	struct st_state *s = st_lock(r);
	for (int i = 0; i < s->npayouts; i++) {
		struct st_payout *p = &s->payouts[i];
		if (strcmp(p->idem_key, key) != 0)
			continue;
		if (strcmp(p->body_hash, hash) != 0) {
			rzp_error(r, 400, NULL, "Different request body sent for the same "
			    "idempotency header");
			return;
		}
		struct jw w;
		req_writer(r, &w);
		st_payout_put(&w, p, NULL);
		reply_w(r, 200);
		return;
	}
	if (s->npayouts >= ST_PAYOUTS) {
		rzp_error(r, 500, NULL, "the stand-in is full (%d payouts)", ST_PAYOUTS);
		return;
	}
	struct st_payout *p = &s->payouts[s->npayouts++];
	memset(p, 0, sizeof *p);
	st_new_id(p->id, "pout_");
	snprintf(p->idem_key, sizeof p->idem_key, "%s", key);
	memcpy(p->body_hash, hash, sizeof p->body_hash);
	snprintf(p->fund_account_id, sizeof p->fund_account_id, "%s", fa);
	snprintf(p->account_number, sizeof p->account_number, "%s", acct);
	snprintf(p->reference_id, sizeof p->reference_id, "%s", ref ? ref : "");
	snprintf(p->mode, sizeof p->mode, "%s", mode);
	snprintf(p->status, sizeof p->status, "%s",
	    strncmp(fa, "fa_fail", 7) == 0 ? "failed" : "processing");
	snprintf(p->currency, sizeof p->currency, "%s", cur);
	p->amount = amount;
	p->created_at = (int64_t)time(NULL);
	struct jw w;
	req_writer(r, &w);
	st_payout_put(&w, p, NULL);
	reply_w(r, 200);
}

/* GET /v1/payouts/:id */
void
api_payouts_get(struct req *r)
{
	if (api_begin_or_reply(r) != 0)
		return;
	struct st_state *s = st_lock(r);
	int i = st_payout_find(s, req_param(r, "id"));
	if (i < 0) {
		not_exist(r);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	st_payout_put(&w, &s->payouts[i], NULL);
	reply_w(r, 200);
}
