#include "product.h"
#include <ctype.h>
#include <string.h>

#define SLUG_MAX 80

char *
slug_from(struct arena *a, const char *name)
{
	char *out = arena_alloc(a, SLUG_MAX + 1);
	size_t n = 0;
	bool dash = false;
	for (const unsigned char *p = (const unsigned char *)name; *p && n < SLUG_MAX; p++) {
		if (isalnum(*p) && *p < 0x80) {
			if (dash && n > 0 && n < SLUG_MAX - 1)
				out[n++] = '-';
			dash = false;
			out[n++] = (char)tolower(*p);
		} else {
			dash = true;
		}
	}
	out[n] = '\0';
	return out;
}

char *
slug_with_suffix(struct arena *a, const char *base, const char *suffix)
{
	/* The result must stay a valid slug of at most SLUG_MAX characters. */
	size_t keep = strlen(base), room = SLUG_MAX - 1 - strlen(suffix);
	if (keep > room)
		keep = room;
	while (keep > 0 && base[keep - 1] == '-')
		keep--;
	return arena_printf(a, "%.*s-%s", (int)keep, base, suffix);
}

bool
slug_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > SLUG_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && s[i + 1] == '-')
			return false;
	}
	return true;
}

void
reply_doc(struct req *r, const PGresult *res, int status, const char *msg)
{
	const char *doc = PQntuples(res) > 0 ? db_get(res, 0, "doc") : NULL;
	if (doc == NULL) {
		reply_error(r, 404, "%s", msg);
		return;
	}
	buf_reset(&r->out);
	buf_adds(&r->out, doc);
	reply_w(r, status);
}
