/* A plain driver for the libFuzzer harnesses of t/fuzz/ where clang is not
 * at hand (`make fuzz-json-diff`, `make fuzz-plain FUZZER=<name>`): it runs
 * every corpus file once, then inputs made from a fixed seed: JSON documents
 * from a small generator and mutations of the corpus and of those documents
 * (bit flips, JSON-ish bytes and tokens inserted, ranges deleted, copied or
 * spliced).  Same seed, same inputs: a finding is reproduced by running it
 * again, and the input that made the harness crash is written to
 * $FUZZ_CRASH (default crash-plain) before the signal goes on.
 *
 *	driver [-runs=N] [-seconds=S] [-seed=N] [-max_len=N] corpus...
 *
 * It stops after N runs or S seconds, whichever comes first (0: no bound;
 * both 0 means 100000 runs). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
void fuzz_report(FILE *f) __attribute__((weak));

struct input {
	unsigned char *p;
	size_t n;
};

static struct input *pool;
static size_t npool, capool, ncorpus;
static uint64_t rng;
static size_t max_len = 8192;
static const unsigned char *cur;
static size_t curn;
static const char *crash_path = "crash-plain";

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

static void
on_crash(int sig)
{
	int fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, cur, curn);
		(void)w;
		close(fd);
	}
	static const char msg[] = "fuzz driver: input written to $FUZZ_CRASH\n";
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
pool_add(const unsigned char *p, size_t n)
{
	if (npool == capool) {
		capool = capool ? capool * 2 : 64;
		pool = realloc(pool, capool * sizeof *pool);
		if (pool == NULL)
			abort();
	}
	unsigned char *c = malloc(n ? n : 1);
	if (c == NULL)
		abort();
	memcpy(c, p, n);
	pool[npool++] = (struct input){ c, n };
}

static void
load_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return;
	unsigned char *b = malloc(max_len);
	if (b == NULL)
		abort();
	size_t n = fread(b, 1, max_len, f);
	fclose(f);
	pool_add(b, n);
	free(b);
}

static void
load(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	DIR *d = opendir(path);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, e->d_name);
		load(p);
	}
	closedir(d);
}

/* ---- a generator of (mostly) valid JSON ---- */

struct out {
	unsigned char *p;
	size_t n, cap;
};

