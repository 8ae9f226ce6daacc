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
#include "config.h"
#include "arena.h"
#include "crypto.h"
#include "fcgic.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "services.h"   /* generated from services.conf */
#include "supervise.h"
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <libpq-fe.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOURCES 16
#define BATCH "50"
#define MAX_CONSUMERS SERVICES_MAX_CONSUMERS   /* of one event type */

/* Who consumes what: services.conf's "consumes" column, generated into
 * services.h; a consumer that is not deployed is skipped.  A consumer with
 * a key gets the event only when its payload has that key with a non-null
 * value: share-link acknowledges an order without a link as "ignored", so
 * most orders need not be sent to it at all. */
struct consumer {
	const char *name;
	const char *only_with;   /* payload key, or NULL: every event */
};
static const struct {
	const char *type;
	struct consumer consumers[MAX_CONSUMERS];
} subscriptions[] = { SERVICES_SUBSCRIPTIONS };

/* The relay's SQL, run on each source connection. */
static const char sql_claim[] =
    "SELECT id, event_id, type, aggregate_id, payload::text AS payload, attempts, "
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') AS at "
    "FROM outbox WHERE status = 'PENDING' AND next_attempt_at <= now() "
    "ORDER BY id LIMIT " BATCH " FOR UPDATE SKIP LOCKED";
/* $1: the delivered rows' ids, an array literal of integers we read. */
static const char sql_sent[] =
    "UPDATE outbox o SET status = 'SENT', sent_at = now(), attempts = o.attempts + 1, "
    "last_error = NULL WHERE o.id = ANY ($1::bigint[])";
static const char sql_failed[] =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "next_attempt_at = now() + make_interval(secs => $3::double precision), "
    "status = CASE WHEN attempts + 1 >= $4::int THEN 'DEAD' ELSE 'PENDING' END "
    "WHERE id = $1 RETURNING status";
static const char sql_next_due[] =
    "SELECT extract(epoch FROM min(next_attempt_at) - now()) AS wait "
    "FROM outbox WHERE status = 'PENDING'";

struct source {
	char name[32];
	char *url;
	PGconn *conn;
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
static const char *fcgi_dir;   /* INTERNAL_FCGI_DIR: the pools' sockets, or NULL */
static CURL *curl;
static volatile sig_atomic_t stopping;

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static bool
is_deployed(const char *svc)
{
	size_t n = strlen(svc);
	for (const char *p = deployed; (p = strstr(p, svc)) != NULL; p += n) {
		bool start = p == deployed || p[-1] == ' ' || p[-1] == ',';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == ',';
		if (start && end)
			return true;
	}
	return false;
}

static void
source_disconnect(struct source *s)
{
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	s->retry_connect = now_s() + 2;
}

static void
source_connect(struct source *s)
{
	/* Generic plans: planned once, not at every batch.  The relay
	 * connects when the outbox may still be empty, and a plan made on an
	 * empty, never analysed table scanned it whole (its backend was 15 %
	 * of all CPU under the order bench): every statement here is an index
	 * lookup (by id, or the partial index of due rows), so sequential
	 * scans are off for this session. */
	const char *keys[] = { "connect_timeout", "application_name", "options", "dbname", NULL };
	const char *vals[] = { "3", "relay",
	    "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off", s->url, NULL };
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		log_warn("%s: could not connect: %s", s->name, PQerrorMessage(s->conn));
		source_disconnect(s);
		return;
	}
	/* Prepared once per connection: parsed and planned once. */
	static const struct { const char *name, *sql; int n; } stmts[] = {
		{ "relay_claim", sql_claim, 0 },
		{ "relay_sent", sql_sent, 1 },
		{ "relay_failed", sql_failed, 4 },
		{ "relay_next_due", sql_next_due, 0 },
		{ "relay_begin", "BEGIN", 0 },
		{ "relay_commit", "COMMIT", 0 },
		{ "relay_rollback", "ROLLBACK", 0 },
	};
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof stmts / sizeof stmts[0]; i++) {
		PGresult *p = PQprepare(s->conn, stmts[i].name, stmts[i].sql, stmts[i].n, NULL);
		ok = PQresultStatus(p) == PGRES_COMMAND_OK;
		PQclear(p);
	}
	PGresult *res = PQexec(s->conn, "LISTEN outbox");
	ok = ok && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		log_warn("%s: could not listen: %s", s->name, PQerrorMessage(s->conn));
		source_disconnect(s);
		return;
	}
	s->dirty = true;   /* catch up on what arrived while we were away */
	s->retrying = true;   /* and learn when earlier failures are due */
	log_info("%s: connected", s->name);
}

