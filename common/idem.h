/* Idempotency-Key on POSTs that create things (orders, payments, payouts).
 *
 *   if (idem_begin_or_reply(r) <= 0) return;   // replayed, 422, 409 or error
 *   ... handle, answer ...
 *   (the server calls idem_finish after the handler)
 *
 * With no Idempotency-Key header, idem_begin_or_reply returns 1 and nothing
 * is recorded.  With one: the first request claims (caller, key) and runs;
 * its answer is stored when it is 2xx or 4xx (a 5xx frees the key so the
 * client may retry).  A retry with the same method, path and body gets the
 * stored answer with "Idempotent-Replayed: true"; a different request with
 * the same key is a 422; a retry while the first still runs is a 409.
 * Keys are kept 24 hours.  Needs the caller to be authenticated. */
#ifndef IDEM_H
#define IDEM_H
#include "db.h"
#include "req.h"

int  idem_begin_or_reply(struct req *r);
/* Stores or frees the claimed key; a no-op when the request claimed none. */
void idem_finish(struct req *r);

extern const struct stmt idem_stmts[];
extern const size_t idem_nstmts;

#endif
