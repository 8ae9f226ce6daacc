/* workers/relay and the event contract (workers/README.md), through the
 * running stack: outbox rows are delivered and marked SENT, a consumer
 * applies an event once however often it arrives, a failing event is
 * parked DEAD and shown to admins who can send it again, and events
 * written while the relay is down are delivered when it is back.
 *
 * The test plays the producer: it writes outbox rows itself (libpq, its own
 * connection), as a service's transaction would. */
#include "../lib/t.h"
#include "../lib/http.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char *admin, *customer;

/* Runs one write statement on the database of url_env; returns the first
 * cell of its result (malloc'd) or NULL. */
static char *
db_write(const char *url_env, const char *sql, const char *a, const char *b)
{
	return t_db_write_value(url_env, sql, a, b, (char *)NULL);
}

/* Polls until the count query returns want, for at most ms. */
static bool
wait_count(const char *url_env, const char *sql, const char *arg, long long want, long ms)
{
	char n[24];
	snprintf(n, sizeof n, "%lld", want);
	return t_db_wait(url_env, n, ms, sql, arg, (char *)NULL);
}

/* A product with one variant of the given stock; returns the variant id. */
static char *
variant_with_stock(int stock)
{
	char members[64], *v = NULL;
	snprintf(members, sizeof members, "\"basePrice\":10.00,\"stock\":%d", stock);
	free(t_product_new(admin, "relay-product", members, &v));
	return v;
}

static bool
reserve(const char *order, const char *variant, int qty)
{
	char url[256], body[256];
	snprintf(url, sizeof url, "%s/internal/product/reservations", t_env("INTERNAL_URL"));
	snprintf(body, sizeof body, "{\"orderId\":\"%s\",\"items\":[{\"variantId\":\"%s\","
	    "\"quantity\":%d}]}", order, variant, qty);
	struct resp rs;
	t_post_json(&rs, url, NULL, body);
	bool ok = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	return ok;
}

static char *
new_uuid(void)
{
	return db_write("PRODUCT_DATABASE_URL", "SELECT gen_random_uuid()::text", NULL, NULL);
}

/* Writes an ORDER_CANCELLED for order into the product outbox (as if the
 * order service had), returns the event id. */
static char *
put_cancelled(const char *order, const char *attempts)
{
	char payload[128];
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\"}", order);
	return db_write("PRODUCT_DATABASE_URL",
	    "INSERT INTO outbox (type, aggregate_id, payload, attempts) "
	    "VALUES ('ORDER_CANCELLED', $1::jsonb->>'orderId', $1::jsonb, $2::int) "
	    "RETURNING event_id::text", payload, attempts ? attempts : "0");
}

static int
setup(void)
{
	admin = t_mint("6a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "relay-admin@example.com",
	    ROLE_ADMIN, TOKEN_ACCESS, 3600, 0, NULL);
	customer = t_mint("7b2e3d4c-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "relay-cust@example.com",
	    ROLE_CUSTOMER, TOKEN_ACCESS, 3600, 0, NULL);
	return admin == NULL || customer == NULL;
}

static int
teardown(void)
{
	free(admin);
	free(customer);
	return 0;
}

