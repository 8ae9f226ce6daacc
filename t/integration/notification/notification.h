/* it_notification: the notification service through the gateway.  One
 * file per resource, run in this order:
 *
 *	preferences.c    GET and PATCH /notifications/preferences
 *	notifications.c  GET /notifications, GET /notifications/:id, the
 *	                 admin's POST /notifications/:id/retry
 *
 * main.c holds what the files share: the admin token and a fresh user's
 * token. */
#ifndef IT_NOTIFICATION_H
#define IT_NOTIFICATION_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include <stddef.h>

#define NOTIFY_DB "NOTIFICATION_DATABASE_URL"

extern char *admin;

/* A user of its own (a fresh id) with role: its access token (malloc'd)
 * and, when id is not NULL, its id (37 bytes). */
char *user_new(enum role role, char *id);

extern const struct t_suite notification_preferences_suite;
extern const struct t_suite notification_notifications_suite;

#endif
