/* The outbox routes of every service (client_outbox.h), for the health
 * service's view of dead events across services. */
#include "client_outbox.h"

const struct jv *
outbox_dead_fetch(struct req *r, const char *svc, const char **raw)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/%s/outbox/dead", svc);
	if (http_internal(r, "GET", path, NULL, &resp) != 0 || resp.status != 200 ||
	    resp.json == NULL || resp.json->type != JV_ARR)
		return NULL;
	*raw = resp.body;
	return resp.json;
}

bool
outbox_retry_send(struct req *r, const char *svc, const char *event_id)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/%s/outbox/%s/retry", svc, event_id);
	struct buf empty = { 0 };
	buf_adds(&empty, "{}");
	int rc = http_internal(r, "POST", path, &empty, &resp);
	buf_free(&empty);
	return rc == 0 && resp.status == 200;
}
