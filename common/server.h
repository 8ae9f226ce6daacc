/* A service's main: the pool master and its workers.
 *
 * spawn-fcgi creates the listening socket on fd 0 and starts the program
 * once; server_main forks POOL_SIZE workers that accept on it and replaces
 * any worker that dies (within a second).  SIGTERM to the master stops the
 * pool; workers die with their master. */
#ifndef SERVER_H
#define SERVER_H
#include "db.h"
#include "router.h"

struct service {
	const char *name;                 /* "auth": config, logs, health */
	const struct route *routes;
	size_t nroutes;
	const struct stmt *stmts;
	size_t nstmts;
	/* Optional: called in each worker before it connects, and at its exit. */
	void (*worker_init)(void);
	void (*worker_exit)(void);
	/* Optional subcommands ("auth create-admin"): called when argc > 1. */
	int (*cli)(int argc, char **argv);
	/* Optional: the statement behind GET /internal/<name>/audit (cron/
	 * README.md, "The audit"): $1 the grace in seconds, $2 the window
	 * (rows changed within that many seconds; 0: all), one row whose
	 * column "doc" is the JSON answer. */
	const struct stmt *audit;
	/* Optional: more members of GET /<prefix>/health's object, written
	 * after the outbox while the database answers (the notification
	 * service's due notifications). */
	void (*health)(struct req *r, struct jw *w);
};

int server_main(int argc, char **argv, const struct service *svc);

/* GET /<prefix>/health: 200 when the database answers, else 503, with the
 * service's outbox: {"pending": N, "oldestPendingSeconds": S} (its events
 * not yet delivered, and how long the oldest has waited; the gateway's
 * GET /health judges them). */
void server_health(struct req *r);

/* GET /internal/<name>/audit?graceSeconds=300&sinceSeconds=0: the
 * service's audit document (service->audit), 200. */
void server_audit(struct req *r);

/* A job run at most once at a time across the pool: run(r, arg) under a
 * session-level advisory lock named lock ("payment.reconcile") on this
 * worker's connection, released after it; 409 "a <what> run is already in
 * progress" while another run holds it.  run answers the request. */
void server_job(struct req *r, const char *lock, const char *what,
    void (*run)(struct req *, void *), void *arg);

#endif
