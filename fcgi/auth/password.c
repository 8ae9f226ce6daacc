/* Password hashes: "$scrypt$ln=15,r=8,p=3$<salt hex>$<key hex>".
 * The parameters are stored with the hash so they can be raised later. */
#include "auth.h"
#include "crypto.h"
#include "log.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define SCRYPT_LN 15
#define SCRYPT_R 8
#define SCRYPT_P 3
#define SALT_LEN 16
#define KEY_LEN 32

/* Verified against when the email is unknown, so that both paths cost one
 * scrypt run.  Its password is random and unknown. */
static const char dummy_hash[] =
    "$scrypt$ln=15,r=8,p=3$6b1f0c2d9e8a7b6c5d4e3f2a1b0c9d8e$"
    "0000000000000000000000000000000000000000000000000000000000000000";

static int
derive(const char *pw, const unsigned char *salt, size_t saltlen, int ln, int r,
    int p, unsigned char *key, size_t keylen)
{
	uint64_t n = (uint64_t)1 << ln;
	/* scrypt needs 128*r*N bytes (+ 128*r*p): pass maxmem explicitly,
	 * OpenSSL's default cap is 32 MB. */
	uint64_t maxmem = 128 * (uint64_t)r * (n + (uint64_t)p + 2) + (1u << 20);
	if (EVP_PBE_scrypt(pw, strlen(pw), salt, saltlen, n, (uint64_t)r, (uint64_t)p,
	    maxmem, key, keylen) != 1) {
		log_err("scrypt failed");
		return -1;
	}
	return 0;
}

int
password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char salthex[2 * SALT_LEN + 1], keyhex[2 * KEY_LEN + 1];
	crypto_random(salt, sizeof salt);
	if (derive(pw, salt, sizeof salt, SCRYPT_LN, SCRYPT_R, SCRYPT_P, key, sizeof key) != 0)
		return -1;
	crypto_hex(salt, sizeof salt, salthex);
	crypto_hex(key, sizeof key, keyhex);
	snprintf(out, PASSWORD_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", SCRYPT_LN,
	    SCRYPT_R, SCRYPT_P, salthex, keyhex);
	OPENSSL_cleanse(key, sizeof key);
	return 0;
}

static int
unhex(const char *s, size_t n, unsigned char *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		for (int k = 0; k < 2; k++) {
			char c = s[2 * i + (size_t)k];
			v <<= 4;
			if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
			else return -1;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

bool
password_verify(const char *pw, const char *stored)
{
	bool real = stored != NULL;
	if (!real)
		stored = dummy_hash;
	int ln, r, p, off = 0;
	if (sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%n", &ln, &r, &p, &off) != 3 || off == 0 ||
	    ln < 10 || ln > 20 || r < 1 || r > 32 || p < 1 || p > 16)
		return false;
	const char *salthex = stored + off;
	const char *dollar = strchr(salthex, '$');
	if (dollar == NULL)
		return false;
	size_t sl = (size_t)(dollar - salthex), kl = strlen(dollar + 1);
	unsigned char salt[64], want[64], got[64];
	if (sl % 2 || kl % 2 || sl / 2 > sizeof salt || kl / 2 > sizeof want || kl == 0 ||
	    unhex(salthex, sl / 2, salt) || unhex(dollar + 1, kl / 2, want))
		return false;
	if (derive(pw, salt, sl / 2, ln, r, p, got, kl / 2) != 0)
		return false;
	bool ok = CRYPTO_memcmp(got, want, kl / 2) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return ok && real;
}
