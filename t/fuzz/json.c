/* libFuzzer: the request body parser (common/json.c) on any bytes, and the
 * writer on whatever it accepted (the output must parse back). */
#include "json.h"
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct arena *a = arena_new(4096);
	char err[128];
	struct jv *v = json_parse(a, (const char *)data, size, err, sizeof err);
	if (v != NULL && v->type == JV_STR) {
		struct buf b = { 0 };
		struct jw w;
		jw_init(&w, &b);
		jw_strn(&w, v->s, v->len);
		if (json_parse(a, b.p, b.len, err, sizeof err) == NULL)
			abort();   /* the writer produced something we refuse */
		buf_free(&b);
	}
	arena_free(a);
	return 0;
}
