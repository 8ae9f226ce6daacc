/* The transactional outbox: a state change and its event are written in
 * one transaction; the relay in workers/ delivers the event afterwards.
 * The table lives in every service's database (sql/common/). */
#ifndef OUTBOX_H
#define OUTBOX_H
#include "db.h"
#include "json.h"
#include "req.h"

/* The start of the one INSERT of an event: outbox_put uses it, and so does
 * a statement that writes a state change and its event at once (a
 * data-modifying CTE, fcgi/order/main.c S_ORDER_CREATE), followed by
 * "VALUES (type, aggregate id, payload::jsonb)". */
#define OUTBOX_INSERT "INSERT INTO outbox (type, aggregate_id, payload) "

extern const struct stmt outbox_stmts[];
extern const size_t outbox_nstmts;

/* Inserts the event inside the caller's open transaction.  payload is a
 * JSON object.  Returns the new event id (arena-owned), or NULL after
 * answering 503/500. */
const char *outbox_put(struct req *r, const char *type, const char *aggregate_id,
    const struct buf *payload);

/* GET /internal/<svc>/outbox/dead and POST /internal/<svc>/outbox/:eventId/retry,
 * added to every service with a database by server_main. */
void outbox_dead_list(struct req *r);
void outbox_dead_retry(struct req *r);

/* POST /internal/<svc>/jobs/housekeeping (cron/README.md), also added to
 * every service with a database: deletes delivered events older than
 * OUTBOX_KEEP_DAYS (7) and idempotency keys past their 24 hours, in
 * batches of 5,000 for up to 20 s each; DEAD and PENDING events and the inbox stay (an
 * admin may retry a dead event any time, and the inbox is what makes that
 * safe).  Answers {"job":"housekeeping","eventsPurged","keysPurged","more"}. */
void outbox_housekeeping(struct req *r);

#endif
