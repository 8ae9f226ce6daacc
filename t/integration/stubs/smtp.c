/* The SMTP stand-in (t/smtp/) driven by libcurl as the sender drives it
 * (one easy handle reused, CURLOPT_MAIL_FROM/RCPT, CURLOPT_UPLOAD with a
 * read callback, AUTH) and by hand over a raw socket. */
#include "stubs.h"
#include <curl/curl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FROM "<no-reply@shop.example>"

/* ---- SMTP through libcurl, the way the sender sends ---- */

struct upload {
	const char *p;
	size_t len, off;
};

static size_t
upload_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb, left = u->len - u->off;
	if (n > left)
		n = left;
	memcpy(buf, u->p + u->off, n);
	u->off += n;
	return n;
}

/* A handle for the stand-in with the stack's credentials (pass NULL: the
 * stack's SMTP_PASSWORD), timeout_ms for the whole transfer. */
static CURL *
mail_handle(const char *pass, long timeout_ms)
{
	const char *url = t_env("SMTP_URL"), *user = t_env("SMTP_USER");
	const char *stack_pass = t_env("SMTP_PASSWORD");
	CURL *h = curl_easy_init();
	if (h == NULL || url == NULL || user == NULL || stack_pass == NULL) {
		if (h != NULL)
			curl_easy_cleanup(h);
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_USERNAME, user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : stack_pass);
	curl_easy_setopt(h, CURLOPT_MAIL_FROM, FROM);
	curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(h, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	return h;
}

/* One message to rcpt ("<b@y>") over h; the server's last code into
 * *code (0 when it never answered). */
static CURLcode
mail_send(CURL *h, const char *rcpt, const char *msg, long *code)
{
	struct upload u = { msg, strlen(msg), 0 };
	struct curl_slist *to = curl_slist_append(NULL, rcpt);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(h, CURLOPT_READDATA, &u);
	CURLcode rc = curl_easy_perform(h);
	*code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
	curl_easy_setopt(h, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(to);
	return rc;
}

/* One message on a handle of its own (mail_handle, mail_send, cleanup). */
static CURLcode
mail_once(const char *rcpt, const char *msg, long timeout_ms, long *code)
{
	CURL *h = mail_handle(NULL, timeout_ms);
	*code = 0;
	if (h == NULL)
		return CURLE_FAILED_INIT;
	CURLcode rc = mail_send(h, rcpt, msg, code);
	curl_easy_cleanup(h);
	return rc;
}

/* A fresh recipient "<tag-<unique>@customer.example>" into out. */
static char *
rcpt_new(char *out, size_t n, const char *tag)
{
	char u[80];
	snprintf(out, n, "<%s@customer.example>", t_unique(u, sizeof u, tag));
	return out;
}

/* Waits until no message arrived for 300 ms (at most 10 s), so that a
 * fault injected next is not used up by a sender of the stack. */
static void
smtp_quiet(void)
{
	double until = t_now() + 10;
	int last = t_smtp_last();
	while (t_now() < until) {
		t_sleep_ms(300);
		int now = t_smtp_last();
		if (now == last)
			return;
		last = now;
	}
}

/* The one message to rcpt after mark: its file (free it), or NULL after
 * recording why. */
static char *
mail_only(const char *rcpt, int mark)
{
	int seq[2];
	int n = t_smtp_find(rcpt, mark, seq, 2);
	if (!t_check(n == 1, __FILE__, __LINE__, "%d messages to %s, want 1", n, rcpt))
		return NULL;
	return t_smtp_read(seq[0], NULL);
}

static const char msg_dots[] =
    "From: Shop <no-reply@shop.example>\r\n"
    "To: a@customer.example\r\n"
    "Subject: =?UTF-8?B?4KSo4KSu4KS44KWN4KSk4KWH?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    ".a line that starts with a dot\r\n"
    "..two dots\r\n"
    ".\r\n"
    "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87, \xe2\x82\xb9" "1,500.00 paid\r\n"
    "the end\r\n";

static const char msg_plain[] =
    "From: Shop <no-reply@shop.example>\r\n"
    "To: b@customer.example\r\n"
    "Subject: second\r\n"
    "\r\n"
    "second message on the same connection\r\n";

/* Checks that message file `file` is from FROM to rcpt and holds exactly msg. */
static void
check_file(const char *file, const char *rcpt, const char *msg)
{
	char from[300];
	T_REQUIRE(file != NULL);
	T_ASSERT(t_smtp_from(file, from, sizeof from) && strcmp(from, FROM) == 0);
	T_ASSERT(t_smtp_has_rcpt(file, rcpt));
	T_EQ_STR(t_smtp_data(file), msg);
}

static void
smtp_curl_two_messages_one_handle(void)
{
	char r1[120], r2[120];
	rcpt_new(r1, sizeof r1, "dots");
	rcpt_new(r2, sizeof r2, "second");
	int mark = t_smtp_last();
	long before = t_smtp_accepted(), code = 0, conns = -1;
	T_REQUIRE(before >= 0);
	CURL *h = mail_handle(NULL, 10000);
	T_REQUIRE(h != NULL);
	T_EQ_INT(mail_send(h, r1, msg_dots, &code), CURLE_OK);
	T_EQ_INT(code, 250);
	T_EQ_INT(mail_send(h, r2, msg_plain, &code), CURLE_OK);
	T_EQ_INT(code, 250);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
	T_EQ_INT(conns, 0);                  /* the second one reused the connection */
	curl_easy_cleanup(h);

	char *f1 = mail_only(r1, mark), *f2 = mail_only(r2, mark);
	check_file(f1, r1, msg_dots);
	check_file(f2, r2, msg_plain);
	free(f1);
	free(f2);
	/* XCTL COUNT went up by what was written meanwhile (two of them ours) */
	long after = t_smtp_accepted();
	T_EQ_INT(after - before, t_smtp_find(NULL, mark, NULL, 0));
	T_ASSERT(after - before >= 2);
}

static void
smtp_curl_bad_password_535(void)
{
	char r[120];
	long code = 0;
	int mark = t_smtp_last();
	CURL *h = mail_handle("not-the-password", 10000);
	T_REQUIRE(h != NULL);
	T_EQ_INT(mail_send(h, rcpt_new(r, sizeof r, "badpw"), msg_plain, &code),
	    CURLE_LOGIN_DENIED);
	T_EQ_INT(code, 535);
	curl_easy_cleanup(h);
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 0);
}

static void
smtp_fail_rcpt_550(void)
{
	char r[120], ok[120], line[200];
	long code = 0;
	rcpt_new(r, sizeof r, "refused");
	rcpt_new(ok, sizeof ok, "accepted");
	int mark = t_smtp_last();
	snprintf(line, sizeof line, "XCTL FAIL RCPT %s 550", r);
	T_REQUIRE(t_smtp_ctl(line) == 250);
	CURL *h = mail_handle(NULL, 10000);
	T_REQUIRE(h != NULL);
	for (int i = 0; i < 2; i++) {               /* every time, not once */
		T_ASSERT(mail_send(h, r, msg_plain, &code) != CURLE_OK);
		T_EQ_INT(code, 550);
	}
	T_EQ_INT(mail_send(h, ok, msg_plain, &code), CURLE_OK);  /* others still go */
	T_EQ_INT(code, 250);
	curl_easy_cleanup(h);
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 0);
	T_EQ_INT(t_smtp_find(ok, mark, NULL, 0), 1);
	T_EQ_INT(t_smtp_ctl("XCTL RESET"), 250);
	T_EQ_INT(mail_once(r, msg_plain, 10000, &code), CURLE_OK);   /* RESET forgot it */
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 1);
}

