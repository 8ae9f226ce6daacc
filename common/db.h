/* The database for a request: the pool worker's one connection (a struct
 * dbconn, common/dbconn.h, is the core: statement tables, transactions,
 * reconnection) and the answers a handler gives when it fails.
 *
 * A handler names a statement of its service's table and passes text
 * parameters; results are cleared when the request ends.  While the
 * server is down requests get 503. */
#ifndef DB_H
#define DB_H
#include <libpq-fe.h>
#include <stdbool.h>
#include "dbconn.h"
#include "req.h"

/* Registers the statement tables (call before the first db_exec). */
void db_register(const struct stmt *stmts, size_t n);
/* Connects and prepares; 0 or -1 (logged).  Called lazily by db_exec too. */
int db_connect(const char *conninfo);
void db_disconnect(void);
bool db_up(void);

/* Runs a registered statement.  Returns a result owned by r's arena (never
 * free it) or NULL with *err set.  Constraint violations are not logged
 * as errors; the caller maps them to 409/400. */
PGresult *db_exec(struct req *r, const struct stmt *s, const char *const *params,
    enum db_err *err);
/* The same, answering 503 (down) or 500 itself on any error; for
 * statements whose constraint errors are not expected. */
PGresult *db_exec_or_reply(struct req *r, const struct stmt *s,
    const char *const *params);
/* Answers a failed db_exec: 503 when the database is down, else 500. */
void db_reply_error(struct req *r, enum db_err err);
/* Constraint name of the last DB_UNIQUE/DB_CHECK/DB_FK error, or "". */
const char *db_constraint(void);

/* LISTEN: channel is listened to on every connection from now on.
 * db_notifications calls fn for each notification that has arrived, without
 * a round trip (self: sent by our own session, whose transaction has
 * committed: they arrive with the COMMIT's answer); it returns the
 * connection generation, which changes on every (re)connection
 * (notifications may have been missed: a cache must then drop everything),
 * or 0 when there is no connection.  db_after_commit(fn): fn runs after
 * every COMMIT and every write statement that committed by itself, before
 * the handler goes on (fcgi/product/cache.c reads its own notifications
 * there). */
void db_listen(const char *channel);
unsigned long db_notifications(void (*fn)(const char *payload, bool self, void *arg),
    void *arg);
void db_after_commit(void (*fn)(void));

/* Transactions; begin/commit answer 503/500 themselves and return -1. */
int  db_begin(struct req *r);
int  db_commit(struct req *r);
void db_rollback(struct req *r);
bool db_in_tx(void);
/* Called by the server at the end of every request: rolls back a
 * transaction the handler left open. */
void db_request_done(void);

/* Answers 200 {"data":[...],"total":N,"skip":S,"take":T} from a page
 * query whose rows carry the filtered count in column "total" (count(*)
 * OVER ()), writing each row with put; a row whose "id" is NULL (the outer
 * join that keeps the count on an empty page) is skipped. */
void db_reply_page(struct req *r, const PGresult *res,
    void (*put)(struct jw *, const PGresult *, int), int64_t skip, int64_t take);

/* int64 -> decimal text in the arena, for parameters. */
const char *db_int(struct req *r, long long v);
/* Array parameters for "$1::uuid[]" / "$1::int[]": "{a,b,NULL}".  The ids
 * must be validated UUIDs (NULL entries become SQL NULL). */
const char *db_uuid_array(struct req *r, const char *const *ids, size_t n);
const char *db_int_array(struct req *r, const long long *v, size_t n);

#endif
