/* Outgoing HTTP, knowing no request: the HTTP core.
 *
 * libcurl for any URL (one handle per process keeps its connections alive
 * between calls), and the internal-call transport: a call to another
 * service's /internal/<service>/... path goes straight to that pool's
 * socket over FastCGI when INTERNAL_FCGI_DIR holds it (fcgic.h), else
 * through the gateway's internal listener.  The callee cannot tell the
 * difference.  A pool calls through common/http.h (its request's arena and
 * id); the relay and cron call these directly. */
#ifndef HTTPC_H
#define HTTPC_H
#include <stddef.h>
#include "arena.h"
#include "json.h"

struct http_resp {
	long status;            /* 0 when the call itself failed */
	char *body;             /* arena-owned, NUL-terminated */
	size_t len;
	struct jv *json;        /* parsed body (in the arena), or NULL */
	char error[128];        /* transport error for the log */
};

/* Base URL of the internal listener: INTERNAL_URL, or
 * http://127.0.0.1:$INTERNAL_PORT. */
const char *httpc_internal_base(void);
/* INTERNAL_FCGI_DIR, the directory of the pools' sockets, or NULL. */
const char *httpc_internal_dir(void);

/* Sends method + url with an optional body (NULL for none; JSON unless
 * extra_headers name another Content-Type, such as
 * "Content-Type: application/x-www-form-urlencoded") and the request id as
 * X-Request-Id (NULL for none).
 * extra_headers: NULL-terminated "Name: value" strings, or NULL.
 * userpwd: "user:password" for basic auth, or NULL.
 * The answer's body goes into a.  Returns 0 when a response arrived (any
 * status), -1 on a transport failure or timeout (resp->error says why). */
int httpc_call(struct arena *a, const char *request_id, const char *method,
    const char *url, const char *body, size_t body_len, const char *const *extra_headers,
    const char *userpwd, long timeout_ms, struct http_resp *resp);

/* A curl handle of one's own and the connections it keeps alive, for a
 * thread that calls beside others (each thread uses its own; httpc_call
 * uses the process's).  Make them before starting the threads (libcurl's
 * global setup runs with the first).  Free with httpc_free. */
struct httpc;
struct httpc *httpc_new(void);
void httpc_free(struct httpc *h);
/* httpc_call on h's handle (NULL: the process's). */
int httpc_call_on(struct httpc *h, struct arena *a, const char *request_id,
    const char *method, const char *url, const char *body, size_t body_len,
    const char *const *extra_headers, const char *userpwd, long timeout_ms,
    struct http_resp *resp);

/* Calls an internal path ("/internal/<service>/...", a query allowed) over
 * the internal-call transport.  Returns as httpc_call. */
int httpc_internal(struct arena *a, const char *request_id, const char *method,
    const char *path, const char *body, size_t body_len, long timeout_ms,
    struct http_resp *resp);

/* The largest answer httpc_call (and httpc_call_on) keeps, in bytes
 * (default 4 MiB); a larger one fails the call with "response too
 * large".  For the process: the audit raises it for its documents (one
 * row per order). */
void httpc_max_response(size_t bytes);

/* Frees the process's curl handle and libcurl's global state (at exit,
 * after every httpc_free). */
void httpc_cleanup(void);

#endif
