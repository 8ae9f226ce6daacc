#include "token.h"
#include "valid.h"
#include <errno.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>

const char *
role_name(enum role r)
{
	switch (r) {
	case ROLE_CUSTOMER: return "CUSTOMER";
	case ROLE_RESELLER: return "RESELLER";
	case ROLE_ADMIN: return "ADMIN";
	default: return NULL;
	}
}

enum role
role_parse(const char *s)
{
	if (s == NULL) return ROLE_NONE;
	if (strcmp(s, "CUSTOMER") == 0) return ROLE_CUSTOMER;
	if (strcmp(s, "RESELLER") == 0) return ROLE_RESELLER;
	if (strcmp(s, "ADMIN") == 0) return ROLE_ADMIN;
	return ROLE_NONE;
}

char *
token_issue(const struct principal *p, long ttl, time_t now,
    const unsigned char *key, size_t keylen)
{
	jwt_t *j = NULL;
	char *out = NULL;
	if (jwt_new(&j) != 0)
		return NULL;
	int rc = jwt_add_grant(j, "sub", p->sub);
	rc |= jwt_add_grant(j, "typ", p->typ == TOKEN_ACCESS ? "access" : "refresh");
	if (p->typ == TOKEN_ACCESS) {
		rc |= jwt_add_grant(j, "email", p->email);
		rc |= jwt_add_grant(j, "role", role_name(p->role) ? role_name(p->role) : "");
	} else {
		rc |= jwt_add_grant(j, "jti", p->jti);
		rc |= jwt_add_grant(j, "fam", p->fam);
	}
	rc |= jwt_add_grant_int(j, "iat", (long)now);
	rc |= jwt_add_grant_int(j, "exp", (long)now + ttl);
	rc |= jwt_set_alg(j, JWT_ALG_HS256, key, (int)keylen);
	if (rc == 0)
		out = jwt_encode_str(j);
	jwt_free(j);
	return out;
}

static int
copy_claim(jwt_t *j, const char *name, char *dst, size_t n, bool required)
{
	const char *v = jwt_get_grant(j, name);
	if (v == NULL) {
		dst[0] = '\0';
		return required ? -1 : 0;
	}
	size_t len = strlen(v);
	if (len >= n)
		return -1;
	memcpy(dst, v, len + 1);
	return 0;
}

enum token_err
token_verify(const char *tok, enum token_type want, time_t now,
    const unsigned char *key, size_t keylen, struct principal *out)
{
	jwt_t *j = NULL;
	enum token_err err = TOKEN_OK;
	memset(out, 0, sizeof *out);
	if (tok == NULL || tok[0] == '\0' || strlen(tok) > 4096)
		return TOKEN_MALFORMED;
	/* Always pass the key: libjwt then refuses alg "none". */
	if (jwt_decode(&j, tok, key, (int)keylen) != 0 || j == NULL)
		return TOKEN_MALFORMED;
	if (jwt_get_alg(j) != JWT_ALG_HS256) {
		err = TOKEN_BAD_ALG;
		goto out;
	}
	errno = 0;
	long exp = jwt_get_grant_int(j, "exp");
	if (errno != 0) {
		err = TOKEN_NO_EXP;
		goto out;
	}
	if (exp <= (long)now) {
		err = TOKEN_EXPIRED;
		goto out;
	}
	out->exp = exp;
	errno = 0;
	out->iat = jwt_get_grant_int(j, "iat");
	if (errno != 0) out->iat = 0;
	const char *typ = jwt_get_grant(j, "typ");
	if (typ == NULL) {
		err = TOKEN_WRONG_TYPE;
		goto out;
	}
	out->typ = strcmp(typ, "refresh") == 0 ? TOKEN_REFRESH : TOKEN_ACCESS;
	if ((strcmp(typ, "access") != 0 && strcmp(typ, "refresh") != 0) || out->typ != want) {
		err = TOKEN_WRONG_TYPE;
		goto out;
	}
	/* Every service uses sub as a user id (a UUID) in its queries. */
	if (copy_claim(j, "sub", out->sub, sizeof out->sub, true) != 0 || !valid_uuid(out->sub)) {
		err = TOKEN_BAD_CLAIMS;
		goto out;
	}
	if (want == TOKEN_ACCESS) {
		char role[32];
		if (copy_claim(j, "email", out->email, sizeof out->email, false) != 0 ||
		    copy_claim(j, "role", role, sizeof role, true) != 0 ||
		    (out->role = role_parse(role)) == ROLE_NONE) {
			err = TOKEN_BAD_CLAIMS;
			goto out;
		}
	} else if (copy_claim(j, "jti", out->jti, sizeof out->jti, true) != 0 ||
	    copy_claim(j, "fam", out->fam, sizeof out->fam, true) != 0) {
		err = TOKEN_BAD_CLAIMS;
	}
out:
	jwt_free(j);
	return err;
}

const char *
token_strerror(enum token_err e)
{
	switch (e) {
	case TOKEN_OK: return "ok";
	case TOKEN_MALFORMED: return "invalid token";
	case TOKEN_BAD_ALG: return "invalid token algorithm";
	case TOKEN_EXPIRED: return "token expired";
	case TOKEN_NO_EXP: return "token has no expiry";
	case TOKEN_WRONG_TYPE: return "wrong token type";
	case TOKEN_BAD_CLAIMS: return "invalid token claims";
	}
	return "invalid token";
}
