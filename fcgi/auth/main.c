/* auth: registration, login, token refresh and logout, on auth_db. */
#include "auth.h"
#include "server.h"

const struct stmt auth_stmts[S__MAX] = {
	[S_USER_EXISTS] = { "user_exists",
	    "SELECT 1 FROM users WHERE email = $1", 1, true },
	[S_USER_INSERT] = { "user_insert",
	    "INSERT INTO users AS u (email, password_hash, first_name, last_name, phone, role) "
	    "VALUES ($1, $2, $3, $4, $5, $6) RETURNING " USER_COLS, 6, false },
	[S_USER_BY_EMAIL] = { "user_by_email",
	    "SELECT " USER_COLS ", u.password_hash FROM users u WHERE u.email = $1", 1, true },
	[S_USER_BY_ID] = { "user_by_id",
	    "SELECT " USER_COLS " FROM users u WHERE u.id = $1", 1, true },
	[S_FAMILY_INSERT] = { "family_insert",
	    "INSERT INTO token_families (id, user_id) VALUES ($1, $2)", 2, false },
	[S_TOKEN_INSERT] = { "token_insert",
	    "INSERT INTO refresh_tokens (jti, family_id, token_hash, expires_at) "
	    "VALUES ($1, $2, $3, to_timestamp($4))", 4, false },
	/* Rotation is one statement: of two concurrent uses, one wins. */
	[S_TOKEN_ROTATE] = { "token_rotate",
	    "UPDATE refresh_tokens t SET used_at = now() "
	    "FROM token_families f, users u "
	    "WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() "
	    "AND f.id = t.family_id AND f.revoked_at IS NULL AND u.id = f.user_id "
	    "RETURNING t.family_id, " USER_COLS, 1, false },
	[S_FAMILY_REVOKE_BY_TOKEN] = { "family_revoke_by_token",
	    "UPDATE token_families SET revoked_at = coalesce(revoked_at, now()) "
	    "WHERE id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) "
	    "RETURNING id", 1, false },
};

static const struct route routes[] = {
	{ "GET",  "/auth/health",   ROUTE_PUBLIC, server_health, 0, NULL },
	{ "POST", "/auth/register", ROUTE_PUBLIC, users_register, 0, NULL },
	{ "POST", "/auth/login",    ROUTE_PUBLIC, users_login, 0, NULL },
	{ "POST", "/auth/refresh",  ROUTE_PUBLIC, tokens_refresh, 0, NULL },
	{ "POST", "/auth/logout",   ROUTE_PUBLIC, tokens_logout, 0, NULL },
	{ "GET",  "/auth/me",       ROLE_ANY,     users_me, 0, NULL },
	{ "GET",  "/internal/auth/users/:id", ROUTE_PUBLIC, users_internal_get,
	  ROUTE_INTERNAL, NULL },
};

static const struct service auth = {
	.name = "auth",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = auth_stmts,
	.nstmts = S__MAX,
	.cli = admin_cli,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &auth);
}
