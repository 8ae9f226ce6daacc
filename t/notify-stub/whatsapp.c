/* Meta's WhatsApp Cloud API (Graph API), the one call a sender makes
 * (provider-facts.md "WhatsApp"):
 *
 *   POST /v19.0/{phone-number-id}/messages
 *   Authorization: Bearer {access-token}
 *   {"messaging_product":"whatsapp","recipient_type"?:"individual","to":"<digits>",
 *    "type":"text","text":{"body":"...","preview_url"?:bool}}
 *   or "type":"template","template":{"name","language":{"code"},"components"?:[...]}
 *
 * 200 {"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],
 * "messages":[{"id":"wamid...."}]}, or Graph's error body
 * {"error":{"message","type","code","error_subcode"?,"error_data"?,
 * "is_transient"?,"fbtrace_id"}}. */
#include "stub.h"
#include "config.h"
#include "crypto.h"
#include "valid.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define WA_BODY_MAX 4096       /* characters */

/* Graph's error body.  subcode 0 and details NULL leave those out. */
static void
wa_error(struct req *r, int status, long code, int subcode, bool transient,
    const char *details, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

static void
wa_error(struct req *r, int status, long code, int subcode, bool transient,
    const char *details, const char *fmt, ...)
{
	char msg[512], trace[12];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	crypto_token(trace, 11);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "error");
	jw_obj_open(&w);
	jw_kstr(&w, "message", msg);
	jw_kstr(&w, "type", code == 100 && subcode == 33 ? "GraphMethodException" : "OAuthException");
	jw_kint(&w, "code", code);
	if (subcode != 0)
		jw_kint(&w, "error_subcode", subcode);
	if (details != NULL) {
		jw_key(&w, "error_data");
		jw_obj_open(&w);
		jw_kstr(&w, "messaging_product", "whatsapp");
		jw_kstr(&w, "details", details);
		jw_obj_close(&w);
	}
	if (transient)
		jw_kbool(&w, "is_transient", true);
	jw_kstr(&w, "fbtrace_id", trace);
	jw_obj_close(&w);
	jw_obj_close(&w);
	reply_w(r, status);
}

/* (#100) Invalid parameter, with what was wrong. */
#define WA_BAD(r, ...) wa_error((r), 400, 100, 0, false, NULL, __VA_ARGS__)

void
wa_fault(struct req *r, int status)
{
	if (status == 401)
		wa_error(r, 401, 190, 0, false, NULL, "Invalid OAuth access token.");
	else if (status == 429)
		wa_error(r, 429, 130429, 0, false, "Cloud API message throughput has been reached.",
		    "(#130429) Rate limit hit");
	else if (status == 503)
		wa_error(r, 503, 2, 0, true, NULL, "Service temporarily unavailable");
	else if (status >= 500)
		wa_error(r, status, 1, 0, true, NULL, "An unknown error has occurred.");
	else
		WA_BAD(r, "(#100) Invalid parameter");
}

void
wa_not_found(struct req *r)
{
	wa_error(r, 400, 100, 33, false, NULL, "Unsupported post request. Object with ID '%s' "
	    "does not exist, cannot be loaded due to missing permissions, or does not support "
	    "this operation.", req_param(r, "a") ? req_param(r, "a") : r->path);
}

/* "to": the number in international form, digits only, 7 to 15 of them. */
static bool
wa_to_ok(const char *to)
{
	size_t n = to ? strlen(to) : 0;
	if (n < 7 || n > 15)
		return false;
	for (size_t i = 0; i < n; i++)
		if (to[i] < '0' || to[i] > '9')
			return false;
	return true;
}

/* A template message: its name and parameters as the body ("name: a | b")
 * into out; false after answering. */
static bool
wa_template(struct req *r, const struct jv *t, struct buf *out)
{
	const char *name = json_str(t, "name");
	const struct jv *lang = json_get(t, "language"), *comps = json_get(t, "components");
	if (t == NULL || t->type != JV_OBJ || name == NULL || *name == '\0') {
		WA_BAD(r, "(#100) The parameter template['name'] is required.");
		return false;
	}
	if (json_str(lang, "code") == NULL) {
		WA_BAD(r, "(#100) The parameter template['language']['code'] is required.");
		return false;
	}
	if (comps != NULL && comps->type != JV_ARR) {
		WA_BAD(r, "(#100) Param template['components'] must be an array.");
		return false;
	}
	buf_adds(out, name);
	const char *sep = ": ";
	for (size_t i = 0; comps != NULL && i < comps->n; i++) {
		const struct jv *ps = json_get(comps->items[i], "parameters");
		for (size_t k = 0; ps != NULL && ps->type == JV_ARR && k < ps->n; k++) {
			const char *text = json_str(ps->items[k], "text");
			if (text == NULL)
				continue;
			if (strpbrk(text, "\n\t") != NULL || strstr(text, "     ") != NULL) {
				wa_error(r, 400, 132018, 0, false, NULL, "(#132018) There was an issue "
				    "with the parameters in your template. Param text cannot have "
				    "new-line/tab characters or more than 4 consecutive spaces");
				return false;
			}
			buf_adds(out, sep);
			buf_adds(out, text);
			sep = " | ";
		}
	}
	return true;
}

