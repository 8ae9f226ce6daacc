/* product: categories, products with variants and images, and stock
 * reservations for orders, on product_db. */
#include "product.h"
#include "server.h"

/* The product document, inline so that each prepared statement keeps one
 * cached plan (product_json() in sql/product/002_json.sql is the same
 * document for ad-hoc use; a SQL function with subqueries is planned again
 * on every call). */
#define ISO(t) "to_char(" t " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
#define MONEY(x) "round((" x ")::numeric / 100, 2)"
#define PRODUCT_DOC \
	"json_build_object('id', p.id, 'name', p.name, 'slug', p.slug, " \
	"'description', p.description, 'basePrice', " MONEY("p.base_price") ", " \
	"'currency', p.currency, 'isActive', p.is_active, 'categoryId', p.category_id, " \
	"'category', (SELECT json_build_object('id', c.id, 'name', c.name, 'slug', c.slug) " \
	"FROM categories c WHERE c.id = p.category_id), " \
	"'variants', coalesce((SELECT json_agg(json_build_object('id', v.id, 'sku', v.sku, " \
	"'price', " MONEY("coalesce(v.price, p.base_price)") ", 'stock', v.stock, " \
	"'optionValues', v.option_values, 'isDefault', v.is_default) " \
	"ORDER BY v.position, v.id) FROM variants v " \
	"WHERE v.product_id = p.id AND v.deleted_at IS NULL), '[]'), " \
	"'images', coalesce((SELECT json_agg(json_build_object('id', i.id, 'url', i.url, " \
	"'altText', i.alt_text, 'isPrimary', i.is_primary, 'position', i.position) " \
	"ORDER BY i.position, i.id) FROM images i WHERE i.product_id = p.id), '[]'), " \
	"'createdAt', " ISO("p.created_at") ", 'updatedAt', " ISO("p.updated_at") ")"

#define PRODUCT_PAGE(order) \
	"SELECT coalesce(json_agg(" PRODUCT_DOC " ORDER BY " order "), '[]') AS doc " \
	"FROM (SELECT id FROM products WHERE deleted_at IS NULL " \
	"AND ($1::uuid IS NULL OR category_id = $1) " \
	"AND ($2::boolean IS NULL OR is_active = $2) " \
	"ORDER BY " order " OFFSET $3 LIMIT $4) s JOIN products p USING (id)"

/* A product as its events and the pricing service's copy carry it: the
 * product's price facts and its live variants (money in paise). */
#define PRODUCT_SNAPSHOT(version) \
	"json_build_object('productId', p.id, 'name', p.name, 'slug', p.slug, " \
	"'basePricePaise', p.base_price, 'currency', p.currency, 'isActive', p.is_active, " \
	"'categoryId', p.category_id, 'deleted', p.deleted_at IS NOT NULL, " \
	"'version', " version ", " \
	"'variants', (SELECT coalesce(json_agg(json_build_object('id', v.id, " \
	"'pricePaise', coalesce(v.price, p.base_price), 'stock', v.stock, " \
	"'isDefault', v.is_default, 'position', v.position) " \
	"ORDER BY v.position, v.id), '[]') FROM variants v " \
	"WHERE v.product_id = p.id AND v.deleted_at IS NULL))"

/* The request lines of a reservation ($2 product ids or NULL, $3 variant
 * ids or NULL, $4 quantities), each resolved to its variant and price:
 * `res` (ord, qty, variant_id, product_id, name, category_id, is_active,
 * price, currency); product_id is NULL for a line that resolved to
 * nothing.  A product's default variant is one index scan
 * (sql/product/006, variants_default). */
