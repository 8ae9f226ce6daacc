/* What reached the providers' stand-ins for one user, against the user's
 * notification rows: every row SENT, and at the SMTP stand-in (by the
 * user's address), at Twilio's and at Meta's (by the user's number)
 * exactly one message per row of that channel, each the row's own: the
 * subject (RFC 2047 decoded) and the body (quoted-printable decoded) of an
 * email, the body of an SMS or a WhatsApp text.  Used by purchase.c after
 * the whole purchase; needs the stand-ins (SMTP_STUB_DIR,
 * NOTIFY_STUB_PORT) and the stack's sender. */
#include "notification.h"
#include "../../lib/db.h"
#include "../../lib/json.h"
#include "../../lib/mail.h"
#include "../../lib/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long
rows_of(const char *user, const char *channel, const char *status)
{
	return t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE user_id = $1 "
	    "AND channel LIKE $2 AND status LIKE $3", user, channel, status, NULL);
}

/* Waits up to 30 s until every row of user is SENT; true when they are. */
bool
delivered_all_sent(const char *user)
{
	for (int i = 0; i < 600; i++) {
		long long all = rows_of(user, "%", "%");
		if (all > 0 && rows_of(user, "%", "SENT") == all)
			return true;
		usleep(50 * 1000);
	}
	return false;
}

/* Each email to address is one of user's EMAIL rows, each row once. */
void
delivered_mailbox(const char *user, const char *address)
{
	long long rows = rows_of(user, "EMAIL", "SENT");
	int seqs[64];
	int n = t_smtp_find(address, 0, seqs, 64);
	T_EQ_INT(n, rows);
	for (int i = 0; i < n && i < 64; i++) {
		char *file = t_smtp_read(seqs[i], NULL);
		if (!T_ASSERT(file != NULL))
			continue;
		const char *data = t_smtp_data(file);
		char *raw = t_mail_header(data, "Subject");
		char *subject = raw ? t_mail_words(raw) : NULL;
		char *body = t_mail_qp(t_mail_body(data));
		char *to = t_mail_header(data, "To");
		T_ASSERT(to != NULL && strstr(to, address) != NULL);
		T_EQ_INT(t_mail_header_count(data, "Subject"), 1);
		T_EQ_INT(t_mail_header_count(data, "Bcc"), 0);
		t_check(subject != NULL && body != NULL && t_db_count(NOTIFY_DB,
		    "SELECT count(*) FROM notifications WHERE user_id = $1 AND channel = 'EMAIL' "
		    "AND subject = $2 AND rtrim(body, E'\\n') = rtrim($3, E'\\n')", user, subject,
		    body, NULL) == 1, __FILE__, __LINE__,
		    "message %d to %s (subject \"%s\") is not one of the user's rows", seqs[i],
		    address, subject ? subject : "(none)");
		free(raw);
		free(subject);
		free(body);
		free(to);
		free(file);
	}
}

/* Each message of provider ("twilio", "whatsapp") to `to` is one of
 * user's rows of channel, each row once. */
void
delivered_texts(const char *user, const char *provider, const char *channel, const char *to)
{
	long long rows = rows_of(user, channel, "SENT");
	struct resp rs;
	long total = t_notify_messages(&rs, provider);
	int mine = 0;
	for (long i = 0; i < total; i++) {
		char path[64];
		snprintf(path, sizeof path, "data.%ld.to", i);
		const char *t = t_jstr(rs.json, path);
		if (t == NULL || strcmp(t, to) != 0)
			continue;
		mine++;
		snprintf(path, sizeof path, "data.%ld.body", i);
		const char *body = t_jstr(rs.json, path);
		t_check(body != NULL && t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications "
		    "WHERE user_id = $1 AND channel = $2 AND body = $3", user, channel, body, NULL) == 1,
		    __FILE__, __LINE__, "%s message to %s is not one of the user's rows: %.120s",
		    provider, to, body ? body : "(none)");
	}
	T_EQ_INT(mine, rows);
	t_resp_free(&rs);
}
