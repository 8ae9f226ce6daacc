/* What a payout's change of status does, inside its transaction: its
 * ledger effect (logic.c's payout_effect_of) and its event.  payouts.c (an admin's change) and
 * razorpayx.c (RazorpayX's word) both call them. */
#include "wallet.h"
#include "outbox.h"
#include <string.h>

int
payout_event(struct req *r, const PGresult *res)
{
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "payoutId", db_get(res, 0, "id"));
	jw_kstr(&w, "sellerId", db_get(res, 0, "seller_id"));
	jw_kstr(&w, "status", db_get(res, 0, "status"));
	jw_kint(&w, "amountPaise", db_get_ll(res, 0, "amount"));
	jw_kstr(&w, "currency", db_get(res, 0, "currency"));
	jw_obj_close(&w);
	const char *id = outbox_put(r, "PAYOUT_STATUS_CHANGED", db_get(res, 0, "id"), &b);
	buf_free(&b);
	return id == NULL ? -1 : 0;
}

int
payout_status_effect(struct req *r, const PGresult *res)
{
	const char *to = db_get(res, 0, "status"), *id = db_get(res, 0, "id");
	struct payout_effect e;
	if (!payout_effect_of(to, !db_isnull(res, 0, "completed_at"), db_get_ll(res, 0, "amount"),
	    &e))
		return 0;
	PGresult *wr = db_exec_or_reply(r, W(W_WALLET_LOCK),
	    (const char *[]){ db_get(res, 0, "wallet_id") });
	if (wr == NULL)
		return -1;
	struct wallet w;
	wallet_read(wr, &w);
	const char *gw = db_isnull(res, 0, "gateway_status") ? "returned" :
	    db_get(res, 0, "gateway_status");
	bool rejected = strcmp(to, "REJECTED") == 0, reversed = strcmp(e.type, "PAYOUT_REVERSED") == 0;
	const char *desc = reversed ? arena_printf(r->a, "Payout %s %s after it was completed: "
	    "funds returned", id, gw) : arena_printf(r->a, "Payout %s %s", id, rejected ?
	    "rejected: funds returned" : "completed");
	struct move m = { e.type, "AVAILABLE", 0, e.d_available, 0, 0, NULL, id, desc };
	if (wallet_move(r, &w, &m) != 0)
		return -1;
	return e.settle_owed ? wallet_settle_owed(r, &w, NULL, id) : 0;
}
