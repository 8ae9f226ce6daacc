/* pricing: seller-price validation, commission calculation and the
 * commission rules, on pricing_db. */
#include "pricing.h"
#include "server.h"

const struct stmt pricing_stmts[S__MAX] = {
	/* Every rule that can apply to a request, in one round trip: $1 and $2
	 * are array literals of validated UUIDs (product and category ids). */
	[S_RULES_APPLICABLE] = { "rules_applicable",
	    "SELECT " RULE_COLS " FROM commission_rules r "
	    "WHERE r.scope = 'DEFAULT' "
	    "OR (r.scope = 'PRODUCT' AND r.scope_id = ANY ($1::uuid[])) "
	    "OR (r.scope = 'CATEGORY' AND r.scope_id = ANY ($2::uuid[]))", 2, true },
	/* One row even for an empty page (r.id NULL), so total is always there.
	 * $1 scope or NULL, $2 scope id or NULL, $3 skip, $4 take. */
	[S_RULE_LIST] = { "rule_list",
	    "SELECT c.total, p.* FROM "
	    "(SELECT count(*) AS total FROM commission_rules r "
	    " WHERE ($1::text IS NULL OR r.scope = $1) "
	    " AND ($2::uuid IS NULL OR r.scope_id = $2)) c "
	    "LEFT JOIN LATERAL "
	    "(SELECT " RULE_COLS " FROM commission_rules r "
	    " WHERE ($1::text IS NULL OR r.scope = $1) "
	    " AND ($2::uuid IS NULL OR r.scope_id = $2) "
	    " ORDER BY CASE r.scope WHEN 'DEFAULT' THEN 0 WHEN 'CATEGORY' THEN 1 ELSE 2 END, "
	    " r.created_at, r.id OFFSET $3 LIMIT $4) p ON true", 4, true },
	[S_RULE_GET] = { "rule_get",
	    "SELECT " RULE_COLS " FROM commission_rules r WHERE r.id = $1", 1, true },
	[S_RULE_INSERT] = { "rule_insert",
	    "INSERT INTO commission_rules AS r (scope, scope_id, rate_bps, max_markup_bps) "
	    "VALUES ($1, $2, $3, $4) RETURNING " RULE_COLS, 4, false },
	/* $2 new rate or NULL (keep); $3 whether to set the cap, $4 the cap or
	 * NULL (none).  Returns the previous values for the event. */
	[S_RULE_UPDATE] = { "rule_update",
	    "WITH old AS (SELECT id, rate_bps, max_markup_bps FROM commission_rules "
	    "WHERE id = $1 FOR UPDATE) "
	    "UPDATE commission_rules r SET "
	    "rate_bps = coalesce($2::integer, r.rate_bps), "
	    "max_markup_bps = CASE WHEN $3::boolean THEN $4::integer ELSE r.max_markup_bps END, "
	    "updated_at = now() "
	    "FROM old WHERE r.id = old.id "
	    "RETURNING " RULE_COLS ", old.rate_bps AS old_rate_bps, "
	    "old.max_markup_bps AS old_max_markup_bps", 4, false },
	[S_RULE_LOCK] = { "rule_lock",
	    "SELECT r.scope FROM commission_rules r WHERE r.id = $1 FOR UPDATE", 1, false },
	[S_RULE_DELETE] = { "rule_delete",
	    "DELETE FROM commission_rules r WHERE r.id = $1 AND r.scope <> 'DEFAULT' "
	    "RETURNING " RULE_COLS, 1, false },
	/* Every rule, for the quote's per-worker copy (commission.c). */
	[S_RULES_ALL] = { "rules_all",
	    "SELECT r.id, r.scope, r.scope_id, r.rate_bps, r.max_markup_bps "
	    "FROM commission_rules r", 0, true },
	/* A product snapshot (catalog.c): applied only when newer than the
	 * copy's.  Variants are upserted and the ones no longer live deleted;
	 * the foreign key is checked at the end of the statement.  $9:
	 * [{id, pricePaise, isDefault, position}] built by our JSON writer. */
	[S_CATALOG_APPLY] = { "catalog_apply",
	    "WITH p AS (INSERT INTO catalog_products AS c (product_id, version, name, category_id, "
	    "currency, base_price, is_active, deleted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	    "ON CONFLICT (product_id) DO UPDATE SET version = EXCLUDED.version, "
	    "name = EXCLUDED.name, category_id = EXCLUDED.category_id, "
	    "currency = EXCLUDED.currency, base_price = EXCLUDED.base_price, "
	    "is_active = EXCLUDED.is_active, deleted = EXCLUDED.deleted, updated_at = now() "
	    "WHERE c.version < EXCLUDED.version RETURNING c.product_id), "
	    "x AS (SELECT * FROM jsonb_to_recordset($9::jsonb) AS x(id uuid, \"pricePaise\" bigint, "
	    "\"isDefault\" boolean, position integer)), "
	    "u AS (INSERT INTO catalog_variants AS v (variant_id, product_id, price, is_default, "
	    "position) SELECT x.id, $1, x.\"pricePaise\", x.\"isDefault\", x.position FROM x "
	    "WHERE EXISTS (SELECT 1 FROM p) ON CONFLICT (variant_id) DO UPDATE SET "
	    "price = EXCLUDED.price, is_default = EXCLUDED.is_default, "
	    "position = EXCLUDED.position WHERE v.product_id = EXCLUDED.product_id), "
	    "d AS (DELETE FROM catalog_variants v WHERE v.product_id = $1 "
	    "AND EXISTS (SELECT 1 FROM p) AND v.variant_id NOT IN (SELECT id FROM x)) "
	    "SELECT EXISTS (SELECT 1 FROM p) AS applied", 9, false },
	/* calculate's lines from the copy with their rules, in one round trip:
	 * $1 product ids, $2 variant ids (NULL: the default variant); known is
	 * NULL for a product the copy does not have.  The copy's rows are read
	 * through LATERAL ... LIMIT 1 so that the generic plan, made once per
	 * connection and possibly while the copy is still empty, looks each
	 * product (and its rules) up by key instead of scanning a table. */
	[S_CALC_LINES] = { "calc_lines",
	    "SELECT q.ord, c.product_id AS known, c.deleted, c.is_active, c.name, c.category_id, "
	    "c.currency, v.variant_id, v.price, "
	    "pr.id AS p_id, pr.rate_bps AS p_rate, pr.max_markup_bps AS p_cap, "
	    "cr.id AS c_id, cr.rate_bps AS c_rate, cr.max_markup_bps AS c_cap, "
	    "dr.id AS d_id, dr.rate_bps AS d_rate, dr.max_markup_bps AS d_cap "
	    "FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(product_id, variant_id, ord) "
	    "LEFT JOIN LATERAL (SELECT * FROM catalog_products c0 "
	    "WHERE c0.product_id = q.product_id LIMIT 1) c ON true "
	    "LEFT JOIN LATERAL (SELECT cv.variant_id, cv.price FROM catalog_variants cv "
	    "WHERE cv.product_id = q.product_id "
	    "AND (q.variant_id IS NULL OR cv.variant_id = q.variant_id) "
	    "ORDER BY cv.is_default DESC, cv.position, cv.variant_id LIMIT 1) v ON true "
	    "LEFT JOIN LATERAL (SELECT * FROM commission_rules r WHERE r.scope = 'PRODUCT' "
	    "AND r.scope_id = q.product_id LIMIT 1) pr ON true "
	    "LEFT JOIN LATERAL (SELECT * FROM commission_rules r WHERE r.scope = 'CATEGORY' "
	    "AND r.scope_id = c.category_id LIMIT 1) cr ON true "
	    "LEFT JOIN commission_rules dr ON dr.scope = 'DEFAULT' "
	    "ORDER BY q.ord", 2, true },
};