static size_t
keep_head(char *p, size_t size, size_t n, void *u)
{
	struct buf *b = u;
	size_t len = size * n;
	if (b->len < 200)
		buf_add(b, p, len < 200 - b->len ? len : 200 - b->len);
	return len;
}

/* POSTs the envelope to one consumer: straight to its pool's socket over
 * FastCGI when INTERNAL_FCGI_DIR has it (common/fcgic.h), else through the
 * gateway's internal listener.  0 on 2xx; else -1 with why. */
static int
deliver(const char *consumer, const char *event_id, const struct buf *envelope, char *why,
    size_t whylen)
{
	char path[200];
	snprintf(path, sizeof path, "/internal/%s/events", consumer);
	if (fcgi_dir != NULL && *fcgi_dir != '\0') {
		char sock[PATH_MAX];
		snprintf(sock, sizeof sock, "%s/%s.sock", fcgi_dir, consumer);
		struct fcgic_req q = {
			.method = "POST", .path = path, .body = envelope->p,
			.body_len = envelope->len, .request_id = event_id,
		};
		struct buf out = { 0 };
		long status = 0;
		char err[160] = "";
		int rc = fcgic_call(sock, &q, 5000, &status, &out, err, sizeof err);
		if (rc != FCGIC_NO_SOCKET) {
			int ok = rc == 0 && status >= 200 && status < 300 ? 0 : -1;
			if (ok != 0 && rc != 0)
				snprintf(why, whylen, "%s: %s", consumer, err);
			else if (ok != 0)
				snprintf(why, whylen, "%s: HTTP %ld %.150s", consumer, status,
				    out.p ? out.p : "");
			buf_free(&out);
			return ok;
		}
		buf_free(&out);
	}
	char url[300];
	snprintf(url, sizeof url, "%s%s", http_internal_base(), path);
	struct buf resp = { 0 };
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	char rid[80];
	snprintf(rid, sizeof rid, "X-Request-Id: %s", event_id);   /* as over FastCGI */
	h = curl_slist_append(h, rid);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, envelope->p);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)envelope->len);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_head);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	CURLcode rc = curl_easy_perform(curl);
	curl_slist_free_all(h);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	int ok = rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -1;
	if (ok != 0)
		snprintf(why, whylen, "%s: %s%ld %.150s", consumer,
		    rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP ", rc != CURLE_OK ? 0L : status,
		    resp.p ? resp.p : "");
	buf_free(&resp);
	return ok;
}

/* Seconds to wait before attempt number `attempts` + 1: 0.5 s doubling,
 * capped, with +-25 % jitter so retries of many events spread out. */
static double
backoff(long attempts)
{
	double d = 0.5 * pow(2.0, (double)(attempts < 30 ? attempts : 30));
	if (d > backoff_max)
		d = backoff_max;
	unsigned char j;
	crypto_random(&j, 1);
	return d * (0.75 + 0.5 * (double)j / 255.0);
}

