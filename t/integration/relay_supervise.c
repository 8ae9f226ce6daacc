/* The relay is never left dead (workers/README.md, "Supervision"), and
 * GET /health says when events are not moving:
 *
 *   - the relay's child SIGKILLed during a burst of 200 Razorpay webhooks:
 *     its supervisor starts another and every order becomes PAID, once,
 *     within 60 s, with no operator (the time is printed);
 *   - the supervisor stopped (SIGSTOP) and the child SIGKILLed: GET /health
 *     answers 503 "degraded" with the relay "stale" once the heartbeat is
 *     older than RELAY_STALE_SECONDS; SIGCONT: the relay is back, 200 "ok";
 *   - an event pending longer than OUTBOX_MAX_WAIT_SECONDS: 503 "degraded"
 *     with that service's outbox and its wait; delivered: back;
 *   - SIGTERM to the supervisor stops its child too;
 *   - "$STACK ensure" restarts a supervisor killed with its child (and a
 *     pool master killed), starts nothing when all runs, and leaves a
 *     stack that was never started alone;
 *   - a child that stops beating (SIGSTOP) is killed and replaced by the
 *     supervisor's watchdog (RELAY_WATCHDOG_SECONDS).
 *
 * The health pool runs with small bounds during the cases that need them
 * (t_stack_restart), and is put back after. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "../lib/pay.h"
#include "json.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BURST 200

static struct t_shop shop;

/* ---- processes ---- */

/* "$STACK" cmd with extra environment (env: "A=1 B=2" or ""), its output
 * into out: the exit status, or -1. */
static int
stack_cmd(const char *env, const char *cmd, char *out, size_t n)
{
	char line[2048];
	snprintf(line, sizeof line, "%s '%s' %s 2>&1", env, t_env("STACK"), cmd);
	int st = t_shell(line, out, n);
	if (out[0] != '\0')
		printf("%s %s: %s", env, cmd, out);
	return st;
}

/* ---- GET /health ---- */

/* Restarts the health pool with these bounds (NULL: the default). */
static bool
health_pool(const char *stale, const char *max_wait)
{
	if (stale != NULL)
		setenv("RELAY_STALE_SECONDS", stale, 1);
	else
		unsetenv("RELAY_STALE_SECONDS");
	pid_t pid = t_stack_restart("health", "OUTBOX_MAX_WAIT_SECONDS", max_wait);
	unsetenv("RELAY_STALE_SECONDS");
	return T_ASSERT(pid > 0);
}

/* The rule, checked on an answer: "ok" with 200 exactly when every
 * service is up with an outbox no older than max_wait and the relay is up. */
static void
health_consistent(struct resp *rs, long max_wait)
{
	bool ok = true;
	struct json_object *svcs = t_jget(rs->json, "services");
	T_REQUIRE(svcs != NULL && json_object_is_type(svcs, json_type_object));
	json_object_object_foreach(svcs, name, v) {
		const char *st = t_jstr(v, "status");
		long long oldest = t_jint(v, "outbox.oldestPendingSeconds", -1);
		if (!T_ASSERT(oldest >= 0 && t_jint(v, "outbox.pending", -1) >= 0))
			fprintf(stderr, "services.%s has no outbox: %s\n", name, rs->body);
		ok = ok && st != NULL && strcmp(st, "up") == 0 && oldest <= max_wait;
	}
	const char *relay = t_jstr(rs->json, "relay.status");
	ok = ok && relay != NULL && strcmp(relay, "up") == 0;
	T_EQ_INT(rs->status, ok ? 200 : 503);
	T_EQ_STR(t_jstr(rs->json, "status"), ok ? "ok" : "degraded");
}

/* ---- the relay's child killed during a burst of webhooks ---- */

struct burst {
	pid_t child;
	int kill_at;
	double killed_at;
};

static void
burst_progress(int done, void *arg)
{
	struct burst *b = arg;
	if (b->killed_at == 0 && done >= b->kill_at && kill(b->child, SIGKILL) == 0) {
		b->killed_at = t_now();
		printf("relay child %d SIGKILLed after %d of %d webhooks\n", (int)b->child, done,
		    BURST);
	}
}

/* The supervisor's log names the child it lost and restarted. */
static bool
log_has(const char *needle)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/log/relay.log", t_env("VAR_DIR"));
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	char line[2048];
	bool found = false;
	while (!found && fgets(line, sizeof line, f) != NULL)
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

