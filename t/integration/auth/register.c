/* it_auth: POST /auth/register: roles, the answer's shape, duplicates and
 * their races, every refused input, what is stored (outbox event, hashed
 * password and refresh token). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "auth.h"
#include "config.h"
#include "token.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void
register_customer_default_role(void)
{
	T_REQUIRE(user_a());
	/* Normalized: trimmed, lower case. */
	T_ASSERT(strncmp(A.email, "it-a-", 5) == 0);
	T_ASSERT(strcspn(A.email, " ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(A.email));
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    A.email, (char *)NULL), 1);
	/* The tokens work and say what they are. */
	struct principal p;
	const char *key = getenv("JWT_SECRET");
	T_REQUIRE(key != NULL);
	T_EQ_INT(token_verify(A.access, TOKEN_ACCESS, time(NULL), (const unsigned char *)key,
	    strlen(key), &p), TOKEN_OK);
	T_EQ_INT(p.role, ROLE_CUSTOMER);
	T_EQ_STR(p.sub, A.id);
	T_EQ_INT(token_verify(A.refresh, TOKEN_REFRESH, time(NULL), (const unsigned char *)key,
	    strlen(key), &p), TOKEN_OK);
	/* Access token lifetime: 15 minutes by default (JWT_EXPIRES_IN). */
	T_EQ_INT(token_verify(A.access, TOKEN_ACCESS, time(NULL), (const unsigned char *)key,
	    strlen(key), &p), TOKEN_OK);
	const char *ttl = getenv("JWT_EXPIRES_IN");
	long want = config_parse_duration(ttl && ttl[0] ? ttl : "15m");
	T_ASSERT(p.exp - p.iat == want);
}

static void
register_response_shape(void)
{
	struct user u = { 0 };
	struct resp rs;
	char email[160];
	unique_email(email, sizeof email, "it-shape");
	/* With a charset parameter on the content type. */
	char *b = jbody("email", email, "password", PASSWORD, "firstName", "Ravi",
	    "lastName", "Kumar", "phone", "+919876543210", "role", "RESELLER", (char *)NULL);
	t_http(&rs, "POST", "/auth/register", NULL, "application/json; charset=utf-8", b,
	    strlen(b), (char *)NULL);
	free(b);
	T_STATUS(&rs, 201);
	const char *ct = t_header(&rs, "Content-Type");
	T_ASSERT(ct != NULL && strncmp(ct, "application/json", 16) == 0);
	check_auth_response(&rs, email, "RESELLER", __LINE__);
	T_EQ_STR(t_jstr(rs.json, "user.firstName"), "Ravi");
	T_EQ_STR(t_jstr(rs.json, "user.lastName"), "Kumar");
	T_ASSERT(take_tokens(&u, &rs));
	struct principal p;
	const char *key = getenv("JWT_SECRET");
	T_REQUIRE(key != NULL);
	T_EQ_INT(token_verify(u.access, TOKEN_ACCESS, time(NULL), (const unsigned char *)key,
	    strlen(key), &p), TOKEN_OK);
	T_EQ_INT(p.role, ROLE_RESELLER);
	t_resp_free(&rs);
	user_clear(&u);
}

static void
register_bad_admin_without_admin_token_403(void)
{
	char email[160];
	unique_email(email, sizeof email, "it-noadmin");
	struct user u = { 0 };
	struct resp rs;
	register_user(&u, &rs, email, "ADMIN", NULL, "Eve", "Mallory");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    email, (char *)NULL), 0);
	/* Nor with a customer's token. */
	T_REQUIRE(user_a());
	register_user(&u, &rs, email, "ADMIN", A.access, "Eve", "Mallory");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* Nor with an ADMIN token signed with another key. */
	char *forged = t_mint(A.id, A.email, ROLE_ADMIN, TOKEN_ACCESS, 900, 0,
	    "another-secret-another-secret-another-secret");
	register_user(&u, &rs, email, "ADMIN", forged, "Eve", "Mallory");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	free(forged);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    email, (char *)NULL), 0);
	user_clear(&u);
}