static bool
exec_ok(PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Delivers one event row; records the outcome in the open transaction. */
static int
relay_row(struct source *s, PGresult *rows, int i)
{
	const char *type = PQgetvalue(rows, i, PQfnumber(rows, "type"));
	const char *id = PQgetvalue(rows, i, PQfnumber(rows, "id"));
	long attempts = strtol(PQgetvalue(rows, i, PQfnumber(rows, "attempts")), NULL, 10);
	struct buf env = { 0 };
	struct jw w;
	jw_init(&w, &env);
	jw_obj_open(&w);
	const char *event_id = PQgetvalue(rows, i, PQfnumber(rows, "event_id"));
	jw_kstr(&w, "eventId", event_id);
	jw_kstr(&w, "type", type);
	jw_kstr(&w, "source", s->name);
	jw_kstr(&w, "aggregateId", PQgetvalue(rows, i, PQfnumber(rows, "aggregate_id")));
	jw_kstr(&w, "occurredAt", PQgetvalue(rows, i, PQfnumber(rows, "at")));
	jw_kint(&w, "attempt", attempts + 1);
	jw_key(&w, "payload");
	jw_raw(&w, PQgetvalue(rows, i, PQfnumber(rows, "payload")));
	jw_obj_close(&w);

	char why[256] = "";
	int failed = 0;
	struct arena *a = NULL;
	const struct jv *payload = NULL;
	for (size_t k = 0; k < sizeof subscriptions / sizeof subscriptions[0]; k++) {
		if (strcmp(subscriptions[k].type, type) != 0)
			continue;
		for (int c = 0; c < MAX_CONSUMERS && subscriptions[k].consumers[c].name != NULL; c++) {
			const struct consumer *to = &subscriptions[k].consumers[c];
			if (!is_deployed(to->name))
				continue;
			if (to->only_with != NULL) {
				if (a == NULL) {
					char err[64];
					a = arena_new(0);
					const char *pj = PQgetvalue(rows, i, PQfnumber(rows, "payload"));
					payload = json_parse(a, pj, strlen(pj), err, sizeof err);
				}
				const struct jv *v = json_get(payload, to->only_with);
				if (v == NULL || v->type == JV_NULL)
					continue;
			}
			if (deliver(to->name, event_id, &env, why, sizeof why) != 0)
				failed = 1;   /* the others are idempotent: retry all */
		}
	}
	arena_free(a);
	buf_free(&env);

	if (!failed)
		return 1;   /* marked SENT with the rest of the batch */
	char delay[32], maxa[32];
	snprintf(delay, sizeof delay, "%.3f", backoff(attempts));
	snprintf(maxa, sizeof maxa, "%ld", max_attempts);
	const char *p[] = { id, why, delay, maxa };
	PGresult *res = PQexecPrepared(s->conn, "relay_failed", 4, p, NULL, NULL, 0);
	s->retrying = true;
	if (exec_ok(res) && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "DEAD") == 0)
		log_err("%s: event %s (%s) is dead after %ld attempts: %s", s->name,
		    PQgetvalue(rows, i, PQfnumber(rows, "event_id")), type, attempts + 1, why);
	else
		log_warn("%s: event %s (%s) attempt %ld failed: %s", s->name,
		    PQgetvalue(rows, i, PQfnumber(rows, "event_id")), type, attempts + 1, why);
	int ok = exec_ok(res) ? 0 : -1;
	if (ok != 0)
		log_err("%s: could not record delivery: %s", s->name, PQerrorMessage(s->conn));
	PQclear(res);
	return ok;
}

/* Two prepared statements in one round trip (libpq pipeline mode).
 * Returns the second one's result (the caller clears it), or NULL when
 * either failed (logged; the connection may have to be dropped). */
