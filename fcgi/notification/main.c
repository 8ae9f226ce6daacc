/* notification: contacts, channel preferences and the notifications the
 * sender delivers, on notification_db. */
#include "notification.h"
#include "server.h"

/* A user's preferences: the row's, or the defaults without one. */
#define PREFS_COLS "p.email, p.sms, p.whatsapp"

const struct stmt notification_stmts[N__MAX] = {
	/* One row always: $1 the user. */
	[N_PREFS_GET] = { "prefs_get",
	    "SELECT coalesce(p.email, true) AS email, coalesce(p.sms, false) AS sms, "
	    "coalesce(p.whatsapp, true) AS whatsapp FROM (SELECT $1::uuid AS user_id) u "
	    "LEFT JOIN preferences p USING (user_id)", 1, true },
	/* $2..$4 email, sms, whatsapp, each NULL to keep (or default). */
	[N_PREFS_SET] = { "prefs_set",
	    "INSERT INTO preferences AS p (user_id, email, sms, whatsapp) VALUES ($1::uuid, "
	    "coalesce($2::boolean, true), coalesce($3::boolean, false), "
	    "coalesce($4::boolean, true)) ON CONFLICT (user_id) DO UPDATE SET "
	    "email = coalesce($2::boolean, p.email), sms = coalesce($3::boolean, p.sms), "
	    "whatsapp = coalesce($4::boolean, p.whatsapp), updated_at = now() "
	    "RETURNING " PREFS_COLS, 4, false },
};

static const struct route routes[] = {
	{ "GET",   "/notifications/health",      ROUTE_PUBLIC, server_health, 0, NULL },
	{ "GET",   "/notifications/preferences", ROLE_ANY, preferences_get, 0, NULL },
	{ "PATCH", "/notifications/preferences", ROLE_ANY, preferences_patch, 0, NULL },
};

static const struct service notification = {
	.name = "notification",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = notification_stmts,
	.nstmts = N__MAX,
	.cli = NULL,
	.audit = NULL,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &notification);
}
