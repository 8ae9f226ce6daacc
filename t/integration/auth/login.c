/* it_auth: POST /auth/login (case-insensitive e-mail, one message for every
 * bad credential, the same time for an unknown e-mail) and GET /auth/me
 * with every kind of token (minted, expired, refresh, other key, alg none). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "auth.h"
#include "token.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
login_ok(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	login(&rs, A.email, PASSWORD);
	T_STATUS(&rs, 200);
	check_auth_response(&rs, A.email, "CUSTOMER", __LINE__);
	T_EQ_STR(t_jstr(rs.json, "user.id"), A.id);
	T_ASSERT(t_jstr(rs.json, "refreshToken") &&
	    strcmp(t_jstr(rs.json, "refreshToken"), A.refresh) != 0);
	t_resp_free(&rs);
}

static void
login_email_case_insensitive(void)
{
	T_REQUIRE(user_a());
	char upper[200];
	snprintf(upper, sizeof upper, "  %s ", A.email);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	struct resp rs;
	login(&rs, upper, PASSWORD);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "user.id"), A.id);
	t_resp_free(&rs);
}

static void
login_bad_credentials_401_same_message(void)
{
	T_REQUIRE(user_a());
	struct resp wrong, unknown, casepw;
	char email[160];
	login(&wrong, A.email, PASSWORD "x");
	login(&unknown, unique_email(email, sizeof email, "it-nobody"), PASSWORD);
	login(&casepw, A.email, "CORRECT HORSE 42");
	T_ERROR(&wrong, 401, NULL);
	T_ERROR(&unknown, 401, NULL);
	T_ERROR(&casepw, 401, NULL);
	T_EQ_STR(t_jstr(unknown.json, "message"), t_jstr(wrong.json, "message"));
	T_ASSERT(strcmp(wrong.body, unknown.body) == 0);
	T_ASSERT(t_jstr(wrong.json, "accessToken") == NULL);
	t_resp_free(&wrong);
	t_resp_free(&unknown);
	t_resp_free(&casepw);
}

static void
login_unknown_email_costs_the_same(void)
{
	/* An unknown address must not answer measurably faster (no user
	 * enumeration by timing): it runs scrypt too.  Best of two each. */
	T_REQUIRE(user_a());
	char email[160];
	unique_email(email, sizeof email, "it-ghost");
	double known = 1e9, ghost = 1e9;
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		login(&rs, A.email, "wrong password!");
		T_STATUS(&rs, 401);
		if (rs.secs < known) known = rs.secs;
		t_resp_free(&rs);
		login(&rs, email, "wrong password!");
		T_STATUS(&rs, 401);
		if (rs.secs < ghost) ghost = rs.secs;
		t_resp_free(&rs);
	}
	t_check(ghost >= known * 0.5, __FILE__, __LINE__,
	    "unknown email answered in %.3f s, known email in %.3f s", ghost, known);
}

static void
login_bad_input_400(void)
{
	post_bad("/auth/login", "{\"email\":\"a@example.com\"}", 400, "password", __LINE__);
	post_bad("/auth/login", "{\"password\":\"x\"}", 400, "email", __LINE__);
	post_bad("/auth/login", "{\"email\":\"a@example.com\",\"password\":\"x\",\"otp\":1}", 400,
	    "otp", __LINE__);
	post_bad("/auth/login", "{\"email\":\"a@example.com\",\"password\":7}", 400, "password",
	    __LINE__);
	post_bad("/auth/login", "nonsense", 400, NULL, __LINE__);
	struct resp rs;
	t_http(&rs, "POST", "/auth/login", NULL, "text/plain", "{}", 2, (char *)NULL);
	T_ERROR(&rs, 415, NULL);
	t_resp_free(&rs);
}

/* ================= me ================= */

