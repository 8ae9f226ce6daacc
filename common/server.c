#include "server.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "outbox.h"
#include "events.h"
#include "idem.h"
#include "valid.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX 64

/* The health check's one statement: the database answers, and how the
 * service's outbox stands.  Every service database has the outbox
 * (sql/common/001_outbox.sql), and its partial index outbox_due holds
 * exactly the PENDING rows: the statement reads those and no others. */
static const struct stmt server_stmts[] = {
	{ "server_outbox",
	  "SELECT count(*) AS pending, greatest(0, coalesce(floor(extract(epoch FROM "
	  "now() - min(created_at))), 0))::bigint AS oldest "
	  "FROM outbox WHERE status = 'PENDING'", 0, true },
	/* server_job's lock: session level, so it outlives the run's own
	 * transactions; $1 names the job ("payment.reconcile"). */
	{ "server_job_lock",
	  "SELECT pg_try_advisory_lock(hashtext($1)) AS locked", 1, false },
	{ "server_job_unlock",
	  "SELECT pg_advisory_unlock(hashtext($1)) AS unlocked", 1, false },
};

static const struct service *service;
/* The service's routes plus the ones every service with statements gets. */
static struct route *routes;
static size_t nroutes;

static char *audit_path;

/* GET /internal/<svc>/audit?graceSeconds=&sinceSeconds= */
enum { Q_GRACE, Q_SINCE, Q__MAX };
static const struct qparam audit_query[Q__MAX + 1] = {
	[Q_GRACE] = { "graceSeconds", QP_INT, 0, 30 * 86400, 300, NULL },
	[Q_SINCE] = { "sinceSeconds", QP_INT, 0, 3650 * 86400, 0, NULL },
};

static void
routes_build(void)
{
	size_t extra = service->nstmts > 0 ? 3 : 0;
	nroutes = service->nroutes + extra + (service->audit != NULL);
	routes = xmalloc(nroutes * sizeof *routes);
	memcpy(routes, service->routes, service->nroutes * sizeof *routes);
	if (service->audit != NULL) {
		audit_path = xmalloc(80);
		snprintf(audit_path, 80, "/internal/%s/audit", service->name);
		routes[nroutes - 1] = (struct route){ "GET", audit_path, ROUTE_PUBLIC,
		    server_audit, ROUTE_INTERNAL, audit_query };
	}
	if (extra == 0)
		return;
	char *dead = xmalloc(64), *retry = xmalloc(80), *house = xmalloc(80);
	snprintf(dead, 64, "/internal/%s/outbox/dead", service->name);
	snprintf(retry, 80, "/internal/%s/outbox/:eventId/retry", service->name);
	snprintf(house, 80, "/internal/%s/jobs/housekeeping", service->name);
	routes[service->nroutes] = (struct route){ "GET", dead, ROUTE_PUBLIC,
	    outbox_dead_list, ROUTE_INTERNAL, NULL };
	routes[service->nroutes + 1] = (struct route){ "POST", retry, ROUTE_PUBLIC,
	    outbox_dead_retry, ROUTE_INTERNAL, NULL };
	routes[service->nroutes + 2] = (struct route){ "POST", house, ROUTE_PUBLIC,
	    outbox_housekeeping, ROUTE_INTERNAL, NULL };
}

static void
routes_free(void)
{
	free(audit_path);
	if (nroutes > service->nroutes) {
		free((char *)routes[service->nroutes].pattern);
		free((char *)routes[service->nroutes + 1].pattern);
		free((char *)routes[service->nroutes + 2].pattern);
	}
	free(routes);
}
static volatile sig_atomic_t stopping;
static volatile sig_atomic_t in_accept;
static sigset_t unblocked;      /* the mask before the master blocked signals */

void
server_health(struct req *r)
{
	enum db_err err;
	PGresult *res = db_exec(r, &server_stmts[0], NULL, &err);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "status", res ? "ok" : "degraded");
	jw_kstr(&w, "service", service->name);
	jw_kstr(&w, "database", res ? "up" : "down");
	if (res != NULL && PQntuples(res) == 1) {
		jw_key(&w, "outbox");
		jw_obj_open(&w);
		jw_kint(&w, "pending", db_get_ll(res, 0, "pending"));
		jw_kint(&w, "oldestPendingSeconds", db_get_ll(res, 0, "oldest"));
		jw_obj_close(&w);
	}
	if (res != NULL && service->health != NULL)
		service->health(r, &w);
	jw_obj_close(&w);
	reply_w(r, res ? 200 : 503);
}

void
server_audit(struct req *r)
{
	PGresult *res = db_exec_or_reply(r, service->audit,
	    (const char *[]){ db_int(r, r->q[Q_GRACE].i), db_int(r, r->q[Q_SINCE].i) });
	if (res == NULL)
		return;
	struct buf b = { 0 };
	buf_adds(&b, db_get(res, 0, "doc"));
	reply_json(r, 200, &b);
	buf_free(&b);
}

/* ---- worker ---- */

static void
worker_term(int sig)
{
	(void)sig;
	stopping = 1;
	/* Blocked in accept: leave now (exit runs LeakSanitizer's check). */
	if (in_accept)
		exit(0);
}

