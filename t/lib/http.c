#include "http.h"
#include "t.h"
#include "crypto.h"
#include <curl/curl.h>
#include <libpq-fe.h>
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

double
t_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
t_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
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

void
t_http_parallel(int n, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, long *status, char **bodies)
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
		if (body != NULL)
			curl_easy_setopt(h[i], CURLOPT_POSTFIELDS, body);
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

/* ---- JSON lookups ---- */

struct json_object *
t_jget(struct json_object *o, const char *path)
{
	char seg[128];
	const char *p = path;
	while (o != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof seg)
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (json_object_is_type(o, json_type_object)) {
			struct json_object *next = NULL;
			if (!json_object_object_get_ex(o, seg, &next))
				return NULL;
			o = next;
		} else if (json_object_is_type(o, json_type_array)) {
			char *end;
			long i = strtol(seg, &end, 10);
			if (*end != '\0' || i < 0 || (size_t)i >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)i);
		} else {
			return NULL;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return o;
}

const char *
t_jstr(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

long long
t_jint(struct json_object *o, const char *path, long long fallback)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL && json_object_is_type(v, json_type_int) ?
	    (long long)json_object_get_int64(v) : fallback;
}

size_t
t_jlen(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL && json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 0;
}

const char *
t_jtext(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	if (v != NULL)
		return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	/* json-c holds null as NULL: tell a null member from a missing one. */
	char parent[256];
	const char *dot = strrchr(path, '.');
	struct json_object *p = o;
	if (dot != NULL) {
		snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
		p = t_jget(o, parent);
	}
	const char *key = dot ? dot + 1 : path;
	return p != NULL && json_object_is_type(p, json_type_object) &&
	    json_object_object_get_ex(p, key, NULL) ? "null" : "(absent)";
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

/* ---- database ---- */

static PGresult *
vquery_mode(const char *url_env, const char *sql, va_list ap, PGconn **connp, bool write)
{
	*connp = NULL;
	const char *url = t_env(url_env);
	if (url == NULL)
		return NULL;
	const char *params[16];
	int n = 0;
	for (const char *p; n < 16 && (p = va_arg(ap, const char *)) != NULL; )
		params[n++] = p;
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { url, "5", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	*connp = c;
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "could not connect to %s: %s", url_env, PQerrorMessage(c));
		return NULL;
	}
	PGresult *r = PQexec(c, write ? "SELECT 1" : "SET default_transaction_read_only = on");
	PQclear(r);
	r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "could not run \"%s\": %s", sql, PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
	return r;
}

static PGresult *
vquery(const char *url_env, const char *sql, va_list ap, PGconn **connp)
{
	return vquery_mode(url_env, sql, ap, connp, false);
}

long long
t_db_write(const char *url_env, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	PGconn *c;
	PGresult *r = vquery_mode(url_env, sql, ap, &c, true);
	va_end(ap);
	long long n = r != NULL ? strtoll(PQcmdTuples(r), NULL, 10) : -1;
	PQclear(r);
	PQfinish(c);
	return n;
}

