/* The wallet service through the gateway and its internal listener: the
 * contract's shapes, ownership, the events (each applied once, in any
 * order: credit, release, cancellation, partial and full refunds, a refund
 * after a payout becoming owed), payouts (validation, the whole balance
 * asked for at once, Idempotency-Key, reject/approve/complete and the
 * transitions refused), the release and settlement jobs, the cron runner,
 * and one order's commission end to end through the order service and the
 * relay.
 *
 * Events are posted as the relay posts them.  Each case uses its own fresh
 * reseller, so balances start at zero.  Money is compared as the exact
 * JSON text the server wrote ("300.00") and as paise in wallet_db. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "crypto.h"
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WALLET_DB "WALLET_DATABASE_URL"

static char *admin;
static struct t_user customer;
/* Every reseller registered, freed at the end. */
static struct t_user sellers[64];
static int nsellers;

/* ---- helpers ---- */

/* A fresh reseller (registered through auth; its token is real). */
static struct t_user
seller_new(void)
{
	struct t_user u = t_register("RESELLER", "wallet-user");
	if (u.id != NULL && nsellers < (int)(sizeof sellers / sizeof sellers[0]))
		sellers[nsellers++] = u;
	return u;
}

static char *
uuid(char out[37])
{
	crypto_uuid4(out);
	return out;
}

/* Posts an event as the relay does; event_id NULL: a new one. */
static long
event_post(struct resp *rs, const char *event_id, const char *type, const char *payload)
{
	char id[37];
	return t_event_post(rs, "wallet", event_id ? event_id : uuid(id), type, payload);
}

/* Posts an event and checks the acknowledgement's status. */
static void
event_expect(const char *event_id, const char *type, const char *payload, const char *status)
{
	struct resp rs;
	event_post(&rs, event_id, type, payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), status);
	t_resp_free(&rs);
}

static void
paid(const char *order, const char *seller, long long commission, long long total)
{
	char p[400];
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"shareLinkId\":null,\"paymentId\":null,\"currency\":\"INR\",\"totalPaise\":%lld,"
	    "\"commissionPaise\":%lld}", order, customer.id, seller, total, commission);
	event_expect(NULL, "ORDER_PAID", p, "applied");
}

static void
order_fact(const char *type, const char *order, const char *seller, const char *status)
{
	char p[300];
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":0,\"commissionPaise\":0}", order, customer.id,
	    seller);
	event_expect(NULL, type, p, status);
}

static void
refunded(const char *order, long long refunded_paise, bool full, const char *status)
{
	char p[300];
	snprintf(p, sizeof p, "{\"paymentId\":\"%s\",\"orderId\":\"%s\",\"userId\":\"%s\","
	    "\"refundId\":\"rfnd_x\",\"amountPaise\":300000,\"refundedPaise\":%lld,"
	    "\"full\":%s,\"currency\":\"INR\"}", order, order, customer.id, refunded_paise,
	    full ? "true" : "false");
	event_expect(NULL, "PAYMENT_REFUNDED", p, status);
}

static long
wallet_get(struct resp *rs, const char *seller, const char *token)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s", seller);
	return t_get(rs, url, token);
}

/* Checks the wallet's balances as JSON text: pending, available, earnings,
 * owed. */
#define T_WALLET(seller, p, a, e, o) wallet_check((seller), (p), (a), (e), (o), __LINE__)
static void
wallet_check(const char *seller, const char *p, const char *a, const char *e, const char *o,
    int line)
{
	struct resp rs;
	wallet_get(&rs, seller, admin);
	if (t_check_status(&rs, 200, __FILE__, line)) {
		t_check_str(t_jtext(rs.json, "pendingBalance"), p, "pendingBalance", __FILE__, line);
		t_check_str(t_jtext(rs.json, "availableBalance"), a, "availableBalance", __FILE__,
		    line);
		t_check_str(t_jtext(rs.json, "totalEarnings"), e, "totalEarnings", __FILE__, line);
		t_check_str(t_jtext(rs.json, "owed"), o, "owed", __FILE__, line);
	}
	t_resp_free(&rs);
}

static long long
tx_count(const char *seller, const char *type)
{
	return t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = $2", seller, type,
	    (char *)NULL);
}

/* The available balance is the sum of its ledger rows; owed is the sum of
 * the OWED rows less the deductions (OWED_DEDUCTED rows record available,
 * which they take from); nothing is negative. */
static void
ledger_consistent(const char *seller)
{
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallets w WHERE seller_id = $1 AND "
	    "available = (SELECT coalesce(sum(amount), 0) FROM wallet_transactions "
	    "WHERE wallet_id = w.id AND balance = 'AVAILABLE') AND "
	    "owed = (SELECT coalesce(sum(amount), 0) FROM wallet_transactions "
	    "WHERE wallet_id = w.id AND (balance = 'OWED' OR type = 'OWED_DEDUCTED')) "
	    "AND pending >= 0 AND available >= 0 "
	    "AND owed >= 0", seller, (char *)NULL), 1);
}

static long long
payout_count(const char *seller)
{
	return t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE seller_id = $1",
	    seller, (char *)NULL);
}

/* Sends n copies of one request at once; counts the answers with status
 * ok and 409 (whose message must mention conflict) and fails on any
 * other. */
static void
race(int n, const char *method, const char *url, const char *token, const char *body,
    long ok, const char *conflict, int *oks, int *conflicts)
{
	long st[16];
	char *bodies[16];
	*oks = *conflicts = 0;
	if (n > 16)
		n = 16;
	t_http_parallel(n, method, url, token, "application/json", body, st, bodies);
	for (int i = 0; i < n; i++) {
		if (st[i] == ok)
			(*oks)++;
		else if (st[i] == 409 && t_contains(bodies[i], conflict))
			(*conflicts)++;
		else
			T_FAIL("%s %s at once -> %ld: %.300s", method, url, st[i], bodies[i]);
		free(bodies[i]);
	}
}

