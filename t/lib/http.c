#include "http.h"
#include "t.h"
#include <curl/curl.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool t_retry_429 = true;

const char *
t_env(const char *name)
{
	const char *v = getenv(name);
	if (v == NULL || v[0] == '\0') {
		fprintf(stderr, "environment variable %s is not set (run through scripts/test.sh)\n",
		    name);
		return NULL;
	}
	return v;
}

/* ---- HTTP ---- */

struct sink {
	char *p;
	size_t len, cap;
};

static void
sink_add(struct sink *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 1024;
		while (cap < s->len + n + 1)
			cap *= 2;
		char *q = realloc(s->p, cap);
		if (q == NULL) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
		s->p = q;
		s->cap = cap;
	}
	memcpy(s->p + s->len, p, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	sink_add(arg, p, size * n);
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	/* A new status line (after 100 Continue): keep only the last block. */
	if (size * n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		s->len = 0;
	sink_add(s, p, size * n);
	return size * n;
}

static void
parse_json(struct resp *rs)
{
	if (rs->len == 0)
		return;
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = json_tokener_parse_ex(tok, rs->body, (int)rs->len);
	size_t off = json_tokener_get_parse_end(tok);
	while (off < rs->len && isspace((unsigned char)rs->body[off]))
		off++;
	if (o != NULL && json_tokener_get_error(tok) == json_tokener_success && off == rs->len)
		rs->json = o;
	else
		json_object_put(o);
	json_tokener_free(tok);
}

static void
curl_once(void)
{
	static bool inited;
	if (!inited) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		inited = true;
	}
}

static long
perform(struct resp *rs, const char *method, const char *url, struct curl_slist *hl,
    const char *body, size_t len)
{
	curl_once();
	CURL *c = curl_easy_init();
	if (c == NULL)
		return 0;
	struct sink b = { 0 }, h = { 0 };
	sink_add(&b, "", 0);
	sink_add(&h, "", 0);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "reseller-tests/1");
	double t0 = t_now();
	CURLcode cc = curl_easy_perform(c);
	rs->secs = t_now() - t0;
	rs->curl_err = (int)cc;
	rs->status = 0;
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rs->status);
	else
		fprintf(stderr, "%s: %s\n", rs->what, curl_easy_strerror(cc));
	curl_easy_cleanup(c);
	rs->body = b.p;
	rs->len = b.len;
	rs->headers = h.p;
	parse_json(rs);
	return rs->status;
}

static long
vhttp(struct resp *rs, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, size_t len, va_list ap)
{
	memset(rs, 0, sizeof *rs);
	char full[4096];
	const char *base = "";
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
		base = getenv("BASE_URL");
		if (base == NULL)
			base = "http://127.0.0.1:3000";
	}
	snprintf(full, sizeof full, "%s%s", base, url);
	snprintf(rs->what, sizeof rs->what, "%s %.140s", method, url);

	struct curl_slist *hl = NULL;
	char line[8192];
	if (token != NULL) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, line);
	}
	if (ctype != NULL) {
		snprintf(line, sizeof line, "Content-Type: %s", ctype);
		hl = curl_slist_append(hl, line);
	} else {
		hl = curl_slist_append(hl, "Content-Type:");   /* none, not curl's form type */
	}
	for (const char *x; (x = va_arg(ap, const char *)) != NULL; )
		hl = curl_slist_append(hl, x);

	long st = perform(rs, method, full, hl, body, len);
	for (int tries = 0; st == 429 && t_retry_429 && tries < 30; tries++) {
		char what[sizeof rs->what];
		memcpy(what, rs->what, sizeof what);
		t_resp_free(rs);
		memcpy(rs->what, what, sizeof what);
		t_sleep_ms(1000);
		st = perform(rs, method, full, hl, body, len);
	}
	curl_slist_free_all(hl);
	return st;
}

long
t_http(struct resp *rs, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, size_t len, ...)
{
	va_list ap;
	va_start(ap, len);
	long st = vhttp(rs, method, url, token, ctype, body, len, ap);
	va_end(ap);
	return st;
}

long
t_get(struct resp *rs, const char *url, const char *token)
{
	return t_http(rs, "GET", url, token, NULL, NULL, 0, (char *)NULL);
}

long
t_post_json(struct resp *rs, const char *url, const char *token, const char *json)
{
	return t_http(rs, "POST", url, token, "application/json", json, strlen(json),
	    (char *)NULL);
}

long
t_send_json(struct resp *rs, const char *method, const char *url, const char *token,
    const char *json)
{
	return t_http(rs, method, url, token, "application/json", json, strlen(json),
	    (char *)NULL);
}

bool
t_wait_json(struct resp *rs, const char *url, const char *token, const char *path,
    const char *want, double secs)
{
	struct resp own;
	struct resp *r = rs != NULL ? rs : &own;
	double end = t_now() + secs;
	for (;;) {
		t_get(r, url, token);
		const char *s = t_jstr(r->json, path);
		bool ok = r->status == 200 && ((s != NULL && strcmp(s, want) == 0) ||
		    strcmp(t_jtext(r->json, path), want) == 0);
		if (ok || t_now() > end) {
			if (rs == NULL)
				t_resp_free(r);
			return ok;
		}
		t_resp_free(r);
		t_sleep_ms(100);
	}
}

bool
t_wait_health(struct resp *rs, long code, const char *path, const char *want, double secs)
{
	double end = t_now() + secs;
	for (;;) {
		t_get(rs, "/health", NULL);
		const char *st = path ? t_jstr(rs->json, path) : NULL;
		if (rs->status == code && (path == NULL || (st && strcmp(st, want) == 0)))
			return true;
		if (t_now() > end)
			return false;
		t_resp_free(rs);
		t_sleep_ms(200);
	}
}

