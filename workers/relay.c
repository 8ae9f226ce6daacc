/* relay: delivers the events of every service's outbox to their consumers
 * (workers/README.md is the contract).
 *
 * One connection per deployed service database, LISTEN outbox on each;
 * NOTIFY wakes the relay at once, a poll every RELAY_POLL_MS is the
 * fallback.  Due rows are claimed FOR UPDATE SKIP LOCKED inside a
 * transaction, delivered to each deployed consumer, and marked SENT, or
 * rescheduled with exponential backoff and jitter, or parked DEAD after
 * RELAY_MAX_ATTEMPTS.  A relay killed mid-batch leaves its rows PENDING:
 * delivery is at-least-once and consumers are idempotent.
 *
 * A batch costs two round trips whatever its size (libpq pipeline mode):
 * BEGIN with the claim, then one UPDATE marking every delivered row SENT
 * with the COMMIT (a failed delivery adds its own UPDATE).  After a NOTIFY
 * the relay lingers RELAY_LINGER_MS (default 2) before claiming, so under
 * load one batch carries the events of several transactions.
 *
 * The process started is a supervisor (common/supervise.h): the relay runs
 * in its child, which it restarts with backoff whenever it dies.  The
 * child writes RELAY_HEARTBEAT_FILE every RELAY_HEARTBEAT_MS (2000), idle
 * or busy (between the events of a long batch too); GET /health reads it. */
#include "arena.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dbconn.h"
#include "httpc.h"
#include "json.h"
#include "log.h"
#include "relay_rules.h"
#include "supervise.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES 16
#define BATCH "50"

/* The relay's statements, prepared on each source connection.  Every one
 * is an index lookup (by id, or the partial index of due rows). */
enum { R_CLAIM, R_SENT, R_FAILED, R_NEXT_DUE, R__MAX };
static const struct stmt relay_stmts[R__MAX] = {
	[R_CLAIM] = { "relay_claim",
	  "SELECT id, event_id, type, aggregate_id, payload::text AS payload, attempts, "
	  "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at "
	  "FROM outbox WHERE status = 'PENDING' AND next_attempt_at <= now() "
	  "ORDER BY id LIMIT " BATCH " FOR UPDATE SKIP LOCKED", 0, false },
	/* $1: the delivered rows' ids, an array literal of integers we read. */
	[R_SENT] = { "relay_sent",
	  "UPDATE outbox o SET status = 'SENT', sent_at = now(), attempts = o.attempts + 1, "
	  "last_error = NULL WHERE o.id = ANY ($1::bigint[])", 1, false },
	/* $3: seconds to the next attempt; $4: the status it leaves (the
	 * row is locked since the claim: the attempts it read are current). */
	[R_FAILED] = { "relay_failed",
	  "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
	  "next_attempt_at = now() + make_interval(secs => $3::double precision), "
	  "status = $4 WHERE id = $1", 4, false },
	[R_NEXT_DUE] = { "relay_next_due",
	  "SELECT extract(epoch FROM min(next_attempt_at) - now()) AS wait "
	  "FROM outbox WHERE status = 'PENDING'", 0, true },
};

struct source {
	char name[32];
	const char *url;
	struct dbconn db;
	unsigned long gen;   /* the connection's generation we caught up with */
	bool dirty;          /* a NOTIFY came, or a batch was full */
	double dirty_at;     /* monotonic time the first NOTIFY came */
	double due;          /* monotonic time of the next known due row */
	bool retrying;       /* rows wait for a later attempt: watch next_attempt_at */
	double retry_connect;
};

static struct source sources[MAX_SOURCES];
static int nsources;
static char deployed[512];
static long max_attempts, poll_ms;
static double linger_s;
static double backoff_max;
static struct arena *A;        /* a batch's results and answers, reset after it */
static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* After anything that may have dropped or made the source's connection: a
 * lost one is tried again in 2 s; a new one catches up on what arrived
 * while we were away and learns when earlier failures are due. */
static void
source_check(struct source *s)
{
	if (!dbconn_up(&s->db)) {
		double t = mono_s();
		if (s->retry_connect <= t)
			s->retry_connect = t + 2;
		return;
	}
	if (dbconn_generation(&s->db) != s->gen) {
		s->gen = dbconn_generation(&s->db);
		s->dirty = true;
		s->retrying = true;
		log_info("%s: connected", s->name);
	}
}