static void
me_ok(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	t_get(&rs, "/auth/me", A.access);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "id"), A.id);
	T_EQ_STR(t_jstr(rs.json, "email"), A.email);
	T_EQ_STR(t_jstr(rs.json, "firstName"), "Asha");
	T_EQ_STR(t_jstr(rs.json, "lastName"), "Verma");
	T_EQ_STR(t_jstr(rs.json, "phone"), "+919876543210");
	T_EQ_INT(t_jlen(rs.json, "roles"), 1);
	T_EQ_STR(t_jstr(rs.json, "roles.0"), "CUSTOMER");
	T_ASSERT(!t_contains(rs.body, "password") && !t_contains(rs.body, "scrypt"));
	t_resp_free(&rs);
	/* "bearer" in any case is accepted (RFC 7235: the scheme is case-insensitive). */
	char h[2048];
	snprintf(h, sizeof h, "Authorization: bearer %s", A.access);
	t_http(&rs, "GET", "/auth/me", NULL, NULL, NULL, 0, h, (char *)NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
me_bad_no_token_401(void)
{
	struct resp rs;
	t_get(&rs, "/auth/me", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
}

static void
me_bad_garbage_token_401(void)
{
	const char *hdrs[] = { "Authorization: Bearer garbage", "Authorization: Bearer ",
	    "Authorization: Bearer a.b.c", "Authorization: Basic dXNlcjpwYXNz",
	    "Authorization: garbage", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9..." };
	for (size_t i = 0; i < sizeof hdrs / sizeof hdrs[0]; i++) {
		struct resp rs;
		t_http(&rs, "GET", "/auth/me", NULL, NULL, NULL, 0, hdrs[i], (char *)NULL);
		T_ERROR(&rs, 401, NULL);
		t_resp_free(&rs);
	}
}

static void
me_minted_token_ok(void)
{
	/* Control for the minted cases below: the test's key is the stack's. */
	T_REQUIRE(user_a());
	char *tok = t_mint(A.id, A.email, ROLE_CUSTOMER, TOKEN_ACCESS, 900, 0, NULL);
	T_REQUIRE(tok != NULL);
	struct resp rs;
	t_get(&rs, "/auth/me", tok);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	free(tok);
}

static void
me_bad_token_of_unknown_user_401(void)
{
	/* Well signed, but the user does not exist (deleted, or another
	 * deployment's token). */
	char *tok = t_mint("7c9e6679-7425-40de-944b-e07fc1f90ae7", "gone@example.com",
	    ROLE_CUSTOMER, TOKEN_ACCESS, 900, 0, NULL);
	T_REQUIRE(tok != NULL);
	struct resp rs;
	t_get(&rs, "/auth/me", tok);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(tok);
}

static void
me_bad_token_sub_not_uuid_401(void)
{
	/* A signed token whose subject is not a user id is a 401, not a 500. */
	char *tok = t_mint("not-a-uuid", "x@example.com", ROLE_CUSTOMER, TOKEN_ACCESS, 900, 0,
	    NULL);
	T_REQUIRE(tok != NULL);
	struct resp rs;
	t_get(&rs, "/auth/me", tok);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(tok);
}

static void
me_bad_expired_token_401(void)
{
	T_REQUIRE(user_a());
	char *tok = t_mint(A.id, A.email, ROLE_CUSTOMER, TOKEN_ACCESS, 900, 3600, NULL);
	T_REQUIRE(tok != NULL);
	struct resp rs;
	t_get(&rs, "/auth/me", tok);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(tok);
}

static void
me_bad_refresh_token_as_access_401(void)
{
	T_REQUIRE(user_a());
	struct resp rs;
	t_get(&rs, "/auth/me", A.refresh);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
}

static void
me_bad_other_secret_401(void)
{
	T_REQUIRE(user_a());
	char *tok = t_mint(A.id, A.email, ROLE_ADMIN, TOKEN_ACCESS, 900, 0,
	    "not-the-stack-secret-not-the-stack-secret");
	T_REQUIRE(tok != NULL);
	struct resp rs;
	t_get(&rs, "/auth/me", tok);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(tok);
}

static void
me_bad_alg_none_401(void)
{
	T_REQUIRE(user_a());
	char payload[512], h[128], b[1024], tok[1300];
	const char *hdr = "{\"alg\":\"none\",\"typ\":\"JWT\"}";
	snprintf(payload, sizeof payload, "{\"sub\":\"%s\",\"email\":\"%s\",\"role\":\"ADMIN\","
	    "\"typ\":\"access\",\"iat\":%ld,\"exp\":%ld}", A.id, A.email, (long)time(NULL),
	    (long)time(NULL) + 900);
	t_b64url(hdr, strlen(hdr), h);
	t_b64url(payload, strlen(payload), b);
	snprintf(tok, sizeof tok, "%s.%s.", h, b);
	struct resp rs;
	t_get(&rs, "/auth/me", tok);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(login_ok),
	T_CASE(login_email_case_insensitive),
	T_CASE(login_bad_credentials_401_same_message),
	T_CASE(login_unknown_email_costs_the_same),
	T_CASE(login_bad_input_400),
	T_CASE(me_ok),
	T_CASE(me_bad_no_token_401),
	T_CASE(me_bad_garbage_token_401),
	T_CASE(me_minted_token_ok),
	T_CASE(me_bad_token_of_unknown_user_401),
	T_CASE(me_bad_token_sub_not_uuid_401),
	T_CASE(me_bad_expired_token_401),
	T_CASE(me_bad_refresh_token_as_access_401),
	T_CASE(me_bad_other_secret_401),
	T_CASE(me_bad_alg_none_401),
};

const struct t_suite auth_login_suite = T_SUITE("login", cases);