static long
payout_post(struct resp *rs, const char *seller, const char *token, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s/payouts", seller);
	return t_send_json(rs, "POST", url, token, json);
}

static long
payout_patch(struct resp *rs, const char *id, const char *token, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/payouts/%s", id);
	return t_send_json(rs, "PATCH", url, token, json);
}

/* A payout of u with request body json (201 checked); its id (malloc'd)
 * or NULL. */
static char *
payout_new_body(const struct t_user *u, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s/payouts", u->id);
	return t_create(url, u->token, json);
}

/* A payout of amount ("100.00") for u; its id (malloc'd) or NULL. */
static char *
payout_new(const struct t_user *u, const char *amount)
{
	char body[200];
	snprintf(body, sizeof body, "{\"amount\":%s,\"bankAccount\":\"HDFC0001234 / 50100012341234\","
	    "\"notes\":\"Monthly payout\"}", amount);
	return payout_new_body(u, body);
}

/* A reseller whose available balance is commission (paise) from one
 * delivered order. */
static struct t_user
seller_with_available(long long commission)
{
	struct t_user u = seller_new();
	char order[37];
	if (u.id == NULL)
		return u;
	uuid(order);
	paid(order, u.id, commission, commission * 10);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	return u;
}

static long
job_post(struct resp *rs, const char *job)
{
	char url[300];
	snprintf(url, sizeof url, "%s/internal/wallet/jobs/%s", t_env("INTERNAL_URL"), job);
	return t_http(rs, "POST", url, NULL, NULL, NULL, 0, (char *)NULL);
}

static int
suite_init(void)
{
	char sub[40];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	admin = t_mint(sub, "wallet-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	customer = t_register("CUSTOMER", "wallet-user");
	return admin && customer.token ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(customer.token);
	free(customer.id);
	for (int i = 0; i < nsellers; i++) {
		free(sellers[i].token);
		free(sellers[i].id);
	}
	return 0;
}

/* ---- cases: reading ---- */

static void
wallet_health(void)
{
	struct resp rs;
	t_get(&rs, "/wallets/health", NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "service"), "wallet");
	t_resp_free(&rs);
}

/* No commission yet: zeros, no id, the contract's members. */
static void
get_new_seller_zeros(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	struct resp rs;
	wallet_get(&rs, u.id, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "id", "null");
		T_EQ_STR(t_jstr(rs.json, "sellerId"), u.id);
		T_JSON_EQ(&rs, "pendingBalance", "0.00");
		T_JSON_EQ(&rs, "availableBalance", "0.00");
		T_JSON_EQ(&rs, "totalEarnings", "0.00");
		T_JSON_EQ(&rs, "owed", "0.00");
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
	}
	t_resp_free(&rs);
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s/transactions", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_JSON_EQ(&rs, "total", "0");
		T_JSON_EQ(&rs, "skip", "0");
		T_JSON_EQ(&rs, "take", "20");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallets WHERE seller_id = $1", u.id,
	    (char *)NULL), 0);
}

static void
ownership_403_401(void)
{
	struct t_user a = seller_new(), b = seller_new();
	T_REQUIRE(a.id != NULL && b.id != NULL);
	char url[160];
	struct resp rs;
	wallet_get(&rs, a.id, b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	wallet_get(&rs, a.id, customer.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	wallet_get(&rs, a.id, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	wallet_get(&rs, a.id, admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	wallet_get(&rs, "not-a-uuid", admin);
	T_ERROR(&rs, 400, "sellerId");
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/wallets/%s/transactions", a.id);
	t_get(&rs, url, b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	payout_post(&rs, a.id, b.token, "{\"amount\":1.00,\"bankAccount\":\"x\"}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* The list: a foreign sellerId is 403, a customer may not list. */
	snprintf(url, sizeof url, "/wallets/payouts?sellerId=%s", a.id);
	t_get(&rs, url, b.token);
	T_ERROR(&rs, 403, "sellerId");
	t_resp_free(&rs);
	t_get(&rs, "/wallets/payouts", customer.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* Internal routes are not on the public port. */
	t_http(&rs, "POST", "/internal/wallet/jobs/release", NULL, NULL, NULL, 0, (char *)NULL);
	T_ASSERT(rs.status == 404);
	t_resp_free(&rs);
}

/* ---- cases: events ---- */

/* ORDER_PAID credits pending once: the same event again and another event
 * for the same order change nothing. */
static void
paid_credits_once(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37], ev[37], p[400];
	uuid(order);
	uuid(ev);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":30000}", order,
	    customer.id, u.id);
	event_expect(ev, "ORDER_PAID", p, "applied");
	event_expect(ev, "ORDER_PAID", p, "duplicate");
	event_expect(NULL, "ORDER_PAID", p, "duplicate");
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	struct resp rs;
	wallet_get(&rs, u.id, u.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(t_jstr(rs.json, "id") != NULL && strlen(t_jstr(rs.json, "id")) == 36);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), u.id);
	}
	t_resp_free(&rs);
	char url[160];
	snprintf(url, sizeof url, "/wallets/%s/transactions?skip=0&take=20", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "1");
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "COMMISSION_CREATED");
		T_JSON_EQ(&rs, "data.0.amount", "300.00");
		T_JSON_EQ(&rs, "data.0.balanceBefore", "0.00");
		T_JSON_EQ(&rs, "data.0.balanceAfter", "300.00");
		T_ASSERT(t_contains(t_jstr(rs.json, "data.0.description"), order));
		T_ASSERT(t_jstr(rs.json, "data.0.id") != NULL);
		T_ASSERT(t_jstr(rs.json, "data.0.createdAt") != NULL);
	}
	t_resp_free(&rs);
	T_EQ_INT(tx_count(u.id, "COMMISSION_CREATED"), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1 "
	    "AND commission = 30000 AND total = 300000", order, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM inbox WHERE event_id = $1", ev,
	    (char *)NULL), 1);
}

