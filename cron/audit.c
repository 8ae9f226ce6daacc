/* audit: do the books balance, across services? (cron/README.md, "The
 * audit")
 *
 *   audit [--grace SECONDS] [--since SECONDS]
 *
 * Reads GET /internal/<service>/audit of order, payment, product, wallet
 * and share-link through the gateway's internal listener (no database of
 * anyone's: each service reads its own and checks what it alone can, the
 * wallet its balances and payouts), then checks the facts against each
 * other, order by order.  Prints one line per discrepancy with its ids,
 * then "audit: ...".  Facts changed within the grace (AUDIT_GRACE_SECONDS,
 * 300: events still on their way) are skipped, and counted; --since limits
 * the audit to facts changed within that many seconds (0: all history).
 *
 * Exit status: 0 no discrepancy, 1 discrepancies, 2 usage, 3 a service
 * could not be reached or answered something unreadable. */
#include "arena.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "httpc.h"
#include "json.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---- an id -> JSON value map (open addressing, ids are UUID text) ---- */

struct map {
	size_t cap;
	const char **keys;
	const void **vals;
};

static size_t
hash(const char *s)
{
	size_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)(*s | 0x20)) * 1099511628211ULL;
	return h;
}

static void
map_init(struct arena *a, struct map *m, size_t n)
{
	m->cap = 16;
	while (m->cap < 2 * n + 1)
		m->cap *= 2;
	m->keys = arena_alloc(a, m->cap * sizeof *m->keys);
	m->vals = arena_alloc(a, m->cap * sizeof *m->vals);
}

