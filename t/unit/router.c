/* common/router.c: router_match only (router_dispatch needs FastCGI).
 *
 * Behaviour pinned here: a path matches segment by segment; repeated and
 * trailing slashes are ignored ("/auth/me/" is "/auth/me"); the first
 * matching row in table order wins; a path known under another method is
 * 405; ROUTE_INTERNAL rows do not exist for public requests (404, not 405). */
#include "../lib/t.h"
#include "router.h"
#include <stdio.h>
#include <string.h>

static void h(struct req *r) { (void)r; }

static const struct route routes[] = {
	{ "POST",   "/auth/login",             ROUTE_PUBLIC, h, 0, NULL },
	{ "GET",    "/auth/me",                ROLE_ANY,     h, 0, NULL },
	{ "GET",    "/orders",                 ROLE_ANY,     h, 0, NULL },
	{ "POST",   "/orders",                 ROLE_ANY,     h, 0, NULL },
	{ "GET",    "/orders/stats",           ROLE_ADMIN,   h, 0, NULL },
	{ "GET",    "/orders/:id",             ROLE_ANY,     h, 0, NULL },
	{ "DELETE", "/orders/:id",             ROLE_ADMIN,   h, 0, NULL },
	{ "PATCH",  "/orders/:id/status",      ROLE_ANY,     h, 0, NULL },
	{ "GET",    "/orders/:id/items/:item", ROLE_ANY,     h, 0, NULL },
	{ "GET",    "/internal/users/:id",     ROUTE_PUBLIC, h, ROUTE_INTERNAL, NULL },
	{ "POST",   "/internal/events",        ROUTE_PUBLIC, h, ROUTE_INTERNAL, NULL },
	{ "GET",    "/:a/:b/:c/:d/:e/:f/:g/:h/:i", ROUTE_PUBLIC, h, 0, NULL },
};
#define NROUTES (sizeof routes / sizeof routes[0])

static struct req r;

static int
setup(void)
{
	memset(&r, 0, sizeof r);
	r.a = arena_new(4096);
	return r.a == NULL;
}

static int
teardown(void)
{
	arena_free(r.a);
	return 0;
}

/* Matches method+path; returns the row index, or -status. */
static int
match(const char *method, const char *path, bool internal)
{
	struct arena *a = r.a;
	arena_reset(a);
	memset(&r, 0, sizeof r);
	r.a = a;
	r.method = method;
	r.path = path;
	r.internal = internal;
	int status = 0;
	const struct route *rt = router_match(&r, routes, NROUTES, &status);
	if (rt == NULL)
		return -status;
	return (int)(rt - routes);
}

#define MATCHES(method, path, row) do { \
	int m_ = match(method, path, false); \
	t_check(m_ == (row), __FILE__, __LINE__, "%s %s -> %d, expected row %d (%s)", \
	    method, path, m_, row, routes[row].pattern); \
} while (0)
#define FAILS(method, path, st) do { \
	int m_ = match(method, path, false); \
	t_check(m_ == -(st), __FILE__, __LINE__, "%s %s -> %d, expected -%d", \
	    method, path, m_, st); \
} while (0)

static void
router_match_static_exact(void)
{
	MATCHES("POST", "/auth/login", 0);
	MATCHES("GET", "/auth/me", 1);
	MATCHES("GET", "/orders", 2);
	MATCHES("POST", "/orders", 3);
	T_EQ_INT(r.nparams, 0);
}

static void
router_match_param_captured(void)
{
	MATCHES("PATCH", "/orders/abc/status", 7);
	T_EQ_INT(r.nparams, 1);
	T_EQ_STR(req_param(&r, "id"), "abc");
	T_EQ_STR(req_param(&r, "status"), NULL);
	MATCHES("GET", "/orders/6f1c2a8e-7d4b-4c1e-9f0a-1b2c3d4e5f60", 5);
	T_EQ_STR(req_param(&r, "id"), "6f1c2a8e-7d4b-4c1e-9f0a-1b2c3d4e5f60");
}

static void
router_match_two_params(void)
{
	MATCHES("GET", "/orders/o1/items/i2", 8);
	T_EQ_INT(r.nparams, 2);
	T_EQ_STR(req_param(&r, "id"), "o1");
	T_EQ_STR(req_param(&r, "item"), "i2");
}

