/* notify-stub: the Twilio and WhatsApp Cloud API stand-in the tests run
 * (t/notify-stub/README.md).  A FastCGI pool on common/'s server_main
 * without a database; scripts/test.sh starts it and serves it on its own
 * loopback port (NOTIFY_STUB_PORT). */
#include "stub.h"
#include "config.h"
#include "server.h"
#include <stdio.h>

static const char *const providers[] = { "twilio", "whatsapp", NULL };
static const struct qparam messages_q[] = {
	{ "provider", QP_ENUM, 0, 0, 0, providers },
	{ NULL, 0, 0, 0, 0, NULL },
};

/* Other paths under a provider's prefix get its not-found answer. */
#define ANY(prefix, fn) \
	{ "GET", prefix "/:a", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "POST", prefix "/:a", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "GET", prefix "/:a/:b", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "POST", prefix "/:a/:b", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "GET", prefix "/:a/:b/:c", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "POST", prefix "/:a/:b/:c", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "GET", prefix "/:a/:b/:c/:d", ROUTE_PUBLIC, fn, 0, NULL }, \
	{ "POST", prefix "/:a/:b/:c/:d", ROUTE_PUBLIC, fn, 0, NULL }

static const struct route routes[] = {
	/* the providers (each handler checks the provider's credentials) */
	{ "POST", "/2010-04-01/Accounts/:sid/Messages.json", ROUTE_PUBLIC, tw_messages_create, 0, NULL },
	{ "POST", "/v19.0/:phone/messages",    ROUTE_PUBLIC, wa_messages_create, 0, NULL },
	ANY("/2010-04-01", tw_not_found),
	ANY("/v19.0", wa_not_found),
	/* the tests' control API */
	{ "GET",  "/_stub/health",             ROUTE_PUBLIC, ctl_health, 0, NULL },
	{ "POST", "/_stub/fault",              ROUTE_PUBLIC, ctl_fault, 0, NULL },
	{ "POST", "/_stub/reset",              ROUTE_PUBLIC, ctl_reset, 0, NULL },
	{ "GET",  "/_stub/messages",           ROUTE_PUBLIC, ctl_messages, 0, messages_q },
};

static const struct service stub = {
	.name = "notify-stub",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
};

int
main(int argc, char **argv)
{
	static const char *const need[] = { "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
		"WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TOKEN", NULL };
	for (const char *const *n = need; *n; n++) {
		if (config_str(*n, NULL) == NULL) {
			fprintf(stderr, "notify-stub: %s must be set\n", *n);
			return 1;
		}
	}
	/* Before server_main forks: every worker inherits the mapping. */
	if (ns_init() != 0)
		return 1;
	return server_main(argc, argv, &stub);
}
