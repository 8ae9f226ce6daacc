/* Outgoing HTTP for a request: the HTTP core (common/httpc.h) with the
 * request's arena and id, and the 503 a handler gives when a service it
 * needs is down. */
#ifndef HTTP_H
#define HTTP_H
#include "httpc.h"
#include "json.h"
#include "req.h"

/* httpc_call with r's arena and request id (see httpc.h). */
int http_call(struct req *r, const char *method, const char *url, const char *body,
    size_t body_len, const char *const *extra_headers, const char *userpwd,
    long timeout_ms, struct http_resp *resp);

/* Calls another service's internal path (httpc_internal: straight to its
 * pool's socket, else through the gateway); timeout 3 s.  A transport
 * failure is logged. */
int http_internal(struct req *r, const char *method, const char *path,
    const struct buf *body, struct http_resp *resp);

/* For callers of http_internal: why a call (rc, resp) failed, for the log
 * ("status 502" or the transport error; arena-owned). */
const char *http_failure(struct req *r, int rc, const struct http_resp *resp);
/* Logs why and answers 503 "<svc> service unavailable" (the client learns
 * which dependency is down, not how).  Returns -1. */
int http_unavailable(struct req *r, const char *svc, const char *why);

#endif
