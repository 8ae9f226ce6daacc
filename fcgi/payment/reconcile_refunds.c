/* The reconcile job's refunds: what Razorpay knows of our refunds and we
 * missed (reconcile.c runs it after the payments, under the same lock and
 * budget).
 *
 * A refund we created stays PENDING until refund.processed or
 * refund.failed arrives; a lost webhook leaves it so for good.  A refund
 * call whose answer was lost (a timeout, a 5xx, a worker killed while it
 * waited) leaves no row at all, though Razorpay may have refunded:
 * refunds.c sets the payment's refund_asked_at before every call, so the
 * job looks at it once the threshold has passed.
 *
 *   due      payments with a refund PENDING for more than olderThanSeconds,
 *            or a refund_asked_at older than that (SUCCESS or REFUNDED
 *            payments); `limit` of them, rotated by reconciled_at as the
 *            payments are
 *   ask      GET /payments/:id/refunds, outside any transaction
 *   match    each refund of the payment by Razorpay's refund id; one we do
 *            not know is a refund whose answer we lost (or one made on the
 *            Dashboard) when its notes.paymentId, which refunds.c sends,
 *            is this payment or absent; another payment's is refused
 *   apply    pay_apply_refund, the refund webhook's own function, in one
 *            transaction per refund under the payment's row lock: a known
 *            PENDING refund moves to PROCESSED or FAILED (pending stays);
 *            an unknown one is recorded and counted (amount_refunded,
 *            REFUNDED when nothing is left, PAYMENT_REFUNDED), exactly as
 *            its webhook would have; a webhook before or after finds it
 *            recorded and changes nothing more
 *
 * Once Razorpay's list has been read and applied without an error, the
 * payment's refund_asked_at is cleared (unless a newer call set it
 * again).  The threshold must exceed RAZORPAY_TIMEOUT_MS, so that a call
 * still waiting for its answer is not taken for a lost one. */
#include "payment.h"
#include "log.h"
#include <string.h>

enum rf_outcome { RF_SKIP, RF_PROCESSED, RF_FAILED, RF_PENDING, RF_ERROR,
	RF_STOP /* database failure: answered, the run ends */ };

/* Counts one refund's outcome. */
static void
tally_add(struct refund_tally *t, enum rf_outcome o, bool recorded)
{
	switch (o) {
	case RF_PROCESSED: t->processed++; break;
	case RF_FAILED: t->failed++; break;
	case RF_PENDING: t->pending++; break;
	case RF_ERROR: t->errors++; break;
	case RF_SKIP: case RF_STOP: return;
	}
	t->checked++;
	if (recorded && o != RF_ERROR)
		t->recorded++;
}

static enum rf_outcome
outcome_of(const PGresult *refund)
{
	const char *st = db_get(refund, 0, "status");
	if (strcmp(st, "PROCESSED") == 0)
		return RF_PROCESSED;
	if (strcmp(st, "FAILED") == 0)
		return RF_FAILED;
	return RF_PENDING;
}

/* Whether Razorpay's refund item is one to apply to our payment pay_id:
 * RF_PENDING when it is (*known: we have it), RF_SKIP when we have it in a
 * final status already, RF_ERROR when it names another payment of ours,
 * RF_STOP after answering. */
static enum rf_outcome
refund_due(struct req *r, const char *pay_id, const struct jv *item,
    const struct rzp_refund *f, bool *known)
{
	PGresult *row = db_exec_or_reply(r, S(S_REFUND_BY_RZP), (const char *[]){ f->id });
	if (row == NULL)
		return RF_STOP;
	*known = PQntuples(row) == 1;
	if (*known)
		return strcmp(db_get(row, 0, "status"), "PENDING") == 0 ? RF_PENDING : RF_SKIP;
	/* Not ours by id: refunds.c names our payment in the notes. */
	const char *ours = rzp_str(json_get(item, "notes"), "paymentId");
	if (ours != NULL && strcmp(ours, pay_id) != 0) {
		log_err("reconcile: refund %s of razorpay payment %s names our payment %s, "
		    "not %s: not applied", f->id, f->payment_id, ours, pay_id);
		return RF_ERROR;
	}
	return RF_PENDING;
}

/* Applies Razorpay's refund item to our payment pay_id, in its own
 * transaction, as the refund webhook does: the refund's status afterwards
 * (*recorded: it was not ours before), RF_SKIP (nothing to do), RF_ERROR
 * or RF_STOP. */
