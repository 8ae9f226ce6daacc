/* wallet: resellers' commissions, balances, ledger and payouts, on
 * wallet_db. */
#include "wallet.h"
#include "server.h"
#include <stdio.h>

/* An order's facts and what was done about them; "due": its hold has
 * passed (release_at is set on delivery). */
#define ORDER_COLS \
	"order_id, seller_id, wallet_id, commission, total, currency, cancelled, full_refund, " \
	"refunded, reversed, (release_at IS NOT NULL AND release_at <= now()) AS due, " \
	"(released_at IS NOT NULL) AS released"

#define PAYOUT_COLS \
	"p.id, p.wallet_id, p.seller_id, p.amount, p.currency, p.bank_account, p.notes, " \
	"p.admin_notes, p.status, p.batch_id, p.gateway_payout_id, p.gateway_status, p.gateway_error, " \
	ISO("p.created_at") " AS created_at, " \
	ISO("p.updated_at") " AS updated_at, " ISO("p.approved_at") " AS approved_at, " \
	ISO("p.rejected_at") " AS rejected_at, " ISO("p.completed_at") " AS completed_at"

#define TX_COLS \
	"t.id, t.type, t.balance, t.amount, t.currency, t.balance_before, t.balance_after, " \
	"t.order_id, t.payout_id, t.description, " ISO("t.created_at") " AS created_at, t.seq"

/* The payout list's filter: $1 seller or NULL (every seller), $2 status
 * or NULL. */
#define PAYOUT_WHERE \
	"($1::uuid IS NULL OR p.seller_id = $1) AND ($2::text IS NULL OR p.status = $2)"