static void
events_ignored_and_bad(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37], p[400];
	uuid(order);
	/* No seller, no commission, the seller buying from themself. */
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":null,"
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":30000}", order,
	    customer.id);
	event_expect(NULL, "ORDER_PAID", p, "ignored");
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":0}", order,
	    customer.id, u.id);
	event_expect(NULL, "ORDER_PAID", p, "ignored");
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":30000}", order, u.id,
	    u.id);
	event_expect(NULL, "ORDER_PAID", p, "ignored");
	event_expect(NULL, "ORDER_SHIPPED", "{}", "ignored");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1",
	    order, (char *)NULL), 0);

	/* Malformed: 400, so the relay retries and then parks them. */
	struct resp rs;
	event_post(&rs, NULL, "ORDER_PAID", "{\"sellerId\":null}");
	T_ERROR(&rs, 400, "orderId");
	t_resp_free(&rs);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"sellerId\":\"%s\",\"currency\":\"INR\","
	    "\"totalPaise\":1}", order, u.id);
	event_post(&rs, NULL, "ORDER_PAID", p);
	T_ERROR(&rs, 400, "commissionPaise");
	t_resp_free(&rs);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"sellerId\":\"%s\",\"currency\":\"rupees\","
	    "\"totalPaise\":1,\"commissionPaise\":1}", order, u.id);
	event_post(&rs, NULL, "ORDER_PAID", p);
	T_ERROR(&rs, 400, "currency");
	t_resp_free(&rs);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"refundedPaise\":-5}", order);
	event_post(&rs, NULL, "PAYMENT_REFUNDED", p);
	T_ERROR(&rs, 400, "refundedPaise");
	t_resp_free(&rs);
	char url[300];
	snprintf(url, sizeof url, "%s/internal/wallet/events", t_env("INTERNAL_URL"));
	t_send_json(&rs, "POST", url, NULL, "{\"type\":\"ORDER_PAID\"}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
}

/* COMMISSION_HOLD_DAYS is 0 in the test stack: delivery releases at once. */
static void
delivered_releases(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	order_fact("ORDER_DELIVERED", order, u.id, "duplicate");
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	struct resp rs;
	char url[160];
	snprintf(url, sizeof url, "/wallets/%s/transactions", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "2");
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "COMMISSION_RELEASED");   /* newest first */
		T_EQ_STR(t_jstr(rs.json, "data.0.balance"), "AVAILABLE");
		T_JSON_EQ(&rs, "data.0.amount", "300.00");
		T_JSON_EQ(&rs, "data.0.balanceBefore", "0.00");
		T_JSON_EQ(&rs, "data.0.balanceAfter", "300.00");
		T_EQ_STR(t_jstr(rs.json, "data.1.type"), "COMMISSION_CREATED");
	}
	t_resp_free(&rs);
	/* Paging. */
	snprintf(url, sizeof url, "/wallets/%s/transactions?skip=1&take=1", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "2");
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "COMMISSION_CREATED");
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/wallets/%s/transactions?take=0", u.id);
	t_get(&rs, url, u.token);
	T_ERROR(&rs, 400, "take");
	t_resp_free(&rs);
	ledger_consistent(u.id);
}

static void
cancel_before_release(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_CANCELLED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	order_fact("ORDER_CANCELLED", order, u.id, "duplicate");
	refunded(order, 300000, true, "applied");      /* the fact is new, nothing left */
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_REVERSED"), 1);
	T_EQ_INT(tx_count(u.id, "COMMISSION_RELEASED"), 0);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'COMMISSION_REVERSED' AND "
	    "t.balance = 'PENDING' AND t.amount = -30000 AND t.balance_before = 30000 AND "
	    "t.balance_after = 0", u.id, (char *)NULL), 1);
}

static void
cancel_after_release(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	order_fact("ORDER_CANCELLED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'COMMISSION_REVERSED' AND "
	    "t.balance = 'AVAILABLE' AND t.amount = -30000", u.id, (char *)NULL), 1);
	ledger_consistent(u.id);
}

/* Cancellation and a full refund before the commission is credited: the
 * credit is taken back as it arrives. */
static void
refund_before_paid(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	refunded(order, 300000, true, "applied");
	paid(order, u.id, 30000, 300000);
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_CREATED"), 1);
	T_EQ_INT(tx_count(u.id, "COMMISSION_REVERSED"), 1);
}

/* Partial refunds reverse commission * refunded / total (rounded down),
 * from the largest refundedPaise seen, whatever their order. */
static void
partial_refunds_order_independent(void)
{
	struct t_user u = seller_new(), v = seller_new();
	T_REQUIRE(u.id != NULL && v.id != NULL);
	char a[37], b[37];
	uuid(a);
	uuid(b);
	paid(a, u.id, 30000, 300000);
	paid(b, v.id, 30000, 300000);
	refunded(a, 100000, false, "applied");
	T_WALLET(u.id, "200.00", "0.00", "200.00", "0.00");
	refunded(a, 200000, false, "applied");
	refunded(b, 200000, false, "applied");
	refunded(b, 100000, false, "duplicate");       /* smaller than seen: nothing */
	T_WALLET(u.id, "100.00", "0.00", "100.00", "0.00");
	T_WALLET(v.id, "100.00", "0.00", "100.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_REVERSED"), 2);
	T_EQ_INT(tx_count(v.id, "COMMISSION_REVERSED"), 1);
	/* The rest refunded in full: all of it. */
	refunded(a, 300000, true, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");

	/* Rounding: 10.01 of commission, a third of 30.00 refunded -> 3.33
	 * reversed (333.67 paise rounded down), 6.68 left. */
	struct t_user w = seller_new();
	T_REQUIRE(w.id != NULL);
	char c[37];
	uuid(c);
	paid(c, w.id, 1001, 3000);
	refunded(c, 1000, false, "applied");
	T_WALLET(w.id, "6.68", "0.00", "6.68", "0.00");
	/* Delivered after a partial refund: what is left is released. */
	order_fact("ORDER_DELIVERED", c, w.id, "applied");
	T_WALLET(w.id, "0.00", "6.68", "6.68", "0.00");
	refunded(c, 3000, false, "applied");           /* the whole total: all of it */
	T_WALLET(w.id, "0.00", "0.00", "0.00", "0.00");
	ledger_consistent(w.id);
}

