/* common/token.c: HS256 JWTs with a pinned algorithm, required exp and a
 * token type.  Hostile tokens are built by hand (alg none) or with libjwt
 * directly (HS512, missing claims), signed with the real key so that only
 * the check under test can reject them. */
#include "../lib/t.h"
#include "token.h"
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char KEY[] = "0123456789abcdef0123456789abcdef-unit";
#define KEYLEN (sizeof KEY - 1)
static const unsigned char OTHER[] = "fedcba9876543210fedcba9876543210-unit";
#define NOW ((time_t)1700000000)
#define SUB "6f1c2a8e-7d4b-4c1e-9f0a-1b2c3d4e5f60"

static struct principal
access_principal(void)
{
	struct principal p;
	memset(&p, 0, sizeof p);
	snprintf(p.sub, sizeof p.sub, "6f1c2a8e-7d4b-4c1e-9f0a-1b2c3d4e5f60");
	snprintf(p.email, sizeof p.email, "john@example.com");
	p.role = ROLE_RESELLER;
	p.typ = TOKEN_ACCESS;
	return p;
}

static struct principal
refresh_principal(void)
{
	struct principal p = access_principal();
	p.typ = TOKEN_REFRESH;
	p.role = ROLE_NONE;
	p.email[0] = '\0';
	snprintf(p.jti, sizeof p.jti, "0b7e5a4c-3f2d-4e1a-8b9c-0d1e2f3a4b5c");
	snprintf(p.fam, sizeof p.fam, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
	return p;
}

/* A token with exactly these claims (a JSON object), signed by libjwt. */
static char *
craft(const char *claims, jwt_alg_t alg, const unsigned char *key, size_t keylen)
{
	jwt_t *j = NULL;
	char *out = NULL;
	if (jwt_new(&j) != 0)
		return NULL;
	if (jwt_add_grants_json(j, claims) == 0 &&
	    jwt_set_alg(j, alg, alg == JWT_ALG_NONE ? NULL : key, alg == JWT_ALG_NONE ? 0 : (int)keylen) == 0)
		out = jwt_encode_str(j);
	jwt_free(j);
	return out;
}

static enum token_err
verify(const char *tok, enum token_type want, struct principal *out)
{
	return token_verify(tok, want, NOW, KEY, KEYLEN, out);
}

#define VERIFY_IS(tok, want_type, want_err) do { \
	struct principal o_; \
	const char *k_ = (tok); \
	enum token_err e_ = verify(k_, want_type, &o_); \
	t_check(e_ == (want_err), __FILE__, __LINE__, \
	    "token_verify(%.80s...) = %d (%s), expected %d (%s)", k_ ? k_ : "(null)", \
	    (int)e_, token_strerror(e_), (int)(want_err), token_strerror(want_err)); \
} while (0)

