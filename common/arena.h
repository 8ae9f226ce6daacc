/* Per-request memory: one arena, reset when the request ends.
 * Allocation failure is fatal (the worker logs and exits; the pool master
 * forks a replacement), so no caller checks for NULL. */
#ifndef ARENA_H
#define ARENA_H
#include <stddef.h>
#include <stdarg.h>

struct arena;

/* Caller frees with arena_free. */
struct arena *arena_new(size_t chunk);
void  arena_free(struct arena *a);
/* Runs the deferred cleanups (newest first) and keeps the first chunk. */
void  arena_reset(struct arena *a);

/* All memory below belongs to the arena: never free it. */
void *arena_alloc(struct arena *a, size_t n);           /* zeroed, 16-aligned */
char *arena_strndup(struct arena *a, const char *s, size_t n);  /* at most n bytes, stops at NUL */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strlower(struct arena *a, const char *s);   /* a copy in ASCII lower case */
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Runs fn(p) at the next reset: PGresults, libjwt objects, curl handles. */
void  arena_defer(struct arena *a, void (*fn)(void *), void *p);

/* Process-wide allocation failure policy. */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
void  die_oom(void) __attribute__((noreturn));

#endif
