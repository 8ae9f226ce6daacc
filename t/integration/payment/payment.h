/* it_payment: the payment service through the gateway, against the
 * Razorpay stand-in and real orders.  One file per concern, run in this
 * order:
 *
 *	create.c    POST /payments/razorpay/create-order
 *	verify.c    POST /payments/verify
 *	webhook.c   POST /payments/webhook
 *	reads.c     GET /payments/:id, /payments/order/:orderId
 *	refunds.c   POST /payments/:id/refund and refund webhooks
 *
 * main.c holds the users and the product the cases share (the purchase
 * steps are t/lib/pay.h's). */
#ifndef IT_PAYMENT_H
#define IT_PAYMENT_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"

#define DB T_PAY_DB

/* A minted customer: its id and token. */
struct user {
	char id[37];
	char *token;
};

extern char *admin;
extern struct user cust_a, cust_b;
extern char *product;             /* base price 1000.00, plenty of stock */
extern const char *hook_secret;   /* RAZORPAY_WEBHOOK_SECRET */
extern const char *key_id;        /* RAZORPAY_KEY_ID */

/* POST /payments/razorpay/create-order as token, with an Idempotency-Key
 * when key is not NULL. */
long create_order(struct resp *rs, const char *token, const char *body, const char *key);

extern const struct t_suite payment_create_suite, payment_verify_suite, payment_webhook_suite,
    payment_reads_suite, payment_refunds_suite;

#endif
