/* The wallet's RazorpayX side through the gateway: the payout webhooks
 * (POST /wallets/webhook/razorpayx, sent signed by the Razorpay stand-in's
 * POST /_stub/webhook), in every order with each other and with the settle
 * job's fetch; a payout RazorpayX cannot take; and the bank file's guard
 * against spreadsheet formulas.
 *
 * A payout reaches RazorpayX as a user's would: a reseller with a
 * delivered commission asks for it, an admin approves it, the settle job
 * (RAZORPAYX_ACCOUNT_NUMBER set: the wallet pool is restarted with it)
 * sends it and RazorpayX answers "processing".  Each case has its own
 * reseller and fund account ids, so balances start at zero.  The settle
 * job also sends every other approved payout in the database: nothing here
 * counts its totals. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "../lib/pay.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WALLET_DB "WALLET_DATABASE_URL"
#define ACCOUNT "7878780080316316"

static char *admin;
static char buyer[37];
static char stub[128];               /* http://127.0.0.1:$RAZORPAY_STUB_PORT */
static bool x_mode;                  /* the wallet pool settles through RazorpayX */
static struct t_user sellers[32];
static int nsellers;

/* ---- helpers ---- */

/* The wallet pool restarted with RAZORPAYX_ACCOUNT_NUMBER set (on) or not,
 * unless it already is; true when it answers. */
static bool
rzpx_mode(bool on)
{
	if (x_mode == on)
		return true;
	if (t_stack_restart("wallet", "RAZORPAYX_ACCOUNT_NUMBER", on ? ACCOUNT : NULL) == 0 ||
	    !t_wait_up("/wallets/health", 10))
		return false;
	x_mode = on;
	return true;
}

static void
event(const char *type, const char *order, const char *seller, long long commission)
{
	char id[37], p[400];
	struct resp rs;
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"shareLinkId\":null,\"paymentId\":null,\"currency\":\"INR\",\"totalPaise\":%lld,"
	    "\"commissionPaise\":%lld}", order, buyer, seller, commission * 10, commission);
	crypto_uuid4(id);
	t_event_post(&rs, "wallet", id, type, p);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "applied");
	t_resp_free(&rs);
}

/* A new reseller whose available balance is commission paise (one
 * delivered order's). */
static struct t_user
seller_with(long long commission)
{
	struct t_user u = t_register("RESELLER", "rzpx-user");
	if (u.id == NULL)
		return u;
	if (nsellers < (int)(sizeof sellers / sizeof sellers[0]))
		sellers[nsellers++] = u;
	char order[37];
	crypto_uuid4(order);
	event("ORDER_PAID", order, u.id, commission);
	event("ORDER_DELIVERED", order, u.id, commission);
	return u;
}

/* The wallet's available balance as the JSON text the server wrote. */
#define T_AVAILABLE(u, want) available_check((u), (want), __LINE__)
static void
available_check(const struct t_user *u, const char *want, int line)
{
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/wallets/%s", u->id);
	t_get(&rs, url, admin);
	if (t_check_status(&rs, 200, __FILE__, line))
		t_check_str(t_jtext(rs.json, "availableBalance"), want, "availableBalance",
		    __FILE__, line);
	t_resp_free(&rs);
}

/* The available balance is the sum of its ledger rows, none negative. */
static void
ledger_consistent(const struct t_user *u)
{
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallets w WHERE seller_id = $1 AND "
	    "available = (SELECT coalesce(sum(amount), 0) FROM wallet_transactions "
	    "WHERE wallet_id = w.id AND balance = 'AVAILABLE') AND available >= 0 AND owed >= 0",
	    u->id, (char *)NULL), 1);
}

static long
job_settle(struct resp *rs)
{
	return t_job_post(rs, "wallet", "settle", NULL);
}