static size_t
map_slot(const struct map *m, const char *k)
{
	size_t i = hash(k) & (m->cap - 1);
	while (m->keys[i] != NULL && strcasecmp(m->keys[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void
map_put(struct map *m, const char *k, const void *v)
{
	if (k == NULL)
		return;
	size_t i = map_slot(m, k);
	m->keys[i] = k;
	m->vals[i] = v;
}

static const void *
map_get(const struct map *m, const char *k)
{
	if (k == NULL)
		return NULL;
	size_t i = map_slot(m, k);
	return m->keys[i] ? m->vals[i] : NULL;
}

/* ---- reading the answers ---- */

static struct arena *A;
static long long ndisc;

static const struct jv *
at(const struct jv *row, size_t i)
{
	return row != NULL && row->type == JV_ARR && i < row->n ? row->items[i] : NULL;
}

static const char *
str_at(const struct jv *row, size_t i)
{
	const struct jv *v = at(row, i);
	return v != NULL && v->type == JV_STR ? v->s : NULL;
}

static long long
int_at(const struct jv *row, size_t i)
{
	const struct jv *v = at(row, i);
	return v != NULL && v->type == JV_NUM ? strtoll(v->s, NULL, 10) : 0;
}

static bool
bool_at(const struct jv *row, size_t i)
{
	const struct jv *v = at(row, i);
	return v != NULL && v->type == JV_BOOL && v->b;
}

static void
disc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void
disc(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	ndisc++;
}

/* GET /internal/<svc>/audit: its document, or exits 3. */
static const struct jv *
fetch(const char *svc, long grace, long since, const char *array)
{
	char rid[37];
	crypto_uuid4(rid);
	char url[512];
	snprintf(url, sizeof url, "%s/internal/%s/audit?graceSeconds=%ld&sinceSeconds=%ld",
	    httpc_internal_base(), svc, grace, since);
	struct http_resp resp;
	long timeout = config_long("AUDIT_TIMEOUT_MS", 120000);
	if (httpc_call(A, rid, "GET", url, NULL, 0, NULL, NULL, timeout, &resp) != 0 ||
	    resp.status != 200) {
		fprintf(stderr, "audit: %s could not answer: %s\n", svc,
		    resp.status ? resp.body : resp.error);
		exit(3);
	}
	const struct jv *doc = resp.json;
	const struct jv *v = doc ? json_get(doc, array) : NULL;
	if (v == NULL || v->type != JV_ARR) {
		fprintf(stderr, "audit: %s answered no %s array\n", svc, array);
		exit(3);
	}
	return doc;
}

/* rows of doc's array key, indexed by their column col. */
static const struct jv *
index_rows(const struct jv *doc, const char *key, size_t col, struct map *m)
{
	const struct jv *rows = json_get(doc, key);
	size_t n = rows != NULL && rows->type == JV_ARR ? rows->n : 0;
	map_init(A, m, n);
	for (size_t i = 0; i < n; i++)
		map_put(m, str_at(rows->items[i], col), rows->items[i]);
	return rows;
}

/* Adds the ids of doc's "young" (strings, or arrays whose first item is
 * the id) to m. */
static void
young_add(const struct jv *doc, struct map *m)
{
	const struct jv *y = json_get(doc, "young");
	for (size_t i = 0; y != NULL && y->type == JV_ARR && i < y->n; i++) {
		const struct jv *v = y->items[i];
		map_put(m, v->type == JV_STR ? v->s : str_at(v, 0), v);
	}
}

/* ---- the cross-checks ---- */

struct facts {
	struct map pays, res, wal, young, links, seen;
	const struct jv *orders, *payments, *reservations, *wallet, *linkrows;
	long long checked, skipped, by_hand;
};

/* The quantity of variant in order lines ([[variant, qty], ...]). */
static long long
ordered(const struct jv *lines, const char *variant)
{
	long long q = 0;
	for (size_t i = 0; lines != NULL && lines->type == JV_ARR && i < lines->n; i++)
		if (str_at(lines->items[i], 0) && strcasecmp(str_at(lines->items[i], 0), variant) == 0)
			q += int_at(lines->items[i], 1);
	return q;
}

/* Stock: a live order holds exactly its lines, a cancelled one nothing. */
static void
check_reservation(const struct jv *o, const struct jv *r)
{
	const char *id = str_at(o, 0);
	bool live = strcmp(str_at(o, 1), "CANCELLED") != 0;
	if (!live) {
		if (r != NULL && bool_at(r, 1))
			disc("reservation_not_released order=%s status=CANCELLED", id);
		return;
	}
	if (r == NULL || !bool_at(r, 1)) {
		disc("reservation_missing order=%s status=%s reservation=%s", id, str_at(o, 1),
		    r ? "released" : "none");
		return;
	}
	const struct jv *held = at(r, 2), *lines = at(o, 10);
	long long nheld = 0, nordered = 0;
	for (size_t i = 0; held != NULL && held->type == JV_ARR && i < held->n; i++) {
		const char *v = str_at(held->items[i], 0);
		long long q = int_at(held->items[i], 1), want = v ? ordered(lines, v) : 0;
		nheld += q;
		if (q != want)
			disc("reservation_lines order=%s variant=%s held=%lld ordered=%lld", id,
			    v ? v : "?", q, want);
	}
	for (size_t i = 0; lines != NULL && lines->type == JV_ARR && i < lines->n; i++)
		nordered += int_at(lines->items[i], 1);
	if (nheld != nordered)
		disc("reservation_total order=%s held=%lld ordered=%lld", id, nheld, nordered);
}

/* Money: the payment, the commission credit and its reversal. */
static void
check_money(struct facts *f, const struct jv *o, const struct jv *p)
{
	const char *id = str_at(o, 0), *seller = str_at(o, 3), *buyer = str_at(o, 2);
	bool paid = bool_at(o, 8), cancelled = strcmp(str_at(o, 1), "CANCELLED") == 0;
	long long total = int_at(o, 5), commission = int_at(o, 4);
	if (paid && p == NULL && bool_at(o, 9))
		f->by_hand++;
	else if (paid && p == NULL)
		disc("order_unpaid order=%s status=%s: no SUCCESS payment", id, str_at(o, 1));
	long long refunded = p ? int_at(p, 5) : 0;
	if (p != NULL) {
		if (int_at(p, 3) != total || strcmp(str_at(p, 4), str_at(o, 6)) != 0)
			disc("payment_amount payment=%s order=%s amount=%lld %s total=%lld %s",
			    str_at(p, 0), id, int_at(p, 3), str_at(p, 4), total, str_at(o, 6));
		if (int_at(p, 6) > int_at(p, 3))
			disc("refund_exceeds payment=%s order=%s refunds=%lld amount=%lld",
			    str_at(p, 0), id, int_at(p, 6), int_at(p, 3));
	}
	const struct jv *w = map_get(&f->wal, id);
	bool earns = paid && seller != NULL && commission > 0 && strcasecmp(seller, buyer) != 0;
	if (!earns) {
		if (w != NULL && int_at(w, 2) > 0)
			disc("commission_unexpected order=%s seller=%s credits=%lld", id,
			    seller ? seller : "-", int_at(w, 2));
		return;
	}
	if (w == NULL || int_at(w, 2) != 1 || int_at(w, 3) != commission) {
		disc("commission_credit order=%s seller=%s credits=%lld credited=%lld "
		    "commission=%lld", id, seller, w ? int_at(w, 2) : 0, w ? int_at(w, 3) : 0,
		    commission);
		return;
	}
	/* fcgi/wallet/README.md: all of it after a cancellation or a whole
	 * refund, else floor(commission x refunded / total). */
	long long due = cancelled || (p && strcmp(str_at(p, 2), "REFUNDED") == 0) ||
	    refunded >= total ? commission :
	    (long long)((__int128)commission * refunded / (total > 0 ? total : 1));
	if (int_at(w, 4) != due)
		disc("commission_reversal order=%s seller=%s reversed=%lld expected=%lld", id,
		    seller, int_at(w, 4), due);
}

/* Share-link revenue: what the order facts say, per link. */
struct link_truth {
	long long revenue, conversions;
	bool skip;
};

static struct link_truth *
truth_of(struct facts *f, const char *link)
{
	struct link_truth *t = (struct link_truth *)map_get(&f->links, link);
	if (t == NULL) {
		t = arena_alloc(A, sizeof *t);
		map_put(&f->links, link, t);
	}
	return t;
}

static void
check_orders(struct facts *f)
{
	for (size_t i = 0; i < f->orders->n; i++) {
		const struct jv *o = f->orders->items[i];
		const char *id = str_at(o, 0), *link = str_at(o, 7);
		if (id == NULL)
			continue;
		map_put(&f->seen, id, o);
		if (map_get(&f->young, id) != NULL) {
			f->skipped++;
			if (link != NULL)
				truth_of(f, link)->skip = true;
			continue;
		}
		f->checked++;
		const struct jv *p = map_get(&f->pays, id);
		check_money(f, o, p);
		check_reservation(o, map_get(&f->res, id));
		if (link != NULL && bool_at(o, 8) && strcmp(str_at(o, 1), "CANCELLED") != 0) {
			struct link_truth *t = truth_of(f, link);
			long long left = int_at(o, 5) - (p ? int_at(p, 5) : 0);
			t->revenue += left > 0 ? left : 0;
			t->conversions++;
		}
	}
}

/* Facts of other services about orders the order service does not have. */
static void
check_orphans(struct facts *f)
{
	for (size_t i = 0; i < f->payments->n; i++) {
		const char *order = str_at(f->payments->items[i], 1);
		if (order && !map_get(&f->seen, order) && !map_get(&f->young, order))
			disc("payment_orphan payment=%s order=%s: no such order",
			    str_at(f->payments->items[i], 0), order);
	}
	for (size_t i = 0; i < f->reservations->n; i++) {
		const char *order = str_at(f->reservations->items[i], 0);
		if (order && bool_at(f->reservations->items[i], 1) && !map_get(&f->seen, order) &&
		    !map_get(&f->young, order))
			disc("reservation_orphan order=%s: stock held for no order", order);
	}
	for (size_t i = 0; i < f->wallet->n; i++) {
		const struct jv *w = f->wallet->items[i];
		const char *order = str_at(w, 0);
		if (order && int_at(w, 2) > 0 && !map_get(&f->seen, order) &&
		    !map_get(&f->young, order))
			disc("commission_orphan order=%s seller=%s credited=%lld: no such order", order,
			    str_at(w, 1) ? str_at(w, 1) : "-", int_at(w, 3));
	}
}

static void
check_links(struct facts *f)
{
	struct map stated;
	map_init(A, &stated, f->linkrows->n);
	for (size_t i = 0; i < f->linkrows->n; i++) {
		const struct jv *l = f->linkrows->items[i];
		const char *id = str_at(l, 0);
		if (id == NULL)
			continue;
		map_put(&stated, id, l);
		struct link_truth *t = truth_of(f, id);
		if (t->skip)
			continue;
		if (int_at(l, 1) != t->revenue || int_at(l, 2) != t->conversions)
			disc("share_link_revenue link=%s revenue=%lld expected=%lld conversions=%lld "
			    "expected=%lld", id, int_at(l, 1), t->revenue, int_at(l, 2),
			    t->conversions);
	}
	for (size_t i = 0; i < f->links.cap; i++) {
		const struct link_truth *t = (const struct link_truth *)f->links.vals[i];
		if (f->links.keys[i] != NULL && !t->skip && t->conversions > 0 &&
		    map_get(&stated, f->links.keys[i]) == NULL)
			disc("share_link_revenue link=%s revenue=0 expected=%lld conversions=0 "
			    "expected=%lld", f->links.keys[i], t->revenue, t->conversions);
	}
}

static long
arg_seconds(int argc, char **argv, const char *flag, long def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return strtol(argv[i + 1], NULL, 10);
	return def;
}

static bool
usage_ok(int argc, char **argv)
{
	if (argc % 2 == 0)
		return false;
	for (int i = 1; i < argc; i += 2) {
		char *end;
		long v = strtol(argv[i + 1], &end, 10);
		if ((strcmp(argv[i], "--grace") != 0 && strcmp(argv[i], "--since") != 0) ||
		    *end != '\0' || end == argv[i + 1] || v < 0 || v > 3650L * 86400)
			return false;
	}
	return true;
}

int
main(int argc, char **argv)
{
	if (!usage_ok(argc, argv)) {
		fprintf(stderr, "usage: audit [--grace SECONDS] [--since SECONDS]\n");
		return 2;
	}
	long grace = arg_seconds(argc, argv, "--grace", config_long("AUDIT_GRACE_SECONDS", 300));
	long since = arg_seconds(argc, argv, "--since", 0);
	long t0 = mono_ms();
	/* One row per order: 4 MiB (httpc's default) is about 25,000 orders. */
	size_t max = config_parse_size(config_str("AUDIT_MAX_RESPONSE", "1024m"));
	httpc_max_response(max > 0 ? max : (size_t)1 << 30);
	A = arena_new(0);
	struct facts f;
	memset(&f, 0, sizeof f);
	const struct jv *od = fetch("order", grace, since, "orders");
	const struct jv *pd = fetch("payment", grace, since, "payments");
	const struct jv *rd = fetch("product", grace, since, "reservations");
	const struct jv *wd = fetch("wallet", grace, since, "orders");
	const struct jv *ld = fetch("share-link", grace, since, "links");
	f.orders = json_get(od, "orders");
	f.payments = index_rows(pd, "payments", 1, &f.pays);
	f.reservations = index_rows(rd, "reservations", 0, &f.res);
	f.wallet = index_rows(wd, "orders", 0, &f.wal);
	f.linkrows = json_get(ld, "links");
	const struct jv *docs[] = { od, pd, rd, wd };
	size_t nyoung = 0;
	for (size_t i = 0; i < 4; i++) {
		const struct jv *y = json_get(docs[i], "young");
		nyoung += y != NULL && y->type == JV_ARR ? y->n : 0;
	}
	map_init(A, &f.young, nyoung);
	map_init(A, &f.seen, f.orders->n);
	map_init(A, &f.links, f.linkrows->n + f.orders->n + 16);
	for (size_t i = 0; i < 4; i++)
		young_add(docs[i], &f.young);
	const struct jv *y = json_get(od, "young");
	for (size_t i = 0; y && y->type == JV_ARR && i < y->n; i++)
		if (str_at(y->items[i], 1) != NULL)
			truth_of(&f, str_at(y->items[i], 1))->skip = true;

	const struct jv *own = json_get(wd, "discrepancies");
	for (size_t i = 0; own && own->type == JV_ARR && i < own->n; i++)
		if (own->items[i]->type == JV_STR)
			disc("%s", own->items[i]->s);
	check_orders(&f);
	check_orphans(&f);
	check_links(&f);

	long ms = mono_ms() - t0;
	const struct jv *hand = json_get(wd, "completedByHand");
	printf("audit: %lld orders checked, %lld skipped (changed within %ld s), "
	    "%lld paid by an admin by hand, %s payouts completed by hand; "
	    "%lld discrepancies, %ld ms\n", f.checked, f.skipped, grace, f.by_hand,
	    hand && hand->type == JV_NUM ? hand->s : "0", ndisc, ms);
	arena_free(A);
	httpc_cleanup();
	return ndisc > 0 ? 1 : 0;
}
