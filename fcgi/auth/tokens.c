/* Token pairs: POST /auth/refresh, POST /auth/logout.
 * Refresh tokens are stored as SHA-256 hashes, rotate on every use, and a
 * rotated token presented again revokes its whole family. */
#include "auth.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "valid.h"
#include <stdlib.h>
#include <string.h>

enum { T_REFRESH, T__MAX };
static const struct field refresh_fields[T__MAX] = {
	[T_REFRESH] = { "refreshToken", F_STRING, F_REQUIRED, 1, 4096, NULL },
};

static void
free_token(void *p)
{
	free(p);
}

int
tokens_issue_pair(struct req *r, const PGresult *user, int row, const char *family)
{
	struct principal p;
	memset(&p, 0, sizeof p);
	snprintf(p.sub, sizeof p.sub, "%s", db_get(user, row, "id"));
	snprintf(p.email, sizeof p.email, "%s", db_get(user, row, "email"));
	p.role = role_parse(db_get(user, row, "role"));
	crypto_uuid4(p.jti);
	if (family == NULL) {
		crypto_uuid4(p.fam);
		PGresult *res = db_exec_or_reply(r, S(S_FAMILY_INSERT),
		    (const char *[]){ p.fam, p.sub });
		if (res == NULL)
			return -1;
	} else {
		snprintf(p.fam, sizeof p.fam, "%s", family);
	}
	const unsigned char *key = (const unsigned char *)cfg.jwt_secret;
	p.typ = TOKEN_REFRESH;
	char *refresh = token_issue(&p, cfg.refresh_ttl, r->now, key, cfg.jwt_secret_len);
	p.typ = TOKEN_ACCESS;
	char *access = token_issue(&p, cfg.access_ttl, r->now, key, cfg.jwt_secret_len);
	arena_defer(r->a, free_token, refresh);
	arena_defer(r->a, free_token, access);
	if (refresh == NULL || access == NULL) {
		log_err("could not sign tokens");
		reply_error(r, 500, "internal server error");
		return -1;
	}
	char hash[65];
	crypto_sha256_hex(refresh, strlen(refresh), hash);
	const char *params[] = { p.jti, p.fam, hash,
	    db_int(r, (long long)r->now + cfg.refresh_ttl) };
	if (db_exec_or_reply(r, S(S_TOKEN_INSERT), params) == NULL)
		return -1;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "accessToken", access);
	jw_kstr(&w, "refreshToken", refresh);
	jw_kint(&w, "expiresIn", cfg.access_ttl);
	jw_key(&w, "user");
	json_user_put(&w, user, row);
	jw_obj_close(&w);
	return 0;
}

/* Parses the body and verifies the refresh token's signature and expiry.
 * Returns the token's hash (arena-owned), or NULL after answering. */
static const char *
refresh_token_or_reply(struct req *r)
{
	struct fval f[T__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, refresh_fields, T__MAX, f, NULL) != 0)
		return NULL;
	struct principal p;
	enum token_err e = token_verify(f[T_REFRESH].s, TOKEN_REFRESH, r->now,
	    (const unsigned char *)cfg.jwt_secret, cfg.jwt_secret_len, &p);
	if (e != TOKEN_OK) {
		reply_error(r, 401, "invalid refresh token");
		return NULL;
	}
	char *hash = arena_alloc(r->a, 65);
	crypto_sha256_hex(f[T_REFRESH].s, strlen(f[T_REFRESH].s), hash);
	return hash;
}

void
tokens_refresh(struct req *r)
{
	const char *hash = refresh_token_or_reply(r);
	if (hash == NULL || db_begin(r) != 0)
		return;
	PGresult *user = db_exec_or_reply(r, S(S_TOKEN_ROTATE), (const char *[]){ hash });
	if (user == NULL)
		return;
	if (PQntuples(user) == 1) {
		if (tokens_issue_pair(r, user, 0, db_get(user, 0, "family_id")) != 0 ||
		    db_commit(r) != 0)
			return;
		reply_w(r, 200);
		return;
	}
	/* Used before, expired, or its family revoked: if we know the token,
	 * its family is compromised or over; end it. */
	PGresult *fam = db_exec_or_reply(r, S(S_FAMILY_REVOKE_BY_TOKEN), (const char *[]){ hash });
	if (fam == NULL || db_commit(r) != 0)
		return;
	if (PQntuples(fam) == 1)
		log_warn("refresh token reuse: family %s revoked", db_get(fam, 0, "id"));
	reply_error(r, 401, "refresh token is no longer valid");
}

void
tokens_logout(struct req *r)
{
	const char *hash = refresh_token_or_reply(r);
	if (hash == NULL)
		return;
	PGresult *fam = db_exec_or_reply(r, S(S_FAMILY_REVOKE_BY_TOKEN), (const char *[]){ hash });
	if (fam == NULL)
		return;
	if (PQntuples(fam) != 1) {
		reply_error(r, 401, "invalid refresh token");
		return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "message", "logged out");
	jw_obj_close(&w);
	reply_w(r, 200);
}
