/* notification: contacts, channel preferences and the notifications the
 * sender delivers, on notification_db. */
#include "notification.h"
#include "server.h"

/* A user's preferences: the row's, or the defaults without one. */
#define PREFS_COLS "p.email, p.sms, p.whatsapp"

/* The list's filter: $1 the user, $2 status, $3 channel, $4 type. */
#define LIST_WHERE \
	"n.user_id = $1::uuid AND ($2::text IS NULL OR n.status = $2) " \
	"AND ($3::text IS NULL OR n.channel = $3) AND ($4::text IS NULL OR n.type = $4)"

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
	/* A page of one user's ($1) notifications and the filtered total,
	 * newest first: $2 status, $3 channel, $4 type (each NULL: any), $5
	 * skip, $6 take; one row (id NULL) for an empty page. */
	[N_LIST] = { "note_list",
	    "SELECT c.total, q.* FROM (SELECT count(*) AS total FROM notifications n WHERE "
	    LIST_WHERE ") c LEFT JOIN LATERAL (SELECT " NOTE_COLS " FROM notifications n "
	    "WHERE " LIST_WHERE " ORDER BY n.created_at DESC, n.id DESC OFFSET $5 LIMIT $6) q "
	    "ON true ORDER BY q.created_at DESC, q.id DESC", 6, true },
	/* $2 the owner it must have, NULL for any (an admin). */
	[N_GET] = { "note_get",
	    "SELECT " NOTE_COLS " FROM notifications n WHERE n.id = $1 "
	    "AND ($2::uuid IS NULL OR n.user_id = $2::uuid)", 2, true },
	/* A FAILED notification goes back to PENDING, due now, its attempts
	 * and last error kept; no row: it is not FAILED (or not there). */
	[N_RETRY] = { "note_retry",
	    "UPDATE notifications n SET status = 'PENDING', next_attempt_at = now() "
	    "WHERE n.id = $1 AND n.status = 'FAILED' RETURNING " NOTE_COLS, 1, false },
	/* One row always: whether user $1 has a contact, the contact, and the
	 * preferences (the defaults without a row). */
	[N_RECIPIENT] = { "recipient",
	    "SELECT c.user_id IS NOT NULL AS known, c.email, c.phone, c.first_name, "
	    "coalesce(p.email, true) AS p_email, coalesce(p.sms, false) AS p_sms, "
	    "coalesce(p.whatsapp, true) AS p_whatsapp FROM (SELECT $1::uuid AS user_id) u "
	    "LEFT JOIN contacts c USING (user_id) LEFT JOIN preferences p USING (user_id)",
	    1, true },
	/* $2..$4 email, phone, first name; $5 true: replace a stored contact
	 * (USER_REGISTERED), false: keep it (an answer from auth). */
	[N_CONTACT_PUT] = { "contact_put",
	    "INSERT INTO contacts AS c (user_id, email, phone, first_name) "
	    "VALUES ($1::uuid, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET "
	    "email = excluded.email, phone = excluded.phone, first_name = excluded.first_name, "
	    "updated_at = now() WHERE $5::boolean", 5, false },
	/* One (event, user, channel) once, whatever the relay repeats. */
	[N_NOTE_INSERT] = { "note_insert",
	    "INSERT INTO notifications (user_id, type, channel, recipient, subject, body, "
	    "event_id) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::uuid) "
	    "ON CONFLICT (event_id, user_id, channel) DO NOTHING", 7, false },
	/* The sender's queue: rows due and not sent yet, and how long the
	 * oldest has been due (the partial index notifications_due). */
	[N_DUE] = { "note_due",
	    "SELECT count(*) AS due, coalesce(floor(extract(epoch FROM "
	    "now() - min(next_attempt_at)))::bigint, 0) AS oldest FROM notifications "
	    "WHERE status = 'PENDING' AND next_attempt_at <= now()", 0, true },
};

static const struct route routes[] = {
	{ "GET",   "/notifications/health",      ROUTE_PUBLIC, server_health, 0, NULL },
	{ "GET",   "/notifications/preferences", ROLE_ANY, preferences_get, 0, NULL },
	{ "PATCH", "/notifications/preferences", ROLE_ANY, preferences_patch, 0, NULL },
	{ "GET",   "/notifications",             ROLE_ANY, notifications_list, 0,
	  notifications_list_query },
	{ "GET",   "/notifications/:id",         ROLE_ANY, notifications_get, 0, NULL },
	{ "POST",  "/notifications/:id/retry",   ROLE_ADMIN, notifications_retry, 0, NULL },
	{ "POST",  "/internal/notification/events", ROUTE_PUBLIC, notification_events,
	  ROUTE_INTERNAL, NULL },
};

static const struct service notification = {
	.name = "notification",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = notification_stmts,
	.nstmts = N__MAX,
	.cli = NULL,
	.audit = NULL,
	.health = notifications_health_put,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &notification);
}