static void
router_match_first_row_wins(void)
{
	/* "/orders/stats" sits above "/orders/:id". */
	MATCHES("GET", "/orders/stats", 4);
	T_EQ_INT(r.nparams, 0);
	/* DELETE only exists as "/orders/:id": the param row answers. */
	MATCHES("DELETE", "/orders/stats", 6);
	T_EQ_STR(req_param(&r, "id"), "stats");
}

static void
router_match_bad_unknown_path_404(void)
{
	FAILS("GET", "/nope", 404);
	FAILS("GET", "/", 404);
	FAILS("GET", "", 404);
	FAILS("GET", "/order", 404);
	FAILS("GET", "/orders/abc/unknown", 404);
	FAILS("PATCH", "/orders/abc/status/extra", 404);
	FAILS("GET", "/auth/mex", 404);
	FAILS("GET", "/auth/m", 404);
	FAILS("GET", "/auth", 404);
	FAILS("GET", "/AUTH/ME", 404);
	T_EQ_INT(r.nparams, 0);
}

static void
router_match_bad_method_405(void)
{
	FAILS("DELETE", "/auth/me", 405);
	FAILS("GET", "/auth/login", 405);
	FAILS("PUT", "/orders/abc", 405);
	FAILS("GET", "/orders/abc/status", 405);
	FAILS("get", "/auth/me", 405);           /* methods are case sensitive */
	/* A failed match leaves no parameters behind. */
	T_EQ_INT(r.nparams, 0);
	T_EQ_STR(req_param(&r, "id"), NULL);
}

static void
router_match_trailing_slash(void)
{
	MATCHES("GET", "/auth/me/", 1);
	MATCHES("GET", "/orders/", 2);
	T_EQ_INT(r.nparams, 0);         /* not "/orders/:id" with id "" */
	MATCHES("PATCH", "/orders/abc/status/", 7);
	T_EQ_STR(req_param(&r, "id"), "abc");
	MATCHES("GET", "//auth//me", 1);
}

static void
router_match_internal_hidden(void)
{
	T_EQ_INT(match("GET", "/internal/users/u1", false), -404);
	T_EQ_INT(match("POST", "/internal/events", false), -404);
	T_EQ_INT(match("GET", "/internal/events", false), -404);   /* not 405 */
	T_EQ_INT(match("GET", "/internal/users/u1", true), 9);
	T_EQ_STR(req_param(&r, "id"), "u1");
	T_EQ_INT(match("POST", "/internal/events", true), 10);
	T_EQ_INT(match("GET", "/internal/events", true), -405);
	/* Public rows stay visible on the internal listener. */
	T_EQ_INT(match("GET", "/auth/me", true), 1);
}

static void
router_match_bad_too_many_params(void)
{
	/* Nine parameters do not fit REQ_MAX_PARAMS (8): no match, no overflow. */
	FAILS("GET", "/1/2/3/4/5/6/7/8/9", 404);
	T_ASSERT(r.nparams <= REQ_MAX_PARAMS);
}

static void
router_match_param_values_verbatim(void)
{
	MATCHES("GET", "/orders/a%20b", 5);
	T_EQ_STR(req_param(&r, "id"), "a%20b");
	MATCHES("GET", "/orders/..", 5);
	T_EQ_STR(req_param(&r, "id"), "..");
	/* A long segment is captured whole. */
	char path[600];
	memset(path, 'x', sizeof path);
	memcpy(path, "/orders/", 8);
	path[sizeof path - 1] = '\0';
	MATCHES("GET", path, 5);
	const char *id = req_param(&r, "id");
	T_ASSERT(id != NULL && strlen(id) == sizeof path - 9);
}

static void
router_match_head_is_get(void)
{
	MATCHES("HEAD", "/auth/me", 1);
	MATCHES("HEAD", "/orders/abc", 5);
	FAILS("HEAD", "/auth/login", 405);
}

static const struct t_case cases[] = {
	T_CASE(router_match_head_is_get),
	T_CASE(router_match_static_exact),
	T_CASE(router_match_param_captured),
	T_CASE(router_match_two_params),
	T_CASE(router_match_first_row_wins),
	T_CASE(router_match_bad_unknown_path_404),
	T_CASE(router_match_bad_method_405),
	T_CASE(router_match_trailing_slash),
	T_CASE(router_match_internal_hidden),
	T_CASE(router_match_bad_too_many_params),
	T_CASE(router_match_param_values_verbatim),
};

int
main(void)
{
	return t_run("router", cases, T_NCASES(cases), setup, teardown);
}
