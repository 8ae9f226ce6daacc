/* GET /internal/order/audit (common/server.c, cron/README.md "The audit"):
 * every order settled for graceSeconds as
 *   [id, status, buyer, seller, commission, total, currency, shareLinkId,
 *    everPaid, paidByHand, [[variantId, quantity], ...]]
 * (paidByHand: made PAID by an admin, with no payment), and the ids of
 * the orders changed within the grace ("young": [id, shareLinkId]), which
 * the audit skips; only orders changed within sinceSeconds when it is not 0. */
#include "order.h"

const struct stmt order_audit = { "order_audit",
    "WITH g AS (SELECT now() - make_interval(secs => $1::int) AS t), "
    "paid AS (SELECT h.order_id, bool_or(h.actor_role = 'ADMIN') AS by_admin "
    "FROM order_status_history h WHERE h.to_status = 'PAID' GROUP BY h.order_id), "
    "items AS (SELECT i.order_id, json_agg(json_build_array(i.variant_id, i.quantity) "
    "ORDER BY i.position) AS lines FROM order_items i GROUP BY i.order_id) "
    "SELECT json_build_object("
    "'orders', coalesce(json_agg(json_build_array(o.id, o.status, o.user_id, o.seller_id, "
    "o.commission, o.total, o.currency, o.share_link_id, p.order_id IS NOT NULL, "
    "coalesce(p.by_admin AND o.payment_id IS NULL, false), i.lines)) "
    "FILTER (WHERE o.updated_at < g.t), '[]'), "
    "'young', coalesce(json_agg(json_build_array(o.id, o.share_link_id)) "
    "FILTER (WHERE o.updated_at >= g.t), '[]'))::text AS doc "
    "FROM g LEFT JOIN orders o ON $2::int = 0 "
    "OR o.updated_at >= now() - make_interval(secs => $2::int) "
    "LEFT JOIN paid p ON p.order_id = o.id LEFT JOIN items i ON i.order_id = o.id "
    "GROUP BY g.t", 2, true };
