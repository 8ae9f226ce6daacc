/* sender: delivers the notifications the notification service records
 * (fcgi/notification/README.md, "The sender"; workers/README.md).
 *
 * One lane per channel (email, SMS, WhatsApp), each a thread with its own
 * connection to notification_db (LISTEN notifications: the table's trigger
 * names the channel of a row that became due) and its own outlet (the
 * provider's curl handle, sender_send.h), so a provider that hangs holds
 * back only its own channel.  A lane claims one due PENDING row of its
 * channel at a time: one autocommitted UPDATE picks it FOR UPDATE SKIP
 * LOCKED (several senders may run at once), counts the attempt and pushes
 * next_attempt_at out by a lease longer than a provider call may take.
 * The claim is committed before the provider is called, so no transaction
 * is open during the call; then one UPDATE marks the row SENT, or
 * schedules the next attempt (exponential backoff with jitter), or marks
 * it FAILED.  A sender killed mid-send leaves that one row claimed: after
 * the lease another attempt sends it again (an email with the same
 * Message-ID), so at most one message per lane is sent twice.  A poll
 * every NOTIFY_POLL_MS, and the next retry's due time, are the fallbacks
 * to the notifications.
 *
 * The process started is a supervisor (common/supervise.h): the sender
 * runs in its child, restarted with backoff whenever it dies.  The main
 * thread writes SENDER_HEARTBEAT_FILE every SENDER_HEARTBEAT_MS while
 * every lane shows signs of life (a lane stuck longer than a provider call
 * may take stops the heartbeat, and the watchdog restarts the child). */
#include "arena.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "dbconn.h"
#include "httpc.h"
#include "log.h"
#include "sender_rules.h"
#include "sender_send.h"
#include "supervise.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The sender's statements, prepared on each lane's connection; each one
 * reads the partial index of PENDING rows by channel, or a row by id. */
enum { S_CLAIM, S_SENT, S_AGAIN, S_NEXT_DUE, S__MAX };
static const struct stmt sender_stmts[S__MAX] = {
	/* $1 the channel, $2 the lease in seconds. */
	[S_CLAIM] = { "sender_claim",
	  "UPDATE notifications n SET attempts = n.attempts + 1, "
	  "next_attempt_at = now() + make_interval(secs => $2::double precision) "
	  "FROM (SELECT id FROM notifications WHERE status = 'PENDING' AND channel = $1 "
	  "AND next_attempt_at <= now() ORDER BY next_attempt_at, id LIMIT 1 "
	  "FOR UPDATE SKIP LOCKED) due WHERE n.id = due.id "
	  "RETURNING n.id, n.user_id, n.type, n.recipient, n.subject, n.body, n.attempts", 2,
	  false },
	/* $2 the provider's id (or NULL). */
	[S_SENT] = { "sender_sent",
	  "UPDATE notifications SET status = 'SENT', sent_at = now(), "
	  "provider_message_id = $2, last_error = NULL WHERE id = $1 AND status = 'PENDING'",
	  2, false },
	/* $2 the error, $3 seconds to the next attempt, $4 the status it
	 * leaves (PENDING or FAILED), $5 the attempts of our claim: a row
	 * claimed again since (our lease ran out) is the newer claim's. */
	[S_AGAIN] = { "sender_again",
	  "UPDATE notifications SET status = $4, last_error = $2, "
	  "next_attempt_at = now() + make_interval(secs => $3::double precision) "
	  "WHERE id = $1 AND status = 'PENDING' AND attempts = $5::integer", 5, false },
	[S_NEXT_DUE] = { "sender_next_due",
	  "SELECT extract(epoch FROM min(next_attempt_at) - now()) AS wait "
	  "FROM notifications WHERE status = 'PENDING' AND channel = $1", 1, true },
};

