/* The auth service's internal API, as its callers use it
 * (docs/internal-api.md, "auth"; conventions in client.h). */
#ifndef CLIENT_AUTH_H
#define CLIENT_AUTH_H
#include "client.h"

/* A user as GET /internal/auth/users/:id answers it. */
struct auth_user {
	const char *id;            /* lower case */
	const char *role;          /* "ADMIN", "CUSTOMER" or "RESELLER" */
	const char *email;         /* the others: or NULL */
	const char *first_name, *last_name, *phone;
};
/* User id into *u.  CLIENT_OK, CLIENT_NOT_FOUND or CLIENT_DOWN. */
enum client_rc auth_user(struct req *r, const char *id, struct auth_user *u);
/* The answer for user id into *u.  NULL, or why it does not check
 * (another id, no role or an unknown one, a member of the wrong type). */
const char *auth_user_read(struct arena *a, const struct jv *answer, const char *id,
    struct auth_user *u);

#endif
