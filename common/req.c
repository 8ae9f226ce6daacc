#include "req.h"
#include "clock.h"
#include "log.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
param(struct req *r, const char *name, const char *def)
{
	const char *v = FCGX_GetParam(name, r->fcgi->envp);
	return v != NULL ? v : def;
}

void
req_init(struct req *r, FCGX_Request *f)
{
	memset(r, 0, sizeof *r);
	r->a = arena_new(64 * 1024);
	r->fcgi = f;
}

int
req_begin(struct req *r, size_t body_max)
{
	r->t0 = mono_s();
	r->now = time(NULL);
	r->status = 0;
	r->authed = false;
	r->nparams = 0;
	r->idem_key = NULL;
	r->idem_id = NULL;
	r->idem_done = false;
	memset(&r->user, 0, sizeof r->user);
	buf_reset(&r->out);
	buf_reset(&r->headers);

	r->method = param(r, "REQUEST_METHOD", "GET");
	r->path = param(r, "DOCUMENT_URI", NULL);
	if (r->path == NULL) {
		/* Without nginx's DOCUMENT_URI: the request URI up to '?'. */
		const char *uri = param(r, "REQUEST_URI", "/");
		const char *q = strchr(uri, '?');
		r->path = q ? arena_strndup(r->a, uri, (size_t)(q - uri)) : uri;
	}
	r->query = param(r, "QUERY_STRING", "");
	r->content_type = param(r, "CONTENT_TYPE", "");
	r->request_id = param(r, "REQUEST_ID", "-");
	r->remote_addr = param(r, "REMOTE_ADDR", "");
	r->user_agent = param(r, "HTTP_USER_AGENT", "");
	r->internal = strcmp(param(r, "INTERNAL", "0"), "1") == 0;

	/* Body: CONTENT_LENGTH bytes, never more than body_max kept. */
	const char *cl = param(r, "CONTENT_LENGTH", "");
	char *end;
	unsigned long long want = strtoull(cl, &end, 10);
	if (cl[0] == '\0' || *end != '\0')
		want = 0;
	r->body_too_large = want > body_max;
	size_t cap = r->body_too_large ? 0 : (size_t)want;
	r->body = arena_alloc(r->a, cap + 1);
	size_t got = 0;
	while (got < cap) {
		int n = FCGX_GetStr(r->body + got, (int)(cap - got > 65536 ? 65536 : cap - got),
		    r->fcgi->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->body_len = got;
	return 0;
}

const char *
req_header(struct req *r, const char *cgi_name)
{
	return FCGX_GetParam(cgi_name, r->fcgi->envp);
}

const char *
req_param(struct req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->param_names[i], name) == 0)
			return r->param_vals[i];
	return NULL;
}

static int
unhex(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Decodes %XX and '+'; returns NULL on a bad escape or an embedded NUL. */
static char *
url_decode(struct arena *a, const char *s, size_t n)
{
	char *o = arena_alloc(a, n + 1), *p = o;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*p++ = ' ';
		} else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			int h = unhex(s[i + 1]), l = unhex(s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return NULL;
			*p++ = (char)(h << 4 | l);
			i += 2;
		} else {
			*p++ = s[i];
		}
	}
	*p = '\0';
	return o;
}

const char *
req_query(struct req *r, const char *name)
{
	size_t nl = strlen(name);
	const char *q = r->query;
	while (*q) {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		size_t kl = eq ? (size_t)(eq - q) : len;
		char *key = url_decode(r->a, q, kl);
		if (key != NULL && strlen(key) == nl && memcmp(key, name, nl) == 0) {
			if (eq == NULL)
				return "";
			char *v = url_decode(r->a, eq + 1, len - kl - 1);
			return v != NULL ? v : "";
		}
		if (amp == NULL)
			break;
		q = amp + 1;
	}
	return NULL;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return status < 400 ? "OK" : "Error";
	}
}

void
reply_json(struct req *r, int status, const struct buf *body)
{
	if (r->status != 0)
		return;
	r->status = status;
	if (body != &r->out) {
		buf_reset(&r->out);
		if (body != NULL && body->len)
			buf_add(&r->out, body->p, body->len);
	}
}

void
reply_reset(struct req *r)
{
	r->status = 0;
	buf_reset(&r->out);
	buf_reset(&r->headers);
}