static void
source_connect(struct source *s)
{
	dbconn_connect(&s->db, s->url);
	source_check(s);
}

/* POSTs the envelope to one consumer (the internal-call transport,
 * common/httpc.h: its pool's socket when INTERNAL_FCGI_DIR has it, else the
 * gateway's internal listener), the event id as the request id.  0 on a
 * 2xx; else -1 with why. */
static int
deliver(const char *consumer, const char *event_id, const struct buf *envelope, char *why,
    size_t whylen)
{
	char path[200];
	snprintf(path, sizeof path, "/internal/%s/events", consumer);
	struct http_resp resp;
	int rc = httpc_internal(A, event_id, "POST", path, envelope->p, envelope->len, 5000,
	    &resp);
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", consumer, resp.error);
		return -1;
	}
	if (resp.status < 200 || resp.status > 299) {
		snprintf(why, whylen, "%s: HTTP %ld %.150s", consumer, resp.status, resp.body);
		return -1;
	}
	return 0;
}

/* Records a failed delivery of ev (row id) in the open transaction: the
 * next attempt after a backoff, or DEAD after the last.  0, or -1. */
static int
relay_failed(struct source *s, const char *id, const struct relay_event *ev, const char *why)
{
	unsigned char jitter;
	crypto_random(&jitter, 1);
	char delay[32];
	snprintf(delay, sizeof delay, "%.3f", relay_backoff(ev->attempts, backoff_max, jitter));
	const char *status = relay_status_after_failure(ev->attempts, max_attempts);
	enum db_err err;
	PGresult *res = dbconn_exec(&s->db, A, &relay_stmts[R_FAILED],
	    (const char *[]){ id, why, delay, status }, &err);
	s->retrying = true;
	if (res == NULL) {
		log_err("%s: could not record the failed delivery of event %s", s->name,
		    ev->event_id);
		return -1;
	}
	if (strcmp(status, "DEAD") == 0)
		log_err("%s: event %s (%s) is dead after %ld attempts: %s", s->name,
		    ev->event_id, ev->type, ev->attempts + 1, why);
	else
		log_warn("%s: event %s (%s) attempt %ld failed: %s", s->name,
		    ev->event_id, ev->type, ev->attempts + 1, why);
	return 0;
}

/* Delivers one event row to its consumers.  1: delivered (marked SENT with
 * the rest of the batch); 0: failed, recorded in the open transaction;
 * -1: could not record. */
static int
relay_row(struct source *s, const PGresult *rows, int i)
{
	struct relay_event ev = {
		.event_id = db_get(rows, i, "event_id"),
		.type = db_get(rows, i, "type"),
		.aggregate_id = db_get(rows, i, "aggregate_id"),
		.occurred_at = db_get(rows, i, "at"),
		.payload = db_get(rows, i, "payload"),
		.attempts = (long)db_get_ll(rows, i, "attempts"),
	};
	struct buf env = { 0 };
	relay_envelope(&ev, s->name, &env);
	const char *to[RELAY_MAX_CONSUMERS];
	size_t n = relay_consumers(A, ev.type, ev.payload, deployed, to);
	char why[256] = "";
	bool failed = false;
	for (size_t k = 0; k < n; k++)
		if (deliver(to[k], ev.event_id, &env, why, sizeof why) != 0)
			failed = true;   /* the others are idempotent: retry all */
	buf_free(&env);
	if (!failed)
		return 1;
	return relay_failed(s, db_get(rows, i, "id"), &ev, why);
}

/* Claims and delivers one batch: BEGIN with the claim, then the SENT
 * marks with the COMMIT, a round trip each.  Returns rows handled, or -1. */
