/* Twilio's Programmable Messaging API, the one call a sender makes
 * (provider-facts.md "SMS"):
 *
 *   POST /2010-04-01/Accounts/{AccountSid}/Messages.json
 *   Authorization: Basic base64(AccountSid:AuthToken)
 *   application/x-www-form-urlencoded: To, From | MessagingServiceSid, Body
 *
 * 201 with the message resource, or Twilio's error body
 * {"code","message","more_info","status"}. */
#include "stub.h"
#include "config.h"
#include "valid.h"
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TW_BODY_MAX 1600       /* characters */

void
tw_error(struct req *r, int status, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char more[80];
	snprintf(more, sizeof more, "https://www.twilio.com/docs/errors/%d", code);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kint(&w, "code", code);
	jw_kstr(&w, "message", msg);
	jw_kstr(&w, "more_info", more);
	jw_kint(&w, "status", status);
	jw_obj_close(&w);
	reply_w(r, status);
}

void
tw_fault(struct req *r, int status)
{
	if (status == 401)
		tw_error(r, 401, 20003, "Authenticate");
	else if (status == 429)
		tw_error(r, 429, 20429, "Too Many Requests");
	else if (status == 503)
		tw_error(r, 503, 20503, "Service Unavailable");
	else if (status >= 500)
		tw_error(r, status, 20500, "Internal Server Error");
	else
		tw_error(r, status, 20000 + status, "%s", http_reason(status));
}

void
tw_not_found(struct req *r)
{
	tw_error(r, 404, 20404, "The requested resource %s was not found", r->path);
}

/* "AccountSid:AuthToken" in base64, built once. */
static const char *
basic_token(void)
{
	static char *want;
	if (want == NULL) {
		char plain[512];
		int n = snprintf(plain, sizeof plain, "%s:%s", config_str("TWILIO_ACCOUNT_SID", ""),
		    config_str("TWILIO_AUTH_TOKEN", ""));
		want = xmalloc(4 * ((size_t)n + 2) / 3 + 4);
		EVP_EncodeBlock((unsigned char *)want, (const unsigned char *)plain, n);
	}
	return want;
}

/* A form field of the body (first occurrence, decoded), NULL when absent
 * or when the body is not a form.  req_query reads r->query: it is pointed
 * at the body for the call. */
static const char *
form_get(struct req *r, const char *name)
{
	if (r->content_type == NULL ||
	    strncasecmp(r->content_type, "application/x-www-form-urlencoded", 33) != 0)
		return NULL;
	const char *q = r->query;
	r->query = r->body ? r->body : "";
	const char *v = req_query(r, name);
	r->query = q;
	return v;
}

/* GSM-7 (here: ASCII) bodies go 160 characters to a segment, 153 when
 * split; any other character makes it UCS-2: 70, 67 when split. */
static int
segments(const char *body)
{
	bool ascii = true;
	for (const unsigned char *p = (const unsigned char *)body; *p; p++)
		ascii = ascii && *p < 0x80;
	long n = (long)utf8_chars(body), one = ascii ? 160 : 70, part = ascii ? 153 : 67;
	return n <= one ? 1 : (int)((n + part - 1) / part);
}

/* The checks Twilio makes, in its order; 0, or -1 after answering. */
static int
check_or_reply(struct req *r, const char *to, const char *from, const char *svc,
    const char *body)
{
	const char *want_from = config_str("TWILIO_FROM", NULL);
	if (to == NULL || !valid_phone(to)) {
		tw_error(r, 400, 21211, "The 'To' number %s is not a valid phone number.",
		    to ? to : "");
		return -1;
	}
	if ((from == NULL || *from == '\0') && (svc == NULL || *svc == '\0')) {
		tw_error(r, 400, 21603, "A 'From' phone number is required.");
		return -1;
	}
	if (from != NULL && *from != '\0' && want_from != NULL && strcmp(from, want_from) != 0) {
		tw_error(r, 400, 21606, "The From phone number %s is not a valid, SMS-capable "
		    "inbound phone number or short code for your account.", from);
		return -1;
	}
	if (body == NULL || *body == '\0') {
		tw_error(r, 400, 21602, "Message body is required.");
		return -1;
	}
	if (utf8_chars(body) > TW_BODY_MAX) {
		tw_error(r, 400, 21617, "The concatenated message body exceeds the %d character "
		    "limit.", TW_BODY_MAX);
		return -1;
	}
	if (ns_refused(r, NS_TWILIO, to)) {
		tw_error(r, 400, 21211, "The 'To' number %s is not a valid phone number.", to);
		return -1;
	}
	return 0;
}