/* A refund after the commission was paid out: available cannot cover it,
 * so the rest is owed (never a negative balance) and the next release pays
 * it first. */
static void
refund_after_payout_owed(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	char *payout = payout_new(&u, "250.00");
	T_REQUIRE(payout != NULL);
	T_WALLET(u.id, "0.00", "50.00", "300.00", "0.00");
	char order[37];
	char *o = t_db_value(WALLET_DB, "SELECT o.order_id FROM wallet_orders o JOIN wallets w "
	    "ON w.id = o.wallet_id WHERE w.seller_id = $1", u.id, (char *)NULL);
	T_REQUIRE(o != NULL);
	snprintf(order, sizeof order, "%s", o);
	free(o);
	refunded(order, 300000, true, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "250.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_OWED"), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'COMMISSION_OWED' AND "
	    "t.balance = 'OWED' AND t.amount = 25000 AND t.balance_before = 0 AND "
	    "t.balance_after = 25000", u.id, (char *)NULL), 1);
	/* The payout row was not touched. */
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "amount = 25000 AND status = 'PENDING'", payout, (char *)NULL), 1);

	/* The next commission: 400.00 released, 250.00 of it pays what is owed. */
	char next[37];
	uuid(next);
	paid(next, u.id, 40000, 400000);
	order_fact("ORDER_DELIVERED", next, u.id, "applied");
	T_WALLET(u.id, "0.00", "150.00", "400.00", "0.00");
	T_EQ_INT(tx_count(u.id, "OWED_DEDUCTED"), 1);
	ledger_consistent(u.id);
	free(payout);
}

/* ---- cases: payouts ---- */

static void
payout_create_shape(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	struct resp rs;
	payout_post(&rs, u.id, u.token, "{\"amount\":120.50,\"bankAccount\":\"Account ending in 1234\","
	    "\"notes\":\"Monthly payout\"}");
	if (T_STATUS(&rs, 201)) {
		T_ASSERT(t_jstr(rs.json, "id") != NULL);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), u.id);
		T_JSON_EQ(&rs, "amount", "120.50");
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
		T_EQ_STR(t_jstr(rs.json, "bankAccount"), "Account ending in 1234");
		T_EQ_STR(t_jstr(rs.json, "notes"), "Monthly payout");
		T_EQ_STR(t_jstr(rs.json, "status"), "PENDING");
		T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 "
		    "AND amount = 12050", t_jstr(rs.json, "id"), (char *)NULL), 1);
	}
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "179.50", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'PAYOUT_REQUESTED' AND "
	    "t.amount = -12050 AND t.balance_before = 30000 AND t.balance_after = 17950", u.id,
	    (char *)NULL), 1);
	/* An admin for the reseller. */
	payout_post(&rs, u.id, admin, "{\"amount\":9.50,\"bankAccount\":\"x\"}");
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "170.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM outbox WHERE "
	    "type = 'PAYOUT_STATUS_CHANGED' AND payload->>'sellerId' = $1", u.id, (char *)NULL), 2);
}

static void
payout_bad_input_400(void)
{
	struct t_user u = seller_with_available(10000);
	T_REQUIRE(u.id != NULL);
	static const struct {
		const char *body, *mention;
	} bad[] = {
		{ "{\"bankAccount\":\"x\"}", "amount" },
		{ "{\"amount\":0,\"bankAccount\":\"x\"}", "amount" },
		{ "{\"amount\":-5,\"bankAccount\":\"x\"}", "amount" },
		{ "{\"amount\":1.001,\"bankAccount\":\"x\"}", "amount" },
		{ "{\"amount\":\"ten\",\"bankAccount\":\"x\"}", "amount" },
		{ "{\"amount\":10}", "bankAccount" },
		{ "{\"amount\":10,\"bankAccount\":\"  \"}", "bankAccount" },
		{ "{\"amount\":10,\"bankAccount\":5}", "bankAccount" },
		{ "{\"amount\":10,\"bankAccount\":\"x\",\"status\":\"COMPLETED\"}", "status" },
		{ "[1]", NULL },
	};
	struct resp rs;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		payout_post(&rs, u.id, u.token, bad[i].body);
		T_ERROR(&rs, 400, bad[i].mention);
		t_resp_free(&rs);
	}
	payout_post(&rs, u.id, u.token, "{\"amount\":100.01,\"bankAccount\":\"x\"}");
	T_ERROR(&rs, 409, "insufficient balance");
	t_resp_free(&rs);
	/* A reseller with no wallet at all. */
	struct t_user v = seller_new();
	T_REQUIRE(v.id != NULL);
	payout_post(&rs, v.id, v.token, "{\"amount\":1.00,\"bankAccount\":\"x\"}");
	T_ERROR(&rs, 409, "insufficient balance");
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "100.00", "100.00", "0.00");
	T_EQ_INT(payout_count(u.id), 0);
}

/* The whole balance asked for by eight requests at once: exactly one. */
static void
payout_concurrent_whole_balance(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	enum { N = 8 };
	char url[160];
	snprintf(url, sizeof url, "/wallets/%s/payouts", u.id);
	int created, refused;
	race(N, "POST", url, u.token, "{\"amount\":300.00,\"bankAccount\":\"x\"}", 201,
	    "insufficient balance", &created, &refused);
	T_EQ_INT(created, 1);
	T_EQ_INT(refused, N - 1);
	T_WALLET(u.id, "0.00", "0.00", "300.00", "0.00");
	T_EQ_INT(payout_count(u.id), 1);
	T_EQ_INT(tx_count(u.id, "PAYOUT_REQUESTED"), 1);
}