static int
relay_batch(struct source *s)
{
	enum db_err err;
	PGresult *rows = dbconn_begin_with(&s->db, A, &relay_stmts[R_CLAIM], NULL, &err);
	if (rows == NULL)
		return -1;
	int n = PQntuples(rows), rc = 0;
	struct buf sent = { 0 };
	buf_adds(&sent, "{");
	size_t nsent = 0;
	for (int i = 0; i < n && rc >= 0; i++) {
		supervise_heartbeat();   /* a backlog may take a while */
		rc = relay_row(s, rows, i);
		if (rc == 1) {
			if (nsent++ > 0)
				buf_adds(&sent, ",");
			buf_adds(&sent, db_get(rows, i, "id"));
		}
	}
	buf_adds(&sent, "}");
	if (rc < 0)
		dbconn_rollback(&s->db);
	else if (nsent > 0)
		rc = dbconn_commit_with(&s->db, &relay_stmts[R_SENT], (const char *[]){ sent.p },
		    &err);
	else
		rc = dbconn_commit(&s->db, &err);
	buf_free(&sent);
	arena_reset(A);
	return rc < 0 ? -1 : n;
}

/* When the next retry of a source is due.  Only failed attempts schedule
 * rows in the future, so there is nothing to ask while none has failed. */
static void
relay_next_due(struct source *s)
{
	enum db_err err;
	PGresult *res = dbconn_exec(&s->db, A, &relay_stmts[R_NEXT_DUE], NULL, &err);
	s->due = 0;
	if (res != NULL && PQntuples(res) == 1 && !db_isnull(res, 0, "wait")) {
		double wait = atof(db_get(res, 0, "wait"));
		s->due = mono_s() + (wait > 0 ? wait : 0);
	} else if (res != NULL) {
		s->retrying = false;   /* nothing pending any more */
	}
	arena_reset(A);
}

static void
relay_source(struct source *s)
{
	/* A NOTIFY is sent after its transaction committed: what arrived by
	 * now, the claim below sees.  Dropping those notifications spares an
	 * empty claim right after this one. */
	if (dbconn_notifications(&s->db, NULL, NULL) == 0)
		return;
	s->dirty = false;
	s->dirty_at = 0;
	for (;;) {
		int n = relay_batch(s);
		if (n < 0)
			return;
		if (n < atoi(BATCH) || stopping)
			break;
	}
	if (s->retrying)
		relay_next_due(s);
}

/* One source per deployed service whose database URL is set.  Generic
 * plans (dbconn.c), and no sequential scans: the relay connects when the
 * outbox may still be empty, and a plan made on an empty, never analysed
 * table scanned it whole (its backend was 15 % of all CPU under the order
 * bench). */
static void
load_sources(void)
{
	snprintf(deployed, sizeof deployed, "%s", config_str("SERVICES", ""));
	char list[512];
	snprintf(list, sizeof list, "%s", deployed);
	char *save = NULL;
	for (char *svc = strtok_r(list, " ,", &save); svc && nsources < MAX_SOURCES;
	    svc = strtok_r(NULL, " ,", &save)) {
		char env[64];
		config_service_var(svc, "_DATABASE_URL", env, sizeof env);
		const char *url = config_str(env, NULL);
		if (url == NULL) {
			log_warn("%s: %s is not set, its outbox is not relayed", svc, env);
			continue;
		}
		struct source *s = &sources[nsources++];
		snprintf(s->name, sizeof s->name, "%s", svc);
		s->url = url;
		s->db.name = s->name;
		s->db.appname = "relay";
		s->db.options = "-c enable_seqscan=off";
		dbconn_register(&s->db, relay_stmts, R__MAX);
		dbconn_listen(&s->db, "outbox");
	}
}

/* The relay's settings (README.md, "Configuration"). */
static void
relay_config(void)
{
	max_attempts = config_long("RELAY_MAX_ATTEMPTS", 20);
	poll_ms = config_long("RELAY_POLL_MS", 1000);
	long linger_ms = config_long("RELAY_LINGER_MS", 2);
	if (linger_ms < 0) linger_ms = 0;
	if (linger_ms > 1000) linger_ms = 1000;
	linger_s = (double)linger_ms / 1000.0;
	backoff_max = (double)config_long("RELAY_BACKOFF_MAX_S", 60);
	if (max_attempts < 1) max_attempts = 1;
	if (poll_ms < 10) poll_ms = 10;
	if (backoff_max < 1) backoff_max = 1;
}

