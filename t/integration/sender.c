/* The sender (workers/sender.c) against the providers' stand-ins: rows are
 * put in notification_db as the notification service records them
 * (PENDING, due now), and what arrives at the stand-ins and what becomes of
 * the rows is checked.
 *
 *   - an email: its headers (From, To, Subject in RFC 2047 with Devanagari
 *     intact, Date, a Message-ID made of the notification's id, MIME) and
 *     its quoted-printable body; a subject with CR/LF adds no header;
 *   - a provider that fails twice: SENT on the third attempt; a permanent
 *     refusal: FAILED after one attempt with the provider's words, and an
 *     admin's retry sends it;
 *   - SMS and WhatsApp in Twilio's and Meta's shapes, the same failures
 *     (500 and 429 twice, a refused number), and an SMS provider that
 *     hangs beside an email that does not wait;
 *   - a channel without a provider: a JSON line in NOTIFY_LOG_FILE;
 *   - the sender's child SIGKILLed during a burst of 500 emails: its
 *     supervisor restarts it and every one is sent, each Message-ID once
 *     but for the one in flight (the count is printed);
 *   - two senders at once: no message twice;
 *   - GET /health: the sender's heartbeat and the wait of the oldest due
 *     notification.
 *
 * The stack runs the sender with NOTIFY_BACKOFF_BASE_MS=100 and
 * NOTIFY_TIMEOUT_MS=2000 (scripts/test.sh). */
#include "../lib/t.h"
#include "../lib/http.h"
#include "../lib/mail.h"
#include "../lib/notify.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define DB "NOTIFICATION_DATABASE_URL"
#define BURST 500

static char *admin;

/* ---- rows and messages ---- */

/* A unique address of this run: "<prefix>-<unique>@example.in". */
static void
address(char *out, size_t n, const char *prefix)
{
	char u[80];
	t_unique(u, sizeof u, prefix);
	snprintf(out, n, "%s@example.in", u);
}

/* A PENDING notification as the service records it (subject "" for
 * none): its id (malloc'd), or NULL. */
static char *
note_put(const char *channel, const char *to, const char *subject, const char *body)
{
	char *id = t_db_write_value(DB, "INSERT INTO notifications (user_id, type, channel, "
	    "recipient, subject, body, event_id) VALUES (gen_random_uuid(), 'ORDER_PAID', $1, $2, "
	    "NULLIF($3, ''), $4, gen_random_uuid()) RETURNING id", channel, to, subject, body,
	    (char *)NULL);
	T_ASSERT(id != NULL);
	return id;
}

/* Waits up to ms for the row's status. */
static bool
status_is(const char *id, const char *status, long ms)
{
	return t_db_wait(DB, status, ms, "SELECT status FROM notifications WHERE id = $1", id,
	    (char *)NULL);
}

/* GET /notifications/:id as the admin: the answer (free it). */
static void
note_get(struct resp *rs, const char *id)
{
	char url[128];
	snprintf(url, sizeof url, "/notifications/%s", id);
	t_get(rs, url, admin);
	T_STATUS(rs, 200);
}

/* The one message after `after` to rcpt (malloc'd), waiting up to 10 s. */
static char *
message_to(const char *rcpt, int after)
{
	int seq;
	if (!T_ASSERT(t_smtp_wait(rcpt, after, 1, 10) == 1) ||
	    t_smtp_find(rcpt, after, &seq, 1) != 1)
		return NULL;
	return t_smtp_read(seq, NULL);
}

/* ---- email ---- */