static const struct route routes[] = {
	{ "GET",    "/pricing/health",             ROUTE_PUBLIC, server_health, 0, NULL },
	{ "POST",   "/pricing/calculate",          ROUTE_PUBLIC, calculate_post, 0, NULL },
	{ "POST",   "/pricing/validate-margin",    ROUTE_PUBLIC, margin_validate, 0, NULL },
	{ "GET",    "/pricing/product/:productId", ROUTE_PUBLIC, product_pricing_get, 0, NULL },
	{ "GET",    "/pricing/rules",              ROLE_ADMIN,   rules_list, 0, rules_list_query },
	{ "POST",   "/pricing/rules",              ROLE_ADMIN,   rules_create, 0, NULL },
	{ "GET",    "/pricing/rules/:id",          ROLE_ADMIN,   rules_get, 0, NULL },
	{ "PATCH",  "/pricing/rules/:id",          ROLE_ADMIN,   rules_update, 0, NULL },
	{ "DELETE", "/pricing/rules/:id",          ROLE_ADMIN,   rules_delete, 0, NULL },
	{ "POST",   "/internal/pricing/quote",     ROUTE_PUBLIC, quote_post, ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/pricing/catalog",   ROUTE_PUBLIC, catalog_post,
	  ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/pricing/events",    ROUTE_PUBLIC, pricing_events,
	  ROUTE_INTERNAL, NULL },
};

static const struct service pricing = {
	.name = "pricing",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = pricing_stmts,
	.nstmts = S__MAX,
	.cli = NULL,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &pricing);
}
