/* share-link: reseller share links, their clicks and conversions, on
 * share_link_db; and the share page a link's url opens (GET /share/:code,
 * HTML). */
#include "share_link.h"
#include "server.h"
#include <stdio.h>

/* The list's filter: $1 the seller, NULL for every link (admins). */
#define LIST_WHERE "($1::uuid IS NULL OR l.seller_id = $1)"

const struct stmt share_link_stmts[S__MAX] = {
	[S_LINK_INSERT] = { "link_insert",
	    "INSERT INTO share_links AS l (code, seller_id, product_id, seller_price, currency, "
	    "expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING " LINK_COLS, 6, false },
	[S_LINK_BY_CODE] = { "link_by_code",
	    "SELECT " LINK_COLS " FROM share_links l WHERE l.code = $1", 1, true },
	[S_LINK_BY_ID] = { "link_by_id",
	    "SELECT " LINK_COLS " FROM share_links l WHERE l.id = $1", 1, true },
	/* A page and the total in one round trip: one row even for an empty
	 * page (id NULL).  $2 skip, $3 take; newest first. */
	[S_LINK_LIST] = { "link_list",
	    "SELECT c.total, p.* FROM "
	    "(SELECT count(*) AS total FROM share_links l WHERE " LIST_WHERE ") c "
	    "LEFT JOIN LATERAL (SELECT " LINK_COLS " FROM share_links l WHERE " LIST_WHERE " "
	    "ORDER BY l.created_at DESC, l.id DESC OFFSET $2 LIMIT $3) p ON true "
	    "ORDER BY p.created_at DESC, p.id DESC", 3, true },
	/* $2 the new isActive or NULL (keep); $3 whether to set expiresAt, $4
	 * the new one or NULL (never).  A new expiresAt reactivates a link the
	 * expiry job deactivated (expired_at), not one its owner did. */
	[S_LINK_UPDATE] = { "link_update",
	    "UPDATE share_links l SET is_active = coalesce($2::boolean, "
	    "CASE WHEN $3::boolean AND l.expired_at IS NOT NULL THEN true ELSE l.is_active END), "
	    "expired_at = CASE WHEN $3::boolean OR $2::boolean IS NOT NULL THEN NULL "
	    "ELSE l.expired_at END, "
	    "expires_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE l.expires_at END, "
	    "updated_at = now() WHERE l.id = $1 RETURNING " LINK_COLS, 4, false },
	/* A click of visitor $2 on link $1 counts when the visitor's last
	 * counted click on it is an hour old or more: one row back (the new
	 * count), else none.  Concurrent clicks of one visitor meet on the
	 * visitor row: one counts. */
	[S_LINK_CLICK] = { "link_click",
	    "WITH v AS (INSERT INTO share_link_visitors AS v (link_id, visitor, counted_at) "
	    "VALUES ($1::uuid, $2, now()) ON CONFLICT (link_id, visitor) DO UPDATE "
	    "SET counted_at = now() WHERE v.counted_at <= now() - interval '1 hour' RETURNING 1) "
	    "UPDATE share_links l SET clicks = l.clicks + 1 "
	    "WHERE l.id = $1::uuid AND EXISTS (SELECT 1 FROM v) RETURNING l.clicks", 2, false },
	/* A link's counters: orders placed through it, conversions (paid
	 * orders not cancelled since), revenue (what those paid less what was
	 * refunded, paise) and the cancelled orders. */
	[S_LINK_STATS] = { "link_stats",
	    "SELECT l.id, l.seller_id, l.currency, l.clicks, s.orders, s.conversions, s.revenue, "
	    "s.cancelled FROM share_links l CROSS JOIN LATERAL (SELECT count(*) AS orders, "
	    "count(o.paid_at) FILTER (WHERE o.cancelled_at IS NULL) AS conversions, "
	    "coalesce(sum(greatest(o.revenue - coalesce(f.refunded, 0), 0)) "
	    "FILTER (WHERE o.cancelled_at IS NULL), 0) AS revenue, "
	    "count(o.cancelled_at) AS cancelled "
	    "FROM share_link_orders o LEFT JOIN share_link_refunds f USING (order_id) "
	    "WHERE o.link_id = l.id) s WHERE l.code = $1", 1, true },
	/* ORDER_CREATED: $1 order, $2 link, $3 total, $4 currency.  known: the
	 * link exists; written: the order was new. */
	[S_ORDER_CREATED] = { "order_created",
	    "WITH l AS (SELECT id FROM share_links WHERE id = $2::uuid), "
	    "i AS (INSERT INTO share_link_orders (order_id, link_id, total, currency) "
	    "SELECT $1::uuid, l.id, $3::bigint, $4::text FROM l "
	    "ON CONFLICT (order_id) DO NOTHING RETURNING order_id) "
	    "SELECT EXISTS (SELECT 1 FROM l) AS known, EXISTS (SELECT 1 FROM i) AS written",
	    4, false },
	/* ORDER_PAID: the order (recorded now if its ORDER_CREATED has not
	 * arrived yet) is paid, its total the revenue; an order paid before
	 * stays as it is. */
	[S_ORDER_PAID] = { "order_paid",
	    "WITH l AS (SELECT id FROM share_links WHERE id = $2::uuid), "
	    "i AS (INSERT INTO share_link_orders AS o (order_id, link_id, total, currency, "
	    "paid_at, revenue) SELECT $1::uuid, l.id, $3::bigint, $4::text, now(), $3::bigint "
	    "FROM l ON CONFLICT (order_id) DO UPDATE SET paid_at = now(), "
	    "revenue = EXCLUDED.revenue WHERE o.paid_at IS NULL RETURNING o.order_id) "
	    "SELECT EXISTS (SELECT 1 FROM l) AS known, EXISTS (SELECT 1 FROM i) AS written",
	    4, false },
	/* ORDER_CANCELLED: the order (recorded now if its ORDER_CREATED has
	 * not arrived yet) is cancelled; its payment no longer counts. */
	[S_ORDER_CANCELLED] = { "order_cancelled",
	    "WITH l AS (SELECT id FROM share_links WHERE id = $2::uuid), "
	    "i AS (INSERT INTO share_link_orders AS o (order_id, link_id, total, currency, "
	    "cancelled_at) SELECT $1::uuid, l.id, $3::bigint, $4::text, now() FROM l "
	    "ON CONFLICT (order_id) DO UPDATE SET cancelled_at = now() "
	    "WHERE o.cancelled_at IS NULL RETURNING o.order_id) "
	    "SELECT EXISTS (SELECT 1 FROM l) AS known, EXISTS (SELECT 1 FROM i) AS written",
	    4, false },
	/* PAYMENT_REFUNDED: $2 what the order's payment has refunded so far;
	 * the largest seen stays.  A row back: it grew. */
	[S_ORDER_REFUNDED] = { "order_refunded",
	    "INSERT INTO share_link_refunds AS f (order_id, refunded) VALUES ($1::uuid, $2::bigint) "
	    "ON CONFLICT (order_id) DO UPDATE SET refunded = EXCLUDED.refunded, updated_at = now() "
	    "WHERE f.refunded < EXCLUDED.refunded RETURNING f.order_id", 2, false },
	/* The expiry job: the active links whose expiresAt has passed. */
	[S_JOB_EXPIRE] = { "job_expire",
	    "UPDATE share_links SET is_active = false, expired_at = now(), updated_at = now() "
	    "WHERE is_active AND expires_at <= now() RETURNING id", 0, false },
	/* Visitor rows past the hour, at most $1 of them. */
	[S_JOB_PURGE_VISITORS] = { "job_purge_visitors",
	    "DELETE FROM share_link_visitors WHERE ctid = ANY (ARRAY(SELECT ctid "
	    "FROM share_link_visitors WHERE counted_at <= now() - interval '1 hour' "
	    "LIMIT $1::int))", 1, false },
};