static PGresult *
exec_two(struct source *s, const char *n1, int np1, const char *const *p1,
    const char *n2, int np2, const char *const *p2)
{
	PGconn *c = s->conn;
	if (!PQenterPipelineMode(c))
		return NULL;
	PGresult *out = NULL;
	bool ok = PQsendQueryPrepared(c, n1, np1, p1, NULL, NULL, 0) &&
	    PQsendQueryPrepared(c, n2, np2, p2, NULL, NULL, 0) && PQpipelineSync(c);
	/* Each statement's result is followed by a NULL; then the sync. */
	for (int k = 0; ok && k < 2; k++) {
		PGresult *r = PQgetResult(c);
		if (r == NULL) {
			ok = false;
			break;
		}
		if (!exec_ok(r))
			ok = false;
		if (k == 1 && ok)
			out = r;
		else
			PQclear(r);
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
	}
	if (ok) {
		PGresult *sync = PQgetResult(c);
		ok = sync != NULL && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
		PQclear(sync);
	}
	if (!ok || !PQexitPipelineMode(c)) {
		log_err("%s: %s/%s failed: %s", s->name, n1, n2, PQerrorMessage(c));
		PQclear(out);
		/* A half-read pipeline cannot be trusted: start over. */
		source_disconnect(s);
		return NULL;
	}
	return out;
}

/* Claims and delivers one batch.  Returns rows handled, or -1. */
static int
relay_batch(struct source *s)
{
	PGresult *rows = exec_two(s, "relay_begin", 0, NULL, "relay_claim", 0, NULL);
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
			buf_adds(&sent, PQgetvalue(rows, i, PQfnumber(rows, "id")));
		}
	}
	buf_adds(&sent, "}");
	PQclear(rows);
	PGresult *res;
	if (rc < 0) {
		res = PQexecPrepared(s->conn, "relay_rollback", 0, NULL, NULL, NULL, 0);
		PQclear(res);
		buf_free(&sent);
		return -1;
	}
	if (nsent > 0) {
		const char *p[] = { sent.p };
		res = exec_two(s, "relay_sent", 1, p, "relay_commit", 0, NULL);
	} else {
		res = PQexecPrepared(s->conn, "relay_commit", 0, NULL, NULL, NULL, 0);
		if (!exec_ok(res)) {
			log_err("%s: commit failed: %s", s->name, PQerrorMessage(s->conn));
			PQclear(res);
			res = NULL;
		}
	}
	buf_free(&sent);
	if (res == NULL)
		return -1;
	PQclear(res);
	return n;
}

static void
relay_source(struct source *s)
{
	/* A NOTIFY is sent after its transaction committed: what arrived by
	 * now, the claim below sees.  Dropping those notifications spares an
	 * empty claim right after this one. */
	if (PQconsumeInput(s->conn) != 0) {
		PGnotify *note;
		while ((note = PQnotifies(s->conn)) != NULL)
			PQfreemem(note);
	}
	s->dirty = false;
	s->dirty_at = 0;
	for (;;) {
		int n = relay_batch(s);
		if (n < 0) {
			if (s->conn != NULL && PQstatus(s->conn) != CONNECTION_OK)
				source_disconnect(s);
			return;
		}
		if (n < atoi(BATCH) || stopping)
			break;
	}
	/* When is the next retry due?  Only failed attempts schedule rows in
	 * the future, so there is nothing to ask while none has failed. */
	if (!s->retrying)
		return;
	PGresult *res = PQexecPrepared(s->conn, "relay_next_due", 0, NULL, NULL, NULL, 0);
	s->due = 0;
	if (exec_ok(res) && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
		double wait = atof(PQgetvalue(res, 0, 0));
		s->due = now_s() + (wait > 0 ? wait : 0);
	} else if (exec_ok(res)) {
		s->retrying = false;   /* nothing pending any more */
	}
	PQclear(res);
}

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
		size_t k = 0;
		for (const char *p = svc; *p && k < 40; p++)
			env[k++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		snprintf(env + k, sizeof env - k, "_DATABASE_URL");
		const char *url = config_str(env, NULL);
		if (url == NULL) {
			log_warn("%s: %s is not set, its outbox is not relayed", svc, env);
			continue;
		}
		struct source *s = &sources[nsources++];
		snprintf(s->name, sizeof s->name, "%s", svc);
		s->url = xstrdup(url);
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
	fcgi_dir = config_str("INTERNAL_FCGI_DIR", NULL);
	if (max_attempts < 1) max_attempts = 1;
	if (poll_ms < 10) poll_ms = 10;
	if (backoff_max < 1) backoff_max = 1;
}

