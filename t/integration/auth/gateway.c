/* it_auth: the gateway in front of every service (nginx): health, 404/405,
 * internal paths hidden, request ids, security headers, CORS, 413, 503. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "auth.h"
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
gateway_health_ok(void)
{
	struct resp rs;
	t_get(&rs, "/health", NULL);
	T_STATUS(&rs, 200);
	T_ASSERT(rs.json != NULL);
	const char *auth = t_jstr(rs.json, "services.auth.status");
	t_check(auth != NULL && strcmp(auth, "up") == 0, __FILE__, __LINE__,
	    "GET /health does not report auth up: %.300s", rs.body);
	t_resp_free(&rs);
}

static void
gateway_auth_health_ok(void)
{
	struct resp rs;
	t_get(&rs, "/auth/health", NULL);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "status"), "ok");
	T_EQ_STR(t_jstr(rs.json, "database"), "up");
	t_resp_free(&rs);
}

static void
gateway_unknown_path_404(void)
{
	struct resp rs;
	const char *paths[] = { "/nope", "/", "/authx", "/auth/nope", "/api/auth/login",
	    "/health/x", "/%3Cscript%3E" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		t_get(&rs, paths[i], NULL);
		T_ERROR(&rs, 404, NULL);
		T_ASSERT(!t_contains(rs.body, "<script"));
		t_resp_free(&rs);
	}
}

static void
gateway_bad_method_405(void)
{
	struct resp rs;
	t_http(&rs, "DELETE", "/auth/me", NULL, NULL, NULL, 0, (char *)NULL);
	T_ERROR(&rs, 405, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/auth/login", NULL);
	T_ERROR(&rs, 405, NULL);
	t_resp_free(&rs);
}

static void
gateway_internal_paths_hidden(void)
{
	struct resp rs;
	const char *paths[] = { "/internal/auth/health", "/internal/auth/users",
	    "/internal/orders", "/internal/" };
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		t_get(&rs, paths[i], NULL);
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
		t_http(&rs, "POST", paths[i], NULL, "application/json", "{}", 2, (char *)NULL);
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
	}
}

static void
gateway_request_id_echoed(void)
{
	char rid[96], hdr[128];
	t_unique(rid, sizeof rid, "it-rid");
	snprintf(hdr, sizeof hdr, "X-Request-Id: %s", rid);
	struct resp rs;
	t_http(&rs, "GET", "/auth/health", NULL, NULL, NULL, 0, hdr, (char *)NULL);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_header(&rs, "X-Request-Id"), rid);
	t_resp_free(&rs);
	/* On errors too, from nginx and from a service. */
	t_http(&rs, "GET", "/nope", NULL, NULL, NULL, 0, hdr, (char *)NULL);
	T_EQ_STR(t_header(&rs, "X-Request-Id"), rid);
	t_resp_free(&rs);
	t_http(&rs, "GET", "/auth/me", NULL, NULL, NULL, 0, hdr, (char *)NULL);
	T_STATUS(&rs, 401);
	T_EQ_STR(t_header(&rs, "X-Request-Id"), rid);
	t_resp_free(&rs);
}

static void
gateway_request_id_generated(void)
{
	struct resp a, b;
	t_get(&a, "/auth/health", NULL);
	t_get(&b, "/auth/health", NULL);
	const char *ra = t_header(&a, "X-Request-Id"), *rb = t_header(&b, "X-Request-Id");
	T_ASSERT(ra != NULL && strlen(ra) >= 8);
	T_ASSERT(rb != NULL && strlen(rb) >= 8);
	T_ASSERT(ra != NULL && rb != NULL && strcmp(ra, rb) != 0);
	t_resp_free(&a);
	t_resp_free(&b);
}

static void
gateway_request_id_bad_replaced(void)
{
	/* An id that could break logs or headers is replaced, not echoed. */
	const char *bad[] = { "X-Request-Id: a b", "X-Request-Id: <script>",
	    "X-Request-Id: a\"b", "X-Request-Id: "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct resp rs;
		t_http(&rs, "GET", "/auth/health", NULL, NULL, NULL, 0, bad[i], (char *)NULL);
		T_STATUS(&rs, 200);
		const char *got = t_header(&rs, "X-Request-Id");
		const char *sent = bad[i] + strlen("X-Request-Id: ");
		t_check(got != NULL && got[0] != '\0' && strcmp(got, sent) != 0, __FILE__,
		    __LINE__, "X-Request-Id \"%s\" came back as \"%s\"", sent, got ? got : "(none)");
		t_resp_free(&rs);
	}
}

static void
gateway_security_headers(void)
{
	const char *paths[] = { "/auth/health", "/nope", "/auth/me" };
	for (size_t i = 0; i < 3; i++) {
		struct resp rs;
		t_get(&rs, paths[i], NULL);
		T_EQ_STR(t_header(&rs, "X-Content-Type-Options"), "nosniff");
		T_ASSERT(t_header(&rs, "X-Frame-Options") != NULL);
		const char *server = t_header(&rs, "Server");
		t_check(server == NULL || strchr(server, '/') == NULL, __FILE__, __LINE__,
		    "Server header shows a version: %s", server);
		T_ASSERT(t_header(&rs, "X-Powered-By") == NULL);
		t_resp_free(&rs);
	}
}

