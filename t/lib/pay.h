/* The payment suites' purchase steps (it_payment, it_payment_reconcile):
 * an order, its Razorpay checkout, the customer paying in Checkout and
 * Razorpay's webhooks through the stand-in's control API (t/razorpay/),
 * refunds, and read-only checks in payment_db (PAYMENT_DATABASE_URL).
 *
 * t_pay_init first, in the suite's setup: it reads RAZORPAY_STUB_PORT and
 * keeps the product the orders are made of (base price at most the
 * seller prices the suite uses). */
#ifndef T_PAY_H
#define T_PAY_H
#include "http.h"
#include <stdbool.h>

#define T_PAY_DB "PAYMENT_DATABASE_URL"

/* One order with its payment and Razorpay order. */
struct t_checkout {
	char order[64];
	char pay[64];
	char rzp_order[64];
};

/* 0, or -1 after printing why (no product, no stand-in port, or the
 * stand-in does not answer). */
int t_pay_init(const char *product);
/* A new product named after prefix, base price 1000.00, plenty of stock,
 * made by admin: its id (malloc'd), or NULL after printing why. */
char *t_pay_product(const char *admin, const char *prefix);

/* POST http://127.0.0.1:$RAZORPAY_STUB_PORT + path with a JSON body. */
long t_stub_post(struct resp *rs, const char *path, const char *json);
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

#endif