/* Sleeps until a NOTIFY, the next due retry, the next poll or the next
 * heartbeat, then takes the notifications that came. */
static void
relay_sleep(double next_poll)
{
	double wake = next_poll, beat = now_s() + supervise_heartbeat();
	if (beat < wake)
		wake = beat;
	fd_set fds;
	FD_ZERO(&fds);
	int maxfd = -1;
	for (int i = 0; i < nsources; i++) {
		struct source *s = &sources[i];
		if (s->conn == NULL) {
			if (s->retry_connect < wake) wake = s->retry_connect;
			continue;
		}
		if (s->due > 0 && s->due < wake) wake = s->due;
		if (s->dirty) {
			/* Lingering: its claim is due anyway, and more NOTIFYs
			 * from it would only wake us for nothing. */
			if (s->dirty_at + linger_s < wake) wake = s->dirty_at + linger_s;
			continue;
		}
		int fd = PQsocket(s->conn);
		if (fd >= 0 && fd < FD_SETSIZE) {
			FD_SET(fd, &fds);
			if (fd > maxfd) maxfd = fd;
		}
	}
	double dt = wake - now_s();
	if (dt < 0) dt = 0;
	struct timeval tv = { (time_t)dt, (suseconds_t)((dt - (double)(time_t)dt) * 1e6) };
	int n = select(maxfd + 1, &fds, NULL, NULL, &tv);
	if (n < 0 && errno != EINTR)
		log_warn("select: %s", strerror(errno));
	for (int i = 0; i < nsources; i++) {
		struct source *s = &sources[i];
		if (s->conn == NULL)
			continue;
		int fd = PQsocket(s->conn);
		if (n > 0 && fd >= 0 && FD_ISSET(fd, &fds)) {
			if (PQconsumeInput(s->conn) == 0) {
				log_warn("%s: connection lost: %s", s->name, PQerrorMessage(s->conn));
				source_disconnect(s);
				continue;
			}
		}
		PGnotify *note;
		while ((note = PQnotifies(s->conn)) != NULL) {
			if (!s->dirty)
				s->dirty_at = now_s();
			s->dirty = true;
			PQfreemem(note);
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

	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	if (curl == NULL)
		die_oom();
	load_sources();
	if (fcgi_dir != NULL && *fcgi_dir != '\0')
		log_info("relaying %d outboxes to the pools' sockets in %s (else %s)", nsources,
		    fcgi_dir, http_internal_base());
	else
		log_info("relaying %d outboxes to %s", nsources, http_internal_base());

	double next_poll = 0;
	while (!stopping) {
		supervise_heartbeat();
		double t = now_s();
		bool poll = t >= next_poll;
		if (poll)
			next_poll = t + (double)poll_ms / 1000.0;
		for (int i = 0; i < nsources && !stopping; i++) {
			struct source *s = &sources[i];
			if (s->conn == NULL) {
				if (t < s->retry_connect)
					continue;
				source_connect(s);
				supervise_heartbeat();   /* a connect may take its timeout */
				if (s->conn == NULL)
					continue;
			}
			bool woken = s->dirty && t >= s->dirty_at + linger_s;
			if (woken || poll || (s->due > 0 && t >= s->due))
				relay_source(s);
		}
		relay_sleep(next_poll);
	}
	log_info("relay stopping");
	for (int i = 0; i < nsources; i++) {
		if (sources[i].conn != NULL)
			PQfinish(sources[i].conn);
		free(sources[i].url);
	}
	curl_easy_cleanup(curl);
	curl_global_cleanup();
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
