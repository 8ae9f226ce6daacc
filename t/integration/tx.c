/* The rule for transactions (common/README.md, "Transactions"): a handler
 * that fails inside a transaction answers and returns, and the server
 * rolls back what it left open before the Idempotency-Key's answer is
 * stored or freed and before the answer is sent.
 *
 * Each case fails a real handler part-way through its transaction: after
 * its first write (a product's name, then a variant that does not exist),
 * after a statement error that aborts the transaction (a duplicate sku),
 * or with an Idempotency-Key claimed (a payout without the balance).  What
 * it asserts is what a user and an operator would check: nothing of the
 * failed request is in the database, no session of the service stays in a
 * transaction, and every later request on every worker succeeds on the
 * same connections (a worker that kept the transaction would commit the
 * failed request's write with its next one, or fail it, or block on the
 * row). */
#include "../lib/t.h"
#include "../lib/http.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PDB "PRODUCT_DATABASE_URL"
#define WDB "WALLET_DATABASE_URL"
#define GHOST "5f0c1a9e-0000-4000-8000-00000000dead"

static char *admin;     /* minted ADMIN */

/* A product made through the API, with one variant whose sku is its name:
 * its id (malloc'd), or NULL after printing why. */
static char *
mkprod(const char *name)
{
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"basePrice\":10,"
	    "\"variants\":[{\"sku\":\"%s\",\"stock\":5}]}", name, name);
	struct resp rs;
	t_post_json(&rs, "/products", admin, body);
	char *id = T_STATUS(&rs, 201) && t_jstr(rs.json, "id") ? strdup(t_jstr(rs.json, "id")) :
	    NULL;
	t_resp_free(&rs);
	return id;
}

/* PATCH /products/:id with body; the status. */
static long
patch(struct resp *rs, const char *id, const char *body)
{
	char path[80];
	snprintf(path, sizeof path, "/products/%s", id);
	return t_send_json(rs, "PATCH", path, admin, body);
}

/* The product pool's database sessions, "pid,pid,...", sorted (malloc'd). */
static char *
pool_sessions(void)
{
	return t_db_value(PDB, "SELECT string_agg(pid::text, ',' ORDER BY pid) "
	    "FROM pg_stat_activity WHERE datname = current_database() "
	    "AND application_name = 'product'", (char *)NULL);
}

/* Sessions of the product pool inside a transaction (aborted or not). */
static long long
pool_in_tx(void)
{
	return t_db_count(PDB, "SELECT count(*) FROM pg_stat_activity WHERE "
	    "datname = current_database() AND application_name = 'product' "
	    "AND state LIKE 'idle in transaction%'", (char *)NULL);
}

static long long
pool_size(const char *sessions)
{
	long long n = sessions != NULL && sessions[0] != '\0';
	for (const char *p = sessions; p != NULL && *p; p++)
		n += *p == ',';
	return n;
}

static char *
name_of(const char *id)
{
	return t_db_value(PDB, "SELECT name FROM products WHERE id = $1", id, (char *)NULL);
}

/* Two products (one to fail a request on, one for the writes after) and
 * the product pool's sessions before the failure. */
struct fixture {
	char name[80], other[80];
	char *id, *oid, *sessions;
};

static void
fixture_free(struct fixture *x)
{
	free(x->id);
	free(x->oid);
	free(x->sessions);
}

/* false after failing the case */
static bool
fixture_make(struct fixture *x, const char *prefix)
{
	memset(x, 0, sizeof *x);
	t_unique(x->name, sizeof x->name, prefix);
	t_unique(x->other, sizeof x->other, "tx-other");
	x->id = mkprod(x->name);
	x->oid = mkprod(x->other);
	x->sessions = pool_sessions();
	if (x->id != NULL && x->oid != NULL && x->sessions != NULL)
		return true;
	fixture_free(x);
	T_FAIL("could not make the products or read the pool's sessions");
	return false;
}

/* After the failed request on x->id: it keeps its name and no session is
 * in a transaction; then four writes per worker on the other product all
 * commit, the failed one still has its name and takes a new one, on the
 * sessions there were before. */
static void
workers_clean(const struct fixture *x)
{
	char body[160];
	T_EQ_INT(pool_in_tx(), 0);
	long long n = pool_size(x->sessions);
	T_ASSERT(n >= 1);
	for (long long i = 0; i < 4 * n; i++) {
		struct resp rs;
		snprintf(body, sizeof body, "{\"description\":\"write %lld after the failed "
		    "one\"}", i);
		patch(&rs, x->oid, body);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}
	char *got = name_of(x->id);
	T_EQ_STR(got, x->name);
	free(got);
	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM products WHERE id = $1 AND "
	    "description LIKE 'write % after the failed one'", x->oid, (char *)NULL), 1);

	struct resp rs;
	char fresh[96];
	snprintf(fresh, sizeof fresh, "%s renamed", x->name);
	snprintf(body, sizeof body, "{\"name\":\"%s\"}", fresh);
	patch(&rs, x->id, body);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	got = name_of(x->id);
	T_EQ_STR(got, fresh);
	free(got);

	char *after = pool_sessions();
	T_EQ_STR(after, x->sessions);
	free(after);
	T_EQ_INT(pool_in_tx(), 0);
}

