/* Events between services (workers/README.md is the contract).
 *
 * A producer writes its state change and the event into its own outbox in
 * one transaction (outbox_put).  The relay delivers each event to every
 * subscriber as
 *
 *   POST /internal/<consumer>/events      (internal listener only)
 *   {"eventId":"<uuid>","type":"PAYMENT_SUCCESS","source":"payment",
 *    "aggregateId":"...","occurredAt":"2026-01-01T00:00:00.000Z",
 *    "attempt":1,"payload":{...}}
 *
 * and retries until the consumer answers 2xx.  A consumer applies an event
 * at most once: inside its transaction it claims the event id in its inbox
 * (event_claim) and commits the claim together with the effect.  Money in
 * payloads is integer paise under keys ending in "Paise". */
#ifndef EVENTS_H
#define EVENTS_H
#include "db.h"
#include "json.h"
#include "req.h"

struct event {
	const char *id;            /* uuid */
	const char *type;          /* "PAYMENT_SUCCESS" */
	const char *source;        /* producing service */
	const char *aggregate_id;
	const struct jv *payload;  /* object */
};

/* Parses the relay's envelope from the request body; answers 400 itself
 * and returns -1 when it is malformed. */
int event_parse_or_reply(struct req *r, struct event *ev);

/* Inside an open transaction: records ev->id in the inbox.  Returns 1 when
 * the event is new (apply it, then commit), 0 when it was applied before
 * (commit nothing, answer 200), -1 after answering 503/500. */
int event_claim(struct req *r, const struct event *ev);

/* Opens the transaction and claims ev in the inbox: true to apply it (then
 * commit); false when it was applied before (answered "duplicate") or the
 * database failed (answered 503/500); the server rolls back what is open. */
bool event_begin_claimed(struct req *r, const struct event *ev);

/* Answers 200 {"eventId":...,"status":"applied"|"duplicate"|"ignored"}. */
void event_ack(struct req *r, const struct event *ev, const char *status);

/* Payload accessors: NULL / -1 when absent or of the wrong type. */
const char *event_str(const struct event *ev, const char *key);
int64_t event_int(const struct event *ev, const char *key);

extern const struct stmt events_stmts[];
extern const size_t events_nstmts;

#endif