static void
register_admin_with_admin_token(void)
{
	char email[160];
	unique_email(email, sizeof email, "it-admin");
	char *admin = t_mint("00000000-0000-4000-8000-000000000001", "root@example.com",
	    ROLE_ADMIN, TOKEN_ACCESS, 900, 0, NULL);
	T_REQUIRE(admin != NULL);
	struct user u = { 0 };
	struct resp rs;
	register_user(&u, &rs, email, "ADMIN", admin, "Ada", "Admin");
	T_STATUS(&rs, 201);
	check_auth_response(&rs, email, "ADMIN", __LINE__);
	t_resp_free(&rs);
	free(admin);
	user_clear(&u);
}

static void
register_bad_duplicate_email_409(void)
{
	T_REQUIRE(user_a());
	struct user u = { 0 };
	struct resp rs;
	register_user(&u, &rs, A.email, NULL, NULL, "Other", "Person");
	T_ERROR(&rs, 409, "email");
	t_resp_free(&rs);
	/* Differing only in case and surrounding space. */
	char upper[200];
	snprintf(upper, sizeof upper, " %s\t", A.email);
	for (char *p = upper; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	register_user(&u, &rs, upper, "RESELLER", NULL, "Other", "Person");
	T_ERROR(&rs, 409, "email");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE lower(email) = $1",
	    A.email, (char *)NULL), 1);
	user_clear(&u);
}

static void
register_concurrent_same_email_one_wins(void)
{
	/* Both may pass the "exists" check; the unique index decides: one 201,
	 * the rest 409, never a 500. */
	char email[160];
	unique_email(email, sizeof email, "it-race");
	char *b = jbody("email", email, "password", PASSWORD, (char *)NULL);
	long st[3];
	char *bodies[3];
	t_http_parallel(3, "POST", "/auth/register", NULL, "application/json", b, st, bodies);
	int created = 0, conflict = 0;
	for (int i = 0; i < 3; i++) {
		if (st[i] == 201) created++;
		else if (st[i] == 409) conflict++;
		else t_check(false, __FILE__, __LINE__, "concurrent register -> %ld: %.300s",
		    st[i], bodies[i]);
		free(bodies[i]);
	}
	T_EQ_INT(created, 1);
	T_EQ_INT(conflict, 2);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    email, (char *)NULL), 1);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE type = 'USER_REGISTERED' AND payload->>'email' = $1",
	    email, (char *)NULL), 1);
	free(b);
}

static void
register_bad_short_password_400(void)
{
	char b[400], email[160];
	unique_email(email, sizeof email, "it-short");
	snprintf(b, sizeof b, "{\"email\":\"%s\",\"password\":\"1234567\"}", email);
	post_bad("/auth/register", b, 400, "password", __LINE__);
	snprintf(b, sizeof b, "{\"email\":\"%s\",\"password\":\"\"}", email);
	post_bad("/auth/register", b, 400, "password", __LINE__);
	/* Seven characters even in multibyte UTF-8 (14 bytes). */
	snprintf(b, sizeof b, "{\"email\":\"%s\",\"password\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\"}", email);
	post_bad("/auth/register", b, 400, "password", __LINE__);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    email, (char *)NULL), 0);
}

static void
register_bad_missing_email_400(void)
{
	post_bad("/auth/register", "{" GOOD_REST "}", 400, "email", __LINE__);
	post_bad("/auth/register", "{\"email\":null," GOOD_REST "}", 400, "email", __LINE__);
	post_bad("/auth/register", "{\"email\":\"x@example.com\"}", 400, "password", __LINE__);
}

