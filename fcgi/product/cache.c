/* A per-worker cache of catalog read responses (GET /products,
 * /products/:id, /products/slug/:slug, /categories).
 *
 * Correctness comes from PostgreSQL: row triggers on products, variants
 * and images NOTIFY catalog with the product id, statement triggers on
 * categories NOTIFY with an empty payload (sql/product/003_cache.sql).
 * Before every lookup the worker makes one tiny round trip (SELECT 1):
 * PostgreSQL handles a session's pending notify interrupts when it reads a
 * query, so the answer comes after every notification of any transaction
 * that committed before the read began (a write whose HTTP answer the
 * client already has is such a transaction).  A product id drops that
 * product's entries, and every notification makes lists, slugs and
 * categories stale; an empty payload or a new connection (notifications
 * may have been missed) drops everything.  The round trip costs far less
 * than building the document (one index-free SELECT 1 against a JSON query
 * over four tables).
 * Prices for orders never come from here: the internal lookup is uncached.
 *
 * Bounded by CATALOG_CACHE_ENTRIES (default 20000) and CATALOG_CACHE_MB
 * (default 32) per worker; when full, it starts over. */
#include "product.h"
#include "config.h"
#include <stdlib.h>
#include <string.h>

struct entry {
	char *key;            /* NULL: empty slot */
	char *body;
	size_t len;
	char product[37];     /* the product a document shows, or "" */
	unsigned long gen;    /* other_gen when stored (lists etc.), 0 for products */
};

static struct {
	struct entry *slots;
	size_t cap, used, bytes, max_entries, max_bytes;
	unsigned long conn_gen;   /* db connection generation seen */
	unsigned long other_gen;  /* bumped by every notification */
	bool enabled;
} c;

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
entry_free(struct entry *e)
{
	free(e->key);
	free(e->body);
	memset(e, 0, sizeof *e);
}

static void
clear_all(void)
{
	for (size_t i = 0; i < c.cap; i++)
		if (c.slots[i].key != NULL)
			entry_free(&c.slots[i]);
	c.used = c.bytes = 0;
}

static void
init(void)
{
	if (c.slots != NULL || !c.enabled)
		return;
	c.max_entries = (size_t)config_long("CATALOG_CACHE_ENTRIES", 20000);
	c.max_bytes = (size_t)config_long("CATALOG_CACHE_MB", 32) << 20;
	if (c.max_entries == 0 || c.max_bytes == 0) {
		c.enabled = false;
		return;
	}
	c.cap = 16;
	while (c.cap < c.max_entries * 2)
		c.cap *= 2;
	c.slots = calloc(c.cap, sizeof *c.slots);
	if (c.slots == NULL)
		die_oom();
}

/* Linear probing; deletions re-insert the rest of the cluster. */
static struct entry *
find(const char *key)
{
	for (size_t i = hash(key) & (c.cap - 1);; i = (i + 1) & (c.cap - 1)) {
		if (c.slots[i].key == NULL || strcmp(c.slots[i].key, key) == 0)
			return &c.slots[i];
	}
}

static void
remove_at(struct entry *e)
{
	c.used--;
	c.bytes -= e->len;
	entry_free(e);
	size_t i = (size_t)(e - c.slots);
	for (size_t j = (i + 1) & (c.cap - 1); c.slots[j].key != NULL; j = (j + 1) & (c.cap - 1)) {
		struct entry moved = c.slots[j];
		memset(&c.slots[j], 0, sizeof c.slots[j]);
		*find(moved.key) = moved;
	}
}

static void
on_notify(const char *payload, void *arg)
{
	(void)arg;
	c.other_gen++;
	if (payload == NULL || payload[0] == '\0') {
		clear_all();
		return;
	}
	char key[64];
	for (int admin = 0; admin < 2; admin++) {
		snprintf(key, sizeof key, "id:%d:%s", admin, payload);
		struct entry *e = find(key);
		if (e->key != NULL)
			remove_at(e);
	}
}

void
cache_init(void)
{
	c.enabled = config_long("CATALOG_CACHE", 1) != 0;
	if (c.enabled)
		db_listen("catalog");
}

/* Reads pending notifications; returns false when the cache must not be
 * used (no database connection: nothing can be trusted). */
static bool
sync(void)
{
	init();
	if (!c.enabled)
		return false;
	unsigned long g = db_notifications(on_notify, NULL);
	if (g == 0) {
		clear_all();
		return false;
	}
	if (g != c.conn_gen) {
		clear_all();
		c.conn_gen = g;
	}
	return true;
}

bool
cache_reply(struct req *r, const char *key)
{
	if (!sync())
		return false;
	struct entry *e = find(key);
	if (e->key == NULL || (e->product[0] == '\0' && e->gen != c.other_gen))
		return false;
	buf_reset(&r->out);
	buf_add(&r->out, e->body, e->len);
	reply_w(r, 200);
	return true;
}

void
cache_store(const char *key, const char *product, const struct buf *body)
{
	if (!c.enabled || c.slots == NULL || body->len == 0)
		return;
	if (c.used + 1 > c.max_entries || c.bytes + body->len > c.max_bytes)
		clear_all();
	struct entry *e = find(key);
	if (e->key != NULL) {
		c.used--;
		c.bytes -= e->len;
		free(e->body);
	} else {
		e->key = xstrdup(key);
	}
	e->body = xmalloc(body->len);
	memcpy(e->body, body->p, body->len);
	e->len = body->len;
	snprintf(e->product, sizeof e->product, "%s", product ? product : "");
	e->gen = c.other_gen;
	c.used++;
	c.bytes += body->len;
}

void
cache_free(void)
{
	if (c.slots == NULL)
		return;
	clear_all();
	free(c.slots);
	c.slots = NULL;
}
