/* GET /internal/product/audit (common/server.c, cron/README.md "The
 * audit"): every reservation settled for graceSeconds as
 *   [orderId, held, [[variantId, quantity], ...] or null when released]
 * and the orders whose reservation changed within the grace ("young"). */
#include "product.h"

const struct stmt product_audit = { "product_audit",
    "WITH g AS (SELECT now() - make_interval(secs => $1::int) AS t), "
    "l AS (SELECT order_id, json_agg(json_build_array(variant_id, quantity)) AS lines "
    "FROM reservation_lines GROUP BY order_id) "
    "SELECT json_build_object("
    "'reservations', coalesce(json_agg(json_build_array(r.order_id, r.status = 'RESERVED', "
    "CASE WHEN r.status = 'RESERVED' THEN l.lines END)) "
    "FILTER (WHERE greatest(r.touched_at, r.released_at) < g.t), '[]'), "
    "'young', coalesce(json_agg(r.order_id) "
    "FILTER (WHERE greatest(r.touched_at, r.released_at) >= g.t), '[]')"
    ")::text AS doc FROM g LEFT JOIN reservations r ON $2::int = 0 OR "
    "greatest(r.touched_at, r.released_at) >= now() - make_interval(secs => $2::int) "
    "LEFT JOIN l ON l.order_id = r.order_id GROUP BY g.t", 2, true };
