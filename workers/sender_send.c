/* The sender's providers and outlets (sender_send.h). */
#include "sender_send.h"
#include "config.h"
#include "httpc.h"
#include "log.h"
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const channel_names[CH__MAX] = { "EMAIL", "SMS", "WHATSAPP" };

struct outlet {
	const struct providers *p;
	enum channel ch;
	bool configured;
	CURL *smtp;             /* email: one handle, its connection kept */
	char reply[256];        /* the SMTP server's refusal, or its last reply line */
	bool refused;           /* reply holds a refusal (4xx/5xx) */
	struct httpc *http;     /* SMS, WhatsApp */
	char *url;              /* their endpoint */
	char *userpwd;          /* Twilio: "sid:token" */
	char *bearer;           /* Meta: "Authorization: Bearer ..." */
	int log_fd;             /* the log channel: NOTIFY_LOG_FILE, or -1 */
};

/* ---- settings ---- */

/* An id that goes into a URL path as it is. */
static bool
path_safe(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* All of a provider's variables or none; -1 with why when only some. */
static int
all_or_none(const char *what, const char *const *names, const char **vals, int n, char *why,
    size_t len)
{
	int set = 0;
	for (int i = 0; i < n; i++)
		set += vals[i] != NULL;
	if (set == 0 || set == n)
		return 0;
	for (int i = 0; i < n; i++)
		if (vals[i] == NULL) {
			snprintf(why, len, "%s is configured in part: %s is not set", what, names[i]);
			return -1;
		}
	return 0;
}

int
providers_load(struct providers *p, char *why, size_t n)
{
	memset(p, 0, sizeof *p);
	p->smtp_url = config_str("SMTP_URL", NULL);
	p->smtp_user = config_str("SMTP_USER", NULL);
	p->smtp_password = config_str("SMTP_PASSWORD", NULL);
	p->smtp_from = config_str("SMTP_FROM", NULL);
	p->smtp_ca_file = config_str("SMTP_CA_FILE", NULL);
	p->twilio_base = config_str("TWILIO_API_BASE", "https://api.twilio.com/2010-04-01");
	p->twilio_sid = config_str("TWILIO_ACCOUNT_SID", NULL);
	p->twilio_token = config_str("TWILIO_AUTH_TOKEN", NULL);
	p->twilio_from = config_str("TWILIO_FROM", NULL);
	p->wa_base = config_str("WHATSAPP_API_BASE", "https://graph.facebook.com/v19.0");
	p->wa_phone_id = config_str("WHATSAPP_PHONE_NUMBER_ID", NULL);
	p->wa_token = config_str("WHATSAPP_TOKEN", NULL);
	const char *tpl = config_str("WHATSAPP_TEMPLATE", NULL);
	if (tpl != NULL && *tpl != '\0' &&
	    sender_wa_template_parse(tpl, p->wa_template, p->wa_lang) != 0) {
		snprintf(why, n, "WHATSAPP_TEMPLATE is an approved template's name and its language "
		    "code, \"order_update:en\"");
		return -1;
	}
	p->log_file = config_str("NOTIFY_LOG_FILE", "var/log/notifications.log");
	p->timeout_ms = config_long("NOTIFY_TIMEOUT_MS", 10000);
	if (p->timeout_ms < 100) p->timeout_ms = 100;
	if (p->timeout_ms > 600000) p->timeout_ms = 600000;
	if (p->smtp_url != NULL && sender_from_parse(p->smtp_from, &p->from) != 0) {
		snprintf(why, n, "SMTP_URL is set but SMTP_FROM (\"Shop <no-reply@shop.example>\") "
		    "is %s", p->smtp_from ? "not an address to send from" : "not set");
		return -1;
	}
	if ((p->smtp_user == NULL) != (p->smtp_password == NULL)) {
		snprintf(why, n, "SMTP_USER and SMTP_PASSWORD go together");
		return -1;
	}
	static const char *const tw[] = { "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
		"TWILIO_FROM" };
	static const char *const wa[] = { "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TOKEN" };
	if (all_or_none("Twilio", tw, (const char *[]){ p->twilio_sid, p->twilio_token,
	    p->twilio_from }, 3, why, n) != 0 ||
	    all_or_none("WhatsApp", wa, (const char *[]){ p->wa_phone_id, p->wa_token }, 2, why,
	    n) != 0)
		return -1;
	if ((p->twilio_sid && !path_safe(p->twilio_sid)) ||
	    (p->wa_phone_id && !path_safe(p->wa_phone_id))) {
		snprintf(why, n, "TWILIO_ACCOUNT_SID and WHATSAPP_PHONE_NUMBER_ID are letters and "
		    "digits");
		return -1;
	}
	return 0;
}

bool
provider_configured(const struct providers *p, enum channel ch)
{
	switch (ch) {
	case CH_EMAIL: return p->smtp_url != NULL;
	case CH_SMS: return p->twilio_sid != NULL;
	case CH_WHATSAPP: return p->wa_phone_id != NULL;
	default: return false;
	}
}

const char *
provider_name(const struct providers *p, enum channel ch)
{
	if (!provider_configured(p, ch))
		return "the log file";
	return ch == CH_EMAIL ? "SMTP" : ch == CH_SMS ? "Twilio" : "Meta";
}

/* ---- outlets ---- */

/* The SMTP server's replies as libcurl reads them: the first refusal of a
 * transfer is kept (libcurl QUITs after it, and the 221 must not hide
 * it), else the last line.  What we send is never looked at. */
static int
smtp_trace(CURL *c, curl_infotype type, char *data, size_t size, void *u)
{
	(void)c;
	struct outlet *o = u;
	if (type != CURLINFO_HEADER_IN || o->refused)
		return 0;
	o->refused = size >= 3 && (data[0] == '4' || data[0] == '5');
	size_t n = size < sizeof o->reply - 1 ? size : sizeof o->reply - 1;
	memcpy(o->reply, data, n);
	while (n > 0 && (o->reply[n - 1] == '\n' || o->reply[n - 1] == '\r'))
		n--;
	o->reply[n] = '\0';
	return 0;
}

/* The settings an SMTP transfer keeps from one message to the next. */
static void
smtp_setup(struct outlet *o)
{
	const struct providers *p = o->p;
	CURL *c = o->smtp;
	curl_easy_setopt(c, CURLOPT_URL, p->smtp_url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	/* STARTTLS whenever the server offers it (smtps:// is TLS anyway). */
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (p->smtp_ca_file != NULL && *p->smtp_ca_file != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, p->smtp_ca_file);
	if (p->smtp_user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, p->smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, p->smtp_password);
	}
	char from[300];
	snprintf(from, sizeof from, "<%s>", p->from.addr);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);   /* libcurl copies it */
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, p->timeout_ms < 5000 ? p->timeout_ms : 5000L);
	curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, smtp_trace);
	curl_easy_setopt(c, CURLOPT_DEBUGDATA, o);
}