static void
payout_idempotency_key(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	char key[80], h[120], url[160];
	struct resp a, b, c;
	t_unique(key, sizeof key, "wallet-key");
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	snprintf(url, sizeof url, "/wallets/%s/payouts", u.id);
	const char *body = "{\"amount\":100.00,\"bankAccount\":\"x\"}";
	const char *other = "{\"amount\":101.00,\"bankAccount\":\"x\"}";
	t_http(&a, "POST", url, u.token, "application/json", body, strlen(body), h, (char *)NULL);
	t_http(&b, "POST", url, u.token, "application/json", body, strlen(body), h, (char *)NULL);
	t_http(&c, "POST", url, u.token, "application/json", other, strlen(other), h, (char *)NULL);
	if (T_STATUS(&a, 201) && T_STATUS(&b, 201)) {
		T_EQ_STR(t_jstr(b.json, "id"), t_jstr(a.json, "id"));
		T_EQ_STR(t_header(&b, "Idempotent-Replayed"), "true");
	}
	T_ERROR(&c, 422, NULL);
	t_resp_free(&a);
	t_resp_free(&b);
	t_resp_free(&c);
	T_WALLET(u.id, "0.00", "200.00", "300.00", "0.00");
	T_EQ_INT(payout_count(u.id), 1);
}

static void
payout_reject_returns_funds(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	char *id = payout_new(&u, "100.00");
	T_REQUIRE(id != NULL);
	T_WALLET(u.id, "0.00", "200.00", "300.00", "0.00");
	struct resp rs;
	payout_patch(&rs, id, u.token, "{\"status\":\"REJECTED\"}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	payout_patch(&rs, id, admin, "{\"status\":\"REJECTED\",\"notes\":\"wrong account\"}");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "REJECTED");
		T_EQ_STR(t_jstr(rs.json, "adminNotes"), "wrong account");
		T_EQ_STR(t_jstr(rs.json, "notes"), "Monthly payout");
		T_ASSERT(t_jstr(rs.json, "rejectedAt") != NULL);
	}
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_REJECTED' AND amount = 10000 AND "
	    "balance_before = 20000 AND balance_after = 30000", id, (char *)NULL), 1);
	/* Rejected is final. */
	static const char *const again[] = { "REJECTED", "APPROVED", "COMPLETED", "PENDING" };
	for (size_t i = 0; i < 4; i++) {
		char body[80];
		snprintf(body, sizeof body, "{\"status\":\"%s\"}", again[i]);
		payout_patch(&rs, id, admin, body);
		T_ERROR(&rs, 409, "transition");
		t_resp_free(&rs);
	}
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	ledger_consistent(u.id);
	free(id);
}

static void
payout_transitions(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	char *id = payout_new(&u, "100.00");
	T_REQUIRE(id != NULL);
	struct resp rs;
	payout_patch(&rs, id, admin, "{\"status\":\"COMPLETED\"}");
	T_ERROR(&rs, 409, "PENDING to COMPLETED");
	t_resp_free(&rs);
	payout_patch(&rs, id, admin, "{\"status\":\"PAID\"}");
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	payout_patch(&rs, id, admin, "{}");
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	char unknown[37], url[160];
	payout_patch(&rs, uuid(unknown), admin, "{\"status\":\"APPROVED\"}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	payout_patch(&rs, "nope", admin, "{\"status\":\"APPROVED\"}");
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);

	/* Four approvals at once: one wins. */
	enum { N = 4 };
	snprintf(url, sizeof url, "/wallets/payouts/%s", id);
	int ok, conflict;
	race(N, "PATCH", url, admin, "{\"status\":\"APPROVED\"}", 200, "transition", &ok,
	    &conflict);
	T_EQ_INT(ok, 1);
	T_EQ_INT(conflict, N - 1);
	payout_patch(&rs, id, admin, "{\"status\":\"REJECTED\"}");
	T_ERROR(&rs, 409, "APPROVED to REJECTED");
	t_resp_free(&rs);
	payout_patch(&rs, id, admin, "{\"status\":\"COMPLETED\",\"notes\":\"paid by NEFT\"}");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "COMPLETED");
		T_ASSERT(t_jstr(rs.json, "approvedAt") != NULL);
		T_ASSERT(t_jstr(rs.json, "completedAt") != NULL);
	}
	t_resp_free(&rs);
	/* Completion moves no money: it left at the request. */
	T_WALLET(u.id, "0.00", "200.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_COMPLETED' AND amount = 0", id, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND "
	    "type = 'PAYOUT_STATUS_CHANGED'", id, (char *)NULL), 3);
	free(id);
}

static void
payout_list(void)
{
	struct t_user u = seller_with_available(30000), v = seller_with_available(30000);
	T_REQUIRE(u.id != NULL && v.id != NULL);
	char *a = payout_new(&u, "10.00"), *b = payout_new(&u, "20.00"), *c = payout_new(&v, "30.00");
	T_REQUIRE(a && b && c);
	struct resp rs;
	payout_patch(&rs, a, admin, "{\"status\":\"APPROVED\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* A reseller: their own, newest first. */
	t_get(&rs, "/wallets/payouts", u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "2");
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), b);
		T_EQ_STR(t_jstr(rs.json, "data.1.id"), a);
		T_JSON_EQ(&rs, "data.0.amount", "20.00");
		T_JSON_EQ(&rs, "skip", "0");
		T_JSON_EQ(&rs, "take", "20");
	}
	t_resp_free(&rs);
	char url[200];
	snprintf(url, sizeof url, "/wallets/payouts?sellerId=%s&status=APPROVED", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "1");
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), a);
	}
	t_resp_free(&rs);
	/* An admin: anyone's. */
	snprintf(url, sizeof url, "/wallets/payouts?sellerId=%s", v.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "1");
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), c);
	}
	t_resp_free(&rs);
	t_get(&rs, "/wallets/payouts?status=PENDING&take=1", admin);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(t_jint(rs.json, "total", 0) >= 2);
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
	}
	t_resp_free(&rs);
	t_get(&rs, "/wallets/payouts?status=DONE", admin);
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	t_get(&rs, "/wallets/payouts?sellerId=xyz", admin);
	T_ERROR(&rs, 400, "sellerId");
	t_resp_free(&rs);
	free(a);
	free(b);
	free(c);
}