static void
smtp_fail_data_twice_451_then_250(void)
{
	char r[120];
	long code = 0;
	rcpt_new(r, sizeof r, "fail-data");
	smtp_quiet();
	int mark = t_smtp_last();
	T_REQUIRE(t_smtp_ctl("XCTL FAIL DATA 2 451") == 250);
	CURL *h = mail_handle(NULL, 10000);
	T_REQUIRE(h != NULL);
	for (int i = 0; i < 2; i++) {
		T_ASSERT(mail_send(h, r, msg_plain, &code) != CURLE_OK);
		T_EQ_INT(code, 451);
	}
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 0);       /* a refused message is not kept */
	T_EQ_INT(mail_send(h, r, msg_plain, &code), CURLE_OK);
	T_EQ_INT(code, 250);
	curl_easy_cleanup(h);
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 1);
}

struct slow {
	char rcpt[120];
	CURLcode rc;
	long code;
	double secs;
};

static void *
slow_send(void *arg)
{
	struct slow *s = arg;
	double t0 = t_now();
	s->rc = mail_once(s->rcpt, msg_plain, 10000, &s->code);
	s->secs = t_now() - t0;
	return NULL;
}

/* HANG holds the answer of one DATA: that client waits, the others do not. */
static void
smtp_hang_holds_only_its_connection(void)
{
	struct slow s = { .rc = CURLE_FAILED_INIT };
	char fast[120];
	long code = 0;
	rcpt_new(s.rcpt, sizeof s.rcpt, "slow");
	rcpt_new(fast, sizeof fast, "fast");
	smtp_quiet();
	int mark = t_smtp_last();
	T_REQUIRE(t_smtp_ctl("XCTL HANG 1500") == 250);
	pthread_t th;
	T_REQUIRE(pthread_create(&th, NULL, slow_send, &s) == 0);
	T_ASSERT(t_smtp_wait(s.rcpt, mark, 1, 0.4) == 0);  /* held: not there yet */
	double t0 = t_now();
	T_EQ_INT(mail_once(fast, msg_plain, 10000, &code), CURLE_OK);
	double fast_secs = t_now() - t0;
	pthread_join(th, NULL);
	t_check(fast_secs < 0.8, __FILE__, __LINE__, "the other client took %.2f s", fast_secs);
	T_EQ_INT(s.rc, CURLE_OK);
	T_EQ_INT(s.code, 250);
	t_check(s.secs >= 1.4, __FILE__, __LINE__, "the held client took %.2f s", s.secs);
	T_EQ_INT(t_smtp_find(s.rcpt, mark, NULL, 0), 1);
	T_EQ_INT(t_smtp_find(fast, mark, NULL, 0), 1);
}

