/* The purchase path through the Razorpay stand-in (t/razorpay/README.md,
 * served by scripts/test.sh on RAZORPAY_STUB_PORT): the customer paying in
 * Checkout, Razorpay's signed webhooks, refunds, and read-only checks in
 * payment_db (PAYMENT_DATABASE_URL).  Two ways in:
 *
 * - the payment suites (it_payment, it_payment_reconcile): t_pay_init
 *   first, in the suite's setup, with the product their orders are made of
 *   (base price at most the seller prices they use); then t_order_new,
 *   t_checkout_new, t_paid_new, t_refund ...
 * - a whole shop (it_relay_supervise): t_shop_open makes a product, a
 *   reseller and a customer; t_shop_buy orders, checks out and pays;
 *   t_shop_webhooks sends the bursts of payment.captured. */
#ifndef T_PAY_H
#define T_PAY_H
#include "http.h"
#include <stdbool.h>

#define T_PAY_DB "PAYMENT_DATABASE_URL"

/* ---- the stand-in ---- */

/* POST http://127.0.0.1:$RAZORPAY_STUB_PORT + path with a JSON body;
 * t_stub_get: GET (/_stub/state). */
long t_stub_post(struct resp *rs, const char *path, const char *json);
long t_stub_get(struct resp *rs, const char *path);
/* GET path of Razorpay's API on the stand-in ("/v1/payments/pay_x") with
 * the stack's keys (RAZORPAY_KEY_ID and _SECRET, Basic auth). */
long t_rzp_get(struct resp *rs, const char *path);
/* The customer pays Razorpay order rzp_order in Checkout: status
 * "captured", "authorized", "failed" or "created"; amount in paise, 0 for
 * the order's.  The Razorpay payment id and Checkout's signature into
 * pay/sig (sig may be NULL). */
bool t_stub_pay(const char *rzp_order, const char *status, long long amount, char pay[64],
    char sig[80]);
/* Razorpay sends event about payment rzp_pay (extra: more members of the
 * control request, ", \"eventId\":\"x\"" or "").  Returns the status of
 * the (first) delivery; the stand-in's answer stays in rs. */
long t_stub_hook(struct resp *rs, const char *event, const char *rzp_pay, const char *extra);
/* Sends one event and expects the gateway's 200 and, when want is not
 * NULL, our webhook's status string ("applied", "unchanged", ...). */
void t_hook_ok(const char *event, const char *rzp_pay, const char *extra, const char *want);

/* ---- checkout ---- */

/* One order with its payment and Razorpay order. */
struct t_checkout {
	char order[64];
	char pay[64];
	char rzp_order[64];
	long long amount;           /* the Razorpay order's, paise */
};

/* POST /payments/razorpay/create-order for order as token: 201 with the
 * payment's and the Razorpay order's ids, into c. */
bool t_checkout(const char *token, const char *order, struct t_checkout *c);

/* ---- the payment suites ---- */

/* 0, or -1 after printing why (no product, no stand-in port, or the
 * stand-in does not answer). */
int t_pay_init(const char *product);
/* A new product named after prefix, base price 1000.00, plenty of stock,
 * made by admin: its id (malloc'd), or NULL after printing why. */
char *t_pay_product(const char *admin, const char *prefix);
/* A one-line order of the product for token at seller price price
 * ("1500.00"); its id into out. */
bool t_order_new(const char *token, const char *price, char out[64]);
/* A new order of price for token, and its Razorpay checkout. */
bool t_checkout_new(const char *token, const char *price, struct t_checkout *c);
/* A paid checkout: order, Razorpay payment captured, payment.captured
 * delivered, the payment SUCCESS.  The Razorpay payment id into rzp_pay. */
bool t_paid_new(const char *token, const char *price, struct t_checkout *c, char rzp_pay[64]);
/* POST /payments/:pay/refund as token with body (NULL: none). */
long t_refund(struct resp *rs, const char *token, const char *pay, const char *body);

/* The payment's status in payment_db (malloc'd), or NULL. */
char *t_pay_status(const char *pay);
#define T_PAY_STATUS(pay, want) do { \
	char *st_ = t_pay_status(pay); \
	T_EQ_STR(st_, (want)); \
	free(st_); \
} while (0)
/* Outbox rows of type for payment pay. */
long long t_pay_events(const char *type, const char *pay);

/* ---- a shop (t/lib/shop.c) ---- */

struct t_shop {
	char *admin;                /* a minted admin token */
	struct t_user customer, reseller;
	char *product;              /* base price 1000.00 */
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
