/* The purchase path as the suites drive it (t/lib/shop.c): a reseller and
 * a customer, a product, orders paid in the Razorpay stand-in's Checkout
 * and Razorpay's payment.captured webhooks sent by the stand-in
 * (t/razorpay/README.md).
 *
 * Environment (scripts/test.sh): what http.h needs, RAZORPAY_STUB_PORT and
 * ORDER_DATABASE_URL. */
#ifndef T_SHOP_H
#define T_SHOP_H
#include <stdbool.h>
#include "http.h"

struct t_shop {
	char *admin;                /* a minted admin token */
	struct t_user customer, reseller;
	char *product;              /* base price 1000.00 */
	char stub[128];             /* http://127.0.0.1:$RAZORPAY_STUB_PORT */
};

/* One purchase: our order, Razorpay's order and payment. */
struct t_buy {
	char order[64];
	long long total;            /* paise */
	char rzp_order[64];
	char rzp_pay[64];
};

/* A category, a product with stock units (its name starts with prefix), a
 * reseller and a customer.  0, or -1 after printing why. */
int t_shop_open(struct t_shop *s, const char *prefix, int stock);
void t_shop_close(struct t_shop *s);

/* The customer orders one unit at 1500.00 from the reseller (POST
 * /orders), checks out (POST /payments/razorpay/create-order) and pays in
 * Checkout (the stand-in's POST /_stub/pay, captured); no webhook yet.
 * False after recording the failed assertion. */
bool t_shop_buy(struct t_shop *s, struct t_buy *b);

/* Razorpay's payment.captured for each of the n purchases, sent by the
 * stand-in (POST /_stub/webhook), `rate` a second at most, 8 at a time; a
 * webhook the gateway refused with 429 (WEBHOOK_RATE) is sent again, as
 * Razorpay does.  progress(done, arg), when not NULL, is called after each
 * answer.  Returns how many the payment service accepted (2xx). */
int t_shop_webhooks(struct t_shop *s, const struct t_buy *b, int n, double rate,
    void (*progress)(int done, void *arg), void *arg);

/* How many of the n purchases' orders are PAID (order_db), or -1. */
long long t_shop_paid(const struct t_buy *b, int n);

#endif