/* A client with a timeout shorter than the HANG gets its timeout.  (libcurl
 * 7.88 then keeps the connection "intact": curl_easy_cleanup sends QUIT and
 * waits for the held answer, so the message is kept; a reused handle would
 * read that stale answer next.  The sender must not reuse a connection
 * after a timeout.) */
static void
smtp_hang_client_timeout(void)
{
	char r[120];
	long code = 0;
	rcpt_new(r, sizeof r, "timeout");
	smtp_quiet();
	T_REQUIRE(t_smtp_ctl("XCTL HANG 1500") == 250);
	CURL *h = mail_handle(NULL, 400);
	T_REQUIRE(h != NULL);
	double t0 = t_now();
	T_EQ_INT(mail_send(h, r, msg_plain, &code), CURLE_OPERATION_TIMEDOUT);
	t_check(t_now() - t0 < 1.2, __FILE__, __LINE__, "the timeout took %.2f s", t_now() - t0);
	curl_easy_cleanup(h);
}

/* A client that leaves during HANG: its message is not kept, and the HANG
 * is used up. */
static void
smtp_hang_client_gone_drops_message(void)
{
	char r[120];
	rcpt_new(r, sizeof r, "gone");
	smtp_quiet();
	int mark = t_smtp_last();
	T_REQUIRE(t_smtp_ctl("XCTL HANG 5000") == 250);
	int fd = t_smtp_login();
	T_REQUIRE(fd >= 0);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "RCPT TO:%s", r);
	T_EQ_INT(t_smtp_cmd(fd, "MAIL FROM:" FROM, NULL, 0), 250);
	T_EQ_INT(t_smtp_cmd(fd, cmd, NULL, 0), 250);
	T_EQ_INT(t_smtp_cmd(fd, "DATA", NULL, 0), 354);
	T_ASSERT(t_smtp_send(fd, "gone\r\n.\r\n", 10));
	t_sleep_ms(200);
	close(fd);                           /* before the held answer */
	t_sleep_ms(200);
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 0);
	long code = 0;
	double t0 = t_now();
	T_EQ_INT(mail_once(r, msg_plain, 3000, &code), CURLE_OK);
	t_check(t_now() - t0 < 1, __FILE__, __LINE__, "the next message took %.2f s", t_now() - t0);
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), 1);
}

/* ---- SMTP by hand ---- */

/* MAIL, RCPT, DATA, the bytes (dot-stuffed by the caller) on a logged-in
 * session; the final code. */
static int
raw_message(int fd, const char *rcpt, const char *bytes)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "RCPT TO:%s", rcpt);
	if (!T_EQ_INT(t_smtp_cmd(fd, "MAIL FROM:" FROM, NULL, 0), 250) ||
	    !T_EQ_INT(t_smtp_cmd(fd, cmd, NULL, 0), 250) ||
	    !T_EQ_INT(t_smtp_cmd(fd, "DATA", NULL, 0), 354) ||
	    !T_ASSERT(t_smtp_send(fd, bytes, strlen(bytes))))
		return -1;
	return t_smtp_cmd(fd, NULL, NULL, 0);
}