static void
relay_child_killed_mid_burst_200_orders_paid(void)
{
	static struct t_buy b[BURST];
	pid_t parent = t_stack_pid("relay");
	T_REQUIRE(parent > 0 && t_alive(parent));
	pid_t child = t_only_child(parent, 0, 2000);
	T_REQUIRE(child > 0);
	double t0 = t_now();
	for (int i = 0; i < BURST; i++)
		T_REQUIRE(t_shop_buy(&shop, &b[i]));
	printf("%d orders checked out and paid in Checkout in %.1f s\n", BURST, t_now() - t0);

	/* 200 payment.captured at up to 80 a second (nginx lets 50/s and a
	 * burst of 100 through); the child is killed after 60 answers, while
	 * it moves their events. */
	struct burst kb = { child, 60, 0 };
	double start = t_now();
	T_EQ_INT(t_shop_webhooks(&shop, b, BURST, 80, burst_progress, &kb), BURST);
	T_REQUIRE(kb.killed_at > 0);
	printf("%d webhooks answered in %.1f s\n", BURST, t_now() - start);

	long long paid = 0;
	while ((paid = t_shop_paid(b, BURST)) < BURST && t_now() - kb.killed_at < 60)
		t_sleep_ms(200);
	double took = t_now() - kb.killed_at;
	T_EQ_INT(paid, BURST);
	printf("all %lld orders PAID %.1f s after the kill, %.1f s after the first webhook\n",
	    paid, took, t_now() - start);
	T_ASSERT(took < 60);

	/* The same supervisor, a new child; the kill is in its log. */
	T_EQ_INT(t_stack_pid("relay"), parent);
	T_ASSERT(t_alive(parent));
	T_ASSERT(!t_alive(child));
	pid_t again = t_only_child(parent, child, 2000);
	T_ASSERT(again > 0 && again != child);
	char needle[80];
	snprintf(needle, sizeof needle, "(pid %d) killed by signal 9", (int)child);
	T_ASSERT(log_has(needle));

	/* Each order paid once: one ORDER_PAID, one PAYMENT_SUCCESS each. */
	struct buf ids = { 0 };
	buf_adds(&ids, "{");
	for (int i = 0; i < BURST; i++)
		buf_printf(&ids, "%s%s", i ? "," : "", b[i].order);
	buf_adds(&ids, "}");
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "type = 'ORDER_PAID' AND payload->>'orderId' = ANY ($1::text[])", ids.p, (char *)NULL),
	    BURST);
	T_EQ_INT(t_db_count("ORDER_DATABASE_URL", "SELECT count(DISTINCT payload->>'orderId') "
	    "FROM outbox WHERE type = 'ORDER_PAID' AND payload->>'orderId' = ANY ($1::text[])",
	    ids.p, (char *)NULL), BURST);
	T_EQ_INT(t_db_count("PAYMENT_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "type = 'PAYMENT_SUCCESS' AND payload->>'orderId' = ANY ($1::text[])", ids.p,
	    (char *)NULL), BURST);
	buf_free(&ids);
}

/* ---- health while the relay is down ---- */

static void
health_degraded_while_relay_down_then_ok(void)
{
	struct resp rs;
	T_REQUIRE(health_pool("3", "86400"));
	bool up = t_wait_health(&rs, 200, "relay.status", "up", 10);
	if (T_ASSERT(up)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "ok");
		T_ASSERT(t_jint(rs.json, "relay.heartbeatAgeSeconds", -1) >= 0);
		T_ASSERT(t_jint(rs.json, "relay.heartbeatAgeSeconds", 99) <= 3);
	}
	t_resp_free(&rs);
	pid_t parent = t_stack_pid("relay"), child = t_only_child(parent, 0, 2000);
	T_REQUIRE(up && parent > 0 && child > 0);

	/* Nobody restarts the relay now. */
	T_REQUIRE(kill(parent, SIGSTOP) == 0);
	kill(child, SIGKILL);
	double t0 = t_now();
	bool degraded = t_wait_health(&rs, 503, "relay.status", "stale", 10);
	double after = t_now() - t0;
	if (T_ASSERT(degraded)) {
		printf("GET /health degraded %.1f s after the relay died\n", after);
		T_EQ_STR(t_jstr(rs.json, "status"), "degraded");
		T_ASSERT(t_jint(rs.json, "relay.heartbeatAgeSeconds", -1) >= 3);
		T_EQ_STR(t_jstr(rs.json, "services.payment.status"), "up");
		T_EQ_STR(t_jstr(rs.json, "services.order.status"), "up");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_only_child(parent, 0, 0), 0);

	/* The supervisor again: a new child within its backoff, beating. */
	kill(parent, SIGCONT);
	t0 = t_now();
	bool back = t_wait_health(&rs, 200, "relay.status", "up", 10);
	if (T_ASSERT(back)) {
		printf("GET /health ok %.1f s after SIGCONT\n", t_now() - t0);
		T_EQ_STR(t_jstr(rs.json, "status"), "ok");
	}
	t_resp_free(&rs);
	pid_t again = t_only_child(parent, child, 2000);
	T_ASSERT(again > 0 && again != child);
	health_pool(NULL, NULL);
}