struct outlet *
outlet_new(const struct providers *p, enum channel ch)
{
	struct outlet *o = xmalloc(sizeof *o);
	memset(o, 0, sizeof *o);
	o->p = p;
	o->ch = ch;
	o->log_fd = -1;
	o->configured = provider_configured(p, ch);
	if (!o->configured)
		return o;
	o->http = httpc_new();   /* libcurl's global setup, before any thread */
	if (ch == CH_EMAIL) {
		if ((o->smtp = curl_easy_init()) == NULL)
			die_oom();
		smtp_setup(o);
	} else if (ch == CH_SMS) {
		size_t len = strlen(p->twilio_base) + strlen(p->twilio_sid) + 40;
		o->url = xmalloc(len);
		snprintf(o->url, len, "%s/Accounts/%s/Messages.json", p->twilio_base, p->twilio_sid);
		len = strlen(p->twilio_sid) + strlen(p->twilio_token) + 2;
		o->userpwd = xmalloc(len);
		snprintf(o->userpwd, len, "%s:%s", p->twilio_sid, p->twilio_token);
	} else {
		size_t len = strlen(p->wa_base) + strlen(p->wa_phone_id) + 20;
		o->url = xmalloc(len);
		snprintf(o->url, len, "%s/%s/messages", p->wa_base, p->wa_phone_id);
		len = strlen(p->wa_token) + 32;
		o->bearer = xmalloc(len);
		snprintf(o->bearer, len, "Authorization: Bearer %s", p->wa_token);
	}
	return o;
}

/* Overwrites a secret before its memory goes back. */
static void
free_secret(char *s)
{
	if (s != NULL) {
		volatile char *v = s;
		while (*v)
			*v++ = '\0';
		free(s);
	}
}

void
outlet_free(struct outlet *o)
{
	if (o == NULL)
		return;
	if (o->smtp != NULL)
		curl_easy_cleanup(o->smtp);
	httpc_free(o->http);
	free(o->url);
	free_secret(o->userpwd);
	free_secret(o->bearer);
	if (o->log_fd >= 0)
		close(o->log_fd);
	free(o);
}

/* ---- one attempt per channel ---- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
upload_read(char *dst, size_t size, size_t nitems, void *u)
{
	struct upload *up = u;
	size_t n = size * nitems < up->left ? size * nitems : up->left;
	memcpy(dst, up->p, n);
	up->p += n;
	up->left -= n;
	return n;
}

/* Email: the message built (a recipient that cannot be sent to is refused
 * at once), then MAIL, RCPT and DATA on the kept connection.  The
 * provider's id is the Message-ID, the same on every attempt. */
