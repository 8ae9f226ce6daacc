/* POST /internal/payment/jobs/reconcile: what Razorpay knows and we missed.
 *
 * A lost webhook leaves a paid order PENDING.  This job, run by cron
 * through the internal listener, asks Razorpay about the payments that
 * may be stale and applies its answer through the webhook's own state
 * machine (apply.c: row lock, amount and currency check, transition and
 * event in one transaction, never back from SUCCESS or REFUNDED):
 *
 *   due      PENDING | PROCESSING created more than olderThanSeconds ago
 *            (RECONCILE_AFTER_SECONDS, 900) and within 30 days, FAILED
 *            updated within the last 24 hours; with a Razorpay order;
 *            `limit` of them, never looked at first, then looked at
 *            longest ago (reconciled_at): abandoned checkouts stay due
 *            and would otherwise take every run's places
 *   ask      GET /orders/:id/payments, outside any transaction
 *   decide   pay_decide: captured -> SUCCESS, authorized -> PROCESSING,
 *            every attempt failed -> FAILED; no attempt yet (or one still
 *            "created") changes nothing
 *
 * Then the refunds (reconcile_refunds.c): the payments with a refund
 * PENDING for longer than olderThanSeconds, or a refund call that old
 * whose answer may have been lost, are asked GET /payments/:id/refunds,
 * and each refund is applied through the refund webhook's pay_apply_refund.
 *
 * Body (optional) {"limit": 1..500 (100), "olderThanSeconds": 0..86400}.
 * Answers 200 {"job":"reconcile","checked","succeeded","failed",
 * "processing","unchanged","errors","refunds":{"checked","processed",
 * "failed","pending","recorded","errors"}}.  errors counts the payments it
 * could not settle: Razorpay failed, timed out or answered something
 * unreadable, or its amount or currency differ from ours (logged, not
 * applied, as for the webhook); the run goes on with the next one.  The
 * refunds' counters count refunds the same way.  A database failure stops
 * the run (503/500): what was committed stays.  limit applies to the
 * payments and, separately, to the payments whose refunds are asked about.
 *
 * Overlapping runs: the run holds a session-level advisory lock
 * (pg_try_advisory_lock) on its connection, so a second run while one is
 * going answers 409 at once instead of asking Razorpay the same questions.
 * Correctness does not rest on it: every change is made under the
 * payment's row lock by pay_apply, which re-reads the status, so a run, a
 * webhook and a verify racing on one payment still make one transition
 * and one event.  No transaction is open while Razorpay is asked; each
 * payment's transaction only locks, updates and writes the outbox row.
 * The lock goes with the connection if the worker dies; it needs a
 * session of its own (not a transaction-pooling proxy).
 *
 * A run stops taking new payments after RECONCILE_BUDGET_MS, well inside
 * the gateway's 60 s FastCGI read timeout even when Razorpay is slow (each
 * call is bounded by RAZORPAY_TIMEOUT_MS); the rest, oldest first, lead the
 * next run.  The refunds come after the payments, within the same budget. */
#include "payment.h"
#include "server.h"
#include "config.h"
#include "log.h"
#include "valid.h"
#include <string.h>
#include <time.h>

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 500
#define AFTER_DEFAULT 900
#define AFTER_MAX 86400

enum { J_LIMIT, J_OLDER, J__MAX };
static const struct field job_fields[J__MAX] = {
	[J_LIMIT] = { "limit", F_INT, 0, 1, LIMIT_MAX, NULL },
	[J_OLDER] = { "olderThanSeconds", F_INT, 0, 0, AFTER_MAX, NULL },
};

struct tally {
	long long checked, succeeded, failed, processing, unchanged, errors;
};

enum outcome { OUT_SUCCEEDED, OUT_FAILED, OUT_PROCESSING, OUT_UNCHANGED, OUT_ERROR,
	OUT_STOP /* database failure: answered, the run ends */ };

/* Razorpay's payments of order rzp_order into *items (arena-owned).
 * 0, or -1 (logged: never the key, the Authorization header or a body). */
