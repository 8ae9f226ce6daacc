/* The auth service's API contract and the gateway in front of it, through
 * the public nginx (BASE_URL) of a running stack (scripts/test.sh).
 *
 * Each run registers a handful of users with unique addresses (scrypt makes
 * every register/login cost ~0.4 s, so the suite keeps them few).  The
 * database checks are read-only (AUTH_DATABASE_URL). */
#include "../lib/http.h"
#include "../lib/t.h"
#include "config.h"
#include "token.h"
#include "valid.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD "correct horse 42"

struct user {
	char email[160];         /* normalized */
	char password[64];
	char id[64];
	char *access, *refresh;  /* malloc'd */
	bool ok;
};

static struct user A;        /* a CUSTOMER, registered on first use */

static void
user_clear(struct user *u)
{
	free(u->access);
	free(u->refresh);
	memset(u, 0, sizeof *u);
}

static char *
unique_email(char *out, size_t n, const char *tag)
{
	char u[96];
	t_unique(u, sizeof u, tag);
	snprintf(out, n, "%s@example.com", u);
	return out;
}

/* A JSON object of string members (name, value, ..., NULL), built with
 * json-c so the encoder is not the server's own.  malloc'd. */
static char *
jbody(const char *k, ...)
{
	struct json_object *o = json_object_new_object();
	va_list ap;
	va_start(ap, k);
	for (const char *key = k; key != NULL; key = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
	}
	va_end(ap);
	char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}

static bool
take_tokens(struct user *u, struct resp *rs)
{
	const char *a = t_jstr(rs->json, "accessToken"), *r = t_jstr(rs->json, "refreshToken");
	const char *id = t_jstr(rs->json, "user.id");
	if (a == NULL || r == NULL || id == NULL)
		return false;
	free(u->access);
	free(u->refresh);
	u->access = strdup(a);
	u->refresh = strdup(r);
	snprintf(u->id, sizeof u->id, "%s", id);
	return true;
}

/* Registers u (email as given; role may be NULL) and keeps its tokens.
 * Leaves the response in rs (caller frees).  Returns the status. */
static long
register_user(struct user *u, struct resp *rs, const char *email, const char *role,
    const char *token, const char *first, const char *last)
{
	snprintf(u->password, sizeof u->password, "%s", PASSWORD);
	char *b = role ?
	    jbody("email", email, "password", u->password, "firstName", first,
		"lastName", last, "phone", "+919876543210", "role", role, (char *)NULL) :
	    jbody("email", email, "password", u->password, "firstName", first,
		"lastName", last, "phone", "+919876543210", (char *)NULL);
	long st = t_post_json(rs, "/auth/register", token, b);
	free(b);
	if (st == 201 && take_tokens(u, rs)) {
		const char *e = t_jstr(rs->json, "user.email");
		snprintf(u->email, sizeof u->email, "%s", e ? e : "");
		u->ok = true;
	}
	return st;
}

static long
login(struct resp *rs, const char *email, const char *password)
{
	char *b = jbody("email", email, "password", password, (char *)NULL);
	long st = t_post_json(rs, "/auth/login", NULL, b);
	free(b);
	return st;
}

static long
refresh(struct resp *rs, const char *token)
{
	char *b = jbody("refreshToken", token, (char *)NULL);
	long st = t_post_json(rs, "/auth/refresh", NULL, b);
	free(b);
	return st;
}

/* The shape register and login answer with. */
static void
check_auth_response(struct resp *rs, const char *email, const char *role, int line)
{
	struct json_object *j = rs->json;
	t_check(t_jstr(j, "accessToken") != NULL && t_jstr(j, "refreshToken") != NULL,
	    __FILE__, line, "tokens missing: %.300s", rs->body);
	const char *id = t_jstr(j, "user.id");
	t_check(id != NULL && valid_uuid(id), __FILE__, line, "user.id \"%s\" is not a UUID",
	    id ? id : "(none)");
	t_check(email == NULL || (t_jstr(j, "user.email") && strcmp(t_jstr(j, "user.email"),
	    email) == 0), __FILE__, line, "user.email \"%s\", expected \"%s\"",
	    t_jstr(j, "user.email") ? t_jstr(j, "user.email") : "(none)", email ? email : "");
	t_check(t_jlen(j, "user.roles") == 1 && t_jstr(j, "user.roles.0") &&
	    strcmp(t_jstr(j, "user.roles.0"), role) == 0, __FILE__, line,
	    "user.roles is not [\"%s\"]: %.300s", role, rs->body);
	t_check(t_jget(j, "user.firstName") != NULL && t_jget(j, "user.lastName") != NULL,
	    __FILE__, line, "user.firstName/lastName missing: %.300s", rs->body);
	t_check(!t_contains(rs->body, "password") && !t_contains(rs->body, "hash"), __FILE__,
	    line, "a password or hash field leaks: %.300s", rs->body);
}

