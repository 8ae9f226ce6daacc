/* The notification service through the gateway: the suite it_notification,
 * one file per resource (notification.h lists them).
 *
 * Users: tokens are minted (the service keeps no user of its own, and
 * preferences need none registered), each case with a fresh user id so
 * that no case sees another's rows; purchase.c registers its users through
 * auth.  This file: the tokens and the helpers the files share. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "notification.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>

char *admin;

char *
user_new(enum role role, char *id)
{
	char sub[37], email[80];
	crypto_uuid4(sub);
	snprintf(email, sizeof email, "notify-%.8s@example.com", sub);
	if (id != NULL)
		snprintf(id, 37, "%s", sub);
	return t_mint(sub, email, role, TOKEN_ACCESS, 3600, 0, NULL);
}

#define CHANNELS_SQL \
	"SELECT coalesce(string_agg(channel, ',' ORDER BY channel), '') FROM notifications " \
	"WHERE user_id = $1 AND type = $2"

char *
note_channels(const char *user, const char *type)
{
	return t_db_value(NOTIFY_DB, CHANNELS_SQL, user, type, NULL);
}

bool
note_wait(const char *user, const char *type, const char *want)
{
	return t_db_wait(NOTIFY_DB, want, 20000, CHANNELS_SQL, user, type, NULL);
}

char *
note_field(const char *user, const char *type, const char *channel, const char *col)
{
	return t_db_value(NOTIFY_DB, "SELECT CASE $4 WHEN 'subject' THEN subject "
	    "WHEN 'body' THEN body WHEN 'recipient' THEN recipient END FROM notifications "
	    "WHERE user_id = $1 AND type = $2 AND channel = $3 ORDER BY created_at DESC LIMIT 1",
	    user, type, channel, col, NULL);
}

void
note_check(const char *user, const char *type, const char *channel, const char *col,
    const char *want, bool part, const char *file, int line)
{
	char *got = note_field(user, type, channel, col);
	if (part)
		t_check(t_contains(got, want), file, line, "%s %s %s: \"%s\" in \"%s\"", type,
		    channel, col, want, got ? got : "(none)");
	else
		t_check_str(got, want, col, file, line);
	free(got);
}

void
notes_check(const char *user, const char *type, const char *want, const char *file, int line)
{
	char *got = note_channels(user, type);
	t_check_str(got, want, type, file, line);
	free(got);
}

static int
suite_init(void)
{
	admin = user_new(ROLE_ADMIN, NULL);
	return admin != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&notification_preferences_suite,
	&notification_notifications_suite,
	&notification_events_suite,
	&notification_purchase_suite,
};

int
main(void)
{
	return t_run_suites("notification", suites, T_NCASES(suites), suite_init, suite_clean);
}