char *
t_db_value(const char *url_env, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	PGconn *c;
	PGresult *r = vquery(url_env, sql, ap, &c);
	va_end(ap);
	char *v = NULL;
	if (r != NULL && PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

long long
t_db_count(const char *url_env, const char *sql, ...)
{
	va_list ap;
	va_start(ap, sql);
	PGconn *c;
	PGresult *r = vquery(url_env, sql, ap, &c);
	va_end(ap);
	long long v = -1;
	if (r != NULL && PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	PQfinish(c);
	return v;
}

/* ---- tokens ---- */

char *
t_mint(const char *sub, const char *email, enum role role, enum token_type typ,
    long ttl, long age, const char *key)
{
	if (key == NULL && (key = t_env("JWT_SECRET")) == NULL)
		return NULL;
	struct principal p;
	memset(&p, 0, sizeof p);
	snprintf(p.sub, sizeof p.sub, "%s", sub);
	snprintf(p.email, sizeof p.email, "%s", email ? email : "");
	p.role = role;
	p.typ = typ;
	if (typ == TOKEN_REFRESH) {
		crypto_uuid4(p.jti);
		crypto_uuid4(p.fam);
	}
	return token_issue(&p, ttl, time(NULL) - age, (const unsigned char *)key, strlen(key));
}

/* ---- processes ---- */

int
t_spawn(const char *const argv[])
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "could not run %s\n", argv[0]);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

pid_t
t_stack_pid(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/run/%s.pid", t_env("VAR_DIR"), name);
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) != 1 || pid < 0)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

pid_t
t_stack_restart(const char *name, const char *var, const char *value)
{
	pid_t pid = t_stack_pid(name);
	if (pid <= 0 || kill(pid, SIGTERM) != 0)
		return 0;
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		t_sleep_ms(100);
	char *saved = NULL;
	if (var != NULL) {
		saved = getenv(var) ? strdup(getenv(var)) : NULL;
		if (value != NULL)
			setenv(var, value, 1);
		else
			unsetenv(var);
	}
	const char *argv[] = { t_env("STACK"), "run", NULL };
	int rc = t_spawn(argv);
	if (var != NULL) {
		if (saved != NULL)
			setenv(var, saved, 1);
		else
			unsetenv(var);
	}
	free(saved);
	pid_t now = t_stack_pid(name);
	return rc == 0 && now > 0 && now != pid ? now : 0;
}

struct t_user
t_register(const char *role, const char *prefix)
{
	char email[120], body[300];
	struct resp rs;
	struct t_user u = { NULL, NULL };
	t_unique(email, sizeof email, prefix);
	snprintf(body, sizeof body, "{\"email\":\"%s@example.com\",\"password\":\"correct horse 1\","
	    "\"firstName\":\"Test\",\"lastName\":\"User\",\"role\":\"%s\"}", email, role);
	t_post_json(&rs, "/auth/register", NULL, body);
	const char *tok = t_jstr(rs.json, "accessToken"), *id = t_jstr(rs.json, "user.id");
	if (rs.status == 201 && tok != NULL && id != NULL) {
		u.token = strdup(tok);
		u.id = strdup(id);
	} else {
		fprintf(stderr, "%s: could not register a %s: %ld %s\n", prefix, role, rs.status,
		    rs.body);
	}
	t_resp_free(&rs);
	return u;
}

void
t_user_free(struct t_user *u)
{
	free(u->token);
	free(u->id);
	u->token = u->id = NULL;
}

char *
t_create(const char *url, const char *token, const char *json)
{
	struct resp rs;
	t_post_json(&rs, url, token, json);
	char *id = NULL;
	if (t_check_status(&rs, 201, __FILE__, __LINE__) && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return id;
}

long
t_event_post(struct resp *rs, const char *service, const char *event_id, const char *type,
    const char *payload)
{
	char url[300];
	snprintf(url, sizeof url, "%s/internal/%s/events", t_env("INTERNAL_URL"), service);
	size_t n = strlen(payload) + strlen(event_id) + strlen(type) + 200;
	char *body = malloc(n);
	if (body == NULL)
		return 0;
	snprintf(body, n, "{\"eventId\":\"%s\",\"type\":\"%s\",\"source\":\"order\","
	    "\"aggregateId\":\"x\",\"occurredAt\":\"2026-01-01T00:00:00.000Z\",\"attempt\":1,"
	    "\"payload\":%s}", event_id, type, payload);
	long st = t_send_json(rs, "POST", url, NULL, body);
	free(body);
	return st;
}

int
t_cron_job(const char *env, const char *args, char *out, size_t n)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s '%s/cron-job' %s 2>/dev/null", env, t_env("BIN_DIR"), args);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	size_t len = fread(out, 1, n - 1, p);
	out[len] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- processes ---- */

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* /proc/<pid>/stat into buf: the text after the command's closing ')',
 * or NULL when the process is gone. */
static const char *
proc_stat(pid_t pid, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *s = fopen(path, "r");
	if (s == NULL)
		return NULL;
	size_t len = fread(buf, 1, n - 1, s);
	fclose(s);
	buf[len] = '\0';
	return strrchr(buf, ')');
}

bool
t_alive(pid_t pid)
{
	char buf[512];
	const char *p = proc_stat(pid, buf, sizeof buf);
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int
t_children(pid_t pid, pid_t *out)
{
	char path[128];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "r");
	if (f != NULL) {
		long c;
		while (n < T_MAXKIDS && fscanf(f, "%ld", &c) == 1)
			out[n++] = (pid_t)c;
		fclose(f);
	} else {
		/* Without CONFIG_PROC_CHILDREN: scan every process's parent. */
		DIR *d = opendir("/proc");
		if (d == NULL)
			return -1;
		struct dirent *e;
		while ((e = readdir(d)) != NULL && n < T_MAXKIDS) {
			char *end;
			long p = strtol(e->d_name, &end, 10);
			if (*end != '\0' || p <= 0)
				continue;
			char buf[512];
			const char *rp = proc_stat((pid_t)p, buf, sizeof buf);
			char state;
			long ppid;
			if (rp != NULL && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 &&
			    ppid == (long)pid && state != 'Z')
				out[n++] = (pid_t)p;
		}
		closedir(d);
	}
	/* Zombies are dead workers not yet reaped. */
	int live = 0;
	for (int i = 0; i < n; i++)
		if (t_alive(out[i]))
			out[live++] = out[i];
	qsort(out, (size_t)live, sizeof *out, cmp_pid);
	return live;
}


int
t_kill_children(const char *name, int sig)
{
	pid_t m = t_stack_pid(name), kids[T_MAXKIDS];
	int n = m > 0 ? t_children(m, kids) : -1;
	for (int i = 0; i < n; i++)
		kill(kids[i], sig);
	return n;
}

bool
t_pool_full(const char *name, int want, long ms)
{
	pid_t m = t_stack_pid(name), kids[T_MAXKIDS];
	double end = t_now() + (double)ms / 1000.0;
	do {
		if (m > 0 && t_children(m, kids) >= want)
			return true;
		t_sleep_ms(20);
	} while (t_now() < end);
	return false;
}

/* ---- held transactions ---- */

PGconn *
t_db_hold(const char *url_env, const char *sql, ...)
{
	const char *url = t_env(url_env);
	if (url == NULL)
		return NULL;
	const char *params[16];
	int n = 0;
	va_list ap;
	va_start(ap, sql);
	for (const char *p; n < 16 && (p = va_arg(ap, const char *)) != NULL; )
		params[n++] = p;
	va_end(ap);
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { url, "5", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	PGresult *r = NULL;
	if (PQstatus(c) == CONNECTION_OK) {
		PQclear(PQexec(c, "BEGIN"));
		r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	}
	if (r == NULL || (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)) {
		fprintf(stderr, "could not hold \"%s\": %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	return c;
}

void
t_db_hold_end(PGconn *c)
{
	if (c == NULL)
		return;
	PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c);
}

bool
t_db_wait_blocked(const char *url_env, const char *like, int want, long ms)
{
	double end = t_now() + (double)ms / 1000.0;
	do {
		long long n = t_db_count(url_env, "SELECT count(*) FROM pg_stat_activity WHERE "
		    "datname = current_database() AND wait_event_type = 'Lock' "
		    "AND query LIKE $1", like ? like : "%", (char *)NULL);
		if (want == 0 ? n == 0 : n >= want)
			return true;
		t_sleep_ms(20);
	} while (t_now() < end);
	return false;
}

long long
t_db_kill_blocked(const char *url_env, const char *like)
{
	return t_db_count(url_env, "WITH v AS MATERIALIZED (SELECT pid FROM pg_stat_activity "
	    "WHERE datname = current_database() AND wait_event_type = 'Lock' "
	    "AND pid <> pg_backend_pid() AND query LIKE $1) "
	    "SELECT count(*) FROM v WHERE pg_terminate_backend(v.pid)", like ? like : "%",
	    (char *)NULL);
}
