/* Wallets: the wallet document, the ledger movement every balance change
 * goes through, GET /wallets/:sellerId and GET
 * /wallets/:sellerId/transactions.
 *
 * A reseller reads only their own wallet, an admin anyone's.  A seller with
 * no wallet yet (no commission so far) reads as zeros with "id": null; the
 * wallet is created by the first commission. */
#include "wallet.h"
#include "router.h"
#include "valid.h"
#include <string.h>

void
wallet_read(const PGresult *res, struct wallet *w)
{
	w->id = db_get(res, 0, "id");
	w->seller_id = db_get(res, 0, "seller_id");
	w->currency = db_get(res, 0, "currency");
	w->pending = db_get_ll(res, 0, "pending");
	w->available = db_get_ll(res, 0, "available");
	w->earnings = db_get_ll(res, 0, "total_earnings");
	w->owed = db_get_ll(res, 0, "owed");
}

int
wallet_move(struct req *r, struct wallet *w, const struct move *m)
{
	const char *p[] = { w->id, db_int(r, m->d_pending), db_int(r, m->d_available),
	    db_int(r, m->d_owed), db_int(r, m->d_earnings), m->type, m->balance, m->order_id,
	    m->payout_id, m->description };
	PGresult *res = db_exec_or_reply(r, W(W_MOVE), p);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		reply_error(r, 500, "internal server error");
		return -1;
	}
	wallet_read(res, w);
	return 0;
}

int
wallet_settle_owed(struct req *r, struct wallet *w, const char *order_id,
    const char *payout_id)
{
	int64_t d = wallet_owed_deduction(w->owed, w->available);
	if (d <= 0)
		return 0;
	/* Its row records the available balance, which the seller spends;
	 * owed falls by the same amount. */
	struct move m = { "OWED_DEDUCTED", "AVAILABLE", 0, -d, -d, 0, order_id, payout_id,
	    "Owed commission reversals deducted from the available balance" };
	return wallet_move(r, w, &m);
}

const char *
wallet_seller_or_reply(struct req *r)
{
	const char *seller = param_uuid_or_reply(r, "sellerId");
	if (seller == NULL || !guard_owner_or_reply(r, seller))
		return NULL;
	return seller;
}

/* ---- GET /wallets/:sellerId ---- */

void
wallets_get(struct req *r)
{
	const char *seller = wallet_seller_or_reply(r);
	if (seller == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, W(W_WALLET_BY_SELLER), (const char *[]){ seller });
	if (res == NULL)
		return;
	struct wallet w = { NULL, seller, "INR", 0, 0, 0, 0 };
	if (PQntuples(res) == 1)
		wallet_read(res, &w);
	struct jw j;
	req_writer(r, &j);
	jw_obj_open(&j);
	jw_kstr(&j, "id", w.id);
	jw_kstr(&j, "sellerId", w.seller_id);
	jw_kmoney(&j, "pendingBalance", w.pending);
	jw_kmoney(&j, "availableBalance", w.available);
	jw_kmoney(&j, "totalEarnings", w.earnings);
	jw_kmoney(&j, "owed", w.owed);
	jw_kstr(&j, "currency", w.currency);
	jw_obj_close(&j);
	reply_w(r, 200);
}

/* ---- GET /wallets/:sellerId/transactions?skip=&take= ---- */

static void
json_tx_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "type", db_get(res, row, "type"));
	jw_kstr(w, "balance", db_get(res, row, "balance"));
	jw_kmoney(w, "amount", db_get_ll(res, row, "amount"));
	jw_kstr(w, "currency", db_get(res, row, "currency"));
	jw_kmoney(w, "balanceBefore", db_get_ll(res, row, "balance_before"));
	jw_kmoney(w, "balanceAfter", db_get_ll(res, row, "balance_after"));
	jw_kstr(w, "orderId", db_get(res, row, "order_id"));
	jw_kstr(w, "payoutId", db_get(res, row, "payout_id"));
	jw_kstr(w, "description", db_get(res, row, "description"));
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_obj_close(w);
}

enum { Q_SKIP, Q_TAKE, Q__MAX };
const struct qparam wallets_transactions_query[Q__MAX + 1] = {
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
};

void
wallets_transactions(struct req *r)
{
	const char *seller = wallet_seller_or_reply(r);
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	if (seller == NULL)
		return;
	const char *p[] = { seller, db_int(r, skip), db_int(r, take) };
	PGresult *res = db_exec_or_reply(r, W(W_TX_LIST), p);
	if (res == NULL)
		return;
	db_reply_page(r, res, json_tx_put, skip, take);
}
