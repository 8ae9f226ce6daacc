/* The stand-in's state: one shared anonymous mapping made by the pool
 * master before it forks, so every worker (and every replacement) sees the
 * same messages and faults; the lock is a robust process-shared mutex, so
 * a worker that dies holding it does not wedge the others. */
#include "stub.h"
#include "crypto.h"
#include "log.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

struct shared {
	pthread_mutex_t mu;
	struct ns_state s;
};

static struct shared *sh;
static bool held;              /* this process holds sh->mu */

int
ns_init(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fprintf(stderr, "notify-stub: could not map the state: %s\n", strerror(errno));
		return -1;
	}
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	int rc = pthread_mutex_init(&sh->mu, &at);
	pthread_mutexattr_destroy(&at);
	if (rc != 0) {
		fprintf(stderr, "notify-stub: could not initialise the state lock\n");
		return -1;
	}
	return 0;
}

static void
unlock_at_end(void *p)
{
	(void)p;
	ns_unlock();
}

struct ns_state *
ns_lock(struct req *r)
{
	if (held)
		return &sh->s;
	int rc = pthread_mutex_lock(&sh->mu);
	if (rc == EOWNERDEAD) {
		log_warn("state lock owner died, recovering");
		pthread_mutex_consistent(&sh->mu);
	} else if (rc != 0) {
		log_err("could not lock the state: %s", strerror(rc));
		die_oom();
	}
	held = true;
	arena_defer(r->a, unlock_at_end, sh);
	return &sh->s;
}

void
ns_unlock(void)
{
	if (!held)
		return;
	held = false;
	pthread_mutex_unlock(&sh->mu);
}

const char *
ns_provider_name(enum ns_provider p)
{
	return p == NS_TWILIO ? "twilio" : "whatsapp";
}

int
ns_call_begin(struct req *r, enum ns_provider p)
{
	struct ns_state *s = ns_lock(r);
	struct ns_fault *f = &s->fault[p];
	s->calls[p]++;
	long hang = f->hang_ms;
	int status = 0;
	if (f->fail_left > 0) {
		f->fail_left--;
		status = f->fail_status;
	}
	ns_unlock();
	if (hang > 0)
		usleep((useconds_t)hang * 1000);
	return status;
}

bool
ns_refused(struct req *r, enum ns_provider p, const char *to)
{
	struct ns_state *s = ns_lock(r);
	bool refused = false;
	for (int i = 0; i < s->fault[p].nrefuse && !refused; i++)
		refused = strcmp(s->fault[p].refuse[i], to) == 0;
	ns_unlock();
	return refused;
}

bool
ns_msg_add(struct req *r, const struct ns_msg *m, const char *body, size_t len)
{
	struct ns_state *s = ns_lock(r);
	if (s->nmsgs == NS_MSGS || NS_TEXT - s->text_len < len) {
		ns_unlock();
		return false;
	}
	struct ns_msg *d = &s->msgs[s->nmsgs++];
	*d = *m;
	d->body_off = s->text_len;
	d->body_len = len;
	memcpy(s->text + s->text_len, body, len);
	s->text_len += len;
	ns_unlock();
	return true;
}

void
ns_hex(char *out, size_t n)
{
	unsigned char b[64];
	size_t half = (n + 1) / 2;
	crypto_random(b, half > sizeof b ? sizeof b : half);
	char hex[129];
	crypto_hex(b, half > sizeof b ? sizeof b : half, hex);
	memcpy(out, hex, n);
	out[n] = '\0';
}

int64_t
ns_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
ns_rfc2822(int64_t ms, char out[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return out;
}

bool
ns_auth_is(const char *h, const char *scheme, const char *want)
{
	size_t n = strlen(scheme);
	if (h == NULL || strncasecmp(h, scheme, n) != 0 || h[n] != ' ')
		return false;
	return crypto_streq(h + n + 1, want);
}
