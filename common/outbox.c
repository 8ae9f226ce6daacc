#include "outbox.h"
#include "log.h"
#include "valid.h"

const struct stmt outbox_stmts[] = {
	{ "outbox_put",
	  OUTBOX_INSERT "VALUES ($1, $2, $3::jsonb) RETURNING event_id", 3, false },
	{ "outbox_dead",
	  "SELECT coalesce(json_agg(json_build_object('eventId', event_id, 'type', type, "
	  "'aggregateId', aggregate_id, 'attempts', attempts, 'lastError', last_error, "
	  "'payload', payload, 'createdAt', to_char(created_at AT TIME ZONE 'UTC', "
	  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) ORDER BY id), '[]') AS doc "
	  "FROM (SELECT * FROM outbox WHERE status = 'DEAD' ORDER BY id LIMIT 500) o",
	  0, true },
	{ "outbox_retry",
	  "UPDATE outbox SET status = 'PENDING', attempts = 0, next_attempt_at = now(), "
	  "last_error = NULL WHERE event_id = $1 AND status = 'DEAD' RETURNING event_id",
	  1, false },
};
const size_t outbox_nstmts = sizeof outbox_stmts / sizeof outbox_stmts[0];

void
outbox_dead_list(struct req *r)
{
	PGresult *res = db_exec_or_reply(r, &outbox_stmts[1], NULL);
	if (res == NULL)
		return;
	buf_reset(&r->out);
	buf_adds(&r->out, db_get(res, 0, "doc"));
	reply_w(r, 200);
}

void
outbox_dead_retry(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "eventId");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, &outbox_stmts[2], (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(r, 404, "no dead event %s", id);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "eventId", id);
	jw_kstr(&w, "status", "PENDING");
	jw_obj_close(&w);
	reply_w(r, 200);
}

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