/* ---- an event that waits too long ---- */

#define PRICING_DB "PRICING_DATABASE_URL"

static void
health_degraded_when_event_waits_past_bound(void)
{
	struct resp rs;
	T_REQUIRE(health_pool(NULL, "2"));
	/* The service's own answer carries its outbox. */
	t_get(&rs, "/pricing/health", NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), "ok");
		T_EQ_STR(t_jstr(rs.json, "database"), "up");
		T_ASSERT(t_jint(rs.json, "outbox.pending", -1) >= 0);
		T_ASSERT(t_jint(rs.json, "outbox.oldestPendingSeconds", -1) >= 0);
	}
	t_resp_free(&rs);

	/* An event whose next attempt is an hour away, as after failures; it
	 * has no consumer, so once due the relay marks it sent. */
	char agg[80];
	t_unique(agg, sizeof agg, "health-probe");
	T_REQUIRE(t_db_write(PRICING_DB, "INSERT INTO outbox (type, aggregate_id, payload, "
	    "next_attempt_at) VALUES ('HEALTH_PROBE', $1, '{}', now() + interval '1 hour')", agg,
	    (char *)NULL) == 1);
	double t0 = t_now();
	bool late = false;
	for (;;) {
		t_get(&rs, "/health", NULL);
		late = rs.status == 503 &&
		    t_jint(rs.json, "services.pricing.outbox.oldestPendingSeconds", -1) > 2;
		if (late || t_now() - t0 > 10)
			break;
		t_resp_free(&rs);
		t_sleep_ms(200);
	}
	if (T_ASSERT(late)) {
		printf("GET /health degraded %.1f s after the event was written\n", t_now() - t0);
		T_EQ_STR(t_jstr(rs.json, "status"), "degraded");
		T_EQ_STR(t_jstr(rs.json, "services.pricing.status"), "up");
		T_EQ_INT(t_jint(rs.json, "services.pricing.httpStatus", 0), 200);
		T_ASSERT(t_jint(rs.json, "services.pricing.outbox.pending", 0) >= 1);
		T_EQ_STR(t_jstr(rs.json, "relay.status"), "up");
		health_consistent(&rs, 2);
	}
	t_resp_free(&rs);

	/* Due now: delivered, and pricing's outbox is empty again. */
	T_EQ_INT(t_db_write(PRICING_DB, "UPDATE outbox SET next_attempt_at = now() "
	    "WHERE aggregate_id = $1", agg, (char *)NULL), 1);
	t0 = t_now();
	long long sent = 0;
	while ((sent = t_db_count(PRICING_DB, "SELECT count(*) FROM outbox WHERE "
	    "aggregate_id = $1 AND status = 'SENT'", agg, (char *)NULL)) != 1 && t_now() - t0 < 10)
		t_sleep_ms(100);
	T_EQ_INT(sent, 1);
	t_get(&rs, "/health", NULL);
	T_EQ_INT(t_jint(rs.json, "services.pricing.outbox.pending", -1), 0);
	T_EQ_INT(t_jint(rs.json, "services.pricing.outbox.oldestPendingSeconds", -1), 0);
	health_consistent(&rs, 2);
	t_resp_free(&rs);
	health_pool(NULL, NULL);
	t_get(&rs, "/health", NULL);
	health_consistent(&rs, 60);
	t_resp_free(&rs);
}

/* ---- stopping, ensure, the watchdog ---- */

static void
relay_sigterm_stops_supervisor_and_child(void)
{
	pid_t parent = t_stack_pid("relay"), child = t_only_child(parent, 0, 2000);
	T_REQUIRE(parent > 0 && child > 0);
	T_REQUIRE(kill(parent, SIGTERM) == 0);
	T_ASSERT(t_wait_gone(parent, 10000));
	T_ASSERT(t_wait_gone(child, 10000));
	char out[4096];
	T_EQ_INT(stack_cmd("", "ensure", out, sizeof out), 0);
	T_ASSERT(strstr(out, "starting relay") != NULL);
	pid_t again = t_stack_pid("relay");
	T_ASSERT(again > 0 && again != parent && t_alive(again));
	T_ASSERT(t_only_child(again, 0, 2000) > 0);
}