static void
relay_marks_sent_without_consumers(void)
{
	/* USER_REGISTERED has no deployed consumer yet: it is settled at once. */
	char email[96], body[200];
	t_unique(email, sizeof email, "relay");
	strcat(email, "@example.com");
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"password123\"}", email);
	struct resp rs;
	t_post_json(&rs, "/auth/register", NULL, body);
	T_REQUIRE(T_STATUS(&rs, 201));
	char *uid = strdup(t_jstr(rs.json, "user.id"));
	t_resp_free(&rs);
	T_ASSERT(wait_count("AUTH_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "aggregate_id = $1 AND type = 'USER_REGISTERED' AND status = 'SENT'", uid, 1, 3000));
	free(uid);
}

static void
relay_event_applied_once(void)
{
	char *v = variant_with_stock(5);
	T_REQUIRE(v != NULL);
	char *order = new_uuid();
	T_REQUIRE(reserve(order, v, 3));
	T_EQ_INT(t_stock(v), 2);
	/* Two events for the same cancellation and one sent twice by hand:
	 * the stock comes back exactly once. */
	char *e1 = put_cancelled(order, NULL), *e2 = put_cancelled(order, NULL);
	T_REQUIRE(e1 != NULL && e2 != NULL);
	T_ASSERT(wait_count("PRODUCT_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "aggregate_id = $1 AND status = 'SENT'", order, 2, 3000));
	T_EQ_INT(t_stock(v), 5);
	char url[256], body[400];
	snprintf(url, sizeof url, "%s/internal/product/events", t_env("INTERNAL_URL"));
	snprintf(body, sizeof body, "{\"eventId\":\"%s\",\"type\":\"ORDER_CANCELLED\","
	    "\"source\":\"order\",\"aggregateId\":\"%s\",\"payload\":{\"orderId\":\"%s\"}}",
	    e1, order, order);
	struct resp rs;
	t_post_json(&rs, url, NULL, body);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), "duplicate");
	t_resp_free(&rs);
	T_EQ_INT(t_stock(v), 5);
	/* The consumer route does not exist on the public port. */
	t_post_json(&rs, "/internal/product/events", NULL, body);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	free(e1);
	free(e2);
	free(order);
	free(v);
}

static void
relay_dead_listed_and_retried(void)
{
	/* A malformed event the consumer refuses: on its last attempt it is
	 * parked DEAD (the test starts it at attempt 19 of 20). */
	char *ev = db_write("PRODUCT_DATABASE_URL",
	    "INSERT INTO outbox (type, aggregate_id, payload, attempts) VALUES "
	    "('ORDER_CANCELLED', 'relay-test', '{\"orderId\":\"not-a-uuid\"}', 19) "
	    "RETURNING event_id::text", NULL, NULL);
	T_REQUIRE(ev != NULL);
	T_REQUIRE(wait_count("PRODUCT_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "event_id = $1::uuid AND status = 'DEAD'", ev, 1, 3000));
	char *err = t_db_value("PRODUCT_DATABASE_URL",
	    "SELECT last_error FROM outbox WHERE event_id = $1::uuid", ev, NULL);
	T_ASSERT(err != NULL && strstr(err, "400") != NULL);
	free(err);

	struct resp rs;
	t_get(&rs, "/admin/events/dead", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/admin/events/dead", customer);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/admin/events/dead", admin);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(strstr(rs.body, ev) != NULL);
		T_ASSERT(t_jint(rs.json, "total", 0) >= 1);
		T_ASSERT(strstr(rs.body, "\"complete\":true") != NULL);
	}
	t_resp_free(&rs);

	char url[160];
	snprintf(url, sizeof url, "/admin/events/%s/retry", ev);
	t_post_json(&rs, url, customer, "{}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_post_json(&rs, url, admin, "{}");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "service"), "product");
		T_EQ_STR(t_jstr(rs.json, "status"), "PENDING");
	}
	t_resp_free(&rs);
	/* Back in the queue with its attempts reset: not dead any more. */
	long long attempts = t_db_count("PRODUCT_DATABASE_URL",
	    "SELECT attempts FROM outbox WHERE event_id = $1::uuid", ev, NULL);
	T_ASSERT(attempts >= 0 && attempts < 19);
	/* Retrying an event that is not dead is a 404. */
	t_post_json(&rs, "/admin/events/00000000-0000-4000-8000-000000000000/retry", admin, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	/* Parked again at its next attempt, not retried for a quarter of an
	 * hour: an event pending that long makes GET /health degraded for the
	 * suites after this one. */
	T_EQ_INT(t_db_write("PRODUCT_DATABASE_URL", "UPDATE outbox SET attempts = 19 "
	    "WHERE event_id = $1::uuid", ev, (char *)NULL), 1);
	T_ASSERT(wait_count("PRODUCT_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "event_id = $1::uuid AND status = 'DEAD'", ev, 1, 5000));
	free(ev);
}


/* How many lines of the gateway's access log contain s and also. */
static int
access_lines_with(const char *s, const char *also)
{
	char path[512], line[2048];
	snprintf(path, sizeof path, "%s/log/nginx-access.log", t_env("VAR_DIR"));
	FILE *f = fopen(path, "r");
	int n = 0;
	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		n += strstr(line, s) != NULL && strstr(line, also) != NULL;
	if (f != NULL)
		fclose(f);
	return n;
}

/* With no pool sockets on its host (INTERNAL_FCGI_DIR empty: the pools
 * run elsewhere) the relay delivers through the gateway's internal
 * listener, with the event id as the request id. */
static void
relay_through_gateway_without_sockets(void)
{
	char *v = variant_with_stock(3);
	T_REQUIRE(v != NULL);
	char *order = new_uuid();
	T_REQUIRE(reserve(order, v, 3));
	T_EQ_INT(t_stock(v), 0);
	T_REQUIRE(t_stack_restart("relay", "INTERNAL_FCGI_DIR", "") > 0);
	char *ev = put_cancelled(order, NULL);
	T_REQUIRE(ev != NULL);
	T_ASSERT(wait_count("PRODUCT_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "event_id = $1::uuid AND status = 'SENT'", ev, 1, 5000));
	T_EQ_INT(t_stock(v), 3);
	/* nginx writes its access log at least every second; the wallet,
	 * when deployed, gets the event too (and ignores it). */
	char rid[64];
	snprintf(rid, sizeof rid, "rid=%s", ev);
	int seen = 0;
	for (int i = 0; i < 30 && seen == 0; i++, t_sleep_ms(100))
		seen = access_lines_with(rid, "POST /internal/product/events ");
	T_EQ_INT(seen, 1);
	T_ASSERT(t_stack_restart("relay", NULL, NULL) > 0);
	free(ev);
	free(order);
	free(v);
}

/* The housekeeping job every service has (common/outbox.c): delivered
 * events past OUTBOX_KEEP_DAYS and idempotency keys past 24 hours go;
 * dead events, recent events and live keys stay. */
static void
housekeeping_purges_old_rows(void)
{
	const char *db = "PRODUCT_DATABASE_URL";
	/* Four events at least; the three oldest made 8 days old: SENT, DEAD,
	 * SENT. */
	for (int i = 0; i < 4; i++)
		free(db_write(db, "INSERT INTO outbox (type, aggregate_id, payload, status, sent_at) "
		    "VALUES ('HOUSEKEEPING_TEST', 'x', '{}', 'SENT', now()) RETURNING id::text",
		    NULL, NULL));
	char *ids = db_write(db, "WITH o AS (SELECT id, row_number() OVER (ORDER BY id) AS n "
	    "FROM outbox ORDER BY id LIMIT 3), u AS (UPDATE outbox x SET "
	    "created_at = now() - interval '8 days', "
	    "status = CASE WHEN o.n = 2 THEN 'DEAD' ELSE 'SENT' END FROM o WHERE x.id = o.id "
	    "RETURNING x.id) SELECT string_agg(id::text, ',' ORDER BY id) FROM u", NULL, NULL);
	T_REQUIRE(ids != NULL);
	char *newest = db_write(db, "SELECT max(id)::text FROM outbox", NULL, NULL);
	T_REQUIRE(newest != NULL);
	T_EQ_INT(t_db_write(db, "INSERT INTO idempotency_keys (owner_id, key, request_hash, "
	    "status, response, created_at) VALUES ('housekeeping', 'old', 'h', 201, '{}', "
	    "now() - interval '25 hours'), ('housekeeping', 'new', 'h', 201, '{}', now())",
	    (char *)NULL), 2);

	struct resp rs;
	char url[300];
	snprintf(url, sizeof url, "%s/internal/product/jobs/housekeeping", t_env("INTERNAL_URL"));
	t_http(&rs, "POST", url, NULL, NULL, NULL, 0, (char *)NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "job"), "housekeeping");
		T_JSON_EQ(&rs, "eventsPurged", "2");
		T_ASSERT(t_jint(rs.json, "keysPurged", -1) >= 1);
		T_JSON_EQ(&rs, "more", "false");
	}
	t_resp_free(&rs);
	/* The dead one and the newest stay. */
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM outbox WHERE id = ANY "
	    "(string_to_array($1, ',')::bigint[])", ids, (char *)NULL), 1);
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM outbox WHERE id = ANY "
	    "(string_to_array($1, ',')::bigint[]) AND status = 'DEAD'", ids, (char *)NULL), 1);
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM outbox WHERE id = $1::bigint", newest,
	    (char *)NULL), 1);
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM idempotency_keys WHERE owner_id = "
	    "'housekeeping'", (char *)NULL), 1);
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM idempotency_keys WHERE owner_id = "
	    "'housekeeping' AND key = 'new'", (char *)NULL), 1);
	/* Again: nothing left to do. */
	t_http(&rs, "POST", url, NULL, NULL, NULL, 0, (char *)NULL);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "eventsPurged", "0");
		T_JSON_EQ(&rs, "keysPurged", "0");
	}
	t_resp_free(&rs);
	/* Not on the public port; no body. */
	t_send_json(&rs, "POST", "/internal/product/jobs/housekeeping", admin, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "POST", url, NULL, "{\"days\":1}");
	T_ERROR(&rs, 400, "no body");
	t_resp_free(&rs);
	free(ids);
	free(newest);
}

