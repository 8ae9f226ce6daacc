/* The auth service: users, passwords, access and refresh tokens. */
#ifndef AUTH_H
#define AUTH_H
#include "db.h"
#include "json.h"
#include "req.h"

enum auth_stmt {
	S_USER_EXISTS,
	S_USER_INSERT,
	S_USER_BY_EMAIL,
	S_USER_BY_ID,
	S_FAMILY_INSERT,
	S_TOKEN_INSERT,
	S_TOKEN_ROTATE,
	S_FAMILY_REVOKE_BY_TOKEN,
	S__MAX
};
extern const struct stmt auth_stmts[S__MAX];
#define S(id) (&auth_stmts[id])

/* The user's public columns, shared by every statement returning a user. */
#define USER_COLS \
	"u.id, u.email, u.first_name, u.last_name, u.phone, u.role, " \
	"to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS created_at"

/* password.c */
#define PASSWORD_HASH_MAX 256
/* Hashes with scrypt N=2^15 r=8 p=3 into out; 0 or -1. */
int password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);
/* Constant-time check; a NULL stored hash costs the same time and fails. */
bool password_verify(const char *pw, const char *stored);

/* users.c */
void users_register(struct req *r);
void users_login(struct req *r);
void users_me(struct req *r);
void users_internal_get(struct req *r);   /* GET /internal/auth/users/:id */

/* json.c */
/* Writes the user object (never the hash) from row of res. */
void json_user_put(struct jw *w, const PGresult *res, int row);

/* tokens.c */
/* Creates a refresh token (in a new family when family is NULL) inside the
 * open transaction and writes {accessToken, refreshToken, user} into the
 * response body.  0, or -1 after answering. */
int tokens_issue_pair(struct req *r, const PGresult *user, int row, const char *family);
void tokens_refresh(struct req *r);
void tokens_logout(struct req *r);

/* admin.c */
int admin_cli(int argc, char **argv);

#endif
