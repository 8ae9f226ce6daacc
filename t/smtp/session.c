/* One SMTP connection (RFC 5321; AUTH: RFC 4954, PLAIN: RFC 4616, LOGIN:
 * the de-facto exchange libcurl speaks).  Commands are rows of a table;
 * DATA bytes go through a small state machine that finds the CRLF.CRLF
 * end and removes the dot a client stuffed in front of a line that began
 * with one (RFC 5321 4.5.2). */
#include "smtp.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ---- */

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL) {
		fprintf(stderr, "smtp-stub: out of memory\n");
		exit(1);
	}
	return p;
}

void
session_reset(struct conn *c)
{
	free(c->from);
	c->from = NULL;
	for (int i = 0; i < c->nrcpt; i++)
		free(c->rcpt[i]);
	c->nrcpt = 0;
	sbuf_free(&c->msg);
	c->too_big = false;
}

/* Strict base64 (RFC 4648, padding required) into out; its length, or -1. */
static long
b64_decode(const char *s, unsigned char *out, size_t cap)
{
	static const char al[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), o = 0;
	if (n % 4 != 0)
		return -1;
	for (size_t i = 0; i < n; i += 4) {
		unsigned v = 0;
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			const char *p = s[i + k] ? strchr(al, s[i + k]) : NULL;
			if (s[i + k] == '=' && i + 4 == n && k >= 2 && (k == 3 || s[i + 3] == '=')) {
				pad++;
				v <<= 6;
			} else if (p != NULL && pad == 0) {
				v = v << 6 | (unsigned)(p - al);
			} else {
				return -1;
			}
		}
		if (o + 3 - (size_t)pad > cap)
			return -1;
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return (long)o;
}

/* The argument after "FROM:" / "TO:" (case-insensitive, spaces allowed
 * after the colon): the path "<...>" into path, *params the rest.  False
 * when it is not <...> with no space, control character or second '<'
 * inside, or too long. */
static bool
parse_path(const char *arg, const char *kw, char path[SMTP_ADDR_MAX], const char **params)
{
	size_t kl = strlen(kw);
	if (strncasecmp(arg, kw, kl) != 0)
		return false;
	arg += kl;
	while (*arg == ' ')
		arg++;
	if (*arg != '<')
		return false;
	const char *end = strchr(arg, '>');
	if (end == NULL || (size_t)(end - arg) + 2 > SMTP_ADDR_MAX)
		return false;
	for (const char *p = arg + 1; p < end; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == 0x7f)
			return false;
	if (end > arg + 1 && (strchr(arg, '@') == NULL || strchr(arg, '@') > end))
		return false;                 /* not <> and no domain */
	memcpy(path, arg, (size_t)(end - arg) + 1);
	path[end - arg + 1] = '\0';
	*params = end + 1;
	return **params == '\0' || **params == ' ';
}

/* ---- the commands ---- */

static void
cmd_ehlo(struct conn *c, const char *arg)
{
	if (*arg == '\0') {
		reply(c, 501, "5.5.4 EHLO needs a domain");
		return;
	}
	session_reset(c);                  /* RFC 5321 4.1.4: EHLO acts as RSET */
	c->helo = true;
	sbuf_add(&c->out, "250-smtp-stub.test greets ", 26);
	sbuf_add(&c->out, arg, strnlen(arg, 200));
	char ext[128];
	int n = snprintf(ext, sizeof ext, "\r\n250-SIZE %ld\r\n250-8BITMIME\r\n"
	    "250-ENHANCEDSTATUSCODES\r\n", SMTP_SIZE_MAX);
	sbuf_add(&c->out, ext, (size_t)n);
	if (smtp_user != NULL)
		sbuf_add(&c->out, "250-AUTH PLAIN LOGIN\r\n", 22);
	sbuf_add(&c->out, "250 HELP\r\n", 10);
}

static void
cmd_helo(struct conn *c, const char *arg)
{
	if (*arg == '\0') {
		reply(c, 501, "5.5.4 HELO needs a domain");
		return;
	}
	session_reset(c);
	c->helo = true;
	reply(c, 250, "smtp-stub.test greets %.200s", arg);
}

/* Checks user and password; the 235 or 535, and back to commands. */
static void
auth_check(struct conn *c, const char *user, const char *pass)
{
	c->st = CS_CMD;
	if (strcmp(user, smtp_user) == 0 && strcmp(pass, smtp_password) == 0) {
		c->authed = true;
		reply(c, 235, "2.7.0 Authentication successful");
	} else {
		reply(c, 535, "5.7.8 Authentication credentials invalid");
	}
}

