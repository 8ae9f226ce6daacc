/* The wallet service: each reseller's ledger of commissions and payouts, on
 * wallet_db (fcgi/wallet/README.md has the rules).
 *
 * Balances (paise): pending (commissions of orders not yet delivered or
 * still on hold), available (what a payout may take), owed (reversals the
 * available balance could not cover, taken from the next credits) and
 * totalEarnings (commissions credited less reversed).  Every change of a
 * balance is one statement that moves it relatively and writes the ledger
 * row with the balance before and after (S_MOVE); CHECK constraints keep
 * every balance at zero or above.  The rules (what the facts of an order
 * call for, the payout machine, RazorpayX's word) are logic.c's. */
#ifndef WALLET_H
#define WALLET_H
#include "db.h"
#include "json.h"
#include "req.h"
#include "router.h"
#include "logic.h"
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum wallet_stmt {
	W_WALLET_BY_SELLER,
	W_WALLET_ENSURE,
	W_WALLET_LOCK,
	W_MOVE,
	W_TX_LIST,
	W_ORDER_LOCK,
	W_ORDER_PAID,
	W_ORDER_DELIVERED,
	W_ORDER_CANCELLED,
	W_ORDER_REFUNDED,
	W_ORDER_APPLIED,
	W_JOB_RELEASE_NEXT,
	W_PAYOUT_REQUEST,
	W_PAYOUT_BY_ID,
	W_PAYOUT_LIST,
	W_PAYOUT_SET_STATUS,
	W_SETTLE_CLAIM,
	W_SETTLE_NEXT_FILE,
	W_SETTLE_ROWS,
	W_SETTLE_WRITTEN,
	W_RZPX_NEXT,
	W_RZPX_DONE,
	W_RZPX_SEEN,
	W_RZPX_REVERSE,
	W_RZPX_MATCH,
	W_WEBHOOK_CLAIM,
	W__MAX
};
extern const struct stmt wallet_stmts[W__MAX];
#define W(id) (&wallet_stmts[id])

/* Timestamps leave as ISO 8601 UTC with milliseconds. */
#define ISO(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

#define WALLET_COLS \
	"id, seller_id, currency, pending, available, total_earnings, owed"

/* ---- wallets.c: the wallet document, the ledger, GET endpoints ---- */

/* A wallet row (WALLET_COLS) read into C. */
struct wallet {
	const char *id, *seller_id, *currency;
	int64_t pending, available, earnings, owed;
};
void wallet_read(const PGresult *res, struct wallet *w);

/* One movement: the wallet's balances change by the deltas and one ledger
 * row of type records `balance` ("PENDING", "AVAILABLE" or "OWED") before
 * and after.  order/payout may be NULL.  On success w holds the wallet
 * after it; 0, or -1 after answering 503/500. */
struct move {
	const char *type, *balance;
	int64_t d_pending, d_available, d_owed, d_earnings;
	const char *order_id, *payout_id, *description;
};
int wallet_move(struct req *r, struct wallet *w, const struct move *m);
/* After a credit to available: what is owed is deducted from it first
 * (OWED_DEDUCTED).  0, or -1 after answering. */
int wallet_settle_owed(struct req *r, struct wallet *w, const char *order_id,
    const char *payout_id);

/* The seller id of route parameter :sellerId when the caller may read or
 * change that wallet (themself or an admin), else NULL after answering
 * 400/403. */
const char *wallet_seller_or_reply(struct req *r);

void wallets_get(struct req *r);           /* GET /wallets/:sellerId */
void wallets_transactions(struct req *r);  /* GET /wallets/:sellerId/transactions */
extern const struct qparam wallets_transactions_query[];

/* ---- payouts.c ---- */
void payouts_create(struct req *r);        /* POST /wallets/:sellerId/payouts */
void payouts_list(struct req *r);          /* GET /wallets/payouts */
extern const struct qparam payouts_list_query[];
void payouts_update(struct req *r);        /* PATCH /wallets/payouts/:id */

/* ---- payout_status.c ---- */
/* Writes the payout event (PAYOUT_STATUS_CHANGED) of row 0 of a payout
 * result into the outbox of the open transaction.  0, or -1 after
 * answering. */
int payout_event(struct req *r, const PGresult *res);
/* After a payout's status changed (row 0 of res, inside the transaction):
 * REJECTED returns the amount (PAYOUT_REJECTED; PAYOUT_REVERSED when it
 * had been COMPLETED, i.e. the bank reversed it), then what is owed is
 * deducted; COMPLETED writes its ledger row.  0, or -1 after answering. */
int payout_status_effect(struct req *r, const PGresult *res);

/* ---- events.c: POST /internal/wallet/events, and releases ---- */
void wallet_events(struct req *r);
/* Reads COMMISSION_HOLD_DAYS; 0, or -1 when it is not 0..365. */
int events_config(void);
/* Inside a transaction, with the order row locked (a W_ORDER_* result):
 * locks its wallet and brings it in line with the order's facts (credit
 * done by the caller): reverses what the refunds and a cancellation call
 * for, releases the commission when its hold has passed.  0, or -1 after
 * answering. */
int order_reconcile(struct req *r, const PGresult *order);

/* ---- jobs.c ---- */
void jobs_release(struct req *r);          /* POST /internal/wallet/jobs/release */
void jobs_settle(struct req *r);           /* POST /internal/wallet/jobs/settle */
/* Reads WALLET_SETTLEMENT_DIR; 0 or -1. */
int jobs_config(void);
/* A job's longest run, seconds; "more": the next run goes on. */
#define JOBS_RUN_SECONDS 20

/* ---- razorpayx.c: settlement through RazorpayX Payouts, its webhooks ---- */
/* Reads RAZORPAYX_ACCOUNT_NUMBER and RAZORPAYX_MODE; 0 or -1. */
int rzpx_config(void);
/* Whether payouts are settled through RazorpayX (then a payout's
 * bankAccount is a RazorpayX fund account id, "fa_..."). */
bool rzpx_enabled(void);
/* The settle job's RazorpayX run (jobs_settle answers with it). */
void rzpx_settle(struct req *r);
void rzpx_webhook(struct req *r);          /* POST /wallets/webhook/razorpayx */

/* GET /internal/<service>/audit's statement (audit.c) */
extern const struct stmt wallet_audit;

#endif
