/* The database core: one libpq connection, its statement tables,
 * transactions and reconnection (dbconn.h).  Knows no request. */
#include "dbconn.h"
#include "config.h"
#include "log.h"
#include "valid.h"
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prepared on every connection, before the registered tables. */
static const struct stmt tx_stmts[] = {
	{ "tx_begin", "BEGIN", 0, true },
	{ "tx_commit", "COMMIT", 0, false },
	{ "tx_rollback", "ROLLBACK", 0, false },
};
#define TX_BEGIN (&tx_stmts[0])
#define TX_COMMIT (&tx_stmts[1])
#define TX_ROLLBACK (&tx_stmts[2])

static void conn_log(const struct dbconn *c, const char *level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A log line, after the connection's name when it has one. */
static void
conn_log(const struct dbconn *c, const char *level, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (c->name != NULL)
		log_msg(level, "%s: %s", c->name, msg);
	else
		log_msg(level, "%s", msg);
}

void
dbconn_listen(struct dbconn *c, const char *channel)
{
	snprintf(c->listen, sizeof c->listen, "%s", channel);
}

void
dbconn_register(struct dbconn *c, const struct stmt *stmts, size_t n)
{
	if (c->ntables < DBCONN_MAX_TABLES) {
		c->tables[c->ntables] = stmts;
		c->sizes[c->ntables] = n;
		c->ntables++;
	}
}

void
dbconn_after_commit(struct dbconn *c, void (*fn)(void))
{
	c->after_commit = fn;
}

void
dbconn_disconnect(struct dbconn *c)
{
	if (c->conn != NULL)
		PQfinish(c->conn);
	c->conn = NULL;
	c->in_tx = false;
}

void
dbconn_close(struct dbconn *c)
{
	dbconn_disconnect(c);
	free(c->conninfo);
	c->conninfo = NULL;
}

bool
dbconn_up(const struct dbconn *c)
{
	return c->conn != NULL && PQstatus(c->conn) == CONNECTION_OK;
}

unsigned long
dbconn_generation(const struct dbconn *c)
{
	return c->generation;
}

int
dbconn_socket(const struct dbconn *c)
{
	return c->conn != NULL ? PQsocket(c->conn) : -1;
}

static void
notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* Every registered table, the transaction statements first.  0 or -1. */
static int
prepare_all(struct dbconn *c)
{
	for (int t = -1; t < c->ntables; t++) {
		const struct stmt *table = t < 0 ? tx_stmts : c->tables[t];
		size_t n = t < 0 ? sizeof tx_stmts / sizeof tx_stmts[0] : c->sizes[t];
		for (size_t i = 0; i < n; i++) {
			const struct stmt *s = &table[i];
			PGresult *res = PQprepare(c->conn, s->name, s->sql, s->nparams, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				conn_log(c, "error", "could not prepare %s: %s", s->name,
				    PQresultErrorMessage(res));
				PQclear(res);
				return -1;
			}
			PQclear(res);
		}
	}
	return 0;
}

/* LISTEN on the channel, if there is one.  0 or -1. */
static int
listen_channel(struct dbconn *c)
{
	if (c->listen[0] == '\0')
		return 0;
	/* The channel is ours (a constant of the caller), quoted anyway. */
	char *q = PQescapeIdentifier(c->conn, c->listen, strlen(c->listen));
	char sql[160];
	snprintf(sql, sizeof sql, "LISTEN %s", q ? q : "\"\"");
	PQfreemem(q);
	PGresult *res = PQexecParams(c->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok)
		conn_log(c, "error", "could not listen on %s", c->listen);
	return ok ? 0 : -1;
}

int
dbconn_connect(struct dbconn *c, const char *conninfo)
{
	if (conninfo != NULL && (c->conninfo == NULL || strcmp(conninfo, c->conninfo) != 0)) {
		free(c->conninfo);
		c->conninfo = xstrdup(conninfo);
	}
	if (c->conninfo == NULL) {
		conn_log(c, "error", "could not connect: no database URL configured");
		return -1;
	}
	dbconn_disconnect(c);
	/* The URL's own settings win: it comes after the defaults.  Generic
	 * plans: every statement is prepared once and planned once; left to
	 * itself PostgreSQL re-plans statements whose custom plans look
	 * cheaper (array parameters, optional filters) on every execution,
	 * which profiling showed as most of the database's CPU. */
	char options[256];
	snprintf(options, sizeof options, "-c plan_cache_mode=force_generic_plan%s%s",
	    c->options ? " " : "", c->options ? c->options : "");
	const char *app = c->appname ? c->appname : cfg.service ? cfg.service : "reseller";
	const char *keys[] = { "connect_timeout", "application_name", "options", "dbname", NULL };
	const char *vals[] = { "3", app, options, c->conninfo, NULL };
	c->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(c->conn) != CONNECTION_OK) {
		conn_log(c, "error", "could not connect to database: %s", PQerrorMessage(c->conn));
		dbconn_disconnect(c);
		return -1;
	}
	PQsetNoticeProcessor(c->conn, notice_quiet, NULL);
	if (prepare_all(c) != 0 || listen_channel(c) != 0) {
		dbconn_disconnect(c);
		return -1;
	}
	c->generation++;
	return 0;
}