static enum rf_outcome
refund_apply(struct req *r, const char *pay_id, const struct jv *item, bool *recorded)
{
	*recorded = false;
	struct rzp_refund f;
	if (rzp_refund_read(item, &f) != 0) {
		log_err("reconcile: payment %s: an unreadable refund in Razorpay's list", pay_id);
		return RF_ERROR;
	}
	bool known;
	enum rf_outcome o = refund_due(r, pay_id, item, &f, &known);
	if (o != RF_PENDING)
		return o;
	if (db_begin(r) != 0)
		return RF_STOP;
	PGresult *pay = db_exec_or_reply(r, S(S_PAY_LOCK), (const char *[]){ pay_id });
	if (pay == NULL) {
		db_rollback(r);         /* the run's unlock follows on this connection */
		return RF_STOP;
	}
	PGresult *refund, *after;
	enum apply_result ar = pay_apply_refund(r, pay, &f, NULL, NULL, &refund, &after);
	if (ar == APPLY_ERROR) {
		db_rollback(r);         /* the run's unlock follows on this connection */
		return RF_STOP;
	}
	if (ar == APPLY_MISMATCH || ar == APPLY_UNKNOWN || refund == NULL) {
		/* Logged by pay_apply_refund; the run goes on with the next one. */
		db_rollback(r);
		return RF_ERROR;
	}
	if (db_commit(r) != 0)
		return RF_STOP;
	*recorded = !known && ar == APPLY_CHANGED;
	o = outcome_of(refund);
	if (*recorded)
		log_info("reconcile: payment %s: refund %s (%s) recorded from Razorpay's list",
		    pay_id, f.id, f.status);
	else if (o != RF_PENDING)
		log_info("reconcile: payment %s: refund %s is %s from Razorpay's list", pay_id,
		    f.id, db_get(refund, 0, "status"));
	return o;
}

/* Razorpay's refunds of row i of due, applied.  0, 1 when one could not
 * be settled (counted as errors), or -1 after answering. */
static int
refunds_one(struct req *r, const PGresult *due, int i, struct refund_tally *t)
{
	const char *id = db_get(due, i, "id");
	const char *rzp_pay = db_get(due, i, "razorpay_payment_id");
	long long pending = db_get_ll(due, i, "pending");
	struct rzp_result res;
	const struct jv *list = NULL;
	if (rzp_payment_refunds(r, rzp_pay, &res) == 0)
		list = json_get(res.entity, "items");
	if (list == NULL || list->type != JV_ARR) {
		/* Each refund it would have settled is an error (the lost
		 * answer's check, one). */
		log_err("reconcile: payment %s: could not read Razorpay's refunds of %s (HTTP %ld): "
		    "left as they are", id, rzp_pay, res.status);
		for (long long k = 0; k < (pending > 0 ? pending : 1); k++)
			tally_add(t, RF_ERROR, false);
		return 1;
	}
	int errors = 0;
	for (size_t k = 0; k < list->n; k++) {
		const char *of = rzp_str(list->items[k], "payment_id");
		if (of != NULL && strcmp(of, rzp_pay) != 0) {
			log_warn("reconcile: payment %s: Razorpay listed refund %s of %s under %s: "
			    "skipped", id, rzp_str(list->items[k], "id"), of, rzp_pay);
			continue;
		}
		bool recorded;
		enum rf_outcome o = refund_apply(r, id, list->items[k], &recorded);
		if (o == RF_STOP)
			return -1;
		errors += o == RF_ERROR;
		tally_add(t, o, recorded);
	}
	return errors > 0;
}

int
reconcile_refunds(struct req *r, int64_t limit, int64_t after_s, struct refund_tally *t)
{
	const char *p[] = { db_int(r, after_s), db_int(r, limit) };
	PGresult *due = db_exec_or_reply(r, S(S_RECONCILE_REFUNDS_DUE), p);
	if (due == NULL)
		return -1;
	int n = PQntuples(due);
	for (int i = 0; i < n; i++) {
		if (req_elapsed_ms(r) > RECONCILE_BUDGET_MS) {
			log_warn("reconcile: stopped after %d s with the refunds of %d of %d payments "
			    "left for the next run", RECONCILE_BUDGET_MS / 1000, n - i, n);
			break;
		}
		int rc = refunds_one(r, due, i, t);
		if (rc < 0)
			return -1;
		/* Looked at (the next runs take the others first); a refund call
		 * whose answer we now know is no longer due. */
		const char *asked = rc == 0 ? db_get(due, i, "refund_asked_at") : NULL;
		if (db_exec_or_reply(r, S(S_RECONCILE_REFUNDS_SEEN),
		    (const char *[]){ db_get(due, i, "id"), asked }) == NULL)
			return -1;
	}
	return 0;
}