static void
register_bad_wrong_type_400(void)
{
	post_bad("/auth/register", "{\"email\":5," GOOD_REST "}", 400, "email", __LINE__);
	post_bad("/auth/register", "{\"email\":[\"a@b.com\"]," GOOD_REST "}", 400, "email", __LINE__);
	post_bad("/auth/register", "{\"email\":\"t@example.com\",\"password\":12345678}", 400,
	    "password", __LINE__);
	post_bad("/auth/register", "{\"email\":\"t@example.com\",\"password\":\"" PASSWORD
	    "\",\"firstName\":{\"x\":1}}", 400, "firstName", __LINE__);
	post_bad("/auth/register", "{\"email\":\"t@example.com\",\"password\":\"" PASSWORD
	    "\",\"role\":true}", 400, "role", __LINE__);
}

static void
register_bad_invalid_email_400(void)
{
	const char *bad[] = { "not-an-email", "a@b", "a@@b.com", "a b@c.com", "@x.com", "",
	    "a@b.com\\u0000", "<script>@x.com" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char b[400];
		snprintf(b, sizeof b, "{\"email\":\"%s\"," GOOD_REST "}", bad[i]);
		post_bad("/auth/register", b, 400, strstr(bad[i], "\\u0000") ? NULL : "email",
		    __LINE__);
	}
}

static void
register_bad_unknown_field_400(void)
{
	post_bad("/auth/register", "{\"email\":\"u@example.com\"," GOOD_REST ",\"isAdmin\":true}",
	    400, "isAdmin", __LINE__);
	post_bad("/auth/register", "{\"id\":\"00000000-0000-4000-8000-000000000000\","
	    "\"email\":\"u@example.com\"," GOOD_REST "}", 400, "id", __LINE__);
	post_bad("/auth/register", "{\"email\":\"u@example.com\"," GOOD_REST ",\"roles\":[\"ADMIN\"]}",
	    400, "roles", __LINE__);
	post_bad("/auth/register", "{\"email\":\"u@example.com\"," GOOD_REST
	    ",\"passwordHash\":\"$scrypt$x\"}", 400, "passwordHash", __LINE__);
}

static void
register_bad_role_400(void)
{
	post_bad("/auth/register", "{\"email\":\"u@example.com\"," GOOD_REST ",\"role\":\"SUPERUSER\"}",
	    400, "role", __LINE__);
	post_bad("/auth/register", "{\"email\":\"u@example.com\"," GOOD_REST ",\"role\":\"\"}",
	    400, "role", __LINE__);
}

static void
register_bad_phone_400(void)
{
	const char *bad[] = { "12-34", "123", "+91 98765 43210", "phone", "+",
	    "1234567890123456" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char b[400];
		snprintf(b, sizeof b, "{\"email\":\"p@example.com\"," GOOD_REST ",\"phone\":\"%s\"}",
		    bad[i]);
		post_bad("/auth/register", b, 400, "phone", __LINE__);
	}
	post_bad("/auth/register", "{\"email\":\"p@example.com\"," GOOD_REST ",\"phone\":9876543210}",
	    400, "phone", __LINE__);
}

static void
register_bad_long_name_400(void)
{
	char name[120], b[600];
	memset(name, 'n', 101);
	name[101] = '\0';
	snprintf(b, sizeof b, "{\"email\":\"n@example.com\",\"password\":\"" PASSWORD
	    "\",\"firstName\":\"%s\"}", name);
	post_bad("/auth/register", b, 400, "firstName", __LINE__);
	snprintf(b, sizeof b, "{\"email\":\"n@example.com\",\"password\":\"" PASSWORD
	    "\",\"lastName\":\"%s\"}", name);
	post_bad("/auth/register", b, 400, "lastName", __LINE__);
	/* A huge password is refused before it reaches scrypt. */
	char pw[2100], b2[2300];
	memset(pw, 'p', 2000);
	pw[2000] = '\0';
	snprintf(b2, sizeof b2, "{\"email\":\"n@example.com\",\"password\":\"%s\"}", pw);
	post_bad("/auth/register", b2, 400, "password", __LINE__);
}

