/* When workers die: one Idempotency-Key gives one order and one
 * reservation (one payout) whatever is killed, and no stock stays held by
 * no order.
 *
 * Each point between the key's claim and its stored answer is reached by
 * stalling a statement (a session of the test holds a lock the statement
 * needs), killing the workers while it waits, and, where the dead worker's
 * statement must not commit, terminating its database session:
 *
 *   reserving   the product service's reservation waits on a variant row;
 *               the order worker dies; the reservation then commits
 *   storing     the order's INSERT waits on the orders table; the order
 *               worker dies and its session is terminated: reserved, no order
 *   answering   the order committed, the key's answer waits on the key row;
 *               the order worker dies: an order, no answer
 *   product     the product worker dies while its reservation waits; the
 *               order service answers 503 and releases nothing (there is
 *               nothing yet); the reservation commits afterwards, owned by
 *               no order, and the reaper job gives it back
 *
 *   payout      the payout's transaction waits on the key's answer, which
 *               commits with it; the wallet worker dies: no payout, no
 *               funds held, and the retry makes one
 *
 * and, under load, order and product workers killed every 100 ms while
 * clients retry their keys.  The order pool runs with IDEM_STALE_SECONDS=2
 * here (restarted at setup, put back at the end), so that a retry after a
 * crash before the order committed need not wait the default minute. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "crypto.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ORDER_DB "ORDER_DATABASE_URL"
#define PRODUCT_DB "PRODUCT_DATABASE_URL"
#define WALLET_DB "WALLET_DATABASE_URL"
#define STALE_S 2

static char *admin;
static int order_pool, product_pool;

/* ---- helpers ---- */

static char *
product_create(int stock, char **variant)
{
	char members[80];
	snprintf(members, sizeof members, "\"basePrice\":100.00,\"stock\":%d", stock);
	return t_product_new(admin, "crash-product", members, variant);
}

static void
body_of(char *out, size_t n, const char *product, int qty)
{
	snprintf(out, n, "{\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":100.00}]}", product, qty);
}

static long
order_post(struct resp *rs, const char *token, const char *body, const char *key)
{
	char h[300];
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	return t_http(rs, "POST", "/orders", token, "application/json", body, strlen(body), h,
	    (char *)NULL);
}

/* A POST /orders in a child process (it will be cut off by the kill). */
static pid_t
order_post_bg(const char *token, const char *body, const char *key)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct resp rs;
		order_post(&rs, token, body, key);
		_exit(rs.status >= 500 || rs.status == 0 ? 1 : 0);
	}
	return pid;
}

static void
reap_child(pid_t pid)
{
	int st;
	if (pid > 0)
		waitpid(pid, &st, 0);
}

/* The resource id the key's row keeps (the order's id), or NULL. */
static char *
key_resource(const char *user, const char *key)
{
	return t_db_value(ORDER_DB, "SELECT resource_id FROM idempotency_keys "
	    "WHERE owner_id = $1 AND key = $2", user, key, (char *)NULL);
}

static long long
orders_of(const char *user)
{
	return t_db_count(ORDER_DB, "SELECT count(*) FROM orders WHERE user_id = $1", user,
	    (char *)NULL);
}

static long long
held_for(const char *order)
{
	return t_db_count(PRODUCT_DB, "SELECT coalesce(sum(l.quantity), 0) FROM reservations r "
	    "JOIN reservation_lines l USING (order_id) WHERE r.order_id = $1 "
	    "AND r.status = 'RESERVED'", order, (char *)NULL);
}

static void
kill_pool(const char *name, int size)
{
	T_ASSERT(t_kill_children(name, SIGKILL) >= 1);
	T_ASSERT(t_pool_full(name, size, 5000));
}

static int
pool_size(const char *name)
{
	pid_t kids[T_MAXKIDS], m = t_stack_pid(name);
	return m > 0 ? t_children(m, kids) : -1;
}