#define RES_LINES \
	"req AS (SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::int[]) " \
	"WITH ORDINALITY AS q(product_id, variant_id, qty, ord)), " \
	"res AS (SELECT req.ord, req.qty, v.id AS variant_id, p.id AS product_id, p.name, " \
	"p.category_id, p.is_active, coalesce(v.price, p.base_price) AS price, p.currency " \
	"FROM req LEFT JOIN LATERAL (" \
	"(SELECT v.id, v.price, v.product_id FROM variants v WHERE v.id = req.variant_id " \
	"AND v.deleted_at IS NULL AND (req.product_id IS NULL OR v.product_id = req.product_id)) " \
	"UNION ALL " \
	"(SELECT v.id, v.price, v.product_id FROM variants v WHERE req.variant_id IS NULL " \
	"AND v.product_id = req.product_id AND v.deleted_at IS NULL " \
	"ORDER BY v.is_default DESC, v.position, v.id LIMIT 1)) v ON true " \
	"LEFT JOIN products p ON p.id = v.product_id AND p.deleted_at IS NULL)"

const struct stmt product_stmts[S__MAX] = {
	/* categories */
	[S_CAT_LIST] = { "cat_list",
	    "SELECT coalesce(json_agg(category_json(c) ORDER BY c.name, c.id), '[]') AS doc "
	    "FROM categories c", 0, true },
	[S_CAT_GET] = { "cat_get",
	    "SELECT category_json(c) AS doc FROM categories c WHERE c.id = $1", 1, true },
	[S_CAT_INSERT] = { "cat_insert",
	    "INSERT INTO categories AS c (name, slug, description) VALUES ($1, $2, $3) "
	    "RETURNING category_json(c) AS doc", 3, false },
	[S_CAT_UPDATE] = { "cat_update",
	    "UPDATE categories c SET name = coalesce($2, name), slug = coalesce($3, slug), "
	    "description = coalesce($4, description), updated_at = now() WHERE c.id = $1 "
	    "RETURNING category_json(c) AS doc", 4, false },
	[S_CAT_UNLINK_DELETED] = { "cat_unlink_deleted",
	    "UPDATE products SET category_id = NULL "
	    "WHERE category_id = $1 AND deleted_at IS NOT NULL", 1, false },
	[S_CAT_DELETE] = { "cat_delete",
	    "DELETE FROM categories c WHERE c.id = $1 AND NOT EXISTS "
	    "(SELECT 1 FROM products p WHERE p.category_id = c.id) "
	    "RETURNING category_json(c) AS doc", 1, false },
	[S_CAT_EXISTS] = { "cat_exists",
	    "SELECT 1 FROM categories WHERE id = $1 OR slug = $2", 2, true },

	/* product reads: one statement per order, so each walks its index */
	[S_PRODUCT_LIST_NEWEST] = { "product_list_newest",
	    PRODUCT_PAGE("created_at DESC, id DESC"), 4, true },
	[S_PRODUCT_LIST_PRICE_ASC] = { "product_list_price_asc",
	    PRODUCT_PAGE("base_price, id"), 4, true },
	[S_PRODUCT_LIST_PRICE_DESC] = { "product_list_price_desc",
	    PRODUCT_PAGE("base_price DESC, id DESC"), 4, true },
	[S_PRODUCT_LIST_SEARCH] = { "product_list_search",
	    "SELECT coalesce(json_agg(" PRODUCT_DOC " ORDER BY "
	    "CASE WHEN $6 = 'price_asc' THEN p.base_price END, "
	    "CASE WHEN $6 = 'price_desc' THEN p.base_price END DESC, "
	    "p.created_at DESC, p.id DESC), '[]') AS doc "
	    "FROM (SELECT id, base_price, created_at FROM products WHERE deleted_at IS NULL "
	    "AND ($1::uuid IS NULL OR category_id = $1) "
	    "AND ($2::boolean IS NULL OR is_active = $2) "
	    "AND search @@ plainto_tsquery('simple', $5) "
	    "ORDER BY CASE WHEN $6 = 'price_asc' THEN base_price END, "
	    "CASE WHEN $6 = 'price_desc' THEN base_price END DESC, created_at DESC, id DESC "
	    "OFFSET $3 LIMIT $4) s JOIN products p USING (id)", 6, true },
	[S_PRODUCT_COUNT] = { "product_count",
	    "SELECT count(*) AS n FROM products WHERE deleted_at IS NULL "
	    "AND ($1::uuid IS NULL OR category_id = $1) "
	    "AND ($2::boolean IS NULL OR is_active = $2) "
	    "AND ($3::text IS NULL OR search @@ plainto_tsquery('simple', $3))", 3, true },
	[S_PRODUCT_DOC] = { "product_doc",
	    "SELECT " PRODUCT_DOC " AS doc FROM products p "
	    "WHERE p.id = $1 AND p.deleted_at IS NULL AND (p.is_active OR $2)", 2, true },
	[S_PRODUCT_DOC_BY_SLUG] = { "product_doc_by_slug",
	    "SELECT " PRODUCT_DOC " AS doc FROM products p "
	    "WHERE p.slug = $1 AND p.deleted_at IS NULL AND (p.is_active OR $2)", 2, true },
	[S_PRODUCT_SLUG_TAKEN] = { "product_slug_taken",
	    "SELECT 1 FROM products WHERE slug = $1 AND deleted_at IS NULL", 1, true },

	/* product writes */
	[S_PRODUCT_INSERT] = { "product_insert",
	    "INSERT INTO products (name, slug, description, base_price, currency, "
	    "category_id, is_active) VALUES ($1, $2, $3, $4, coalesce($5, 'INR'), $6, "
	    "coalesce($7::boolean, true)) RETURNING id", 7, false },
	[S_PRODUCT_UPDATE] = { "product_update",
	    "UPDATE products SET name = coalesce($2, name), "
	    "description = coalesce($3, description), "
	    "base_price = coalesce($4::bigint, base_price), "
	    "category_id = coalesce($5::uuid, category_id), slug = coalesce($6, slug), "
	    "is_active = coalesce($7::boolean, is_active), updated_at = now() "
	    "WHERE id = $1 AND deleted_at IS NULL RETURNING id", 7, false },
	[S_PRODUCT_DELETE] = { "product_delete",
	    "UPDATE products SET deleted_at = now(), is_active = false, updated_at = now() "
	    "WHERE id = $1 AND deleted_at IS NULL RETURNING id", 1, false },
	/* Events carry money as integer paise (…Paise keys).  The version is
	 * bumped here, under the row lock of the write, so it orders the
	 * snapshots (sql/product/004_version.sql). */
	[S_PRODUCT_EVENT] = { "product_event",
	    "WITH b AS (UPDATE products SET version = version + 1 WHERE id = $1 "
	    "RETURNING id, version) "
	    "SELECT " PRODUCT_SNAPSHOT("b.version") " AS doc "
	    "FROM products p JOIN b ON b.id = p.id", 1, false },
	/* The same snapshot, read (GET /internal/product/products/:id/snapshot). */
	[S_PRODUCT_SNAPSHOT] = { "product_snapshot",
	    "SELECT " PRODUCT_SNAPSHOT("p.version") " AS doc "
	    "FROM products p WHERE p.id = $1", 1, true },
	/* A product's card: its default variant's price (as S_LOOKUP picks the
	 * variant; the base price without one) and its primary image (else
	 * the first). */
	[S_PRODUCT_CARD] = { "product_card",
	    "SELECT p.id, p.name, p.slug, p.description, p.is_active, p.base_price, p.currency, "
	    "coalesce(v.price, p.base_price) AS price, i.url AS image_url, "
	    "i.alt_text AS image_alt FROM products p "
	    "LEFT JOIN LATERAL (SELECT v.price FROM variants v WHERE v.product_id = p.id "
	    "AND v.deleted_at IS NULL ORDER BY v.is_default DESC, v.position, v.id LIMIT 1) v "
	    "ON true LEFT JOIN LATERAL (SELECT i.url, i.alt_text FROM images i "
	    "WHERE i.product_id = p.id ORDER BY i.is_primary DESC, i.position, i.id LIMIT 1) i "
	    "ON true WHERE p.id = $1 AND p.deleted_at IS NULL", 1, true },
	[S_VARIANT_INSERT] = { "variant_insert",
	    "INSERT INTO variants (product_id, sku, price, stock, option_values, is_default, "
	    "position) VALUES ($1, $2, $3, $4, coalesce($5::jsonb, '[]'), $6, "
	    "coalesce($7::int, (SELECT coalesce(max(position) + 1, 0) FROM variants "
	    "WHERE product_id = $1))) RETURNING id", 7, false },
	[S_VARIANT_UPDATE] = { "variant_update",
	    "UPDATE variants SET sku = coalesce($3, sku), price = coalesce($4::bigint, price), "
	    "stock = coalesce($5::int, stock), "
	    "option_values = coalesce($6::jsonb, option_values), updated_at = now() "
	    "WHERE id = $1 AND product_id = $2 AND deleted_at IS NULL RETURNING id", 6, false },
	[S_VARIANT_REMOVE] = { "variant_remove",
	    "UPDATE variants SET deleted_at = now(), updated_at = now() "
	    "WHERE id = $1 AND product_id = $2 AND deleted_at IS NULL RETURNING id", 2, false },
	[S_VARIANT_COUNT] = { "variant_count",
	    "SELECT count(*) AS n FROM variants WHERE product_id = $1 AND deleted_at IS NULL",
	    1, false },
	[S_IMAGE_INSERT] = { "image_insert",
	    "INSERT INTO images (product_id, url, alt_text, is_primary, position) "
	    "VALUES ($1, $2, $3, coalesce($4::boolean, false), coalesce($5::int, "
	    "(SELECT coalesce(max(position) + 1, 0) FROM images WHERE product_id = $1))) "
	    "RETURNING id", 5, false },
	[S_IMAGE_UPDATE] = { "image_update",
	    "UPDATE images SET url = coalesce($3, url), alt_text = coalesce($4, alt_text), "
	    "is_primary = coalesce($5::boolean, is_primary), "
	    "position = coalesce($6::int, position) "
	    "WHERE id = $1 AND product_id = $2 RETURNING id", 6, false },
	[S_IMAGE_REMOVE] = { "image_remove",
	    "DELETE FROM images WHERE id = $1 AND product_id = $2 RETURNING id", 2, false },
	[S_IMAGE_CLEAR_PRIMARY] = { "image_clear_primary",
	    "UPDATE images SET is_primary = false WHERE product_id = $1 AND is_primary",
	    1, false },

	/* internal: prices and stock */
	[S_LOOKUP] = { "lookup",
	    "SELECT q.ord, p.id AS product_id, v.id AS variant_id, p.name, p.category_id, "
	    "p.is_active, p.base_price, coalesce(v.price, p.base_price) AS price, "
	    "p.currency, v.stock "
	    "FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(product_id, variant_id, ord) "
	    "JOIN products p ON p.id = q.product_id AND p.deleted_at IS NULL "
	    "JOIN LATERAL (SELECT * FROM variants v WHERE v.product_id = p.id "
	    "AND v.deleted_at IS NULL AND (q.variant_id IS NULL OR v.id = q.variant_id) "
	    "ORDER BY v.is_default DESC, v.position, v.id LIMIT 1) v ON true "
	    "ORDER BY q.ord", 2, true },
	[S_VARIANTS_OF] = { "variants_of",
	    "SELECT v.id, coalesce(v.price, p.base_price) AS price, v.is_default, v.stock "
	    "FROM products p JOIN variants v ON v.product_id = p.id AND v.deleted_at IS NULL "
	    "WHERE p.id = $1 AND p.deleted_at IS NULL ORDER BY v.position, v.id", 1, true },
	/* The whole reservation in one statement.  $2/$3/$4: one entry per
	 * request line (product id or NULL, variant id or NULL, quantity).
	 * RES_LINES resolves each line to its variant (the product's default
	 * when none is named; a named variant must be the product's) and price;
	 * `need` sums the lines of one variant, in id order, so the update
	 * takes its row locks in id order (no deadlock between reservations).
	 * The update is the check: a variant it would take below zero breaks
	 * variants' stock >= 0 constraint and the whole statement fails
	 * (DB_CHECK; S_RES_SHORT then names the line).  The inserts and the
	 * update run only when every line resolved to an active product and
	 * the order had no reservation yet (ON CONFLICT: a retry reserves
	 * nothing); a variant deleted meanwhile (the update skips it) fails the
	 * statement too.  One row per request line, in request order. */
	[S_RES_ATOMIC] = { "res_atomic",
	    "WITH " RES_LINES ", "
	    "need AS (SELECT variant_id AS id, sum(qty)::int AS qty FROM res "
	    "WHERE product_id IS NOT NULL GROUP BY variant_id ORDER BY variant_id), "
	    "ins AS (INSERT INTO reservations (order_id, status) SELECT $1, 'RESERVED' "
	    "WHERE NOT EXISTS (SELECT 1 FROM res WHERE product_id IS NULL OR NOT is_active) "
	    "ON CONFLICT (order_id) DO NOTHING RETURNING order_id), "
	    "take AS (UPDATE variants v SET stock = v.stock - need.qty, updated_at = now() "
	    "FROM need WHERE v.id = need.id AND v.deleted_at IS NULL "
	    "AND EXISTS (SELECT 1 FROM ins) RETURNING v.id, need.qty), "
	    "lines AS (INSERT INTO reservation_lines (order_id, variant_id, quantity) "
	    "SELECT $1, take.id, take.qty FROM take) "
	    "SELECT res.ord, res.qty, res.product_id, res.variant_id, res.name, res.category_id, "
	    "res.price, res.currency, CASE WHEN res.product_id IS NULL THEN 'missing' "
	    "WHEN NOT res.is_active THEN 'inactive' END AS why, "
	    "EXISTS (SELECT 1 FROM ins) AS reserved, "
	    "CASE WHEN EXISTS (SELECT 1 FROM ins) AND "
	    "(SELECT count(*) FROM take) < (SELECT count(*) FROM need) "
	    "THEN reservation_abort('a variant of this order was deleted meanwhile') END AS abort "
	    "FROM res ORDER BY res.ord", 4, false },
	/* After S_RES_ATOMIC for order $1 failed on the stock constraint: the
	 * first line whose variant has less stock than the order's lines of it
	 * need (none when a retry of the order has reserved meanwhile). */
	[S_RES_SHORT] = { "res_short",
	    "WITH " RES_LINES ", "
	    "need AS (SELECT variant_id, sum(qty) AS qty FROM res GROUP BY variant_id) "
	    "SELECT res.ord - 1 AS line, res.variant_id FROM res "
	    "JOIN need USING (variant_id) JOIN variants v ON v.id = res.variant_id "
	    "WHERE v.stock < need.qty "
	    "AND NOT EXISTS (SELECT 1 FROM reservations WHERE order_id = $1::uuid) "
	    "ORDER BY res.ord LIMIT 1", 4, true },
	[S_RES_GET] = { "res_get",
	    "SELECT r.status, l.variant_id, l.quantity FROM reservations r "
	    "LEFT JOIN reservation_lines l USING (order_id) WHERE r.order_id = $1 "
	    "ORDER BY l.variant_id", 1, false },
	[S_RES_RELEASE] = { "res_release",
	    "UPDATE reservations SET status = 'RELEASED', released_at = now() "
	    "WHERE order_id = $1 AND status = 'RESERVED' RETURNING order_id", 1, false },
	[S_RES_LOCK_LINES] = { "res_lock_lines",
	    "SELECT v.id FROM variants v WHERE v.id IN "
	    "(SELECT variant_id FROM reservation_lines WHERE order_id = $1) "
	    "ORDER BY v.id FOR UPDATE", 1, false },
	[S_RES_GIVE_BACK] = { "res_give_back",
	    "UPDATE variants v SET stock = v.stock + l.quantity, updated_at = now() "
	    "FROM reservation_lines l WHERE l.order_id = $1 AND v.id = l.variant_id "
	    "RETURNING v.product_id", 1, false },
	/* A retry of an order that has its reservation already: the
	 * reservation is young again for the reaper (reap.c). */
	[S_RES_TOUCH] = { "res_touch",
	    "UPDATE reservations SET touched_at = now() WHERE order_id = $1 "
	    "AND status = 'RESERVED'", 1, false },
	/* reap.c: held reservations untouched for $1 seconds, oldest first. */
	[S_RES_STALE] = { "res_stale",
	    "SELECT order_id FROM reservations WHERE status = 'RESERVED' "
	    "AND touched_at < now() - make_interval(secs => $1::int) "
	    "ORDER BY touched_at LIMIT $2", 2, true },
	/* The release, only if it is still untouched for $2 seconds. */
	[S_RES_REAP] = { "res_reap",
	    "UPDATE reservations SET status = 'RELEASED', released_at = now() "
	    "WHERE order_id = $1 AND status = 'RESERVED' "
	    "AND touched_at < now() - make_interval(secs => $2::int) RETURNING order_id",
	    2, false },
};

