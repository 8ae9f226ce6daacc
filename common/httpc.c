/* The HTTP core: libcurl and the internal-call transport (httpc.h). */
#include "httpc.h"
#include "config.h"
#include "fcgic.h"
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A curl easy handle and the connections it keeps alive. */
struct httpc {
	CURL *c;
};

static struct httpc process;   /* httpc_call's */
static bool global_done;
static char internal_base[256];

const char *
httpc_internal_base(void)
{
	if (internal_base[0] == '\0') {
		const char *u = config_str("INTERNAL_URL", NULL);
		if (u != NULL)
			snprintf(internal_base, sizeof internal_base, "%s", u);
		else
			snprintf(internal_base, sizeof internal_base, "http://127.0.0.1:%ld",
			    config_long("INTERNAL_PORT", 3100));
	}
	return internal_base;
}

const char *
httpc_internal_dir(void)
{
	static const char *dir;
	static bool read_dir;
	if (!read_dir) {
		dir = config_str("INTERNAL_FCGI_DIR", NULL);
		read_dir = true;
	}
	return dir;
}

/* libcurl's global state, once (before any handle). */
static void
global_init(void)
{
	if (!global_done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		global_done = true;
	}
}

struct httpc *
httpc_new(void)
{
	global_init();
	struct httpc *h = xmalloc(sizeof *h);
	if ((h->c = curl_easy_init()) == NULL)
		die_oom();
	return h;
}

void
httpc_free(struct httpc *h)
{
	if (h != NULL) {
		curl_easy_cleanup(h->c);
		free(h);
	}
}

void
httpc_cleanup(void)
{
	if (process.c != NULL) {
		curl_easy_cleanup(process.c);
		process.c = NULL;
	}
	if (global_done) {
		curl_global_cleanup();
		global_done = false;
	}
}

static size_t max_response = 4 << 20;

void
httpc_max_response(size_t bytes)
{
	max_response = bytes;
}

struct sink {
	struct buf b;
	size_t max;
	bool overflow;
};

static size_t
collect(char *p, size_t size, size_t n, void *u)
{
	struct sink *s = u;
	size_t len = size * n;
	if (s->b.len + len > s->max) {
		s->overflow = true;
		return 0;
	}
	buf_add(&s->b, p, len);
	return len;
}

/* The answer's body into resp: copied to the arena, parsed when JSON. */
static void
resp_body(struct arena *a, struct http_resp *resp, const struct buf *b)
{
	resp->len = b->len;
	resp->body = arena_strndup(a, b->p ? b->p : "", b->len);
	char err[64];
	if (resp->len > 0)
		resp->json = json_parse(a, resp->body, resp->len, err, sizeof err);
}

/* h's handle (the process's when NULL): made once, reset between calls
 * (which keeps its live connections). */
static CURL *
curl_handle(struct httpc *h)
{
	if (h == NULL)
		h = &process;
	if (h->c == NULL) {
		global_init();
		if ((h->c = curl_easy_init()) == NULL)
			die_oom();
	} else {
		curl_easy_reset(h->c);
	}
	return h->c;
}

/* Whether extra names a Content-Type of its own. */
static bool
has_content_type(const char *const *extra)
{
	for (const char *const *e = extra; e != NULL && *e != NULL; e++)
		if (strncasecmp(*e, "Content-Type:", 13) == 0)
			return true;
	return false;
}

static struct curl_slist *
headers(const char *request_id, bool body, const char *const *extra)
{
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Accept: application/json");
	if (body && !has_content_type(extra))
		h = curl_slist_append(h, "Content-Type: application/json");
	if (request_id != NULL) {
		char rid[128];
		snprintf(rid, sizeof rid, "X-Request-Id: %s", request_id);
		h = curl_slist_append(h, rid);
	}
	for (const char *const *e = extra; e != NULL && *e != NULL; e++)
		h = curl_slist_append(h, *e);
	return h;
}

int
httpc_call(struct arena *a, const char *request_id, const char *method, const char *url,
    const char *body, size_t body_len, const char *const *extra_headers,
    const char *userpwd, long timeout_ms, struct http_resp *resp)
{
	return httpc_call_on(NULL, a, request_id, method, url, body, body_len, extra_headers,
	    userpwd, timeout_ms, resp);
}

int
httpc_call_on(struct httpc *hc, struct arena *a, const char *request_id, const char *method,
    const char *url, const char *body, size_t body_len, const char *const *extra_headers,
    const char *userpwd, long timeout_ms, struct http_resp *resp)
{
	memset(resp, 0, sizeof *resp);
	CURL *c = curl_handle(hc);
	struct curl_slist *h = headers(request_id, body != NULL, extra_headers);
	struct sink s = { .max = max_response };
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 2000 ? timeout_ms : 2000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (userpwd != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	/* Never keep credentials on the reused handle. */
	curl_easy_setopt(c, CURLOPT_USERPWD, NULL);
	if (rc != CURLE_OK) {
		snprintf(resp->error, sizeof resp->error, "%s",
		    s.overflow ? "response too large" : curl_easy_strerror(rc));
		buf_free(&s.b);
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	resp_body(a, resp, &s.b);
	buf_free(&s.b);
	return 0;
}

/* The pool socket for an internal path ("/internal/<svc>/..."), when
 * INTERNAL_FCGI_DIR is set; else NULL (fcgic.h). */
static const char *
internal_socket(struct arena *a, const char *path)
{
	const char *dir = httpc_internal_dir();
	if (dir == NULL || *dir == '\0' || strncmp(path, "/internal/", 10) != 0)
		return NULL;
	const char *svc = path + 10;
	size_t n = strspn(svc, "abcdefghijklmnopqrstuvwxyz-");
	if (n == 0 || n > 40 || svc[n] != '/')
		return NULL;
	return arena_printf(a, "%s/%.*s.sock", dir, (int)n, svc);
}

/* The call over FastCGI to sock: 0, -1, or FCGIC_NO_SOCKET (fcgic.h). */
static int
internal_fcgi(struct arena *a, const char *sock, const char *request_id, const char *method,
    const char *path, const char *body, size_t body_len, long timeout_ms,
    struct http_resp *resp)
{
	memset(resp, 0, sizeof *resp);
	const char *q = strchr(path, '?');
	struct fcgic_req fq = {
		.method = method,
		.path = q ? arena_strndup(a, path, (size_t)(q - path)) : path,
		.query = q ? q + 1 : NULL,
		.body = body,
		.body_len = body ? body_len : 0,
		.request_id = request_id,
	};
	struct buf out = { 0 };
	int rc = fcgic_call(sock, &fq, timeout_ms, &resp->status, &out, resp->error,
	    sizeof resp->error);
	if (rc == 0)
		resp_body(a, resp, &out);
	else
		resp->status = 0;
	buf_free(&out);
	return rc;
}

int
httpc_internal(struct arena *a, const char *request_id, const char *method,
    const char *path, const char *body, size_t body_len, long timeout_ms,
    struct http_resp *resp)
{
	const char *sock = internal_socket(a, path);
	if (sock != NULL) {
		int rc = internal_fcgi(a, sock, request_id, method, path, body, body_len,
		    timeout_ms, resp);
		if (rc != FCGIC_NO_SOCKET)
			return rc;
	}
	/* No socket here: the pool runs elsewhere, ask the gateway. */
	char url[512];
	snprintf(url, sizeof url, "%s%s", httpc_internal_base(), path);
	return httpc_call(a, request_id, method, url, body, body_len, NULL, NULL, timeout_ms,
	    resp);
}