unsigned long
dbconn_notifications(struct dbconn *c, void (*fn)(const char *payload, bool self, void *arg),
    void *arg)
{
	if (!dbconn_up(c))
		return 0;
	/* What has arrived, without waiting: libpq's socket is non-blocking. */
	if (PQconsumeInput(c->conn) == 0) {
		conn_log(c, "warn", "database connection lost: %s", PQerrorMessage(c->conn));
		dbconn_disconnect(c);
		return 0;
	}
	int me = PQbackendPID(c->conn);
	PGnotify *n;
	while ((n = PQnotifies(c->conn)) != NULL) {
		if (fn != NULL)
			fn(n->extra, n->be_pid == me, arg);
		PQfreemem(n);
	}
	return c->generation;
}

static void
clear_result(void *p)
{
	PQclear(p);
}

static enum db_err
classify(struct dbconn *c, PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *con = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	snprintf(c->constraint, sizeof c->constraint, "%s", con ? con : "");
	if (state == NULL)
		return DB_DOWN;
	if (strcmp(state, "23505") == 0) return DB_UNIQUE;
	if (strcmp(state, "23503") == 0) return DB_FK;
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0 ||
	    strncmp(state, "22", 2) == 0)
		return DB_CHECK;
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0) return DB_RETRY;
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		return DB_DOWN;
	return DB_ERROR;
}

const char *
dbconn_constraint(const struct dbconn *c)
{
	return c->constraint;
}

/* Whether the idle connection is gone.  A server restart closes it under
 * an idle worker, its last words (a FATAL) and the end of the stream
 * waiting unread; without this check the next statement would be sent
 * into it and fail, and a write cannot be retried blindly.  Nothing to
 * read is the common case: one poll.  Otherwise what came is read and
 * parsed (notices, notifications, the FATAL), twice, since the end of the
 * stream shows only once the bytes before it are read. */
static bool
idle_conn_lost(struct dbconn *c)
{
	struct pollfd p = { .fd = PQsocket(c->conn), .events = POLLIN };
	if (p.fd < 0)
		return true;
	if (poll(&p, 1, 0) <= 0)
		return false;
	for (int i = 0; i < 2; i++) {
		if (PQconsumeInput(c->conn) == 0)
			return true;
		(void)PQisBusy(c->conn);
	}
	return PQstatus(c->conn) != CONNECTION_OK;
}

/* A connection to send on: outside a transaction, one the server closed
 * while we were idle is replaced before it can fail a write (inside one, a
 * lost connection fails the unit of work anyway).  0, or -1 (DB_DOWN). */
static int
ready(struct dbconn *c)
{
	if (c->conn != NULL && !c->in_tx && idle_conn_lost(c)) {
		conn_log(c, "warn", "database connection lost while idle: %s",
		    PQerrorMessage(c->conn));
		dbconn_disconnect(c);
	}
	if (dbconn_up(c))
		return 0;
	if (c->in_tx) {
		/* The transaction died with the connection. */
		c->in_tx = false;
		return -1;
	}
	return dbconn_connect(c, NULL);
}

