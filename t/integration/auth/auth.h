/* it_auth: the auth service and the gateway in front of it.  One file per
 * concern, run in this order:
 *
 *	gateway.c    nginx in front of every service
 *	register.c   POST /auth/register
 *	login.c      POST /auth/login, GET /auth/me
 *	refresh.c    POST /auth/refresh, POST /auth/logout
 *
 * main.c holds the user the cases share (A) and the helpers below. */
#ifndef IT_AUTH_H
#define IT_AUTH_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#define PASSWORD "correct horse 42"
/* The members a valid register body has besides its e-mail. */
#define GOOD_REST "\"password\":\"" PASSWORD "\",\"firstName\":\"A\",\"lastName\":\"B\""

struct user {
	char email[160];         /* normalized */
	char password[64];
	char id[64];
	char *access, *refresh;  /* malloc'd */
	bool ok;
};

extern struct user A;        /* a CUSTOMER, registered on first use (user_a) */

void user_clear(struct user *u);
/* "<tag>-<unique>@example.com" into out. */
char *unique_email(char *out, size_t n, const char *tag);
/* A JSON object of string members (name, value, ..., NULL), built with
 * json-c so the encoder is not the server's own.  malloc'd. */
char *jbody(const char *k, ...) __attribute__((sentinel));
/* The tokens and id of a register or login answer into u. */
bool take_tokens(struct user *u, struct resp *rs);
/* Registers u (email as given; role may be NULL) and keeps its tokens.
 * Leaves the response in rs (caller frees).  Returns the status. */
long register_user(struct user *u, struct resp *rs, const char *email, const char *role,
    const char *token, const char *first, const char *last);
/* POST /auth/login (static: glibc exports a login() of its own). */
static inline long
login(struct resp *rs, const char *email, const char *password)
{
	char *b = jbody("email", email, "password", password, (char *)NULL);
	long st = t_post_json(rs, "/auth/login", NULL, b);
	free(b);
	return st;
}
long refresh(struct resp *rs, const char *token);
/* A registered, the first time it is needed; false when it could not be. */
bool user_a(void);

/* The shape register and login answer with (line: the caller's). */
#define check_auth_response(rs, email, role, line) \
	check_auth_response_at((rs), (email), (role), __FILE__, (line))
void check_auth_response_at(struct resp *rs, const char *email, const char *role,
    const char *file, int line);
/* POSTs raw bytes to path and expects status with a message naming
 * mention (line: the caller's). */
#define post_bad(path, body, status, mention, line) \
	post_bad_at((path), (body), (status), (mention), __FILE__, (line))
void post_bad_at(const char *path, const char *body, long status, const char *mention,
    const char *file, int line);

extern const struct t_suite auth_gateway_suite, auth_register_suite, auth_login_suite,
    auth_refresh_suite;

#endif
