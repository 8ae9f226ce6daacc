/* health: the gateway's own endpoints.
 *
 * GET /health asks every deployed service for its own health through the
 * internal listener, in parallel, and reports all.  GET /admin/events/dead
 * and POST /admin/events/:eventId/retry (ADMIN) gather the dead events of
 * every service's outbox and put one back in the relay's queue. */
#include "config.h"
#include "http.h"
#include "server.h"
#include "valid.h"
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#define MAX_SERVICES 16

static const char *
health_path(const char *svc)
{
	if (strcmp(svc, "product") == 0) return "/products/health";
	if (strcmp(svc, "order") == 0) return "/orders/health";
	if (strcmp(svc, "payment") == 0) return "/payments/health";
	if (strcmp(svc, "wallet") == 0) return "/wallets/health";
	if (strcmp(svc, "share-link") == 0) return "/share-links/health";
	if (strcmp(svc, "notification") == 0) return "/notifications/health";
	if (strcmp(svc, "pricing") == 0) return "/pricing/health";
	if (strcmp(svc, "auth") == 0) return "/auth/health";
	return NULL;
}

static size_t
discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static void
health_all(struct req *r)
{
	char list[512];
	snprintf(list, sizeof list, "%s", config_str("SERVICES", ""));
	long port = config_long("INTERNAL_PORT", 3100);
	const char *names[MAX_SERVICES];
	CURL *h[MAX_SERVICES];
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
		names[n] = arena_strdup(r->a, s);
		h[n] = curl_easy_init();
		curl_easy_setopt(h[n], CURLOPT_URL, url);
		curl_easy_setopt(h[n], CURLOPT_TIMEOUT_MS, 2000L);
		curl_easy_setopt(h[n], CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h[n], CURLOPT_WRITEFUNCTION, discard);
		curl_multi_add_handle(m, h[n]);
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
		long code = 0;
		curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &code);
		bool up = code == 200;
		all = all && up;
		jw_key(&w, names[i]);
		jw_obj_open(&w);
		jw_kstr(&w, "status", up ? "up" : "down");
		jw_kint(&w, "httpStatus", code);
		jw_obj_close(&w);
		curl_multi_remove_handle(m, h[i]);
		curl_easy_cleanup(h[i]);
	}
	curl_multi_cleanup(m);
	jw_obj_close(&w);
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
	struct http_resp resp;
	char path[128];
	snprintf(path, sizeof path, "/internal/%s/outbox/dead", svc);
	jw_key(acc->w, svc);
	if (http_internal(r, "GET", path, NULL, &resp) != 0 || resp.status != 200 ||
	    resp.json == NULL || resp.json->type != JV_ARR) {
		jw_null(acc->w);
		acc->failed = true;
		return;
	}
	jw_raw(acc->w, resp.body);
	acc->total += (long)resp.json->n;
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
	if (acc->found != NULL)
		return;
	struct http_resp resp;
	char path[160];
	snprintf(path, sizeof path, "/internal/%s/outbox/%s/retry", svc, acc->id);
	struct buf empty = { 0 };
	buf_adds(&empty, "{}");
	if (http_internal(r, "POST", path, &empty, &resp) == 0 && resp.status == 200)
		acc->found = arena_strdup(r->a, svc);
	buf_free(&empty);
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
	{ "GET",  "/health",                       ROUTE_PUBLIC, health_all, 0 },
	{ "GET",  "/admin/events/dead",            ROLE_ADMIN,   dead_list, 0 },
	{ "POST", "/admin/events/:eventId/retry",  ROLE_ADMIN,   dead_retry, 0 },
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
