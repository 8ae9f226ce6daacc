#include "http.h"
#include "config.h"
#include "fcgic.h"
#include "log.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

static CURL *handle;
static char internal_base[256];

const char *
http_internal_base(void)
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
resp_body(struct req *r, struct http_resp *resp, const struct buf *b)
{
	resp->len = b->len;
	resp->body = arena_strndup(r->a, b->p ? b->p : "", b->len);
	char err[64];
	if (resp->len > 0)
		resp->json = json_parse(r->a, resp->body, resp->len, err, sizeof err);
}

int
http_call(struct req *r, const char *method, const char *url, const char *body,
    size_t body_len, const char *const *extra_headers, const char *userpwd,
    long timeout_ms, struct http_resp *resp)
{
	memset(resp, 0, sizeof *resp);
	if (handle == NULL) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		if ((handle = curl_easy_init()) == NULL)
			die_oom();
	} else {
		curl_easy_reset(handle);   /* keeps live connections */
	}
	struct curl_slist *h = NULL;
	h = curl_slist_append(h, "Accept: application/json");
	if (body != NULL)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (r->request_id != NULL) {
		char rid[128];
		snprintf(rid, sizeof rid, "X-Request-Id: %s", r->request_id);
		h = curl_slist_append(h, rid);
	}
	for (const char *const *e = extra_headers; e != NULL && *e != NULL; e++)
		h = curl_slist_append(h, *e);
	struct sink s = { .max = 4 << 20 };
	curl_easy_setopt(handle, CURLOPT_URL, url);
	curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(handle, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 2000 ? timeout_ms : 2000L);
	curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(handle, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body != NULL) {
		curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	}
	if (userpwd != NULL) {
		curl_easy_setopt(handle, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(handle, CURLOPT_USERPWD, userpwd);
	}
	CURLcode rc = curl_easy_perform(handle);
	curl_slist_free_all(h);
	/* Never keep credentials on the reused handle. */
	curl_easy_setopt(handle, CURLOPT_USERPWD, NULL);
	if (rc != CURLE_OK) {
		snprintf(resp->error, sizeof resp->error, "%s",
		    s.overflow ? "response too large" : curl_easy_strerror(rc));
		buf_free(&s.b);
		return -1;
	}
	curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &resp->status);
	resp_body(r, resp, &s.b);
	buf_free(&s.b);
	return 0;
}

/* The pool socket for an internal path ("/internal/<svc>/..."), when
 * INTERNAL_FCGI_DIR is set; else NULL (fcgic.h). */
static const char *
internal_socket(struct req *r, const char *path)
{
	static const char *dir;
	static bool read_dir;
	if (!read_dir) {
		dir = config_str("INTERNAL_FCGI_DIR", NULL);
		read_dir = true;
	}
	if (dir == NULL || *dir == '\0' || strncmp(path, "/internal/", 10) != 0)
		return NULL;
	const char *svc = path + 10;
	size_t n = strspn(svc, "abcdefghijklmnopqrstuvwxyz-");
	if (n == 0 || n > 40 || svc[n] != '/')
		return NULL;
	return arena_printf(r->a, "%s/%.*s.sock", dir, (int)n, svc);
}

const char *
http_failure(struct req *r, int rc, const struct http_resp *resp)
{
	return rc != 0 ? resp->error : arena_printf(r->a, "status %ld", resp->status);
}

int
http_unavailable(struct req *r, const char *svc, const char *why)
{
	log_err("%s service: %s", svc, why);
	reply_error(r, 503, "%s service unavailable", svc);
	return -1;
}

int
http_internal(struct req *r, const char *method, const char *path,
    const struct buf *body, struct http_resp *resp)
{
	const char *sock = internal_socket(r, path);
	int rc = FCGIC_NO_SOCKET;
	if (sock != NULL) {
		memset(resp, 0, sizeof *resp);
		const char *q = strchr(path, '?');
		struct fcgic_req fq = {
			.method = method,
			.path = q ? arena_strndup(r->a, path, (size_t)(q - path)) : path,
			.query = q ? q + 1 : NULL,
			.body = body ? (body->p ? body->p : "") : NULL,
			.body_len = body ? body->len : 0,
			.request_id = r->request_id,
		};
		struct buf out = { 0 };
		rc = fcgic_call(sock, &fq, 3000, &resp->status, &out, resp->error,
		    sizeof resp->error);
		if (rc == 0) {
			resp_body(r, resp, &out);
		} else {
			resp->status = 0;
		}
		buf_free(&out);
	}
	if (rc == FCGIC_NO_SOCKET) {
		/* No socket here: the pool runs elsewhere, ask the gateway. */
		char url[512];
		snprintf(url, sizeof url, "%s%s", http_internal_base(), path);
		rc = http_call(r, method, url, body ? body->p : NULL, body ? body->len : 0,
		    NULL, NULL, 3000, resp);
	}
	if (rc != 0)
		log_err("internal call %s %s failed: %s", method, path, resp->error);
	return rc;
}