static char a_sent[200];      /* the address as A registered it */

static bool
user_a(void)
{
	if (A.ok)
		return true;
	char email[160];
	unique_email(email, sizeof email, "it-a");
	/* Sent with spaces and capitals: stored trimmed and lower case. */
	snprintf(a_sent, sizeof a_sent, "  %s ", email);
	for (char *p = a_sent; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	struct resp rs;
	long st = register_user(&A, &rs, a_sent, NULL, NULL, "Asha", "Verma");
	if (st != 201)
		T_STATUS(&rs, 201);
	else
		check_auth_response(&rs, email, "CUSTOMER", __LINE__);
	t_resp_free(&rs);
	return A.ok;
}

/* ================= gateway ================= */

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

static void
gateway_undeployed_service_503(void)
{
	/* A prefix whose pool is not built/deployed answers a JSON 503. */
	static const struct { const char *path, *svc; } prefixes[] = {
		{ "/products", "product" }, { "/categories", "product" },
		{ "/pricing/calculate", "pricing" }, { "/orders", "order" },
		{ "/payments", "payment" }, { "/wallets", "wallet" },
		{ "/share-links", "share-link" }, { "/notifications", "notification" },
	};
	const char *bin = getenv("BIN_DIR");
	int tried = 0;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", bin ? bin : "", prefixes[i].svc);
		if (bin != NULL && stat(p, &st) == 0)
			continue;           /* deployed: its own suite covers it */
		struct resp rs;
		t_get(&rs, prefixes[i].path, NULL);
		T_ERROR(&rs, 503, NULL);
		t_resp_free(&rs);
		tried++;
	}
	if (tried == 0)
		printf("(every service is deployed: nothing to check)\n");
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

/* ================= register ================= */

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

/* POSTs raw bytes to /auth/register and expects a 400 naming mention. */
static void
post_bad(const char *path, const char *body, long status, const char *mention, int line)
{
	struct resp rs;
	t_http(&rs, "POST", path, NULL, "application/json", body, strlen(body), (char *)NULL);
	if (!t_check_error(&rs, status, mention, __FILE__, line))
		printf("    body sent: %.300s\n", body);
	t_resp_free(&rs);
}

#define GOOD_REST "\"password\":\"" PASSWORD "\",\"firstName\":\"A\",\"lastName\":\"B\""

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

/* ================= login ================= */

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

/* ================= refresh / logout ================= */

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

static int
suite_init(void)
{
	if (t_env("BASE_URL") == NULL || t_env("JWT_SECRET") == NULL ||
	    t_env("AUTH_DATABASE_URL") == NULL)
		return 1;
	return 0;
}

static int
suite_clean(void)
{
	user_clear(&A);
	return 0;
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
	T_CASE(gateway_undeployed_service_503),
	T_CASE(gateway_cors_preflight_allowed),
	T_CASE(gateway_cors_bad_origin_refused),
	T_CASE(gateway_body_too_large_413),
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
	T_CASE(refresh_rotates),
	T_CASE(refresh_bad_reuse_revokes_family),
	T_CASE(refresh_reuse_spares_other_logins),
	T_CASE(refresh_concurrent_single_winner),
	T_CASE(refresh_bad_tokens_401),
	T_CASE(refresh_bad_input_400),
	T_CASE(logout_then_refresh_401),
	T_CASE(logout_bad_input),
};

int
main(void)
{
	return t_run("auth", cases, T_NCASES(cases), suite_init, suite_clean);
}
