/* The auth service's API contract and the gateway in front of it, through
 * the public nginx (BASE_URL) of a running stack (scripts/test.sh): the
 * suite it_auth, one file per concern (auth.h lists them).
 *
 * Each run registers a handful of users with unique addresses (scrypt makes
 * every register/login cost ~0.4 s, so the suite keeps them few).  The
 * database checks are read-only (AUTH_DATABASE_URL).  This file: the users
 * the cases share and the helpers they call. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "auth.h"
#include "valid.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct user A;        /* a CUSTOMER, registered on first use */

void
user_clear(struct user *u)
{
	free(u->access);
	free(u->refresh);
	memset(u, 0, sizeof *u);
}

char *
unique_email(char *out, size_t n, const char *tag)
{
	char u[96];
	t_unique(u, sizeof u, tag);
	snprintf(out, n, "%s@example.com", u);
	return out;
}

/* A JSON object of string members (name, value, ..., NULL), built with
 * json-c so the encoder is not the server's own.  malloc'd. */
char *
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

bool
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
long
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

long
refresh(struct resp *rs, const char *token)
{
	char *b = jbody("refreshToken", token, (char *)NULL);
	long st = t_post_json(rs, "/auth/refresh", NULL, b);
	free(b);
	return st;
}

/* The shape register and login answer with. */
void
check_auth_response_at(struct resp *rs, const char *email, const char *role,
    const char *file, int line)
{
	struct json_object *j = rs->json;
	t_check(t_jstr(j, "accessToken") != NULL && t_jstr(j, "refreshToken") != NULL,
	    file, line, "tokens missing: %.300s", rs->body);
	const char *id = t_jstr(j, "user.id");
	t_check(id != NULL && valid_uuid(id), file, line, "user.id \"%s\" is not a UUID",
	    id ? id : "(none)");
	t_check(email == NULL || (t_jstr(j, "user.email") && strcmp(t_jstr(j, "user.email"),
	    email) == 0), file, line, "user.email \"%s\", expected \"%s\"",
	    t_jstr(j, "user.email") ? t_jstr(j, "user.email") : "(none)", email ? email : "");
	t_check(t_jlen(j, "user.roles") == 1 && t_jstr(j, "user.roles.0") &&
	    strcmp(t_jstr(j, "user.roles.0"), role) == 0, file, line,
	    "user.roles is not [\"%s\"]: %.300s", role, rs->body);
	t_check(t_jget(j, "user.firstName") != NULL && t_jget(j, "user.lastName") != NULL,
	    file, line, "user.firstName/lastName missing: %.300s", rs->body);
	t_check(!t_contains(rs->body, "password") && !t_contains(rs->body, "hash"), file,
	    line, "a password or hash field leaks: %.300s", rs->body);
}

static char a_sent[200];      /* the address as A registered it */

bool
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

/* POSTs raw bytes to /auth/register and expects a 400 naming mention. */
void
post_bad_at(const char *path, const char *body, long status, const char *mention,
    const char *file, int line)
{
	struct resp rs;
	t_http(&rs, "POST", path, NULL, "application/json", body, strlen(body), (char *)NULL);
	if (!t_check_error(&rs, status, mention, file, line))
		printf("    body sent: %.300s\n", body);
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

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&auth_gateway_suite,
	&auth_register_suite,
	&auth_login_suite,
	&auth_refresh_suite,
};

int
main(void)
{
	return t_run_suites("auth", suites, T_NCASES(suites), suite_init, suite_clean);
}