static void
sender_email_headers_and_body_intact(void)
{
	char to[160];
	address(to, sizeof to, "it-sender-mail");
	int after = t_smtp_last();
	const char *subject = "प्रिया, आपका ऑर्डर ₹1,500.00 का भुगतान हो गया है — धन्यवाद!";
	const char *body = "नमस्ते प्रिया,\nआपका भुगतान ₹1,500.00 मिल गया।\n.\nA line = with an "
	    "equals sign and one long enough to be wrapped by the quoted-printable encoder "
	    "at seventy-six characters.\n";
	char *id = note_put("EMAIL", to, subject, body);
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "SENT", 10000));
	char *file = message_to(to, after);
	T_REQUIRE(file != NULL);
	const char *msg = t_smtp_data(file);
	char from[300], want[200], *v;
	T_ASSERT(t_smtp_from(file, from, sizeof from));
	T_EQ_STR(from, "<no-reply@shop.example>");
	T_EQ_STR(v = t_mail_header(msg, "From"), t_env("SMTP_FROM"));
	free(v);
	T_EQ_STR(v = t_mail_header(msg, "To"), to);
	free(v);
	snprintf(want, sizeof want, "<%s@shop.example>", id);
	T_EQ_STR(v = t_mail_header(msg, "Message-ID"), want);
	free(v);
	T_EQ_STR(v = t_mail_header(msg, "MIME-Version"), "1.0");
	free(v);
	T_EQ_STR(v = t_mail_header(msg, "Content-Type"), "text/plain; charset=UTF-8");
	free(v);
	T_EQ_STR(v = t_mail_header(msg, "Content-Transfer-Encoding"), "quoted-printable");
	free(v);
	v = t_mail_header(msg, "Date");
	T_ASSERT(v != NULL && strlen(v) == 31 && strcmp(v + 25, " +0000") == 0);
	free(v);
	/* the subject in encoded words, the text exactly as recorded */
	v = t_mail_header(msg, "Subject");
	T_ASSERT(v != NULL && strncmp(v, "=?UTF-8?B?", 10) == 0);
	char *dec = v ? t_mail_words(v) : NULL;
	T_EQ_STR(dec, subject);
	free(dec);
	free(v);
	dec = t_mail_qp(t_mail_body(msg));
	char *want_body = NULL;
	T_REQUIRE(asprintf(&want_body, "%s\n", body) > 0);
	T_EQ_STR(dec, want_body);   /* the body ends with the message's CRLF */
	free(want_body);
	free(dec);
	/* the row: sent once, the Message-ID as the provider's id */
	struct resp rs;
	note_get(&rs, id);
	T_EQ_STR(t_jstr(rs.json, "status"), "SENT");
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 1);
	T_EQ_STR(t_jstr(rs.json, "providerMessageId"), want);
	T_ASSERT(t_jstr(rs.json, "sentAt") != NULL);
	T_ASSERT(t_jstr(rs.json, "lastError") == NULL);
	t_resp_free(&rs);
	free(file);
	free(id);
}

static void
sender_email_crlf_in_subject_injects_nothing(void)
{
	char to[160];
	address(to, sizeof to, "it-sender-crlf");
	int after = t_smtp_last();
	const char *subject = "Your order, Eve\r\nBcc: victim@example.com\r\n\r\nInjected body";
	char *id = note_put("EMAIL", to, subject, "Hello\r\nBcc: not-a-header@example.com\r\n");
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "SENT", 10000));
	char *file = message_to(to, after);
	T_REQUIRE(file != NULL);
	const char *msg = t_smtp_data(file);
	/* one recipient, no Bcc or other added field, one Subject */
	T_ASSERT(t_smtp_has_rcpt(file, to));
	T_ASSERT(!t_smtp_has_rcpt(file, "victim@example.com"));
	T_EQ_INT(t_mail_header_count(msg, "Bcc"), 0);
	T_EQ_INT(t_mail_header_count(msg, "Subject"), 1);
	char *v = t_mail_header(msg, "Subject");
	T_EQ_STR(v, "Your order, Eve  Bcc: victim@example.com    Injected body");
	free(v);
	/* the body's "Bcc:" stays in the body */
	char *body = t_mail_qp(t_mail_body(msg));
	T_EQ_STR(body, "Hello\nBcc: not-a-header@example.com\n\n");
	free(body);
	free(file);
	free(id);
}

static void
sender_email_fails_twice_then_sent_attempts_3(void)
{
	char to[160];
	address(to, sizeof to, "it-sender-twice");
	int after = t_smtp_last();
	T_REQUIRE(t_smtp_ctl("XCTL FAIL DATA 2 451") == 250);
	char *id = note_put("EMAIL", to, "Twice", "fails twice, then goes");
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "SENT", 15000));
	struct resp rs;
	note_get(&rs, id);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 3);
	T_ASSERT(t_jstr(rs.json, "lastError") == NULL);
	t_resp_free(&rs);
	/* the two refusals kept nothing: one message arrived */
	T_EQ_INT(t_smtp_find(to, after, NULL, 0), 1);
	t_smtp_ctl("XCTL RESET");
	free(id);
}

