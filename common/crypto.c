#include "crypto.h"
#include "arena.h"
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
crypto_random(void *buf, size_t n)
{
	if (RAND_bytes(buf, (int)n) != 1) {
		static const char msg[] = "fatal: RAND_bytes failed\n";
		ssize_t w = write(2, msg, sizeof msg - 1);
		(void)w;
		_exit(70);
	}
}

void
crypto_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void
crypto_uuid4(char out[37])
{
	unsigned char b[16];
	crypto_random(b, sizeof b);
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	char h[33];
	crypto_hex(b, 16, h);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void
crypto_token(char *out, size_t n)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char b[64];
	for (size_t i = 0; i < n; i++) {
		if (i % sizeof b == 0)
			crypto_random(b, sizeof b);
		out[i] = alpha[b[i % sizeof b] & 63];
	}
	out[n] = '\0';
}

void
crypto_sha256_hex(const void *data, size_t n, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, n, md);
	crypto_hex(md, sizeof md, out);
}

void
crypto_sha256_b64(const void *data, size_t n, char out[45])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, n, md);
	EVP_EncodeBlock((unsigned char *)out, md, (int)sizeof md);
}

void
crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t n,
    char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (HMAC(EVP_sha256(), key, (int)keylen, data, n, md, &mdlen) == NULL)
		die_oom();
	crypto_hex(md, mdlen, out);
}

bool
crypto_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return false;
	return CRYPTO_memcmp(a, b, la) == 0;
}