/* Starts a second relay with the first one's environment: its pid, or 0. */
static pid_t
relay_second(void)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/environ", (int)t_stack_pid("relay"));
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return 0;
	static char env[65536];
	size_t n = fread(env, 1, sizeof env - 1, f);
	fclose(f);
	env[n] = '\0';
	static char *envp[512];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 511; i += strlen(env + i) + 1)
		envp[k++] = env + i;
	envp[k] = NULL;
	static char bin[512];
	snprintf(bin, sizeof bin, "%s/relay", t_env("BIN_DIR"));
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { bin, NULL };
		execve(bin, argv, envp);
		_exit(127);
	}
	return pid < 0 ? 0 : pid;
}

/* Two relays at once, and a third session holding some events' rows: the
 * relays skip the held rows (FOR UPDATE SKIP LOCKED) and deliver the
 * others meanwhile; in the end every event is delivered once (attempts 1)
 * and every reservation released once. */
static void
two_relays_skip_locked_rows(void)
{
	enum { N = 40, HELD = 10 };
	char *v = variant_with_stock(N);
	T_REQUIRE(v != NULL);
	static char orders[N][40];
	char held[HELD * 40 + 4] = "{", all[N * 40 + 4] = "{";
	for (int i = 0; i < N; i++) {
		char *o = new_uuid();
		T_REQUIRE(o != NULL);
		snprintf(orders[i], sizeof orders[i], "%s", o);
		free(o);
		T_REQUIRE(reserve(orders[i], v, 1));
		if (i < HELD)
			snprintf(held + strlen(held), sizeof held - strlen(held), "%s%s",
			    i ? "," : "", orders[i]);
		snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", i ? "," : "", orders[i]);
	}
	strcat(held, "}");
	strcat(all, "}");
	T_EQ_INT(t_stock(v), 0);
	pid_t second = relay_second();
	T_REQUIRE(second > 0);
	t_sleep_ms(300);
	T_ASSERT(kill(second, 0) == 0);

	/* The held events: written not yet due, key-share locked by a session
	 * of ours, then made due (an update of a non-key column does not wait
	 * on that lock). */
	const char *db = "PRODUCT_DATABASE_URL";
	for (int i = 0; i < HELD; i++)
		free(db_write(db, "INSERT INTO outbox (type, aggregate_id, payload, next_attempt_at) "
		    "VALUES ('ORDER_CANCELLED', $1::text, jsonb_build_object('orderId', $1::text), "
		    "now() + interval '1 hour') RETURNING id::text", orders[i], NULL));
	PGconn *c = PQconnectdb(t_env(db));
	T_REQUIRE(PQstatus(c) == CONNECTION_OK);
	PGresult *r = PQexec(c, "BEGIN");
	PQclear(r);
	const char *p[] = { held };
	r = PQexecParams(c, "SELECT id FROM outbox WHERE aggregate_id = ANY ($1::text[]) "
	    "FOR KEY SHARE", 1, NULL, p, NULL, NULL, 0);
	T_EQ_INT(PQntuples(r), HELD);
	PQclear(r);
	T_EQ_INT(t_db_write(db, "UPDATE outbox SET next_attempt_at = now() "
	    "WHERE aggregate_id = ANY ($1::text[])", held, (char *)NULL), HELD);
	for (int i = HELD; i < N; i++)
		free(put_cancelled(orders[i], NULL));

	T_ASSERT(wait_count(db, "SELECT count(*) FROM outbox WHERE aggregate_id = ANY "
	    "($1::text[]) AND status = 'SENT'", all, N - HELD, 5000));
	t_sleep_ms(1200);   /* a poll of each relay goes by */
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM outbox WHERE aggregate_id = ANY "
	    "($1::text[]) AND status = 'PENDING' AND attempts = 0", held, (char *)NULL), HELD);
	T_EQ_INT(t_stock(v), N - HELD);

	r = PQexec(c, "COMMIT");
	PQclear(r);
	PQfinish(c);
	T_ASSERT(wait_count(db, "SELECT count(*) FROM outbox WHERE aggregate_id = ANY "
	    "($1::text[]) AND status = 'SENT'", all, N, 5000));
	T_EQ_INT(t_stock(v), N);
	T_EQ_INT(t_db_count(db, "SELECT count(*) FROM outbox WHERE aggregate_id = ANY "
	    "($1::text[]) AND attempts <> 1", all, (char *)NULL), 0);
	T_ASSERT(kill(second, 0) == 0 && kill(t_stack_pid("relay"), 0) == 0);
	kill(second, SIGTERM);
	int st;
	T_ASSERT(waitpid(second, &st, 0) == second && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(v);
}

