/* libFuzzer (or t/fuzz/driver/main.c, `make fuzz-json-diff`, without clang):
 * our parser (json_parse_own) and the json-c path (json_parse_jsonc) on the
 * same bytes.  Aborts when both accept and the trees differ (structure, key
 * order, string bytes, number text), and also when one accepts what the
 * other refuses: the json-c path is meant to accept exactly our documents,
 * so a difference there is a trap its check does not close. */
#include "json.h"
#include <stdio.h>
#include <stdlib.h>

static unsigned long long both_accept, both_refuse;

static void
show(const char *what, const unsigned char *d, size_t n)
{
	fprintf(stderr, "%s (%zu bytes): \"", what, n);
	for (size_t i = 0; i < n && i < 400; i++) {
		if (d[i] >= 0x20 && d[i] < 0x7f && d[i] != '\\')
			fputc(d[i], stderr);
		else
			fprintf(stderr, "\\x%02x", d[i]);
	}
	fprintf(stderr, "%s\"\n", n > 400 ? "..." : "");
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct arena *a = arena_new(64 * 1024);
	char eo[128], ej[128];
	struct jv *o = json_parse_own(a, (const char *)data, size, eo, sizeof eo);
	struct jv *j = json_parse_jsonc(a, (const char *)data, size, ej, sizeof ej);
	if ((o == NULL) != (j == NULL)) {
		show("json_diff: acceptance differs on", data, size);
		fprintf(stderr, "own: %s; json-c path: %s\n", o ? "accepts" : eo,
		    j ? "accepts" : ej);
		abort();
	}
	if (o != NULL && !json_equal(o, j)) {
		show("json_diff: both accept, trees differ on", data, size);
		abort();
	}
	if (o != NULL)
		both_accept++;
	else
		both_refuse++;
	arena_free(a);
	return 0;
}

/* Called by the plain driver at the end (libFuzzer never calls it). */
void
fuzz_report(FILE *f)
{
	fprintf(f, "json_diff: %llu accepted by both (same trees), %llu refused by both\n",
	    both_accept, both_refuse);
}
