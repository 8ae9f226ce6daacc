/* Supervision of a daemon: the parent that restarts its child, the child's
 * heartbeat, and the reader of a heartbeat (supervise.h). */
#include "supervise.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BACKOFF_FIRST 0.2
#define BACKOFF_MAX   10.0
#define BACKOFF_RESET 60.0   /* a child that ran this long starts the backoff over */
#define STOP_WAIT     30.0   /* after SIGTERM, the child's time to end before SIGKILL */

static const char *sv_name = "daemon";
static char hb_path[4096];        /* "" when no heartbeat is configured */
static double hb_interval = 2.0;  /* seconds */
static double hb_next;            /* monotonic time the next beat is due */
static bool hb_failed;            /* the last write failed (logged once) */
static double watchdog;           /* seconds, 0: off */

static double
wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* <NAME>_<suffix> into out: "relay", "HEARTBEAT_MS" -> "RELAY_HEARTBEAT_MS". */
static const char *
env_name(char *out, size_t n, const char *suffix)
{
	size_t k = 0;
	for (const char *p = sv_name; *p != '\0' && k + 1 < n; p++) {
		char c = *p == '-' ? '_' : *p;
		out[k++] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	snprintf(out + k, n - k, "_%s", suffix);
	return out;
}

static void
sv_config(const char *name)
{
	char env[96];
	sv_name = name;
	const char *path = config_str(env_name(env, sizeof env, "HEARTBEAT_FILE"), NULL);
	hb_path[0] = '\0';
	if (path != NULL && strlen(path) < sizeof hb_path - 32)
		snprintf(hb_path, sizeof hb_path, "%s", path);
	else if (path != NULL)
		log_warn("supervisor: %s is too long, no heartbeat is written", env);
	long ms = config_long(env_name(env, sizeof env, "HEARTBEAT_MS"), 2000);
	if (ms < 100) ms = 100;
	if (ms > 60000) ms = 60000;
	hb_interval = (double)ms / 1000.0;
	long wd = config_long(env_name(env, sizeof env, "WATCHDOG_SECONDS"), 60);
	watchdog = wd > 0 && hb_path[0] != '\0' ? (double)wd : 0;
	if (watchdog > 0 && watchdog < 2 * hb_interval)
		watchdog = 2 * hb_interval;   /* never shorter than two beats */
}

/* ---- the child's heartbeat ---- */

static void
hb_write(void)
{
	char tmp[sizeof hb_path + 32], text[48];
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", hb_path, (long)getpid());
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int len = snprintf(text, sizeof text, "%lld.%03ld\n", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	bool ok = fd >= 0 && write(fd, text, (size_t)len) == len;
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, hb_path) != 0)
		ok = false;
	if (!ok) {
		int e = errno;
		unlink(tmp);
		if (!hb_failed)
			log_err("could not write the heartbeat %s: %s", hb_path, strerror(e));
	} else if (hb_failed) {
		log_info("heartbeat %s written again", hb_path);
	}
	hb_failed = !ok;
}

double
supervise_heartbeat(void)
{
	if (hb_path[0] == '\0')
		return 3600;
	double t = mono_s();
	if (t < hb_next)
		return hb_next - t;
	hb_write();
	hb_next = t + hb_interval;
	return hb_interval;
}

double
supervise_heartbeat_age(const char *path)
{
	if (path == NULL || path[0] == '\0')
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char text[64];
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	char *end;
	errno = 0;
	double t = strtod(text, &end);
	if (errno != 0 || end == text || (*end != '\n' && *end != '\0') || t <= 0)
		return -1;
	double age = wall_s() - t;
	return age > 0 ? age : 0;
}

/* ---- the parent ---- */

/* SIGCHLD must be caught (not left at its default, ignore) to stay
 * pending while blocked; sigtimedwait takes it. */
static void
on_chld(int sig)
{
	(void)sig;
}

static pid_t
spawn(int (*run)(void), const sigset_t *unblocked)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid != 0) {
		if (pid < 0)
			log_err("supervisor: could not fork %s: %s", sv_name, strerror(errno));
		else
			log_info("supervisor: %s started (pid %d)", sv_name, (int)pid);
		return pid;
	}
	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, unblocked, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);   /* the parent died before the line above */
	hb_next = 0;
	supervise_heartbeat();   /* the first beat at once */
	exit(run());
}

