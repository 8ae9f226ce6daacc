/* The notification providers' stand-ins that scripts/test.sh starts:
 *
 * - SMTP (t/smtp/README.md; SMTP_STUB_PORT, SMTP_STUB_DIR, SMTP_USER,
 *   SMTP_PASSWORD): a raw session for protocol checks, the XCTL control
 *   verb, and the message files (one per accepted message, numbered from
 *   1, D/000001.eml);
 * - Twilio and Meta's WhatsApp Cloud API (t/notify-stub/README.md;
 *   NOTIFY_STUB_PORT): the /_stub/ control calls and the messages list. */
#ifndef T_NOTIFY_H
#define T_NOTIFY_H
#include <stdbool.h>
#include <stddef.h>
#include "http.h"

/* ---- SMTP: a raw session ---- */

/* Connects to the stand-in and reads its 220: the socket, or -1 after
 * printing why. */
int t_smtp_open(void);
/* Sends line + CRLF (line NULL: sends nothing) and reads one whole reply
 * (every line of a multi-line one) into reply (NULL: not kept; cut to
 * cap).  Its code, or -1 when the connection broke or 5 s passed. */
int t_smtp_cmd(int fd, const char *line, char *reply, size_t cap);
/* Sends bytes as they are (DATA, or a pipelined burst).  False on error. */
bool t_smtp_send(int fd, const char *bytes, size_t n);
/* QUIT, then closes fd (-1: nothing). */
void t_smtp_close(int fd);
/* EHLO and AUTH PLAIN with SMTP_USER/SMTP_PASSWORD on a new session: the
 * socket, or -1 after recording the failed assertion. */
int t_smtp_login(void);

/* ---- SMTP: control (XCTL, on a connection of its own) ---- */

/* Sends line ("XCTL FAIL DATA 2 451") then QUIT: the reply's code, or -1. */
int t_smtp_ctl(const char *line);
/* XCTL COUNT: messages accepted since the stand-in started, or -1. */
long t_smtp_accepted(void);

/* ---- SMTP: the message files ---- */

/* The highest message number on disk, 0 when none: take it before
 * acting, then look at what comes after it. */
int t_smtp_last(void);
/* How many message files there are. */
int t_smtp_count(void);
/* Message number seq, the whole file (the stand-in's X-Stub-* lines, then
 * the DATA bytes): malloc'd and NUL-terminated (the caller frees), its
 * length into *len (len may be NULL); NULL when there is no such file. */
char *t_smtp_read(int seq, size_t *len);
/* In a file read by t_smtp_read: where the DATA bytes begin (past the
 * X-Stub-Mail-From and X-Stub-Rcpt-To lines). */
const char *t_smtp_data(const char *file);
/* The file's X-Stub-Mail-From path ("<a@x>") into out; false when none. */
bool t_smtp_from(const char *file, char *out, size_t cap);
/* The file names rcpt ("b@y" or "<b@y>", any case) as a recipient. */
bool t_smtp_has_rcpt(const char *file, const char *rcpt);
/* The numbers of the messages after `after` that have rcpt as a recipient
 * (rcpt NULL: every one), in order: up to max into seqs (seqs may be NULL
 * when max is 0); how many there are. */
int t_smtp_find(const char *rcpt, int after, int *seqs, int max);
/* Polls every 50 ms for up to secs until at least n messages after
 * `after` are to rcpt (NULL: any): how many there are then. */
int t_smtp_wait(const char *rcpt, int after, int n, double secs);

/* ---- Twilio and WhatsApp (notify-stub) ---- */

/* POST http://127.0.0.1:$NOTIFY_STUB_PORT + path with a JSON body (NULL:
 * none); t_notify_get: GET. */
long t_notify_post(struct resp *rs, const char *path, const char *json);
long t_notify_get(struct resp *rs, const char *path);
/* POST /_stub/fault {"provider":provider<members>} (members: more of the
 * object, ",\"fail\":2,\"status\":500"); true on its 200. */
bool t_notify_fault(const char *provider, const char *members);
/* POST /_stub/reset; true on its 200.  It forgets every message: a suite
 * that shares the stand-in with a sender counts from a mark instead. */
bool t_notify_reset(void);
/* GET /_stub/messages?provider=provider into rs: its "total" (-1 when the
 * call failed); rs->json holds {"data":[{id,to,from,body,at,type}],
 * "total","calls"}. */
long t_notify_messages(struct resp *rs, const char *provider);
/* Polls every 50 ms for up to secs until the provider's total reaches n:
 * the total then (-1 when the stand-in does not answer). */
long t_notify_wait(const char *provider, long n, double secs);
/* A provider's API call as the stack's sender makes it, with the stack's
 * credentials (TWILIO_*, WHATSAPP_*): t_twilio_send POSTs the form To,
 * From (TWILIO_FROM) and Body, every value percent-encoded (to NULL: no
 * To); t_whatsapp_send POSTs json as it is. */
long t_twilio_send(struct resp *rs, const char *to, const char *body);
/* "Authorization: Basic base64(TWILIO_ACCOUNT_SID:TWILIO_AUTH_TOKEN)" into
 * out; returns out. */
char *t_twilio_basic(char *out, size_t n);
long t_whatsapp_send(struct resp *rs, const char *json);

#endif
