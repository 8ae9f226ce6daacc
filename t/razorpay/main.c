/* razorpay-stub: the Razorpay stand-in the tests run (t/razorpay/README.md).
 * A FastCGI pool on common/'s server_main like every service, without a
 * database; scripts/test.sh starts it and serves it on its own loopback
 * port (RAZORPAY_STUB_PORT). */
#include "stub.h"
#include "config.h"
#include "server.h"
#include <stdio.h>

/* Unknown /v1 URLs get Razorpay's answer, not the router's 404. */
#define V1_ANY(method) \
	{ method, "/v1/:a", ROUTE_PUBLIC, api_not_found, 0, NULL }, \
	{ method, "/v1/:a/:b", ROUTE_PUBLIC, api_not_found, 0, NULL }, \
	{ method, "/v1/:a/:b/:c", ROUTE_PUBLIC, api_not_found, 0, NULL }, \
	{ method, "/v1/:a/:b/:c/:d", ROUTE_PUBLIC, api_not_found, 0, NULL }

static const struct route routes[] = {
	/* Razorpay's REST API (Basic auth, checked by each handler) */
	{ "POST", "/v1/orders",                ROUTE_PUBLIC, api_orders_create, 0, NULL },
	{ "GET",  "/v1/orders/:id",            ROUTE_PUBLIC, api_orders_get, 0, NULL },
	{ "GET",  "/v1/orders/:id/payments",   ROUTE_PUBLIC, api_orders_payments, 0, NULL },
	{ "GET",  "/v1/payments/:id",          ROUTE_PUBLIC, api_payments_get, 0, NULL },
	{ "POST", "/v1/payments/:id/capture",  ROUTE_PUBLIC, api_payments_capture, 0, NULL },
	{ "POST", "/v1/payments/:id/refund",   ROUTE_PUBLIC, api_payments_refund, 0, NULL },
	{ "GET",  "/v1/payments/:id/refunds",  ROUTE_PUBLIC, api_payment_refunds, 0, NULL },
	{ "GET",  "/v1/refunds/:id",           ROUTE_PUBLIC, api_refunds_get, 0, NULL },
	{ "POST", "/v1/payouts",               ROUTE_PUBLIC, api_payouts_create, 0, NULL },
	{ "GET",  "/v1/payouts/:id",           ROUTE_PUBLIC, api_payouts_get, 0, NULL },
	V1_ANY("GET"), V1_ANY("POST"), V1_ANY("PATCH"), V1_ANY("PUT"), V1_ANY("DELETE"),
	/* the tests' control API */
	{ "GET",  "/_stub/health",             ROUTE_PUBLIC, ctl_health, 0, NULL },
	{ "POST", "/_stub/pay",                ROUTE_PUBLIC, ctl_pay, 0, NULL },
	{ "POST", "/_stub/webhook",            ROUTE_PUBLIC, ctl_webhook, 0, NULL },
	{ "POST", "/_stub/fault",              ROUTE_PUBLIC, ctl_fault, 0, NULL },
	{ "POST", "/_stub/payout",             ROUTE_PUBLIC, ctl_payout, 0, NULL },
	{ "POST", "/_stub/refund",             ROUTE_PUBLIC, ctl_refund, 0, NULL },
	{ "GET",  "/_stub/state",              ROUTE_PUBLIC, ctl_state, 0, NULL },
};

static const struct service stub = {
	.name = "razorpay-stub",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
};

int
main(int argc, char **argv)
{
	static const char *const need[] = { "RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET",
		"RAZORPAY_WEBHOOK_SECRET", "RAZORPAYX_WEBHOOK_SECRET", NULL };
	for (const char *const *n = need; *n; n++) {
		if (config_str(*n, NULL) == NULL) {
			fprintf(stderr, "razorpay-stub: %s must be set\n", *n);
			return 1;
		}
	}
	/* Before server_main forks: every worker inherits the mapping. */
	if (st_init() != 0)
		return 1;
	return server_main(argc, argv, &stub);
}
