/* The tests' control API under /_stub/ (not Razorpay's; no auth; the
 * stand-in listens on loopback only): make a payment as Checkout would,
 * send Razorpay's webhooks (exact envelope, signed raw bytes), inject
 * faults, dump the state.  Errors here use our own error shape. */
#include "stub.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "valid.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_REPEAT_MAX 50
#define WEBHOOK_TIMEOUT_MS 10000L
#define DELIVERY_BODY_MAX  2048

void
ctl_health(struct req *r)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "status", "ok");
	jw_kstr(&w, "service", "razorpay-stub");
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- POST /_stub/pay ---- */

static const char *const pay_statuses[] = { "captured", "authorized", "failed", "created", NULL };
static const char *const pay_methods[] = { "upi", "card", "netbanking", "wallet", NULL };

void
ctl_pay(struct req *r)
{
	enum { F_ORDER, F_AMOUNT, F_STATUS, F_METHOD, F__MAX };
	static const struct field fields[F__MAX] = {
		[F_ORDER] = { "orderId", F_STRING, F_REQUIRED, 1, ST_ID_MAX - 1, NULL },
		[F_AMOUNT] = { "amount", F_INT, 0, 1, 100000000000LL, NULL },
		[F_STATUS] = { "status", F_ENUM, 0, 0, 0, pay_statuses },
		[F_METHOD] = { "method", F_ENUM, 0, 0, 0, pay_methods },
	};
	struct fval f[F__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, fields, F__MAX, f, NULL) != 0)
		return;
	const char *status = f[F_STATUS].set ? f[F_STATUS].s : "captured";

	struct st_state *s = st_lock(r);
	int oi = st_order_find(s, f[F_ORDER].s);
	if (oi < 0) {
		reply_error(r, 404, "orderId %s does not exist", f[F_ORDER].s);
		return;
	}
	if (s->npayments == ST_PAYMENTS) {
		reply_error(r, 500, "the stand-in is full (%d payments)", ST_PAYMENTS);
		return;
	}
	struct st_order *o = &s->orders[oi];
	struct st_payment *p = &s->payments[s->npayments++];
	memset(p, 0, sizeof *p);
	st_new_id(p->id, "pay_");
	p->order = oi;
	int64_t due = o->amount - o->amount_paid;
	p->amount = f[F_AMOUNT].set ? f[F_AMOUNT].i : due > 0 ? due : o->amount;
	memcpy(p->currency, o->currency, sizeof p->currency);
	snprintf(p->method, sizeof p->method, "%s", f[F_METHOD].set ? f[F_METHOD].s : "upi");
	unsigned char rnd[6];
	crypto_random(rnd, sizeof rnd);
	snprintf(p->rrn, sizeof p->rrn, "%012llu",
	    (unsigned long long)(((uint64_t)rnd[0] << 40 | (uint64_t)rnd[1] << 32 |
	    (uint64_t)rnd[2] << 24 | (uint64_t)rnd[3] << 16 | (uint64_t)rnd[4] << 8 |
	    rnd[5]) % 1000000000000ULL));
	p->created_at = (int64_t)r->now;
	o->attempts++;
	if (strcmp(status, "captured") == 0) {
		p->status = PAY_AUTHORIZED;
		st_payment_capture(s, p);
	} else if (strcmp(status, "authorized") == 0) {
		p->status = PAY_AUTHORIZED;
	} else if (strcmp(status, "failed") == 0) {
		p->status = PAY_FAILED;
	} else {
		p->status = PAY_CREATED;
	}

	/* What Checkout hands the browser: HMAC-SHA256(order_id|payment_id,
	 * key_secret) in lower-case hex (razorpay-facts.md B.2). */
	const char *secret = config_str("RAZORPAY_KEY_SECRET", "");
	char msg[2 * ST_ID_MAX + 2], sig[65];
	int ml = snprintf(msg, sizeof msg, "%s|%s", o->id, p->id);
	crypto_hmac_sha256_hex(secret, strlen(secret), msg, (size_t)ml, sig);

	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "payment");
	st_payment_put(&w, s, p, -1, PAY__MAX);
	jw_key(&w, "order");
	st_order_put(&w, s, o);
	jw_kstr(&w, "razorpay_order_id", o->id);
	jw_kstr(&w, "razorpay_payment_id", p->id);
	jw_kstr(&w, "razorpay_signature", sig);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- POST /_stub/webhook ---- */