static int
rzp_items(struct req *r, const char *pay_id, const char *rzp_order,
    struct rzp_payment **items, size_t *n)
{
	struct rzp_result res;
	if (rzp_order_payments(r, rzp_order, &res) != 0) {
		static const char *const why[] = {
			[RZP_OK] = "failed", [RZP_REJECTED] = "refused the call",
			[RZP_BAD_ANSWER] = "answered something unreadable",
			[RZP_UNAVAILABLE] = "is unreachable or timed out",
			[RZP_UNCONFIGURED] = "keys are not configured",
		};
		log_err("reconcile: payment %s (razorpay order %s): Razorpay %s (HTTP %ld): "
		    "left as it is", pay_id, rzp_order, why[res.err], res.status);
		return -1;
	}
	const struct jv *list = json_get(res.entity, "items");
	if (list == NULL || list->type != JV_ARR) {
		log_err("reconcile: payment %s: Razorpay's payments of %s have no items array",
		    pay_id, rzp_order);
		return -1;
	}
	*n = 0;
	*items = arena_alloc(r->a, (list->n + 1) * sizeof **items);
	for (size_t i = 0; i < list->n; i++) {
		struct rzp_payment *p = &(*items)[*n];
		if (rzp_payment_read(list->items[i], p) != 0) {
			/* Deciding without it could fail a paid payment. */
			log_err("reconcile: payment %s: an unreadable payment in Razorpay's "
			    "payments of %s", pay_id, rzp_order);
			return -1;
		}
		if (p->order_id == NULL || strcmp(p->order_id, rzp_order) != 0) {
			log_warn("reconcile: payment %s: Razorpay listed %s of order %s under %s: "
			    "skipped", pay_id, p->id, p->order_id ? p->order_id : "(none)",
			    rzp_order);
			continue;
		}
		(*n)++;
	}
	return 0;
}

/* Reconciles row i of due. */
static enum outcome
reconcile_one(struct req *r, const PGresult *due, int i)
{
	const char *id = db_get(due, i, "id");
	const char *rzp_order = db_get(due, i, "razorpay_order_id");
	struct rzp_payment *items;
	size_t n;
	if (rzp_items(r, id, rzp_order, &items, &n) != 0)
		return OUT_ERROR;
	const struct pay_ours ours = {
		.amount = db_get_ll(due, i, "amount"),
		.currency = db_get(due, i, "currency"),
		.known = db_get(due, i, "razorpay_payment_id"),
	};
	struct pay_attempt *seen = arena_alloc(r->a, (n + 1) * sizeof *seen);
	for (size_t j = 0; j < n; j++)
		seen[j] = (struct pay_attempt){ items[j].id, items[j].status, items[j].amount,
		    items[j].currency };
	enum pay_event ev;
	int k = pay_decide(seen, n, &ours, &ev);
	if (k < 0)
		return OUT_UNCHANGED;      /* no attempt yet: the customer may still pay */

	if (db_begin(r) != 0)
		return OUT_STOP;
	PGresult *after;
	enum apply_result ar = pay_apply(r, ev, &items[k], &after);
	/* Each outcome but a change rolls back here, not at the end of the
	 * request: the run goes on on this connection (the next payment, its
	 * mark, the unlock), and db_begin inside an open transaction joins it. */
	switch (ar) {
	case APPLY_ERROR:
		db_rollback(r);    /* the unlock follows */
		return OUT_STOP;
	case APPLY_MISMATCH:       /* logged by pay_apply */
	case APPLY_UNKNOWN:        /* the row we just read: cannot happen */
		db_rollback(r);    /* the mark and the next payment follow */
		return OUT_ERROR;
	case APPLY_UNCHANGED:
		db_rollback(r);    /* the mark and the next payment follow */
		return OUT_UNCHANGED;
	case APPLY_CHANGED:
		break;
	}
	if (db_commit(r) != 0)
		return OUT_STOP;
	const char *to = db_get(after, 0, "status");
	log_info("reconcile: payment %s is %s from Razorpay's %s payment %s", id, to,
	    items[k].status, items[k].id);
	if (strcmp(to, "SUCCESS") == 0)
		return OUT_SUCCEEDED;
	if (strcmp(to, "FAILED") == 0)
		return OUT_FAILED;
	return OUT_PROCESSING;
}

