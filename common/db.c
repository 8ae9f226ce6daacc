#include "db.h"
#include "config.h"
#include "log.h"
#include "valid.h"
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB_MAX_TABLES 8

/* Prepared on every connection, before the registered tables. */
static const struct stmt tx_stmts[] = {
	{ "tx_begin", "BEGIN", 0, true },
	{ "tx_commit", "COMMIT", 0, false },
	{ "tx_rollback", "ROLLBACK", 0, false },
};
#define TX_COMMIT (&tx_stmts[1])
#define TX_ROLLBACK (&tx_stmts[2])

static struct {
	PGconn *conn;
	char *conninfo;
	const struct stmt *tables[DB_MAX_TABLES];
	size_t sizes[DB_MAX_TABLES];
	int ntables;
	bool in_tx;
	char constraint[128];
	char listen[64];           /* channel, or "" */
	void (*after_commit)(void);
	unsigned long generation;  /* bumped on every connection */
} db;

void
db_listen(const char *channel)
{
	snprintf(db.listen, sizeof db.listen, "%s", channel);
}

void
db_register(const struct stmt *stmts, size_t n)
{
	if (db.ntables < DB_MAX_TABLES) {
		db.tables[db.ntables] = stmts;
		db.sizes[db.ntables] = n;
		db.ntables++;
	}
}

void
db_disconnect(void)
{
	if (db.conn != NULL)
		PQfinish(db.conn);
	db.conn = NULL;
	db.in_tx = false;
}

static void
notice_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int
db_connect(const char *conninfo)
{
	if (conninfo != NULL && (db.conninfo == NULL || strcmp(conninfo, db.conninfo) != 0)) {
		free(db.conninfo);
		db.conninfo = xstrdup(conninfo);
	}
	if (db.conninfo == NULL) {
		log_err("could not connect: no database URL configured");
		return -1;
	}
	db_disconnect();
	/* The URL's own settings win: it comes after the defaults.  Generic
	 * plans: every statement is prepared once and planned once; left to
	 * itself PostgreSQL re-plans statements whose custom plans look
	 * cheaper (array parameters, optional filters) on every execution,
	 * which profiling showed as most of the database's CPU. */
	const char *keys[] = { "connect_timeout", "application_name", "options", "dbname", NULL };
	const char *vals[] = { "3", cfg.service ? cfg.service : "reseller",
	    "-c plan_cache_mode=force_generic_plan", db.conninfo, NULL };
	db.conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(db.conn) != CONNECTION_OK) {
		log_err("could not connect to database: %s", PQerrorMessage(db.conn));
		db_disconnect();
		return -1;
	}
	PQsetNoticeProcessor(db.conn, notice_quiet, NULL);
	for (int t = -1; t < db.ntables; t++) {
		const struct stmt *table = t < 0 ? tx_stmts : db.tables[t];
		size_t n = t < 0 ? sizeof tx_stmts / sizeof tx_stmts[0] : db.sizes[t];
		for (size_t i = 0; i < n; i++) {
			const struct stmt *s = &table[i];
			PGresult *res = PQprepare(db.conn, s->name, s->sql, s->nparams, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				log_err("could not prepare %s: %s", s->name,
				    PQresultErrorMessage(res));
				PQclear(res);
				db_disconnect();
				return -1;
			}
			PQclear(res);
		}
	}
	if (db.listen[0] != '\0') {
		/* The channel is ours (a constant of the service), quoted anyway. */
		char *q = PQescapeIdentifier(db.conn, db.listen, strlen(db.listen));
		char sql[160];
		snprintf(sql, sizeof sql, "LISTEN %s", q ? q : "\"\"");
		PQfreemem(q);
		PGresult *res = PQexecParams(db.conn, sql, 0, NULL, NULL, NULL, NULL, 0);
		bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok) {
			log_err("could not listen on %s", db.listen);
			db_disconnect();
			return -1;
		}
	}
	db.generation++;
	return 0;
}

unsigned long
db_notifications(void (*fn)(const char *payload, bool self, void *arg), void *arg)
{
	if (!db_up() && db_connect(NULL) != 0)
		return 0;
	/* What has arrived, without waiting: libpq's socket is non-blocking. */
	if (PQconsumeInput(db.conn) == 0) {
		db_disconnect();
		return 0;
	}
	int me = PQbackendPID(db.conn);
	PGnotify *n;
	while ((n = PQnotifies(db.conn)) != NULL) {
		fn(n->extra, n->be_pid == me, arg);
		PQfreemem(n);
	}
	return db.generation;
}

void
db_after_commit(void (*fn)(void))
{
	db.after_commit = fn;
}

bool
db_up(void)
{
	return db.conn != NULL && PQstatus(db.conn) == CONNECTION_OK;
}

static void
clear_result(void *p)
{
	PQclear(p);
}