/* ---- cases: jobs ---- */

/* A commission under a hold (as COMMISSION_HOLD_DAYS > 0 leaves it on
 * delivery: release_at ahead) stays pending until the release job runs
 * after its time; a second run releases nothing. */
static void
release_job_hold(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET delivered_at = now(), "
	    "release_at = now() + interval '3 days' WHERE order_id = $1", order, (char *)NULL), 1);
	struct resp rs;
	job_post(&rs, "release");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "job"), "release");
	t_resp_free(&rs);
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	/* Delivery is known: a second ORDER_DELIVERED does not restart the hold. */
	order_fact("ORDER_DELIVERED", order, u.id, "duplicate");
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");

	/* The hold has passed. */
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET release_at = now() - "
	    "interval '1 minute' WHERE order_id = $1", order, (char *)NULL), 1);
	job_post(&rs, "release");
	if (T_STATUS(&rs, 200))
		T_ASSERT(t_jint(rs.json, "released", 0) >= 1);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	job_post(&rs, "release");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_RELEASED"), 1);

	/* A refund while on hold comes out of pending; the job then releases
	 * the rest. */
	char second[37];
	uuid(second);
	paid(second, u.id, 10000, 100000);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET delivered_at = now(), "
	    "release_at = now() + interval '3 days' WHERE order_id = $1", second, (char *)NULL), 1);
	refunded(second, 50000, false, "applied");
	T_WALLET(u.id, "50.00", "300.00", "350.00", "0.00");
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET release_at = now() - "
	    "interval '1 second' WHERE order_id = $1", second, (char *)NULL), 1);
	job_post(&rs, "release");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "350.00", "350.00", "0.00");
	ledger_consistent(u.id);
	job_post(&rs, "no-such-job");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

/* Restarts the wallet pool with environment variable name set to value
 * (NULL: unset, the default) through the stack script, and waits until it
 * answers.  True when a new pool runs. */
static bool
wallet_restart(const char *name, const char *value)
{
	if (t_stack_restart("wallet", name, value) == 0)
		return false;
	for (int i = 0; i < 100; i++, t_sleep_ms(100)) {
		struct resp rs;
		t_get(&rs, "/wallets/health", NULL);
		long st = rs.status;
		t_resp_free(&rs);
		if (st == 200)
			return true;
	}
	return false;
}

/* With COMMISSION_HOLD_DAYS=2 a delivery starts the hold: the commission
 * stays pending, due two days later, until the release job runs after
 * that; then the pool goes back to the default (0: at delivery). */
static void
release_hold_days_from_env(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	T_REQUIRE(wallet_restart("COMMISSION_HOLD_DAYS", "2"));
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1 "
	    "AND release_at BETWEEN delivered_at + interval '2 days' - interval '1 second' AND "
	    "delivered_at + interval '2 days' + interval '1 second' AND released_at IS NULL", order,
	    (char *)NULL), 1);
	struct resp rs;
	job_post(&rs, "release");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET release_at = now() - "
	    "interval '1 second' WHERE order_id = $1", order, (char *)NULL), 1);
	job_post(&rs, "release");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	T_REQUIRE(wallet_restart("COMMISSION_HOLD_DAYS", NULL));
	char now[37];
	uuid(now);
	paid(now, u.id, 1000, 10000);
	order_fact("ORDER_DELIVERED", now, u.id, "applied");
	T_WALLET(u.id, "0.00", "310.00", "310.00", "0.00");
}

/* How many payouts the Razorpay stand-in holds for fund account fa. */
static int
stub_payouts_to(const char *fa)
{
	char url[200];
	struct resp rs;
	snprintf(url, sizeof url, "http://127.0.0.1:%s/_stub/state", t_env("RAZORPAY_STUB_PORT"));
	t_get(&rs, url, NULL);
	int n = -1;
	if (rs.status == 200) {
		n = 0;
		size_t len = t_jlen(rs.json, "payouts");
		for (size_t i = 0; i < len; i++) {
			char path[64];
			snprintf(path, sizeof path, "payouts.%zu.fund_account_id", i);
			const char *v = t_jstr(rs.json, path);
			n += v != NULL && strcmp(v, fa) == 0;
		}
	}
	t_resp_free(&rs);
	return n;
}

/* With RAZORPAYX_ACCOUNT_NUMBER set, approved payouts go out through
 * RazorpayX (the stand-in's POST /v1/payouts) with X-Payout-Idempotency:
 * one RazorpayX payout each however often the job runs; a failed one is
 * rejected and its amount returns; bankAccount must be a fund account. */