static void
settle(void)
{
	struct resp rs;
	job_settle(&rs);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

/* A payout of u with bankAccount bank, approved by the admin; its id
 * (malloc'd) or NULL. */
static char *
payout_approved(const struct t_user *u, const char *amount, const char *bank,
    const char *notes)
{
	char url[120], body[400];
	snprintf(url, sizeof url, "/wallets/%s/payouts", u->id);
	snprintf(body, sizeof body, "{\"amount\":%s,\"bankAccount\":\"%s\"%s%s%s}", amount, bank,
	    notes ? ",\"notes\":\"" : "", notes ? notes : "", notes ? "\"" : "");
	char *id = t_create(url, u->token, body);
	if (id == NULL)
		return NULL;
	struct resp rs;
	snprintf(url, sizeof url, "/wallets/payouts/%s", id);
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"APPROVED\"}");
	bool ok = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	if (!ok) {
		free(id);
		return NULL;
	}
	return id;
}

/* A payout of u to a fresh fund account that the settle job has sent to
 * RazorpayX (processing, still APPROVED); its id, and RazorpayX's in
 * pout[64]. */
static char *
payout_sent(const struct t_user *u, const char *amount, char pout[64])
{
	char fa[48];
	static int n;
	snprintf(fa, sizeof fa, "fa_rx%d%d", (int)getpid(), ++n);
	char *id = payout_approved(u, amount, fa, NULL);
	if (id == NULL)
		return NULL;
	settle();
	char *g = t_db_value(WALLET_DB, "SELECT gateway_payout_id FROM wallet_payouts WHERE "
	    "id = $1 AND status = 'APPROVED' AND gateway_status = 'processing'", id, (char *)NULL);
	if (!T_ASSERT(g != NULL)) {
		free(id);
		return NULL;
	}
	snprintf(pout, 64, "%s", g);
	free(g);
	return id;
}

/* POST /_stub/webhook: RazorpayX sends event for payout pout (extra: more
 * members, ", \"eventId\":\"x\"").  The first delivery's HTTP status; its
 * "status" member (applied, duplicate, ...) into outcome[32]. */
static long
hook(const char *event_name, const char *pout, const char *extra, char outcome[32])
{
	char body[600];
	struct resp rs;
	snprintf(body, sizeof body, "{\"event\":\"%s\",\"payoutId\":\"%s\"%s}", event_name, pout,
	    extra ? extra : "");
	t_stub_post(&rs, "/_stub/webhook", body);
	long st = -1;
	outcome[0] = '\0';
	if (T_STATUS(&rs, 200)) {
		st = t_jint(rs.json, "statuses.0", -1);
		const char *b = t_jstr(rs.json, "deliveries.0.body");
		struct json_object *j = b ? json_tokener_parse(b) : NULL;
		const char *s = t_jstr(j, "status");
		snprintf(outcome, 32, "%s", s ? s : "");
		json_object_put(j);
	}
	t_resp_free(&rs);
	return st;
}

/* Sends the event and expects a 200 whose status is want. */
#define T_HOOK(ev, pout, extra, want) hook_expect((ev), (pout), (extra), (want), __LINE__)
static void
hook_expect(const char *ev, const char *pout, const char *extra, const char *want, int line)
{
	char outcome[32];
	long st = hook(ev, pout, extra, outcome);
	t_check(st == 200, __FILE__, line, "%s %s delivered -> %ld", ev, pout, st);
	t_check_str(outcome, want, "webhook status", __FILE__, line);
}

/* POST /_stub/payout: RazorpayX moves the payout without a webhook. */
static void
stub_move(const char *pout, const char *status)
{
	char body[200];
	struct resp rs;
	snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"%s\"}", pout, status);
	t_stub_post(&rs, "/_stub/payout", body);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

/* How many /v1 requests the stand-in has received so far. */
static long long
stub_mark(void)
{
	struct resp rs;
	t_stub_get(&rs, "/_stub/state");
	long long n = rs.status == 200 ? t_jint(rs.json, "callsMade", -1) : -1;
	t_resp_free(&rs);
	return n;
}

/* How many /v1 requests since mark (stub_mark) had needle in their path
 * or body; -1 when the stand-in no longer keeps them all. */
