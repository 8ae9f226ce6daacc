/* Failure handling of a running stack: a worker killed under the pool
 * master is replaced at once, and a database restart under the running
 * pools gives 503s while it is down and service again afterwards, without
 * restarting any pool.
 *
 * Needs VAR_DIR (the pool master's pid in $VAR_DIR/run/auth.pid) and the
 * stack script (STACK, or $REPO/scripts/stack.sh) for pg-stop / pg-start.
 * It kills only pids it reads from the stack's own pid file. */
#include "../lib/http.h"
#include "../lib/t.h"
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAXKIDS T_MAXKIDS

static char email[160];
static char *access_tok;
static char stack_sh[1024];

static bool
has(const pid_t *v, int n, pid_t p)
{
	for (int i = 0; i < n; i++)
		if (v[i] == p)
			return true;
	return false;
}

static int
stack(const char *cmd)
{
	const char *argv[] = { stack_sh, cmd, NULL };
	printf("    running %s %s\n", stack_sh, cmd);
	return t_spawn(argv);
}

static void
worker_killed_is_replaced(void)
{
	pid_t m = t_stack_pid("auth");
	T_REQUIRE(m > 0);
	pid_t before[MAXKIDS], after[MAXKIDS];
	int n = t_children(m, before);
	T_REQUIRE(n >= 1);
	pid_t victim = before[0];
	T_REQUIRE(kill(victim, SIGKILL) == 0);
	double t0 = t_now();
	int k = 0;
	bool back = false;
	while (t_now() - t0 < 3.0) {
		k = t_children(m, after);
		if (k == n && !has(after, k, victim)) {
			back = true;
			break;
		}
		t_sleep_ms(20);
	}
	double took = t_now() - t0;
	t_check(back, __FILE__, __LINE__, "master %d has %d workers 3 s after the kill, "
	    "expected %d without %d", (int)m, k, n, (int)victim);
	t_check(took <= 1.0, __FILE__, __LINE__, "worker replaced after %.2f s, expected <= 1 s",
	    took);
	T_EQ_INT(t_stack_pid("auth"), m);
	/* Requests keep succeeding, on every worker. */
	for (int i = 0; i < 4 * n; i++) {
		struct resp rs;
		t_get(&rs, "/auth/health", NULL);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}
	struct resp rs;
	t_get(&rs, "/auth/me", access_tok);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
all_workers_killed_are_replaced(void)
{
	pid_t m = t_stack_pid("auth");
	T_REQUIRE(m > 0);
	pid_t before[MAXKIDS], after[MAXKIDS];
	int n = t_children(m, before);
	T_REQUIRE(n >= 1);
	for (int i = 0; i < n; i++)
		kill(before[i], SIGKILL);
	double t0 = t_now();
	int k = 0;
	bool back = false;
	while (t_now() - t0 < 3.0) {
		k = t_children(m, after);
		bool fresh = k == n;
		for (int i = 0; fresh && i < n; i++)
			fresh = !has(after, k, before[i]);
		if (fresh) {
			back = true;
			break;
		}
		t_sleep_ms(20);
	}
	t_check(back, __FILE__, __LINE__, "%d of %d workers back 3 s after killing them all",
	    k, n);
	t_check(t_now() - t0 <= 1.5, __FILE__, __LINE__, "pool refilled after %.2f s",
	    t_now() - t0);
	struct resp rs;
	t_get(&rs, "/auth/me", access_tok);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

/* Expects a prompt JSON 503 (never 500, never a hang). */
static void
expect_503(struct resp *rs, int line)
{
	t_check_error(rs, 503, NULL, __FILE__, line);
	t_check(rs->secs < 5.0, __FILE__, line, "%s took %.2f s with the database down",
	    rs->what, rs->secs);
}

static void
database_restart(void)
{
	pid_t m = t_stack_pid("auth");
	T_REQUIRE(m > 0);
	pid_t kids[MAXKIDS], kids_after[MAXKIDS];
	int n = t_children(m, kids);
	T_REQUIRE(n >= 1);
	/* Every worker has a live connection before the restart. */
	for (int i = 0; i < 2 * n; i++) {
		struct resp rs;
		t_get(&rs, "/auth/me", access_tok);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}

	T_REQUIRE(stack("pg-stop") == 0);
	/* From here on, pg-start runs whatever fails. */
	struct resp rs;
	for (int i = 0; i < 2 * n; i++) {
		t_get(&rs, "/auth/me", access_tok);
		expect_503(&rs, __LINE__);
		t_resp_free(&rs);
	}
	char body[400];
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse 42\"}", email);
	t_post_json(&rs, "/auth/login", NULL, body);
	expect_503(&rs, __LINE__);
	t_resp_free(&rs);
	char other[160], u[96];
	snprintf(other, sizeof other, "%s@example.com", t_unique(u, sizeof u, "it-down"));
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse 42\"}", other);
	t_post_json(&rs, "/auth/register", NULL, body);
	expect_503(&rs, __LINE__);
	t_resp_free(&rs);
	t_get(&rs, "/auth/health", NULL);
	T_STATUS(&rs, 503);
	T_ASSERT(rs.json != NULL);
	t_resp_free(&rs);
	/* Input errors are still answered without the database. */
	t_post_json(&rs, "/auth/login", NULL, "{\"email\":5}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);

	int started = stack("pg-start");
	T_EQ_INT(started, 0);
	/* Back within a few seconds, on every worker, without a restart. */
	double t0 = t_now();
	int ok_in_row = 0;
	long last = 0;
	while (t_now() - t0 < 15.0 && ok_in_row < 4 * n) {
		t_get(&rs, "/auth/me", access_tok);
		last = rs.status;
		if (rs.status == 200)
			ok_in_row++;
		else {
			ok_in_row = 0;
			t_check(rs.status == 503, __FILE__, __LINE__,
			    "during recovery GET /auth/me -> %ld: %.200s", rs.status, rs.body);
			t_sleep_ms(200);
		}
		t_resp_free(&rs);
	}
	t_check(ok_in_row >= 4 * n, __FILE__, __LINE__,
	    "GET /auth/me not back 15 s after pg-start (last status %ld)", last);
	printf("    service back %.2f s after pg-start\n", t_now() - t0);
	t_post_json(&rs, "/auth/login", NULL, body);   /* the refused registration */
	T_ERROR(&rs, 401, NULL);                       /* did not happen */
	t_resp_free(&rs);
	T_EQ_INT(t_db_count("AUTH_DATABASE_URL", "SELECT count(*) FROM users WHERE email = $1",
	    other, (char *)NULL), 0);
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse 42\"}", email);
	t_post_json(&rs, "/auth/login", NULL, body);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_get(&rs, "/auth/health", NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* No pool was restarted: same master, same workers. */
	T_EQ_INT(t_stack_pid("auth"), m);
	int k = t_children(m, kids_after);
	T_EQ_INT(k, n);
	bool same = k == n;
	for (int i = 0; same && i < n; i++)
		same = kids[i] == kids_after[i];
	t_check(same, __FILE__, __LINE__, "the workers changed across the database restart");
}

static int
suite_init(void)
{
	if (t_env("BASE_URL") == NULL || t_env("VAR_DIR") == NULL ||
	    t_env("AUTH_DATABASE_URL") == NULL)
		return 1;
	const char *s = getenv("STACK");
	const char *repo = getenv("REPO");
	if (s != NULL && s[0] != '\0')
		snprintf(stack_sh, sizeof stack_sh, "%s", s);
	else if (repo != NULL && repo[0] != '\0')
		snprintf(stack_sh, sizeof stack_sh, "%s/scripts/stack.sh", repo);
	else {
		fprintf(stderr, "neither STACK nor REPO is set\n");
		return 1;
	}
	char u[96];
	snprintf(email, sizeof email, "%s@example.com", t_unique(u, sizeof u, "it-res"));
	char body[400];
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse 42\"}", email);
	struct resp rs;
	t_post_json(&rs, "/auth/register", NULL, body);
	const char *a = t_jstr(rs.json, "accessToken");
	if (rs.status != 201 || a == NULL) {
		fprintf(stderr, "could not register %s: %ld %s\n", email, rs.status, rs.body);
		t_resp_free(&rs);
		return 1;
	}
	access_tok = strdup(a);
	t_resp_free(&rs);
	return 0;
}

static int
suite_clean(void)
{
	free(access_tok);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(worker_killed_is_replaced),
	T_CASE(all_workers_killed_are_replaced),
	T_CASE(database_restart),
};

int
main(void)
{
	return t_run("resilience", cases, T_NCASES(cases), suite_init, suite_clean);
}