/* One channel's lane: a thread, its connection, its outlet. */
struct lane {
	enum channel ch;
	char name[16];            /* "email": its log lines */
	struct dbconn db;
	struct arena *a;          /* one attempt's results, reset after it */
	struct outlet *out;
	pthread_t thread;
	atomic_llong alive_ms;    /* monotonic ms of its last sign of life */
	bool dirty;               /* a NOTIFY for its channel came */
	double due;               /* monotonic time the next known row is due, 0: none */
	unsigned long gen;        /* the connection generation caught up with */
};

static struct lane lanes[CH__MAX];
static struct providers prov;
static const char *db_url;
static long max_attempts, backoff_base_ms, poll_ms;
static char lease[32];                 /* seconds, text */
static double stuck_s;                 /* a lane quiet this long is stuck */
static int stop_pipe[2] = { -1, -1 };  /* readable once stopping */
static volatile sig_atomic_t stopping;

static void
lane_alive(struct lane *l)
{
	atomic_store(&l->alive_ms, (long long)(mono_s() * 1000));
}

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
	ssize_t w = write(stop_pipe[1], "x", 1);   /* wakes every lane's poll */
	(void)w;
}

/* ---- one notification ---- */

/* Records what came of an attempt: SENT, or the next attempt after a
 * backoff, or FAILED.  The statement is tried twice (the second time on a
 * new connection) so a blip does not send the message again. */
static void
lane_mark(struct lane *l, const struct note *n, const struct outcome *o)
{
	const char *status = sender_status_after(o->verdict, n->attempts, max_attempts);
	const struct stmt *s = &sender_stmts[o->verdict == SV_SENT ? S_SENT : S_AGAIN];
	unsigned char jitter;
	crypto_random(&jitter, 1);
	char delay[32], attempts[24];
	snprintf(delay, sizeof delay, "%.3f",
	    (double)sender_backoff_ms(n->attempts, backoff_base_ms, jitter) / 1000.0);
	snprintf(attempts, sizeof attempts, "%ld", n->attempts);
	const char *const sent[] = { n->id, o->provider_id };
	const char *const again[] = { n->id, o->error, delay, status, attempts };
	enum db_err err = DB_OK;
	PGresult *res = NULL;
	for (int i = 0; i < 2 && res == NULL; i++)
		res = dbconn_exec(&l->db, l->a, s, o->verdict == SV_SENT ? sent : again, &err);
	if (res == NULL)
		log_err("%s: could not record notification %s as %s (it is sent again after its "
		    "lease)", l->name, n->id, status);
	if (strcmp(status, "FAILED") == 0)
		log_err("%s: notification %s (%s) failed after %ld attempt(s): %s", l->name, n->id,
		    n->type, n->attempts, o->error ? o->error : "");
	else if (o->verdict != SV_SENT)
		log_warn("%s: notification %s (%s) attempt %ld failed, again in %s s: %s", l->name,
		    n->id, n->type, n->attempts, delay, o->error ? o->error : "");
}

/* Claims the next due row of the lane's channel and makes one attempt at
 * it.  1: one was handled; 0: none is due; -1: the database failed. */
static int
lane_one(struct lane *l)
{
	enum db_err err;
	const char *const params[] = { channel_names[l->ch], lease };
	PGresult *res = dbconn_exec(&l->db, l->a, &sender_stmts[S_CLAIM], params, &err);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	struct note n = {
		.id = db_get(res, 0, "id"),
		.user_id = db_get(res, 0, "user_id"),
		.type = db_get(res, 0, "type"),
		.recipient = db_get(res, 0, "recipient"),
		.subject = db_get(res, 0, "subject"),
		.body = db_get(res, 0, "body"),
		.ch = l->ch,
		.attempts = (long)db_get_ll(res, 0, "attempts"),
	};
	struct outcome o;
	outlet_send(l->out, l->a, &n, &o);
	lane_mark(l, &n, &o);
	return 1;
}

/* When the lane's next row is due (a retry, or a lease running out), or 0
 * when it has none. */