static int
stub_calls(long long mark, const char *needle)
{
	struct resp rs;
	t_stub_get(&rs, "/_stub/state");
	int n = -1;
	long long made = t_jint(rs.json, "callsMade", -1);
	size_t len = t_jlen(rs.json, "calls");
	if (rs.status == 200 && mark >= 0 && made - (long long)len <= mark) {
		n = 0;
		for (size_t i = (size_t)(mark - (made - (long long)len)); i < len; i++) {
			char p[64], b[64];
			snprintf(p, sizeof p, "calls.%zu.path", i);
			snprintf(b, sizeof b, "calls.%zu.body", i);
			n += t_contains(t_jstr(rs.json, p), needle) || t_contains(t_jstr(rs.json, b),
			    needle);
		}
	}
	t_resp_free(&rs);
	return n;
}

/* The payout's status in wallet_db is want. */
#define T_PAYOUT(id, want) T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM " \
	"wallet_payouts WHERE id = $1 AND status = $2", (id), (want), (char *)NULL), 1)

static long long
ledger_rows(const char *payout, const char *type)
{
	return t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = $2", payout, type, (char *)NULL);
}

/* PAYOUT_STATUS_CHANGED events in wallet_db's outbox for the payout with
 * status. */
static long long
outbox_events(const char *payout, const char *status)
{
	return t_db_count(WALLET_DB, "SELECT count(*) FROM outbox WHERE type = "
	    "'PAYOUT_STATUS_CHANGED' AND aggregate_id = $1 AND payload->>'status' = $2 AND "
	    "payload->>'payoutId' = $1", payout, status, (char *)NULL);
}

static int
suite_init(void)
{
	admin = t_token(ROLE_ADMIN, "rzpx-admin@example.com");
	crypto_uuid4(buyer);
	const char *port = t_env("RAZORPAY_STUB_PORT");
	if (admin == NULL || port == NULL || t_env("RAZORPAYX_WEBHOOK_SECRET") == NULL)
		return -1;
	snprintf(stub, sizeof stub, "http://127.0.0.1:%s", port);
	return 0;
}

static int
suite_clean(void)
{
	bool back = rzpx_mode(false);
	free(admin);
	for (int i = 0; i < nsellers; i++)
		t_user_free(&sellers[i]);
	return back ? 0 : -1;
}

/* ---- the bank file (RAZORPAYX_ACCOUNT_NUMBER unset) ---- */

/* Reads the settlement file of payout id's batch; malloc'd or NULL. */
static char *
batch_file(const char *id)
{
	char *batch = t_db_value(WALLET_DB, "SELECT batch_id FROM wallet_payouts WHERE id = $1",
	    id, (char *)NULL);
	if (batch == NULL)
		return NULL;
	char path[600];
	snprintf(path, sizeof path, "%s/settlements/settlement-%s.csv", t_env("VAR_DIR"), batch);
	free(batch);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	char *s = calloc(1, 1 << 16);
	if (s != NULL && fread(s, 1, (1 << 16) - 1, f) == 0)
		s[0] = '\0';
	fclose(f);
	return s;
}

/* User text that starts with = + - @ reaches the bank file with a single
 * quote in front (a spreadsheet shows it instead of running it), still
 * quoted as RFC 4180 says; the amount stays a plain number and ordinary
 * text is untouched. */
static void
settle_csv_formula_guard(void)
{
	T_REQUIRE(rzpx_mode(false));
	struct t_user u = seller_with(100000);
	T_REQUIRE(u.id != NULL);
	char *a = payout_approved(&u, "250.75",
	    "=HYPERLINK(\\\"http://evil.example\\\",\\\"x\\\")", "+1+2");
	char *b = payout_approved(&u, "10.00", "@SUM(A1:A9)", "-2+3");
	char *c = payout_approved(&u, "5.00", "HDFC0001234 / 5010", "a=b");
	T_REQUIRE(a != NULL && b != NULL && c != NULL);
	settle();
	T_PAYOUT(a, "COMPLETED");
	char *csv = batch_file(a);
	T_REQUIRE(csv != NULL);
	char line[600];
	snprintf(line, sizeof line, "%s,%s,250.75,INR,\"'=HYPERLINK(\"\"http://evil.example\"\","
	    "\"\"x\"\")\",\"'+1+2\"\r\n", a, u.id);
	T_ASSERT(strstr(csv, line) != NULL);
	snprintf(line, sizeof line, "%s,%s,10.00,INR,\"'@SUM(A1:A9)\",\"'-2+3\"\r\n", b, u.id);
	T_ASSERT(strstr(csv, line) != NULL);
	snprintf(line, sizeof line, "%s,%s,5.00,INR,\"HDFC0001234 / 5010\",\"a=b\"\r\n", c, u.id);
	T_ASSERT(strstr(csv, line) != NULL);
	if (strstr(csv, a) == NULL || strstr(csv, b) == NULL)
		printf("settlement file:\n%s\n", csv);
	free(csv);
	free(a);
	free(b);
	free(c);
}

