/* health: the gateway's own endpoints.
 *
 * GET /health asks every deployed service for its own health through the
 * internal listener, in parallel, and reports all: each service up or
 * down with its outbox (pending events, the oldest one's wait; the
 * notification service's due notifications too), and the relay's and the
 * sender's heartbeats.  GET /admin/events/dead
 * and POST /admin/events/:eventId/retry (ADMIN) gather the dead events of
 * every service's outbox and put one back in the relay's queue. */
#include "client_outbox.h"
#include "config.h"
#include "server.h"
#include "services.h"   /* generated from services.conf */
#include "supervise.h"
#include "valid.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERVICES 16

/* Each service's health path, from services.conf (scripts/services.awk). */
static const struct { const char *name, *path; } health_paths[] = { SERVICES_HEALTH };

static const char *
health_path(const char *svc)
{
	for (size_t i = 0; i < sizeof health_paths / sizeof health_paths[0]; i++)
		if (strcmp(health_paths[i].name, svc) == 0)
			return health_paths[i].path;
	return NULL;
}

/* One service's health answer, asked for in parallel with the others. */
struct probe {
	const char *name;
	CURL *h;
	struct buf body;
};

static size_t
keep(char *p, size_t size, size_t n, void *u)
{
	struct buf *b = u;
	size_t len = size * n;
	if (b->len + len <= 16384)
		buf_add(b, p, len);
	return len;
}

/* A non-negative integer member of an object, or -1. */
static long long
num(const struct jv *o, const char *key)
{
	const struct jv *v = json_get(o, key);
	if (v == NULL || v->type != JV_NUM)
		return -1;
	char *end;
	long long n = strtoll(v->s, &end, 10);
	return end != v->s && *end == '\0' && n >= 0 ? n : -1;
}

/* The notification service's queue as it reported it (nothing for the
 * others): notifications due and how long the oldest has waited.  False
 * when that is longer than NOTIFY_MAX_WAIT_SECONDS (60). */
static bool
notifications_put(struct jw *w, const struct jv *root)
{
	const struct jv *q = json_get(root, "notifications");
	long long due = num(q, "due"), oldest = num(q, "oldestDueSeconds");
	if (due < 0 || oldest < 0)
		return true;
	jw_key(w, "notifications");
	jw_obj_open(w);
	jw_kint(w, "due", due);
	jw_kint(w, "oldestDueSeconds", oldest);
	jw_obj_close(w);
	return oldest <= config_long("NOTIFY_MAX_WAIT_SECONDS", 60);
}

/* services.<name>: whether it answered 200, and its outbox as it reported
 * it (null when it did not).  Returns false when the service is down or
 * its oldest pending event has waited longer than max_wait seconds. */
static bool
service_put(struct req *r, struct jw *w, struct probe *p, long max_wait)
{
	long code = 0;
	curl_easy_getinfo(p->h, CURLINFO_RESPONSE_CODE, &code);
	bool up = code == 200, ok = up;
	jw_key(w, p->name);
	jw_obj_open(w);
	jw_kstr(w, "status", up ? "up" : "down");
	jw_kint(w, "httpStatus", code);
	char err[64];
	const struct jv *root = p->body.len > 0 ?
	    json_parse(r->a, p->body.p, p->body.len, err, sizeof err) : NULL;
	const struct jv *outbox = json_get(root, "outbox");
	long long pending = num(outbox, "pending"), oldest = num(outbox, "oldestPendingSeconds");
	if (pending >= 0 && oldest >= 0) {
		jw_key(w, "outbox");
		jw_obj_open(w);
		jw_kint(w, "pending", pending);
		jw_kint(w, "oldestPendingSeconds", oldest);
		jw_obj_close(w);
		ok = ok && oldest <= max_wait;
	} else {
		jw_knull(w, "outbox");
	}
	ok = notifications_put(w, root) && ok;
	jw_obj_close(w);
	return ok;
}

/* A daemon of workers/ (the relay, the sender): its heartbeat (<NAME>_
 * HEARTBEAT_FILE, written by its child every <NAME>_HEARTBEAT_MS): "up"
 * when at most <NAME>_STALE_SECONDS (10) old, "stale" when older, "down"
 * when there is none, "unknown" when no heartbeat file is configured (the
 * daemon is not deployed).  Returns false when stale or down. */
static bool
daemon_put(struct jw *w, const char *name, const char *upper)
{
	char file[64], stale_var[64];
	snprintf(file, sizeof file, "%s_HEARTBEAT_FILE", upper);
	snprintf(stale_var, sizeof stale_var, "%s_STALE_SECONDS", upper);
	const char *path = config_str(file, NULL);
	long stale = config_long(stale_var, 10);
	double age = path != NULL ? supervise_heartbeat_age(path) : -1;
	const char *status = path == NULL ? "unknown" : age < 0 ? "down" :
	    age > (double)stale ? "stale" : "up";
	jw_key(w, name);
	jw_obj_open(w);
	jw_kstr(w, "status", status);
	if (age >= 0)
		jw_kint(w, "heartbeatAgeSeconds", (int64_t)age);
	else
		jw_knull(w, "heartbeatAgeSeconds");
	jw_obj_close(w);
	return path == NULL || strcmp(status, "up") == 0;
}