static void
send_email(struct outlet *o, struct arena *a, const struct note *n, struct outcome *out)
{
	struct sender_mail m = { .from = &o->p->from, .to = n->recipient,
		.subject = n->subject, .body = n->body, .id = n->id, .date = time(NULL) };
	struct buf msg = { 0 };
	char why[160];
	if (sender_mail_build(&m, &msg, why, sizeof why) != 0) {
		out->verdict = SV_REFUSED;
		out->error = arena_strdup(a, why);
		buf_free(&msg);
		return;
	}
	char rcpt[300];
	snprintf(rcpt, sizeof rcpt, "<%s>", n->recipient);
	struct curl_slist *to = curl_slist_append(NULL, rcpt);
	struct upload up = { msg.p, msg.len };
	CURL *c = o->smtp;
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg.len);
	o->reply[0] = '\0';
	o->refused = false;
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	if (o->refused)
		code = strtol(o->reply, NULL, 10);
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(to);
	buf_free(&msg);
	if (rc != CURLE_OK && code < 400)
		code = 0;   /* no refusal came: a transport failure or a timeout */
	out->verdict = sender_smtp_verdict(code, rc == CURLE_OK);
	if (out->verdict == SV_SENT)
		out->provider_id = arena_printf(a, "<%s@%s>", n->id, o->p->from.domain);
	else
		out->error = sender_smtp_error(a, code, o->reply, curl_easy_strerror(rc));
}

/* An HTTP provider's answer: the verdict, its id or its error. */
static void
http_outcome(struct arena *a, int rc, const struct http_resp *r,
    const char *(*id_of)(const struct jv *), struct outcome *out)
{
	if (rc != 0) {
		out->verdict = SV_RETRY;
		out->error = arena_printf(a, "HTTP: %s", r->error);
		return;
	}
	out->verdict = sender_http_verdict(r->status);
	if (out->verdict == SV_SENT)
		out->provider_id = id_of(r->json);
	else
		out->error = sender_http_error(a, r->status, r->body, r->json);
}

/* SMS: Twilio's Messages API, a form with basic auth; the answer's sid. */
static void
send_sms(struct outlet *o, struct arena *a, const struct note *n, struct outcome *out)
{
	struct buf form = { 0 };
	sender_twilio_form(&form, n->recipient, o->p->twilio_from, n->body);
	static const char *const hdrs[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_resp r;
	int rc = httpc_call_on(o->http, a, NULL, "POST", o->url, form.p, form.len, hdrs,
	    o->userpwd, o->p->timeout_ms, &r);
	buf_free(&form);
	http_outcome(a, rc, &r, sender_twilio_sid, out);
}

/* WhatsApp: Meta's Cloud API, a JSON text message (or, with
 * WHATSAPP_TEMPLATE, that template with the text as its parameter) to the
 * number's digits with a bearer token; the answer's messages[0].id. */
static void
send_whatsapp(struct outlet *o, struct arena *a, const struct note *n, struct outcome *out)
{
	char digits[24];
	if (sender_digits(n->recipient, digits, sizeof digits) == 0) {
		out->verdict = SV_REFUSED;
		out->error = "the recipient is not a phone number";
		return;
	}
	struct buf json = { 0 };
	if (o->p->wa_template[0] != '\0')
		sender_meta_template_json(&json, digits, o->p->wa_template, o->p->wa_lang, n->body);
	else
		sender_meta_json(&json, digits, n->body);
	const char *const hdrs[] = { o->bearer, NULL };
	struct http_resp r;
	int rc = httpc_call_on(o->http, a, NULL, "POST", o->url, json.p, json.len, hdrs, NULL,
	    o->p->timeout_ms, &r);
	buf_free(&json);
	http_outcome(a, rc, &r, sender_meta_id, out);
}

/* No provider: one JSON line in the log file (one write, so lines of
 * several lanes or senders never interleave), and it counts as sent. */
static void
send_log(struct outlet *o, struct arena *a, const struct note *n, struct outcome *out)
{
	if (o->log_fd < 0)
		o->log_fd = open(o->p->log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (o->log_fd < 0) {
		out->verdict = SV_RETRY;
		out->error = arena_printf(a, "could not open %s: %s", o->p->log_file,
		    strerror(errno));
		return;
	}
	struct sender_logged l = { .id = n->id, .user_id = n->user_id, .type = n->type,
		.channel = channel_names[n->ch], .to = n->recipient, .subject = n->subject,
		.body = n->body, .at = time(NULL) };
	struct buf line = { 0 };
	sender_log_line(&line, &l);
	buf_addc(&line, '\n');
	ssize_t w = write(o->log_fd, line.p, line.len);
	bool ok = w == (ssize_t)line.len;
	buf_free(&line);
	out->verdict = ok ? SV_SENT : SV_RETRY;
	if (!ok) {
		out->error = arena_printf(a, "could not write %s: %s", o->p->log_file,
		    w < 0 ? strerror(errno) : "short write");
		close(o->log_fd);
		o->log_fd = -1;
	}
}

void
outlet_send(struct outlet *o, struct arena *a, const struct note *n, struct outcome *out)
{
	memset(out, 0, sizeof *out);
	if (!o->configured)
		send_log(o, a, n, out);
	else if (o->ch == CH_EMAIL)
		send_email(o, a, n, out);
	else if (o->ch == CH_SMS)
		send_sms(o, a, n, out);
	else
		send_whatsapp(o, a, n, out);
}