static void
sender_email_refused_failed_at_once_then_admin_retry_sent(void)
{
	char to[160], line[300];
	address(to, sizeof to, "it-sender-refused");
	int after = t_smtp_last();
	snprintf(line, sizeof line, "XCTL FAIL RCPT %s 550", to);
	T_REQUIRE(t_smtp_ctl(line) == 250);
	char *id = note_put("EMAIL", to, "Refused", "the recipient does not exist");
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "FAILED", 10000));
	struct resp rs;
	note_get(&rs, id);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 1);
	const char *err = t_jstr(rs.json, "lastError");
	t_check(err != NULL && strncmp(err, "SMTP 550: ", 10) == 0 && t_contains(err, to),
	    __FILE__, __LINE__, "lastError %s", err ? err : "(null)");
	T_ASSERT(t_jstr(rs.json, "sentAt") == NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_smtp_find(to, after, NULL, 0), 0);

	/* The address works again; an admin puts the notification back. */
	T_REQUIRE(t_smtp_ctl("XCTL RESET") == 250);
	char url[128];
	snprintf(url, sizeof url, "/notifications/%s/retry", id);
	t_http(&rs, "POST", url, admin, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_ASSERT(status_is(id, "SENT", 10000));
	note_get(&rs, id);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 2);
	T_ASSERT(t_jstr(rs.json, "lastError") == NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_smtp_wait(to, after, 1, 5), 1);
	free(id);
}

/* ---- SMS (Twilio) and WhatsApp (Meta) ---- */

/* The message with this body the stand-in accepted for provider: its
 * JSON (json-c, the caller puts it), or NULL. */
static struct json_object *
stub_message(const char *provider, const char *body)
{
	struct resp rs;
	t_notify_messages(&rs, provider);
	struct json_object *found = NULL, *data = t_jget(rs.json, "data");
	size_t n = data ? json_object_array_length(data) : 0;
	for (size_t i = 0; i < n && found == NULL; i++) {
		struct json_object *m = json_object_array_get_idx(data, i);
		const char *b = t_jstr(m, "body");
		if (b != NULL && strcmp(b, body) == 0)
			found = json_object_get(m);
	}
	t_resp_free(&rs);
	return found;
}

/* A body no other test sends. */
static void
unique_body(char *out, size_t n, const char *what)
{
	char u[80];
	t_unique(u, sizeof u, what);
	snprintf(out, n, "Your order %s is paid: ₹1,500.00 — धन्यवाद & thanks", u);
}

static void
sender_sms_twilio_shape(void)
{
	char body[200];
	unique_body(body, sizeof body, "sms");
	char *id = note_put("SMS", "+919812345678", "", body);
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "SENT", 10000));
	struct json_object *m = stub_message("twilio", body);
	T_REQUIRE(m != NULL);
	T_EQ_STR(t_jstr(m, "to"), "+919812345678");
	const char *from = getenv("TWILIO_FROM");
	T_EQ_STR(t_jstr(m, "from"), from ? from : "+15005550006");
	const char *sid = t_jstr(m, "id");
	T_ASSERT(sid != NULL && strncmp(sid, "SM", 2) == 0 && strlen(sid) == 34);
	struct resp rs;
	note_get(&rs, id);
	T_EQ_STR(t_jstr(rs.json, "providerMessageId"), sid);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 1);
	t_resp_free(&rs);
	json_object_put(m);
	free(id);
}

static void
sender_whatsapp_meta_shape(void)
{
	char body[200];
	unique_body(body, sizeof body, "wa");
	char *id = note_put("WHATSAPP", "+91 98123-45678", "", body);
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "SENT", 10000));
	struct json_object *m = stub_message("whatsapp", body);
	T_REQUIRE(m != NULL);
	T_EQ_STR(t_jstr(m, "to"), "919812345678");   /* digits only */
	const char *wamid = t_jstr(m, "id");
	T_ASSERT(wamid != NULL && strncmp(wamid, "wamid.", 6) == 0);
	struct resp rs;
	note_get(&rs, id);
	T_EQ_STR(t_jstr(rs.json, "providerMessageId"), wamid);
	t_resp_free(&rs);
	json_object_put(m);
	free(id);
}

/* provider fails twice with status, then takes the message: SENT, 3. */
static void
fails_twice(const char *channel, const char *provider, int status)
{
	char fault[80], body[200];
	snprintf(fault, sizeof fault, ",\"fail\":2,\"status\":%d", status);
	T_REQUIRE(t_notify_reset() && t_notify_fault(provider, fault));
	unique_body(body, sizeof body, provider);
	char *id = note_put(channel, "+919812345670", "", body);
	T_REQUIRE(id != NULL);
	T_ASSERT(status_is(id, "SENT", 15000));
	struct resp rs;
	note_get(&rs, id);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 3);
	t_resp_free(&rs);
	struct json_object *m = stub_message(provider, body);
	T_ASSERT(m != NULL);
	json_object_put(m);
	free(id);
}

static void
sender_sms_500_twice_then_sent_attempts_3(void)
{
	fails_twice("SMS", "twilio", 500);
}

static void
sender_whatsapp_429_twice_then_sent_attempts_3(void)
{
	fails_twice("WHATSAPP", "whatsapp", 429);
}