/* GET /health: 200 "ok" when every service answers, the relay's and the
 * sender's heartbeats are fresh, no service's oldest pending event has
 * waited longer than OUTBOX_MAX_WAIT_SECONDS (60) and no notification
 * longer than NOTIFY_MAX_WAIT_SECONDS (60); else 503 "degraded". */
static void
health_all(struct req *r)
{
	char list[512];
	snprintf(list, sizeof list, "%s", config_str("SERVICES", ""));
	long port = config_long("INTERNAL_PORT", 3100);
	long max_wait = config_long("OUTBOX_MAX_WAIT_SECONDS", 60);
	struct probe p[MAX_SERVICES];
	int n = 0;
	CURLM *m = curl_multi_init();
	char *save = NULL;
	for (char *s = strtok_r(list, " ,", &save); s && n < MAX_SERVICES;
	    s = strtok_r(NULL, " ,", &save)) {
		const char *path = health_path(s);
		if (path == NULL)
			continue;
		char url[256];
		snprintf(url, sizeof url, "http://127.0.0.1:%ld%s", port, path);
		p[n] = (struct probe){ .name = arena_strdup(r->a, s), .h = curl_easy_init() };
		curl_easy_setopt(p[n].h, CURLOPT_URL, url);
		curl_easy_setopt(p[n].h, CURLOPT_TIMEOUT_MS, 2000L);
		curl_easy_setopt(p[n].h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(p[n].h, CURLOPT_WRITEFUNCTION, keep);
		curl_easy_setopt(p[n].h, CURLOPT_WRITEDATA, &p[n].body);
		curl_multi_add_handle(m, p[n].h);
		n++;
	}
	int running = 1;
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	bool all = true;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "services");
	jw_obj_open(&w);
	for (int i = 0; i < n; i++) {
		all = service_put(r, &w, &p[i], max_wait) && all;
		curl_multi_remove_handle(m, p[i].h);
		curl_easy_cleanup(p[i].h);
		buf_free(&p[i].body);
	}
	curl_multi_cleanup(m);
	jw_obj_close(&w);
	all = daemon_put(&w, "relay", "RELAY") && all;
	all = daemon_put(&w, "sender", "SENDER") && all;
	jw_kstr(&w, "status", all ? "ok" : "degraded");
	jw_obj_close(&w);
	reply_w(r, all ? 200 : 503);
}

/* Calls fn for every deployed service name. */
static void
each_service(struct req *r, void (*fn)(struct req *, const char *, void *), void *arg)
{
	char list[512];
	snprintf(list, sizeof list, "%s", config_str("SERVICES", ""));
	char *save = NULL;
	for (char *s = strtok_r(list, " ,", &save); s; s = strtok_r(NULL, " ,", &save))
		fn(r, s, arg);
}

struct dead_acc {
	struct jw *w;
	long total;
	bool failed;
};

static void
dead_one(struct req *r, const char *svc, void *arg)
{
	struct dead_acc *acc = arg;
	const char *raw;
	const struct jv *dead = outbox_dead_fetch(r, svc, &raw);
	jw_key(acc->w, svc);
	if (dead == NULL) {
		jw_null(acc->w);
		acc->failed = true;
		return;
	}
	jw_raw(acc->w, raw);
	acc->total += (long)dead->n;
}

static void
dead_list(struct req *r)
{
	/* The services answer into their own buffers; ours is built after. */
	struct buf out = { 0 };
	struct jw w;
	jw_init(&w, &out);
	jw_obj_open(&w);
	jw_key(&w, "services");
	jw_obj_open(&w);
	struct dead_acc acc = { &w, 0, false };
	each_service(r, dead_one, &acc);
	jw_obj_close(&w);
	jw_kint(&w, "total", acc.total);
	jw_kbool(&w, "complete", !acc.failed);
	jw_obj_close(&w);
	reply_json(r, 200, &out);
	buf_free(&out);
}

struct retry_acc {
	const char *id;
	const char *found;
};

static void
retry_one(struct req *r, const char *svc, void *arg)
{
	struct retry_acc *acc = arg;
	if (acc->found == NULL && outbox_retry_send(r, svc, acc->id))
		acc->found = arena_strdup(r->a, svc);
}

static void
dead_retry(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "eventId");
	if (id == NULL)
		return;
	struct retry_acc acc = { id, NULL };
	each_service(r, retry_one, &acc);
	if (acc.found == NULL) {
		reply_error(r, 404, "no dead event %s", id);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "eventId", id);
	jw_kstr(&w, "service", acc.found);
	jw_kstr(&w, "status", "PENDING");
	jw_obj_close(&w);
	reply_w(r, 200);
}

static const struct route routes[] = {
	{ "GET",  "/health",                       ROUTE_PUBLIC, health_all, 0, NULL },
	{ "GET",  "/admin/events/dead",            ROLE_ADMIN,   dead_list, 0, NULL },
	{ "POST", "/admin/events/:eventId/retry",  ROLE_ADMIN,   dead_retry, 0, NULL },
};

static const struct service health = {
	.name = "health",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
};

int
main(int argc, char **argv)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = server_main(argc, argv, &health);
	curl_global_cleanup();
	return rc;
}