/* Retries the key until the order is made: the answer's status, its id
 * into id[37] and whether it was a replay. */
static long
retry_until_made(const char *token, const char *body, const char *key, char id[37],
    bool *replayed)
{
	long st = 0;
	double end = t_now() + STALE_S + 10;
	id[0] = '\0';
	while (t_now() < end) {
		struct resp rs;
		st = order_post(&rs, token, body, key);
		if (st == 201) {
			const char *v = t_jstr(rs.json, "id");
			snprintf(id, 37, "%s", v ? v : "");
			const char *h = t_header(&rs, "Idempotent-Replayed");
			*replayed = h != NULL && strcmp(h, "true") == 0;
		}
		t_resp_free(&rs);
		if (st == 201 || (st != 409 && st < 500))
			break;
		t_sleep_ms(250);
	}
	return st;
}

/* After a crash: the retry makes or finds one order, under the key's id,
 * holding qty once; a further retry replays it. */
static void
expect_one_order(const struct t_user *u, const char *body, const char *key,
    const char *variant, long long stock0, int qty, bool replay_first)
{
	char id[37], again[37];
	bool replayed = false;
	T_EQ_INT(retry_until_made(u->token, body, key, id, &replayed), 201);
	char *res = key_resource(u->id, key);
	T_EQ_STR(id, res ? res : "(none)");
	T_EQ_INT(replayed, replay_first);
	T_EQ_INT(orders_of(u->id), 1);
	T_EQ_INT(held_for(id), qty);
	T_EQ_INT(t_stock(variant), stock0 - qty);
	T_EQ_INT(retry_until_made(u->token, body, key, again, &replayed), 201);
	T_EQ_STR(again, id);
	T_ASSERT(replayed);
	T_EQ_INT(orders_of(u->id), 1);
	T_EQ_INT(t_stock(variant), stock0 - qty);
	free(res);
}

/* ---- cases ---- */

/* The order worker dies while the product service reserves; the
 * reservation commits afterwards.  The retry reserves under the same id
 * (nothing more is taken) and makes the order. */
static void
killed_while_reserving(void)
{
	struct t_user u = t_register("CUSTOMER", "crash");
	char *variant = NULL, *product = product_create(100, &variant), body[300], key[64];
	T_REQUIRE(u.token && product && variant);
	body_of(body, sizeof body, product, 3);
	t_unique(key, sizeof key, "crash-reserve");
	PGconn *hold = t_db_hold(PRODUCT_DB, "SELECT id FROM variants WHERE id = $1 FOR UPDATE",
	    variant, (char *)NULL);
	T_REQUIRE(hold != NULL);
	pid_t c = order_post_bg(u.token, body, key);
	T_ASSERT(t_db_wait_blocked(PRODUCT_DB, NULL, 1, 5000));
	kill_pool("order", order_pool);
	t_db_hold_end(hold);
	reap_child(c);
	char *id = key_resource(u.id, key);
	T_REQUIRE(id != NULL);
	/* The reservation committed, no order; the key is unanswered. */
	T_ASSERT(t_db_wait_blocked(PRODUCT_DB, NULL, 0, 2000));
	T_EQ_INT(held_for(id), 3);
	T_EQ_INT(orders_of(u.id), 0);
	struct resp rs;
	T_EQ_INT(order_post(&rs, u.token, body, key), 409);
	t_resp_free(&rs);
	expect_one_order(&u, body, key, variant, 100, 3, false);
	free(id);
	free(product);
	free(variant);
	t_user_free(&u);
}

/* The order worker dies while its INSERT waits, and its session with it:
 * reserved, no order.  The retry makes the order without taking twice. */
