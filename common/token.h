/* JWTs (HS256 only, exp required) over libjwt 1.10, which checks neither
 * the algorithm nor exp itself: token_verify does both.
 *
 * Access token claims:  sub, email, role, typ="access", iat, exp.
 * Refresh token claims: sub, typ="refresh", jti, fam, iat, exp. */
#ifndef TOKEN_H
#define TOKEN_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum role {
	ROLE_NONE = 0,
	ROLE_CUSTOMER = 1 << 0,
	ROLE_RESELLER = 1 << 1,
	ROLE_ADMIN = 1 << 2,
};
#define ROLE_ANY (ROLE_CUSTOMER | ROLE_RESELLER | ROLE_ADMIN)

const char *role_name(enum role r);     /* "ADMIN", ... or NULL */
enum role role_parse(const char *s);    /* ROLE_NONE when unknown */

enum token_type { TOKEN_ACCESS, TOKEN_REFRESH };

struct principal {
	char sub[64];
	char email[256];
	enum role role;
	enum token_type typ;
	char jti[64];
	char fam[64];
	long iat, exp;
};

enum token_err {
	TOKEN_OK,
	TOKEN_MALFORMED,   /* not a JWT, bad signature, wrong key */
	TOKEN_BAD_ALG,     /* anything but HS256 */
	TOKEN_EXPIRED,
	TOKEN_NO_EXP,
	TOKEN_WRONG_TYPE,  /* a refresh token used as an access token, ... */
	TOKEN_BAD_CLAIMS
};

/* Signs with key (len bytes).  Returns a malloc'd token the caller frees,
 * or NULL. */
char *token_issue(const struct principal *p, long ttl, time_t now,
    const unsigned char *key, size_t keylen);
/* Verifies signature, alg, exp (against now), typ; fills *out. */
enum token_err token_verify(const char *tok, enum token_type want, time_t now,
    const unsigned char *key, size_t keylen, struct principal *out);
const char *token_strerror(enum token_err e);

#endif
