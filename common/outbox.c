#include "outbox.h"
#include "log.h"

const struct stmt outbox_stmts[] = {
	{ "outbox_put",
	  "INSERT INTO outbox (type, aggregate_id, payload) "
	  "VALUES ($1, $2, $3::jsonb) RETURNING event_id", 3, false },
};
const size_t outbox_nstmts = sizeof outbox_stmts / sizeof outbox_stmts[0];

const char *
outbox_put(struct req *r, const char *type, const char *aggregate_id,
    const struct buf *payload)
{
	if (!db_in_tx()) {
		/* A programming error: the event would not be atomic. */
		log_err("outbox_put(%s) outside a transaction", type);
		reply_error(r, 500, "internal server error");
		return NULL;
	}
	const char *p[] = { type, aggregate_id, payload->p ? payload->p : "{}" };
	PGresult *res = db_exec_or_reply(r, &outbox_stmts[0], p);
	return res ? db_get(res, 0, "event_id") : NULL;
}
