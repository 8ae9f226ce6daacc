/* GET /internal/payment/audit (common/server.c, cron/README.md "The
 * audit"): every SUCCESS or REFUNDED payment settled for graceSeconds as
 *   [id, orderId, status, amount, currency, amountRefunded, refundsAsked]
 * (refundsAsked: the refunds not FAILED, pending ones included), and the
 * orders whose payments changed within the grace ("young"). */
#include "payment.h"

const struct stmt payment_audit = { "payment_audit",
    "WITH g AS (SELECT now() - make_interval(secs => $1::int) AS t), "
    "f AS (SELECT payment_id, sum(amount) FILTER (WHERE status <> 'FAILED') AS asked "
    "FROM refunds GROUP BY payment_id) "
    "SELECT json_build_object("
    "'payments', coalesce(json_agg(json_build_array(p.id, p.order_id, p.status, p.amount, "
    "p.currency, p.amount_refunded, coalesce(f.asked, 0))) "
    "FILTER (WHERE p.updated_at < g.t AND p.status IN ('SUCCESS', 'REFUNDED')), '[]'), "
    "'young', coalesce(json_agg(p.order_id) FILTER (WHERE p.updated_at >= g.t), '[]')"
    ")::text AS doc FROM g LEFT JOIN payments p ON $2::int = 0 "
    "OR p.updated_at >= now() - make_interval(secs => $2::int) "
    "LEFT JOIN f ON f.payment_id = p.id GROUP BY g.t", 2, true };