void
reply_empty(struct req *r, int status)
{
	if (r->status != 0)
		return;
	r->status = status;
	buf_reset(&r->out);
}

void
reply_error(struct req *r, int status, const char *fmt, ...)
{
	if (r->status != 0)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	buf_reset(&r->out);
	struct jw w;
	jw_init(&w, &r->out);
	jw_obj_open(&w);
	jw_kint(&w, "statusCode", status);
	jw_kstr(&w, "message", msg);
	jw_kstr(&w, "error", http_reason(status));
	jw_obj_close(&w);
	r->status = status;
}

void
reply_header(struct req *r, const char *name, const char *value)
{
	/* Header values come from us, never raw from a client: still, no CR/LF. */
	for (const char *p = value; *p; p++)
		if (*p == '\r' || *p == '\n')
			return;
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

void
req_writer(struct req *r, struct jw *w)
{
	buf_reset(&r->out);
	jw_init(w, &r->out);
}

void
reply_w(struct req *r, int status)
{
	reply_json(r, status, &r->out);
}

struct jv *
req_json_or_reply(struct req *r)
{
	if (r->body_too_large) {
		reply_error(r, 413, "request body is too large");
		return NULL;
	}
	/* application/json, optionally with parameters (charset=utf-8). */
	const char *ct = r->content_type;
	size_t n = strlen("application/json");
	if (strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
		reply_error(r, 415, "content type must be application/json");
		return NULL;
	}
	if (r->body_len == 0) {
		reply_error(r, 400, "request body is required");
		return NULL;
	}
	char err[128];
	struct jv *v = json_parse(r->a, r->body, r->body_len, err, sizeof err);
	if (v == NULL) {
		reply_error(r, 400, "malformed JSON: %s", err);
		return NULL;
	}
	if (v->type != JV_OBJ) {
		reply_error(r, 400, "request body must be a JSON object");
		return NULL;
	}
	return v;
}

int
fields_or_reply(struct req *r, const struct jv *obj, const struct field *f, size_t n,
    struct fval *out, const char *prefix)
{
	char msg[512];
	if (valid_fields(r->a, obj, f, n, out, prefix, msg, sizeof msg) == 0)
		return 0;
	reply_error(r, 400, "%s", msg);
	return -1;
}

int
optional_fields_or_reply(struct req *r, const struct field *f, size_t n, struct fval *out)
{
	memset(out, 0, n * sizeof *out);
	if (r->body_len == 0 && !r->body_too_large)
		return 0;
	struct jv *body = req_json_or_reply(r);
	return body == NULL ? -1 : fields_or_reply(r, body, f, n, out, NULL);
}

const char *
param_uuid_or_reply(struct req *r, const char *name)
{
	const char *v = req_param(r, name);
	if (!valid_uuid(v)) {
		reply_error(r, 400, "%s must be a UUID", name);
		return NULL;
	}
	return arena_strlower(r->a, v);
}

long
req_elapsed_ms(const struct req *r)
{
	return (long)((mono_s() - r->t0) * 1000);
}

void
req_end(struct req *r)
{
	if (r->status == 0)
		reply_error(r, 500, "internal server error");
	/* One buffer, one write: libfcgi's own printf knows no %zu. */
	FCGX_Stream *o = r->fcgi->out;
	char head[160];
	int hl;
	if (r->status == 204)
		hl = snprintf(head, sizeof head, "Status: 204 No Content\r\n");
	else
		hl = snprintf(head, sizeof head, "Status: %d %s\r\n"
		    "Content-Type: application/json; charset=utf-8\r\n"
		    "Content-Length: %zu\r\n", r->status, http_reason(r->status), r->out.len);
	FCGX_PutStr(head, hl, o);
	if (r->headers.len)
		FCGX_PutStr(r->headers.p, (int)r->headers.len, o);
	FCGX_PutStr("\r\n", 2, o);
	if (r->status != 204 && r->out.len)
		FCGX_PutStr(r->out.p, (int)r->out.len, o);

	double ms = (mono_s() - r->t0) * 1e3;
	log_request(r->request_id, r->method, r->path, r->status, ms,
	    r->authed ? r->user.sub : NULL);

	/* Keep big buffers from growing the worker forever. */
	if (r->out.cap > 1 << 20)
		buf_free(&r->out);
	arena_reset(r->a);
}