/* RFC 4616: [authzid] NUL authcid NUL passwd, base64. */
static void
auth_plain(struct conn *c, const char *b64)
{
	unsigned char raw[3 * SMTP_ADDR_MAX];
	long n = b64_decode(b64, raw, sizeof raw - 1);
	c->st = CS_CMD;
	if (n < 0) {
		reply(c, 501, "5.5.2 cannot decode the response");
		return;
	}
	raw[n] = '\0';
	const char *authz = (char *)raw, *user = memchr(raw, '\0', (size_t)n);
	const char *pass = user ? memchr(user + 1, '\0', (size_t)(raw + n - (unsigned char *)user - 1)) : NULL;
	if (user == NULL || pass == NULL || memchr(pass + 1, '\0', (size_t)(raw + n - (unsigned char *)pass - 1))) {
		reply(c, 501, "5.5.2 a PLAIN response is [authzid] NUL user NUL password");
		return;
	}
	user++;
	pass++;
	if (*authz != '\0' && strcmp(authz, user) != 0) {
		reply(c, 535, "5.7.8 Authentication credentials invalid");
		return;
	}
	auth_check(c, user, pass);
}

/* One base64 line of AUTH LOGIN into out (NUL-terminated); false after
 * answering 501. */
static bool
login_decode(struct conn *c, const char *b64, char out[SMTP_ADDR_MAX])
{
	long n = b64_decode(b64, (unsigned char *)out, SMTP_ADDR_MAX - 1);
	if (n < 0 || memchr(out, '\0', (size_t)n) != NULL) {
		c->st = CS_CMD;
		reply(c, 501, "5.5.2 cannot decode the response");
		return false;
	}
	out[n] = '\0';
	return true;
}

static void
cmd_auth(struct conn *c, const char *arg)
{
	char mech[32] = "";
	const char *ir = strchr(arg, ' ');
	size_t ml = ir ? (size_t)(ir - arg) : strlen(arg);
	if (smtp_user == NULL) {
		reply(c, 502, "5.5.1 AUTH is not offered");
		return;
	}
	if (!c->helo || c->authed || c->from != NULL) {
		reply(c, 503, c->authed ? "5.5.1 already authenticated" : !c->helo ?
		    "5.5.1 send EHLO first" : "5.5.1 AUTH not allowed in a mail transaction");
		return;
	}
	if (ml == 0 || ml >= sizeof mech) {
		reply(c, 501, "5.5.4 AUTH needs a mechanism");
		return;
	}
	memcpy(mech, arg, ml);
	while (ir != NULL && *ir == ' ')
		ir++;
	if (ir != NULL && *ir == '\0')
		ir = NULL;
	if (strcasecmp(mech, "PLAIN") == 0) {
		if (ir == NULL) {
			c->st = CS_AUTH_PLAIN;
			reply(c, 334, "%s", "");
		} else {
			auth_plain(c, strcmp(ir, "=") == 0 ? "" : ir);
		}
	} else if (strcasecmp(mech, "LOGIN") == 0) {
		if (ir != NULL && !login_decode(c, ir, c->login_user))
			return;
		c->st = ir ? CS_AUTH_PASS : CS_AUTH_USER;
		reply(c, 334, ir ? "UGFzc3dvcmQ6" : "VXNlcm5hbWU6");   /* Password: / Username: */
	} else {
		reply(c, 504, "5.5.4 unrecognized authentication type");
	}
}

/* A line while AUTH waits for the client (CS_AUTH_*). */
static void
auth_line(struct conn *c, const char *line)
{
	if (strcmp(line, "*") == 0) {
		c->st = CS_CMD;
		reply(c, 501, "5.0.0 authentication cancelled");
		return;
	}
	if (c->st == CS_AUTH_PLAIN) {
		auth_plain(c, line);
	} else if (c->st == CS_AUTH_USER) {
		if (login_decode(c, line, c->login_user)) {
			c->st = CS_AUTH_PASS;
			reply(c, 334, "UGFzc3dvcmQ6");
		}
	} else {
		char pass[SMTP_ADDR_MAX];
		if (login_decode(c, line, pass))
			auth_check(c, c->login_user, pass);
	}
}

/* MAIL/RCPT parameters: SIZE, BODY and AUTH are known on MAIL, none on
 * RCPT.  0, or the reply's code after answering. */