static void
sender_sms_and_whatsapp_refused_failed_at_once(void)
{
	T_REQUIRE(t_notify_reset());
	T_REQUIRE(t_notify_fault("twilio", ",\"refuse\":\"+919800000001\""));
	T_REQUIRE(t_notify_fault("whatsapp", ",\"refuse\":\"919800000001\""));
	char *sms = note_put("SMS", "+919800000001", "", "refused by Twilio");
	char *wa = note_put("WHATSAPP", "+919800000001", "", "refused by Meta");
	T_REQUIRE(sms != NULL && wa != NULL);
	T_ASSERT(status_is(sms, "FAILED", 10000));
	T_ASSERT(status_is(wa, "FAILED", 10000));
	struct resp rs;
	note_get(&rs, sms);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 1);
	const char *err = t_jstr(rs.json, "lastError");
	t_check(err != NULL && strncmp(err, "HTTP 400: 21211 ", 16) == 0, __FILE__, __LINE__,
	    "lastError %s", err ? err : "(null)");
	t_resp_free(&rs);
	note_get(&rs, wa);
	T_EQ_INT(t_jint(rs.json, "attempts", -1), 1);
	err = t_jstr(rs.json, "lastError");
	t_check(err != NULL && strncmp(err, "HTTP 400: 131030 ", 17) == 0, __FILE__, __LINE__,
	    "lastError %s", err ? err : "(null)");
	t_resp_free(&rs);
	T_ASSERT(t_notify_reset());
	free(sms);
	free(wa);
}

static void
sender_hanging_sms_does_not_delay_email(void)
{
	char to[160], body[200];
	address(to, sizeof to, "it-sender-beside");
	unique_body(body, sizeof body, "hang");
	/* every Twilio call hangs 5 s: past NOTIFY_TIMEOUT_MS (2 s) */
	T_REQUIRE(t_notify_reset());
	T_REQUIRE(t_notify_fault("twilio", ",\"hangMs\":5000"));
	char *sms = note_put("SMS", "+919812345671", "", body);
	T_REQUIRE(sms != NULL);
	/* the SMS lane is in its call */
	T_ASSERT(t_db_wait(DB, "1", 5000, "SELECT attempts FROM notifications WHERE id = $1", sms,
	    (char *)NULL));
	int after = t_smtp_last();
	double t0 = t_now();
	char *mail = note_put("EMAIL", to, "Beside a hanging SMS", "arrives at once");
	T_REQUIRE(mail != NULL);
	int got = t_smtp_wait(to, after, 1, 10);
	double took = t_now() - t0;
	printf("email at the SMTP stand-in %.0f ms after it was recorded, Twilio hanging\n",
	    took * 1000);
	T_EQ_INT(got, 1);
	T_ASSERT(took < 1.0);
	T_ASSERT(status_is(mail, "SENT", 5000));
	char *st = t_db_value(DB, "SELECT status FROM notifications WHERE id = $1", sms,
	    (char *)NULL);
	T_EQ_STR(st, "PENDING");   /* still trying */
	free(st);
	/* Twilio answers again: the SMS goes after its timeouts and backoff */
	T_ASSERT(t_notify_reset());
	T_ASSERT(status_is(sms, "SENT", 20000));
	free(sms);
	free(mail);
}

/* ---- the sender's processes ---- */

/* Starts another sender (its own supervisor), without a heartbeat file,
 * logging to VAR_DIR/log/<name>.log; with env ("NAME=value" pairs,
 * NULL-terminated; "NAME=" unsets NAME).  Its pid, or 0. */
static pid_t
sender_start(const char *name, const char *const *env)
{
	char prog[1024], log[1024];
	snprintf(prog, sizeof prog, "%s/sender", t_env("BIN_DIR"));
	snprintf(log, sizeof log, "%s/log/%s.log", t_env("VAR_DIR"), name);
	pid_t pid = fork();
	if (pid != 0)
		return pid < 0 ? 0 : pid;
	setenv("LOG_FILE", log, 1);
	unsetenv("SENDER_HEARTBEAT_FILE");
	for (const char *const *e = env; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)(eq - *e), *e);
		if (eq[1] == '\0')
			unsetenv(key);
		else
			setenv(key, eq + 1, 1);
	}
	execl(prog, prog, (char *)NULL);
	_exit(127);
}