static void
lane_next_due(struct lane *l)
{
	enum db_err err;
	const char *const params[] = { channel_names[l->ch] };
	PGresult *res = dbconn_exec(&l->db, l->a, &sender_stmts[S_NEXT_DUE], params, &err);
	l->due = 0;
	if (res != NULL && PQntuples(res) == 1 && !db_isnull(res, 0, "wait")) {
		double wait = atof(db_get(res, 0, "wait"));
		l->due = mono_s() + (wait > 0 ? wait : 0);
	}
	arena_reset(l->a);
}

/* Sends whatever of the lane's channel is due, one row at a time. */
static void
lane_drain(struct lane *l)
{
	/* A NOTIFY is sent after its transaction committed: what arrived by
	 * now, the claims below see. */
	dbconn_notifications(&l->db, NULL, NULL);
	l->dirty = false;
	int rc;
	do {
		lane_alive(l);
		rc = lane_one(l);
		arena_reset(l->a);
	} while (rc == 1 && !stopping);
	if (rc >= 0)
		lane_next_due(l);
}

/* ---- waiting ---- */

static void
on_notify(const char *payload, bool self, void *arg)
{
	(void)self;
	struct lane *l = arg;
	/* The channel a row became due on; anything else: look anyway. */
	if (payload == NULL || *payload == '\0' || strcmp(payload, channel_names[l->ch]) == 0)
		l->dirty = true;
}

/* Sleeps until a NOTIFY, the stop, the lane's next due row or until
 * (monotonic seconds), then takes the notifications that came. */
static void
lane_sleep(struct lane *l, double until)
{
	if (l->due > 0 && l->due < until)
		until = l->due;
	double dt = until - mono_s();
	if (dt < 0)
		dt = 0;
	if (dt > 1)
		dt = 1;   /* a sign of life at least every second */
	struct pollfd p[2] = {
		{ .fd = stop_pipe[0], .events = POLLIN },
		{ .fd = dbconn_socket(&l->db), .events = POLLIN },
	};
	int np = p[1].fd >= 0 ? 2 : 1;
	if (poll(p, (nfds_t)np, (int)(dt * 1000) + 1) < 0 && errno != EINTR)
		log_warn("%s: poll: %s", l->name, strerror(errno));
	if (dbconn_up(&l->db))
		dbconn_notifications(&l->db, on_notify, l);
}

/* Connects when due to.  Whether the lane has a connection. */
static bool
lane_connect(struct lane *l, double *retry_at)
{
	if (!dbconn_up(&l->db)) {
		if (mono_s() < *retry_at)
			return false;
		if (dbconn_connect(&l->db, db_url) != 0) {
			*retry_at = mono_s() + 2;
			return false;
		}
	}
	if (dbconn_generation(&l->db) != l->gen) {
		/* A new connection: catch up on what came while we were away. */
		l->gen = dbconn_generation(&l->db);
		l->dirty = true;
		log_info("%s: connected, sending through %s", l->name,
		    provider_name(&prov, l->ch));
	}
	return true;
}

static void *
lane_main(void *arg)
{
	struct lane *l = arg;
	double next_poll = 0, retry_at = 0;
	while (!stopping) {
		lane_alive(l);
		if (!lane_connect(l, &retry_at)) {
			lane_sleep(l, retry_at);
			continue;
		}
		double t = mono_s();
		bool poll_due = t >= next_poll;
		if (poll_due)
			next_poll = t + (double)poll_ms / 1000.0;
		if (l->dirty || poll_due || (l->due > 0 && t >= l->due))
			lane_drain(l);
		lane_sleep(l, next_poll);
	}
	return NULL;
}

/* ---- the process ---- */

/* Whether every lane showed a sign of life lately. */
static bool
lanes_alive(void)
{
	long long now_ms = (long long)(mono_s() * 1000);
	for (int i = 0; i < CH__MAX; i++)
		if ((double)(now_ms - atomic_load(&lanes[i].alive_ms)) > stuck_s * 1000)
			return false;
	return true;
}

