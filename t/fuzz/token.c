/* libFuzzer: token_verify on any text.  Without the key nothing may
 * verify; a crash or a leak in libjwt's decoding path is what we look for. */
#include "token.h"
#include <stdlib.h>
#include <string.h>

static const unsigned char key[] = "fuzzing-key-of-at-least-32-bytes-long";

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *tok = malloc(size + 1);
	if (tok == NULL)
		return 0;
	memcpy(tok, data, size);
	tok[size] = '\0';
	struct principal p;
	enum token_err e = token_verify(tok, TOKEN_ACCESS, 1700000000, key, sizeof key - 1, &p);
	if (e == TOKEN_OK && (p.sub[0] == '\0' || p.exp <= 1700000000))
		abort();
	free(tok);
	return 0;
}