static const char *
cors_origin(void)
{
	static char o[256];
	const char *env = getenv("CORS_ORIGINS");
	if (env == NULL || env[0] == '\0' || strcmp(env, "*") == 0)
		env = "http://localhost:5173";
	size_t n = strcspn(env, ",");
	snprintf(o, sizeof o, "%.*s", (int)n, env);
	return o;
}

static void
gateway_cors_preflight_allowed(void)
{
	char origin[300];
	snprintf(origin, sizeof origin, "Origin: %s", cors_origin());
	struct resp rs;
	t_http(&rs, "OPTIONS", "/auth/login", NULL, NULL, NULL, 0, origin,
	    "Access-Control-Request-Method: POST",
	    "Access-Control-Request-Headers: authorization, content-type", (char *)NULL);
	T_STATUS(&rs, 204);
	T_EQ_STR(t_header(&rs, "Access-Control-Allow-Origin"), cors_origin());
	T_ASSERT(t_contains(t_header(&rs, "Access-Control-Allow-Methods"), "POST"));
	T_ASSERT(t_contains(t_header(&rs, "Access-Control-Allow-Headers"), "Authorization"));
	T_ASSERT(t_contains(t_header(&rs, "Access-Control-Allow-Headers"), "Content-Type"));
	t_resp_free(&rs);
	/* And the actual request carries the header too. */
	t_http(&rs, "GET", "/auth/health", NULL, NULL, NULL, 0, origin, (char *)NULL);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_header(&rs, "Access-Control-Allow-Origin"), cors_origin());
	t_resp_free(&rs);
}

static void
gateway_cors_bad_origin_refused(void)
{
	struct resp rs;
	t_http(&rs, "OPTIONS", "/auth/login", NULL, NULL, NULL, 0,
	    "Origin: https://evil.example", "Access-Control-Request-Method: POST", (char *)NULL);
	t_check(rs.status != 204 && rs.status != 200, __FILE__, __LINE__,
	    "preflight from a foreign origin answered %ld", rs.status);
	const char *acao = t_header(&rs, "Access-Control-Allow-Origin");
	t_check(acao == NULL || acao[0] == '\0', __FILE__, __LINE__,
	    "foreign origin allowed: Access-Control-Allow-Origin: %s", acao);
	t_resp_free(&rs);
	t_http(&rs, "GET", "/auth/health", NULL, NULL, NULL, 0, "Origin: https://evil.example",
	    (char *)NULL);
	acao = t_header(&rs, "Access-Control-Allow-Origin");
	t_check(acao == NULL || acao[0] == '\0', __FILE__, __LINE__,
	    "foreign origin allowed: Access-Control-Allow-Origin: %s", acao);
	t_resp_free(&rs);
}

static void
gateway_body_too_large_413(void)
{
	const char *env = getenv("BODY_MAX");
	size_t cap = config_parse_size(env && env[0] ? env : "1m");
	T_REQUIRE(cap > 0);
	size_t n = cap + 1024;
	char *big = malloc(n + 1);
	T_REQUIRE(big != NULL);
	memset(big, 'a', n);
	memcpy(big, "{\"email\":\"", 10);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	struct resp rs;
	t_http(&rs, "POST", "/auth/register", NULL, "application/json", big, n, (char *)NULL);
	T_ERROR(&rs, 413, NULL);
	t_resp_free(&rs);
	/* Without Expect: 100-continue: the body is on its way when nginx answers. */
	t_http(&rs, "POST", "/auth/login", NULL, "application/json", big, n, "Expect:",
	    (char *)NULL);
	t_check(rs.status == 413 || rs.status == 0, __FILE__, __LINE__,
	    "POST /auth/login with %zu bytes -> %ld", n, rs.status);
	if (rs.status == 413)
		T_ERROR(&rs, 413, NULL);
	t_resp_free(&rs);
	free(big);
}

static const struct t_case cases[] = {
	T_CASE(gateway_health_ok),
	T_CASE(gateway_auth_health_ok),
	T_CASE(gateway_unknown_path_404),
	T_CASE(gateway_bad_method_405),
	T_CASE(gateway_internal_paths_hidden),
	T_CASE(gateway_request_id_echoed),
	T_CASE(gateway_request_id_generated),
	T_CASE(gateway_request_id_bad_replaced),
	T_CASE(gateway_security_headers),
	T_CASE(gateway_cors_preflight_allowed),
	T_CASE(gateway_cors_bad_origin_refused),
	T_CASE(gateway_body_too_large_413),
};

const struct t_suite auth_gateway_suite = T_SUITE("gateway", cases);