static void
lane_init(struct lane *l, enum channel ch)
{
	l->ch = ch;
	snprintf(l->name, sizeof l->name, "%s", ch == CH_EMAIL ? "email" : ch == CH_SMS ? "sms" :
	    "whatsapp");
	l->db.name = l->name;
	l->db.appname = "sender";
	/* Generic plans on a table that may be empty when we connect must
	 * still use the index (workers/relay.c has the story). */
	l->db.options = "-c enable_seqscan=off";
	dbconn_register(&l->db, sender_stmts, S__MAX);
	dbconn_listen(&l->db, "notifications");
	l->a = arena_new(0);
	l->out = outlet_new(&prov, ch);
	lane_alive(l);
}

static void
lane_free(struct lane *l)
{
	dbconn_close(&l->db);
	outlet_free(l->out);
	arena_free(l->a);
}

/* Starts the lanes with the stop signals blocked (the main thread takes
 * them).  0, or -1. */
static int
lanes_start(void)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = 0, started = 0;
	for (int i = 0; i < CH__MAX && rc == 0; i++) {
		if ((rc = pthread_create(&lanes[i].thread, NULL, lane_main, &lanes[i])) == 0)
			started++;
		else
			log_err("could not start the %s lane: %s", lanes[i].name, strerror(rc));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		stopping = 1;
		ssize_t w = write(stop_pipe[1], "x", 1);
		(void)w;
		for (int i = 0; i < started; i++)
			pthread_join(lanes[i].thread, NULL);
		return -1;
	}
	return 0;
}

/* The sender proper: the supervised child's whole life. */
static int
sender_run(void)
{
	if (pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		log_err("could not make a pipe: %s", strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < CH__MAX; i++)
		lane_init(&lanes[i], (enum channel)i);
	if (lanes_start() != 0)
		return 1;
	log_info("sending email through %s, SMS through %s, WhatsApp through %s",
	    provider_name(&prov, CH_EMAIL), provider_name(&prov, CH_SMS),
	    provider_name(&prov, CH_WHATSAPP));
	while (!stopping) {
		double next = 0.25;
		if (lanes_alive())
			next = supervise_heartbeat();
		struct pollfd p = { .fd = stop_pipe[0], .events = POLLIN };
		if (next > 0.25)
			next = 0.25;   /* look at the lanes again soon */
		poll(&p, 1, (int)(next * 1000) + 1);
	}
	log_info("sender stopping");
	for (int i = 0; i < CH__MAX; i++)
		pthread_join(lanes[i].thread, NULL);
	for (int i = 0; i < CH__MAX; i++)
		lane_free(&lanes[i]);
	httpc_cleanup();
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	return 0;
}

/* The sender's settings (README.md, "Configuration"); 0, or -1 after
 * logging why. */
static int
sender_config(void)
{
	char why[200];
	if (providers_load(&prov, why, sizeof why) != 0) {
		log_err("%s", why);
		return -1;
	}
	db_url = config_str("NOTIFICATION_DATABASE_URL", NULL);
	if (db_url == NULL) {
		log_err("NOTIFICATION_DATABASE_URL is not set");
		return -1;
	}
	max_attempts = config_long("NOTIFY_MAX_ATTEMPTS", 6);
	backoff_base_ms = config_long("NOTIFY_BACKOFF_BASE_MS", 1000);
	poll_ms = config_long("NOTIFY_POLL_MS", 1000);
	if (max_attempts < 1) max_attempts = 1;
	if (backoff_base_ms < 1) backoff_base_ms = 1;
	if (poll_ms < 10) poll_ms = 10;
	if (poll_ms > 60000) poll_ms = 60000;
	/* The lease outlasts a provider call and the marks after it. */
	double timeout_s = (double)prov.timeout_ms / 1000.0;
	snprintf(lease, sizeof lease, "%.3f", 2 * timeout_s + 5);
	stuck_s = timeout_s + 30;
	return 0;
}

/* A supervisor (the pid in var/run/sender.pid) restarts the sender
 * whenever it dies; the sender beats a heartbeat file GET /health reads.
 * A configuration that cannot work stops it before it starts. */
int
main(void)
{
	log_open("sender");
	if (sender_config() != 0)
		return 1;
	return supervise("sender", sender_run);
}
