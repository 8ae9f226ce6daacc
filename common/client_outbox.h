/* The outbox routes every service serves to the health service's admin
 * view (docs/internal-api.md, "Every service"; conventions in client.h).
 * Both are best effort: they answer nothing. */
#ifndef CLIENT_OUTBOX_H
#define CLIENT_OUTBOX_H
#include "client.h"
#include <stdbool.h>

/* GET /internal/<svc>/outbox/dead: svc's dead events, a JSON array, and
 * its text (arena-owned) into *raw.  NULL when svc did not answer it. */
const struct jv *outbox_dead_fetch(struct req *r, const char *svc, const char **raw);
/* POST /internal/<svc>/outbox/:eventId/retry: whether svc had that dead
 * event and put it back in the relay's queue. */
bool outbox_retry_send(struct req *r, const char *svc, const char *event_id);

#endif