/* The body's checks in Graph's order: the message's text (or template
 * summary) into out and its type into *type; false after answering. */
static bool
wa_check(struct req *r, const struct jv *v, const char **type, struct buf *out)
{
	const char *product = json_str(v, "messaging_product"), *to = json_str(v, "to");
	const char *rtype = json_str(v, "recipient_type");
	*type = json_str(v, "type") ? json_str(v, "type") : "text";
	if (product == NULL || strcmp(product, "whatsapp") != 0) {
		WA_BAD(r, "(#100) The parameter messaging_product is required.");
		return false;
	}
	if (rtype != NULL && strcmp(rtype, "individual") != 0) {
		WA_BAD(r, "(#100) Param recipient_type must be 'individual'.");
		return false;
	}
	if (!wa_to_ok(to)) {
		WA_BAD(r, "(#100) Invalid parameter: to must be the number in international form, "
		    "digits only");
		return false;
	}
	if (strcmp(*type, "template") == 0)
		return wa_template(r, json_get(v, "template"), out);
	if (strcmp(*type, "text") != 0) {
		WA_BAD(r, "(#100) Param type must be one of {TEXT, TEMPLATE}");
		return false;
	}
	const char *body = json_str(json_get(v, "text"), "body");
	if (body == NULL || *body == '\0') {
		WA_BAD(r, "(#100) The parameter text['body'] is required.");
		return false;
	}
	if (utf8_chars(body) > WA_BODY_MAX) {
		WA_BAD(r, "(#100) Param text['body'] must be at most %d characters long.", WA_BODY_MAX);
		return false;
	}
	buf_adds(out, body);
	return true;
}

static void
wa_answer(struct req *r, const struct ns_msg *m, bool template)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "messaging_product", "whatsapp");
	jw_key(&w, "contacts");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kstr(&w, "input", m->to);
	jw_kstr(&w, "wa_id", m->to);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_key(&w, "messages");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kstr(&w, "id", m->id);
	if (template)
		jw_kstr(&w, "message_status", "accepted");
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

void
wa_messages_create(struct req *r)
{
	int fault = ns_call_begin(r, NS_WHATSAPP);
	if (fault != 0) {
		wa_fault(r, fault);
		return;
	}
	if (!ns_auth_is(req_header(r, "HTTP_AUTHORIZATION"), "Bearer",
	    config_str("WHATSAPP_TOKEN", ""))) {
		wa_error(r, 401, 190, 0, false, NULL, "Invalid OAuth access token.");
		return;
	}
	const char *phone = config_str("WHATSAPP_PHONE_NUMBER_ID", "");
	if (strcmp(req_param(r, "phone"), phone) != 0) {
		wa_error(r, 400, 100, 33, false, NULL, "Unsupported post request. Object with ID "
		    "'%s' does not exist, cannot be loaded due to missing permissions, or does not "
		    "support this operation.", req_param(r, "phone"));
		return;
	}
	char err[128];
	const char *type;
	struct buf text = { 0 };
	struct jv *v = r->body_len ? json_parse(r->a, r->body, r->body_len, err, sizeof err) : NULL;
	if (v == NULL || v->type != JV_OBJ) {
		WA_BAD(r, "(#100) The request body is not a JSON object");
		return;
	}
	if (!wa_check(r, v, &type, &text)) {
		buf_free(&text);
		return;
	}
	struct ns_msg m = { .provider = NS_WHATSAPP, .at_ms = ns_now_ms() };
	snprintf(m.to, sizeof m.to, "%s", json_str(v, "to"));
	snprintf(m.from, sizeof m.from, "%s", phone);
	snprintf(m.type, sizeof m.type, "%s", type);
	memcpy(m.id, "wamid.HBgM", 10);
	crypto_token(m.id + 10, 48);
	if (ns_refused(r, NS_WHATSAPP, m.to)) {
		wa_error(r, 400, 131030, 2655007, false, "Recipient phone number not in allowed list: "
		    "Add recipient phone number to recipient list and try again.",
		    "(#131030) Recipient phone number not in allowed list");
	} else if (!ns_msg_add(r, &m, text.p ? text.p : "", text.len)) {
		wa_error(r, 500, 1, 0, true, NULL, "the stand-in is full (%d messages)", NS_MSGS);
	} else {
		wa_answer(r, &m, strcmp(type, "template") == 0);
	}
	buf_free(&text);
}