static const struct route routes[] = {
	{ "GET",    "/share-links/health",      ROUTE_PUBLIC, server_health, 0, NULL },
	{ "POST",   "/share-links",             ROLE_RESELLER | ROLE_ADMIN, links_create, 0, NULL },
	{ "GET",    "/share-links",             ROLE_RESELLER | ROLE_ADMIN, links_list, 0,
	  links_list_query },
	{ "GET",    "/share-links/:code",       ROUTE_PUBLIC, links_visit, 0, NULL },
	{ "PATCH",  "/share-links/:id",         ROLE_RESELLER | ROLE_ADMIN, links_update, 0, NULL },
	{ "DELETE", "/share-links/:id",         ROLE_RESELLER | ROLE_ADMIN, links_delete, 0, NULL },
	{ "GET",    "/share-links/:code/stats", ROLE_RESELLER | ROLE_ADMIN, links_stats, 0, NULL },
	{ "GET",    "/share/:code",             ROUTE_PUBLIC, links_page, 0, NULL },
	{ "GET",    "/internal/share-link/links/:id", ROUTE_PUBLIC, links_internal_get,
	  ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/share-link/events", ROUTE_PUBLIC, share_link_events,
	  ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/share-link/jobs/expire", ROUTE_PUBLIC, jobs_expire,
	  ROUTE_INTERNAL, NULL },
};

static const struct service share_link = {
	.name = "share-link",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = share_link_stmts,
	.nstmts = S__MAX,
	.cli = NULL,
	.audit = &share_link_audit,
};

int
main(int argc, char **argv)
{
	if (links_config() != 0 || page_config() != 0)
		return 1;
	return server_main(argc, argv, &share_link);
}