/* ---- a payout RazorpayX cannot take ---- */

/* A payout approved before the switch to RazorpayX, to a bank account that
 * is not a fund account: its first run rejects it with the amount back and
 * a reason, without asking RazorpayX; the next run leaves it alone. */
static void
rzpx_unpayable_rejected_once(void)
{
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	T_REQUIRE(rzpx_mode(false));
	char bank[64];
	snprintf(bank, sizeof bank, "HDFC0001234 legacy%d", (int)getpid());
	char *id = payout_approved(&u, "120.00", bank, NULL);
	T_REQUIRE(id != NULL);
	T_AVAILABLE(&u, "180.00");
	T_REQUIRE(rzpx_mode(true));
	long long mark = stub_mark();
	for (int run = 0; run < 2; run++) {
		settle();
		T_PAYOUT(id, "REJECTED");
		T_EQ_INT(ledger_rows(id, "PAYOUT_REJECTED"), 1);
		T_EQ_INT(outbox_events(id, "REJECTED"), 1);
		T_AVAILABLE(&u, "300.00");
		T_EQ_INT(stub_calls(mark, bank), 0);
	}
	char url[200];
	struct resp rs;
	snprintf(url, sizeof url, "/wallets/payouts?sellerId=%s", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "data.0.id"), id);
		T_EQ_STR(t_jstr(rs.json, "data.0.status"), "REJECTED");
		T_ASSERT(t_contains(t_jstr(rs.json, "data.0.failureReason"), "fund account"));
		T_JSON_EQ(&rs, "data.0.gatewayPayoutId", "null");
	}
	t_resp_free(&rs);
	ledger_consistent(&u);
	free(id);
}

/* ---- the webhooks ---- */

/* payout.processed: COMPLETED once, no balance change, the event in the
 * outbox; the next settle run does not ask RazorpayX about it again. */
static void
rzpx_webhook_processed_completes(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pout[64];
	char *id = payout_sent(&u, "100.00", pout);
	T_REQUIRE(id != NULL);
	T_AVAILABLE(&u, "200.00");
	T_HOOK("payout.processed", pout, NULL, "applied");
	T_PAYOUT(id, "COMPLETED");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "gateway_status = 'processed' AND completed_at IS NOT NULL AND gateway_error IS NULL",
	    id, (char *)NULL), 1);
	T_EQ_INT(ledger_rows(id, "PAYOUT_COMPLETED"), 1);
	T_EQ_INT(outbox_events(id, "COMPLETED"), 1);
	T_AVAILABLE(&u, "200.00");
	long long mark = stub_mark();
	settle();
	T_EQ_INT(stub_calls(mark, pout), 0);
	T_EQ_INT(ledger_rows(id, "PAYOUT_COMPLETED"), 1);
	ledger_consistent(&u);
	free(id);
}

/* payout.failed and payout.rejected: REJECTED with the amount back and
 * RazorpayX's reason. */