static enum db_err
classify(PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *con = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
	snprintf(db.constraint, sizeof db.constraint, "%s", con ? con : "");
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
db_constraint(void)
{
	return db.constraint;
}

/* Whether the idle connection is gone.  A server restart closes it under
 * an idle worker, its last words (a FATAL) and the end of the stream
 * waiting unread; without this check the next statement would be sent
 * into it and fail, and a write cannot be retried blindly.  Nothing to
 * read is the common case: one poll.  Otherwise what came is read and
 * parsed (notices, notifications, the FATAL), twice, since the end of the
 * stream shows only once the bytes before it are read. */
static bool
idle_conn_lost(void)
{
	struct pollfd p = { .fd = PQsocket(db.conn), .events = POLLIN };
	if (p.fd < 0)
		return true;
	if (poll(&p, 1, 0) <= 0)
		return false;
	for (int i = 0; i < 2; i++) {
		if (PQconsumeInput(db.conn) == 0)
			return true;
		(void)PQisBusy(db.conn);
	}
	return PQstatus(db.conn) != CONNECTION_OK;
}

PGresult *
db_exec(struct req *r, const struct stmt *s, const char *const *params, enum db_err *err)
{
	*err = DB_OK;
	for (int attempt = 0; attempt < 2; attempt++) {
		/* Outside a transaction, a connection the server closed while
		 * we were idle is replaced before it can fail a write (inside
		 * one, a lost connection fails the request anyway). */
		if (db.conn != NULL && !db.in_tx && idle_conn_lost()) {
			log_warn("database connection lost while idle: %s",
			    PQerrorMessage(db.conn));
			db_disconnect();
		}
		if (!db_up()) {
			if (db.in_tx) {
				/* The transaction died with the connection. */
				db.in_tx = false;
				*err = DB_DOWN;
				return NULL;
			}
			if (db_connect(NULL) != 0) {
				*err = DB_DOWN;
				return NULL;
			}
		}
		PGresult *res = PQexecPrepared(db.conn, s->name, s->nparams, params,
		    NULL, NULL, 0);
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
			arena_defer(r->a, clear_result, res);
			if (!db.in_tx && !s->ro && db.after_commit != NULL)
				db.after_commit();   /* a statement that committed itself */
			return res;
		}
		*err = classify(res);
		bool lost = PQstatus(db.conn) != CONNECTION_OK;
		if (*err == DB_DOWN || lost) {
			log_warn("database connection lost during %s: %s", s->name,
			    PQresultErrorMessage(res));
			PQclear(res);
			bool was_tx = db.in_tx;
			db_disconnect();
			*err = DB_DOWN;
			if (s->ro && !was_tx && attempt == 0)
				continue;
			return NULL;
		}
		if (*err == DB_ERROR)
			log_err("statement %s failed: %s", s->name, PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return NULL;
}

PGresult *
db_exec_or_reply(struct req *r, const struct stmt *s, const char *const *params)
{
	enum db_err err;
	PGresult *res = db_exec(r, s, params, &err);
	if (res == NULL) {
		if (err == DB_DOWN)
			reply_error(r, 503, "database unavailable, try again shortly");
		else
			reply_error(r, 500, "internal server error");
	}
	return res;
}

static int
tx_simple(const struct stmt *s)
{
	if (!db_up())
		return -1;
	PGresult *res = PQexecPrepared(db.conn, s->name, 0, NULL, NULL, NULL, 0);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
	if (ok != 0)
		log_warn("%s failed: %s", s->sql, PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

void
db_reply_error(struct req *r, enum db_err err)
{
	if (err == DB_DOWN)
		reply_error(r, 503, "database unavailable, try again shortly");
	else
		reply_error(r, 500, "internal server error");
}

int
db_begin(struct req *r)
{
	enum db_err err;
	if (db.in_tx)
		return 0;
	if (db_exec(r, &tx_stmts[0], NULL, &err) == NULL) {
		reply_error(r, err == DB_DOWN ? 503 : 500, err == DB_DOWN ?
		    "database unavailable, try again shortly" : "internal server error");
		return -1;
	}
	db.in_tx = true;
	return 0;
}

int
db_commit(struct req *r)
{
	if (!db.in_tx)
		return 0;
	db.in_tx = false;
	int rc = tx_simple(TX_COMMIT);
	if (rc == 0 && db.after_commit != NULL)
		db.after_commit();
	if (rc != 0) {
		if (!db_up() || PQstatus(db.conn) != CONNECTION_OK) {
			db_disconnect();
			reply_error(r, 503, "database unavailable, try again shortly");
		} else {
			tx_simple(TX_ROLLBACK);
			reply_error(r, 500, "internal server error");
		}
		return -1;
	}
	return 0;
}

void
db_rollback(struct req *r)
{
	(void)r;
	if (!db.in_tx)
		return;
	db.in_tx = false;
	if (tx_simple(TX_ROLLBACK) != 0 && db.conn != NULL &&
	    PQstatus(db.conn) != CONNECTION_OK)
		db_disconnect();
}

bool
db_in_tx(void)
{
	return db.in_tx;
}

void
db_request_done(void)
{
	if (db.in_tx)
		db_rollback(NULL);
	/* A connection left in a failed or active state is not reusable. */
	if (db.conn != NULL && PQtransactionStatus(db.conn) != PQTRANS_IDLE) {
		if (tx_simple(TX_ROLLBACK) != 0)
			db_disconnect();
	}
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
db_int(struct req *r, long long v)
{
	return arena_printf(r->a, "%lld", v);
}

const char *
db_uuid_array(struct req *r, const char *const *ids, size_t n)
{
	char *s = arena_alloc(r->a, n * 38 + 3), *p = s;
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
db_int_array(struct req *r, const long long *v, size_t n)
{
	char *s = arena_alloc(r->a, n * 21 + 3), *p = s;
	*p++ = '{';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, i ? ",%lld" : "%lld", v[i]);
	*p++ = '}';
	*p = '\0';
	return s;
}

void
db_reply_page(struct req *r, const PGresult *res,
    void (*put)(struct jw *, const PGresult *, int), int64_t skip, int64_t take)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "data");
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(res); i++)
		if (!db_isnull(res, i, "id"))
			put(&w, res, i);
	jw_arr_close(&w);
	jw_kint(&w, "total", PQntuples(res) > 0 ? db_get_ll(res, 0, "total") : 0);
	jw_kint(&w, "skip", skip);
	jw_kint(&w, "take", take);
	jw_obj_close(&w);
	reply_w(r, 200);
}