/* The message resource as Twilio answers a create. */
static void
put_message(struct jw *w, const struct ns_msg *m, const char *sid, const char *svc,
    const char *body)
{
	char date[40], uri[160];
	ns_rfc2822(m->at_ms, date);
	bool queued = svc == NULL || *svc == '\0';
	jw_obj_open(w);
	jw_kstr(w, "account_sid", sid);
	jw_kstr(w, "api_version", "2010-04-01");
	jw_kstr(w, "body", body);
	jw_kstr(w, "date_created", date);
	jw_knull(w, "date_sent");
	jw_kstr(w, "date_updated", date);
	jw_kstr(w, "direction", "outbound-api");
	jw_knull(w, "error_code");
	jw_knull(w, "error_message");
	jw_kstr(w, "from", m->from[0] ? m->from : NULL);
	jw_kstr(w, "messaging_service_sid", queued ? NULL : svc);
	jw_kstr(w, "num_media", "0");
	char seg[12];
	snprintf(seg, sizeof seg, "%d", queued ? segments(body) : 0);
	jw_kstr(w, "num_segments", seg);
	jw_knull(w, "price");
	jw_kstr(w, "price_unit", "USD");
	jw_kstr(w, "sid", m->id);
	jw_kstr(w, "status", queued ? "queued" : "accepted");
	jw_key(w, "subresource_uris");
	jw_obj_open(w);
	snprintf(uri, sizeof uri, "/2010-04-01/Accounts/%s/Messages/%s/Media.json", sid, m->id);
	jw_kstr(w, "media", uri);
	jw_obj_close(w);
	jw_kstr(w, "to", m->to);
	snprintf(uri, sizeof uri, "/2010-04-01/Accounts/%s/Messages/%s.json", sid, m->id);
	jw_kstr(w, "uri", uri);
	jw_obj_close(w);
}

void
tw_messages_create(struct req *r)
{
	int fault = ns_call_begin(r, NS_TWILIO);
	if (fault != 0) {
		tw_fault(r, fault);
		return;
	}
	const char *sid = config_str("TWILIO_ACCOUNT_SID", "");
	if (!ns_auth_is(req_header(r, "HTTP_AUTHORIZATION"), "Basic", basic_token())) {
		tw_error(r, 401, 20003, "Authenticate");
		return;
	}
	if (strcmp(req_param(r, "sid"), sid) != 0) {
		tw_not_found(r);
		return;
	}
	const char *to = form_get(r, "To"), *from = form_get(r, "From");
	const char *svc = form_get(r, "MessagingServiceSid"), *body = form_get(r, "Body");
	if (check_or_reply(r, to, from, svc, body) != 0)
		return;
	struct ns_msg m = { .provider = NS_TWILIO, .at_ms = ns_now_ms() };
	memcpy(m.id, "SM", 2);
	ns_hex(m.id + 2, 32);
	snprintf(m.to, sizeof m.to, "%s", to);
	snprintf(m.from, sizeof m.from, "%s", from && *from ? from : "");
	snprintf(m.type, sizeof m.type, "sms");
	if (!ns_msg_add(r, &m, body, strlen(body))) {
		tw_error(r, 500, 20500, "the stand-in is full (%d messages)", NS_MSGS);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	put_message(&w, &m, sid, svc, body);
	reply_w(r, 201);
}
