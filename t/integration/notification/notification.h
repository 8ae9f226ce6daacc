/* it_notification: the notification service through the gateway.  One
 * file per resource, run in this order:
 *
 *	preferences.c    GET and PATCH /notifications/preferences
 *	notifications.c  GET /notifications, GET /notifications/:id, the
 *	                 admin's POST /notifications/:id/retry
 *	events.c         POST /internal/notification/events, the consumer, fed
 *	                 by hand (repeats, no recipient, channels off, auth's
 *	                 lookup, bad payloads, each event's messages)
 *	purchase.c       through the gateway and the relay: registration's
 *	                 welcome (a CR/LF name, a Devanagari one), a whole
 *	                 purchase and a payout, the customer's and the
 *	                 reseller's rows, and what the sender delivered to the
 *	                 stand-ins (delivered.c: each row once, nothing else)
 *
 * main.c holds what the files share: the admin token, a fresh user's
 * token, and the readers of the rows the consumer writes. */
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

/* The channels of user's notifications of type, sorted, one entry per row
 * ("EMAIL,WHATSAPP"; "" for none), malloc'd; NULL on a database error. */
char *note_channels(const char *user, const char *type);
/* Polls note_channels until it is want, for up to 20 s; true when it was. */
bool note_wait(const char *user, const char *type, const char *want);
/* Column col ("subject", "body" or "recipient") of user's newest
 * notification of type on channel (malloc'd), or NULL. */
char *note_field(const char *user, const char *type, const char *channel, const char *col);
/* Asserts that column col of user's newest notification of type on
 * channel is want (NOTE_IS; NULL: none or SQL NULL) or contains it
 * (NOTE_HAS); NOTES_ARE: that note_channels is want. */
void note_check(const char *user, const char *type, const char *channel, const char *col,
    const char *want, bool part, const char *file, int line);
void notes_check(const char *user, const char *type, const char *want, const char *file,
    int line);
#define NOTE_IS(user, type, channel, col, want) \
	note_check((user), (type), (channel), (col), (want), false, __FILE__, __LINE__)
#define NOTE_HAS(user, type, channel, col, part) \
	note_check((user), (type), (channel), (col), (part), true, __FILE__, __LINE__)
#define NOTES_ARE(user, type, want) notes_check((user), (type), (want), __FILE__, __LINE__)

/* delivered.c: what reached the stand-ins for user, against its rows.
 * delivered_all_sent waits (30 s) until every row of user is SENT. */
bool delivered_all_sent(const char *user);
/* Each email at the SMTP stand-in to address is one of user's EMAIL rows
 * (subject and body), each row once. */
void delivered_mailbox(const char *user, const char *address);
/* Each message of provider ("twilio", "whatsapp") to `to` (as the provider
 * has it: "+9198..." at Twilio, digits at Meta) is one of user's rows of
 * channel, each row once. */
void delivered_texts(const char *user, const char *provider, const char *channel,
    const char *to);

extern const struct t_suite notification_preferences_suite;
extern const struct t_suite notification_notifications_suite;
extern const struct t_suite notification_events_suite;
extern const struct t_suite notification_purchase_suite;

#endif