static void
token_access_round_trip(void)
{
	struct principal p = access_principal(), o;
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(verify(tok, TOKEN_ACCESS, &o), TOKEN_OK);
	T_EQ_STR(o.sub, p.sub);
	T_EQ_STR(o.email, p.email);
	T_EQ_INT(o.role, ROLE_RESELLER);
	T_EQ_INT(o.typ, TOKEN_ACCESS);
	T_EQ_INT(o.iat, NOW);
	T_EQ_INT(o.exp, NOW + 900);
	/* Three dot-separated base64url segments. */
	int dots = 0;
	for (const char *c = tok; *c; c++) {
		if (*c == '.') dots++;
		else T_ASSERT((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_');
	}
	T_EQ_INT(dots, 2);
	free(tok);
}

static void
token_access_every_role(void)
{
	const enum role roles[] = { ROLE_CUSTOMER, ROLE_RESELLER, ROLE_ADMIN };
	for (size_t i = 0; i < 3; i++) {
		struct principal p = access_principal(), o;
		p.role = roles[i];
		char *tok = token_issue(&p, 60, NOW, KEY, KEYLEN);
		T_REQUIRE(tok != NULL);
		T_EQ_INT(verify(tok, TOKEN_ACCESS, &o), TOKEN_OK);
		T_EQ_INT(o.role, roles[i]);
		free(tok);
	}
}

static void
token_refresh_round_trip(void)
{
	struct principal p = refresh_principal(), o;
	char *tok = token_issue(&p, 7 * 86400, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(verify(tok, TOKEN_REFRESH, &o), TOKEN_OK);
	T_EQ_STR(o.sub, p.sub);
	T_EQ_STR(o.jti, p.jti);
	T_EQ_STR(o.fam, p.fam);
	T_EQ_INT(o.typ, TOKEN_REFRESH);
	T_EQ_INT(o.exp, NOW + 7 * 86400);
	free(tok);
}

static void
token_issue_differs_per_principal(void)
{
	struct principal a = refresh_principal(), b = refresh_principal();
	b.jti[0] = 'f';
	char *ta = token_issue(&a, 60, NOW, KEY, KEYLEN);
	char *tb = token_issue(&b, 60, NOW, KEY, KEYLEN);
	T_REQUIRE(ta != NULL && tb != NULL);
	T_ASSERT(strcmp(ta, tb) != 0);
	free(ta);
	free(tb);
}

static void
token_verify_valid_until_exp(void)
{
	struct principal p = access_principal(), o;
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(token_verify(tok, TOKEN_ACCESS, NOW + 899, KEY, KEYLEN, &o), TOKEN_OK);
	free(tok);
}

static void
token_verify_bad_expired(void)
{
	struct principal p = access_principal(), o;
	char *tok = token_issue(&p, 900, NOW - 1000, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(verify(tok, TOKEN_ACCESS, &o), TOKEN_EXPIRED);
	/* exp itself is already too late. */
	T_EQ_INT(token_verify(tok, TOKEN_ACCESS, NOW - 100, KEY, KEYLEN, &o), TOKEN_EXPIRED);
	free(tok);
	struct principal r = refresh_principal();
	tok = token_issue(&r, 60, NOW - 61, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(verify(tok, TOKEN_REFRESH, &o), TOKEN_EXPIRED);
	free(tok);
}

static void
token_verify_bad_wrong_secret(void)
{
	struct principal p = access_principal(), o;
	char *tok = token_issue(&p, 900, NOW, OTHER, sizeof OTHER - 1);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(verify(tok, TOKEN_ACCESS, &o), TOKEN_MALFORMED);
	free(tok);
}

static void
token_verify_bad_key_prefix(void)
{
	/* The key length is honoured: a prefix of the key is another key. */
	struct principal p = access_principal(), o;
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	T_EQ_INT(token_verify(tok, TOKEN_ACCESS, NOW, KEY, KEYLEN - 1, &o), TOKEN_MALFORMED);
	free(tok);
}

static void
token_verify_bad_alg_none(void)
{
	const char *headers[] = {
		"{\"alg\":\"none\",\"typ\":\"JWT\"}",
		"{\"alg\":\"None\",\"typ\":\"JWT\"}",
		"{\"alg\":\"NONE\"}",
		"{\"typ\":\"JWT\"}",
	};
	char payload[512];
	snprintf(payload, sizeof payload,
	    "{\"sub\":\"6f1c2a8e-7d4b-4c1e-9f0a-1b2c3d4e5f60\",\"email\":\"a@b.com\","
	    "\"role\":\"ADMIN\",\"typ\":\"access\",\"iat\":%ld,\"exp\":%ld}",
	    (long)NOW, (long)NOW + 900);
	for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
		char h[128], b[1024], tok[1200];
		t_b64url(headers[i], strlen(headers[i]), h);
		t_b64url(payload, strlen(payload), b);
		snprintf(tok, sizeof tok, "%s.%s.", h, b);
		struct principal o;
		enum token_err e = verify(tok, TOKEN_ACCESS, &o);
		t_check(e != TOKEN_OK, __FILE__, __LINE__, "header %s accepted", headers[i]);
		T_EQ_INT(o.role, ROLE_NONE);
		/* The same with any signature bytes. */
		snprintf(tok, sizeof tok, "%s.%s.AAAA", h, b);
		e = verify(tok, TOKEN_ACCESS, &o);
		t_check(e != TOKEN_OK, __FILE__, __LINE__, "header %s with junk signature accepted",
		    headers[i]);
	}
	/* And one built by libjwt itself. */
	char *tok = craft(payload, JWT_ALG_NONE, NULL, 0);
	T_REQUIRE(tok != NULL);
	struct principal o;
	T_ASSERT(verify(tok, TOKEN_ACCESS, &o) != TOKEN_OK);
	free(tok);
}

static void
token_verify_bad_alg_hs512(void)
{
	char claims[512];
	snprintf(claims, sizeof claims,
	    "{\"sub\":\"" SUB "\",\"email\":\"a@b.com\",\"role\":\"ADMIN\",\"typ\":\"access\","
	    "\"iat\":%ld,\"exp\":%ld}", (long)NOW, (long)NOW + 900);
	char *tok = craft(claims, JWT_ALG_HS512, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_BAD_ALG);
	free(tok);
	tok = craft(claims, JWT_ALG_HS384, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_BAD_ALG);
	free(tok);
}

static void
token_verify_hs256_crafted_ok(void)
{
	/* Control for the crafted cases: the same claims under HS256 pass. */
	char claims[512];
	snprintf(claims, sizeof claims,
	    "{\"sub\":\"" SUB "\",\"email\":\"a@b.com\",\"role\":\"ADMIN\",\"typ\":\"access\","
	    "\"iat\":%ld,\"exp\":%ld}", (long)NOW, (long)NOW + 900);
	char *tok = craft(claims, JWT_ALG_HS256, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_OK);
	free(tok);
}

static void
token_verify_bad_tampered(void)
{
	struct principal p = access_principal();
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	char *d1 = strchr(tok, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	T_REQUIRE(d1 != NULL && d2 != NULL);
	/* One changed character in the payload, the header and the signature. */
	size_t at[] = { (size_t)(d1 - tok) + (size_t)(d2 - d1) / 2, 3,
	    (size_t)(d2 - tok) + 5 };
	for (size_t i = 0; i < 3; i++) {
		char *t = strdup(tok);
		t[at[i]] = t[at[i]] == 'A' ? 'B' : 'A';
		VERIFY_IS(t, TOKEN_ACCESS, TOKEN_MALFORMED);
		free(t);
	}
	/* A payload from another token under this token's signature. */
	struct principal admin = access_principal();
	admin.role = ROLE_ADMIN;
	char *tok2 = token_issue(&admin, 900, NOW, OTHER, sizeof OTHER - 1);
	T_REQUIRE(tok2 != NULL);
	char *e1 = strchr(tok2, '.'), *e2 = strchr(e1 + 1, '.');
	char spliced[2048];
	snprintf(spliced, sizeof spliced, "%.*s%.*s%s", (int)(d1 - tok), tok,
	    (int)(e2 - e1), e1, d2);
	VERIFY_IS(spliced, TOKEN_ACCESS, TOKEN_MALFORMED);
	/* Signature stripped. */
	char stripped[2048];
	snprintf(stripped, sizeof stripped, "%.*s", (int)(d2 - tok) + 1, tok);
	VERIFY_IS(stripped, TOKEN_ACCESS, TOKEN_MALFORMED);
	free(tok2);
	free(tok);
}

static void
token_verify_bad_no_exp(void)
{
	char *tok = craft("{\"sub\":\"" SUB "\",\"email\":\"a@b.com\",\"role\":\"CUSTOMER\","
	    "\"typ\":\"access\",\"iat\":1700000000}", JWT_ALG_HS256, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_NO_EXP);
	free(tok);
}

static void
token_verify_bad_exp_not_integer(void)
{
	const char *claims[] = {
		"{\"sub\":\"" SUB "\",\"role\":\"CUSTOMER\",\"typ\":\"access\",\"exp\":\"9999999999\"}",
		"{\"sub\":\"" SUB "\",\"role\":\"CUSTOMER\",\"typ\":\"access\",\"exp\":null}",
		"{\"sub\":\"" SUB "\",\"role\":\"CUSTOMER\",\"typ\":\"access\",\"exp\":true}",
	};
	for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
		char *tok = craft(claims[i], JWT_ALG_HS256, KEY, KEYLEN);
		if (tok == NULL)
			continue;     /* libjwt refused to build it: fine */
		struct principal o;
		enum token_err e = verify(tok, TOKEN_ACCESS, &o);
		t_check(e != TOKEN_OK, __FILE__, __LINE__, "claims %s accepted", claims[i]);
		free(tok);
	}
}

static void
token_verify_bad_refresh_as_access(void)
{
	struct principal p = refresh_principal();
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_WRONG_TYPE);
	free(tok);
}

static void
token_verify_bad_access_as_refresh(void)
{
	struct principal p = access_principal();
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_REFRESH, TOKEN_WRONG_TYPE);
	free(tok);
}

static void
token_verify_bad_type_claim(void)
{
	char c[512];
	const char *typs[] = { "", ",\"typ\":\"id\"", ",\"typ\":\"ACCESS\"", ",\"typ\":1" };
	for (size_t i = 0; i < sizeof typs / sizeof typs[0]; i++) {
		snprintf(c, sizeof c, "{\"sub\":\"" SUB "\",\"email\":\"a@b.com\",\"role\":\"ADMIN\","
		    "\"exp\":%ld%s}", (long)NOW + 900, typs[i]);
		char *tok = craft(c, JWT_ALG_HS256, KEY, KEYLEN);
		T_REQUIRE(tok != NULL);
		struct principal o;
		enum token_err e = verify(tok, TOKEN_ACCESS, &o);
		t_check(e == TOKEN_WRONG_TYPE, __FILE__, __LINE__, "claims %s: %d (%s)", c,
		    (int)e, token_strerror(e));
		free(tok);
	}
}

static void
token_verify_bad_role(void)
{
	char c[512];
	const char *roles[] = { "", ",\"role\":\"\"", ",\"role\":\"SUPERUSER\"",
	    ",\"role\":\"admin\"", ",\"role\":\"ADMIN \"", ",\"role\":7" };
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		snprintf(c, sizeof c, "{\"sub\":\"" SUB "\",\"email\":\"a@b.com\",\"typ\":\"access\","
		    "\"exp\":%ld%s}", (long)NOW + 900, roles[i]);
		char *tok = craft(c, JWT_ALG_HS256, KEY, KEYLEN);
		T_REQUIRE(tok != NULL);
		struct principal o;
		enum token_err e = verify(tok, TOKEN_ACCESS, &o);
		t_check(e == TOKEN_BAD_CLAIMS, __FILE__, __LINE__, "claims %s: %d (%s)", c,
		    (int)e, token_strerror(e));
		free(tok);
	}
	/* token_issue with no role writes an empty one: not verifiable. */
	struct principal p = access_principal();
	p.role = ROLE_NONE;
	char *tok = token_issue(&p, 900, NOW, KEY, KEYLEN);
	if (tok != NULL) {
		VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_BAD_CLAIMS);
		free(tok);
	}
}

