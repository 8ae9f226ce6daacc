/* Payouts: POST /wallets/:sellerId/payouts, GET /wallets/payouts and the
 * admin's PATCH /wallets/payouts/:id.
 *
 * A request holds its amount at once: the available balance falls by it in
 * the same statement that checks it is there (PAYOUT_REQUESTED), so two
 * requests at the same time cannot take more than the balance; the loser
 * gets 409 "insufficient balance".  Then PENDING -> APPROVED -> COMPLETED
 * (the settlement job, jobs.c, or an admin; no balance change, the money
 * left at the request), or PENDING -> REJECTED, which returns the amount
 * (PAYOUT_REJECTED, less what is owed).  Any other change is 409; two
 * changes at once: the first wins (the UPDATE names the status it leaves).
 * Settled through RazorpayX, a COMPLETED payout the bank reverses becomes
 * REJECTED too (razorpayx.c; PAYOUT_REVERSED returns the amount).  Every
 * change writes PAYOUT_STATUS_CHANGED to the outbox.  The machine and each
 * status's ledger row are logic.c's (payout_status_from, payout_effect_of). */
#include "wallet.h"
#include "idem.h"
#include "log.h"
#include "money.h"
#include "router.h"
#include "valid.h"
#include <string.h>

static const char *const statuses[] = { "PENDING", "APPROVED", "REJECTED", "COMPLETED", NULL };

static void
json_payout_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "walletId", db_get(res, row, "wallet_id"));
	jw_kstr(w, "sellerId", db_get(res, row, "seller_id"));
	jw_kmoney(w, "amount", db_get_ll(res, row, "amount"));
	jw_kstr(w, "currency", db_get(res, row, "currency"));
	jw_kstr(w, "bankAccount", db_get(res, row, "bank_account"));
	jw_kstr(w, "notes", db_get(res, row, "notes"));
	jw_kstr(w, "adminNotes", db_get(res, row, "admin_notes"));
	jw_kstr(w, "status", db_get(res, row, "status"));
	jw_kstr(w, "batchId", db_get(res, row, "batch_id"));
	jw_kstr(w, "gatewayPayoutId", db_get(res, row, "gateway_payout_id"));
	jw_kstr(w, "gatewayStatus", db_get(res, row, "gateway_status"));
	jw_kstr(w, "failureReason", db_get(res, row, "gateway_error"));
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_kstr(w, "updatedAt", db_get(res, row, "updated_at"));
	jw_kstr(w, "approvedAt", db_get(res, row, "approved_at"));
	jw_kstr(w, "rejectedAt", db_get(res, row, "rejected_at"));
	jw_kstr(w, "completedAt", db_get(res, row, "completed_at"));
	jw_obj_close(w);
}

static void
payout_reply(struct req *r, const PGresult *res, int status)
{
	struct jw w;
	req_writer(r, &w);
	json_payout_put(&w, res, 0);
	reply_w(r, status);
}

/* ---- POST /wallets/:sellerId/payouts ---- */

enum { P_AMOUNT, P_BANK, P_NOTES, P__MAX };
static const struct field create_fields[P__MAX] = {
	[P_AMOUNT] = { "amount", F_MONEY, F_REQUIRED, 1, MONEY_MAX, NULL },
	[P_BANK] = { "bankAccount", F_STRING, F_REQUIRED | F_TRIM, 1, 200, NULL },
	[P_NOTES] = { "notes", F_STRING, F_TRIM, 0, 1000, NULL },
};

void
payouts_create(struct req *r)
{
	const char *seller = wallet_seller_or_reply(r);
	if (seller == NULL || idem_begin_or_reply(r) <= 0)
		return;
	struct fval f[P__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, create_fields, P__MAX, f, NULL) != 0)
		return;
	if (rzpx_enabled() && !rzpx_fund_account_ok(f[P_BANK].s)) {
		reply_error(r, 400, "bankAccount must be a RazorpayX fund account id (fa_...)");
		return;
	}
	if (db_begin(r) != 0)
		return;
	const char *p[] = { seller, db_int(r, f[P_AMOUNT].i), f[P_BANK].s, f[P_NOTES].s };
	enum db_err err;
	PGresult *res = db_exec(r, W(W_PAYOUT_REQUEST), p, &err);
	if (res == NULL) {
		db_reply_error(r, err);
		return;
	}
	if (PQntuples(res) != 1) {
		reply_error(r, 409, "insufficient balance");
		return;
	}
	if (payout_event(r, res) != 0)
		return;
	/* The answer commits with the payout: a crash cannot leave the funds
	 * held and the key unanswered (a retry would hold them again). */
	payout_reply(r, res, 201);
	if (idem_commit_or_reply(r) != 0)
		return;
	log_info("payout %s of %lld paise requested for seller %s by %s", db_get(res, 0, "id"),
	    db_get_ll(res, 0, "amount"), seller, r->user.sub);
}

/* ---- GET /wallets/payouts?sellerId=&status=&skip=&take= ---- */

enum { Q_STATUS, Q_SELLER, Q_SKIP, Q_TAKE, Q__MAX };
const struct qparam payouts_list_query[Q__MAX + 1] = {
	[Q_STATUS] = { "status", QP_ENUM, 0, 0, 0, statuses },
	[Q_SELLER] = { "sellerId", QP_OWNER, 0, 0, 0, NULL },
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
};

void
payouts_list(struct req *r)
{
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	const char *p[] = { r->q[Q_SELLER].s, r->q[Q_STATUS].s, db_int(r, skip), db_int(r, take) };
	PGresult *res = db_exec_or_reply(r, W(W_PAYOUT_LIST), p);
	if (res == NULL)
		return;
	db_reply_page(r, res, json_payout_put, skip, take);
}

/* ---- PATCH /wallets/payouts/:id ---- */

enum { U_STATUS, U_NOTES, U__MAX };
static const struct field update_fields[U__MAX] = {
	[U_STATUS] = { "status", F_ENUM, F_REQUIRED, 0, 0, statuses },
	[U_NOTES] = { "notes", F_STRING, F_TRIM, 0, 1000, NULL },
};

void
payouts_update(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	struct fval f[U__MAX];
	if (id == NULL)
		return;
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, update_fields, U__MAX, f, NULL) != 0)
		return;
	const char *to = f[U_STATUS].s, *from = payout_status_from(to);
	PGresult *res = NULL;
	if (from != NULL) {
		if (db_begin(r) != 0)
			return;
		const char *p[] = { id, to, f[U_NOTES].s, from };
		if ((res = db_exec_or_reply(r, W(W_PAYOUT_SET_STATUS), p)) == NULL)
			return;
		if (PQntuples(res) == 1) {
			if (payout_status_effect(r, res) != 0 || payout_event(r, res) != 0 ||
			    db_commit(r) != 0)
				return;
			log_info("payout %s: %s -> %s by admin %s", id, from, to, r->user.sub);
			payout_reply(r, res, 200);
			return;
		}
		db_rollback(r);   /* the read below explains the refusal, outside it */
	}
	if ((res = db_exec_or_reply(r, W(W_PAYOUT_BY_ID), (const char *[]){ id })) == NULL)
		return;
	if (PQntuples(res) != 1)
		reply_error(r, 404, "payout not found");
	else
		reply_error(r, 409, "invalid status transition from %s to %s",
		    db_get(res, 0, "status"), to);
}