/* SIGTERM to a sender we started (it stops its child), and waits. */
static void
sender_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	int st;
	T_ASSERT(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The stack's sender stopped (SIGTERM to its supervisor); true once gone. */
static bool
stack_sender_stop(void)
{
	pid_t pid = t_stack_pid("sender");
	if (pid <= 0 || kill(pid, SIGTERM) != 0)
		return false;
	return t_wait_gone(pid, 10000);
}

/* The stack's sender started again ($STACK ensure) and its child up. */
static bool
stack_sender_start(void)
{
	if (t_stack("ensure") != 0)
		return false;
	pid_t pid = t_stack_pid("sender");
	return pid > 0 && t_only_child(pid, 0, 5000) > 0;
}

/* With WHATSAPP_TEMPLATE a sender sends the approved template, the text
 * as its one parameter on one line (the stand-in, as Meta, refuses a
 * parameter with a line break, a tab or five spaces). */
static void
sender_whatsapp_template_when_configured(void)
{
	T_REQUIRE(stack_sender_stop());
	const char *env[] = { "WHATSAPP_TEMPLATE=order_update:en", NULL };
	pid_t own = sender_start("it-sender-template", env);
	T_ASSERT(own > 0);
	char body[200], want[260];
	unique_body(body, sizeof body, "tpl");
	char text[260];
	snprintf(text, sizeof text, "Hi Asha,\n\n%s\n", body);
	char *id = note_put("WHATSAPP", "+919812345678", "", text);
	T_ASSERT(id != NULL && status_is(id, "SENT", 10000));
	sender_stop(own);
	T_ASSERT(stack_sender_start());
	snprintf(want, sizeof want, "order_update: Hi Asha, %s", body);
	struct json_object *m = stub_message("whatsapp", want);
	T_REQUIRE(m != NULL);
	T_EQ_STR(t_jstr(m, "type"), "template");
	T_EQ_STR(t_jstr(m, "to"), "919812345678");
	json_object_put(m);
	free(id);
}

/* ---- STARTTLS ---- */

/* t/smtp/starttls.py on a free port, its files in dir, with a fresh
 * self-signed certificate for 127.0.0.1 (cert.pem in dir): its pid and
 * port, or 0 (after saying why). */
static pid_t
tls_server_start(const char *dir, int *port)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "rm -rf '%.700s' && mkdir -p '%.700s/mail' && openssl req -x509 "
	    "-newkey rsa:2048 -nodes -keyout '%.700s/key.pem' -out '%.700s/cert.pem' -days 1 "
	    "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null", dir, dir, dir,
	    dir);
	if (system(cmd) != 0) {
		printf("could not make a certificate with openssl\n");
		return 0;
	}
	char script[1024], mail[1100], cert[1100], key[1100], portf[1100];
	snprintf(script, sizeof script, "%s/t/smtp/starttls.py", t_env("REPO"));
	snprintf(mail, sizeof mail, "%s/mail", dir);
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(key, sizeof key, "%s/key.pem", dir);
	snprintf(portf, sizeof portf, "%s/port", dir);
	pid_t pid = fork();
	if (pid == 0) {
		execlp("python3", "python3", script, "--dir", mail, "--cert", cert, "--key", key,
		    "--port-file", portf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		FILE *f = fopen(portf, "r");
		if (f != NULL) {
			int ok = fscanf(f, "%d", port);
			fclose(f);
			if (ok == 1)
				return pid;
		}
		usleep(50 * 1000);
	}
	printf("starttls.py did not start (python3 missing?)\n");
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return 0;
}

/* A server that offers STARTTLS (and refuses mail before it) gets the
 * message over TLS, its certificate checked against SMTP_CA_FILE. */
static void
sender_email_starttls_when_offered(void)
{
	char dir[1024], to[160];
	snprintf(dir, sizeof dir, "%s/starttls", t_env("VAR_DIR"));
	int port = 0;
	pid_t srv = tls_server_start(dir, &port);
	T_REQUIRE(srv > 0);
	address(to, sizeof to, "it-sender-tls");
	T_REQUIRE(stack_sender_stop());
	char url[64], ca[1100];
	snprintf(url, sizeof url, "SMTP_URL=smtp://127.0.0.1:%d", port);
	snprintf(ca, sizeof ca, "SMTP_CA_FILE=%s/cert.pem", dir);
	const char *env[] = { url, ca, "SMTP_USER=", "SMTP_PASSWORD=", NULL };
	pid_t own = sender_start("it-sender-tls", env);
	T_ASSERT(own > 0);
	char *id = note_put("EMAIL", to, "Over TLS", "नमस्ते, sent over TLS");
	T_ASSERT(id != NULL && status_is(id, "SENT", 10000));
	sender_stop(own);
	T_ASSERT(stack_sender_start());
	kill(srv, SIGTERM);
	waitpid(srv, NULL, 0);
	char path[1200], file[8192];
	snprintf(path, sizeof path, "%s/mail/000001.eml", dir);
	FILE *f = fopen(path, "r");
	T_REQUIRE(f != NULL);
	size_t n = fread(file, 1, sizeof file - 1, f);
	fclose(f);
	file[n] = '\0';
	T_ASSERT(strncmp(file, "X-Stub-TLS: TLSv1.", 18) == 0);
	T_ASSERT(strstr(file, to) != NULL && strstr(file, "Subject: Over TLS\r\n") != NULL);
	free(id);
}