static void
killed_while_storing(void)
{
	struct t_user u = t_register("CUSTOMER", "crash");
	char *variant = NULL, *product = product_create(100, &variant), body[300], key[64];
	T_REQUIRE(u.token && product && variant);
	body_of(body, sizeof body, product, 2);
	t_unique(key, sizeof key, "crash-store");
	PGconn *hold = t_db_hold(ORDER_DB, "LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE",
	    (char *)NULL);
	T_REQUIRE(hold != NULL);
	pid_t c = order_post_bg(u.token, body, key);
	T_ASSERT(t_db_wait_blocked(ORDER_DB, "%INSERT INTO orders%", 1, 5000));
	kill_pool("order", order_pool);
	T_ASSERT(t_db_kill_blocked(ORDER_DB, "%INSERT INTO orders%") >= 1);
	t_db_hold_end(hold);
	reap_child(c);
	char *id = key_resource(u.id, key);
	T_REQUIRE(id != NULL);
	T_EQ_INT(orders_of(u.id), 0);
	T_EQ_INT(held_for(id), 2);
	T_EQ_INT(t_stock(variant), 98);
	expect_one_order(&u, body, key, variant, 100, 2, false);
	free(id);
	free(product);
	free(variant);
	t_user_free(&u);
}

/* The order committed; the worker dies while the key's answer waits.  The
 * retry gets the order at once, as a replay. */
static void
killed_while_answering(void)
{
	struct t_user u = t_register("CUSTOMER", "crash");
	char *variant = NULL, *product = product_create(100, &variant), body[300], key[64];
	T_REQUIRE(u.token && product && variant);
	body_of(body, sizeof body, product, 1);
	t_unique(key, sizeof key, "crash-answer");
	PGconn *orders = t_db_hold(ORDER_DB, "LOCK TABLE orders IN SHARE ROW EXCLUSIVE MODE",
	    (char *)NULL);
	T_REQUIRE(orders != NULL);
	pid_t c = order_post_bg(u.token, body, key);
	T_ASSERT(t_db_wait_blocked(ORDER_DB, "%INSERT INTO orders%", 1, 5000));
	/* Claimed (the INSERT waits): hold the key's row, let the order in. */
	PGconn *keyrow = t_db_hold(ORDER_DB, "SELECT 1 FROM idempotency_keys WHERE owner_id = $1 "
	    "AND key = $2 FOR UPDATE", u.id, key, (char *)NULL);
	T_REQUIRE(keyrow != NULL);
	t_db_hold_end(orders);
	T_ASSERT(t_db_wait_blocked(ORDER_DB, "UPDATE idempotency_keys%", 1, 5000));
	kill_pool("order", order_pool);
	T_EQ_INT(t_db_kill_blocked(ORDER_DB, "UPDATE idempotency_keys%"), 1);
	t_db_hold_end(keyrow);
	reap_child(c);
	T_EQ_INT(orders_of(u.id), 1);
	char *st = t_db_value(ORDER_DB, "SELECT coalesce(status::text, 'none') FROM "
	    "idempotency_keys WHERE owner_id = $1 AND key = $2", u.id, key, (char *)NULL);
	T_EQ_STR(st ? st : "(no row)", "none");
	free(st);
	expect_one_order(&u, body, key, variant, 100, 1, true);
	free(product);
	free(variant);
	t_user_free(&u);
}

static long long
reap(long older)
{
	char args[100], out[600];
	snprintf(args, sizeof args, "product reap-reservations '{\"olderThanSeconds\":%ld}'",
	    older);
	if (t_cron_job("", args, out, sizeof out) != 0)
		return -1;
	struct json_object *o = json_tokener_parse(out);
	long long n = o ? t_jint(o, "released", -1) : -1;
	json_object_put(o);
	return n;
}

/* The product worker dies after its reservation is made but before it
 * answers: the order service answers 503 and frees the key; the
 * reservation, committed after, belongs to no order until the reaper. */
