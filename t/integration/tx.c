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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PDB "PRODUCT_DATABASE_URL"
#define WDB "WALLET_DATABASE_URL"
#define GHOST "5f0c1a9e-0000-4000-8000-00000000dead"

static char *admin;     /* minted ADMIN */

/* Formats into a static ring of buffers (a few live at once). */
static const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static const char *
fmt(const char *f, ...)
{
	static char ring[8][1024];
	static int k;
	char *out = ring[k++ & 7];
	va_list ap;
	va_start(ap, f);
	vsnprintf(out, sizeof ring[0], f, ap);
	va_end(ap);
	return out;
}

/* A product made through the API: its id and first variant's sku
 * (malloc'd), or false after printing why. */
static bool
mkprod(const char *name, char **id, char **sku)
{
	struct resp rs;
	t_post_json(&rs, "/products", admin, fmt("{\"name\":\"%s\",\"basePrice\":10,"
	    "\"variants\":[{\"sku\":\"%s\",\"stock\":5}]}", name, name));
	bool ok = T_STATUS(&rs, 201) && t_jstr(rs.json, "id") && t_jstr(rs.json, "variants.0.sku");
	*id = ok ? strdup(t_jstr(rs.json, "id")) : NULL;
	*sku = ok ? strdup(t_jstr(rs.json, "variants.0.sku")) : NULL;
	t_resp_free(&rs);
	return ok;
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

/* After a failed request on product `failed` (still named `name`): no
 * session in a transaction; then four writes per worker on another
 * product all commit, on the sessions there were before (`before`); the
 * failed product keeps its name throughout, and takes a new one after. */
static void
workers_clean(const char *failed, const char *name, const char *other, const char *before)
{
	T_EQ_INT(pool_in_tx(), 0);
	long long n = pool_size(before);
	T_ASSERT(n >= 1);
	for (long long i = 0; i < 4 * n; i++) {
		struct resp rs;
		t_send_json(&rs, "PATCH", fmt("/products/%s", other), admin,
		    fmt("{\"description\":\"write %lld after the failed one\"}", i));
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}
	char *got = name_of(failed);
	T_EQ_STR(got, name);
	free(got);
	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM products WHERE id = $1 AND "
	    "description LIKE 'write % after the failed one'", other, (char *)NULL), 1);

	struct resp rs;
	char fresh[96];
	snprintf(fresh, sizeof fresh, "%s renamed", name);
	t_send_json(&rs, "PATCH", fmt("/products/%s", failed), admin,
	    fmt("{\"name\":\"%s\"}", fresh));
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	got = name_of(failed);
	T_EQ_STR(got, fresh);
	free(got);

	char *after = pool_sessions();
	T_EQ_STR(after, before);
	free(after);
	T_EQ_INT(pool_in_tx(), 0);
}

/* PATCH /products/:id writes the product row first, then its variants:
 * a variant id that is not the product's fails the request after that
 * first write. */
static void
tx_failed_after_write_commits_nothing(void)
{
	char name[80], other[80];
	t_unique(name, sizeof name, "tx-kept");
	t_unique(other, sizeof other, "tx-other");
	char *id = NULL, *sku = NULL, *oid = NULL, *osku = NULL;
	T_REQUIRE(mkprod(name, &id, &sku) && mkprod(other, &oid, &osku));
	char *before = pool_sessions();
	T_ASSERT(before != NULL);
	long long events = t_db_count(PDB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1",
	    id, (char *)NULL);

	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"name\":\"%s changed\",\"description\":\"half done\","
	    "\"variants\":[{\"id\":\"" GHOST "\",\"stock\":3}]}", name));
	T_ERROR(&rs, 400, "variants[0].id does not name a variant of this product");
	t_resp_free(&rs);

	char *got = name_of(id);
	T_EQ_STR(got, name);
	free(got);
	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM products WHERE id = $1 AND "
	    "description IS NOT DISTINCT FROM 'half done'", id, (char *)NULL), 0);
	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1",
	    id, (char *)NULL), events);
	workers_clean(id, name, oid, before);
	free(before);
	free(id);
	free(sku);
	free(oid);
	free(osku);
}

/* A statement error aborts the transaction in PostgreSQL: every later
 * statement on that session fails until it is rolled back.  Here the new
 * variant's sku is another product's, after the product row was written. */
static void
tx_aborted_by_statement_error_commits_nothing(void)
{
	char name[80], other[80];
	t_unique(name, sizeof name, "tx-abort");
	t_unique(other, sizeof other, "tx-taken");
	char *id = NULL, *sku = NULL, *oid = NULL, *osku = NULL;
	T_REQUIRE(mkprod(name, &id, &sku) && mkprod(other, &oid, &osku));
	char *before = pool_sessions();
	T_ASSERT(before != NULL);

	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/products/%s", id), admin,
	    fmt("{\"name\":\"%s changed\",\"variants\":[{\"sku\":\"%s\",\"stock\":1}]}", name,
	    osku));
	T_ERROR(&rs, 409, "sku is already in use");
	t_resp_free(&rs);

	char *got = name_of(id);
	T_EQ_STR(got, name);
	free(got);
	T_EQ_INT(t_db_count(PDB, "SELECT count(*) FROM variants WHERE product_id = $1",
	    id, (char *)NULL), 1);
	workers_clean(id, name, oid, before);
	free(before);
	free(id);
	free(sku);
	free(oid);
	free(osku);
}

/* A payout request beyond the balance fails inside its transaction with
 * the Idempotency-Key claimed: the key is freed (a 409 may be retried)
 * after the rollback, so a retry runs again and meets the same refusal,
 * not "being processed"; no payout, no event. */
static void
tx_failed_with_idempotency_key_frees_it(void)
{
	char sub[40], key[80], hdr[120];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid() + 7000000L);
	t_unique(key, sizeof key, "tx-payout");
	snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
	char *seller = t_mint(sub, "tx-reseller@example.com", ROLE_RESELLER, TOKEN_ACCESS, 3600,
	    0, NULL);
	T_REQUIRE(seller != NULL);
	const char *body = "{\"amount\":1.00,\"bankAccount\":\"tx bank 1\"}";
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		t_http(&rs, "POST", fmt("/wallets/%s/payouts", sub), seller, "application/json",
		    body, strlen(body), hdr, (char *)NULL);
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