/* ---- the log channel ---- */

static void
sender_log_channel_without_providers(void)
{
	char path[1024], to[160];
	snprintf(path, sizeof path, "%s/log/it-sender-notifications.log", t_env("VAR_DIR"));
	unlink(path);
	address(to, sizeof to, "it-sender-log");
	T_REQUIRE(stack_sender_stop());
	char logfile[1100];
	snprintf(logfile, sizeof logfile, "NOTIFY_LOG_FILE=%s", path);
	const char *env[] = { logfile, "SMTP_URL=", "SMTP_USER=", "SMTP_PASSWORD=", "SMTP_FROM=",
		"TWILIO_ACCOUNT_SID=", "TWILIO_AUTH_TOKEN=", "TWILIO_FROM=",
		"WHATSAPP_PHONE_NUMBER_ID=", "WHATSAPP_TOKEN=", NULL };
	pid_t own = sender_start("it-sender-log", env);
	T_ASSERT(own > 0);
	char *ids[3] = {
		note_put("EMAIL", to, "Subject \"quoted\"", "नमस्ते\nline two"),
		note_put("SMS", "+919812345678", "", "sms body"),
		note_put("WHATSAPP", "+919812345678", "", "whatsapp body"),
	};
	for (int i = 0; i < 3; i++)
		T_ASSERT(ids[i] != NULL && status_is(ids[i], "SENT", 10000));
	sender_stop(own);
	T_ASSERT(stack_sender_start());

	/* One JSON line each, the message as it would have gone. */
	FILE *f = fopen(path, "r");
	T_REQUIRE(f != NULL);
	char line[4096];
	int found = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		T_ASSERT(line[strlen(line) - 1] == '\n');
		struct json_object *j = json_tokener_parse(line);
		T_REQUIRE(j != NULL);
		const char *id = t_jstr(j, "id"), *ch = t_jstr(j, "channel");
		for (int i = 0; i < 3; i++) {
			if (ids[i] == NULL || id == NULL || strcmp(id, ids[i]) != 0)
				continue;
			found++;
			T_EQ_STR(ch, i == 0 ? "EMAIL" : i == 1 ? "SMS" : "WHATSAPP");
			T_EQ_STR(t_jstr(j, "type"), "ORDER_PAID");
			if (i == 0) {
				T_EQ_STR(t_jstr(j, "to"), to);
				T_EQ_STR(t_jstr(j, "subject"), "Subject \"quoted\"");
				T_EQ_STR(t_jstr(j, "body"), "नमस्ते\nline two");
			} else {
				T_EQ_STR(t_jstr(j, "to"), "+919812345678");
				T_ASSERT(t_jget(j, "subject") == NULL);
			}
			T_ASSERT(t_jstr(j, "ts") != NULL && t_jstr(j, "userId") != NULL);
		}
		json_object_put(j);
	}
	fclose(f);
	T_EQ_INT(found, 3);
	for (int i = 0; i < 3; i++)
		free(ids[i]);
}

/* ---- the sender killed during a burst ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The messages after `after` to rcpt: their number, and into *distinct
 * how many different Message-IDs they carry; into *domains (when not
 * NULL) a bit per Message-ID domain seen: 1 shop.example, 2 two.example. */
static int
messages_count(const char *rcpt, int after, int *distinct, int *domains)
{
	int max = 4 * BURST, *seqs = calloc((size_t)max, sizeof *seqs);
	int n = t_smtp_find(rcpt, after, seqs, max);
	char **mids = calloc((size_t)(n > 0 ? n : 1), sizeof *mids);
	int k = 0;
	for (int i = 0; i < n && i < max; i++) {
		char *file = t_smtp_read(seqs[i], NULL);
		char *mid = file ? t_mail_header(t_smtp_data(file), "Message-ID") : NULL;
		free(file);
		if (mid == NULL)
			continue;
		if (domains != NULL)
			*domains |= strstr(mid, "@shop.example>") ? 1 : strstr(mid, "@two.example>") ? 2 :
			    4;
		/* the notification's id: the left part, whoever sent it */
		char *at = strchr(mid, '@');
		if (at != NULL)
			*at = '\0';
		mids[k++] = mid;
	}
	qsort(mids, (size_t)k, sizeof *mids, cmp_str);
	*distinct = 0;
	for (int i = 0; i < k; i++)
		if (i == 0 || strcmp(mids[i], mids[i - 1]) != 0)
			(*distinct)++;
	for (int i = 0; i < k; i++)
		free(mids[i]);
	free(mids);
	free(seqs);
	return n;
}

