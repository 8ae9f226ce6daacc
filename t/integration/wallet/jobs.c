/* it_wallet: the jobs: release (COMMISSION_HOLD_DAYS, the hold from the
 * environment), settle (a bank file written once; through RazorpayX when
 * RAZORPAYX_ACCOUNT_NUMBER is set), and the cron runner. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "wallet.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long
job_post(struct resp *rs, const char *job)
{
	return t_job_post(rs, "wallet", job, NULL);
}

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
	return t_stack_restart("wallet", name, value) != 0 && t_wait_up("/wallets/health", 10);
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
	struct resp rs;
	t_stub_get(&rs, "/_stub/state");
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

static const struct t_case cases[] = {
	T_CASE(release_job_hold),
	T_CASE(release_hold_days_from_env),
	T_CASE(settle_job_writes_file_once),
	T_CASE(settle_razorpayx),
	T_CASE(cron_job_runner),
};

const struct t_suite wallet_jobs_suite = T_SUITE("jobs", cases);
