/* it_wallet: payouts: the shape, the refused inputs, the whole balance
 * asked for at once, Idempotency-Key, reject returning the funds, the
 * transitions allowed and refused, the list. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "wallet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const struct t_case cases[] = {
	T_CASE(payout_create_shape),
	T_CASE(payout_bad_input_400),
	T_CASE(payout_concurrent_whole_balance),
	T_CASE(payout_idempotency_key),
	T_CASE(payout_reject_returns_funds),
	T_CASE(payout_transitions),
	T_CASE(payout_list),
};

const struct t_suite wallet_payouts_suite = T_SUITE("payouts", cases);