static void
register_bad_malformed_json_400(void)
{
	post_bad("/auth/register", "{\"email\":", 400, NULL, __LINE__);
	post_bad("/auth/register", "{email:\"a@b.com\"}", 400, NULL, __LINE__);
	post_bad("/auth/register", "{\"email\":\"a@b.com\",}", 400, NULL, __LINE__);
	post_bad("/auth/register", "[]", 400, NULL, __LINE__);
	post_bad("/auth/register", "\"a@b.com\"", 400, NULL, __LINE__);
	post_bad("/auth/register", "null", 400, NULL, __LINE__);
	post_bad("/auth/register", "", 400, NULL, __LINE__);
	post_bad("/auth/register", "{} {}", 400, NULL, __LINE__);
	post_bad("/auth/register", "{'email':'a@b.com'}", 400, NULL, __LINE__);
	post_bad("/auth/register", "{\"email\":\"\xff\xfe\"}", 400, NULL, __LINE__);
}

static void
register_bad_nan_400(void)
{
	post_bad("/auth/register", "{\"email\":\"n@example.com\"," GOOD_REST ",\"phone\":NaN}",
	    400, NULL, __LINE__);
	post_bad("/auth/register", "{\"email\":\"n@example.com\"," GOOD_REST ",\"phone\":Infinity}",
	    400, NULL, __LINE__);
}

static void
register_bad_duplicate_keys_400(void)
{
	/* A validator and a consumer must never see different values. */
	char email[160], b[600];
	unique_email(email, sizeof email, "it-dupkey");
	snprintf(b, sizeof b, "{\"email\":\"%s\",\"password\":\"" PASSWORD "\","
	    "\"role\":\"CUSTOMER\",\"role\":\"ADMIN\"}", email);
	post_bad("/auth/register", b, 400, NULL, __LINE__);
	snprintf(b, sizeof b, "{\"email\":\"%s\",\"email\":\"%s\",\"password\":\"" PASSWORD "\"}",
	    email, "other@example.com");
	post_bad("/auth/register", b, 400, NULL, __LINE__);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    email, (char *)NULL), 0);
}

static void
register_bad_nul_in_string_400(void)
{
	post_bad("/auth/register", "{\"email\":\"z@example.com\",\"password\":\"" PASSWORD
	    "\",\"firstName\":\"a\\u0000b\"}", 400, NULL, __LINE__);
	/* A raw NUL byte inside the body. */
	const char body[] = "{\"email\":\"z@example.com\",\"password\":\"" PASSWORD
	    "\",\"firstName\":\"a\0b\"}";
	struct resp rs;
	t_http(&rs, "POST", "/auth/register", NULL, "application/json", body, sizeof body - 1,
	    (char *)NULL);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
}

static void
register_bad_content_type_415(void)
{
	char email[160];
	unique_email(email, sizeof email, "it-ctype");
	char *b = jbody("email", email, "password", PASSWORD, (char *)NULL);
	const char *types[] = { "text/plain", "application/x-www-form-urlencoded",
	    "application/jsonp", "multipart/form-data; boundary=x", NULL };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		struct resp rs;
		t_http(&rs, "POST", "/auth/register", NULL, types[i], b, strlen(b), (char *)NULL);
		T_ERROR(&rs, 415, NULL);
		t_resp_free(&rs);
	}
	free(b);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    email, (char *)NULL), 0);
}

static void
register_sql_and_unicode_verbatim(void)
{
	const char *first = "Robert'); DROP TABLE users;--";
	const char *last = "Zo\xc3\xab \xe6\x9d\x8e \"\\<b>&";
	char email[160];
	unique_email(email, sizeof email, "it-o'brien");
	struct user u = { 0 };
	struct resp rs;
	register_user(&u, &rs, email, NULL, NULL, first, last);
	T_STATUS(&rs, 201);
	T_EQ_STR(t_jstr(rs.json, "user.firstName"), first);
	T_EQ_STR(t_jstr(rs.json, "user.lastName"), last);
	T_EQ_STR(t_jstr(rs.json, "user.email"), email);
	t_resp_free(&rs);
	T_REQUIRE(u.ok);
	t_get(&rs, "/auth/me", u.access);
	T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "firstName"), first);
	T_EQ_STR(t_jstr(rs.json, "lastName"), last);
	/* The writer escapes markup: no raw '<' on the wire. */
	T_ASSERT(strchr(rs.body, '<') == NULL);
	t_resp_free(&rs);
	char *stored = t_db_value("AUTH_DATABASE_URL",
	    "SELECT first_name FROM users WHERE email = $1", email, (char *)NULL);
	T_EQ_STR(stored, first);
	free(stored);
	T_ASSERT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users", (char *)NULL) >= 1);
	/* Login with the apostrophe address works too. */
	login(&rs, email, PASSWORD);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	user_clear(&u);
}

