/* Checks in a service's database (libpq), by the URL in an environment
 * variable (<SVC>_DATABASE_URL, set by scripts/test.sh): read-only
 * queries, polling, and the few writes and held locks the crash and relay
 * suites need to reach a state the API cannot make. */
#ifndef T_DB_H
#define T_DB_H
#include <libpq-fe.h>
#include <stdbool.h>

/* Read-only SQL against the URL in environment variable url_env, with text
 * parameters (NULL-terminated).  t_db_value returns the first cell
 * (malloc'd; NULL for no row, SQL NULL or an error, which is printed);
 * t_db_count returns it as a number, or -1. */
char *t_db_value(const char *url_env, const char *sql, ...) __attribute__((sentinel));
long long t_db_count(const char *url_env, const char *sql, ...) __attribute__((sentinel));
/* Polls the query (one value, read-only) until its text is want, for at
 * most ms; true when it was.  On a timeout it prints the last value. */
bool t_db_wait(const char *url_env, const char *want, long ms, const char *sql, ...)
	__attribute__((sentinel));
/* The other helpers read only (their sessions are read-only); these write,
 * to set up a state the API cannot make (rows a service would have lost,
 * say, or an outbox row as a producer writes it).  t_db_write returns the
 * rows affected, or -1; t_db_write_value the first cell of the result
 * (RETURNING ...; malloc'd), or NULL. */
long long t_db_write(const char *url_env, const char *sql, ...) __attribute__((sentinel));
char *t_db_write_value(const char *url_env, const char *sql, ...) __attribute__((sentinel));

/* A transaction held open on a writable session of the database in
 * url_env, after running sql in it (to lock rows or a table, so that a
 * service's statement waits at a chosen point); NULL after printing why.
 * t_db_hold_end rolls it back and closes it.  t_db_wait_blocked waits up
 * to ms for want sessions of that database (none: want 0) to wait on a
 * lock in a statement whose text is LIKE like (NULL: any);
 * t_db_kill_blocked terminates those sessions (a service's own role may),
 * returning how many. */
PGconn *t_db_hold(const char *url_env, const char *sql, ...) __attribute__((sentinel));
void t_db_hold_end(PGconn *c);
bool t_db_wait_blocked(const char *url_env, const char *like, int want, long ms);
long long t_db_kill_blocked(const char *url_env, const char *like);

#endif
