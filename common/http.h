/* Outgoing HTTP over libcurl: service-to-service calls through the
 * gateway's internal listener, and later Razorpay.  One curl handle per
 * process keeps its connections alive between requests. */
#ifndef HTTP_H
#define HTTP_H
#include "json.h"
#include "req.h"

struct http_resp {
	long status;            /* 0 when the call itself failed */
	char *body;             /* arena-owned, NUL-terminated */
	size_t len;
	struct jv *json;        /* parsed body, or NULL */
	char error[128];        /* transport error for the log */
};

/* Base URL of the internal listener: INTERNAL_URL, or
 * http://127.0.0.1:$INTERNAL_PORT. */
const char *http_internal_base(void);

/* Sends method + base+path with an optional JSON body (NULL for none).
 * extra_headers: NULL-terminated "Name: value" strings, or NULL.
 * userpwd: "user:password" for basic auth, or NULL.
 * Returns 0 when a response arrived (any status), -1 on a transport
 * failure or timeout (resp->error says why). */
int http_call(struct req *r, const char *method, const char *url, const char *body,
    size_t body_len, const char *const *extra_headers, const char *userpwd,
    long timeout_ms, struct http_resp *resp);

/* POST JSON to the internal listener; timeout 3 s. */
int http_internal(struct req *r, const char *method, const char *path,
    const struct buf *body, struct http_resp *resp);

/* For callers of http_internal: why a call (rc, resp) failed, for the log
 * ("status 502" or the transport error; arena-owned). */
const char *http_failure(struct req *r, int rc, const struct http_resp *resp);
/* Logs why and answers 503 "<svc> service unavailable" (the client learns
 * which dependency is down, not how).  Returns -1. */
int http_unavailable(struct req *r, const char *svc, const char *why);

#endif
