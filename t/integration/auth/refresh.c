/* it_auth: POST /auth/refresh (rotation, reuse revoking the family and only
 * it, concurrent refreshes) and POST /auth/logout. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "auth.h"
#include "token.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
refresh_rotates(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	login(&rs, A.email, PASSWORD);
	T_STATUS(&rs, 200);
	char *r1 = t_jstr(rs.json, "refreshToken") ? strdup(t_jstr(rs.json, "refreshToken")) : NULL;
	t_resp_free(&rs);
	T_REQUIRE(r1 != NULL);
	refresh(&rs, r1);
	T_STATUS(&rs, 200);
	check_auth_response(&rs, A.email, "CUSTOMER", __LINE__);
	const char *r2 = t_jstr(rs.json, "refreshToken"), *a2 = t_jstr(rs.json, "accessToken");
	T_ASSERT(r2 != NULL && strcmp(r2, r1) != 0);
	if (a2 != NULL) {
		struct resp me;
		t_get(&me, "/auth/me", a2);
		T_STATUS(&me, 200);
		t_resp_free(&me);
	}
	t_resp_free(&rs);
	free(r1);
}

static void
refresh_bad_reuse_revokes_family(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	login(&rs, A.email, PASSWORD);
	T_STATUS(&rs, 200);
	char *r1 = t_jstr(rs.json, "refreshToken") ? strdup(t_jstr(rs.json, "refreshToken")) : NULL;
	t_resp_free(&rs);
	T_REQUIRE(r1 != NULL);
	refresh(&rs, r1);
	T_STATUS(&rs, 200);
	char *r2 = t_jstr(rs.json, "refreshToken") ? strdup(t_jstr(rs.json, "refreshToken")) : NULL;
	t_resp_free(&rs);
	refresh(&rs, r2 ? r2 : "");
	T_STATUS(&rs, 200);
	char *r3 = t_jstr(rs.json, "refreshToken") ? strdup(t_jstr(rs.json, "refreshToken")) : NULL;
	t_resp_free(&rs);
	T_REQUIRE(r2 != NULL && r3 != NULL);
	/* r1 was rotated: presenting it again is theft or a replay. */
	refresh(&rs, r1);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	/* ... and the newest token of that login is now dead too. */
	refresh(&rs, r3);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(r1);
	free(r2);
	free(r3);
}

static void
refresh_reuse_spares_other_logins(void)
{
	T_REQUIRE(user_a());
	struct resp x, y;
	login(&x, A.email, PASSWORD);
	login(&y, A.email, PASSWORD);
	T_STATUS(&x, 200);
	T_STATUS(&y, 200);
	char *rx = t_jstr(x.json, "refreshToken") ? strdup(t_jstr(x.json, "refreshToken")) : NULL;
	char *ry = t_jstr(y.json, "refreshToken") ? strdup(t_jstr(y.json, "refreshToken")) : NULL;
	t_resp_free(&x);
	t_resp_free(&y);
	T_REQUIRE(rx != NULL && ry != NULL);
	struct resp rs;
	refresh(&rs, rx);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	refresh(&rs, rx);             /* reuse in login X */
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	refresh(&rs, ry);             /* login Y is another family */
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	free(rx);
	free(ry);
}

static void
refresh_concurrent_single_winner(void)
{
	/* Two simultaneous uses of one refresh token: at most one gets a pair. */
	T_REQUIRE(user_a());
	struct resp rs;
	login(&rs, A.email, PASSWORD);
	T_STATUS(&rs, 200);
	char *r = t_jstr(rs.json, "refreshToken") ? jbody("refreshToken",
	    t_jstr(rs.json, "refreshToken"), (char *)NULL) : NULL;
	t_resp_free(&rs);
	T_REQUIRE(r != NULL);
	long st[2];
	char *bodies[2];
	t_http_parallel(2, "POST", "/auth/refresh", NULL, "application/json", r, st, bodies);
	int ok = 0;
	for (int i = 0; i < 2; i++) {
		if (st[i] == 200) ok++;
		else t_check(st[i] == 401, __FILE__, __LINE__, "concurrent refresh -> %ld: %.300s",
		    st[i], bodies[i]);
		free(bodies[i]);
	}
	t_check(ok <= 1, __FILE__, __LINE__, "one refresh token was rotated %d times", ok);
	free(r);
}

static void
refresh_bad_tokens_401(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	refresh(&rs, A.access);                       /* an access token */
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	refresh(&rs, "garbage");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	/* Well signed but expired, and well signed but never issued. */
	char *old = t_mint(A.id, NULL, ROLE_NONE, TOKEN_REFRESH, 60, 3600, NULL);
	char *unknown = t_mint(A.id, NULL, ROLE_NONE, TOKEN_REFRESH, 86400, 0, NULL);
	T_REQUIRE(old != NULL && unknown != NULL);
	refresh(&rs, old);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	refresh(&rs, unknown);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(old);
	free(unknown);
	/* Signed with another key. */
	char *forged = t_mint(A.id, NULL, ROLE_NONE, TOKEN_REFRESH, 86400, 0,
	    "not-the-stack-secret-not-the-stack-secret");
	refresh(&rs, forged);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(forged);
}

static void
refresh_bad_input_400(void)
{
	post_bad("/auth/refresh", "{}", 400, "refreshToken", __LINE__);
	post_bad("/auth/refresh", "{\"refreshToken\":5}", 400, "refreshToken", __LINE__);
	post_bad("/auth/refresh", "{\"refreshToken\":null}", 400, "refreshToken", __LINE__);
	post_bad("/auth/refresh", "{\"token\":\"x\"}", 400, "token", __LINE__);
	post_bad("/auth/refresh", "{\"refreshToken\":", 400, NULL, __LINE__);
}

static void
logout_then_refresh_401(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	login(&rs, A.email, PASSWORD);
	T_STATUS(&rs, 200);
	char *r = t_jstr(rs.json, "refreshToken") ? strdup(t_jstr(rs.json, "refreshToken")) : NULL;
	char *a = t_jstr(rs.json, "accessToken") ? strdup(t_jstr(rs.json, "accessToken")) : NULL;
	t_resp_free(&rs);
	T_REQUIRE(r != NULL && a != NULL);
	char *b = jbody("refreshToken", r, (char *)NULL);
	t_post_json(&rs, "/auth/logout", a, b);
	T_STATUS(&rs, 200);
	T_ASSERT(rs.json != NULL);
	t_resp_free(&rs);
	refresh(&rs, r);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(b);
	free(r);
	free(a);
}

static void
logout_bad_input(void)
{
	post_bad("/auth/logout", "{}", 400, "refreshToken", __LINE__);
	struct resp rs;
	t_post_json(&rs, "/auth/logout", NULL, "{\"refreshToken\":\"garbage\"}");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(refresh_rotates),
	T_CASE(refresh_bad_reuse_revokes_family),
	T_CASE(refresh_reuse_spares_other_logins),
	T_CASE(refresh_concurrent_single_winner),
	T_CASE(refresh_bad_tokens_401),
	T_CASE(refresh_bad_input_400),
	T_CASE(logout_then_refresh_401),
	T_CASE(logout_bad_input),
};

const struct t_suite auth_refresh_suite = T_SUITE("refresh", cases);