static void
product_killed_then_reaped(void)
{
	struct t_user u = t_register("CUSTOMER", "crash");
	char *variant = NULL, *product = product_create(100, &variant), body[300], key[64];
	T_REQUIRE(u.token && product && variant);
	body_of(body, sizeof body, product, 4);
	t_unique(key, sizeof key, "crash-product");
	PGconn *hold = t_db_hold(PRODUCT_DB, "SELECT id FROM variants WHERE id = $1 FOR UPDATE",
	    variant, (char *)NULL);
	T_REQUIRE(hold != NULL);
	struct resp rs;
	pid_t c = order_post_bg(u.token, body, key);
	T_ASSERT(t_db_wait_blocked(PRODUCT_DB, NULL, 1, 5000));
	char *first = key_resource(u.id, key);
	kill_pool("product", product_pool);
	int st = 0;
	waitpid(c, &st, 0);
	T_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);   /* a 5xx */
	t_db_hold_end(hold);
	T_ASSERT(t_db_wait_blocked(PRODUCT_DB, NULL, 0, 2000));
	T_REQUIRE(first != NULL);
	T_EQ_INT(held_for(first), 4);           /* held by no order */
	T_EQ_INT(t_stock(variant), 96);
	T_EQ_INT(reap(3600), 0);                /* too young for the bound */
	T_EQ_INT(reap(0), 1);
	T_EQ_INT(held_for(first), 0);
	T_EQ_INT(t_stock(variant), 100);
	T_EQ_INT(reap(0), 0);
	/* The key was freed: the retry is a new order. */
	T_EQ_INT(order_post(&rs, u.token, body, key), 201);
	T_ASSERT(t_header(&rs, "Idempotent-Replayed") == NULL);
	t_resp_free(&rs);
	T_EQ_INT(orders_of(u.id), 1);
	T_EQ_INT(t_stock(variant), 96);
	free(first);
	free(product);
	free(variant);
	t_user_free(&u);
}

/* An order the reaper must leave alone: it exists. */
static void
reaper_keeps_owned_reservations(void)
{
	struct t_user u = t_register("CUSTOMER", "crash");
	char *variant = NULL, *product = product_create(10, &variant), body[300], key[64];
	T_REQUIRE(u.token && product && variant);
	body_of(body, sizeof body, product, 1);
	t_unique(key, sizeof key, "crash-owned");
	struct resp rs;
	T_EQ_INT(order_post(&rs, u.token, body, key), 201);
	const char *id = t_jstr(rs.json, "id");
	T_REQUIRE(id != NULL);
	T_ASSERT(reap(0) >= 0);
	T_EQ_INT(held_for(id), 1);
	T_EQ_INT(t_stock(variant), 9);
	t_resp_free(&rs);
	free(product);
	free(variant);
	t_user_free(&u);
}

static void
reap_bad_body_400(void)
{
	char out[600];
	T_EQ_INT(t_cron_job("", "product reap-reservations '{\"olderThanSeconds\":-1}'", out,
	    sizeof out), 1);
	T_EQ_INT(t_cron_job("", "product reap-reservations '{\"limit\":0}'", out,
	    sizeof out), 1);
	T_EQ_INT(t_cron_job("", "product reap-reservations '{\"what\":1}'", out,
	    sizeof out), 1);
	struct resp rs;
	t_post_json(&rs, "/internal/product/jobs/reap-reservations", admin, "{}");
	T_ASSERT(rs.status == 404);             /* not public */
	t_resp_free(&rs);
}

static void
wallet_event(const char *type, const char *order, const char *seller, long long commission)
{
	char p[400], id[37], buyer[37];
	crypto_uuid4(buyer);   /* not the seller: a self-purchase earns nothing */
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"shareLinkId\":null,\"paymentId\":null,\"currency\":\"INR\",\"totalPaise\":%lld,"
	    "\"commissionPaise\":%lld}", order, buyer, seller, commission * 10, commission);
	struct resp rs;
	crypto_uuid4(id);
	t_event_post(&rs, "wallet", id, type, p);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static long long
