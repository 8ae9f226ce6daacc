/* A per-worker cache of catalog read responses (GET /products,
 * /products/:id, /products/slug/:slug, /categories).
 *
 * Freshness without a round trip per read.  Row triggers on products,
 * variants and images NOTIFY catalog with the product id, statement
 * triggers on categories NOTIFY with an empty payload (sql/product/
 * 003_cache.sql).  A worker's own notifications come back with the answer
 * to its COMMIT (or to a statement that committed by itself); right there,
 * before the handler answers (db_after_commit), it bumps generation
 * counters in memory shared by every worker of the pool (mapped by the
 * pool master before it forks): one per bucket of product ids, one for
 * everything else (lists, slugs, categories) and an epoch for a change
 * that touches every document (a category).  An entry records the counters
 * it depends on as they were before its document was read, and is used
 * only while they are unchanged: a write whose HTTP answer a client has is
 * seen by every worker's next read.
 *
 * Stock moved by this service (reservations, releases) does not NOTIFY
 * (sql/product/005_stock_notify.sql): the handler bumps the counters itself
 * after the commit (cache_product_changed).
 *
 * Writes from elsewhere (another pool on another host, SQL by hand) reach
 * each worker as notifications from other sessions, read without waiting
 * before every lookup; they drop the entries they name, as soon as they
 * have arrived.  An entry is also never older than CATALOG_CACHE_TTL
 * seconds (default 10): the bound for stock moved by a product pool on
 * another host.  A new connection (notifications may have been missed)
 * drops everything.  Prices for orders never come from here.
 *
 * Bounded by CATALOG_CACHE_ENTRIES (default 20000) and CATALOG_CACHE_MB
 * (default 32) per worker; when full, it starts over. */
#include "product.h"
#include "config.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

struct entry {
	char *key;            /* NULL: empty slot */
	char *body;
	size_t len;
	char product[37];     /* the product a document shows, or "" */
	unsigned long epoch;  /* shared epoch when read */
	unsigned long gen;    /* the product's bucket, or the shared "other" counter */
	unsigned long local;  /* other_gen when stored (lists etc.) */
	time_t at;            /* when its document was read */
};

/* The pool's shared counters. */
#define BUCKETS 4096
struct shared {
	atomic_ulong epoch;
	atomic_ulong other;
	atomic_ulong bucket[BUCKETS];
};
static struct shared *sh;

/* In the pool master, before it forks: the workers share the mapping. */
__attribute__((constructor)) static void
shared_map(void)
{
	void *p = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	sh = p == MAP_FAILED ? NULL : p;
}

static struct {
	struct entry *slots;
	size_t cap, used, bytes, max_entries, max_bytes;
	long ttl;
	unsigned long conn_gen;   /* db connection generation seen */
	unsigned long other_gen;  /* bumped by every notification received */
	bool enabled;
	/* The counters as they were when the pending lookup missed. */
	char pending_key[128];
	unsigned long pending_epoch, pending_gen, pending_local;
	time_t pending_at;
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
	c.ttl = config_long("CATALOG_CACHE_TTL", 10);
	if (c.ttl < 1)
		c.ttl = 1;
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

static unsigned
bucket_of(const char *product)
{
	return (unsigned)(hash(product) % BUCKETS);
}

/* A notification: drops what it names here; our own session's (a write
 * this worker just committed) also bump the pool's counters. */
static void
on_notify(const char *payload, bool self, void *arg)
{
	(void)arg;
	if (self && sh != NULL) {
		atomic_fetch_add(&sh->other, 1);
		if (payload == NULL || payload[0] == '\0')
			atomic_fetch_add(&sh->epoch, 1);
		else
			atomic_fetch_add(&sh->bucket[bucket_of(payload)], 1);
	}
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

static bool sync(void);

/* After every commit of this worker (db_after_commit). */
static void
after_commit(void)
{
	sync();
}

void
cache_product_changed(const char *product)
{
	init();
	if (product == NULL || !c.enabled || c.slots == NULL)
		return;
	on_notify(product, true, NULL);
}

void
cache_init(void)
{
	c.enabled = config_long("CATALOG_CACHE", 1) != 0 && sh != NULL;
	if (c.enabled) {
		db_listen("catalog");
		db_after_commit(after_commit);
	}
}

/* Reads the notifications that have arrived; returns false when the
 * cache must not be used (no database connection: nothing can be
 * trusted). */
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
	unsigned long epoch = atomic_load(&sh->epoch);
	time_t now = time(NULL);
	bool fresh = e->key != NULL && e->epoch == epoch && now >= e->at &&
	    now - e->at < c.ttl && (e->product[0] != '\0' ?
	    e->gen == atomic_load(&sh->bucket[bucket_of(e->product)]) :
	    e->gen == atomic_load(&sh->other) && e->local == c.other_gen);
	if (!fresh) {
		/* Read the counters now, before the handler reads the document:
		 * a write that lands in between makes the stored entry stale,
		 * never a stale entry look fresh. */
		snprintf(c.pending_key, sizeof c.pending_key, "%s", key);
		c.pending_epoch = epoch;
		c.pending_local = c.other_gen;
		c.pending_at = now;
		const char *pid = strncmp(key, "id:", 3) == 0 ? strchr(key + 3, ':') : NULL;
		c.pending_gen = pid != NULL ? atomic_load(&sh->bucket[bucket_of(pid + 1)]) :
		    atomic_load(&sh->other);
		return false;
	}
	buf_reset(&r->out);
	buf_add(&r->out, e->body, e->len);
	reply_w(r, 200);
	return true;
}

void
cache_store(const char *key, const char *product, const struct buf *body)
{
	if (!c.enabled || c.slots == NULL || body->len == 0 ||
	    strcmp(key, c.pending_key) != 0)
		return;
	c.pending_key[0] = '\0';
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
	e->epoch = c.pending_epoch;
	e->gen = c.pending_gen;
	e->local = c.pending_local;
	e->at = c.pending_at;
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