static void
put(struct out *o, const void *s, size_t n)
{
	if (o->n + n > o->cap)
		n = o->cap - o->n;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

static void
ws(struct out *o)
{
	static const char *const w[] = { "", "", "", " ", "\n", "\t", "\r\n  " };
	puts_(o, w[below(7)]);
}

static void
gen_string(struct out *o)
{
	static const char *const parts[] = { "a", "productId", "items", "sellerPrice",
	    "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u00e9", "\\u20AC",
	    "\\ud83d\\ude00", "\\uFFFD", "\\u0041", "\xc3\xa9", "\xe6\x9d\x8e",
	    "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", " ", "'", "0", "-", ":", ",", "{", "]" };
	puts_(o, "\"");
	for (size_t i = below(6); i > 0; i--)
		puts_(o, parts[below(sizeof parts / sizeof parts[0])]);
	puts_(o, "\"");
}

static void
gen_number(struct out *o)
{
	char b[96];
	size_t k = 0;
	if (below(3) == 0)
		b[k++] = '-';
	size_t nd = below(5) == 0 ? 1 + below(70) : 1 + below(6);
	b[k++] = nd == 1 || below(8) == 0 ? (char)('0' + below(10)) : (char)('1' + below(9));
	if (b[k - 1] != '0')
		for (size_t i = 1; i < nd && k < 80; i++)
			b[k++] = (char)('0' + below(10));
	if (below(2) == 0) {
		b[k++] = '.';
		for (size_t i = 1 + below(3); i > 0 && k < 88; i--)
			b[k++] = (char)('0' + below(10));
	}
	if (below(4) == 0 && k < 90) {
		b[k++] = below(2) ? 'e' : 'E';
		if (below(2))
			b[k++] = below(2) ? '+' : '-';
		b[k++] = (char)('0' + below(10));
		if (below(2))
			b[k++] = (char)('0' + below(10));
	}
	put(o, b, k);
}

static void
gen_value(struct out *o, int depth)
{
	static const char *const keys[] = { "\"a\"", "\"b\"", "\"items\"", "\"quantity\"",
	    "\"\"", "\"\\u0061\"", "\"k\\n\"", "\"\xc3\xa9\"" };
	size_t kind = depth > 36 ? 3 + below(5) : below(depth < 3 ? 4 : 9);
	ws(o);
	switch (kind) {
	case 0: case 1: {
		puts_(o, "{");
		size_t n = below(5);
		for (size_t i = 0; i < n; i++) {
			if (i)
				puts_(o, ",");
			ws(o);
			if (below(2))
				puts_(o, keys[below(sizeof keys / sizeof keys[0])]);
			else
				gen_string(o);
			ws(o);
			puts_(o, ":");
			gen_value(o, depth + 1);
		}
		ws(o);
		puts_(o, "}");
		break;
	}
	case 2: {
		puts_(o, "[");
		size_t n = below(5);
		for (size_t i = 0; i < n; i++) {
			if (i)
				puts_(o, ",");
			gen_value(o, depth + 1);
		}
		puts_(o, "]");
		break;
	}
	case 3: case 4: gen_string(o); break;
	case 5: case 6: gen_number(o); break;
	default: {
		static const char *const lit[] = { "true", "false", "null" };
		puts_(o, lit[below(3)]);
	}
	}
	ws(o);
}

/* A document nested exactly d deep (the depth limit's edge). */
static void
gen_deep(struct out *o, int d)
{
	char kind[64];
	for (int i = 0; i < d && i < 64; i++) {
		kind[i] = below(2) ? '[' : '{';
		puts_(o, kind[i] == '[' ? "[" : "{\"k\":");
	}
	gen_value(o, 99);
	for (int i = (d < 64 ? d : 64) - 1; i >= 0; i--)
		puts_(o, kind[i] == '[' ? "]" : "}");
}

/* ---- mutations ---- */

static const char *const tokens[] = { "NaN", "Infinity", "-Infinity", "'", "1.", "-01",
	"-0", "1e999", "\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u", "\\",
	"\"", ":", ",", "{", "}", "[", "]", "\"a\":1", ",\"a\":2", "true", "false", "null",
	"123456789012345678901234567890", "\t", "\n", "\x01", "\x7f", "\xc0\xaf",
	"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xef\xbb\xbf", "\xc3", "\xff", " ", "e", "E",
	"+", ".", "0", "9", "/*", "//", "\v", "\f", "nan", "tru" };

static void
mutate(struct out *o)
{
	size_t n = o->n;
	switch (below(8)) {
	case 0:
		if (n)
			o->p[below(n)] ^= (unsigned char)(1u << below(8));
		break;
	case 1: {
		static const unsigned char bytes[] = "{}[],:\"\\'0-.eEtfn \t\x80\xff";
		/* the array's final NUL is one of the bytes */
		if (n)
			o->p[below(n)] = bytes[below(sizeof bytes)];
		break;
	}
	case 2: case 3: {
		const char *t = tokens[below(sizeof tokens / sizeof tokens[0])];
		size_t tl = strlen(t), at = below(n + 1);
		if (n + tl > o->cap)
			break;
		memmove(o->p + at + tl, o->p + at, n - at);
		memcpy(o->p + at, t, tl);
		o->n = n + tl;
		break;
	}
	case 4: {
		if (n == 0)
			break;
		size_t at = below(n), len = 1 + below(8);
		if (len > n - at)
			len = n - at;
		memmove(o->p + at, o->p + at + len, n - at - len);
		o->n = n - len;
		break;
	}
	case 5: {
		if (n == 0)
			break;
		size_t from = below(n), len = 1 + below(32);
		if (len > n - from)
			len = n - from;
		size_t at = below(n + 1);
		if (n + len > o->cap)
			break;
		unsigned char tmp[32];
		memcpy(tmp, o->p + from, len);
		memmove(o->p + at + len, o->p + at, n - at);
		memcpy(o->p + at, tmp, len);
		o->n = n + len;
		break;
	}
	case 6: {
		const struct input *b = &pool[below(npool)];
		size_t keep = below(n + 1), from = below(b->n + 1), len = b->n - from;
		if (keep + len > o->cap)
			len = o->cap - keep;
		memcpy(o->p + keep, b->p + from, len);
		o->n = keep + len;
		break;
	}
	default:
		o->n = below(n + 1);
	}
}

static void
run(const unsigned char *p, size_t n)
{
	cur = p;
	curn = n;
	LLVMFuzzerTestOneInput(p, n);
}

static void
one(struct out *o)
{
	o->n = 0;
	size_t r = below(16);
	if (r < 6 || npool == 0)
		gen_value(o, 0);
	else if (r == 6)
		gen_deep(o, 30 + (int)below(5));
	else {
		const struct input *b = &pool[below(npool)];
		put(o, b->p, b->n);
	}
	/* Half the generated documents as they are, the rest mutated. */
	size_t m = r < 7 ? (below(2) ? 0 : 1) : 1 + below(4);
	while (m-- > 0)
		mutate(o);
	run(o->p, o->n);
	/* Keep a few generated documents as material for later mutations. */
	if (r < 7 && npool < ncorpus + 4096 && below(64) == 0)
		pool_add(o->p, o->n);
}

int
main(int argc, char **argv)
{
	unsigned long long runs = 0, seconds = 0, seed = 1;
	for (int i = 1; i < argc; i++) {
		if (sscanf(argv[i], "-runs=%llu", &runs) == 1 ||
		    sscanf(argv[i], "-seconds=%llu", &seconds) == 1 ||
		    sscanf(argv[i], "-seed=%llu", &seed) == 1 ||
		    sscanf(argv[i], "-max_len=%zu", &max_len) == 1)
			continue;
		load(argv[i]);
	}
	if (runs == 0 && seconds == 0)
		runs = 100000;
	if (getenv("FUZZ_CRASH") != NULL)
		crash_path = getenv("FUZZ_CRASH");
	rng = seed * 0x9E3779B97F4A7C15ULL + 1;
	signal(SIGABRT, on_crash);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	ncorpus = npool;
	for (size_t i = 0; i < ncorpus; i++)
		run(pool[i].p, pool[i].n);
	struct out o = { malloc(max_len), 0, max_len };
	if (o.p == NULL)
		abort();
	time_t t0 = time(NULL);
	unsigned long long done = 0;
	while (runs == 0 || done < runs) {
		one(&o);
		done++;
		if ((done & 4095) == 0 && seconds && time(NULL) - t0 >= (time_t)seconds)
			break;
	}
	long long dt = (long long)(time(NULL) - t0);
	printf("fuzz driver: %zu corpus files, %llu generated/mutated inputs in %lld s "
	    "(%.0f/s), seed %llu, no finding\n", ncorpus, done, dt,
	    (double)done / (double)(dt ? dt : 1), seed);
	if (fuzz_report)
		fuzz_report(stdout);
	for (size_t i = 0; i < npool; i++)
		free(pool[i].p);
	free(pool);
	free(o.p);
	return 0;
}