available_of(const char *seller)
{
	return t_db_count(WALLET_DB, "SELECT available FROM wallets WHERE seller_id = $1", seller,
	    (char *)NULL);
}

static long long
payouts_of(const char *seller)
{
	return t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE seller_id = $1",
	    seller, (char *)NULL);
}

/* The wallet worker dies while its payout's answer is being stored: the
 * payout and the answer commit together, so neither is there; the retry
 * (once the key is stale) makes one payout and holds the funds once. */
static void
payout_killed_while_answering(void)
{
	struct t_user u = t_register("RESELLER", "crash");
	T_REQUIRE(u.token != NULL);
	char order[37], url[120], key[64], h[100];
	crypto_uuid4(order);
	wallet_event("ORDER_PAID", order, u.id, 50000);
	wallet_event("ORDER_DELIVERED", order, u.id, 50000);
	T_REQUIRE(available_of(u.id) == 50000);
	T_REQUIRE(t_stack_restart("wallet", "IDEM_STALE_SECONDS", "2") != 0);
	t_sleep_ms(1000);
	int pool = pool_size("wallet");
	snprintf(url, sizeof url, "/wallets/%s/payouts", u.id);
	t_unique(key, sizeof key, "crash-payout");
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	const char *body = "{\"amount\":300.00,\"bankAccount\":\"HDFC0001234 / 5010001234\"}";
	PGconn *wallet = t_db_hold(WALLET_DB, "SELECT 1 FROM wallets WHERE seller_id = $1 "
	    "FOR UPDATE", u.id, (char *)NULL);
	T_REQUIRE(wallet != NULL);
	fflush(NULL);
	pid_t c = fork();
	if (c == 0) {
		struct resp rs;
		t_http(&rs, "POST", url, u.token, "application/json", body, strlen(body), h,
		    (char *)NULL);
		_exit(0);
	}
	T_ASSERT(t_db_wait_blocked(WALLET_DB, NULL, 1, 5000));
	PGconn *keyrow = t_db_hold(WALLET_DB, "SELECT 1 FROM idempotency_keys WHERE owner_id = $1 "
	    "AND key = $2 FOR UPDATE", u.id, key, (char *)NULL);
	T_REQUIRE(keyrow != NULL);
	t_db_hold_end(wallet);
	T_ASSERT(t_db_wait_blocked(WALLET_DB, "UPDATE idempotency_keys%", 1, 5000));
	kill_pool("wallet", pool);
	T_EQ_INT(t_db_kill_blocked(WALLET_DB, "UPDATE idempotency_keys%"), 1);
	t_db_hold_end(keyrow);
	reap_child(c);
	T_EQ_INT(payouts_of(u.id), 0);
	T_EQ_INT(available_of(u.id), 50000);
	double end = t_now() + 15;
	long st;
	struct resp rs;
	while ((st = t_http(&rs, "POST", url, u.token, "application/json", body, strlen(body), h,
	    (char *)NULL)) == 409 && t_now() < end) {
		t_resp_free(&rs);
		t_sleep_ms(250);
	}
	T_EQ_INT(st, 201);
	t_resp_free(&rs);
	T_EQ_INT(t_http(&rs, "POST", url, u.token, "application/json", body, strlen(body), h,
	    (char *)NULL), 201);
	T_EQ_STR(t_header(&rs, "Idempotent-Replayed"), "true");
	t_resp_free(&rs);
	T_EQ_INT(payouts_of(u.id), 1);
	T_EQ_INT(available_of(u.id), 20000);
	T_ASSERT(t_stack_restart("wallet", NULL, NULL) != 0);
	t_user_free(&u);
}

#define LOAD_CLIENTS 4
#define LOAD_KEYS 10

