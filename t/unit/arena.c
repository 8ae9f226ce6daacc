/* common/arena.c: the per-request allocator and its deferred cleanups. */
#include "../lib/t.h"
#include "arena.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool aligned(const void *p) { return ((uintptr_t)p & 15) == 0; }

static void
arena_many_allocations_across_chunks(void)
{
	struct arena *a = arena_new(1024);
	enum { N = 5000 };
	static unsigned char *ps[N];
	for (size_t i = 0; i < N; i++) {
		size_t n = 1 + i % 200;       /* up to 200: below chunk/4 */
		ps[i] = arena_alloc(a, n);
		T_REQUIRE(ps[i] != NULL);
		T_ASSERT(aligned(ps[i]));
		bool zero = true;
		for (size_t k = 0; k < n; k++)
			zero &= ps[i][k] == 0;
		T_ASSERT(zero);
		memset(ps[i], (int)(i & 0xff), n);
	}
	/* Nothing overlapped: every block still holds its own byte. */
	size_t bad = 0;
	for (size_t i = 0; i < N; i++)
		for (size_t k = 0; k < 1 + i % 200; k++)
			bad += ps[i][k] != (unsigned char)(i & 0xff);
	T_EQ_INT(bad, 0);
	arena_free(a);
}

static void
arena_big_allocation(void)
{
	struct arena *a = arena_new(4096);
	unsigned char *small1 = arena_alloc(a, 16);
	size_t big = 4u << 20;
	unsigned char *p = arena_alloc(a, big);
	T_REQUIRE(p != NULL);
	T_ASSERT(aligned(p));
	T_ASSERT(p[0] == 0 && p[big / 2] == 0 && p[big - 1] == 0);
	memset(p, 0xab, big);
	/* Small allocations keep using the chunk. */
	unsigned char *small2 = arena_alloc(a, 16);
	T_ASSERT(small2 == small1 + 16);
	T_ASSERT(p[big - 1] == 0xab);
	/* A block just above a quarter chunk, repeatedly. */
	for (int i = 0; i < 100; i++) {
		unsigned char *q = arena_alloc(a, 1100);
		T_REQUIRE(q != NULL);
		memset(q, i, 1100);
	}
	arena_reset(a);
	arena_free(a);
}

static void
arena_strings(void)
{
	struct arena *a = arena_new(1024);
	T_EQ_STR(arena_strdup(a, "hello"), "hello");
	T_EQ_STR(arena_strdup(a, ""), "");
	char *s = arena_strndup(a, "abcdef", 3);
	T_EQ_STR(s, "abc");
	T_EQ_STR(arena_printf(a, "%s-%d-%05.1f", "x", 42, 3.14159), "x-42-003.1");
	/* Longer than a chunk. */
	char big[5000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	char *p = arena_printf(a, "<%s>", big);
	T_ASSERT(strlen(p) == sizeof big + 1 && p[0] == '<' && p[sizeof big] == '>');
	arena_free(a);
}

static int order[8], norder;
static void rec(void *p) { if (norder < 8) order[norder++] = *(int *)p; }

static void
arena_defer_runs_in_reverse_order(void)
{
	static int one = 1, two = 2, three = 3;
	struct arena *a = arena_new(1024);
	norder = 0;
	arena_defer(a, rec, &one);
	arena_defer(a, rec, &two);
	arena_defer(a, rec, &three);
	T_EQ_INT(norder, 0);
	arena_reset(a);
	T_EQ_INT(norder, 3);
	T_EQ_INT(order[0], 3);
	T_EQ_INT(order[1], 2);
	T_EQ_INT(order[2], 1);
	/* Ran once: a second reset runs nothing. */
	arena_reset(a);
	T_EQ_INT(norder, 3);
	/* NULL is not deferred (cleanups need not be NULL-safe). */
	arena_defer(a, rec, NULL);
	arena_reset(a);
	T_EQ_INT(norder, 3);
	/* arena_free runs what is pending. */
	arena_defer(a, rec, &two);
	arena_free(a);
	T_EQ_INT(norder, 4);
	T_EQ_INT(order[3], 2);
}

static void
arena_defer_survives_many_chunks(void)
{
	static int vals[300];
	struct arena *a = arena_new(1024);
	norder = 0;
	for (int i = 0; i < 300; i++) {
		vals[i] = i;
		arena_alloc(a, 100);
		arena_defer(a, rec, &vals[i]);
	}
	arena_reset(a);
	T_EQ_INT(norder, 8);          /* rec keeps the first eight */
	T_EQ_INT(order[0], 299);
	T_EQ_INT(order[7], 292);
	arena_free(a);
}

static void
arena_reset_reuses_first_chunk(void)
{
	struct arena *a = arena_new(2048);
	void *first = arena_alloc(a, 32);
	for (int i = 0; i < 1000; i++)
		arena_alloc(a, 64);
	arena_alloc(a, 1 << 20);
	arena_reset(a);
	void *again = arena_alloc(a, 32);
	T_ASSERT(again == first);
	T_ASSERT(((unsigned char *)again)[0] == 0);
	/* Many cycles do not grow anything (ASan/LSan would see a leak). */
	for (int c = 0; c < 200; c++) {
		for (int i = 0; i < 100; i++)
			arena_alloc(a, 100);
		arena_reset(a);
	}
	T_ASSERT(arena_alloc(a, 32) == first);
	arena_free(a);
}

static void
arena_free_null(void)
{
	arena_free(NULL);
	T_ASSERT(true);
}

static void
arena_tiny_chunk_rounded_up(void)
{
	/* A chunk size below the floor still works for blocks of any size. */
	struct arena *a = arena_new(1);
	for (int i = 0; i < 100; i++) {
		char *p = arena_alloc(a, 300);
		T_REQUIRE(p != NULL);
		memset(p, 1, 300);
	}
	arena_free(a);
}

static void
x_allocators(void)
{
	char *p = xmalloc(0);
	T_ASSERT(p != NULL);
	p = xrealloc(p, 100);
	memset(p, 0, 100);
	free(p);
	char *s = xstrdup("dup");
	T_EQ_STR(s, "dup");
	free(s);
}

/* arena_strndup stops at a NUL like strndup: copying a short string with a
 * generous bound must not read past it. */
static void
arena_strndup_stops_at_nul(void)
{
	struct arena *a = arena_new(1024);
	char *small = malloc(4);
	T_REQUIRE(small != NULL);
	memcpy(small, "abc", 4);
	char *c = arena_strndup(a, small, 500);
	T_EQ_STR(c, "abc");
	char *d = arena_strndup(a, "abcdef", 3);
	T_EQ_STR(d, "abc");
	free(small);
	arena_free(a);
}

static const struct t_case cases[] = {
	T_CASE(arena_strndup_stops_at_nul),
	T_CASE(arena_many_allocations_across_chunks),
	T_CASE(arena_big_allocation),
	T_CASE(arena_strings),
	T_CASE(arena_defer_runs_in_reverse_order),
	T_CASE(arena_defer_survives_many_chunks),
	T_CASE(arena_reset_reuses_first_chunk),
	T_CASE(arena_free_null),
	T_CASE(arena_tiny_chunk_rounded_up),
	T_CASE(x_allocators),
};

int
main(void)
{
	return t_run("arena", cases, T_NCASES(cases), NULL, NULL);
}
