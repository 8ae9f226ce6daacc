/* order: orders, their status machine and their events, on order_db. */
#include "order.h"
#include "outbox.h"
#include "server.h"

/* An order's columns and its items' columns, as orders_read reads them. */
#define ORDER_COLS \
	"o.id, o.user_id, o.seller_id, o.share_link_id, o.status, o.currency, " \
	"o.subtotal, o.commission, o.total, o.shipping_address, o.payment_id, " \
	ISO("o.created_at") " AS created_at, " ISO("o.updated_at") " AS updated_at"
#define ITEM_COLS \
	"i.id AS item_id, i.product_id AS item_product_id, " \
	"i.variant_id AS item_variant_id, i.product_name AS item_product_name, " \
	"i.quantity AS item_quantity, i.base_price AS item_base_price, " \
	"i.seller_price AS item_seller_price, i.subtotal AS item_subtotal, " \
	"i.commission AS item_commission"
#define STATE_COLS \
	"id, user_id, seller_id, share_link_id, status, currency, total, commission, payment_id"

/* The list's filters: $1 buyer, $2 seller, $3 status, $4 the caller's
 * visibility (buyer or seller), each NULL for "any". */
#define LIST_WHERE \
	"($1::uuid IS NULL OR user_id = $1) AND ($2::uuid IS NULL OR seller_id = $2) " \
	"AND ($3::text IS NULL OR status = $3) " \
	"AND ($4::uuid IS NULL OR user_id = $4 OR seller_id = $4)"

const struct stmt order_stmts[S__MAX] = {
	/* A new order in one statement (so one round trip and one implicit
	 * transaction): the order, its lines ($10: [{id, position, product_id,
	 * ...}] built by our JSON writer), its first history row ($11 actor,
	 * $12 role) and ORDER_CREATED ($13) in the outbox.  The lines' and
	 * history's foreign keys are checked at the end of the statement, when
	 * the order row is there. */
	[S_ORDER_CREATE] = { "order_create",
	    "WITH o AS (INSERT INTO orders (id, user_id, seller_id, share_link_id, currency, "
	    "subtotal, commission, total, shipping_address) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING created_at, updated_at), "
	    "i AS (INSERT INTO order_items (id, order_id, position, product_id, variant_id, "
	    "product_name, quantity, base_price, seller_price, subtotal, commission, "
	    "commission_rate_bps) "
	    "SELECT x.id, $1, x.position, x.product_id, x.variant_id, x.product_name, x.quantity, "
	    "x.base_price, x.seller_price, x.subtotal, x.commission, x.commission_rate_bps "
	    "FROM jsonb_to_recordset($10::jsonb) AS x(id uuid, position integer, product_id uuid, "
	    "variant_id uuid, product_name text, quantity integer, base_price bigint, "
	    "seller_price bigint, subtotal bigint, commission bigint, "
	    "commission_rate_bps integer)), "
	    "h AS (INSERT INTO order_status_history (order_id, from_status, to_status, notes, "
	    "actor_id, actor_role) VALUES ($1, NULL, 'PENDING', 'order created', $11, $12)), "
	    "e AS (" OUTBOX_INSERT "VALUES ('ORDER_CREATED', $1, $13::jsonb)) "
	    "SELECT " ISO("created_at") " AS created_at, " ISO("updated_at") " AS updated_at "
	    "FROM o", 13, false },
	[S_HISTORY_INSERT] = { "history_insert",
	    "INSERT INTO order_status_history (order_id, from_status, to_status, notes, "
	    "actor_id, actor_role) VALUES ($1, $2, $3, $4, $5, $6)", 6, false },
	[S_ORDER_GET] = { "order_get",
	    "SELECT " ORDER_COLS ", " ITEM_COLS " FROM orders o "
	    "LEFT JOIN order_items i ON i.order_id = o.id WHERE o.id = $1 "
	    "ORDER BY i.position", 1, true },
	[S_HISTORY_GET] = { "history_get",
	    "SELECT from_status, to_status, notes, actor_id, actor_role, "
	    ISO("created_at") " AS created_at FROM order_status_history "
	    "WHERE order_id = $1 ORDER BY id", 1, true },
	/* A page and the total in one round trip: one row even for an empty
	 * page (o.id NULL).  $5 skip, $6 take. */
	[S_ORDER_LIST] = { "order_list",
	    "SELECT c.total_count, " ORDER_COLS ", " ITEM_COLS " FROM "
	    "(SELECT count(*) AS total_count FROM orders WHERE " LIST_WHERE ") c "
	    "LEFT JOIN LATERAL (SELECT * FROM orders WHERE " LIST_WHERE " "
	    "ORDER BY created_at DESC, id DESC OFFSET $5 LIMIT $6) o ON true "
	    "LEFT JOIN order_items i ON i.order_id = o.id "
	    "ORDER BY o.created_at DESC, o.id DESC, i.position", 6, true },
	[S_ORDER_STATE] = { "order_state",
	    "SELECT " STATE_COLS " FROM orders WHERE id = $1", 1, true },
	[S_ORDER_LOCK] = { "order_lock",
	    "SELECT " STATE_COLS " FROM orders WHERE id = $1 FOR UPDATE", 1, false },
	/* The transition: of two concurrent changes from one status, one wins. */
	[S_ORDER_SET_STATUS] = { "order_set_status",
	    "UPDATE orders SET status = $3, payment_id = coalesce($4::uuid, payment_id), "
	    "updated_at = now() WHERE id = $1 AND status = $2 RETURNING id", 4, false },
	/* Which of the ids $1 are orders (the product reaper asks). */
	[S_ORDER_EXISTS] = { "order_exists",
	    "SELECT id FROM orders WHERE id = ANY ($1::uuid[])", 1, true },
};

static const struct route routes[] = {
	{ "GET",   "/orders/health",     ROUTE_PUBLIC, server_health, 0, NULL },
	{ "GET",   "/orders",            ROLE_ANY,     orders_list, 0, orders_list_query },
	{ "POST",  "/orders",            ROLE_ANY,     orders_create, 0, NULL },
	{ "GET",   "/orders/:id",        ROLE_ANY,     orders_get, 0, NULL },
	{ "PATCH", "/orders/:id/status", ROLE_ANY,     orders_set_status, 0, NULL },
	{ "GET",   "/internal/order/orders/:id", ROUTE_PUBLIC, orders_internal_get,
	  ROUTE_INTERNAL, NULL },
	{ "POST",  "/internal/order/orders/exists", ROUTE_PUBLIC, orders_internal_exist,
	  ROUTE_INTERNAL, NULL },
	{ "POST",  "/internal/order/events", ROUTE_PUBLIC, order_events, ROUTE_INTERNAL, NULL },
};

static const struct service order = {
	.name = "order",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = order_stmts,
	.nstmts = S__MAX,
	.cli = NULL,
	.audit = &order_audit,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &order);
}
