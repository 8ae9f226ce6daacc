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
 * Keys are kept 24 hours.  Needs the caller to be authenticated.
 *
 * A first request that died without an answer (a killed worker) leaves
 * its key unanswered: a retry gets 409 for IDEM_STALE_SECONDS (60), then
 * runs again with the same r->idem_id, unless found() (below) recognises
 * what the first attempt made and answers with it at once. */
#ifndef IDEM_H
#define IDEM_H
#include "db.h"
#include "req.h"

int  idem_begin_or_reply(struct req *r);

/* The same, for a handler that gives what it creates the id r->idem_id
 * (set by both: a fresh UUID, or the key's, which a retry after a crash
 * keeps).  A retry whose first request left no stored answer (it died
 * after its work committed, or is still running) calls found(r, id): it
 * answers as the first request would have (2xx) and returns 1 when the
 * thing exists, returns 0 when it does not (the retry then runs, with the
 * same id), or -1 after answering an error.  A retry it answered gets
 * "Idempotent-Replayed: true". */
typedef int (*idem_found_fn)(struct req *r, const char *id);
int  idem_begin_found_or_reply(struct req *r, idem_found_fn found);

/* Commits the handler's open transaction together with its answer
 * (already given with reply_w): a 2xx is stored under the key in the same
 * transaction, so no crash can leave the work done and the key
 * unanswered.  0, or -1 after answering 503 instead (the transaction is
 * left to the server's rollback at the end of the request). */
int  idem_commit_or_reply(struct req *r);
/* Stores or frees the claimed key; a no-op when the request claimed none. */
void idem_finish(struct req *r);

extern const struct stmt idem_stmts[];
extern const size_t idem_nstmts;

#endif
