/* `make bench-json`: our parser (json_parse_own) against the json-c path
 * (json_parse_jsonc) on the bodies the services parse, in one process, no
 * stack.  For each body: CPU ns per parse (median and fastest of 15 batches
 * of about 40 ms, the request's arena reset before each parse as req.c does),
 * json-c's tokener alone (json_tokener_parse_ex + json_object_put, no check,
 * no copy), and per parse the malloc calls, the peak of live heap bytes and
 * the arena bytes the tree takes.  Prints a markdown table.
 *
 * Bodies: POST /pricing/calculate and POST /orders exactly as
 * bench/calculate.lua and bench/orders.lua send them, the same with 100
 * lines, a 64 KiB cart and a 64 KiB text field.
 *
 * The allocation counts come from malloc/calloc/realloc/free defined here
 * (glibc lets a program replace them; json-c's calls come here too).  Not
 * under SANITIZE=1: ASan owns malloc there. */
#include "json.h"
#include <json-c/json.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef __SANITIZE_ADDRESS__
#define COUNT_ALLOC 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static int counting;
static long long n_calls;
static long long live, peak;

static void
note_alloc(void *p)
{
	if (!counting || p == NULL)
		return;
	n_calls++;
	live += (long long)malloc_usable_size(p);
	if (live > peak)
		peak = live;
}

static void
note_free(void *p)
{
	if (counting && p != NULL)
		live -= (long long)malloc_usable_size(p);
}

void *
malloc(size_t n)
{
	void *p = __libc_malloc(n);
	note_alloc(p);
	return p;
}

void *
calloc(size_t k, size_t n)
{
	void *p = __libc_calloc(k, n);
	note_alloc(p);
	return p;
}

void *
realloc(void *q, size_t n)
{
	note_free(q);
	void *p = __libc_realloc(q, n);
	note_alloc(p);
	return p;
}

void
free(void *p)
{
	note_free(p);
	__libc_free(p);
}
#endif

typedef struct jv *(*parse_fn)(struct arena *, const char *, size_t, char *, size_t);

/* CPU time of this thread: the figures hold on a machine busy with other
 * work (wall time there counts the waits for a core). */
static double
now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static struct json_tokener *raw_tok;

/* json-c alone: its tree of the body, then freed (what it costs before any
 * check or copy). */
static struct jv *
parse_raw_jsonc(struct arena *a, const char *buf, size_t len, char *err, size_t errlen)
{
	(void)a; (void)err; (void)errlen;
	json_tokener_reset(raw_tok);
	struct json_object *o = json_tokener_parse_ex(raw_tok, buf, (int)len);
	if (o == NULL)
		abort();
	json_object_put(o);
	return (struct jv *)raw_tok;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

struct timing {
	double median, min;
};

static struct timing
time_parse(parse_fn fn, const char *body, size_t len)
{
	struct arena *a = arena_new(64 * 1024);
	char err[128];
	/* Calibrate: iterations for about 40 ms. */
	long iters = 1;
	for (;;) {
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			arena_reset(a);
			if (fn(a, body, len, err, sizeof err) == NULL)
				abort();
		}
		if (now_ns() - t0 > 40e6 || iters > (1L << 28))
			break;
		iters *= 2;
	}
	enum { BATCHES = 15 };
	double ns[BATCHES];
	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			arena_reset(a);
			fn(a, body, len, err, sizeof err);
		}
		ns[b] = (now_ns() - t0) / (double)iters;
	}
	qsort(ns, BATCHES, sizeof ns[0], cmp_double);
	arena_free(a);
	return (struct timing){ ns[BATCHES / 2], ns[0] };
}

struct allocs {
	long long calls, peak, arena;
};

/* One parse: the heap it used (malloc calls, peak live bytes) in a warm
 * 64 KiB request arena, and the bytes of its tree in a one-chunk arena. */
static struct allocs
alloc_parse(parse_fn fn, const char *body, size_t len)
{
	struct allocs r = { -1, -1, 0 };
	char err[128];
	struct arena *a = arena_new(64 * 1024);
	fn(a, body, len, err, sizeof err);     /* the tokener exists, as in a worker */
	arena_reset(a);
#ifdef COUNT_ALLOC
	n_calls = live = peak = 0;
	counting = 1;
	fn(a, body, len, err, sizeof err);
	counting = 0;
	r.calls = n_calls;
	r.peak = peak;
#endif
	arena_free(a);
	a = arena_new(16u << 20);
	char *p0 = arena_alloc(a, 1);
	fn(a, body, len, err, sizeof err);
	char *p1 = arena_alloc(a, 1);
	r.arena = (long long)(p1 - p0) - 16;
	arena_free(a);
	return r;
}