static void
rzpx_webhook_failed_rejected_return_funds(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char p1[64], p2[64];
	char *failed = payout_sent(&u, "100.00", p1);
	char *rejected = payout_sent(&u, "50.00", p2);
	T_REQUIRE(failed != NULL && rejected != NULL);
	T_AVAILABLE(&u, "150.00");
	T_HOOK("payout.failed", p1, NULL, "applied");
	T_PAYOUT(failed, "REJECTED");
	T_AVAILABLE(&u, "250.00");
	T_HOOK("payout.rejected", p2, NULL, "applied");
	T_PAYOUT(rejected, "REJECTED");
	T_AVAILABLE(&u, "300.00");
	const char *ids[] = { failed, rejected }, *st[] = { "failed", "rejected" };
	for (int i = 0; i < 2; i++) {
		T_EQ_INT(ledger_rows(ids[i], "PAYOUT_REJECTED"), 1);
		T_EQ_INT(outbox_events(ids[i], "REJECTED"), 1);
		T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 "
		    "AND gateway_status = $2 AND gateway_error <> '' AND rejected_at IS NOT NULL",
		    ids[i], st[i], (char *)NULL), 1);
	}
	/* Again, as new events: nothing more comes back. */
	T_HOOK("payout.failed", p1, NULL, "unchanged");
	T_HOOK("payout.reversed", p2, NULL, "unchanged");
	T_AVAILABLE(&u, "300.00");
	T_EQ_INT(ledger_rows(failed, "PAYOUT_REJECTED"), 1);
	ledger_consistent(&u);
	free(failed);
	free(rejected);
}

/* payout.reversed after payout.processed: the bank sent the money back.
 * REJECTED, the amount returns in a PAYOUT_REVERSED row of its own (the
 * PAYOUT_COMPLETED row stays), PAYOUT_STATUS_CHANGED in the outbox; a
 * second reversal and a late processed change nothing. */
static void
rzpx_webhook_reversed_after_processed(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pout[64];
	char *id = payout_sent(&u, "120.50", pout);
	T_REQUIRE(id != NULL);
	T_HOOK("payout.processed", pout, NULL, "applied");
	T_PAYOUT(id, "COMPLETED");
	T_AVAILABLE(&u, "179.50");
	T_HOOK("payout.reversed", pout, NULL, "applied");
	T_PAYOUT(id, "REJECTED");
	T_AVAILABLE(&u, "300.00");
	T_EQ_INT(ledger_rows(id, "PAYOUT_COMPLETED"), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions WHERE "
	    "payout_id = $1 AND type = 'PAYOUT_REVERSED' AND balance = 'AVAILABLE' AND "
	    "amount = 12050 AND balance_after = balance_before + 12050", id, (char *)NULL), 1);
	T_EQ_INT(ledger_rows(id, "PAYOUT_REJECTED"), 0);
	T_EQ_INT(outbox_events(id, "REJECTED"), 1);
	T_EQ_INT(outbox_events(id, "COMPLETED"), 1);

	T_HOOK("payout.reversed", pout, NULL, "unchanged");
	T_HOOK("payout.processed", pout, NULL, "unchanged");
	T_PAYOUT(id, "REJECTED");
	T_AVAILABLE(&u, "300.00");
	T_EQ_INT(ledger_rows(id, "PAYOUT_REVERSED"), 1);
	T_EQ_INT(outbox_events(id, "REJECTED"), 1);

	/* The reseller sees when it completed, when it came back, and why. */
	char url[200];
	struct resp rs;
	snprintf(url, sizeof url, "/wallets/payouts?sellerId=%s", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "data.0.status"), "REJECTED");
		T_EQ_STR(t_jstr(rs.json, "data.0.gatewayStatus"), "reversed");
		T_ASSERT(t_jstr(rs.json, "data.0.completedAt") != NULL);
		T_ASSERT(t_jstr(rs.json, "data.0.rejectedAt") != NULL);
		T_ASSERT(t_contains(t_jstr(rs.json, "data.0.failureReason"), "account"));
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/wallets/%s/transactions", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "PAYOUT_REVERSED");
		T_JSON_EQ(&rs, "data.0.amount", "120.50");
	}
	t_resp_free(&rs);
	ledger_consistent(&u);
	free(id);
}

/* A failure after RazorpayX processed a payout changes nothing; a failure
 * of a payout an admin completed by hand while it was on its way returns
 * the money (PAYOUT_REVERSED): it never reached the seller. */
