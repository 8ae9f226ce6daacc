#include "shop.h"
#include "t.h"
#include "json.h"
#include "money.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOOKS_AT_ONCE 8
#define HOOK_TRIES    20

static void
copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* POSTs json and keeps the answer's "id" in out; false when not 201. */
static bool
create_id(const char *url, const char *token, const char *json, char *out, size_t n)
{
	struct resp rs;
	t_post_json(&rs, url, token, json);
	bool ok = rs.status == 201 && t_jstr(rs.json, "id") != NULL;
	if (ok)
		copy(out, n, t_jstr(rs.json, "id"));
	else
		fprintf(stderr, "shop: POST %s: %ld %.300s\n", url, rs.status, rs.body);
	t_resp_free(&rs);
	return ok;
}

int
t_shop_open(struct t_shop *s, const char *prefix, int stock)
{
	memset(s, 0, sizeof *s);
	const char *port = t_env("RAZORPAY_STUB_PORT");
	if (port == NULL || t_env("ORDER_DATABASE_URL") == NULL)
		return -1;
	snprintf(s->stub, sizeof s->stub, "http://127.0.0.1:%s", port);
	char sub[40];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	s->admin = t_mint(sub, "shop-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	s->reseller = t_register("RESELLER", prefix);
	s->customer = t_register("CUSTOMER", prefix);
	if (s->admin == NULL || s->reseller.id == NULL || s->customer.id == NULL)
		return -1;
	char name[80], body[512], cat[64], id[64];
	t_unique(name, sizeof name, prefix);
	snprintf(body, sizeof body, "{\"name\":\"%s-cat\"}", name);
	if (!create_id("/categories", s->admin, body, cat, sizeof cat))
		return -1;
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"description\":\"for the %s suite\","
	    "\"basePrice\":1000.00,\"categoryId\":\"%s\",\"stock\":%d}", name, prefix, cat, stock);
	if (!create_id("/products", s->admin, body, id, sizeof id))
		return -1;
	s->product = strdup(id);
	return s->product != NULL ? 0 : -1;
}

void
t_shop_close(struct t_shop *s)
{
	free(s->admin);
	free(s->product);
	t_user_free(&s->customer);
	t_user_free(&s->reseller);
	memset(s, 0, sizeof *s);
}

bool
t_shop_buy(struct t_shop *s, struct t_buy *b)
{
	char body[512];
	struct resp rs;
	memset(b, 0, sizeof *b);
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"shippingAddress\":\"1 MG Road, "
	    "Bengaluru\",\"items\":[{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":1500.00}]}", s->reseller.id, s->product);
	t_post_json(&rs, "/orders", s->customer.token, body);
	bool ok = T_STATUS(&rs, 201) && T_ASSERT(t_jstr(rs.json, "id") != NULL);
	if (ok) {
		copy(b->order, sizeof b->order, t_jstr(rs.json, "id"));
		const char *total = t_jtext(rs.json, "total");
		int64_t paise = 0;
		ok = T_ASSERT(money_parse(total, strlen(total), &paise) == MONEY_OK && paise > 0);
		b->total = paise;
	}
	t_resp_free(&rs);
	if (!ok)
		return false;

	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", b->order);
	t_post_json(&rs, "/payments/razorpay/create-order", s->customer.token, body);
	ok = T_STATUS(&rs, 201) && T_ASSERT(t_jstr(rs.json, "razorpayOrder.id") != NULL) &&
	    T_EQ_INT(t_jint(rs.json, "razorpayOrder.amount", -1), b->total);
	if (ok)
		copy(b->rzp_order, sizeof b->rzp_order, t_jstr(rs.json, "razorpayOrder.id"));
	t_resp_free(&rs);
	if (!ok)
		return false;

	char url[256];
	snprintf(url, sizeof url, "%s/_stub/pay", s->stub);
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"status\":\"captured\"}", b->rzp_order);
	t_post_json(&rs, url, NULL, body);
	ok = T_STATUS(&rs, 200) && T_ASSERT(t_jstr(rs.json, "razorpay_payment_id") != NULL);
	if (ok)
		copy(b->rzp_pay, sizeof b->rzp_pay, t_jstr(rs.json, "razorpay_payment_id"));
	t_resp_free(&rs);
	return ok;
}

