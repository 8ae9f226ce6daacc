/* The request-facing HTTP layer (http.h); the work is the core's
 * (httpc.c). */
#include "http.h"
#include "log.h"

int
http_call(struct req *r, const char *method, const char *url, const char *body,
    size_t body_len, const char *const *extra_headers, const char *userpwd,
    long timeout_ms, struct http_resp *resp)
{
	return httpc_call(r->a, r->request_id, method, url, body, body_len, extra_headers,
	    userpwd, timeout_ms, resp);
}

int
http_internal(struct req *r, const char *method, const char *path,
    const struct buf *body, struct http_resp *resp)
{
	int rc = httpc_internal(r->a, r->request_id, method, path,
	    body ? (body->p ? body->p : "") : NULL, body ? body->len : 0, 3000, resp);
	if (rc != 0)
		log_err("internal call %s %s failed: %s", method, path, resp->error);
	return rc;
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