/* Runs s; the result is the caller's to clear. */
static PGresult *
exec_raw(struct dbconn *c, const struct stmt *s, const char *const *params, enum db_err *err)
{
	*err = DB_OK;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (ready(c) != 0) {
			*err = DB_DOWN;
			return NULL;
		}
		PGresult *res = PQexecPrepared(c->conn, s->name, s->nparams, params,
		    NULL, NULL, 0);
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			if (!c->in_tx && !s->ro && c->after_commit != NULL)
				c->after_commit();   /* a statement that committed itself */
			return res;
		}
		*err = classify(c, res);
		bool lost = PQstatus(c->conn) != CONNECTION_OK;
		if (*err == DB_DOWN || lost) {
			conn_log(c, "warn", "database connection lost during %s: %s", s->name,
			    PQresultErrorMessage(res));
			PQclear(res);
			bool was_tx = c->in_tx;
			dbconn_disconnect(c);
			*err = DB_DOWN;
			if (s->ro && !was_tx && attempt == 0)
				continue;
			return NULL;
		}
		if (*err == DB_ERROR)
			conn_log(c, "error", "statement %s failed: %s", s->name,
			    PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return NULL;
}

PGresult *
dbconn_exec(struct dbconn *c, struct arena *a, const struct stmt *s,
    const char *const *params, enum db_err *err)
{
	PGresult *res = exec_raw(c, s, params, err);
	if (res != NULL)
		arena_defer(a, clear_result, res);
	return res;
}