static const char *const events[] = { "payment.authorized", "payment.captured",
	"payment.failed", "order.paid", "refund.created", "refund.processed",
	"refund.failed", "payout.queued", "payout.pending", "payout.initiated",
	"payout.processed", "payout.updated", "payout.reversed", "payout.failed",
	"payout.rejected", NULL };

/* Only loopback targets: http://127.0.0.1, localhost or [::1]. */
static bool
target_ok(const char *u)
{
	static const char *const hosts[] = { "http://127.0.0.1", "http://localhost",
		"http://[::1]", NULL };
	for (const char *const *h = hosts; *h; h++) {
		size_t n = strlen(*h);
		if (strncmp(u, *h, n) == 0 && (u[n] == ':' || u[n] == '/' || u[n] == '\0'))
			return strpbrk(u, " \r\n\t@") == NULL;
	}
	return false;
}

/* Razorpay's webhooks go to the payment service, RazorpayX's (x) to the
 * wallet's. */
static const char *
default_target(struct req *r, bool x)
{
	const char *t = config_str(x ? "PAYOUT_WEBHOOK_TARGET" : "WEBHOOK_TARGET", NULL);
	if (t != NULL)
		return t;
	return arena_printf(r->a, "http://127.0.0.1:%ld%s", config_long("PORT", 3000),
	    x ? "/wallets/webhook/razorpayx" : "/payments/webhook");
}

struct delivery {
	CURL *h;
	struct curl_slist *hdr;
	struct buf resp;
	long status;
	char error[CURL_ERROR_SIZE];
	double ms;
};

static size_t
collect(char *p, size_t size, size_t n, void *u)
{
	struct buf *b = u;
	size_t len = size * n;
	if (b->len < DELIVERY_BODY_MAX)
		buf_add(b, p, b->len + len > DELIVERY_BODY_MAX ? DELIVERY_BODY_MAX - b->len : len);
	return len;
}

