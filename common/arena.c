#include "arena.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct chunk {
	struct chunk *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *p;
};

struct arena {
	struct chunk *head;       /* newest chunk first; the last one is kept */
	struct chunk *big;        /* blocks too big for a chunk, freed at reset */
	struct cleanup *cleanups;
	size_t chunk;
};

void
die_oom(void)
{
	static const char msg[] = "fatal: out of memory\n";
	ssize_t w = write(2, msg, sizeof msg - 1);
	(void)w;
	_exit(70);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die_oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		die_oom();
	return q;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);
	if (p == NULL)
		die_oom();
	return p;
}

static struct chunk *
chunk_new(size_t size)
{
	struct chunk *c = xmalloc(sizeof *c + size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_new(size_t chunk)
{
	struct arena *a = xmalloc(sizeof *a);
	a->chunk = chunk < 1024 ? 1024 : chunk;
	a->head = chunk_new(a->chunk);
	a->big = NULL;
	a->cleanups = NULL;
	return a;
}

static void
run_cleanups(struct arena *a)
{
	while (a->cleanups != NULL) {
		struct cleanup *c = a->cleanups;
		a->cleanups = c->next;
		c->fn(c->p);
	}
}

void
arena_reset(struct arena *a)
{
	run_cleanups(a);
	while (a->head->next != NULL) {
		struct chunk *c = a->head;
		a->head = c->next;
		free(c);
	}
	a->head->used = 0;
	while (a->big != NULL) {
		struct chunk *c = a->big;
		a->big = c->next;
		free(c);
	}
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->head);
	free(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;
	if (need < n)
		die_oom();
	struct chunk *c = a->head;
	if (c->size - c->used < need) {
		if (need > a->chunk / 4) {
			/* Big block: its own chunk on the big list. */
			struct chunk *big = chunk_new(need);
			big->used = need;
			big->next = a->big;
			a->big = big;
			memset(big->data, 0, need);
			return big->data;
		}
		c = chunk_new(a->chunk);
		c->next = a->head;
		a->head = c;
	}
	void *p = c->data + c->used;
	c->used += need;
	memset(p, 0, need);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	n = strnlen(s, n);   /* like strndup: never read past a NUL */
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_strlower(struct arena *a, const char *s)
{
	char *l = arena_strdup(a, s);
	for (char *c = l; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	return l;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	char *p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

void
arena_defer(struct arena *a, void (*fn)(void *), void *p)
{
	if (p == NULL)
		return;
	struct cleanup *c = arena_alloc(a, sizeof *c);
	c->fn = fn;
	c->p = p;
	c->next = a->cleanups;
	a->cleanups = c;
}