/* COMMIT or ROLLBACK on the connection as it is.  0 or -1 (logged). */
static int
tx_simple(struct dbconn *c, const struct stmt *s)
{
	if (!dbconn_up(c))
		return -1;
	PGresult *res = PQexecPrepared(c->conn, s->name, 0, NULL, NULL, NULL, 0);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (ok != 0)
		conn_log(c, "warn", "%s failed: %s", s->sql, PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

int
dbconn_begin(struct dbconn *c, enum db_err *err)
{
	*err = DB_OK;
	if (c->in_tx)
		return 0;
	PGresult *res = exec_raw(c, TX_BEGIN, NULL, err);
	if (res == NULL)
		return -1;
	PQclear(res);
	c->in_tx = true;
	return 0;
}

/* After a failed COMMIT: a lost connection is dropped (DB_DOWN), else the
 * transaction is rolled back (DB_ERROR). */
static void
commit_failed(struct dbconn *c, enum db_err *err)
{
	if (!dbconn_up(c)) {
		dbconn_disconnect(c);
		*err = DB_DOWN;
	} else {
		tx_simple(c, TX_ROLLBACK);
		*err = DB_ERROR;
	}
}

int
dbconn_commit(struct dbconn *c, enum db_err *err)
{
	*err = DB_OK;
	if (!c->in_tx)
		return 0;
	c->in_tx = false;
	if (tx_simple(c, TX_COMMIT) != 0) {
		commit_failed(c, err);
		return -1;
	}
	if (c->after_commit != NULL)
		c->after_commit();
	return 0;
}

void
dbconn_rollback(struct dbconn *c)
{
	if (!c->in_tx)
		return;
	c->in_tx = false;
	if (tx_simple(c, TX_ROLLBACK) != 0 && c->conn != NULL &&
	    PQstatus(c->conn) != CONNECTION_OK)
		dbconn_disconnect(c);
}

bool
dbconn_in_tx(const struct dbconn *c)
{
	return c->in_tx;
}

void
dbconn_release(struct dbconn *c)
{
	if (c->in_tx)
		dbconn_rollback(c);
	/* A connection left in a failed or active state is not reusable. */
	if (c->conn != NULL && PQtransactionStatus(c->conn) != PQTRANS_IDLE) {
		if (tx_simple(c, TX_ROLLBACK) != 0)
			dbconn_disconnect(c);
	}
}

/* Reads one statement's result in a pipeline and the NULL after it.
 * Returns it when it succeeded and keep is set (the caller's), else
 * clears it; *ok turns false on a failure (*err classified). */
static PGresult *
pipeline_result(struct dbconn *c, bool keep, bool *ok, enum db_err *err)
{
	PGresult *r = PQgetResult(c->conn), *out = NULL;
	if (r == NULL) {
		*ok = false;
		return NULL;
	}
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		*ok = false;
		*err = classify(c, r);
	}
	if (keep && *ok)
		out = r;
	else
		PQclear(r);
	while ((r = PQgetResult(c->conn)) != NULL)
		PQclear(r);
	return out;
}

/* s1 and s2 in one round trip (libpq pipeline mode).  Returns s2's result
 * (the caller's to clear), or NULL when either failed: logged, and the
 * connection dropped, since a half-read pipeline cannot be trusted. */
static PGresult *
exec_pair(struct dbconn *c, const struct stmt *s1, const char *const *p1,
    const struct stmt *s2, const char *const *p2, enum db_err *err)
{
	*err = DB_OK;
	if (ready(c) != 0) {
		*err = DB_DOWN;
		return NULL;
	}
	PGconn *pc = c->conn;
	if (!PQenterPipelineMode(pc)) {
		*err = DB_ERROR;
		return NULL;
	}
	bool ok = PQsendQueryPrepared(pc, s1->name, s1->nparams, p1, NULL, NULL, 0) &&
	    PQsendQueryPrepared(pc, s2->name, s2->nparams, p2, NULL, NULL, 0) &&
	    PQpipelineSync(pc);
	PGresult *out = NULL;
	/* Each statement's result is followed by a NULL; then the sync. */
	if (ok)
		(void)pipeline_result(c, false, &ok, err);
	if (ok)
		out = pipeline_result(c, true, &ok, err);
	if (ok) {
		PGresult *sync = PQgetResult(pc);
		ok = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
		PQclear(sync);
	}
	if (!ok || !PQexitPipelineMode(pc)) {
		conn_log(c, "error", "%s/%s failed: %s", s1->name, s2->name, PQerrorMessage(pc));
		PQclear(out);
		dbconn_disconnect(c);
		if (*err == DB_OK)
			*err = DB_DOWN;
		return NULL;
	}
	return out;
}

PGresult *
dbconn_begin_with(struct dbconn *c, struct arena *a, const struct stmt *s,
    const char *const *params, enum db_err *err)
{
	if (c->in_tx) {
		*err = DB_ERROR;
		return NULL;
	}
	PGresult *res = exec_pair(c, TX_BEGIN, NULL, s, params, err);
	if (res == NULL)
		return NULL;
	c->in_tx = true;
	arena_defer(a, clear_result, res);
	return res;
}

int
dbconn_commit_with(struct dbconn *c, const struct stmt *s, const char *const *params,
    enum db_err *err)
{
	PGresult *res = exec_pair(c, s, params, TX_COMMIT, NULL, err);
	c->in_tx = false;
	if (res == NULL)
		return -1;
	PQclear(res);
	if (c->after_commit != NULL)
		c->after_commit();
	return 0;
}

static int
col(const PGresult *res, const char *name)
{
	int c = PQfnumber(res, name);
	if (c < 0)
		log_err("result has no column %s", name);
	return c;
}

const char *
db_get(const PGresult *res, int row, const char *name)
{
	int c = col(res, name);
	if (c < 0 || row >= PQntuples(res) || PQgetisnull(res, row, c))
		return NULL;
	return PQgetvalue(res, row, c);
}

bool
db_isnull(const PGresult *res, int row, const char *name)
{
	int c = col(res, name);
	return c < 0 || row >= PQntuples(res) || PQgetisnull(res, row, c);
}

long long
db_get_ll(const PGresult *res, int row, const char *name)
{
	const char *v = db_get(res, row, name);
	return v ? strtoll(v, NULL, 10) : 0;
}

bool
db_get_bool(const PGresult *res, int row, const char *name)
{
	const char *v = db_get(res, row, name);
	return v != NULL && v[0] == 't';
}

const char *
db_text_int(struct arena *a, long long v)
{
	return arena_printf(a, "%lld", v);
}

const char *
db_text_uuid_array(struct arena *a, const char *const *ids, size_t n)
{
	char *s = arena_alloc(a, n * 38 + 3), *p = s;
	*p++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		const char *v = ids[i] != NULL && valid_uuid(ids[i]) ? ids[i] : "NULL";
		size_t l = strlen(v);
		memcpy(p, v, l);
		p += l;
	}
	*p++ = '}';
	*p = '\0';
	return s;
}

const char *
db_text_int_array(struct arena *a, const long long *v, size_t n)
{
	char *s = arena_alloc(a, n * 21 + 3), *p = s;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ",%lld" : "%lld", v[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}
