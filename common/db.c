/* The request-facing database layer over the worker's one connection
 * (db.h); the work is the core's (dbconn.c). */
#include "db.h"

static struct dbconn db;

static void
reply_db_error(struct req *r, enum db_err err)
{
	if (err == DB_DOWN)
		reply_error(r, 503, "database unavailable, try again shortly");
	else
		reply_error(r, 500, "internal server error");
}

void
db_register(const struct stmt *stmts, size_t n)
{
	dbconn_register(&db, stmts, n);
}

int
db_connect(const char *conninfo)
{
	return dbconn_connect(&db, conninfo);
}

void
db_disconnect(void)
{
	dbconn_disconnect(&db);
}

bool
db_up(void)
{
	return dbconn_up(&db);
}

void
db_listen(const char *channel)
{
	dbconn_listen(&db, channel);
}

void
db_after_commit(void (*fn)(void))
{
	dbconn_after_commit(&db, fn);
}

unsigned long
db_notifications(void (*fn)(const char *payload, bool self, void *arg), void *arg)
{
	if (!dbconn_up(&db) && dbconn_connect(&db, NULL) != 0)
		return 0;
	return dbconn_notifications(&db, fn, arg);
}

PGresult *
db_exec(struct req *r, const struct stmt *s, const char *const *params, enum db_err *err)
{
	return dbconn_exec(&db, r->a, s, params, err);
}

PGresult *
db_exec_or_reply(struct req *r, const struct stmt *s, const char *const *params)
{
	enum db_err err;
	PGresult *res = dbconn_exec(&db, r->a, s, params, &err);
	if (res == NULL)
		reply_db_error(r, err);
	return res;
}

void
db_reply_error(struct req *r, enum db_err err)
{
	reply_db_error(r, err);
}

const char *
db_constraint(void)
{
	return dbconn_constraint(&db);
}

int
db_begin(struct req *r)
{
	enum db_err err;
	if (dbconn_begin(&db, &err) != 0) {
		reply_db_error(r, err);
		return -1;
	}
	return 0;
}

int
db_commit(struct req *r)
{
	enum db_err err;
	if (dbconn_commit(&db, &err) != 0) {
		reply_db_error(r, err);
		return -1;
	}
	return 0;
}

void
db_rollback(struct req *r)
{
	(void)r;
	dbconn_rollback(&db);
}

bool
db_in_tx(void)
{
	return dbconn_in_tx(&db);
}

void
db_request_done(void)
{
	dbconn_release(&db);
}

const char *
db_int(struct req *r, long long v)
{
	return db_text_int(r->a, v);
}

const char *
db_uuid_array(struct req *r, const char *const *ids, size_t n)
{
	return db_text_uuid_array(r->a, ids, n);
}

const char *
db_int_array(struct req *r, const long long *v, size_t n)
{
	return db_text_int_array(r->a, v, n);
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
