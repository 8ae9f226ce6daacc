/* POST /internal/product/jobs/reap-reservations: stock no order holds.
 *
 * A reservation is made under the new order's id before the order
 * commits (fcgi/order/create.c).  An order worker killed in between, or a
 * product worker killed after its reservation committed (the order
 * service's release then finds nothing yet), leaves stock held by no order.
 * This job, run by cron every few minutes, finds reservations held and
 * untouched for olderThanSeconds (RESERVATION_REAP_AFTER_SECONDS, 600),
 * asks the order service which of those orders exist (POST
 * /internal/order/orders/exists, in one batch of up to `limit`), and
 * releases the others, each in its own transaction and only if it is
 * still untouched (S_RES_REAP: a retry of the order that reserved again
 * under the same id meanwhile keeps it), logging each.
 *
 * Body (optional) {"limit": 1..500 (500), "olderThanSeconds": 0..86400}.
 * Answers 200 {"job":"reap-reservations","checked","owned","released"}.
 * One run at a time (a session advisory lock; a second run answers 409);
 * the order service down is a 503 and nothing is released. */
#include "product.h"
#include "server.h"
#include "client_order.h"
#include "config.h"
#include "log.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

#define LIMIT_MAX 500
#define AFTER_MAX 86400

enum { J_LIMIT, J_OLDER, J__MAX };
static const struct field job_fields[J__MAX] = {
	[J_LIMIT] = { "limit", F_INT, 0, 1, LIMIT_MAX, NULL },
	[J_OLDER] = { "olderThanSeconds", F_INT, 0, 0, AFTER_MAX, NULL },
};

/* Which of the orders in res exist, asked of the order service
 * (order_exists()): a set of flags, one per row.  0, or -1 after
 * answering 503. */
static int
orders_owned_or_reply(struct req *r, const PGresult *res, bool *owned)
{
	size_t n = (size_t)PQntuples(res);
	const char **ids = arena_alloc(r->a, n * sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = db_get(res, (int)i, "order_id");
	return order_exists(r, ids, n, owned) == CLIENT_OK ? 0 : -1;
}

/* Releases order's reservation if still untouched for `older` seconds.
 * 1 released, 0 not (touched or released meanwhile), -1 answered. */
static int
reap_one(struct req *r, const char *order, const char *older)
{
	if (db_begin(r) != 0)
		return -1;
	PGresult *rel = db_exec_or_reply(r, S(S_RES_REAP), (const char *[]){ order, older });
	PGresult *back = NULL;
	if (rel == NULL || (PQntuples(rel) == 1 && stock_give_back_in_tx(r, order, &back) != 0)) {
		db_rollback(r);    /* the caller's unlock follows on this connection */
		return -1;
	}
	if (db_commit(r) != 0)
		return -1;
	if (PQntuples(rel) == 0)
		return 0;
	products_changed(back);
	log_warn("reservation of order %s released by the reaper: no such order", order);
	return 1;
}

/* The run itself, under the lock.  0, or -1 answered. */
static int
reap_run(struct req *r, long long limit, const char *older)
{
	PGresult *res = db_exec_or_reply(r, S(S_RES_STALE),
	    (const char *[]){ older, db_int(r, limit) });
	if (res == NULL)
		return -1;
	int n = PQntuples(res);
	bool *owned = arena_alloc(r->a, (size_t)(n > 0 ? n : 1) * sizeof *owned);
	if (n > 0 && orders_owned_or_reply(r, res, owned) != 0)
		return -1;
	long long nowned = 0, released = 0;
	for (int i = 0; i < n; i++) {
		if (owned[i]) {
			nowned++;
			continue;
		}
		int rc = reap_one(r, db_get(res, i, "order_id"), older);
		if (rc < 0)
			return -1;
		released += rc;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "job", "reap-reservations");
	jw_kint(&w, "checked", n);
	jw_kint(&w, "owned", nowned);
	jw_kint(&w, "released", released);
	jw_obj_close(&w);
	reply_w(r, 200);
	return 0;
}

struct reap_args {
	long long limit;
	const char *older;
};

static void
reap_job(struct req *r, void *arg)
{
	const struct reap_args *a = arg;
	reap_run(r, a->limit, a->older);
}

void
reap_reservations(struct req *r)
{
	struct fval f[J__MAX];
	if (optional_fields_or_reply(r, job_fields, J__MAX, f) != 0)
		return;
	long long limit = f[J_LIMIT].set ? f[J_LIMIT].i : LIMIT_MAX;
	long long older = f[J_OLDER].set ? f[J_OLDER].i :
	    config_long("RESERVATION_REAP_AFTER_SECONDS", 600);
	struct reap_args args = { limit, db_int(r, older) };
	server_job(r, "product.reap", "reap-reservations", reap_job, &args);
}
