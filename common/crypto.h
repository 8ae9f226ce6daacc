/* Small cryptographic helpers over OpenSSL. */
#ifndef CRYPTO_H
#define CRYPTO_H
#include <stdbool.h>
#include <stddef.h>

/* Fills buf from the CSPRNG; a failure is fatal (the worker exits). */
void crypto_random(void *buf, size_t n);
/* Random RFC 4122 version-4 UUID, lower case, into out[37]. */
void crypto_uuid4(char out[37]);
/* Random URL-safe text of n characters (base64url alphabet) into out[n+1]. */
void crypto_token(char *out, size_t n);
/* Hex SHA-256 of data into out[65]. */
void crypto_sha256_hex(const void *data, size_t n, char out[65]);
/* Base64 (standard alphabet, padded) SHA-256 of data into out[45]: a
 * Content-Security-Policy hash source is 'sha256-' and this. */
void crypto_sha256_b64(const void *data, size_t n, char out[45]);
/* Hex HMAC-SHA256 into out[65]. */
void crypto_hmac_sha256_hex(const void *key, size_t keylen, const void *data,
    size_t n, char out[65]);
/* Constant-time equality of two strings of possibly different length. */
bool crypto_streq(const char *a, const char *b);
void crypto_hex(const unsigned char *in, size_t n, char *out);

#endif