static void
register_writes_outbox_event(void)
{
	T_REQUIRE(user_a());
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE type = 'USER_REGISTERED' AND payload->>'email' = $1",
	    A.email, (char *)NULL), 1);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE type = 'USER_REGISTERED' AND aggregate_id = $1",
	    A.id, (char *)NULL), 1);
	/* No secret in the event. */
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE payload->>'email' = $1 AND "
	    "(payload::text LIKE '%' || $2 || '%' OR payload ? 'password' OR "
	    "payload ? 'passwordHash' OR payload ? 'password_hash')",
	    A.email, PASSWORD, (char *)NULL), 0);
	/* A refused registration writes no event. */
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM outbox WHERE payload->>'email' LIKE 'it-noadmin-%'",
	    (char *)NULL), 0);
}

static void
register_password_hashed(void)
{
	T_REQUIRE(user_a());
	char *h = t_db_value("AUTH_DATABASE_URL", "SELECT password_hash FROM users WHERE email = $1",
	    A.email, (char *)NULL);
	T_REQUIRE(h != NULL);
	T_ASSERT(strncmp(h, "$scrypt$", 8) == 0);
	T_ASSERT(strstr(h, PASSWORD) == NULL);
	t_check(strlen(h) >= 40, __FILE__, __LINE__, "hash too short: %s", h);
	/* Salted: two users with one password have different hashes. */
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM users WHERE password_hash = $1", h, (char *)NULL), 1);
	free(h);
}

static void
register_refresh_token_stored_hashed(void)
{
	T_REQUIRE(user_a());
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM refresh_tokens WHERE token_hash = $1 OR "
	    "position($1 in token_hash) > 0", A.refresh, (char *)NULL), 0);
	T_ASSERT(t_db_count("AUTH_DATABASE_URL",
	    "SELECT count(*) FROM refresh_tokens t JOIN token_families f ON f.id = t.family_id "
	    "WHERE f.user_id = $1", A.id, (char *)NULL) >= 1);
}

static const struct t_case cases[] = {
	T_CASE(register_customer_default_role),
	T_CASE(register_response_shape),
	T_CASE(register_bad_admin_without_admin_token_403),
	T_CASE(register_admin_with_admin_token),
	T_CASE(register_bad_duplicate_email_409),
	T_CASE(register_concurrent_same_email_one_wins),
	T_CASE(register_bad_short_password_400),
	T_CASE(register_bad_missing_email_400),
	T_CASE(register_bad_wrong_type_400),
	T_CASE(register_bad_invalid_email_400),
	T_CASE(register_bad_unknown_field_400),
	T_CASE(register_bad_role_400),
	T_CASE(register_bad_phone_400),
	T_CASE(register_bad_long_name_400),
	T_CASE(register_bad_malformed_json_400),
	T_CASE(register_bad_nan_400),
	T_CASE(register_bad_duplicate_keys_400),
	T_CASE(register_bad_nul_in_string_400),
	T_CASE(register_bad_content_type_415),
	T_CASE(register_sql_and_unicode_verbatim),
	T_CASE(register_writes_outbox_event),
	T_CASE(register_password_hashed),
	T_CASE(register_refresh_token_stored_hashed),
};

const struct t_suite auth_register_suite = T_SUITE("register", cases);