static void
relay_killed_then_catches_up(void)
{
	char *v = variant_with_stock(4);
	T_REQUIRE(v != NULL);
	char *order = new_uuid();
	T_REQUIRE(reserve(order, v, 4));
	/* The supervisor killed: its child, the relay proper, stops with it
	 * (workers/README.md, "Supervision and heartbeat"). */
	pid_t pid = t_stack_pid("relay"), kids[T_MAXKIDS];
	T_REQUIRE(pid > 0);
	int nkids = t_children(pid, kids);
	T_REQUIRE(nkids == 1);
	T_REQUIRE(kill(pid, SIGKILL) == 0);
	for (int i = 0; i < 100 && (t_alive(pid) || t_alive(kids[0])); i++)
		t_sleep_ms(50);
	T_REQUIRE(!t_alive(pid) && !t_alive(kids[0]));
	char *ev = put_cancelled(order, NULL);
	T_REQUIRE(ev != NULL);
	t_sleep_ms(500);
	/* Nobody relays: the event waits, the stock stays out. */
	T_EQ_INT(t_stock(v), 0);
	const char *argv[] = { t_env("STACK"), "run", NULL };
	T_REQUIRE(t_spawn(argv) == 0);
	T_ASSERT(t_stack_pid("relay") != pid);
	T_ASSERT(wait_count("PRODUCT_DATABASE_URL", "SELECT count(*) FROM outbox WHERE "
	    "event_id = $1::uuid AND status = 'SENT'", ev, 1, 5000));
	T_EQ_INT(t_stock(v), 4);
	free(ev);
	free(order);
	free(v);
}

static const struct t_case cases[] = {
	T_CASE(relay_marks_sent_without_consumers),
	T_CASE(relay_event_applied_once),
	T_CASE(relay_dead_listed_and_retried),
	T_CASE(housekeeping_purges_old_rows),
	T_CASE(two_relays_skip_locked_rows),
	T_CASE(relay_killed_then_catches_up),
	T_CASE(relay_through_gateway_without_sockets),
};

int
main(void)
{
	return t_run("relay", cases, T_NCASES(cases), setup, teardown);
}