static void
worker_run(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = worker_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		exit(0);

	FCGX_Request f;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, 0, 0) != 0) {
		log_err("could not initialise FastCGI");
		exit(1);
	}
	struct req r;
	req_init(&r, &f);
	routes_build();
	db_register(server_stmts, sizeof server_stmts / sizeof server_stmts[0]);
	db_register(outbox_stmts, outbox_nstmts);
	db_register(events_stmts, events_nstmts);
	db_register(idem_stmts, idem_nstmts);
	db_register(service->stmts, service->nstmts);
	if (service->audit != NULL)
		db_register(service->audit, 1);
	if (service->worker_init != NULL)
		service->worker_init();
	if (cfg.database_url != NULL)
		db_connect(cfg.database_url);   /* failure is retried per request */
	else
		log_warn("no database URL configured");

	while (!stopping) {
		in_accept = 1;
		if (stopping)
			break;
		int rc = FCGX_Accept_r(&f);
		in_accept = 0;
		if (rc < 0) {
			if (stopping)
				break;
			log_err("accept failed: %d", rc);
			break;
		}
		req_begin(&r, cfg.body_max);
		router_dispatch(&r, routes, nroutes);
		/* The rule for transactions (common/README.md): what the handler
		 * left open is rolled back here, before the key's answer is
		 * stored or freed and before the answer is sent. */
		db_request_done();
		idem_finish(&r);
		req_end(&r);
		/* Detached, Finish closes the connection at once instead of
		 * shutting down its write side and waiting for the web server
		 * to close first (libfcgi's OS_IpcClose): the answer is whole
		 * (END_REQUEST written), and the wait costs every request one
		 * more wake-up. */
		FCGX_Detach(&f);
		FCGX_Finish_r(&f);
	}
	if (service->worker_exit != NULL)
		service->worker_exit();
	db_disconnect();
	routes_free();
	buf_free(&r.out);
	buf_free(&r.headers);
	arena_free(r.a);
	exit(0);
}

/* ---- master ---- */

static void
master_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		stopping = 1;
}

static pid_t
spawn(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		worker_run();
	}
	if (pid < 0)
		log_err("could not fork a worker: %s", strerror(errno));
	return pid;
}

/* The master's signals: SIGTERM/SIGINT stop the pool, SIGCHLD wakes it;
 * all three blocked outside sigsuspend (the mask before: unblocked). */
static void
master_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = master_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
}

/* Reaps the workers that died and frees their slots. */
static void
reap(pid_t *pids, const double *started, long n)
{
	int status;
	pid_t dead;
	while ((dead = waitpid(-1, &status, WNOHANG)) > 0) {
		for (long i = 0; i < n; i++) {
			if (pids[i] != dead)
				continue;
			pids[i] = 0;
			if (WIFSIGNALED(status))
				log_warn("worker %d killed by signal %d, replacing it",
				    (int)dead, WTERMSIG(status));
			else
				log_warn("worker %d exited with %d, replacing it",
				    (int)dead, WEXITSTATUS(status));
			/* A worker that dies at once: do not spin. */
			if (mono_s() - started[i] < 0.5 && !stopping)
				usleep(200 * 1000);
		}
	}
}

/* Stops the workers: SIGTERM, then SIGKILL to those left after 5 s. */
static void
stop_workers(pid_t *pids, long n)
{
	for (long i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	double deadline = mono_s() + 5;
	for (;;) {
		int live = 0;
		for (long i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], NULL, WNOHANG) == pids[i])
				pids[i] = 0;
			else
				live++;
		}
		if (live == 0)
			break;
		if (mono_s() > deadline) {
			for (long i = 0; i < n; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			deadline = mono_s() + 60;
		}
		usleep(20 * 1000);
	}
}

/* The pool master: keeps n workers until SIGTERM or SIGINT. */
static int
master_run(long n)
{
	master_signals();
	pid_t pids[POOL_MAX] = { 0 };
	double started[POOL_MAX] = { 0 };
	log_info("pool starting with %ld workers", n);
	while (!stopping) {
		for (long i = 0; i < n; i++) {
			if (pids[i] > 0)
				continue;
			pids[i] = spawn();
			started[i] = mono_s();
		}
		sigsuspend(&unblocked);   /* wakes on SIGCHLD, SIGTERM, SIGINT */
		reap(pids, started, n);
	}
	log_info("pool stopping");
	stop_workers(pids, n);
	return 0;
}

int
server_main(int argc, char **argv, const struct service *svc)
{
	service = svc;
	if (argc > 1) {
		if (svc->cli == NULL) {
			fprintf(stderr, "usage: %s (started by spawn-fcgi)\n", argv[0]);
			return 2;
		}
		if (config_load(svc->name) != 0)
			return 1;
		return svc->cli(argc, argv);
	}
	log_open(svc->name);
	if (config_load(svc->name) != 0)
		return 1;
	long n = config_long("POOL_SIZE", 2);
	if (n < 1) n = 1;
	if (n > POOL_MAX) n = POOL_MAX;
	return master_run(n);
}

void
server_job(struct req *r, const char *lock, const char *what,
    void (*run)(struct req *, void *), void *arg)
{
	PGresult *res = db_exec_or_reply(r, &server_stmts[1], (const char *[]){ lock });
	if (res == NULL)
		return;
	if (!db_get_bool(res, 0, "locked")) {
		reply_error(r, 409, "a %s run is already in progress", what);
		return;
	}
	run(r, arg);
	enum db_err err;
	if (db_exec(r, &server_stmts[2], (const char *[]){ lock }, &err) == NULL)
		log_warn("%s: the run's lock was not released (it goes with the connection)", what);
}