/* PATCH /products/:id writes the product row first, then its variants:
 * a variant id that is not the product's fails the request after that
 * first write. */
static void
tx_failed_after_write_commits_nothing(void)
{
	struct fixture x;
	if (!fixture_make(&x, "tx-kept"))
		return;
	long long events = t_db_count(PDB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1",
	    x.id, (char *)NULL);
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"%s changed\",\"description\":\"half done\","
	    "\"variants\":[{\"id\":\"" GHOST "\",\"stock\":3}]}", x.name);
	struct resp rs;
	patch(&rs, x.id, body);
	T_ERROR(&rs, 400, "variants[0].id does not name a variant of this product");
	t_resp_free(&rs);

	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM products WHERE id = $1 AND "
	    "description IS NOT DISTINCT FROM 'half done'", x.id, (char *)NULL), 0);
	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1",
	    x.id, (char *)NULL), events);
	workers_clean(&x);
	fixture_free(&x);
}

/* A statement error aborts the transaction in PostgreSQL: every later
 * statement on that session fails until it is rolled back.  Here the new
 * variant's sku is the other product's, after the product row was
 * written. */
static void
tx_aborted_by_statement_error_commits_nothing(void)
{
	struct fixture x;
	if (!fixture_make(&x, "tx-abort"))
		return;
	char body[300];
	snprintf(body, sizeof body, "{\"name\":\"%s changed\","
	    "\"variants\":[{\"sku\":\"%s\",\"stock\":1}]}", x.name, x.other);
	struct resp rs;
	patch(&rs, x.id, body);
	T_ERROR(&rs, 409, "sku is already in use");
	t_resp_free(&rs);

	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM variants WHERE product_id = $1",
	    x.id, (char *)NULL), 1);
	workers_clean(&x);
	fixture_free(&x);
}

/* A payout request beyond the balance fails inside its transaction with
 * the Idempotency-Key claimed: the key is freed (a 409 may be retried)
 * after the rollback, so a retry runs again and meets the same refusal,
 * not "being processed"; no payout, no event. */
static void
tx_failed_with_idempotency_key_frees_it(void)
{
	char sub[40], key[80], hdr[120], path[100];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid() + 7000000L);
	snprintf(path, sizeof path, "/wallets/%s/payouts", sub);
	t_unique(key, sizeof key, "tx-payout");
	snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
	char *seller = t_mint(sub, "tx-reseller@example.com", ROLE_RESELLER, TOKEN_ACCESS, 3600,
	    0, NULL);
	T_REQUIRE(seller != NULL);
	const char *body = "{\"amount\":1.00,\"bankAccount\":\"tx bank 1\"}";
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		t_http(&rs, "POST", path, seller, "application/json", body, strlen(body), hdr,
		    (char *)NULL);
		T_ERROR(&rs, 409, "insufficient balance");
		T_ASSERT(t_header(&rs, "Idempotent-Replayed") == NULL);
		t_resp_free(&rs);
		T_EQ_INT(t_db_count(WDB, "SELECT count(*) FROM idempotency_keys WHERE "
		    "owner_id = $1 AND key = $2", sub, key, (char *)NULL), 0);
	}
	T_EQ_INT(t_db_count(WDB, "SELECT count(*) FROM wallet_payouts WHERE seller_id = $1",
	    sub, (char *)NULL), 0);
	T_EQ_INT(t_db_count(WDB, "SELECT count(*) FROM outbox WHERE payload->>'sellerId' = $1",
	    sub, (char *)NULL), 0);
	T_EQ_INT(t_db_count(WDB, "SELECT count(*) FROM pg_stat_activity WHERE "
	    "datname = current_database() AND application_name = 'wallet' "
	    "AND state LIKE 'idle in transaction%'", (char *)NULL), 0);
	free(seller);
}

static int
suite_init(void)
{
	char sub[40];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	admin = t_mint(sub, "tx-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	return admin != NULL && t_env(PDB) != NULL && t_env(WDB) != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(tx_failed_after_write_commits_nothing),
	T_CASE(tx_aborted_by_statement_error_commits_nothing),
	T_CASE(tx_failed_with_idempotency_key_frees_it),
};

int
main(void)
{
	return t_run("tx", cases, T_NCASES(cases), suite_init, suite_clean);
}