/* count notifications to rcpt in status, as text. */
static bool
all_status(const char *rcpt, const char *status, int want, long ms)
{
	char w[16];
	snprintf(w, sizeof w, "%d", want);
	return t_db_wait(DB, w, ms, "SELECT count(*) FROM notifications WHERE recipient = $1 AND "
	    "status = $2", rcpt, status, (char *)NULL);
}

static long long
burst_put(const char *to, int n)
{
	char count[16];
	snprintf(count, sizeof count, "%d", n);
	return t_db_write(DB, "INSERT INTO notifications (user_id, type, channel, recipient, "
	    "subject, body, event_id) SELECT gen_random_uuid(), 'ORDER_PAID', 'EMAIL', $1, "
	    "'Burst ' || g, 'Message number ' || g, gen_random_uuid() "
	    "FROM generate_series(1, $2::integer) g", to, count, (char *)NULL);
}

static void
sender_child_killed_mid_burst_500_all_sent_at_most_one_twice(void)
{
	char to[160];
	address(to, sizeof to, "it-sender-burst");
	pid_t parent = t_stack_pid("sender");
	T_REQUIRE(parent > 0 && t_alive(parent));
	pid_t child = t_only_child(parent, 0, 5000);
	T_REQUIRE(child > 0);
	int after = t_smtp_last();
	double t0 = t_now();
	T_REQUIRE(burst_put(to, BURST) == BURST);
	/* killed once a hundred have arrived, in the middle of sending */
	T_REQUIRE(t_smtp_wait(to, after, 100, 20) >= 100);
	T_REQUIRE(kill(child, SIGKILL) == 0);
	double killed = t_now();
	int before = t_smtp_find(to, after, NULL, 0);
	printf("sender child %d SIGKILLed after %d of %d emails (%.2f s)\n", (int)child, before,
	    BURST, killed - t0);
	bool all = all_status(to, "SENT", BURST, 60000);
	T_ASSERT(all);
	printf("all %d SENT %.1f s after the kill (one in flight waits for its lease)\n", BURST,
	    t_now() - killed);
	int distinct = 0, n = messages_count(to, after, &distinct, NULL);
	printf("at the SMTP stand-in: %d messages, %d distinct Message-IDs, %d sent twice\n", n,
	    distinct, n - distinct);
	T_EQ_INT(distinct, BURST);
	T_ASSERT(n >= BURST && n <= BURST + 1);
	/* the same supervisor, a new child */
	T_EQ_INT(t_stack_pid("sender"), parent);
	pid_t again = t_only_child(parent, child, 2000);
	T_ASSERT(again > 0 && again != child);
	/* at most one row was attempted twice: the one in flight */
	T_ASSERT(t_db_count(DB, "SELECT count(*) FROM notifications WHERE recipient = $1 AND "
	    "attempts > 1", to, (char *)NULL) <= 1);
}

/* ---- two senders ---- */

static void
sender_two_at_once_no_message_twice(void)
{
	char to[160];
	address(to, sizeof to, "it-sender-two");
	const char *env[] = { "SMTP_FROM=Shop Two <no-reply@two.example>", NULL };
	pid_t two = sender_start("it-sender-two", env);
	T_REQUIRE(two > 0);
	t_sleep_ms(500);   /* its lanes connected and listening */
	int after = t_smtp_last();
	T_REQUIRE(burst_put(to, 400) == 400);
	T_ASSERT(all_status(to, "SENT", 400, 30000));
	sender_stop(two);
	int distinct = 0, domains = 0, n = messages_count(to, after, &distinct, &domains);
	printf("two senders: %d messages, %d distinct, from %s\n", n, distinct,
	    domains == 3 ? "both" : domains == 1 ? "the stack's only" : "the second only");
	T_EQ_INT(n, 400);
	T_EQ_INT(distinct, 400);
	T_EQ_INT(domains, 3);   /* both sent some */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM notifications WHERE recipient = $1 AND "
	    "attempts <> 1", to, (char *)NULL), 0);
}

/* ---- GET /health ---- */

/* Restarts the health pool with these bounds (NULL: the default). */
static bool
health_pool(const char *stale, const char *max_wait)
{
	if (stale != NULL)
		setenv("SENDER_STALE_SECONDS", stale, 1);
	else
		unsetenv("SENDER_STALE_SECONDS");
	pid_t pid = t_stack_restart("health", "NOTIFY_MAX_WAIT_SECONDS", max_wait);
	unsetenv("SENDER_STALE_SECONDS");
	return T_ASSERT(pid > 0);
}

