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
	N__MAX
};
extern const struct stmt notification_stmts[N__MAX];
#define N(id) (&notification_stmts[id])

/* Timestamps leave as ISO 8601 UTC with milliseconds. */
#define ISO(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* ---- preferences.c ---- */
void preferences_get(struct req *r);       /* GET /notifications/preferences */
void preferences_patch(struct req *r);     /* PATCH /notifications/preferences */

#endif
