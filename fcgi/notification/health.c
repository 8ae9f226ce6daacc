/* The notification service's part of its health answer: the sender's
 * queue (workers/sender.c).  The gateway's GET /health is degraded when
 * the oldest due notification has waited longer than
 * NOTIFY_MAX_WAIT_SECONDS: a sender that beats but does not send, or a
 * backlog it cannot keep up with. */
#include "notification.h"

void
notifications_health_put(struct req *r, struct jw *w)
{
	enum db_err err;
	PGresult *res = db_exec(r, N(N_DUE), NULL, &err);
	if (res == NULL || PQntuples(res) != 1)
		return;
	jw_key(w, "notifications");
	jw_obj_open(w);
	jw_kint(w, "due", db_get_ll(res, 0, "due"));
	jw_kint(w, "oldestDueSeconds", db_get_ll(res, 0, "oldest"));
	jw_obj_close(w);
}