static void
sender_health_degraded_by_a_late_notification(void)
{
	struct resp rs;
	T_REQUIRE(health_pool("86400", "3"));
	T_REQUIRE(t_wait_health(&rs, 200, "sender.status", "up", 10));
	T_ASSERT(t_jint(rs.json, "services.notification.notifications.due", -1) >= 0);
	t_resp_free(&rs);
	/* A sender that beats no more but is not stale yet: only the wait
	 * tells. */
	pid_t parent = t_stack_pid("sender"), child = t_only_child(parent, 0, 2000);
	T_REQUIRE(parent > 0 && child > 0);
	kill(parent, SIGSTOP);
	kill(child, SIGSTOP);
	char to[160];
	address(to, sizeof to, "it-sender-late");
	char *id = note_put("EMAIL", to, "Late", "waits");
	bool degraded = t_wait_health(&rs, 503, "sender.status", "up", 10);
	if (T_ASSERT(degraded)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "degraded");
		T_EQ_STR(t_jstr(rs.json, "services.notification.status"), "up");
		T_ASSERT(t_jint(rs.json, "services.notification.notifications.due", -1) >= 1);
		T_ASSERT(t_jint(rs.json, "services.notification.notifications.oldestDueSeconds",
		    -1) > 3);
	}
	t_resp_free(&rs);
	kill(child, SIGCONT);
	kill(parent, SIGCONT);
	T_ASSERT(id != NULL && status_is(id, "SENT", 10000));
	T_ASSERT(t_wait_health(&rs, 200, "sender.status", "up", 10));
	t_resp_free(&rs);
	free(id);
}

static void
sender_health_stale_when_it_stops_beating(void)
{
	struct resp rs;
	T_REQUIRE(health_pool("3", NULL));
	T_REQUIRE(t_wait_health(&rs, 200, "sender.status", "up", 10));
	t_resp_free(&rs);
	pid_t parent = t_stack_pid("sender"), child = t_only_child(parent, 0, 2000);
	T_REQUIRE(parent > 0 && child > 0);
	kill(parent, SIGSTOP);
	kill(child, SIGKILL);
	bool stale = t_wait_health(&rs, 503, "sender.status", "stale", 10);
	if (T_ASSERT(stale)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "degraded");
		T_ASSERT(t_jint(rs.json, "sender.heartbeatAgeSeconds", -1) >= 3);
	}
	t_resp_free(&rs);
	kill(parent, SIGCONT);
	T_ASSERT(t_wait_health(&rs, 200, "sender.status", "up", 10));
	t_resp_free(&rs);
	T_ASSERT(t_only_child(parent, child, 2000) > 0);
	T_ASSERT(health_pool(NULL, NULL));
}

static int
suite_init(void)
{
	if (t_env(DB) == NULL || t_env("SMTP_STUB_PORT") == NULL || t_env("SMTP_FROM") == NULL ||
	    t_env("NOTIFY_STUB_PORT") == NULL)
		return -1;
	admin = t_token(ROLE_ADMIN, "it-sender-admin@example.com");
	return admin != NULL && t_smtp_ctl("XCTL RESET") == 250 ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(sender_email_headers_and_body_intact),
	T_CASE(sender_email_crlf_in_subject_injects_nothing),
	T_CASE(sender_email_fails_twice_then_sent_attempts_3),
	T_CASE(sender_email_refused_failed_at_once_then_admin_retry_sent),
	T_CASE(sender_sms_twilio_shape),
	T_CASE(sender_whatsapp_meta_shape),
	T_CASE(sender_whatsapp_template_when_configured),
	T_CASE(sender_email_starttls_when_offered),
	T_CASE(sender_sms_500_twice_then_sent_attempts_3),
	T_CASE(sender_whatsapp_429_twice_then_sent_attempts_3),
	T_CASE(sender_sms_and_whatsapp_refused_failed_at_once),
	T_CASE(sender_hanging_sms_does_not_delay_email),
	T_CASE(sender_log_channel_without_providers),
	T_CASE(sender_child_killed_mid_burst_500_all_sent_at_most_one_twice),
	T_CASE(sender_two_at_once_no_message_twice),
	T_CASE(sender_health_degraded_by_a_late_notification),
	T_CASE(sender_health_stale_when_it_stops_beating),
};

int
main(void)
{
	return t_run("sender", cases, T_NCASES(cases), suite_init, suite_clean);
}
