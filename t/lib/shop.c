/* The shop of pay.h: a product, a reseller and a customer, purchases
 * paid in the stand-in's Checkout, and bursts of Razorpay's webhooks. */
#include "pay.h"
#include "t.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HOOKS_AT_ONCE 8
#define HOOK_TRIES    20
#define HOOK_BODY_MAX 4096

int
t_shop_open(struct t_shop *s, const char *prefix, int stock)
{
	memset(s, 0, sizeof *s);
	if (t_env("RAZORPAY_STUB_PORT") == NULL || t_env("ORDER_DATABASE_URL") == NULL)
		return -1;
	s->admin = t_token(ROLE_ADMIN, "shop-admin@example.com");
	s->reseller = t_register("RESELLER", prefix);
	s->customer = t_register("CUSTOMER", prefix);
	if (s->admin == NULL || s->reseller.id == NULL || s->customer.id == NULL)
		return -1;
	char name[80], body[512];
	t_unique(name, sizeof name, prefix);
	snprintf(body, sizeof body, "{\"name\":\"%s-cat\"}", name);
	char *cat = t_create("/categories", s->admin, body);
	if (cat == NULL)
		return -1;
	snprintf(body, sizeof body, "\"description\":\"for the %s suite\",\"basePrice\":1000.00,"
	    "\"categoryId\":\"%s\",\"stock\":%d", prefix, cat, stock);
	free(cat);
	s->product = t_product_new(s->admin, prefix, body, NULL);
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
		t_copy(b->order, sizeof b->order, t_jstr(rs.json, "id"));
		b->total = t_jpaise(rs.json, "total");
		ok = T_ASSERT(b->total > 0);
	}
	t_resp_free(&rs);
	struct t_checkout c;
	if (!ok || !t_checkout(s->customer.token, b->order, &c) || !T_EQ_INT(c.amount, b->total))
		return false;
	t_copy(b->rzp_order, sizeof b->rzp_order, c.rzp_order);
	return t_stub_pay(b->rzp_order, "captured", 0, b->rzp_pay, NULL);
}

/* ---- webhooks ---- */

struct hook {
	CURL *h;
	char body[200];
	char out[HOOK_BODY_MAX];    /* the stand-in's answer, cut */
	size_t len;
	int tries;
};

static size_t
hook_body(char *p, size_t size, size_t n, void *u)
{
	struct hook *k = u;
	size_t take = size * n;
	if (take > sizeof k->out - 1 - k->len)
		take = sizeof k->out - 1 - k->len;
	memcpy(k->out + k->len, p, take);
	k->len += take;
	k->out[k->len] = '\0';
	return size * n;
}

static void
hook_start(CURLM *m, struct hook *k, const char *url, struct curl_slist *hl)
{
	k->len = 0;
	k->out[0] = '\0';
	k->tries++;
	k->h = curl_easy_init();
	curl_easy_setopt(k->h, CURLOPT_URL, url);
	curl_easy_setopt(k->h, CURLOPT_POSTFIELDS, k->body);
	curl_easy_setopt(k->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(k->h, CURLOPT_WRITEFUNCTION, hook_body);
	curl_easy_setopt(k->h, CURLOPT_WRITEDATA, k);
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
	struct json_object *j = json_tokener_parse(k->out);
	long hook = st == 200 ? (long)t_jint(j, "statuses.0", 0) : 0;
	json_object_put(j);
	if (hook < 200 || hook >= 300)
		fprintf(stderr, "shop: webhook try %d: stand-in %ld, gateway %ld: %.200s\n", k->tries,
		    st, hook, k->out);
	return hook;
}

int
t_shop_webhooks(struct t_shop *s, const struct t_buy *b, int n, double rate,
    void (*progress)(int done, void *arg), void *arg)
{
	char url[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%s/_stub/webhook", t_env("RAZORPAY_STUB_PORT"));
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
	free(k);
	free(queue);
	return accepted;
}

long long
t_shop_paid(const struct t_buy *b, int n)
{
	size_t cap = (size_t)n * (sizeof b->order + 1) + 3, len = 0;
	char *ids = malloc(cap);
	if (ids == NULL)
		abort();
	ids[len++] = '{';
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(ids + len, cap - len, "%s%s", i > 0 ? "," : "", b[i].order);
	snprintf(ids + len, cap - len, "}");
	long long paid = t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM orders "
	    "WHERE id = ANY ($1::uuid[]) AND status = 'PAID'", ids, (char *)NULL);
	free(ids);
	return paid;
}