static void
smtp_raw_dot_unstuffing(void)
{
	char r[120];
	rcpt_new(r, sizeof r, "raw-dots");
	int mark = t_smtp_last();
	int fd = t_smtp_login();
	T_REQUIRE(fd >= 0);
	/* "..x" -> ".x", ".." -> ".", ".x" -> "x" (RFC 5321 4.5.2: the first dot
	 * goes), a dot inside a line stays; CRLF.CRLF ends */
	T_EQ_INT(raw_message(fd, r, "Subject: d\r\n\r\n..leading\r\n..\r\n...\r\n.x\r\n"
	    "mid.dle .\r\n.\r\n"), 250);
	t_smtp_close(fd);
	char *f = mail_only(r, mark);
	if (f != NULL)
		T_EQ_STR(t_smtp_data(f), "Subject: d\r\n\r\n.leading\r\n.\r\n..\r\nx\r\nmid.dle .\r\n");
	free(f);
}

/* A message sent in pieces that split the end marker; then a second one on
 * the same connection after RSET. */
static void
smtp_raw_split_end_and_rset(void)
{
	char r[120];
	rcpt_new(r, sizeof r, "raw-split");
	int mark = t_smtp_last();
	int fd = t_smtp_login();
	T_REQUIRE(fd >= 0);
	T_EQ_INT(t_smtp_cmd(fd, "MAIL FROM:" FROM, NULL, 0), 250);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "RCPT TO:%s", r);
	T_EQ_INT(t_smtp_cmd(fd, cmd, NULL, 0), 250);
	T_EQ_INT(t_smtp_cmd(fd, "DATA", NULL, 0), 354);
	static const char *const parts[] = { "one\r", "\n.", "\r", "\n" };
	for (int i = 0; i < 4; i++) {
		T_ASSERT(t_smtp_send(fd, parts[i], strlen(parts[i])));
		t_sleep_ms(30);
	}
	T_EQ_INT(t_smtp_cmd(fd, NULL, NULL, 0), 250);
	T_EQ_INT(t_smtp_cmd(fd, "RSET", NULL, 0), 250);
	T_EQ_INT(raw_message(fd, r, "two\r\n.\r\n"), 250);
	t_smtp_close(fd);
	int seq[3];
	T_REQUIRE(t_smtp_find(r, mark, seq, 3) == 2);
	char *a = t_smtp_read(seq[0], NULL), *b = t_smtp_read(seq[1], NULL);
	T_EQ_STR(a ? t_smtp_data(a) : NULL, "one\r\n");
	T_EQ_STR(b ? t_smtp_data(b) : NULL, "two\r\n");
	free(a);
	free(b);
}

static void
smtp_raw_order_and_syntax_errors(void)
{
	int fd = t_smtp_open();
	T_REQUIRE(fd >= 0);
	static const struct { const char *cmd; int code; } steps[] = {
		{ "MAIL FROM:<a@shop.example>", 503 },    /* before EHLO */
		{ "EHLO", 501 },
		{ "EHLO test.example", 250 },
		{ "MAIL FROM:<a@shop.example>", 530 },    /* before AUTH */
		{ "RCPT TO:<b@customer.example>", 503 },  /* before MAIL */
		{ "DATA", 503 },
		{ "AUTH CRAM-MD5", 504 },
		{ "AUTH PLAIN !!!", 501 },
		{ "AUTH PLAIN AHgAeQ==", 535 },          /* \0x\0y */
		{ "FROB", 500 },
		{ "STARTTLS", 502 },                     /* not offered */
		{ "NOOP", 250 },
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char reply[300];
		int code = t_smtp_cmd(fd, steps[i].cmd, reply, sizeof reply);
		t_check(code == steps[i].code, __FILE__, __LINE__, "%s -> %s, want %d",
		    steps[i].cmd, reply, steps[i].code);
	}
	close(fd);

	fd = t_smtp_login();
	T_REQUIRE(fd >= 0);
	static const struct { const char *cmd; int code; } after[] = {
		{ "AUTH PLAIN AHgAeQ==", 503 },          /* already authenticated */
		{ "MAIL FROM:a@shop.example", 501 },     /* no angle brackets */
		{ "MAIL FROM:<a@shop.example> SIZE=999999999999", 552 },
		{ "MAIL FROM:<a@shop.example> FOO=1", 555 },
		{ "MAIL FROM:<a@shop.example> SIZE=120", 250 },
		{ "MAIL FROM:<a@shop.example>", 503 },   /* nested */
		{ "DATA", 503 },                         /* no RCPT */
		{ "RCPT TO:<>", 501 },
		{ "RCPT TO:<two words@customer.example>", 501 },
		{ "RSET now", 501 },
		{ "RSET", 250 },
		{ "RCPT TO:<b@customer.example>", 503 }, /* RSET ended the transaction */
	};
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
		char reply[300];
		int code = t_smtp_cmd(fd, after[i].cmd, reply, sizeof reply);
		t_check(code == after[i].code, __FILE__, __LINE__, "%s -> %s, want %d",
		    after[i].cmd, reply, after[i].code);
	}
	char reply[100];
	T_EQ_INT(t_smtp_cmd(fd, "QUIT", reply, sizeof reply), 221);
	close(fd);
}