static void
token_verify_bad_missing_sub(void)
{
	char c[512];
	snprintf(c, sizeof c, "{\"email\":\"a@b.com\",\"role\":\"ADMIN\",\"typ\":\"access\","
	    "\"exp\":%ld}", (long)NOW + 900);
	char *tok = craft(c, JWT_ALG_HS256, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_BAD_CLAIMS);
	free(tok);
	/* A sub too long for struct principal is refused, not truncated. */
	char longsub[100];
	memset(longsub, 'x', sizeof longsub - 1);
	longsub[sizeof longsub - 1] = '\0';
	snprintf(c, sizeof c, "{\"sub\":\"%s\",\"role\":\"ADMIN\",\"typ\":\"access\","
	    "\"exp\":%ld}", longsub, (long)NOW + 900);
	tok = craft(c, JWT_ALG_HS256, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_ACCESS, TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
token_verify_bad_refresh_missing_jti_or_fam(void)
{
	char c[512];
	snprintf(c, sizeof c, "{\"sub\":\"" SUB "\",\"typ\":\"refresh\",\"fam\":\"f1\",\"exp\":%ld}",
	    (long)NOW + 900);
	char *tok = craft(c, JWT_ALG_HS256, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_REFRESH, TOKEN_BAD_CLAIMS);
	free(tok);
	snprintf(c, sizeof c, "{\"sub\":\"" SUB "\",\"typ\":\"refresh\",\"jti\":\"j1\",\"exp\":%ld}",
	    (long)NOW + 900);
	tok = craft(c, JWT_ALG_HS256, KEY, KEYLEN);
	T_REQUIRE(tok != NULL);
	VERIFY_IS(tok, TOKEN_REFRESH, TOKEN_BAD_CLAIMS);
	free(tok);
}

static void
token_verify_bad_garbage(void)
{
	VERIFY_IS(NULL, TOKEN_ACCESS, TOKEN_MALFORMED);
	VERIFY_IS("", TOKEN_ACCESS, TOKEN_MALFORMED);
	VERIFY_IS("abc", TOKEN_ACCESS, TOKEN_MALFORMED);
	VERIFY_IS("a.b.c", TOKEN_ACCESS, TOKEN_MALFORMED);
	VERIFY_IS("..", TOKEN_ACCESS, TOKEN_MALFORMED);
	VERIFY_IS("Bearer x.y.z", TOKEN_ACCESS, TOKEN_MALFORMED);
	VERIFY_IS("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln", TOKEN_ACCESS, TOKEN_MALFORMED);
	char *huge = malloc(5001);
	T_REQUIRE(huge != NULL);
	memset(huge, 'A', 5000);
	huge[100] = '.';
	huge[200] = '.';
	huge[5000] = '\0';
	VERIFY_IS(huge, TOKEN_ACCESS, TOKEN_MALFORMED);
	free(huge);
}

static void
token_verify_clears_principal_on_error(void)
{
	struct principal p = access_principal(), o;
	char *tok = token_issue(&p, 900, NOW, OTHER, sizeof OTHER - 1);
	T_REQUIRE(tok != NULL);
	memset(&o, 'x', sizeof o);
	T_ASSERT(verify(tok, TOKEN_ACCESS, &o) != TOKEN_OK);
	T_EQ_INT(o.role, ROLE_NONE);
	T_EQ_STR(o.sub, "");
	free(tok);
}

static void
role_parse_and_name(void)
{
	T_EQ_INT(role_parse("ADMIN"), ROLE_ADMIN);
	T_EQ_INT(role_parse("CUSTOMER"), ROLE_CUSTOMER);
	T_EQ_INT(role_parse("RESELLER"), ROLE_RESELLER);
	T_EQ_INT(role_parse("admin"), ROLE_NONE);
	T_EQ_INT(role_parse(""), ROLE_NONE);
	T_EQ_INT(role_parse(NULL), ROLE_NONE);
	T_EQ_STR(role_name(ROLE_ADMIN), "ADMIN");
	T_EQ_STR(role_name(ROLE_CUSTOMER), "CUSTOMER");
	T_EQ_STR(role_name(ROLE_RESELLER), "RESELLER");
	T_EQ_STR(role_name(ROLE_NONE), NULL);
	T_EQ_STR(role_name(ROLE_ANY), NULL);
}

static void
token_strerror_messages(void)
{
	for (int e = TOKEN_OK; e <= TOKEN_BAD_CLAIMS; e++) {
		const char *m = token_strerror((enum token_err)e);
		T_ASSERT(m != NULL && m[0] != '\0' && !(m[0] >= 'A' && m[0] <= 'Z'));
	}
}

static const struct t_case cases[] = {
	T_CASE(token_access_round_trip),
	T_CASE(token_access_every_role),
	T_CASE(token_refresh_round_trip),
	T_CASE(token_issue_differs_per_principal),
	T_CASE(token_verify_valid_until_exp),
	T_CASE(token_verify_hs256_crafted_ok),
	T_CASE(token_verify_bad_expired),
	T_CASE(token_verify_bad_wrong_secret),
	T_CASE(token_verify_bad_key_prefix),
	T_CASE(token_verify_bad_alg_none),
	T_CASE(token_verify_bad_alg_hs512),
	T_CASE(token_verify_bad_tampered),
	T_CASE(token_verify_bad_no_exp),
	T_CASE(token_verify_bad_exp_not_integer),
	T_CASE(token_verify_bad_refresh_as_access),
	T_CASE(token_verify_bad_access_as_refresh),
	T_CASE(token_verify_bad_type_claim),
	T_CASE(token_verify_bad_role),
	T_CASE(token_verify_bad_missing_sub),
	T_CASE(token_verify_bad_refresh_missing_jti_or_fam),
	T_CASE(token_verify_bad_garbage),
	T_CASE(token_verify_clears_principal_on_error),
	T_CASE(role_parse_and_name),
	T_CASE(token_strerror_messages),
};

int
main(void)
{
	return t_run("token", cases, T_NCASES(cases), NULL, NULL);
}