bool
t_wait_up(const char *url, double secs)
{
	double end = t_now() + secs;
	for (;;) {
		struct resp rs;
		long st = t_get(&rs, url, NULL);
		t_resp_free(&rs);
		if (st == 200)
			return true;
		if (t_now() > end)
			return false;
		t_sleep_ms(100);
	}
}

void
t_http_many(int n, const char *method, const char *url, const char *token,
    const char *ctype, const char *const *body, long *status, char **bodies)
{
	curl_once();
	char full[4096], line[8192];
	const char *base = strncmp(url, "http", 4) == 0 ? "" : getenv("BASE_URL");
	snprintf(full, sizeof full, "%s%s", base ? base : "", url);
	struct curl_slist *hl = NULL;
	if (token != NULL) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", token);
		hl = curl_slist_append(hl, line);
	}
	snprintf(line, sizeof line, "Content-Type:%s%s", ctype ? " " : "", ctype ? ctype : "");
	hl = curl_slist_append(hl, line);
	CURLM *m = curl_multi_init();
	CURL **h = calloc((size_t)n, sizeof *h);
	struct sink *b = calloc((size_t)n, sizeof *b);
	if (h == NULL || b == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (int i = 0; i < n; i++) {
		sink_add(&b[i], "", 0);
		h[i] = curl_easy_init();
		curl_easy_setopt(h[i], CURLOPT_URL, full);
		curl_easy_setopt(h[i], CURLOPT_CUSTOMREQUEST, method);
		if (body != NULL && body[i] != NULL)
			curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, body[i]);
		curl_easy_setopt(h[i], CURLOPT_HTTPHEADER, hl);
		curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h[i], CURLOPT_WRITEDATA, &b[i]);
		curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 30L);
		curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
		curl_multi_add_handle(m, h[i]);
	}
	int running = 1;
	while (running > 0) {
		curl_multi_perform(m, &running);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < n; i++) {
		status[i] = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &status[i]);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
		if (bodies != NULL)
			bodies[i] = b[i].p;
		else
			free(b[i].p);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	free(h);
	free(b);
}

void
t_http_parallel(int n, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, long *status, char **bodies)
{
	const char **same = calloc((size_t)n, sizeof *same);
	if (same == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	for (int i = 0; i < n; i++)
		same[i] = body;
	t_http_many(n, method, url, token, ctype, same, status, bodies);
	free(same);
}

void
t_resp_free(struct resp *rs)
{
	free(rs->body);
	free(rs->headers);
	if (rs->json != NULL)
		json_object_put(rs->json);
	for (int i = 0; i < rs->nvals; i++)
		free(rs->vals[i]);
	memset(rs, 0, sizeof *rs);
}

const char *
t_header(struct resp *rs, const char *name)
{
	if (rs->headers == NULL)
		return NULL;
	size_t nl = strlen(name);
	const char *found = NULL;
	size_t flen = 0;
	for (const char *p = rs->headers; *p; ) {
		const char *e = strstr(p, "\r\n");
		size_t ll = e ? (size_t)(e - p) : strlen(p);
		if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			const char *ve = p + ll;
			while (v < ve && (*v == ' ' || *v == '\t')) v++;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
			found = v;
			flen = (size_t)(ve - v);
		}
		if (e == NULL)
			break;
		p = e + 2;
	}
	if (found == NULL)
		return NULL;
	char *copy = strndup(found, flen);
	if (rs->nvals == (int)(sizeof rs->vals / sizeof rs->vals[0])) {
		free(rs->vals[--rs->nvals]);
	}
	rs->vals[rs->nvals++] = copy;
	return copy;
}


/* ---- assertions ---- */

bool
t_check_status(struct resp *rs, long want, const char *file, int line)
{
	return t_check(rs->status == want, file, line, "%s -> %ld, expected %ld: %.500s",
	    rs->what, rs->status, want, rs->body ? rs->body : "");
}

bool
t_check_error(struct resp *rs, long want, const char *mention, const char *file, int line)
{
	if (!t_check_status(rs, want, file, line))
		return false;
	const char *ct = t_header(rs, "Content-Type");
	bool ok = t_check(ct != NULL && strncasecmp(ct, "application/json", 16) == 0, file, line,
	    "%s -> %ld: Content-Type \"%s\", expected application/json", rs->what,
	    rs->status, ct ? ct : "(none)");
	ok &= t_check(rs->json != NULL && json_object_is_type(rs->json, json_type_object),
	    file, line, "%s -> %ld: body is not a JSON object: %.300s", rs->what, rs->status,
	    rs->body);
	if (rs->json == NULL)
		return false;
	ok &= t_check(t_jint(rs->json, "statusCode", -1) == want, file, line,
	    "%s: statusCode %lld, expected %ld: %.300s", rs->what,
	    t_jint(rs->json, "statusCode", -1), want, rs->body);
	const char *msg = t_jstr(rs->json, "message"), *err = t_jstr(rs->json, "error");
	ok &= t_check(msg != NULL && msg[0] != '\0' && err != NULL && err[0] != '\0', file,
	    line, "%s: message or error missing: %.300s", rs->what, rs->body);
	if (mention != NULL)
		ok &= t_check(t_contains(msg, mention), file, line,
		    "%s: message \"%s\" does not mention \"%s\"", rs->what, msg ? msg : "(none)",
		    mention);
	return ok;
}

