/* The integration suites' client side: HTTP through the gateway (libcurl,
 * json-c for reading bodies), read-only checks in a service database
 * (libpq) and JWT minting with the stack's secret (common/token.h).
 *
 * Environment (set by scripts/test.sh): BASE_URL, INTERNAL_URL, VAR_DIR,
 * REPO, JWT_SECRET, <SVC>_DATABASE_URL. */
#ifndef T_HTTP_H
#define T_HTTP_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>
#include <sys/types.h>
#include "token.h"

struct resp {
	long status;             /* 0 when the transfer failed */
	char *body;              /* NUL-terminated, never NULL after t_http */
	size_t len;
	struct json_object *json;/* the parsed body, NULL when it is not JSON */
	char *headers;           /* the final response's header block */
	double secs;             /* total time */
	int curl_err;            /* CURLcode */
	char what[160];          /* "POST /auth/login", for messages */
	char *vals[16];          /* header values handed out by t_header */
	int nvals;
};

/* A required environment variable; NULL (after printing why) when unset. */
const char *t_env(const char *name);

/* One request.  url is absolute or a path appended to BASE_URL.  token adds
 * "Authorization: Bearer <token>"; ctype adds Content-Type; body may be
 * NULL.  The NULL-terminated list adds raw header lines ("Origin: x").
 * Returns the status (0 on a transport error).  Free with t_resp_free. */
long t_http(struct resp *rs, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, size_t len, ...)
	__attribute__((sentinel));
long t_get(struct resp *rs, const char *url, const char *token);
long t_post_json(struct resp *rs, const char *url, const char *token, const char *json);
/* method with a JSON body (PATCH, PUT, POST ...). */
long t_send_json(struct resp *rs, const char *method, const char *url, const char *token,
    const char *json);
void t_resp_free(struct resp *rs);

/* Sends n copies of one request at once (curl multi; no 429 retry) and
 * fills status[i] (0 on a transport error) and, when bodies is not NULL,
 * bodies[i] (malloc'd, caller frees). */
void t_http_parallel(int n, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, long *status, char **bodies);

/* When true (the default), t_http retries a 429 after a pause, for up to
 * 30 s: suites other than the rate-limit one must not trip nginx's limits. */
extern bool t_retry_429;

/* Last value of a response header (case-insensitive name), or NULL.  Owned
 * by rs. */
const char *t_header(struct resp *rs, const char *name);

/* json-c lookups by dotted path ("user.email", "user.roles.0"); NULL or
 * fallback when absent or of another type. */
struct json_object *t_jget(struct json_object *o, const char *path);
const char *t_jstr(struct json_object *o, const char *path);
long long t_jint(struct json_object *o, const char *path, long long fallback);
size_t t_jlen(struct json_object *o, const char *path);   /* array length, 0 */
/* The exact JSON text of the value at path ("3000.00", "true", "null" for a
 * null member, "(absent)" for a missing one), to compare money as the
 * server wrote it.  Owned by o. */
const char *t_jtext(struct json_object *o, const char *path);

/* Assertions on a response; they print the request and the body on failure. */
bool t_check_status(struct resp *rs, long want, const char *file, int line);
/* The error contract: status, Content-Type application/json, body
 * {"statusCode":want,"message":string,"error":string} and, when mention is
 * not NULL, a message that contains it (case-insensitive). */
bool t_check_error(struct resp *rs, long want, const char *mention,
    const char *file, int line);
#define T_STATUS(rs, want) t_check_status((rs), (want), __FILE__, __LINE__)
#define T_ERROR(rs, want, mention) t_check_error((rs), (want), (mention), __FILE__, __LINE__)
/* The JSON text at path is want ("1500.00"). */
#define T_JSON_EQ(rs, path, want) T_EQ_STR(t_jtext((rs)->json, (path)), (want))

/* Read-only SQL against the URL in environment variable url_env, with text
 * parameters (NULL-terminated).  t_db_value returns the first cell
 * (malloc'd; NULL for no row, SQL NULL or an error, which is printed);
 * t_db_count returns it as a number, or -1. */
char *t_db_value(const char *url_env, const char *sql, ...) __attribute__((sentinel));
long long t_db_count(const char *url_env, const char *sql, ...) __attribute__((sentinel));
/* The other helpers read only (their sessions are read-only); this one
 * writes, to set up a state the API cannot make (rows a service would have
 * lost, say).  Returns the rows affected, or -1. */
long long t_db_write(const char *url_env, const char *sql, ...) __attribute__((sentinel));

/* A token signed with JWT_SECRET (or with key when not NULL), issued
 * `age` seconds ago, valid for ttl seconds from then.  Refresh tokens get
 * random jti and fam.  malloc'd. */
char *t_mint(const char *sub, const char *email, enum role role, enum token_type typ,
    long ttl, long age, const char *key);

/* Runs argv (no shell) with the environment inherited; returns its exit
 * status, or -1.  Output goes to the test's stdout. */
int t_spawn(const char *const argv[]);

/* The pid in the stack's pid file $VAR_DIR/run/<name>.pid (a pool's
 * master, the relay, nginx), or 0. */
pid_t t_stack_pid(const char *name);
/* Stops <name> (SIGTERM to its pid, waits up to 10 s) and starts it again
 * through `$STACK run` with var set to value for that run (value NULL:
 * unset; var NULL: the environment as it is), then puts the environment
 * back.  The new pid, or 0 when it did not come back as a new process. */
pid_t t_stack_restart(const char *name, const char *var, const char *value);

/* The live children of pid (a pool's workers), sorted; their number, or
 * -1.  t_kill_children sends sig to every worker of the stack's pool
 * <name> (the pids under its master's pid file) and returns how many;
 * t_pool_full waits up to ms for the pool to have want workers again. */
#define T_MAXKIDS 64
int t_children(pid_t pid, pid_t *out);
/* True while pid runs (not a zombie waiting to be reaped). */
bool t_alive(pid_t pid);
int t_kill_children(const char *name, int sig);
bool t_pool_full(const char *name, int want, long ms);

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

/* A user registered through POST /auth/register with role ("CUSTOMER",
 * "RESELLER") and a unique e-mail starting with prefix: its access token
 * and id (malloc'd; t_user_free), or both NULL after printing why. */
struct t_user {
	char *token;
	char *id;
};
struct t_user t_register(const char *role, const char *prefix);
void t_user_free(struct t_user *u);

/* POSTs json to url as token and checks the answer is 201: the new
 * thing's "id" (malloc'd), or NULL after recording the failure. */
char *t_create(const char *url, const char *token, const char *json);

/* Posts an event envelope to INTERNAL_URL/internal/<service>/events as the
 * relay does (source "order", attempt 1); payload is a JSON object. */
long t_event_post(struct resp *rs, const char *service, const char *event_id,
    const char *type, const char *payload);

/* Runs "<env> $BIN_DIR/cron-job <args>" through the shell (env: variable
 * assignments, args: already quoted), its stdout into out.  Returns its
 * exit status, or -1. */
int t_cron_job(const char *env, const char *args, char *out, size_t n);

/* Sleeps for ms milliseconds. */
void t_sleep_ms(long ms);
double t_now(void);

#endif