static void
rzpx_webhook_failed_after_completion(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pd[64], ph[64], url[200];
	char *done = payout_sent(&u, "100.00", pd);
	char *hand = payout_sent(&u, "50.00", ph);
	T_REQUIRE(done != NULL && hand != NULL);
	T_HOOK("payout.processed", pd, NULL, "applied");
	T_HOOK("payout.failed", pd, NULL, "unchanged");
	T_PAYOUT(done, "COMPLETED");
	T_EQ_INT(ledger_rows(done, "PAYOUT_REVERSED"), 0);

	struct resp rs;
	snprintf(url, sizeof url, "/wallets/payouts/%s", hand);
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"COMPLETED\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_AVAILABLE(&u, "150.00");
	T_HOOK("payout.failed", ph, NULL, "applied");
	T_PAYOUT(hand, "REJECTED");
	T_EQ_INT(ledger_rows(hand, "PAYOUT_REVERSED"), 1);
	T_EQ_INT(outbox_events(hand, "REJECTED"), 1);
	T_AVAILABLE(&u, "200.00");
	T_HOOK("payout.failed", ph, NULL, "unchanged");
	T_AVAILABLE(&u, "200.00");
	ledger_consistent(&u);
	free(done);
	free(hand);
}

/* payout.reversed while it is still processing: REJECTED with the amount
 * back as a rejection (as the settle job's fetch does); a late processed
 * changes nothing. */
static void
rzpx_webhook_reversed_before_processed(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pout[64];
	char *id = payout_sent(&u, "80.00", pout);
	T_REQUIRE(id != NULL);
	T_HOOK("payout.reversed", pout, NULL, "applied");
	T_PAYOUT(id, "REJECTED");
	T_AVAILABLE(&u, "300.00");
	T_EQ_INT(ledger_rows(id, "PAYOUT_REJECTED"), 1);
	T_EQ_INT(ledger_rows(id, "PAYOUT_REVERSED"), 0);
	T_HOOK("payout.processed", pout, NULL, "unchanged");
	T_PAYOUT(id, "REJECTED");
	T_EQ_INT(ledger_rows(id, "PAYOUT_COMPLETED"), 0);
	T_AVAILABLE(&u, "300.00");
	T_EQ_INT(outbox_events(id, "REJECTED"), 1);
	ledger_consistent(&u);
	free(id);
}

/* One X-Razorpay-Event-Id, one effect: three deliveries of the same event
 * at once apply once; the same id on another event is a duplicate too. */
static void
rzpx_webhook_duplicate_event_id(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pout[64], evt[64], extra[200];
	char *id = payout_sent(&u, "100.00", pout);
	T_REQUIRE(id != NULL);
	snprintf(evt, sizeof evt, "evt_rzpxdup%d", (int)getpid());
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\", \"repeat\":3, \"concurrent\":true",
	    evt);
	char url[200], body[400];
	struct resp rs;
	snprintf(url, sizeof url, "%s/_stub/webhook", stub);
	snprintf(body, sizeof body, "{\"event\":\"payout.reversed\",\"payoutId\":\"%s\"%s}", pout,
	    extra);
	t_post_json(&rs, url, NULL, body);
	if (T_STATUS(&rs, 200)) {
		int applied = 0, dup = 0;
		for (int i = 0; i < 3; i++) {
			char p[64];
			snprintf(p, sizeof p, "deliveries.%d.status", i);
			T_EQ_INT(t_jint(rs.json, p, 0), 200);
			snprintf(p, sizeof p, "deliveries.%d.body", i);
			applied += t_contains(t_jstr(rs.json, p), "\"applied\"");
			dup += t_contains(t_jstr(rs.json, p), "\"duplicate\"");
		}
		T_EQ_INT(applied, 1);
		T_EQ_INT(dup, 2);
	}
	t_resp_free(&rs);
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\"", evt);
	T_HOOK("payout.processed", pout, extra, "duplicate");
	T_PAYOUT(id, "REJECTED");
	T_AVAILABLE(&u, "300.00");
	T_EQ_INT(ledger_rows(id, "PAYOUT_REJECTED"), 1);
	T_EQ_INT(ledger_rows(id, "PAYOUT_COMPLETED"), 0);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM webhook_events WHERE event_id = $1",
	    evt, (char *)NULL), 1);
	free(id);
}

/* A bad or missing signature, or one made with Razorpay's payment webhook
 * secret instead of RazorpayX's: 400, no effect, the event id not taken
 * (the genuine delivery afterwards applies). */