/* A NOTIFY from a source's outbox. */
static void
on_notify(const char *payload, bool self, void *arg)
{
	(void)payload;
	(void)self;
	struct source *s = arg;
	if (!s->dirty)
		s->dirty_at = mono_s();
	s->dirty = true;
}

/* When to wake at the latest (a reconnection, a due retry, the end of a
 * linger), and the sockets to watch for a NOTIFY in fds.  Returns the
 * highest socket, or -1. */
static int
relay_wake(fd_set *fds, double *wake)
{
	int maxfd = -1;
	FD_ZERO(fds);
	for (int i = 0; i < nsources; i++) {
		struct source *s = &sources[i];
		if (!dbconn_up(&s->db)) {
			if (s->retry_connect < *wake) *wake = s->retry_connect;
			continue;
		}
		if (s->due > 0 && s->due < *wake) *wake = s->due;
		if (s->dirty) {
			/* Lingering: its claim is due anyway, and more NOTIFYs
			 * from it would only wake us for nothing. */
			if (s->dirty_at + linger_s < *wake) *wake = s->dirty_at + linger_s;
			continue;
		}
		int fd = dbconn_socket(&s->db);
		if (fd >= 0 && fd < FD_SETSIZE) {
			FD_SET(fd, fds);
			if (fd > maxfd) maxfd = fd;
		}
	}
	return maxfd;
}

/* Sleeps until a NOTIFY, the next due retry, the next poll or the next
 * heartbeat, then takes the notifications that came. */
static void
relay_sleep(double next_poll)
{
	double wake = next_poll, beat = mono_s() + supervise_heartbeat();
	if (beat < wake)
		wake = beat;
	fd_set fds;
	int maxfd = relay_wake(&fds, &wake);
	double dt = wake - mono_s();
	if (dt < 0) dt = 0;
	struct timeval tv = { (time_t)dt, (suseconds_t)((dt - (double)(time_t)dt) * 1e6) };
	if (select(maxfd + 1, &fds, NULL, NULL, &tv) < 0 && errno != EINTR)
		log_warn("select: %s", strerror(errno));
	for (int i = 0; i < nsources; i++) {
		struct source *s = &sources[i];
		if (dbconn_up(&s->db) && dbconn_notifications(&s->db, on_notify, s) == 0)
			source_check(s);   /* lost (logged): connect again later */
	}
}

/* One turn of the relay over its sources: connect what is due to be,
 * relay each that a NOTIFY, the poll or a due retry calls for. */
static void
relay_turn(bool poll)
{
	double t = mono_s();
	for (int i = 0; i < nsources && !stopping; i++) {
		struct source *s = &sources[i];
		if (!dbconn_up(&s->db)) {
			if (t < s->retry_connect)
				continue;
			source_connect(s);
			supervise_heartbeat();   /* a connect may take its timeout */
			if (!dbconn_up(&s->db))
				continue;
		}
		bool woken = s->dirty && t >= s->dirty_at + linger_s;
		if (woken || poll || (s->due > 0 && t >= s->due)) {
			relay_source(s);
			source_check(s);
		}
	}
}

/* The relay proper: the supervised child's whole life (common/supervise.h). */
static int
relay_run(void)
{
	relay_config();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	A = arena_new(0);
	load_sources();
	const char *dir = httpc_internal_dir();
	if (dir != NULL && *dir != '\0')
		log_info("relaying %d outboxes to the pools' sockets in %s (else %s)", nsources,
		    dir, httpc_internal_base());
	else
		log_info("relaying %d outboxes to %s", nsources, httpc_internal_base());

	double next_poll = 0;
	while (!stopping) {
		supervise_heartbeat();
		double t = mono_s();
		bool poll = t >= next_poll;
		if (poll)
			next_poll = t + (double)poll_ms / 1000.0;
		relay_turn(poll);
		relay_sleep(next_poll);
	}
	log_info("relay stopping");
	for (int i = 0; i < nsources; i++)
		dbconn_close(&sources[i].db);
	arena_free(A);
	httpc_cleanup();
	return 0;
}

/* A supervisor (the pid in var/run/relay.pid) restarts the relay whenever
 * it dies; the relay beats a heartbeat file that GET /health reads. */
int
main(void)
{
	log_open("relay");
	return supervise("relay", relay_run);
}