/* One client: LOAD_KEYS keys in turn, each retried until it is made. */
static void
load_client(const char *token, const char *body, int c)
{
	for (int k = 0; k < LOAD_KEYS; k++) {
		char key[64], id[37];
		bool replayed;
		snprintf(key, sizeof key, "load-%d-%d-%d", (int)getppid(), c, k);
		if (retry_until_made(token, body, key, id, &replayed) != 201)
			_exit(1);
	}
	_exit(0);
}

/* Clients retry their keys while order and product workers are killed
 * every 100 ms.  Afterwards every key has made one order, and once the
 * reaper has run, the stock held is the stock of the orders. */
static void
load_with_killed_workers(void)
{
	struct t_user u = t_register("CUSTOMER", "crash");
	char *variant = NULL, *product = product_create(1000, &variant), body[300];
	T_REQUIRE(u.token && product && variant);
	body_of(body, sizeof body, product, 1);
	pid_t kids[LOAD_CLIENTS];
	fflush(NULL);
	for (int c = 0; c < LOAD_CLIENTS; c++)
		if ((kids[c] = fork()) == 0)
			load_client(u.token, body, c);
	int killed = 0;
	for (int i = 0; i < 40; i++) {
		t_sleep_ms(100);
		killed += t_kill_children(i % 3 == 2 ? "product" : "order", SIGKILL) > 0;
	}
	int ok = 0;
	for (int c = 0; c < LOAD_CLIENTS; c++) {
		int st;
		waitpid(kids[c], &st, 0);
		ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	T_ASSERT(t_pool_full("order", order_pool, 5000));
	T_ASSERT(t_pool_full("product", product_pool, 5000));
	printf("    %d kills, %d of %d clients made all their orders\n", killed, ok,
	    LOAD_CLIENTS);
	T_EQ_INT(ok, LOAD_CLIENTS);
	T_EQ_INT(orders_of(u.id), LOAD_CLIENTS * LOAD_KEYS);
	long long keys = t_db_count(ORDER_DB, "SELECT count(*) FROM idempotency_keys k JOIN "
	    "orders o ON o.id = k.resource_id WHERE k.owner_id = $1", u.id, (char *)NULL);
	T_EQ_INT(keys, LOAD_CLIENTS * LOAD_KEYS);
	long long released = reap(0);
	printf("    the reaper released %lld reservations no order owned\n", released);
	T_ASSERT(released >= 0);
	T_EQ_INT(t_stock(variant), 1000 - LOAD_CLIENTS * LOAD_KEYS);
	long long held = t_db_count(PRODUCT_DB, "SELECT coalesce(sum(l.quantity), 0) FROM "
	    "reservations r JOIN reservation_lines l USING (order_id) WHERE "
	    "r.status = 'RESERVED' AND l.variant_id = $1", variant, (char *)NULL);
	T_EQ_INT(held, LOAD_CLIENTS * LOAD_KEYS);
	free(product);
	free(variant);
	t_user_free(&u);
}

static int
suite_init(void)
{
	admin = t_token(ROLE_ADMIN, "crash-admin@example.com");
	if (t_stack_restart("order", "IDEM_STALE_SECONDS", "2") == 0)
		return -1;
	t_sleep_ms(1000);   /* the restarted master forks its workers */
	order_pool = pool_size("order");
	product_pool = pool_size("product");
	if (order_pool < 1 || product_pool < 1 || !t_pool_full("order", order_pool, 5000))
		return -1;
	return admin ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	return t_stack_restart("order", NULL, NULL) != 0 ? 0 : -1;
}

static const struct t_case cases[] = {
	T_CASE(killed_while_reserving),
	T_CASE(killed_while_storing),
	T_CASE(killed_while_answering),
	T_CASE(product_killed_then_reaped),
	T_CASE(reaper_keeps_owned_reservations),
	T_CASE(reap_bad_body_400),
	T_CASE(payout_killed_while_answering),
	T_CASE(load_with_killed_workers),
};

int
main(void)
{
	return t_run("crash", cases, T_NCASES(cases), suite_init, suite_clean);
}
