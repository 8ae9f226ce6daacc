/* GET /internal/wallet/audit (common/server.c, cron/README.md "The
 * audit").  The wallet checks its own books and says what it found
 * ("discrepancies", one line each with its ids):
 *   wallet_balance   a wallet's pending, available or owed is not what
 *                    its ledger rows add up to (README.md, the ledger:
 *                    pending = PENDING rows - COMMISSION_RELEASED,
 *                    available = AVAILABLE rows, owed = OWED rows +
 *                    OWED_DEDUCTED)
 *   payout_funds     a payout's ledger rows do not hold its amount (or,
 *                    REJECTED, hold anything)
 *   payout_unsettled a COMPLETED payout in no written settlement file and
 *                    not processed by RazorpayX (an admin's completion by
 *                    hand, with neither, is counted in completedByHand)
 * and, for the cross-checks, per order settled for graceSeconds
 *   [orderId, sellerId, credits, credited, reversed]
 * from the ledger (credits: COMMISSION_CREATED rows; reversed: what
 * COMMISSION_REVERSED took plus what COMMISSION_OWED records), and the
 * orders changed within the grace ("young"). */
#include "wallet.h"

#define GRACE "(now() - make_interval(secs => $1::int))"
/* Changed within the window $2 (0: all). */
#define SINCE(col) " AND ($2::int = 0 OR " col " >= now() - make_interval(secs => $2::int))"

const struct stmt wallet_audit = { "wallet_audit",
    "WITH c AS (SELECT order_id, count(*) FILTER (WHERE type = 'COMMISSION_CREATED') AS credits, "
    "coalesce(sum(amount) FILTER (WHERE type = 'COMMISSION_CREATED'), 0) AS credited, "
    "coalesce(-sum(amount) FILTER (WHERE type = 'COMMISSION_REVERSED'), 0) + "
    "coalesce(sum(amount) FILTER (WHERE type = 'COMMISSION_OWED'), 0) AS reversed "
    "FROM wallet_transactions WHERE order_id IS NOT NULL GROUP BY order_id), "
    "s AS (SELECT wallet_id, "
    "coalesce(sum(amount) FILTER (WHERE balance = 'PENDING'), 0) - "
    "coalesce(sum(amount) FILTER (WHERE type = 'COMMISSION_RELEASED'), 0) AS pending, "
    "coalesce(sum(amount) FILTER (WHERE balance = 'AVAILABLE'), 0) AS available, "
    "coalesce(sum(amount) FILTER (WHERE balance = 'OWED'), 0) + "
    "coalesce(sum(amount) FILTER (WHERE type = 'OWED_DEDUCTED'), 0) AS owed "
    "FROM wallet_transactions GROUP BY wallet_id), "
    "bal AS (SELECT format('wallet_balance wallet=%s seller=%s pending=%s ledger=%s "
    "available=%s ledger=%s owed=%s ledger=%s', w.id, w.seller_id, w.pending, "
    "coalesce(s.pending, 0), w.available, coalesce(s.available, 0), w.owed, "
    "coalesce(s.owed, 0)) AS line FROM wallets w LEFT JOIN s ON s.wallet_id = w.id "
    "WHERE w.updated_at < " GRACE SINCE("w.updated_at") " AND (w.pending <> coalesce(s.pending, 0) "
    "OR w.available <> coalesce(s.available, 0) OR w.owed <> coalesce(s.owed, 0))), "
    "held AS (SELECT payout_id, -sum(amount) AS held FROM wallet_transactions "
    "WHERE payout_id IS NOT NULL GROUP BY payout_id), "
    "pay AS (SELECT format('payout_funds payout=%s seller=%s status=%s held=%s expected=%s', "
    "p.id, p.seller_id, p.status, coalesce(h.held, 0), "
    "CASE WHEN p.status = 'REJECTED' THEN 0 ELSE p.amount END) AS line "
    "FROM wallet_payouts p LEFT JOIN held h ON h.payout_id = p.id "
    "WHERE p.updated_at < " GRACE SINCE("p.updated_at") " AND coalesce(h.held, 0) <> "
    "CASE WHEN p.status = 'REJECTED' THEN 0 ELSE p.amount END), "
    "done AS (SELECT format('payout_unsettled payout=%s seller=%s batch=%s gateway=%s/%s', "
    "p.id, p.seller_id, coalesce(p.batch_id::text, '-'), coalesce(p.gateway_payout_id, '-'), "
    "coalesce(p.gateway_status, '-')) AS line FROM wallet_payouts p "
    "LEFT JOIN wallet_settlements b ON b.id = p.batch_id "
    "WHERE p.status = 'COMPLETED' AND p.updated_at < " GRACE SINCE("p.updated_at") " "
    "AND (p.batch_id IS NOT NULL OR p.gateway_payout_id IS NOT NULL) "
    "AND NOT (b.file_written_at IS NOT NULL OR p.gateway_status = 'processed')) "
    "SELECT json_build_object("
    "'orders', (SELECT coalesce(json_agg(json_build_array(o.order_id, o.seller_id, "
    "coalesce(c.credits, 0), coalesce(c.credited, 0), coalesce(c.reversed, 0))), '[]') "
    "FROM wallet_orders o LEFT JOIN c USING (order_id) WHERE o.updated_at < " GRACE
    SINCE("o.updated_at") "), "
    "'young', (SELECT coalesce(json_agg(o.order_id), '[]') FROM wallet_orders o "
    "WHERE o.updated_at >= " GRACE SINCE("o.updated_at") "), "
    "'discrepancies', (SELECT coalesce(json_agg(x.line), '[]') FROM "
    "(SELECT line FROM bal UNION ALL SELECT line FROM pay UNION ALL SELECT line FROM done) x), "
    "'completedByHand', (SELECT count(*) FROM wallet_payouts WHERE status = 'COMPLETED' "
    "AND batch_id IS NULL AND gateway_payout_id IS NULL" SINCE("updated_at") "))::text AS doc",
    2, true };
