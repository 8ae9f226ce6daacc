/* GET /internal/share-link/audit (common/server.c, cron/README.md "The
 * audit"): per link with orders, what its stats say (S_LINK_STATS's rule)
 *   [linkId, revenue, conversions]
 * The audit compares them with the orders and payments themselves. */
#include "share_link.h"

const struct stmt share_link_audit = { "share_link_audit",
    "SELECT json_build_object('links', coalesce(json_agg(json_build_array(s.link_id, "
    "s.revenue, s.conversions)), '[]'))::text AS doc FROM (SELECT o.link_id, "
    "coalesce(sum(greatest(o.revenue - coalesce(f.refunded, 0), 0)) "
    "FILTER (WHERE o.cancelled_at IS NULL), 0) AS revenue, "
    "count(o.paid_at) FILTER (WHERE o.cancelled_at IS NULL) AS conversions "
    "FROM share_link_orders o LEFT JOIN share_link_refunds f USING (order_id) "
    "WHERE $1::int >= 0 AND ($2::int = 0 OR o.created_at >= now() - "
    "make_interval(secs => $2::int)) GROUP BY o.link_id) s", 2, true };