/* Waits for one of the signals of set until deadline (monotonic; 0: no
 * deadline).  Returns the signal, or 0 when the deadline passed. */
static int
wait_signal(const sigset_t *set, double deadline)
{
	for (;;) {
		int sig;
		if (deadline > 0) {
			double dt = deadline - mono_s();
			if (dt <= 0)
				return 0;
			struct timespec ts = { (time_t)dt, (long)((dt - (double)(time_t)dt) * 1e9) };
			sig = sigtimedwait(set, NULL, &ts);
		} else {
			sig = sigwaitinfo(set, NULL);
		}
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
	}
}

/* True (and *status set) when the child has ended. */
static bool
reaped(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

/* SIGKILLs the child when its heartbeat is older than the watchdog's
 * bound (a beat older than the child counts from the child's start). */
static void
watchdog_check(pid_t pid, double started_wall)
{
	double age = supervise_heartbeat_age(hb_path);
	double since_start = wall_s() - started_wall;
	if (age < 0 || age > since_start)
		age = since_start;
	if (age <= watchdog)
		return;
	log_err("supervisor: %s (pid %d) has not beaten for %.1f s, killing it", sv_name,
	    (int)pid, age);
	kill(pid, SIGKILL);
}

/* Waits until the child ends (returns 0, *status set) or a stop is asked
 * (returns SIGTERM or SIGINT); the watchdog runs meanwhile. */
static int
wait_child(pid_t pid, const sigset_t *set, int *status)
{
	double started_wall = wall_s();
	for (;;) {
		double deadline = watchdog > 0 ? mono_s() + 1.0 : 0;
		int sig = wait_signal(set, deadline);
		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (reaped(pid, status))
			return 0;
		if (sig == 0 && watchdog > 0)
			watchdog_check(pid, started_wall);
	}
}

/* Forwards sig to the child and waits for its end (SIGKILL after
 * STOP_WAIT s); a further SIGTERM or SIGINT is forwarded too. */
static void
stop_child(pid_t pid, const sigset_t *set, int sig)
{
	int status;
	log_info("supervisor: stopping %s (pid %d)", sv_name, (int)pid);
	kill(pid, sig);
	double deadline = mono_s() + STOP_WAIT;
	while (!reaped(pid, &status)) {
		int got = wait_signal(set, deadline);
		if (got == SIGTERM || got == SIGINT) {
			kill(pid, got);
		} else if (got == 0) {
			log_err("supervisor: %s (pid %d) did not stop in %.0f s, killing it",
			    sv_name, (int)pid, STOP_WAIT);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return;
		}
	}
}

static void
log_end(pid_t pid, int status, double ran, double delay)
{
	if (WIFSIGNALED(status))
		log_err("supervisor: %s (pid %d) killed by signal %d after %.1f s, "
		    "restarting it in %.1f s", sv_name, (int)pid, WTERMSIG(status), ran, delay);
	else
		log_err("supervisor: %s (pid %d) exited with %d after %.1f s, "
		    "restarting it in %.1f s", sv_name, (int)pid, WEXITSTATUS(status), ran, delay);
}

int
supervise(const char *name, int (*run)(void))
{
	sv_config(name);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_chld;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	sigset_t set, unblocked;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, &unblocked);
	sigset_t stops;
	sigemptyset(&stops);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGINT);

	log_info("supervisor: supervising %s (pid %d%s%s)", name, (int)getpid(),
	    hb_path[0] ? ", heartbeat " : "", hb_path);
	double delay = BACKOFF_FIRST;
	for (;;) {
		double started = mono_s();
		pid_t pid = spawn(run, &unblocked);
		int status = 0, sig = 0;
		if (pid > 0 && (sig = wait_child(pid, &set, &status)) != 0) {
			stop_child(pid, &set, sig);
			break;
		}
		double ran = mono_s() - started;
		if (ran >= BACKOFF_RESET)
			delay = BACKOFF_FIRST;
		if (pid > 0)
			log_end(pid, status, ran, delay);
		/* The backoff, cut short by a stop (SIGCHLD is not waited for:
		 * there is no child). */
		if (wait_signal(&stops, mono_s() + delay) != 0)
			break;
		delay = delay * 2 < BACKOFF_MAX ? delay * 2 : BACKOFF_MAX;
	}
	log_info("supervisor: %s stopped", name);
	return 0;
}