static void
rzpx_webhook_bad_signature_refused(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pout[64], evt[64], extra[200], outcome[32];
	char *id = payout_sent(&u, "100.00", pout);
	T_REQUIRE(id != NULL);
	snprintf(evt, sizeof evt, "evt_rzpxsig%d", (int)getpid());
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\", \"badSignature\":true", evt);
	T_EQ_INT(hook("payout.processed", pout, extra, outcome), 400);
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\", \"omitSignature\":true", evt);
	T_EQ_INT(hook("payout.processed", pout, extra, outcome), 400);
	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\", \"signature\":\"%064d\"", evt, 0);
	T_EQ_INT(hook("payout.processed", pout, extra, outcome), 400);
	T_PAYOUT(id, "APPROVED");

	/* The same envelope signed with the payment webhook's secret. */
	char url[300], target[200];
	struct resp rs;
	snprintf(url, sizeof url, "%s/_stub/webhook", stub);
	snprintf(target, sizeof target, "%s/wallets/webhook/razorpayx", t_env("BASE_URL"));
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "body", json_object_new_string("{\"entity\":\"event\","
	    "\"event\":\"payout.processed\",\"contains\":[\"payout\"],\"payload\":{}}"));
	json_object_object_add(o, "target", json_object_new_string(target));
	json_object_object_add(o, "eventId", json_object_new_string(evt));
	t_post_json(&rs, url, NULL, json_object_to_json_string(o));
	json_object_put(o);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "statuses.0", 0), 400);
		T_ASSERT(t_contains(t_jstr(rs.json, "deliveries.0.body"), "invalid webhook signature"));
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM webhook_events WHERE event_id = $1",
	    evt, (char *)NULL), 0);
	T_PAYOUT(id, "APPROVED");
	T_EQ_INT(outbox_events(id, "COMPLETED"), 0);

	snprintf(extra, sizeof extra, ", \"eventId\":\"%s\"", evt);
	T_HOOK("payout.processed", pout, extra, "applied");
	T_PAYOUT(id, "COMPLETED");
	free(id);
}

/* payout.updated (and .queued/.initiated) record RazorpayX's status on an
 * approved payout and change nothing else; events for a payout that is
 * not ours, or that are not about a payout, are acknowledged (RazorpayX
 * would retry anything else) and ignored; a signed body that is not an
 * event is 400. */
static void
rzpx_webhook_updated_and_unknown(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pout[64];
	char *id = payout_sent(&u, "100.00", pout);
	T_REQUIRE(id != NULL);
	stub_move(pout, "queued");
	T_HOOK("payout.updated", pout, NULL, "recorded");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'APPROVED' AND gateway_status = 'queued'", id, (char *)NULL), 1);
	T_HOOK("payout.initiated", pout, NULL, "recorded");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "status = 'APPROVED' AND gateway_status = 'processing'", id, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1",
	    id, (char *)NULL), 2);       /* requested, approved */
	T_EQ_INT(ledger_rows(id, "PAYOUT_REQUESTED"), 1);
	T_AVAILABLE(&u, "200.00");
	T_HOOK("payout.processed", pout, NULL, "applied");
	T_HOOK("payout.updated", pout, NULL, "unchanged");
	T_PAYOUT(id, "COMPLETED");

	const char *raw[][2] = {
		{ "{\"entity\":\"event\",\"event\":\"payout.processed\",\"contains\":[\"payout\"],"
		  "\"payload\":{\"payout\":{\"entity\":{\"id\":\"pout_NotOurs0000001\","
		  "\"entity\":\"payout\",\"status\":\"processed\",\"reference_id\":"
		  "\"0123456789abcdef0123456789abcdef\"}}}}", "ignored" },
		{ "{\"entity\":\"event\",\"event\":\"payout.downtime.started\",\"contains\":[],"
		  "\"payload\":{}}", "ignored" },
		{ "{\"entity\":\"event\",\"event\":\"payout.reversed\",\"payload\":{}}", "ignored" },
	};
	char url[200];
	snprintf(url, sizeof url, "%s/_stub/webhook", stub);
	for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
		struct resp rs;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "body", json_object_new_string(raw[i][0]));
		json_object_object_add(o, "razorpayx", json_object_new_boolean(1));
		t_post_json(&rs, url, NULL, json_object_to_json_string(o));
		json_object_put(o);
		if (T_STATUS(&rs, 200)) {
			T_EQ_INT(t_jint(rs.json, "statuses.0", 0), 200);
			T_ASSERT(t_contains(t_jstr(rs.json, "deliveries.0.body"), raw[i][1]));
		}
		t_resp_free(&rs);
	}
	struct resp rs;
	t_post_json(&rs, url, NULL, "{\"body\":\"[1,2]\",\"razorpayx\":true}");
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "statuses.0", 0), 400);
		T_ASSERT(t_contains(t_jstr(rs.json, "deliveries.0.body"), "JSON object"));
	}
	t_resp_free(&rs);
	/* Not a route for anything but POST, and public (no token needed). */
	t_get(&rs, "/wallets/webhook/razorpayx", NULL);
	T_ERROR(&rs, 405, NULL);
	t_resp_free(&rs);
	free(id);
}