static void
settle_razorpayx(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	struct resp rs;
	T_REQUIRE(wallet_restart("RAZORPAYX_ACCOUNT_NUMBER", "7878780080316316"));
	payout_post(&rs, u.id, u.token, "{\"amount\":10.00,\"bankAccount\":\"HDFC 1234\"}");
	T_ERROR(&rs, 400, "fund account");
	t_resp_free(&rs);
	char fa_ok[40], fa_bad[40], fa_rev[40], body[200];
	snprintf(fa_ok, sizeof fa_ok, "fa_ok%08d", (int)getpid());
	snprintf(fa_bad, sizeof fa_bad, "fa_fail%08d", (int)getpid());
	snprintf(fa_rev, sizeof fa_rev, "fa_rv%08d", (int)getpid());
	snprintf(body, sizeof body, "{\"amount\":200.00,\"bankAccount\":\"%s\"}", fa_ok);
	char *ok = payout_new_body(&u, body);
	snprintf(body, sizeof body, "{\"amount\":50.00,\"bankAccount\":\"%s\"}", fa_bad);
	char *bad = payout_new_body(&u, body);
	snprintf(body, sizeof body, "{\"amount\":20.00,\"bankAccount\":\"%s\"}", fa_rev);
	char *rev = payout_new_body(&u, body);
	T_REQUIRE(ok != NULL && bad != NULL && rev != NULL);
	const char *all[] = { ok, bad, rev };
	for (int i = 0; i < 3; i++) {
		payout_patch(&rs, all[i], admin, "{\"status\":\"APPROVED\"}");
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}
	T_WALLET(u.id, "0.00", "30.00", "300.00", "0.00");

	/* RazorpayX takes ok and rev (processing) and fails bad; the second run
	 * asks about the two again (no second payout). */
	for (int run = 0; run < 2; run++) {
		job_post(&rs, "settle");
		if (T_STATUS(&rs, 200)) {
			T_EQ_STR(t_jstr(rs.json, "via"), "razorpayx");
			T_JSON_EQ(&rs, "errors", "0");
			T_JSON_EQ(&rs, "inFlight", "2");
			T_JSON_EQ(&rs, "completed", "0");
		}
		t_resp_free(&rs);
	}
	T_EQ_INT(stub_payouts_to(fa_ok), 1);
	T_EQ_INT(stub_payouts_to(fa_bad), 1);
	T_EQ_INT(stub_payouts_to(fa_rev), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'APPROVED' AND gateway_payout_id LIKE 'pout\\_%' AND "
	    "gateway_status = 'processing' AND batch_id IS NULL", ok, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'REJECTED' AND gateway_status = 'failed' AND gateway_error IS NOT NULL",
	    bad, (char *)NULL), 1);
	/* The failed one's 50.00 came back. */
	T_WALLET(u.id, "0.00", "80.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_REJECTED' AND amount = 5000", bad, (char *)NULL), 1);

	/* RazorpayX processes ok and reverses rev: COMPLETED (nothing moves),
	 * REJECTED with its 20.00 back. */
	const char *to[][2] = { { ok, "processed" }, { rev, "reversed" } };
	for (int i = 0; i < 2; i++) {
		char *pout = t_db_value(WALLET_DB, "SELECT gateway_payout_id FROM wallet_payouts "
		    "WHERE id = $1", to[i][0], (char *)NULL);
		T_REQUIRE(pout != NULL);
		char url[200], b[200];
		snprintf(url, sizeof url, "http://127.0.0.1:%s/_stub/payout",
		    t_env("RAZORPAY_STUB_PORT"));
		snprintf(b, sizeof b, "{\"id\":\"%s\",\"status\":\"%s\"}", pout, to[i][1]);
		t_send_json(&rs, "POST", url, NULL, b);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
		free(pout);
	}
	job_post(&rs, "settle");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "completed", "1");
		T_JSON_EQ(&rs, "rejected", "1");
		T_JSON_EQ(&rs, "inFlight", "0");
	}
	t_resp_free(&rs);
	T_EQ_INT(stub_payouts_to(fa_ok), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'COMPLETED' AND gateway_status = 'processed'", ok, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'REJECTED' AND gateway_status = 'reversed'", rev, (char *)NULL), 1);
	T_WALLET(u.id, "0.00", "100.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_COMPLETED'", ok, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_REJECTED' AND amount = 2000", rev, (char *)NULL), 1);
	ledger_consistent(u.id);
	T_REQUIRE(wallet_restart("RAZORPAYX_ACCOUNT_NUMBER", NULL));
	job_post(&rs, "settle");
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "via"), "file");
	t_resp_free(&rs);
	free(ok);
	free(bad);
	free(rev);
}

/* Reads file dir/name into a malloc'd string, or NULL. */
static char *
slurp(const char *dir, const char *name)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *s = calloc(1, 1 << 20);
	size_t n = s ? fread(s, 1, (1 << 20) - 1, f) : 0;
	(void)n;
	fclose(f);
	return s;
}

/* How many settlement files in dir name the payout. */
static int
files_naming(const char *dir, const char *payout)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (d == NULL)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "settlement-", 11) != 0)
			continue;
		char *s = slurp(dir, e->d_name);
		if (s != NULL && strstr(s, payout) != NULL)
			n++;
		free(s);
	}
	closedir(d);
	return n;
}

static void
settle_job_writes_file_once(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	struct resp rs;
	char *id = payout_new_body(&u, "{\"amount\":250.75,\"bankAccount\":\"IFSC HDFC0001, "
	    "\\\"acct\\\" 42\",\"notes\":\"june\"}");
	T_REQUIRE(id != NULL);
	char *pending = payout_new(&u, "10.00");      /* not approved: stays out */
	T_REQUIRE(pending != NULL);
	payout_patch(&rs, id, admin, "{\"status\":\"APPROVED\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	job_post(&rs, "settle");
	char name[200] = "";
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "job"), "settle");
		T_ASSERT(t_jint(rs.json, "completed", 0) >= 1);
		T_ASSERT(t_jlen(rs.json, "files") >= 1);
		if (t_jstr(rs.json, "files.0"))
			snprintf(name, sizeof name, "%s", t_jstr(rs.json, "files.0"));
	}
	t_resp_free(&rs);
	char dir[400];
	snprintf(dir, sizeof dir, "%s/settlements", t_env("VAR_DIR"));
	char *batch = t_db_value(WALLET_DB, "SELECT batch_id FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'COMPLETED' AND completed_at IS NOT NULL", id, (char *)NULL);
	T_REQUIRE(batch != NULL);
	char fname[100], line[400];
	snprintf(fname, sizeof fname, "settlement-%s.csv", batch);
	char *csv = slurp(dir, fname);
	T_REQUIRE(csv != NULL);
	T_ASSERT(strncmp(csv, "payoutId,sellerId,amount,currency,bankAccount,notes\r\n", 53) == 0);
	snprintf(line, sizeof line, "%s,%s,250.75,INR,\"IFSC HDFC0001, \"\"acct\"\" 42\",\"june\"\r\n",
	    id, u.id);
	T_ASSERT(strstr(csv, line) != NULL);
	T_ASSERT(strstr(csv, pending) == NULL);
	free(csv);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_settlements WHERE id = $1 AND "
	    "file_written_at IS NOT NULL", batch, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_COMPLETED'", id, (char *)NULL), 1);
	T_WALLET(u.id, "0.00", "39.25", "300.00", "0.00");

	/* Again: nothing new for this payout, in no second file. */
	job_post(&rs, "settle");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(files_naming(dir, id), 1);
	T_EQ_INT(files_naming(dir, pending), 0);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_COMPLETED'", id, (char *)NULL), 1);
	/* A batch whose file was lost before it was marked written is written
	 * by the next run, under the same name. */
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, fname);
	unlink(path);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_settlements SET file_written_at = NULL "
	    "WHERE id = $1", batch, (char *)NULL), 1);
	job_post(&rs, "settle");
	T_STATUS(&rs, 200);
	T_ASSERT(t_contains(rs.body, fname));
	t_resp_free(&rs);
	T_EQ_INT(files_naming(dir, id), 1);
	(void)name;
	free(batch);
	free(id);
	free(pending);
}

