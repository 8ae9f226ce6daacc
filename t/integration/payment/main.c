/* The payment service through the gateway, against the Razorpay stand-in
 * (t/razorpay/, served by scripts/test.sh on RAZORPAY_STUB_PORT) and real
 * orders (POST /orders, the order service): the suite it_payment, one file
 * per concern (payment.h lists them).  The reconcile job is
 * it_payment_reconcile (payment_reconcile.c).
 *
 * Effects are checked in payment_db read-only (t_db_count on
 * PAYMENT_DATABASE_URL): the payment's status and its outbox rows.  The
 * stand-in's POST /_stub/pay plays the customer in Checkout and answers
 * the signature Checkout would hand the browser; POST /_stub/webhook sends
 * Razorpay's signed events to the gateway.  This file: the users and
 * product the cases share. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "payment.h"
#include "crypto.h"
#include "token.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *admin;
struct user cust_a, cust_b;
char *product;             /* base price 1000.00, plenty of stock */
const char *hook_secret;   /* RAZORPAY_WEBHOOK_SECRET */
const char *key_id;        /* RAZORPAY_KEY_ID */

long
create_order(struct resp *rs, const char *token, const char *body, const char *key)
{
	char h[200];
	if (key == NULL)
		return t_post_json(rs, "/payments/razorpay/create-order", token, body);
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	return t_http(rs, "POST", "/payments/razorpay/create-order", token, "application/json",
	    body, strlen(body), h, (char *)NULL);
}

static int
suite_init(void)
{
	hook_secret = t_env("RAZORPAY_WEBHOOK_SECRET");
	key_id = t_env("RAZORPAY_KEY_ID");
	if (hook_secret == NULL || key_id == NULL || t_env(DB) == NULL)
		return -1;

	char sub[37];
	crypto_uuid4(sub);
	admin = t_mint(sub, "payment-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	crypto_uuid4(cust_a.id);
	cust_a.token = t_mint(cust_a.id, "payment-a@example.com", ROLE_CUSTOMER, TOKEN_ACCESS,
	    3600, 0, NULL);
	crypto_uuid4(cust_b.id);
	cust_b.token = t_mint(cust_b.id, "payment-b@example.com", ROLE_CUSTOMER, TOKEN_ACCESS,
	    3600, 0, NULL);
	product = t_pay_product(admin, "payment-product");
	return t_pay_init(product) == 0 && admin && cust_a.token && cust_b.token ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(cust_a.token);
	free(cust_b.token);
	free(product);
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&payment_create_suite,
	&payment_verify_suite,
	&payment_webhook_suite,
	&payment_reads_suite,
	&payment_refunds_suite,
};

int
main(void)
{
	return t_run_suites("payment", suites, T_NCASES(suites), suite_init, suite_clean);
}