static const struct route routes[] = {
	{ "GET",    "/products/health",     ROUTE_PUBLIC, server_health, 0, NULL },
	{ "GET",    "/categories",          ROUTE_PUBLIC, categories_list, 0, NULL },
	{ "GET",    "/categories/:id",      ROUTE_PUBLIC, categories_get, 0, NULL },
	{ "POST",   "/categories",          ROLE_ADMIN,   categories_create, 0, NULL },
	{ "PATCH",  "/categories/:id",      ROLE_ADMIN,   categories_update, 0, NULL },
	{ "DELETE", "/categories/:id",      ROLE_ADMIN,   categories_delete, 0, NULL },
	{ "GET",    "/products",            ROUTE_PUBLIC, products_list, 0, products_list_query },
	{ "GET",    "/products/slug/:slug", ROUTE_PUBLIC, products_get_by_slug, 0, NULL },
	{ "GET",    "/products/:id",        ROUTE_PUBLIC, products_get, 0, NULL },
	{ "POST",   "/products",            ROLE_ADMIN,   products_create, 0, NULL },
	{ "PATCH",  "/products/:id",        ROLE_ADMIN,   products_update, 0, NULL },
	{ "DELETE", "/products/:id",        ROLE_ADMIN,   products_delete, 0, NULL },
	{ "POST",   "/internal/product/lookup", ROUTE_PUBLIC, stock_lookup, ROUTE_INTERNAL, NULL },
	{ "GET",    "/internal/product/products/:id/snapshot", ROUTE_PUBLIC, stock_snapshot,
	  ROUTE_INTERNAL, NULL },
	{ "GET",    "/internal/product/products/:id/card", ROUTE_PUBLIC, products_card,
	  ROUTE_INTERNAL, NULL },
	{ "GET",    "/internal/product/products/:id/variants", ROUTE_PUBLIC, stock_variants,
	  ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/product/events", ROUTE_PUBLIC, stock_events, ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/product/jobs/reap-reservations", ROUTE_PUBLIC, reap_reservations,
	  ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/product/reservations", ROUTE_PUBLIC, stock_reserve,
	  ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/product/reservations/:orderId/release", ROUTE_PUBLIC,
	  stock_release, ROUTE_INTERNAL, NULL },
};

static const struct service product = {
	.name = "product",
	.worker_init = cache_init,
	.worker_exit = cache_free,
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = product_stmts,
	.nstmts = S__MAX,
	.audit = &product_audit,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &product);
}