const struct stmt wallet_stmts[W__MAX] = {
	[W_WALLET_BY_SELLER] = { "wallet_by_seller",
	    "SELECT " WALLET_COLS " FROM wallets WHERE seller_id = $1", 1, true },
	/* The seller's wallet, created on first use; the row is locked. */
	[W_WALLET_ENSURE] = { "wallet_ensure",
	    "INSERT INTO wallets (seller_id, currency) VALUES ($1, $2) "
	    "ON CONFLICT (seller_id) DO UPDATE SET updated_at = wallets.updated_at "
	    "RETURNING " WALLET_COLS, 2, false },
	[W_WALLET_LOCK] = { "wallet_lock",
	    "SELECT " WALLET_COLS " FROM wallets WHERE id = $1 FOR UPDATE", 1, false },
	/* One movement and its ledger row: $2..$5 the deltas of pending,
	 * available, owed and total earnings; $6 type, $7 the balance the row
	 * records (its amount is that balance's delta), $8 order, $9 payout,
	 * $10 description.  The CHECKs refuse a negative balance. */
	[W_MOVE] = { "wallet_move",
	    "WITH w AS (UPDATE wallets SET pending = pending + $2::bigint, "
	    "available = available + $3::bigint, owed = owed + $4::bigint, "
	    "total_earnings = total_earnings + $5::bigint, updated_at = now() "
	    "WHERE id = $1::uuid RETURNING " WALLET_COLS "), "
	    "d AS (SELECT w.*, CASE $7::text WHEN 'PENDING' THEN $2::bigint "
	    "WHEN 'AVAILABLE' THEN $3::bigint ELSE $4::bigint END AS delta, "
	    "CASE $7::text WHEN 'PENDING' THEN w.pending WHEN 'AVAILABLE' THEN w.available "
	    "ELSE w.owed END AS after FROM w), "
	    "t AS (INSERT INTO wallet_transactions (wallet_id, type, balance, amount, currency, "
	    "balance_before, balance_after, order_id, payout_id, description) "
	    "SELECT d.id, $6, $7, d.delta, d.currency, d.after - d.delta, d.after, $8::uuid, "
	    "$9::uuid, $10 FROM d) "
	    "SELECT " WALLET_COLS " FROM w", 10, false },
	/* A page of a wallet's ledger and its size, newest first: $1 seller,
	 * $2 skip, $3 take; one row (id NULL) for an empty page. */
	[W_TX_LIST] = { "tx_list",
	    "SELECT c.total, p.* FROM (SELECT count(*) AS total FROM wallet_transactions t "
	    "JOIN wallets w ON w.id = t.wallet_id WHERE w.seller_id = $1) c "
	    "LEFT JOIN LATERAL (SELECT " TX_COLS " FROM wallet_transactions t "
	    "JOIN wallets w ON w.id = t.wallet_id WHERE w.seller_id = $1 "
	    "ORDER BY t.seq DESC OFFSET $2 LIMIT $3) p ON true ORDER BY p.seq DESC", 3, true },
	/* The order's row, made on first sight and locked. */
	[W_ORDER_LOCK] = { "order_lock",
	    "INSERT INTO wallet_orders AS o (order_id) VALUES ($1) "
	    "ON CONFLICT (order_id) DO UPDATE SET updated_at = now() RETURNING " ORDER_COLS,
	    1, false },
	/* ORDER_PAID: the commission is credited once ($2 seller, $3 wallet,
	 * $4 commission, $5 total, $6 currency); no row: it was before. */
	[W_ORDER_PAID] = { "order_paid",
	    "UPDATE wallet_orders SET seller_id = $2, wallet_id = $3, commission = $4, total = $5, "
	    "currency = $6, credited_at = now(), updated_at = now() "
	    "WHERE order_id = $1 AND commission IS NULL RETURNING " ORDER_COLS, 6, false },
	/* ORDER_DELIVERED: the hold ($2 days) runs from the first delivery. */
	[W_ORDER_DELIVERED] = { "order_delivered",
	    "UPDATE wallet_orders SET delivered_at = now(), "
	    "release_at = now() + make_interval(days => $2::int), updated_at = now() "
	    "WHERE order_id = $1 AND delivered_at IS NULL RETURNING " ORDER_COLS, 2, false },
	[W_ORDER_CANCELLED] = { "order_cancelled",
	    "UPDATE wallet_orders SET cancelled = true, updated_at = now() "
	    "WHERE order_id = $1 AND NOT cancelled RETURNING " ORDER_COLS, 1, false },
	/* PAYMENT_REFUNDED: $2 the payment's refunded total so far (the
	 * largest seen stays), $3 whether it is refunded in full. */
	[W_ORDER_REFUNDED] = { "order_refunded",
	    "UPDATE wallet_orders SET refunded = greatest(refunded, $2::bigint), "
	    "full_refund = full_refund OR $3::boolean, updated_at = now() "
	    "WHERE order_id = $1 AND (refunded < $2::bigint OR ($3::boolean AND NOT full_refund)) "
	    "RETURNING " ORDER_COLS, 3, false },
	/* What reconcile did: $2 reversed so far, $3 released now. */
	[W_ORDER_APPLIED] = { "order_applied",
	    "UPDATE wallet_orders SET reversed = $2, released_at = CASE WHEN $3::boolean "
	    "THEN now() ELSE released_at END, updated_at = now() WHERE order_id = $1", 3, false },
	/* The release job: the next commission whose hold has passed, locked;
	 * one another run holds is skipped. */
	[W_JOB_RELEASE_NEXT] = { "job_release_next",
	    "SELECT " ORDER_COLS " FROM wallet_orders WHERE released_at IS NULL "
	    "AND commission IS NOT NULL AND release_at <= now() ORDER BY release_at, order_id "
	    "LIMIT 1 FOR UPDATE SKIP LOCKED", 0, false },
	/* A payout request holds its amount at once: one conditional UPDATE
	 * (available >= amount) so concurrent requests cannot overdraw.  $1
	 * seller, $2 amount, $3 bank account, $4 notes; no row: not enough. */
	[W_PAYOUT_REQUEST] = { "payout_request",
	    "WITH w AS (UPDATE wallets SET available = available - $2::bigint, updated_at = now() "
	    "WHERE seller_id = $1::uuid AND available >= $2::bigint "
	    "RETURNING id, currency, available), "
	    "p AS (INSERT INTO wallet_payouts (wallet_id, seller_id, amount, currency, "
	    "bank_account, notes) SELECT w.id, $1::uuid, $2::bigint, w.currency, $3, $4 FROM w "
	    "RETURNING *), "
	    "t AS (INSERT INTO wallet_transactions (wallet_id, type, balance, amount, currency, "
	    "balance_before, balance_after, payout_id, description) "
	    "SELECT w.id, 'PAYOUT_REQUESTED', 'AVAILABLE', -$2::bigint, w.currency, "
	    "w.available + $2::bigint, w.available, p.id, 'Payout ' || p.id || ' requested' "
	    "FROM w, p) "
	    "SELECT " PAYOUT_COLS " FROM p", 4, false },
	[W_PAYOUT_BY_ID] = { "payout_by_id",
	    "SELECT " PAYOUT_COLS " FROM wallet_payouts p WHERE p.id = $1", 1, true },
	/* $3 skip, $4 take; newest first; one row (id NULL) for an empty page. */
	[W_PAYOUT_LIST] = { "payout_list",
	    "SELECT c.total, q.* FROM (SELECT count(*) AS total FROM wallet_payouts p WHERE "
	    PAYOUT_WHERE ") c LEFT JOIN LATERAL (SELECT " PAYOUT_COLS " FROM wallet_payouts p "
	    "WHERE " PAYOUT_WHERE " ORDER BY p.created_at DESC, p.id DESC OFFSET $3 LIMIT $4) q "
	    "ON true ORDER BY q.created_at DESC, q.id DESC", 4, true },
	/* $2 the new status, $3 admin notes or NULL (keep), $4 the status it
	 * must have now; no row: it has another (or does not exist). */
	[W_PAYOUT_SET_STATUS] = { "payout_set_status",
	    "UPDATE wallet_payouts p SET status = $2, admin_notes = coalesce($3, p.admin_notes), "
	    "updated_at = now(), "
	    "approved_at = CASE WHEN $2 = 'APPROVED' THEN now() ELSE p.approved_at END, "
	    "rejected_at = CASE WHEN $2 = 'REJECTED' THEN now() ELSE p.rejected_at END, "
	    "completed_at = CASE WHEN $2 = 'COMPLETED' THEN now() ELSE p.completed_at END "
	    "WHERE p.id = $1 AND p.status = $4 RETURNING " PAYOUT_COLS, 4, false },
	/* The settlement job: up to $2 approved payouts, oldest approval first,
	 * become COMPLETED in batch $1 (one ledger row each, no balance
	 * change: the money left the balance at the request) and the batch is
	 * recorded for its file.  Rows another run holds are skipped. */
	[W_SETTLE_CLAIM] = { "settle_claim",
	    "WITH c AS (SELECT id FROM wallet_payouts WHERE status = 'APPROVED' "
	    "ORDER BY approved_at, id LIMIT $2::int FOR UPDATE SKIP LOCKED), "
	    "p AS (UPDATE wallet_payouts p SET status = 'COMPLETED', batch_id = $1::uuid, "
	    "completed_at = now(), updated_at = now() FROM c WHERE p.id = c.id RETURNING p.*), "
	    "t AS (INSERT INTO wallet_transactions (wallet_id, type, balance, amount, currency, "
	    "balance_before, balance_after, payout_id, description) "
	    "SELECT p.wallet_id, 'PAYOUT_COMPLETED', 'AVAILABLE', 0, p.currency, w.available, "
	    "w.available, p.id, 'Payout ' || p.id || ' settled (batch ' || $1 || ')' "
	    "FROM p JOIN wallets w ON w.id = p.wallet_id), "
	    "s AS (INSERT INTO wallet_settlements (id, payouts) SELECT $1::uuid, count(*) FROM p "
	    "HAVING count(*) > 0) "
	    "SELECT " PAYOUT_COLS " FROM p", 2, false },
	/* A batch whose file is still to be written, locked while it is. */
	[W_SETTLE_NEXT_FILE] = { "settle_next_file",
	    "SELECT id FROM wallet_settlements WHERE file_written_at IS NULL "
	    "ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", 0, false },
	[W_SETTLE_ROWS] = { "settle_rows",
	    "SELECT " PAYOUT_COLS " FROM wallet_payouts p WHERE p.batch_id = $1 ORDER BY p.id",
	    1, true },
	[W_SETTLE_WRITTEN] = { "settle_written",
	    "UPDATE wallet_settlements SET file = $2, file_written_at = now() WHERE id = $1",
	    2, false },
	/* RazorpayX: the next approved payout after $1 (by id). */
	[W_RZPX_NEXT] = { "rzpx_next",
	    "SELECT " PAYOUT_COLS " FROM wallet_payouts p WHERE p.status = 'APPROVED' "
	    "AND p.id > $1::uuid ORDER BY p.id LIMIT 1", 1, true },
	/* RazorpayX answered for payout $1: $2 COMPLETED or REJECTED, $3 its
	 * payout id (NULL: it never had one), $4 its status, $5 why it failed,
	 * $6 admin notes or NULL.  No row: it is no longer APPROVED (another
	 * run or a webhook recorded it first), or it is another RazorpayX
	 * payout's. */
	[W_RZPX_DONE] = { "rzpx_done",
	    "UPDATE wallet_payouts p SET status = $2, "
	    "gateway_payout_id = coalesce($3, p.gateway_payout_id), gateway_status = $4, "
	    "gateway_error = $5, admin_notes = coalesce($6, p.admin_notes), updated_at = now(), "
	    "completed_at = CASE WHEN $2 = 'COMPLETED' THEN now() ELSE p.completed_at END, "
	    "rejected_at = CASE WHEN $2 = 'REJECTED' THEN now() ELSE p.rejected_at END "
	    "WHERE p.id = $1 AND p.status = 'APPROVED' AND "
	    "(p.gateway_payout_id IS NULL OR p.gateway_payout_id = $3) RETURNING " PAYOUT_COLS,
	    6, false },
	/* RazorpayX has payout $1 as $2 (its id) with status $3, recorded
	 * while it is APPROVED (still on its way: it stays APPROVED until it
	 * is processed).  No row: it is not APPROVED, or another's. */
	[W_RZPX_SEEN] = { "rzpx_seen",
	    "UPDATE wallet_payouts SET gateway_payout_id = $2, gateway_status = $3, "
	    "updated_at = now() WHERE id = $1 AND status = 'APPROVED' AND "
	    "(gateway_payout_id IS NULL OR gateway_payout_id = $2) RETURNING id", 3, false },
	/* The money of COMPLETED payout $1 came back: RazorpayX payout $2 is
	 * $3 (reversed: the bank sent it back after it was processed; failed,
	 * rejected, cancelled: only when RazorpayX never reported it
	 * processed, i.e. an admin completed it by hand).  -> REJECTED ($4
	 * why, $5 admin notes); no row: it was not COMPLETED through $2 (a
	 * second reversal, a bank-file payout), or it was processed. */
	[W_RZPX_REVERSE] = { "rzpx_reverse",
	    "UPDATE wallet_payouts p SET status = 'REJECTED', gateway_status = $3, "
	    "gateway_error = $4, admin_notes = coalesce($5, p.admin_notes), updated_at = now(), "
	    "rejected_at = now() WHERE p.id = $1 AND p.status = 'COMPLETED' AND "
	    "p.gateway_payout_id = $2 AND ($3 = 'reversed' OR "
	    "p.gateway_status IS DISTINCT FROM 'processed') RETURNING " PAYOUT_COLS, 5, false },
	/* A webhook's payout: ours with RazorpayX id $1, or ours with id $2
	 * (its reference_id) that has no RazorpayX id yet. */
	[W_RZPX_MATCH] = { "rzpx_match",
	    "SELECT p.id FROM wallet_payouts p WHERE p.gateway_payout_id = $1 "
	    "OR (p.gateway_payout_id IS NULL AND p.id = $2::uuid) "
	    "ORDER BY p.gateway_payout_id IS NULL LIMIT 1", 2, false },
	/* A webhook delivery's id, inserted with its effect; no row: seen. */
	[W_WEBHOOK_CLAIM] = { "webhook_claim",
	    "INSERT INTO webhook_events (event_id, event) VALUES ($1, $2) "
	    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id", 2, false },
};

static const struct route routes[] = {
	{ "GET",   "/wallets/health",               ROUTE_PUBLIC, server_health, 0, NULL },
	/* RazorpayX's payout webhooks: signed, no token. */
	{ "POST",  "/wallets/webhook/razorpayx",    ROUTE_PUBLIC, rzpx_webhook, 0, NULL },
	/* Before /wallets/:sellerId, which would take "payouts" as an id. */
	{ "GET",   "/wallets/payouts",              ROLE_RESELLER | ROLE_ADMIN, payouts_list, 0,
	  payouts_list_query },
	{ "PATCH", "/wallets/payouts/:id",          ROLE_ADMIN, payouts_update, 0, NULL },
	{ "GET",   "/wallets/:sellerId",            ROLE_RESELLER | ROLE_ADMIN, wallets_get,
	  0, NULL },
	{ "GET",   "/wallets/:sellerId/transactions", ROLE_RESELLER | ROLE_ADMIN,
	  wallets_transactions, 0, wallets_transactions_query },
	{ "POST",  "/wallets/:sellerId/payouts",    ROLE_RESELLER | ROLE_ADMIN, payouts_create,
	  0, NULL },
	{ "POST",  "/internal/wallet/events",       ROUTE_PUBLIC, wallet_events,
	  ROUTE_INTERNAL, NULL },
	{ "POST",  "/internal/wallet/jobs/release", ROUTE_PUBLIC, jobs_release,
	  ROUTE_INTERNAL, NULL },
	{ "POST",  "/internal/wallet/jobs/settle",  ROUTE_PUBLIC, jobs_settle,
	  ROUTE_INTERNAL, NULL },
};

static const struct service wallet = {
	.name = "wallet",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = wallet_stmts,
	.nstmts = W__MAX,
	.cli = NULL,
	.audit = &wallet_audit,
};

int
main(int argc, char **argv)
{
	if (events_config() != 0 || jobs_config() != 0 || rzpx_config() != 0)
		return 1;
	return server_main(argc, argv, &wallet);
}
