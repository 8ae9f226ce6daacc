#include "t.h"
#include "pay.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *product;       /* the payment suites' (t_pay_init) */

/* http://127.0.0.1:$RAZORPAY_STUB_PORT + path into url. */
static const char *
stub_url(char *url, size_t n, const char *path)
{
	const char *port = t_env("RAZORPAY_STUB_PORT");
	snprintf(url, n, "http://127.0.0.1:%s%s", port ? port : "0", path);
	return url;
}

int
t_pay_init(const char *product_id)
{
	if (t_env("RAZORPAY_STUB_PORT") == NULL || product_id == NULL)
		return -1;
	product = product_id;
	struct resp rs;
	t_stub_get(&rs, "/_stub/health");
	bool up = rs.status == 200;
	if (!up)
		fprintf(stderr, "the Razorpay stand-in does not answer on %s: %ld %s\n", rs.what,
		    rs.status, rs.body);
	t_resp_free(&rs);
	return up ? 0 : -1;
}

char *
t_pay_product(const char *admin, const char *prefix)
{
	return t_product_new(admin, prefix, "\"basePrice\":1000.00,\"stock\":100000", NULL);
}

long
t_stub_post(struct resp *rs, const char *path, const char *json)
{
	char url[300];
	return t_post_json(rs, stub_url(url, sizeof url, path), NULL, json);
}

long
t_stub_get(struct resp *rs, const char *path)
{
	char url[300];
	return t_get(rs, stub_url(url, sizeof url, path), NULL);
}

long
t_rzp_get(struct resp *rs, const char *path)
{
	const char *id = t_env("RAZORPAY_KEY_ID"), *secret = t_env("RAZORPAY_KEY_SECRET");
	char plain[300], b64[420], auth[460], url[300];
	int n = snprintf(plain, sizeof plain, "%s:%s", id ? id : "", secret ? secret : "");
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, n);
	snprintf(auth, sizeof auth, "Authorization: Basic %s", b64);
	return t_http(rs, "GET", stub_url(url, sizeof url, path), NULL, NULL, NULL, 0, auth,
	    (char *)NULL);
}

bool
t_stub_pay(const char *rzp_order, const char *status, long long amount, char pay[64],
    char sig[80])
{
	char body[300];
	struct resp rs;
	if (amount > 0)
		snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"status\":\"%s\",\"amount\":%lld}",
		    rzp_order, status, amount);
	else
		snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"status\":\"%s\"}", rzp_order,
		    status);
	t_stub_post(&rs, "/_stub/pay", body);
	bool ok = T_STATUS(&rs, 200) && t_jstr(rs.json, "razorpay_payment_id") != NULL;
	t_copy(pay, 64, ok ? t_jstr(rs.json, "razorpay_payment_id") : NULL);
	if (sig != NULL)
		t_copy(sig, 80, ok ? t_jstr(rs.json, "razorpay_signature") : NULL);
	t_resp_free(&rs);
	return ok;
}

long
t_stub_hook(struct resp *rs, const char *event, const char *rzp_pay, const char *extra)
{
	char body[600];
	snprintf(body, sizeof body, "{\"event\":\"%s\",\"paymentId\":\"%s\"%s}", event, rzp_pay,
	    extra);
	if (t_stub_post(rs, "/_stub/webhook", body) != 200) {
		T_STATUS(rs, 200);
		return 0;
	}
	return t_jint(rs->json, "statuses.0", 0);
}

void
t_hook_ok(const char *event, const char *rzp_pay, const char *extra, const char *want)
{
	struct resp rs;
	long st = t_stub_hook(&rs, event, rzp_pay, extra);
	t_check(st == 200, __FILE__, __LINE__, "%s %s -> %ld: %.400s", event, rzp_pay, st,
	    rs.body);
	if (want != NULL) {
		const char *b = t_jstr(rs.json, "deliveries.0.body");
		struct json_object *ans = b ? json_tokener_parse(b) : NULL;
		T_EQ_STR(t_jstr(ans, "status"), want);
		json_object_put(ans);
	}
	t_resp_free(&rs);
}

bool
t_order_new(const char *token, const char *price, char out[64])
{
	char body[300];
	struct resp rs;
	snprintf(body, sizeof body, "{\"items\":[{\"productId\":\"%s\",\"quantity\":1,"
	    "\"sellerPrice\":%s}]}", product, price);
	t_post_json(&rs, "/orders", token, body);
	bool ok = T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL;
	t_copy(out, 64, ok ? t_jstr(rs.json, "id") : NULL);
	t_resp_free(&rs);
	return ok;
}

bool
t_checkout(const char *token, const char *order, struct t_checkout *c)
{
	char body[200];
	struct resp rs;
	memset(c, 0, sizeof *c);
	t_copy(c->order, sizeof c->order, order);
	snprintf(body, sizeof body, "{\"orderId\":\"%s\"}", order);
	t_post_json(&rs, "/payments/razorpay/create-order", token, body);
	bool ok = T_STATUS(&rs, 201) && t_jstr(rs.json, "payment.id") != NULL &&
	    t_jstr(rs.json, "razorpayOrder.id") != NULL;
	if (ok) {
		t_copy(c->pay, sizeof c->pay, t_jstr(rs.json, "payment.id"));
		t_copy(c->rzp_order, sizeof c->rzp_order, t_jstr(rs.json, "razorpayOrder.id"));
		c->amount = t_jint(rs.json, "razorpayOrder.amount", -1);
	}
	t_resp_free(&rs);
	return ok;
}

bool
t_checkout_new(const char *token, const char *price, struct t_checkout *c)
{
	char order[64];
	memset(c, 0, sizeof *c);
	return t_order_new(token, price, order) && t_checkout(token, order, c);
}

bool
t_paid_new(const char *token, const char *price, struct t_checkout *c, char rzp_pay[64])
{
	if (!t_checkout_new(token, price, c) || !t_stub_pay(c->rzp_order, "captured", 0, rzp_pay,
	    NULL))
		return false;
	t_hook_ok("payment.captured", rzp_pay, "", "applied");
	char *st = t_pay_status(c->pay);
	bool ok = st != NULL && strcmp(st, "SUCCESS") == 0;
	free(st);
	return T_ASSERT(ok);
}

long
t_refund(struct resp *rs, const char *token, const char *pay, const char *body)
{
	char url[120];
	snprintf(url, sizeof url, "/payments/%s/refund", pay);
	if (body == NULL)
		return t_http(rs, "POST", url, token, NULL, NULL, 0, (char *)NULL);
	return t_post_json(rs, url, token, body);
}

char *
t_pay_status(const char *pay)
{
	return t_db_value(T_PAY_DB, "SELECT status FROM payments WHERE id = $1", pay,
	    (char *)NULL);
}

long long
t_pay_events(const char *type, const char *pay)
{
	return t_db_count(T_PAY_DB, "SELECT count(*) FROM outbox WHERE type = $1 AND "
	    "aggregate_id = $2", type, pay, (char *)NULL);
}
