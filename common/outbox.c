#include "outbox.h"
#include "config.h"
#include "log.h"
#include "valid.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
	/* Housekeeping: the first event created within the last $1 days (or
	 * past the last one); the purge deletes delivered events below it. */
	{ "outbox_cut",
	  "SELECT coalesce((SELECT id FROM outbox WHERE created_at >= "
	  "now() - make_interval(days => $1::int) ORDER BY id LIMIT 1), "
	  "(SELECT max(id) + 1 FROM outbox), 0) AS cut", 1, false },
	/* Delivered events below id $1, at most $2, oldest first: the scan
	 * stays at the old end of the primary key however big the table is;
	 * DEAD and PENDING events stay. */
	{ "outbox_purge",
	  "DELETE FROM outbox WHERE ctid = ANY (ARRAY(SELECT ctid FROM outbox "
	  "WHERE status = 'SENT' AND id < $1::bigint ORDER BY id LIMIT $2::int))", 2, false },
	/* Idempotency keys past their 24 hours (common/idem.c), at most $1. */
	{ "idem_purge",
	  "DELETE FROM idempotency_keys WHERE ctid = ANY (ARRAY(SELECT ctid "
	  "FROM idempotency_keys WHERE created_at < now() - interval '24 hours' "
	  "LIMIT $1::int))", 1, false },
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

/* Rows one statement deletes (its locks stay short), and how long a run
 * goes on deleting batches (inside the gateway's 60 s FastCGI timeout);
 * what is left goes with the next run. */
#define PURGE_BATCH 5000
#define PURGE_BUDGET_S 20

/* Runs the purge statement s (params p, the batch size last) until a
 * batch is short or the budget is spent.  The rows deleted, or -1 after
 * answering; *more: the budget ran out first. */
static long
purge(struct req *r, int s, const char *const *p, bool *more)
{
	long total = 0;
	time_t end = time(NULL) + PURGE_BUDGET_S;
	for (;;) {
		PGresult *res = db_exec_or_reply(r, &outbox_stmts[s], p);
		if (res == NULL)
			return -1;
		long n = atol(PQcmdTuples(res));
		total += n;
		if (n < PURGE_BATCH)
			return total;
		if (time(NULL) >= end) {
			*more = true;
			return total;
		}
	}
}

void
outbox_housekeeping(struct req *r)
{
	if (r->body_len > 0) {
		reply_error(r, 400, "this job takes no body");
		return;
	}
	long days = config_long("OUTBOX_KEEP_DAYS", 7);
	if (days < 1 || days > 3650)
		days = 7;
	char d[24], batch[24];
	snprintf(d, sizeof d, "%ld", days);
	snprintf(batch, sizeof batch, "%d", PURGE_BATCH);
	PGresult *res = db_exec_or_reply(r, &outbox_stmts[3], (const char *[]){ d });
	if (res == NULL)
		return;
	const char *cut = db_get(res, 0, "cut");
	bool more = false;
	long events = purge(r, 4, (const char *[]){ cut, batch }, &more);
	if (events < 0)
		return;
	long keys = purge(r, 5, (const char *[]){ batch }, &more);
	if (keys < 0)
		return;
	if (events > 0 || keys > 0)
		log_info("housekeeping: %ld delivered events older than %ld days and %ld "
		    "idempotency keys deleted", events, days, keys);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "job", "housekeeping");
	jw_kint(&w, "eventsPurged", events);
	jw_kint(&w, "keysPurged", keys);
	jw_kbool(&w, "more", more);
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