/* The settle job's fetch and the webhooks in either order: whichever comes
 * second finds the payout moved and changes nothing. */
static void
rzpx_webhook_vs_settle_fetch(void)
{
	T_REQUIRE(rzpx_mode(true));
	struct t_user u = seller_with(30000);
	T_REQUIRE(u.id != NULL);
	char pa[64], pb[64], pc[64];
	char *a = payout_sent(&u, "100.00", pa);
	char *b = payout_sent(&u, "50.00", pb);
	char *c = payout_sent(&u, "20.00", pc);
	T_REQUIRE(a != NULL && b != NULL && c != NULL);
	T_AVAILABLE(&u, "130.00");

	/* The fetch first (no webhook yet): a processed, b reversed. */
	stub_move(pa, "processed");
	stub_move(pb, "reversed");
	long long mark = stub_mark();
	settle();
	T_EQ_INT(stub_calls(mark, pa), 1);      /* GET /v1/payouts/:id */
	T_PAYOUT(a, "COMPLETED");
	T_PAYOUT(b, "REJECTED");
	T_AVAILABLE(&u, "180.00");
	T_HOOK("payout.processed", pa, NULL, "unchanged");
	T_HOOK("payout.reversed", pb, NULL, "unchanged");
	T_EQ_INT(ledger_rows(a, "PAYOUT_COMPLETED"), 1);
	T_EQ_INT(outbox_events(a, "COMPLETED"), 1);
	T_EQ_INT(ledger_rows(b, "PAYOUT_REJECTED"), 1);
	T_EQ_INT(ledger_rows(b, "PAYOUT_REVERSED"), 0);
	T_AVAILABLE(&u, "180.00");

	/* The webhook first: c completes; the next fetch is not even made. */
	T_HOOK("payout.processed", pc, NULL, "applied");
	mark = stub_mark();
	settle();
	T_EQ_INT(stub_calls(mark, pc), 0);
	T_PAYOUT(c, "COMPLETED");
	T_EQ_INT(ledger_rows(c, "PAYOUT_COMPLETED"), 1);
	/* A reversal of a after the fetch completed it returns its funds. */
	T_HOOK("payout.reversed", pa, NULL, "applied");
	T_PAYOUT(a, "REJECTED");
	T_EQ_INT(ledger_rows(a, "PAYOUT_REVERSED"), 1);
	T_AVAILABLE(&u, "280.00");
	ledger_consistent(&u);
	free(a);
	free(b);
	free(c);
}

static const struct t_case cases[] = {
	T_CASE(settle_csv_formula_guard),
	T_CASE(rzpx_unpayable_rejected_once),
	T_CASE(rzpx_webhook_processed_completes),
	T_CASE(rzpx_webhook_failed_rejected_return_funds),
	T_CASE(rzpx_webhook_reversed_after_processed),
	T_CASE(rzpx_webhook_reversed_before_processed),
	T_CASE(rzpx_webhook_failed_after_completion),
	T_CASE(rzpx_webhook_duplicate_event_id),
	T_CASE(rzpx_webhook_bad_signature_refused),
	T_CASE(rzpx_webhook_updated_and_unknown),
	T_CASE(rzpx_webhook_vs_settle_fetch),
};

int
main(void)
{
	return t_run("wallet_rzpx", cases, T_NCASES(cases), suite_init, suite_clean);
}