static void
delivery_setup(struct delivery *d, const char *url, const struct buf *body,
    const char *sig, const char *event_id)
{
	memset(d, 0, sizeof *d);
	if ((d->h = curl_easy_init()) == NULL)
		die_oom();
	char line[256];
	d->hdr = curl_slist_append(d->hdr, "Content-Type: application/json");
	if (sig != NULL) {
		snprintf(line, sizeof line, "X-Razorpay-Signature: %s", sig);
		d->hdr = curl_slist_append(d->hdr, line);
	}
	snprintf(line, sizeof line, "X-Razorpay-Event-Id: %s", event_id);
	d->hdr = curl_slist_append(d->hdr, line);
	d->hdr = curl_slist_append(d->hdr, "User-Agent: Razorpay-Webhook/v1");
	d->hdr = curl_slist_append(d->hdr, "Expect:");
	curl_easy_setopt(d->h, CURLOPT_URL, url);
	curl_easy_setopt(d->h, CURLOPT_POST, 1L);
	curl_easy_setopt(d->h, CURLOPT_POSTFIELDS, body->p);
	curl_easy_setopt(d->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
	curl_easy_setopt(d->h, CURLOPT_HTTPHEADER, d->hdr);
	curl_easy_setopt(d->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->h, CURLOPT_TIMEOUT_MS, WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(d->h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(d->h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(d->h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(d->h, CURLOPT_WRITEDATA, &d->resp);
	curl_easy_setopt(d->h, CURLOPT_ERRORBUFFER, d->error);
}

static void
delivery_done(struct delivery *d, CURLcode rc)
{
	if (rc == CURLE_OK) {
		curl_easy_getinfo(d->h, CURLINFO_RESPONSE_CODE, &d->status);
	} else if (d->error[0] == '\0') {
		snprintf(d->error, sizeof d->error, "%s", curl_easy_strerror(rc));
	}
	double secs = 0;
	curl_easy_getinfo(d->h, CURLINFO_TOTAL_TIME, &secs);
	d->ms = secs * 1000;
}

static void
delivery_free(void *p)
{
	struct delivery *d = p;
	if (d->h != NULL)
		curl_easy_cleanup(d->h);
	curl_slist_free_all(d->hdr);
	buf_free(&d->resp);
	d->h = NULL;
	d->hdr = NULL;
}

/* Sends the same bytes n times, one after the other or all at once. */
static void
deliver(struct req *r, struct delivery *d, int n, bool concurrent, const char *url,
    const struct buf *body, const char *sig, const char *event_id)
{
	static bool inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
	for (int i = 0; i < n; i++) {
		delivery_setup(&d[i], url, body, sig, event_id);
		arena_defer(r->a, delivery_free, &d[i]);
	}
	if (!concurrent) {
		for (int i = 0; i < n; i++)
			delivery_done(&d[i], curl_easy_perform(d[i].h));
		return;
	}
	CURLM *m = curl_multi_init();
	if (m == NULL)
		die_oom();
	for (int i = 0; i < n; i++)
		curl_multi_add_handle(m, d[i].h);
	int running = n;
	while (running > 0) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (int i = 0; i < n; i++)
			if (d[i].h == msg->easy_handle)
				delivery_done(&d[i], msg->data.result);
	}
	for (int i = 0; i < n; i++)
		curl_multi_remove_handle(m, d[i].h);
	curl_multi_cleanup(m);
}

/* Chooses the refund a refund.* event describes: refundId, else a new one
 * of amount, else the payment's latest, else a new full one.  Returns its
 * index, or -1 after answering. */
static int
webhook_refund(struct req *r, struct st_state *s, int pi, const struct fval *refund_id,
    const struct fval *amount)
{
	struct st_payment *p = &s->payments[pi];
	if (refund_id->set) {
		int fi = st_refund_find(s, refund_id->s);
		if (fi < 0 || s->refunds[fi].payment != pi) {
			reply_error(r, 404, "refundId %s is not a refund of %s", refund_id->s, p->id);
			return -1;
		}
		return fi;
	}
	if (!amount->set)
		for (int i = s->nrefunds - 1; i >= 0; i--)
			if (s->refunds[i].payment == pi)
				return i;
	int64_t want = amount->set ? amount->i : st_refundable(p);
	if (p->status != PAY_CAPTURED || want < 100 || want > st_refundable(p)) {
		reply_error(r, 409, "payment %s (%s, %lld of %lld refunded) cannot be refunded "
		    "by %lld", p->id, st_pay_status_name(p->status), (long long)p->amount_refunded,
		    (long long)p->amount, (long long)want);
		return -1;
	}
	int fi = st_refund_add(s, pi, want);
	if (fi < 0)
		reply_error(r, 500, "the stand-in is full (%d refunds)", ST_REFUNDS);
	return fi;
}

/* Builds the event envelope (razorpay-facts.md B.4) into b and applies the
 * event to the state the way Razorpay would have before sending it.
 * Returns 0, or -1 after answering. */
static int
webhook_build(struct req *r, struct st_state *s, const char *event, int pi,
    const struct fval *amount, const struct fval *refund_id, struct buf *b)
{
	struct st_payment *p = &s->payments[pi];
	struct st_order *o = &s->orders[p->order];
	int64_t amount_override = amount->set ? amount->i : -1;
	enum st_pay_status snap = PAY__MAX;
	int fi = -1;
	const char *refund_status = NULL;

	if (strcmp(event, "payment.authorized") == 0) {
		if (p->status == PAY_CREATED || p->status == PAY_FAILED)
			p->status = PAY_AUTHORIZED;
		snap = PAY_AUTHORIZED;
	} else if (strcmp(event, "payment.captured") == 0 || strcmp(event, "order.paid") == 0) {
		/* A late authorisation may capture a failed payment (B.3). */
		if (p->status == PAY_CREATED || p->status == PAY_AUTHORIZED ||
		    p->status == PAY_FAILED)
			st_payment_capture(s, p);
		snap = PAY_CAPTURED;
	} else if (strcmp(event, "payment.failed") == 0) {
		if (p->status == PAY_CREATED || p->status == PAY_AUTHORIZED)
			p->status = PAY_FAILED;
		snap = PAY_FAILED;
	} else {
		/* refund.*: the amount names the refund, not the payment. */
		if ((fi = webhook_refund(r, s, pi, refund_id, amount)) < 0)
			return -1;
		amount_override = -1;
		/* processed and failed move a pending refund; the snapshot says
		 * what the event says, refund.created the refund's status. */
		if (strcmp(event, "refund.created") != 0) {
			refund_status = strcmp(event, "refund.failed") == 0 ? "failed" : "processed";
			st_refund_move(s, &s->refunds[fi], refund_status);
		}
	}

	struct jw w;
	jw_init(&w, b);
	jw_obj_open(&w);
	jw_kstr(&w, "entity", "event");
	jw_kstr(&w, "account_id", s->account_id);
	jw_kstr(&w, "event", event);
	jw_key(&w, "contains");
	jw_arr_open(&w);
	if (fi >= 0)
		jw_str(&w, "refund");
	jw_str(&w, "payment");
	if (strcmp(event, "order.paid") == 0)
		jw_str(&w, "order");
	jw_arr_close(&w);
	jw_key(&w, "payload");
	jw_obj_open(&w);
	if (fi >= 0) {
		jw_key(&w, "refund");
		jw_obj_open(&w);
		jw_key(&w, "entity");
		st_refund_put(&w, s, &s->refunds[fi], refund_status);
		jw_obj_close(&w);
	}
	jw_key(&w, "payment");
	jw_obj_open(&w);
	jw_key(&w, "entity");
	st_payment_put(&w, s, p, amount_override, snap);
	jw_obj_close(&w);
	if (strcmp(event, "order.paid") == 0) {
		jw_key(&w, "order");
		jw_obj_open(&w);
		jw_key(&w, "entity");
		st_order_put(&w, s, o);
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	jw_kint(&w, "created_at", (int64_t)r->now);
	jw_obj_close(&w);
	return 0;
}

/* A payout status's place on RazorpayX's way: queued/pending 0,
 * processing 1, processed 2, reversed/failed/rejected/cancelled 3 (final). */
static int
payout_rank(const char *st)
{
	if (strcmp(st, "queued") == 0 || strcmp(st, "pending") == 0)
		return 0;
	if (strcmp(st, "processing") == 0)
		return 1;
	return strcmp(st, "processed") == 0 ? 2 : 3;
}

/* payout.<what> moves the payout as RazorpayX would have before sending
 * it, forward only (a failure from before processed, a reversal also
 * after it, nothing after a final failure), and the envelope's snapshot
 * says the event's status (an out-of-order event changes only the
 * snapshot; payout.updated: the payout as it is).  Writes the envelope
 * into b. */
static void
webhook_build_payout(struct req *r, struct st_state *s, const char *event,
    struct st_payout *p, struct buf *b)
{
	const char *what = event + strlen("payout.");
	bool updated = strcmp(what, "updated") == 0;
	const char *to = strcmp(what, "initiated") == 0 ? "processing" : what;
	int from = payout_rank(p->status), want = payout_rank(to);
	bool move = from < 2 ? want > from || (want == 0 && from == 0) :
	    from == 2 && strcmp(to, "reversed") == 0;
	if (updated)
		to = NULL;          /* the payout as it is */
	else if (move)
		snprintf(p->status, sizeof p->status, "%s", to);
	struct jw w;
	jw_init(&w, b);
	jw_obj_open(&w);
	jw_kstr(&w, "entity", "event");
	jw_kstr(&w, "account_id", s->account_id);
	jw_kstr(&w, "event", event);
	jw_key(&w, "contains");
	jw_arr_open(&w);
	jw_str(&w, "payout");
	jw_arr_close(&w);
	jw_key(&w, "payload");
	jw_obj_open(&w);
	jw_key(&w, "payout");
	jw_obj_open(&w);
	jw_key(&w, "entity");
	st_payout_put(&w, p, to);
	jw_obj_close(&w);
	jw_obj_close(&w);
	jw_kint(&w, "created_at", (int64_t)r->now);
	jw_obj_close(&w);
}

static void
buf_free_deferred(void *p)
{
	buf_free(p);
}

static bool
event_id_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 &&
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.") == n;
}

enum { H_EVENT, H_PAYMENT, H_PAYOUT, H_EVENT_ID, H_AMOUNT, H_REPEAT, H_CONCURRENT, H_BADSIG,
	H_TARGET, H_REFUND, H_BODY, H_SIGNATURE, H_NOSIG, H_X, H__MAX };

/* The event's envelope into body, built from the stand-in's state (which
 * the event moves on first), or the raw body asked for.  0, or -1 after
 * answering. */
static int
webhook_body(struct req *r, const struct fval *f, bool payout, int n, struct buf *body)
{
	if (f[H_BODY].set) {
		buf_add(body, f[H_BODY].v->s, f[H_BODY].v->len);
		return 0;
	}
	struct st_state *s = st_lock(r);
	if (payout) {
		int i = st_payout_find(s, f[H_PAYOUT].s);
		if (i < 0) {
			reply_error(r, 404, "payoutId %s does not exist", f[H_PAYOUT].s);
			return -1;
		}
		webhook_build_payout(r, s, f[H_EVENT].s, &s->payouts[i], body);
	} else {
		int pi = st_payment_find(s, f[H_PAYMENT].s);
		if (pi < 0) {
			reply_error(r, 404, "paymentId %s does not exist", f[H_PAYMENT].s);
			return -1;
		}
		if (webhook_build(r, s, f[H_EVENT].s, pi, &f[H_AMOUNT], &f[H_REFUND], body) != 0)
			return -1;
	}
	s->webhooks_sent += (uint64_t)n;
	st_unlock();      /* the receiver may call the API while we wait */
	return 0;
}

/* The answer: what was sent, and each delivery's status and body. */
static void
webhook_reply(struct req *r, const char *event, const char *event_id, const char *target,
    const char *sig, const struct buf *body, const struct delivery *d, int n)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "event", event);
	jw_kstr(&w, "eventId", event_id);
	jw_kstr(&w, "target", target);
	jw_kstr(&w, "signature", sig);
	jw_key(&w, "body");
	jw_strn(&w, body->p, body->len);
	jw_key(&w, "statuses");
	jw_arr_open(&w);
	for (int i = 0; i < n; i++)
		jw_int(&w, d[i].status);
	jw_arr_close(&w);
	jw_key(&w, "deliveries");
	jw_arr_open(&w);
	for (int i = 0; i < n; i++) {
		jw_obj_open(&w);
		jw_kint(&w, "status", d[i].status);
		jw_kint(&w, "ms", (int64_t)d[i].ms);
		jw_key(&w, "body");
		jw_strn(&w, d[i].resp.p ? d[i].resp.p : "", d[i].resp.len);
		jw_kstr(&w, "error", d[i].error[0] ? d[i].error : NULL);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

void
ctl_webhook(struct req *r)
{
	static const struct field fields[H__MAX] = {
		[H_EVENT] = { "event", F_ENUM, 0, 0, 0, events },
		[H_PAYMENT] = { "paymentId", F_STRING, 0, 1, ST_ID_MAX - 1, NULL },
		[H_PAYOUT] = { "payoutId", F_STRING, 0, 1, ST_ID_MAX - 1, NULL },
		[H_EVENT_ID] = { "eventId", F_STRING, 0, 1, 64, NULL },
		[H_AMOUNT] = { "amount", F_INT, 0, 0, 100000000000LL, NULL },
		[H_REPEAT] = { "repeat", F_INT, 0, 1, WEBHOOK_REPEAT_MAX, NULL },
		[H_CONCURRENT] = { "concurrent", F_BOOL, 0, 0, 0, NULL },
		[H_BADSIG] = { "badSignature", F_BOOL, 0, 0, 0, NULL },
		[H_TARGET] = { "target", F_STRING, 0, 1, 512, NULL },
		[H_REFUND] = { "refundId", F_STRING, 0, 1, ST_ID_MAX - 1, NULL },
		[H_BODY] = { "body", F_STRING, 0, 0, 0, NULL },
		[H_SIGNATURE] = { "signature", F_STRING, 0, 0, 200, NULL },
		[H_NOSIG] = { "omitSignature", F_BOOL, 0, 0, 0, NULL },
		[H_X] = { "razorpayx", F_BOOL, 0, 0, 0, NULL },
	};
	struct fval f[H__MAX];
	struct jv *req_body = req_json_or_reply(r);
	if (req_body == NULL || fields_or_reply(r, req_body, fields, H__MAX, f, NULL) != 0)
		return;
	bool payout = f[H_EVENT].set && strncmp(f[H_EVENT].s, "payout.", 7) == 0;
	bool x = payout || (f[H_X].set && f[H_X].b);
	if (!f[H_BODY].set && (!f[H_EVENT].set || !f[payout ? H_PAYOUT : H_PAYMENT].set)) {
		reply_error(r, 400, "event and paymentId (payoutId for payout.*) are required (or "
		    "a raw body)");
		return;
	}
	if (f[H_EVENT_ID].set && !event_id_ok(f[H_EVENT_ID].s)) {
		reply_error(r, 400, "eventId must be letters, digits, _ - and .");
		return;
	}
	if (f[H_SIGNATURE].set && strpbrk(f[H_SIGNATURE].s, "\r\n") != NULL) {
		reply_error(r, 400, "signature must be one line");
		return;
	}
	const char *target = f[H_TARGET].set ? f[H_TARGET].s : default_target(r, x);
	if (!target_ok(target)) {
		reply_error(r, 400, "target must be an http URL on 127.0.0.1, localhost or [::1]");
		return;
	}
	int n = f[H_REPEAT].set ? (int)f[H_REPEAT].i : 1;
	char event_id[65];
	if (f[H_EVENT_ID].set)
		snprintf(event_id, sizeof event_id, "%s", f[H_EVENT_ID].s);
	else
		st_new_id(event_id, "evt_");

	struct buf *body = arena_alloc(r->a, sizeof *body);
	arena_defer(r->a, buf_free_deferred, body);
	if (webhook_body(r, f, payout, n, body) != 0)
		return;
	if (body->p == NULL)
		buf_add(body, "", 0);     /* an empty raw body still needs its bytes */

	/* The signature: HMAC-SHA256 of the exact bytes with the webhook secret
	 * (B.3; RazorpayX's own for payouts); a bad one is the HMAC under
	 * another key. */
	const char *secret = config_str(x ? "RAZORPAYX_WEBHOOK_SECRET" :
	    "RAZORPAY_WEBHOOK_SECRET", "");
	char sig[65];
	if (f[H_BADSIG].set && f[H_BADSIG].b) {
		char *wrong = arena_printf(r->a, "%s-not-the-secret", secret);
		crypto_hmac_sha256_hex(wrong, strlen(wrong), body->p, body->len, sig);
	} else {
		crypto_hmac_sha256_hex(secret, strlen(secret), body->p, body->len, sig);
	}
	const char *sent_sig = f[H_SIGNATURE].set ? f[H_SIGNATURE].s : sig;
	if (f[H_NOSIG].set && f[H_NOSIG].b)
		sent_sig = NULL;

	struct delivery *d = arena_alloc(r->a, (size_t)n * sizeof *d);
	bool concurrent = f[H_CONCURRENT].set && f[H_CONCURRENT].b;
	deliver(r, d, n, concurrent, target, body, sent_sig, event_id);
	webhook_reply(r, f[H_EVENT].set ? f[H_EVENT].s : NULL, event_id, target, sent_sig, body,
	    d, n);
	log_info("webhook %s %s x%d -> %s", f[H_EVENT].set ? f[H_EVENT].s : "(raw)",
	    event_id, n, target);
}

/* ---- POST /_stub/fault ---- */

void
ctl_fault(struct req *r)
{
	enum { F_STATUS, F_COUNT, F_DELAY, F__MAX };
	static const struct field fields[F__MAX] = {
		[F_STATUS] = { "status", F_INT, 0, 0, 599, NULL },
		[F_COUNT] = { "count", F_INT, 0, 0, 100000, NULL },
		[F_DELAY] = { "delayMs", F_INT, 0, 0, 60000, NULL },
	};
	struct fval f[F__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, fields, F__MAX, f, NULL) != 0)
		return;
	if (f[F_STATUS].set && f[F_STATUS].i != 0 && f[F_STATUS].i < 400) {
		reply_error(r, 400, "status must be 0 (none) or 400 to 599");
		return;
	}
	struct st_state *s = st_lock(r);
	s->fault.status = f[F_STATUS].set ? (int)f[F_STATUS].i : 0;
	s->fault.count = f[F_COUNT].set ? (int)f[F_COUNT].i : s->fault.status ? 1 : 0;
	s->fault.delay_ms = f[F_DELAY].set ? (long)f[F_DELAY].i : 0;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kint(&w, "status", s->fault.status);
	jw_kint(&w, "count", s->fault.count);
	jw_kint(&w, "delayMs", s->fault.delay_ms);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- POST /_stub/refund: Razorpay moves a refund on ---- */

static const char *const refund_statuses[] = { "pending", "processed", "failed", NULL };
static const char *const refund_new_statuses[] = { "pending", "processed", NULL };

/* {"id"?: "rfnd_...", "status"?: "pending"|"processed"|"failed",
 *  "newStatus"?: "pending"|"processed", "loseAnswers"?: 0..100} */
void
ctl_refund(struct req *r)
{
	enum { F_ID, F_STATUS, F_NEW, F_LOSE, F__MAX };
	static const struct field fields[F__MAX] = {
		[F_ID] = { "id", F_STRING, 0, 1, ST_ID_MAX - 1, NULL },
		[F_STATUS] = { "status", F_ENUM, 0, 0, 0, refund_statuses },
		[F_NEW] = { "newStatus", F_ENUM, 0, 0, 0, refund_new_statuses },
		[F_LOSE] = { "loseAnswers", F_INT, 0, 0, 100, NULL },
	};
	struct fval f[F__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, fields, F__MAX, f, NULL) != 0)
		return;
	if (f[F_ID].set != f[F_STATUS].set) {
		reply_error(r, 400, "id and status go together");
		return;
	}
	struct st_state *s = st_lock(r);
	struct st_refund *rf = NULL;
	if (f[F_ID].set) {
		int i = st_refund_find(s, f[F_ID].s);
		if (i < 0) {
			reply_error(r, 404, "no refund %s", f[F_ID].s);
			return;
		}
		rf = &s->refunds[i];
		if (!st_refund_move(s, rf, f[F_STATUS].s)) {
			reply_error(r, 409, "refund %s is %s already", rf->id, rf->status);
			return;
		}
	}
	if (f[F_NEW].set)
		snprintf(s->refund_status, sizeof s->refund_status, "%s", f[F_NEW].s);
	if (f[F_LOSE].set)
		s->refund_lose = (int)f[F_LOSE].i;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "refund");
	if (rf != NULL)
		st_refund_put(&w, s, rf, NULL);
	else
		jw_null(&w);
	jw_kstr(&w, "newStatus", s->refund_status[0] ? s->refund_status : "processed");
	jw_kint(&w, "loseAnswers", s->refund_lose);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- GET /_stub/state ---- */

void
ctl_state(struct req *r)
{
	struct st_state *s = st_lock(r);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "accountId", s->account_id);
	jw_kint(&w, "webhooksSent", (int64_t)s->webhooks_sent);
	jw_key(&w, "fault");
	jw_obj_open(&w);
	jw_kint(&w, "status", s->fault.status);
	jw_kint(&w, "count", s->fault.count);
	jw_kint(&w, "delayMs", s->fault.delay_ms);
	jw_obj_close(&w);
	jw_key(&w, "orders");
	jw_arr_open(&w);
	for (int i = 0; i < s->norders; i++)
		st_order_put(&w, s, &s->orders[i]);
	jw_arr_close(&w);
	jw_key(&w, "payments");
	jw_arr_open(&w);
	for (int i = 0; i < s->npayments; i++)
		st_payment_put(&w, s, &s->payments[i], -1, PAY__MAX);
	jw_arr_close(&w);
	jw_key(&w, "refunds");
	jw_arr_open(&w);
	for (int i = 0; i < s->nrefunds; i++)
		st_refund_put(&w, s, &s->refunds[i], NULL);
	jw_arr_close(&w);
	jw_key(&w, "payouts");
	jw_arr_open(&w);
	for (int i = 0; i < s->npayouts; i++)
		st_payout_put(&w, &s->payouts[i], NULL);
	jw_arr_close(&w);
	/* The /v1 requests kept, oldest first. */
	jw_kint(&w, "callsMade", (int64_t)s->ncalls);
	jw_key(&w, "calls");
	jw_arr_open(&w);
	uint64_t first = s->ncalls > ST_CALLS ? s->ncalls - ST_CALLS : 0;
	for (uint64_t k = first; k < s->ncalls; k++) {
		const struct st_call *c = &s->calls[k % ST_CALLS];
		jw_obj_open(&w);
		jw_kstr(&w, "method", c->method);
		jw_kstr(&w, "path", c->path);
		jw_kstr(&w, "body", c->body);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- POST /_stub/payout: RazorpayX moves a payout on ---- */

/* {"id": "pout_...", "status": "queued"|"pending"|"processing"|"processed"|
 * "reversed"|"failed"|"rejected"|"cancelled"} */
void
ctl_payout(struct req *r)
{
	enum { P_ID, P_STATUS, P__MAX };
	static const struct field fields[P__MAX] = {
		[P_ID] = { "id", F_STRING, F_REQUIRED, 1, 40, NULL },
		[P_STATUS] = { "status", F_STRING, F_REQUIRED, 1, 16, NULL },
	};
	static const char *const statuses[] = { "queued", "pending", "processing", "processed",
		"reversed", "failed", "rejected", "cancelled" };
	struct fval f[P__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, fields, P__MAX, f, NULL) != 0)
		return;
	bool known = false;
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		known = known || strcmp(f[P_STATUS].s, statuses[i]) == 0;
	if (!known) {
		reply_error(r, 400, "status is not a payout status");
		return;
	}
	struct st_state *s = st_lock(r);
	int i = st_payout_find(s, f[P_ID].s);
	if (i < 0) {
		reply_error(r, 404, "no payout %s", f[P_ID].s);
		return;
	}
	struct st_payout *p = &s->payouts[i];
	snprintf(p->status, sizeof p->status, "%s", f[P_STATUS].s);
	struct jw w;
	req_writer(r, &w);
	st_payout_put(&w, p, NULL);
	reply_w(r, 200);
}