/* The run, under the lock.  0, or -1 after answering (database failure). */
static int
run(struct req *r, int64_t limit, int64_t after_s, struct tally *t)
{
	const char *p[] = { db_int(r, after_s), db_int(r, limit) };
	PGresult *due = db_exec_or_reply(r, S(S_RECONCILE_DUE), p);
	if (due == NULL)
		return -1;
	int n = PQntuples(due);
	for (int i = 0; i < n; i++) {
		if (req_elapsed_ms(r) > RECONCILE_BUDGET_MS) {
			log_warn("reconcile: stopped after %d s with %d of %d payments left for "
			    "the next run", RECONCILE_BUDGET_MS / 1000, n - i, n);
			break;
		}
		enum outcome o = reconcile_one(r, due, i);
		if (o == OUT_STOP)
			return -1;
		/* Looked at: the next runs take the others first. */
		if (db_exec_or_reply(r, S(S_RECONCILE_MARK),
		    (const char *[]){ db_get(due, i, "id") }) == NULL)
			return -1;
		t->checked++;
		switch (o) {
		case OUT_SUCCEEDED: t->succeeded++; break;
		case OUT_FAILED: t->failed++; break;
		case OUT_PROCESSING: t->processing++; break;
		case OUT_UNCHANGED: t->unchanged++; break;
		case OUT_ERROR: case OUT_STOP: t->errors++; break;
		}
	}
	return 0;
}

static void
answer(struct req *r, const struct tally *t, const struct refund_tally *rt)
{
	log_info("reconcile: %lld checked, %lld succeeded, %lld failed, %lld processing, "
	    "%lld unchanged, %lld errors; refunds: %lld checked, %lld processed, %lld failed, "
	    "%lld pending, %lld recorded, %lld errors", t->checked, t->succeeded, t->failed,
	    t->processing, t->unchanged, t->errors, rt->checked, rt->processed, rt->failed,
	    rt->pending, rt->recorded, rt->errors);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "job", "reconcile");
	jw_kint(&w, "checked", t->checked);
	jw_kint(&w, "succeeded", t->succeeded);
	jw_kint(&w, "failed", t->failed);
	jw_kint(&w, "processing", t->processing);
	jw_kint(&w, "unchanged", t->unchanged);
	jw_kint(&w, "errors", t->errors);
	jw_key(&w, "refunds");
	jw_obj_open(&w);
	jw_kint(&w, "checked", rt->checked);
	jw_kint(&w, "processed", rt->processed);
	jw_kint(&w, "failed", rt->failed);
	jw_kint(&w, "pending", rt->pending);
	jw_kint(&w, "recorded", rt->recorded);
	jw_kint(&w, "errors", rt->errors);
	jw_obj_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

struct reconcile_run {
	int64_t limit, after_s;
};

/* Payments, then refunds, under the job's lock (server_job). */
static void
reconcile_all(struct req *r, void *arg)
{
	const struct reconcile_run *run_args = arg;
	struct tally t = { 0 };
	struct refund_tally rt = { 0 };
	int rc = run(r, run_args->limit, run_args->after_s, &t);
	if (rc == 0)
		rc = reconcile_refunds(r, run_args->limit, run_args->after_s, &rt);
	if (rc == 0)
		answer(r, &t, &rt);
}

void
jobs_reconcile(struct req *r)
{
	struct fval f[J__MAX];
	if (optional_fields_or_reply(r, job_fields, J__MAX, f) != 0)
		return;
	int64_t limit = f[J_LIMIT].set ? f[J_LIMIT].i : LIMIT_DEFAULT;
	int64_t after_s = f[J_OLDER].i;
	if (!f[J_OLDER].set) {
		long def = config_long("RECONCILE_AFTER_SECONDS", AFTER_DEFAULT);
		after_s = def < 0 || def > AFTER_MAX ? AFTER_DEFAULT : def;
	}

	struct reconcile_run run = { limit, after_s };
	server_job(r, "payment.reconcile", "reconcile", reconcile_all, &run);
}
