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
};

static const struct route routes[] = {
	{ "GET",    "/pricing/health",             ROUTE_PUBLIC, server_health, 0 },
	{ "POST",   "/pricing/calculate",          ROUTE_PUBLIC, calculate_post, 0 },
	{ "POST",   "/pricing/validate-margin",    ROUTE_PUBLIC, margin_validate, 0 },
	{ "GET",    "/pricing/product/:productId", ROUTE_PUBLIC, product_pricing_get, 0 },
	{ "GET",    "/pricing/rules",              ROLE_ADMIN,   rules_list, 0 },
	{ "POST",   "/pricing/rules",              ROLE_ADMIN,   rules_create, 0 },
	{ "GET",    "/pricing/rules/:id",          ROLE_ADMIN,   rules_get, 0 },
	{ "PATCH",  "/pricing/rules/:id",          ROLE_ADMIN,   rules_update, 0 },
	{ "DELETE", "/pricing/rules/:id",          ROLE_ADMIN,   rules_delete, 0 },
	{ "POST",   "/internal/pricing/quote",     ROUTE_PUBLIC, quote_post, ROUTE_INTERNAL },
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
