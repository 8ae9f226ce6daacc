/* The sender's decisions and formats, as plain functions over plain data:
 * the backoff, what a provider's answer means (sent, try again, refused
 * for good), the email as RFC 5322 text (quoted-printable body, RFC 2047
 * subject), Twilio's form, Meta's JSON, and reading their answers.
 * workers/sender.c and sender_send.c do the I/O around them;
 * t/unit/sender.c tests them. */
#ifndef SENDER_RULES_H
#define SENDER_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "arena.h"
#include "json.h"

#define SENDER_BACKOFF_CAP_MS 3600000L   /* an hour */

/* Milliseconds before the next attempt, after attempt number attempts
 * (1 for the first) failed: base_ms doubling (base, 2 base, 4 base...),
 * capped at an hour, spread by jitter (0..255: -25 % to +25 %, and never
 * past the cap) so that retries of many messages spread out. */
long sender_backoff_ms(long attempts, long base_ms, unsigned char jitter);

/* What became of one attempt. */
enum sender_verdict {
	SV_SENT,        /* the provider took it */
	SV_RETRY,       /* transport error, timeout, 5xx, 429, SMTP 4xx: again later */
	SV_REFUSED      /* refused for good: HTTP 4xx but 429, SMTP 5xx */
};
/* An HTTP provider's answer (status 0: no answer). */
enum sender_verdict sender_http_verdict(long status);
/* An SMTP server's last reply code (0: no reply, a transport failure),
 * and whether the message was accepted. */
enum sender_verdict sender_smtp_verdict(long code, bool accepted);

/* The row's status after an attempt number attempts (1 for the first):
 * "SENT", "FAILED" (refused, or the last of max_attempts failed), or
 * "PENDING" (tried again later). */
const char *sender_status_after(enum sender_verdict v, long attempts, long max_attempts);

/* ---- email ---- */

/* The parts of a From header: "Shop <no-reply@shop.example>" or a bare
 * address.  0, or -1 when it has no address that could be sent from. */
struct sender_from {
	char name[128];   /* "" when none */
	char addr[256];
	char domain[256]; /* the address's, for Message-IDs */
};
int sender_from_parse(const char *from, struct sender_from *out);

/* Whether an address can go on an envelope and in a To header as it is:
 * local@domain, printable ASCII without spaces, quotes, brackets, commas
 * or semicolons, at most 254 bytes. */
bool sender_addr_ok(const char *addr);

/* RFC 5322 date ("Thu, 01 Jan 2026 00:00:00 +0000"), in UTC, into out. */
void sender_mail_date(time_t t, char out[40]);

/* Text for a header field's value: control characters (CR and LF above
 * all) become spaces and invalid UTF-8 becomes '?'; printable ASCII text
 * is kept as it is, anything else (or text that looks like an encoded
 * word, or longer than 900 bytes) becomes RFC 2047 encoded words
 * (=?UTF-8?B?...?=, at most 75 characters each, a character never split,
 * folded with CRLF SP).  Appended to out. */
void sender_header_text(struct buf *out, const char *text);

/* text as quoted-printable (RFC 2045): line breaks (LF, CRLF or CR)
 * become CRLF, lines at most 76 characters with soft breaks, '=' and
 * every byte outside printable ASCII as =XX, a space or tab ending a line
 * as =20/=09, and a '.' starting a line as =2E.  Appended to out. */
void sender_qp(struct buf *out, const char *text);

/* One email, as it is sent. */
struct sender_mail {
	const struct sender_from *from;
	const char *to;        /* the address */
	const char *subject;   /* NULL: none */
	const char *body;
	const char *id;        /* the notification's id: the Message-ID's left part */
	time_t date;
};
/* The message (headers, a blank line, the quoted-printable body, CRLF
 * line ends) into out.  Message-ID <id@from's domain>: the same for every
 * attempt at one notification, so a resend is recognisable.  0, or -1
 * (the recipient or the id cannot go in a header) with why. */
int sender_mail_build(const struct sender_mail *m, struct buf *out, char *why, size_t n);

/* ---- SMS (Twilio) and WhatsApp (Meta) ---- */

/* application/x-www-form-urlencoded: every byte but A-Z a-z 0-9 - . _ ~
 * as %XX.  Appended to out. */
void sender_form_value(struct buf *out, const char *s);
/* Twilio's Messages form: To, From, Body. */
void sender_twilio_form(struct buf *out, const char *to, const char *from, const char *body);

/* The digits of a phone number (Meta wants "919812345678" for
 * "+91 98123 45678") into out (n bytes); how many, 0 when none or too
 * many (more than 15). */
size_t sender_digits(const char *phone, char *out, size_t n);
/* Meta's text message: {"messaging_product":"whatsapp","recipient_type":
 * "individual","to":digits,"type":"text","text":{"preview_url":false,
 * "body":body}}. */
void sender_meta_json(struct buf *out, const char *digits, const char *body);
/* WHATSAPP_TEMPLATE ("order_update:en": an approved template's name, a
 * colon, its language code) into name and lang; 0, or -1 when malformed. */
int sender_wa_template_parse(const char *s, char name[128], char lang[16]);
/* Meta's template message: the template name in lang, its body's one
 * parameter the message's text on one line (Meta refuses a parameter with
 * a line break, a tab or a run of spaces: each run of them becomes one
 * space), cut at a character to 1,000 bytes:
 * {"messaging_product":"whatsapp","recipient_type":"individual","to":digits,
 * "type":"template","template":{"name":name,"language":{"code":lang},
 * "components":[{"type":"body","parameters":[{"type":"text","text":...}]}]}}. */
void sender_meta_template_json(struct buf *out, const char *digits, const char *name,
    const char *lang, const char *body);

/* The provider's id for a message it took: Twilio's "sid", Meta's
 * "messages"[0]."id"; NULL when the answer has none. */
const char *sender_twilio_sid(const struct jv *answer);
const char *sender_meta_id(const struct jv *answer);

/* What the provider said when it did not take a message, for last_error
 * (no control characters, at most about 300 bytes): "HTTP 400: 21211 The
 * 'To' number is not valid" from Twilio's {code, message} or Meta's
 * {error: {code, message}}; else the status and the start of the body. */
const char *sender_http_error(struct arena *a, long status, const char *body,
    const struct jv *answer);
/* The same for SMTP: "SMTP 550: 5.1.1 no such user" from the server's
 * last reply line ("550 5.1.1 no such user"); transport, when not NULL
 * and there was no reply, says why ("SMTP: Timeout was reached"). */
const char *sender_smtp_error(struct arena *a, long code, const char *reply,
    const char *transport);

/* One line of the log channel (a channel with no provider): a JSON object
 * with the time, the notification and its message, no secret.  Appended
 * to out, without the newline. */
struct sender_logged {
	const char *id, *user_id, *type, *channel, *to, *subject, *body;
	time_t at;
};
void sender_log_line(struct buf *out, const struct sender_logged *m);

#endif
