/* The notification service: each user's contact and channel preferences,
 * and one notification per (event, recipient, channel), on
 * notification_db (fcgi/notification/README.md has the design).  The
 * sender daemon (workers/sender.c) delivers what is recorded here. */
#ifndef NOTIFICATION_H
#define NOTIFICATION_H
#include "db.h"
#include "json.h"
#include "req.h"
#include "router.h"

enum notification_stmt {
	N_PREFS_GET,
	N_PREFS_SET,
	N_LIST,
	N_GET,
	N_RETRY,
	N_RECIPIENT,
	N_CONTACT_PUT,
	N_NOTE_INSERT,
	N_DUE,
	N__MAX
};
extern const struct stmt notification_stmts[N__MAX];
#define N(id) (&notification_stmts[id])

/* Timestamps leave as ISO 8601 UTC with milliseconds. */
#define ISO(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define NOTE_COLS \
	"n.id, n.user_id, n.type, n.channel, n.recipient, n.subject, n.body, n.status, " \
	"n.attempts, n.last_error, n.provider_message_id, n.event_id, " \
	ISO("n.created_at") " AS created_at, " ISO("n.sent_at") " AS sent_at, " \
	ISO("n.next_attempt_at") " AS next_attempt_at"

/* ---- preferences.c ---- */
void preferences_get(struct req *r);       /* GET /notifications/preferences */
void preferences_patch(struct req *r);     /* PATCH /notifications/preferences */

/* ---- notifications.c ---- */
void notifications_list(struct req *r);    /* GET /notifications */
extern const struct qparam notifications_list_query[];
void notifications_get(struct req *r);     /* GET /notifications/:id */
void notifications_retry(struct req *r);   /* POST /notifications/:id/retry */

/* ---- events.c ---- */
void notification_events(struct req *r);   /* POST /internal/notification/events */
/* ---- health.c ---- */
/* GET /notifications/health's queue: {"due": N, "oldestDueSeconds": S}. */
void notifications_health_put(struct req *r, struct jw *w);

#endif