static void
smtp_raw_auth_login_two_steps(void)
{
	const char *user = t_env("SMTP_USER"), *pass = t_env("SMTP_PASSWORD");
	T_REQUIRE(user != NULL && pass != NULL);
	char b64u[200], b64p[200], reply[100];
	EVP_EncodeBlock((unsigned char *)b64u, (const unsigned char *)user, (int)strlen(user));
	EVP_EncodeBlock((unsigned char *)b64p, (const unsigned char *)pass, (int)strlen(pass));
	int fd = t_smtp_open();
	T_REQUIRE(fd >= 0);
	T_EQ_INT(t_smtp_cmd(fd, "EHLO test.example", reply, sizeof reply), 250);
	T_EQ_INT(t_smtp_cmd(fd, "AUTH LOGIN", reply, sizeof reply), 334);
	T_EQ_STR(reply, "334 VXNlcm5hbWU6");            /* "Username:" */
	T_EQ_INT(t_smtp_cmd(fd, b64u, reply, sizeof reply), 334);
	T_EQ_STR(reply, "334 UGFzc3dvcmQ6");            /* "Password:" */
	T_EQ_INT(t_smtp_cmd(fd, b64p, reply, sizeof reply), 235);
	t_smtp_close(fd);
	fd = t_smtp_open();
	T_REQUIRE(fd >= 0);
	T_EQ_INT(t_smtp_cmd(fd, "EHLO test.example", NULL, 0), 250);
	T_EQ_INT(t_smtp_cmd(fd, "AUTH LOGIN", NULL, 0), 334);
	T_EQ_INT(t_smtp_cmd(fd, b64u, NULL, 0), 334);
	T_EQ_INT(t_smtp_cmd(fd, "d3Jvbmc=", NULL, 0), 535);      /* "wrong" */
	T_EQ_INT(t_smtp_cmd(fd, "AUTH PLAIN", reply, sizeof reply), 334);
	T_EQ_INT(t_smtp_cmd(fd, "*", NULL, 0), 501);             /* cancelled */
	t_smtp_close(fd);
}

/* Twenty sessions open at once, their commands interleaved: one process
 * serves them all. */
static void
smtp_many_connections_at_once(void)
{
	enum { N = 20 };
	int fd[N];
	char r[120];
	rcpt_new(r, sizeof r, "many");
	int mark = t_smtp_last();
	for (int i = 0; i < N; i++)
		fd[i] = t_smtp_login();
	for (int i = 0; i < N; i++)
		if (fd[i] >= 0)
			T_EQ_INT(t_smtp_cmd(fd[i], "MAIL FROM:" FROM, NULL, 0), 250);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "RCPT TO:%s", r);
	for (int i = 0; i < N; i++)
		if (fd[i] >= 0)
			T_EQ_INT(t_smtp_cmd(fd[i], cmd, NULL, 0), 250);
	for (int i = N - 1; i >= 0; i--)
		if (fd[i] >= 0) {
			T_EQ_INT(t_smtp_cmd(fd[i], "DATA", NULL, 0), 354);
			T_EQ_INT(t_smtp_cmd(fd[i], "Subject: many\r\n\r\nhi\r\n.", NULL, 0), 250);
			t_smtp_close(fd[i]);
		}
	T_EQ_INT(t_smtp_find(r, mark, NULL, 0), N);
}

static const struct t_case cases[] = {
	T_CASE(smtp_curl_two_messages_one_handle),
	T_CASE(smtp_curl_bad_password_535),
	T_CASE(smtp_fail_rcpt_550),
	T_CASE(smtp_fail_data_twice_451_then_250),
	T_CASE(smtp_hang_holds_only_its_connection),
	T_CASE(smtp_hang_client_timeout),
	T_CASE(smtp_hang_client_gone_drops_message),
	T_CASE(smtp_raw_dot_unstuffing),
	T_CASE(smtp_raw_split_end_and_rset),
	T_CASE(smtp_raw_order_and_syntax_errors),
	T_CASE(smtp_raw_auth_login_two_steps),
	T_CASE(smtp_many_connections_at_once),
};

const struct t_suite stubs_smtp_suite = T_SUITE("smtp", cases);
