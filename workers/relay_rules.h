/* The relay's decisions, as plain functions over plain data: who gets an
 * event, the envelope it gets, when a failed event is tried again and when
 * it is parked DEAD.  workers/relay.c does the I/O around them;
 * t/unit/relay.c tests them. */
#ifndef RELAY_RULES_H
#define RELAY_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "json.h"

#define RELAY_MAX_CONSUMERS 5   /* of one event type */

/* A consumer with a key gets the event only when its payload has that key
 * with a non-null value. */
struct consumer {
	const char *name;
	const char *only_with;   /* payload key, or NULL: every event */
};
struct subscription {
	const char *type;
	struct consumer consumers[RELAY_MAX_CONSUMERS];   /* ends at a NULL name */
};

/* Who consumes events of this type (the relay's subscription table), or
 * NULL: nobody. */
const struct subscription *relay_subscription(const char *type);

/* Whether svc is named in deployed, a list separated by spaces or commas
 * (SERVICES: "auth product share-link"). */
bool relay_deployed(const char *deployed, const char *svc);

/* The consumers that get one event: those subscribed to its type, deployed,
 * and, for a keyed one, whose key the payload (JSON text, parsed into a
 * only when a keyed consumer needs it) has with a non-null value.  Fills
 * to[] and returns how many. */
size_t relay_consumers(struct arena *a, const char *type, const char *payload,
    const char *deployed, const char *to[RELAY_MAX_CONSUMERS]);

/* An outbox row as the relay claimed it. */
struct relay_event {
	const char *event_id, *type, *aggregate_id;
	const char *occurred_at;   /* "2026-01-01T00:00:00.000Z" */
	const char *payload;       /* JSON object text */
	long attempts;             /* failed attempts so far */
};
/* The envelope a consumer gets (workers/README.md), appended to out. */
void relay_envelope(const struct relay_event *ev, const char *source, struct buf *out);

/* Seconds before attempt number attempts + 2, after attempts + 1 failed:
 * 0.5 s doubling, capped at max_s, then spread by jitter (0..255: -25 %
 * to +25 %) so that retries of many events spread out. */
double relay_backoff(long attempts, double max_s, unsigned char jitter);

/* The row's status after its attempt number attempts + 1 failed: "DEAD"
 * when that was the last of max_attempts, else "PENDING". */
const char *relay_status_after_failure(long attempts, long max_attempts);

#endif