/* ---- webhooks ---- */

struct hook {
	CURL *h;
	char body[200];
	struct buf out;
	int tries;
};

static size_t
hook_body(char *p, size_t size, size_t n, void *u)
{
	struct buf *b = u;
	if (b->len < 4096)
		buf_add(b, p, size * n);
	return size * n;
}

static void
hook_start(CURLM *m, struct hook *k, const char *url, struct curl_slist *hl)
{
	buf_reset(&k->out);
	k->tries++;
	k->h = curl_easy_init();
	curl_easy_setopt(k->h, CURLOPT_URL, url);
	curl_easy_setopt(k->h, CURLOPT_POSTFIELDS, k->body);
	curl_easy_setopt(k->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(k->h, CURLOPT_WRITEFUNCTION, hook_body);
	curl_easy_setopt(k->h, CURLOPT_WRITEDATA, &k->out);
	curl_easy_setopt(k->h, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(k->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(k->h, CURLOPT_PRIVATE, (char *)k);
	curl_multi_add_handle(m, k->h);
}

/* The gateway's answer to the stand-in's delivery: "statuses": [N]. */
static long
hook_status(struct hook *k)
{
	long st = 0;
	curl_easy_getinfo(k->h, CURLINFO_RESPONSE_CODE, &st);
	struct json_object *j = k->out.p ? json_tokener_parse(k->out.p) : NULL;
	long hook = st == 200 ? (long)t_jint(j, "statuses.0", 0) : 0;
	json_object_put(j);
	if (hook < 200 || hook >= 300)
		fprintf(stderr, "shop: webhook try %d: stand-in %ld, gateway %ld: %.200s\n", k->tries,
		    st, hook, k->out.p ? k->out.p : "");
	return hook;
}

int
t_shop_webhooks(struct t_shop *s, const struct t_buy *b, int n, double rate,
    void (*progress)(int done, void *arg), void *arg)
{
	char url[256];
	snprintf(url, sizeof url, "%s/_stub/webhook", s->stub);
	struct hook *k = calloc((size_t)n, sizeof *k);
	int *queue = calloc((size_t)n, sizeof *queue);
	if (k == NULL || queue == NULL)
		abort();
	for (int i = 0; i < n; i++) {
		snprintf(k[i].body, sizeof k[i].body,
		    "{\"event\":\"payment.captured\",\"paymentId\":\"%s\"}", b[i].rzp_pay);
		queue[i] = i;
	}
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
	CURLM *m = curl_multi_init();
	int head = 0, tail = n, busy = 0, done = 0, accepted = 0;
	double next = t_now();
	while (done < n) {
		/* queue is a ring of n: a retried webhook goes to its end. */
		while (head < tail && busy < HOOKS_AT_ONCE && t_now() >= next) {
			hook_start(m, &k[queue[head++ % n]], url, hl);
			busy++;
			next += 1.0 / rate;
		}
		int running;
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct hook *h;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&h);
			long st = hook_status(h);
			curl_multi_remove_handle(m, h->h);
			curl_easy_cleanup(h->h);
			busy--;
			if (st == 429 && h->tries < HOOK_TRIES) {
				queue[tail++ % n] = (int)(h - k);
				next = t_now() + 0.2;   /* Razorpay waits before it retries */
				continue;
			}
			accepted += st >= 200 && st < 300;
			done++;
			if (progress != NULL)
				progress(done, arg);
		}
		if (done < n)
			curl_multi_poll(m, NULL, 0, 5, NULL);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	for (int i = 0; i < n; i++)
		buf_free(&k[i].out);
	free(k);
	free(queue);
	return accepted;
}

long long
t_shop_paid(const struct t_buy *b, int n)
{
	struct buf ids = { 0 };
	buf_adds(&ids, "{");
	for (int i = 0; i < n; i++) {
		if (i > 0)
			buf_adds(&ids, ",");
		buf_adds(&ids, b[i].order);
	}
	buf_adds(&ids, "}");
	long long paid = t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM orders "
	    "WHERE id = ANY ($1::uuid[]) AND status = 'PAID'", ids.p, (char *)NULL);
	buf_free(&ids);
	return paid;
}