static void
ensure_restarts_killed_supervisor_and_pool(void)
{
	pid_t parent = t_stack_pid("relay"), child = t_only_child(parent, 0, 2000);
	pid_t pricing = t_stack_pid("pricing"), nginx = t_stack_pid("nginx");
	T_REQUIRE(parent > 0 && child > 0 && pricing > 0 && nginx > 0);
	char out[4096];
	/* Everything runs: ensure starts nothing and says nothing. */
	T_EQ_INT(stack_cmd("", "ensure", out, sizeof out), 0);
	T_EQ_STR(out, "");
	T_EQ_INT(t_stack_pid("relay"), parent);

	/* The supervisor and its child, and a pool's master, killed. */
	T_REQUIRE(kill(parent, SIGKILL) == 0);
	kill(child, SIGKILL);
	T_REQUIRE(kill(pricing, SIGKILL) == 0);
	T_ASSERT(t_wait_gone(parent, 5000) && t_wait_gone(child, 5000) &&
	    t_wait_gone(pricing, 5000));
	T_EQ_INT(stack_cmd("", "ensure", out, sizeof out), 0);
	T_ASSERT(strstr(out, "starting relay") != NULL);
	T_ASSERT(strstr(out, "starting pricing") != NULL);
	pid_t again = t_stack_pid("relay");
	T_ASSERT(again > 0 && again != parent && t_alive(again));
	T_ASSERT(t_only_child(again, 0, 2000) > 0);
	T_ASSERT(t_stack_pid("pricing") != pricing && t_alive(t_stack_pid("pricing")));
	T_EQ_INT(t_stack_pid("nginx"), nginx);
	struct resp rs;
	T_ASSERT(t_wait_health(&rs, 200, "relay.status", "up", 10));
	t_resp_free(&rs);
	T_ASSERT(t_pool_full("pricing", 1, 5000));
	t_get(&rs, "/pricing/health", NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);

	/* A stack that was never started (or was stopped) is left alone. */
	char dir[] = "/tmp/rsb-ensure.XXXXXX";
	T_REQUIRE(mkdtemp(dir) != NULL);
	char env[256], path[300];
	snprintf(env, sizeof env, "VAR_DIR=%s ENV_FILE=%s/none.env", dir, dir);
	T_EQ_INT(stack_cmd(env, "ensure", out, sizeof out), 0);
	T_EQ_STR(out, "");
	struct stat st;
	snprintf(path, sizeof path, "%s/run", dir);
	T_ASSERT(stat(path, &st) != 0);
	snprintf(path, sizeof path, "%s/none.env", dir);
	T_ASSERT(stat(path, &st) != 0);
	snprintf(path, sizeof path, "%s/stack.lock", dir);
	unlink(path);
	T_ASSERT(rmdir(dir) == 0);
}

static void
watchdog_kills_child_that_stops_beating(void)
{
	T_REQUIRE(t_stack_restart("relay", "RELAY_WATCHDOG_SECONDS", "4") > 0);
	pid_t parent = t_stack_pid("relay"), child = t_only_child(parent, 0, 2000);
	T_REQUIRE(parent > 0 && child > 0);
	T_REQUIRE(kill(child, SIGSTOP) == 0);
	double t0 = t_now();
	pid_t again = t_only_child(parent, child, 15000);
	T_ASSERT(again > 0);
	printf("a stopped child replaced after %.1f s\n", t_now() - t0);
	T_ASSERT(!t_alive(child));
	char needle[80];
	snprintf(needle, sizeof needle, "(pid %d) has not beaten for", (int)child);
	T_ASSERT(log_has(needle));
	struct resp rs;
	T_ASSERT(t_wait_health(&rs, 200, "relay.status", "up", 10));
	t_resp_free(&rs);
	if (t_alive(child))
		kill(child, SIGKILL);
	T_ASSERT(t_stack_restart("relay", "RELAY_WATCHDOG_SECONDS", NULL) > 0);
}

/* ---- suite ---- */

static int
suite_init(void)
{
	if (t_env("VAR_DIR") == NULL || t_env("STACK") == NULL || t_env(PRICING_DB) == NULL ||
	    t_env("PAYMENT_DATABASE_URL") == NULL)
		return -1;
	if (t_stack_pid("relay") <= 0 || t_stack_pid("health") <= 0) {
		fprintf(stderr, "relay_supervise: the stack runs no relay or no health pool\n");
		return -1;
	}
	return t_shop_open(&shop, "relay-supervise", BURST + 10);
}

static int
suite_clean(void)
{
	t_shop_close(&shop);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(relay_child_killed_mid_burst_200_orders_paid),
	T_CASE(health_degraded_while_relay_down_then_ok),
	T_CASE(health_degraded_when_event_waits_past_bound),
	T_CASE(relay_sigterm_stops_supervisor_and_child),
	T_CASE(ensure_restarts_killed_supervisor_and_pool),
	T_CASE(watchdog_kills_child_that_stops_beating),
};

int
main(void)
{
	return t_run("relay_supervise", cases, T_NCASES(cases), suite_init, suite_clean);
}