static const char *SELLER = "0b8e7f52-1c3d-4a5e-8f9a-7b6c5d4e3f21";

/* One line as the .lua scripts write it; product ids vary. */
static void
line(struct buf *b, int i, int quantity)
{
	buf_printf(b, "{\"productId\":\"6f1c2a8e-3b0d-4e4a-9f7e-%012x\",\"quantity\":%d,"
	    "\"sellerPrice\":9999.00}", i, quantity);
}

static void
cart(struct buf *b, bool order, int lines, size_t fill)
{
	buf_reset(b);
	if (order)
		buf_printf(b, "{\"sellerId\":\"%s\",\"items\":[", SELLER);
	else
		buf_adds(b, "{\"items\":[");
	for (int i = 0; i < lines || (fill && b->len + 100 < fill); i++) {
		if (i)
			buf_addc(b, ',');
		line(b, i, order ? 1 : 2);
	}
	buf_adds(b, "]}");
}

static void
text_body(struct buf *b, size_t size)
{
	/* A product with a long description: plain text, some UTF-8 and escapes. */
	buf_reset(b);
	buf_adds(b, "{\"name\":\"Cotton kurta\",\"basePrice\":1000.00,\"description\":\"");
	static const char para[] = "Hand-block printed cotton, caf\xc3\xa9 \xe2\x82\xb9 499 "
	    "\\\"festive\\\" edition.\\n";
	while (b->len + sizeof para + 4 < size)
		buf_adds(b, para);
	buf_adds(b, "\"}");
}

int
main(void)
{
	raw_tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	json_tokener_set_flags(raw_tok, JSON_TOKENER_STRICT);
	struct { const char *name; struct buf b; } bodies[6];
	memset(bodies, 0, sizeof bodies);
	bodies[0].name = "POST /pricing/calculate, 1 line";
	cart(&bodies[0].b, false, 1, 0);
	bodies[1].name = "POST /orders, 1 line";
	cart(&bodies[1].b, true, 1, 0);
	bodies[2].name = "POST /pricing/calculate, 100 lines";
	cart(&bodies[2].b, false, 100, 0);
	bodies[3].name = "POST /orders, 100 lines";
	cart(&bodies[3].b, true, 100, 0);
	bodies[4].name = "64 KiB cart";
	cart(&bodies[4].b, true, 0, 65536);
	bodies[5].name = "64 KiB text field";
	text_body(&bodies[5].b, 65536);

	struct arena *check = arena_new(64 * 1024);
	char e1[128], e2[128];
	for (size_t i = 0; i < 6; i++) {
		const struct buf *b = &bodies[i].b;
		struct jv *x = json_parse_own(check, b->p, b->len, e1, sizeof e1);
		struct jv *y = json_parse_jsonc(check, b->p, b->len, e2, sizeof e2);
		if (x == NULL || y == NULL || !json_equal(x, y)) {
			fprintf(stderr, "bench-json: %s: the parsers disagree\n", bodies[i].name);
			return 1;
		}
		arena_reset(check);
	}
	arena_free(check);

	printf("| body | bytes | own ns | json-c path ns | × | json-c tokener alone ns "
	    "| own mallocs / peak heap B / arena B | json-c path mallocs / peak heap B / arena B |\n");
	printf("|---|--:|--:|--:|--:|--:|--:|--:|\n");
	for (size_t i = 0; i < 6; i++) {
		const struct buf *b = &bodies[i].b;
		struct timing o = time_parse(json_parse_own, b->p, b->len);
		struct timing j = time_parse(json_parse_jsonc, b->p, b->len);
		struct timing r = time_parse(parse_raw_jsonc, b->p, b->len);
		struct allocs ao = alloc_parse(json_parse_own, b->p, b->len);
		struct allocs aj = alloc_parse(json_parse_jsonc, b->p, b->len);
		printf("| %s | %zu | %.0f (min %.0f) | %.0f (min %.0f) | %.2f | %.0f (min %.0f) "
		    "| %lld / %lld / %lld | %lld / %lld / %lld |\n", bodies[i].name, b->len,
		    o.median, o.min, j.median, j.min, j.median / o.median, r.median, r.min,
		    ao.calls, ao.peak, ao.arena, aj.calls, aj.peak, aj.arena);
		fflush(stdout);
	}
	for (size_t i = 0; i < 6; i++)
		buf_free(&bodies[i].b);
	json_tokener_free(raw_tok);
	return 0;
}