static void
cron_job_runner(void)
{
	char out[4096], env[400];
	snprintf(env, sizeof env, "INTERNAL_URL='%s'", t_env("INTERNAL_URL"));
	T_EQ_INT(t_cron_job(env, "wallet settle", out, sizeof out), 0);
	T_ASSERT(strstr(out, "\"job\":\"settle\"") != NULL);
	T_EQ_INT(t_cron_job(env, "wallet release", out, sizeof out), 0);
	T_ASSERT(strstr(out, "\"job\":\"release\"") != NULL);
	T_EQ_INT(t_cron_job(env, "wallet housekeeping", out, sizeof out), 0);
}

/* The ledger refuses changes to its rows. */
static void
ledger_rows_immutable(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	paid(uuid(order), u.id, 500, 5000);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_transactions SET amount = 1 WHERE order_id = $1",
	    order, (char *)NULL), -1);
	T_EQ_INT(t_db_write(WALLET_DB, "DELETE FROM wallet_transactions WHERE order_id = $1",
	    order, (char *)NULL), -1);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallets SET available = -1 WHERE seller_id = $1",
	    u.id, (char *)NULL), -1);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET reversed = 501 WHERE order_id = $1",
	    order, (char *)NULL), -1);
	T_WALLET(u.id, "5.00", "0.00", "5.00", "0.00");
}

/* ---- end to end: order service -> relay -> wallet ---- */

static char *
product_create(const char *base, int stock)
{
	char name[80], body[400];
	t_unique(name, sizeof name, "wallet-product");
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"basePrice\":%s,\"stock\":%d}", name, base,
	    stock);
	return t_create("/products", admin, body);
}

/* Polls the wallet until member is want, for at most 15 s. */
static void
wait_wallet(const char *seller, const char *member, const char *want)
{
	double end = t_now() + 15;
	struct resp rs;
	for (;;) {
		wallet_get(&rs, seller, admin);
		const char *got = rs.status == 200 ? t_jtext(rs.json, member) : NULL;
		if ((got != NULL && strcmp(got, want) == 0) || t_now() > end) {
			T_EQ_STR(got, want);
			t_resp_free(&rs);
			return;
		}
		t_resp_free(&rs);
		t_sleep_ms(100);
	}
}

static void
status_set(const char *order, const char *status)
{
	char url[120], body[80];
	struct resp rs;
	snprintf(url, sizeof url, "/orders/%s/status", order);
	snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
	t_send_json(&rs, "PATCH", url, admin, body);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
e2e_order_paid_then_delivered(void)
{
	struct t_user u = seller_new();
	char *product = product_create("1000.00", 100);
	T_REQUIRE(u.id != NULL && product != NULL);
	char body[600];
	snprintf(body, sizeof body, "{\"userId\":\"%s\",\"sellerId\":\"%s\",\"items\":[{"
	    "\"productId\":\"%s\",\"quantity\":2,\"sellerPrice\":1500.00}]}", customer.id, u.id,
	    product);
	struct resp rs;
	t_send_json(&rs, "POST", "/orders", customer.token, body);
	char order[40] = "";
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id")) {
		snprintf(order, sizeof order, "%s", t_jstr(rs.json, "id"));
		T_JSON_EQ(&rs, "commission", "300.00");
	}
	t_resp_free(&rs);
	T_REQUIRE(order[0] != '\0');
	status_set(order, "PAID");
	wait_wallet(u.id, "pendingBalance", "300.00");
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	status_set(order, "SHIPPED");
	status_set(order, "DELIVERED");
	wait_wallet(u.id, "availableBalance", "300.00");
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1 AND "
	    "commission = 30000 AND total = 300000 AND released_at IS NOT NULL", order,
	    (char *)NULL), 1);
	free(product);
}

static const struct t_case cases[] = {
	T_CASE(wallet_health),
	T_CASE(get_new_seller_zeros),
	T_CASE(ownership_403_401),
	T_CASE(paid_credits_once),
	T_CASE(events_ignored_and_bad),
	T_CASE(delivered_releases),
	T_CASE(cancel_before_release),
	T_CASE(cancel_after_release),
	T_CASE(refund_before_paid),
	T_CASE(partial_refunds_order_independent),
	T_CASE(refund_after_payout_owed),
	T_CASE(payout_create_shape),
	T_CASE(payout_bad_input_400),
	T_CASE(payout_concurrent_whole_balance),
	T_CASE(payout_idempotency_key),
	T_CASE(payout_reject_returns_funds),
	T_CASE(payout_transitions),
	T_CASE(payout_list),
	T_CASE(release_job_hold),
	T_CASE(release_hold_days_from_env),
	T_CASE(settle_job_writes_file_once),
	T_CASE(settle_razorpayx),
	T_CASE(cron_job_runner),
	T_CASE(ledger_rows_immutable),
	T_CASE(e2e_order_paid_then_delivered),
};

int
main(void)
{
	return t_run("wallet", cases, T_NCASES(cases), suite_init, suite_clean);
}