static int
check_params(struct conn *c, const char *p, bool mail)
{
	while (*p == ' ')
		p++;
	while (*p != '\0') {
		const char *end = strchr(p, ' ');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (mail && strncasecmp(p, "SIZE=", 5) == 0) {
			char *e;
			long long sz = strtoll(p + 5, &e, 10);
			if (e != p + n || e == p + 5 || sz < 0) {
				reply(c, 501, "5.5.4 SIZE must be a number");
				return 501;
			}
			if (sz > SMTP_SIZE_MAX) {
				reply(c, 552, "5.3.4 message size exceeds fixed limit");
				return 552;
			}
		} else if (!(mail && (strncasecmp(p, "BODY=", 5) == 0 ||
		    strncasecmp(p, "AUTH=", 5) == 0))) {
			reply(c, 555, "5.5.4 unsupported parameter %.*s", (int)(n > 64 ? 64 : n), p);
			return 555;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static void
cmd_mail(struct conn *c, const char *arg)
{
	char path[SMTP_ADDR_MAX];
	const char *params;
	if (!c->helo || c->from != NULL) {
		reply(c, 503, c->from ? "5.5.1 nested MAIL command" : "5.5.1 send EHLO first");
		return;
	}
	if (smtp_user != NULL && !c->authed) {
		reply(c, 530, "5.7.0 authentication required");
		return;
	}
	if (!parse_path(arg, "FROM:", path, &params)) {
		reply(c, 501, "5.1.7 syntax: MAIL FROM:<address>");
		return;
	}
	if (check_params(c, params, true) != 0)
		return;
	c->from = xstrdup(path);
	reply(c, 250, "2.1.0 Ok");
}

static void
cmd_rcpt(struct conn *c, const char *arg)
{
	char path[SMTP_ADDR_MAX];
	const char *params;
	if (c->from == NULL) {
		reply(c, 503, "5.5.1 need MAIL before RCPT");
		return;
	}
	if (!parse_path(arg, "TO:", path, &params) || strcmp(path, "<>") == 0) {
		reply(c, 501, "5.1.3 syntax: RCPT TO:<address>");
		return;
	}
	if (check_params(c, params, false) != 0)
		return;
	int code = store_rcpt_fault(path);
	if (code != 0) {
		reply(c, code, "%d.1.1 %s: recipient refused (XCTL FAIL RCPT)", code / 100, path);
		return;
	}
	if (c->nrcpt == SMTP_RCPT_MAX) {
		reply(c, 452, "4.5.3 too many recipients");
		return;
	}
	c->rcpt[c->nrcpt++] = xstrdup(path);
	reply(c, 250, "2.1.5 Ok");
}

static void
cmd_data(struct conn *c, const char *arg)
{
	if (*arg != '\0') {
		reply(c, 501, "5.5.4 DATA takes no argument");
		return;
	}
	if (c->from == NULL || c->nrcpt == 0) {
		reply(c, 503, c->from ? "5.5.1 need RCPT before DATA" : "5.5.1 need MAIL before DATA");
		return;
	}
	c->st = CS_DATA;
	c->dot = DOT_BOL;
	reply(c, 354, "End data with <CR><LF>.<CR><LF>");
}

static void
cmd_rset(struct conn *c, const char *arg)
{
	if (*arg != '\0') {
		reply(c, 501, "5.5.4 RSET takes no argument");
		return;
	}
	session_reset(c);
	reply(c, 250, "2.0.0 Ok");
}

static void
cmd_noop(struct conn *c, const char *arg)
{
	reply(c, 250, "2.0.0 Ok");
}

static void
cmd_quit(struct conn *c, const char *arg)
{
	reply(c, 221, "2.0.0 Bye");
	c->quit = true;
}

static void
cmd_vrfy(struct conn *c, const char *arg)
{
	reply(c, 252, "2.5.0 cannot VRFY user, but will accept message");
}

static void
cmd_help(struct conn *c, const char *arg)
{
	reply(c, 214, "2.0.0 EHLO HELO AUTH MAIL RCPT DATA RSET NOOP QUIT VRFY HELP XCTL");
}

static void
cmd_not_offered(struct conn *c, const char *arg)
{
	reply(c, 502, "5.5.1 command not implemented");
}

static void
cmd_xctl(struct conn *c, const char *arg)
{
	store_xctl(c, arg);
}

static const struct cmd {
	const char *verb;
	void (*fn)(struct conn *, const char *arg);
} cmds[] = {
	{ "EHLO", cmd_ehlo }, { "HELO", cmd_helo }, { "AUTH", cmd_auth },
	{ "MAIL", cmd_mail }, { "RCPT", cmd_rcpt }, { "DATA", cmd_data },
	{ "RSET", cmd_rset }, { "NOOP", cmd_noop }, { "QUIT", cmd_quit },
	{ "VRFY", cmd_vrfy }, { "HELP", cmd_help }, { "XCTL", cmd_xctl },
	{ "EXPN", cmd_not_offered }, { "STARTTLS", cmd_not_offered }, { "TURN", cmd_not_offered },
};

static void
command(struct conn *c, char *line)
{
	if (c->st != CS_CMD) {
		auth_line(c, line);
		return;
	}
	char *sp = strchr(line, ' ');
	const char *arg = "";
	if (sp != NULL) {
		*sp = '\0';
		arg = sp + 1;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcasecmp(line, cmds[i].verb) == 0) {
			cmds[i].fn(c, arg);
			return;
		}
	}
	reply(c, 500, "5.5.2 command unrecognized");
}

/* ---- DATA ---- */

static void
msg_byte(struct conn *c, char b)
{
	if (c->too_big)
		return;
	if (c->msg.len >= (size_t)SMTP_SIZE_MAX) {
		c->too_big = true;
		return;
	}
	sbuf_add(&c->msg, &b, 1);
}

/* Stores the message and answers 250 (451 when it could not be written). */
static void
data_accept(struct conn *c)
{
	unsigned seq = store_save(c);
	if (seq == 0)
		reply(c, 451, "4.3.0 could not store the message");
	else
		reply(c, 250, "2.0.0 Ok: queued as %06u", seq);
}

/* The DATA answer: 250 and the file, or the refusal code. */
static void
data_answer(struct conn *c, int code)
{
	if (code == 0)
		data_accept(c);
	else if (code == 552)
		reply(c, 552, "5.3.4 message size exceeds fixed limit");
	else
		reply(c, code, "%d.0.0 message refused (XCTL FAIL DATA)", code / 100);
	session_reset(c);
}

/* The message is complete: answer it now, or hold the answer (HANG). */
static void
data_end(struct conn *c)
{
	long hang = 0;
	int code = c->too_big ? 552 : store_data_fault(&hang);
	c->st = CS_CMD;
	if (hang > 0) {
		c->st = CS_WAIT;
		c->held_code = code;
		c->due_ms = smtp_now_ms() + hang;
		return;
	}
	data_answer(c, code);
}

/* Feeds DATA bytes; how many it took (it stops after the final dot). */
static size_t
data_feed(struct conn *c, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char b = p[i];
		switch (c->dot) {
		case DOT_BOL:
			if (b == '.') {
				c->dot = DOT_DOT;
				continue;
			}
			/* fall through */
		case DOT_MID:
			msg_byte(c, b);
			c->dot = b == '\r' ? DOT_CR : DOT_MID;
			break;
		case DOT_CR:
			msg_byte(c, b);
			c->dot = b == '\n' ? DOT_BOL : b == '\r' ? DOT_CR : DOT_MID;
			break;
		case DOT_DOT:                 /* a leading dot: stuffing, or the end */
			if (b == '\r') {
				c->dot = DOT_DOTCR;
			} else {
				msg_byte(c, b);
				c->dot = DOT_MID;
			}
			break;
		case DOT_DOTCR:
			if (b == '\n') {
				data_end(c);
				return i + 1;
			}
			msg_byte(c, '\r');        /* ".\rX": the dot goes, the rest stays */
			msg_byte(c, b);
			c->dot = b == '\r' ? DOT_CR : DOT_MID;
			break;
		}
	}
	return n;
}

/* ---- the input loop ---- */

void
session_wake(struct conn *c)
{
	c->st = CS_CMD;
	data_answer(c, c->held_code);
	session_process(c);
}

void
session_process(struct conn *c)
{
	while (!c->quit && c->st != CS_WAIT && c->in.len > c->in.off) {
		char *p = c->in.p + c->in.off;
		size_t avail = c->in.len - c->in.off;
		if (c->st == CS_DATA) {
			sbuf_consume(&c->in, data_feed(c, p, avail));
			continue;
		}
		char *lf = memchr(p, '\n', avail);
		if (c->discard) {
			sbuf_consume(&c->in, lf ? (size_t)(lf - p) + 1 : avail);
			c->discard = lf == NULL;
			continue;
		}
		if (lf == NULL) {
			if (avail >= SMTP_LINE_MAX) {
				reply(c, 500, "5.5.2 line too long");
				c->discard = true;
				sbuf_consume(&c->in, avail);
			}
			return;                   /* wait for the rest of the line */
		}
		size_t len = (size_t)(lf - p);
		sbuf_consume(&c->in, len + 1);
		if (len >= SMTP_LINE_MAX) {
			reply(c, 500, "5.5.2 line too long");
			continue;
		}
		char line[SMTP_LINE_MAX];
		memcpy(line, p, len);
		line[len] = '\0';
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (memchr(line, '\0', len) != NULL || memchr(line, '\r', len) != NULL) {
			reply(c, 500, "5.5.2 stray CR or NUL in the command");
			continue;
		}
		command(c, line);
	}
}
