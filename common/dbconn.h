/* A PostgreSQL connection with its statement tables: the database core.
 *
 * It knows no request: a pool worker holds one (common/db.h is the
 * request-facing layer over it), the relay holds one per service database.
 * SQL is a closed set: every statement lives in a table (struct stmt) that
 * is prepared once per connection; a caller names a statement and passes
 * text parameters, it never holds SQL text.  A lost connection is made
 * again by the next statement outside a transaction (read-only statements
 * are retried once); one the server closed while idle is noticed before
 * anything is sent on it.  Results belong to the arena the caller passes. */
#ifndef DBCONN_H
#define DBCONN_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"

struct stmt {
	const char *name;    /* unique prepared-statement name */
	const char *sql;
	int nparams;
	bool ro;             /* read-only: safe to retry once after a reconnect */
};

enum db_err {
	DB_OK,
	DB_UNIQUE,      /* 23505 */
	DB_FK,          /* 23503 */
	DB_CHECK,       /* 23514, 23502, 22xxx: data rejected by a constraint */
	DB_RETRY,       /* 40001, 40P01: serialization failure, deadlock */
	DB_DOWN,        /* no connection */
	DB_ERROR        /* anything else (logged) */
};

#define DBCONN_MAX_TABLES 8

/* Zero it, set name/options if wanted, register tables, then connect. */
struct dbconn {
	const char *name;      /* prefixes its log lines ("pricing: ..."), or NULL */
	const char *appname;   /* application_name; NULL: the service's name */
	const char *options;   /* more server options ("-c enable_seqscan=off"), or NULL */

	PGconn *conn;
	char *conninfo;
	const struct stmt *tables[DBCONN_MAX_TABLES];
	size_t sizes[DBCONN_MAX_TABLES];
	int ntables;
	bool in_tx;
	char constraint[128];
	char listen[64];           /* channel, or "" */
	void (*after_commit)(void);
	unsigned long generation;  /* bumped on every connection */
};

/* Adds a statement table, prepared on every connection (call before
 * connecting). */
void dbconn_register(struct dbconn *c, const struct stmt *stmts, size_t n);
/* LISTEN: channel is listened to on every connection from now on. */
void dbconn_listen(struct dbconn *c, const char *channel);
/* fn runs after every COMMIT and every write statement that committed by
 * itself. */
void dbconn_after_commit(struct dbconn *c, void (*fn)(void));

/* Connects (to conninfo, or the last one when NULL) and prepares every
 * table; 0 or -1 (logged).  The statements call it when there is no
 * connection. */
int dbconn_connect(struct dbconn *c, const char *conninfo);
void dbconn_disconnect(struct dbconn *c);
/* Disconnects for good: forgets the connection string too. */
void dbconn_close(struct dbconn *c);
bool dbconn_up(const struct dbconn *c);
/* Changes on every (re)connection; 0 before the first. */
unsigned long dbconn_generation(const struct dbconn *c);
/* The connection's socket for select/poll, or -1. */
int dbconn_socket(const struct dbconn *c);

/* Runs a registered statement.  Returns a result owned by the arena
 * (cleared when it is reset; never PQclear it) or NULL with *err set.
 * Constraint violations are not logged as errors; the caller maps them. */
PGresult *dbconn_exec(struct dbconn *c, struct arena *a, const struct stmt *s,
    const char *const *params, enum db_err *err);
/* Constraint name of the last DB_UNIQUE/DB_CHECK/DB_FK error, or "". */
const char *dbconn_constraint(const struct dbconn *c);

/* Transactions.  begin and commit return 0, or -1 with *err DB_DOWN (the
 * connection is gone) or DB_ERROR (a failed COMMIT, rolled back). */
int  dbconn_begin(struct dbconn *c, enum db_err *err);
int  dbconn_commit(struct dbconn *c, enum db_err *err);
void dbconn_rollback(struct dbconn *c);
bool dbconn_in_tx(const struct dbconn *c);
/* BEGIN and s in one round trip (libpq pipeline mode): s's result (in the
 * arena) with the transaction open, or NULL with *err set and none open. */
PGresult *dbconn_begin_with(struct dbconn *c, struct arena *a, const struct stmt *s,
    const char *const *params, enum db_err *err);
/* s and COMMIT in one round trip: 0, or -1 (nothing committed; on a lost
 * or half-read connection it is dropped). */
int dbconn_commit_with(struct dbconn *c, const struct stmt *s, const char *const *params,
    enum db_err *err);
/* Rolls back a transaction left open and resets a connection left in a
 * failed state: the end of a unit of work (a request, a batch). */
void dbconn_release(struct dbconn *c);

/* Calls fn (when not NULL) for each notification that has arrived,
 * without a round trip and without connecting (self: sent by our own
 * session).  Returns the connection generation (see above), or 0 when
 * there is no connection or it was found lost (then it is dropped). */
unsigned long dbconn_notifications(struct dbconn *c,
    void (*fn)(const char *payload, bool self, void *arg), void *arg);

/* Column access by name; NULL/0 for SQL NULL. */
const char *db_get(const PGresult *res, int row, const char *col);
bool db_isnull(const PGresult *res, int row, const char *col);
long long db_get_ll(const PGresult *res, int row, const char *col);
bool db_get_bool(const PGresult *res, int row, const char *col);

/* Parameter text in the arena: an integer; array literals for
 * "$1::uuid[]" / "$1::int[]" ("{a,b,NULL}": ids that are not valid UUIDs
 * and NULL entries become SQL NULL). */
const char *db_text_int(struct arena *a, long long v);
const char *db_text_uuid_array(struct arena *a, const char *const *ids, size_t n);
const char *db_text_int_array(struct arena *a, const long long *v, size_t n);

#endif
