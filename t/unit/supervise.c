/* common/supervise.c: the heartbeat's reader, and a supervisor run in a
 * forked process: its backoff, SIGTERM forwarded to the child, a killed
 * child replaced, the watchdog, the heartbeat the child writes. */
#include "../lib/t.h"
#include "supervise.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/unit-supervise.XXXXXX";

static double
mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static const char *
path(const char *name)
{
	static char p[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
	return p[k];
}

static void
put(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static void
heartbeat_age_reads_the_file(void)
{
	char text[64];
	T_ASSERT(supervise_heartbeat_age(path("missing")) < 0);
	T_ASSERT(supervise_heartbeat_age(NULL) < 0);
	T_ASSERT(supervise_heartbeat_age("") < 0);
	const char *bad[] = { "", "abc", "123x", "-5", "0", "1e999999", "12 3" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put("hb", bad[i]);
		t_check(supervise_heartbeat_age(path("hb")) < 0, __FILE__, __LINE__,
		    "\"%s\" read as a heartbeat", bad[i]);
	}
	snprintf(text, sizeof text, "%lld.500\n", (long long)time(NULL) - 30);
	put("hb", text);
	double age = supervise_heartbeat_age(path("hb"));
	t_check(age > 29 && age < 32, __FILE__, __LINE__, "age %.3f, want ~30", age);
	snprintf(text, sizeof text, "%lld", (long long)time(NULL) + 100);
	put("hb", text);
	T_ASSERT(supervise_heartbeat_age(path("hb")) == 0);   /* a clock step back */
}

/* ---- children of the supervisor under test ---- */

/* Appends its start time and pid to "starts", then fails at once. */
static int
run_fail(void)
{
	FILE *f = fopen(path("starts"), "a");
	if (f != NULL) {
		fprintf(f, "%.6f %d\n", mono(), (int)getpid());
		fclose(f);
	}
	_exit(3);
}

/* Writes its pid to "pid", then waits for a signal without beating. */
static int
run_wait(void)
{
	char text[32];
	snprintf(text, sizeof text, "%d\n", (int)getpid());
	put("pid.tmp", text);
	rename(path("pid.tmp"), path("pid"));
	for (;;)
		pause();
	return 0;
}

/* A supervisor of run in a forked process (its log in "log"). */
static pid_t
start(int (*run)(void))
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path("log"), O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		_exit(supervise("unitsv", run));
	}
	return pid;
}

/* The supervisor's exit status after SIGTERM, or -1 when it did not stop
 * within 5 s (it is then killed). */
static int
stop(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		sleep_s(0.01);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

static pid_t
child_pid(void)
{
	FILE *f = fopen(path("pid"), "r");
	long pid = 0;
	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

/* Waits up to secs for a child pid other than not. */
static pid_t
new_child(pid_t not, double secs)
{
	double end = mono() + secs;
	pid_t p;
	while ((p = child_pid()) == 0 || p == not) {
		if (mono() > end)
			return 0;
		sleep_s(0.01);
	}
	return p;
}

static bool
gone(pid_t pid)
{
	return kill(pid, 0) != 0;
}

static void
supervise_restarts_with_backoff(void)
{
	unlink(path("starts"));
	pid_t sv = start(run_fail);
	T_REQUIRE(sv > 0);
	/* Starts at 0, 0.2, 0.6 and 1.4 s (the next one at 3 s). */
	double t[16];
	int n = 0;
	for (double end = mono() + 2.6; n < 4 && mono() < end; sleep_s(0.05)) {
		FILE *f = fopen(path("starts"), "r");
		int pid;
		for (n = 0; f != NULL && n < 16 && fscanf(f, "%lf %d", &t[n], &pid) == 2; )
			n++;
		if (f != NULL)
			fclose(f);
	}
	T_EQ_INT(stop(sv), 0);
	T_EQ_INT(n, 4);
	const double want[] = { 0.2, 0.4, 0.8 };
	for (int i = 0; i + 1 < n && i < 3; i++) {
		double gap = t[i + 1] - t[i];
		t_check(gap >= want[i] && gap < want[i] + 0.3, __FILE__, __LINE__,
		    "restart %d after %.3f s, want %.1f s", i + 1, gap, want[i]);
	}
}

static void
supervise_replaces_killed_child_and_forwards_sigterm(void)
{
	unlink(path("pid"));
	unlink(path("hb"));
	setenv("UNITSV_HEARTBEAT_FILE", path("hb"), 1);
	pid_t sv = start(run_wait);
	unsetenv("UNITSV_HEARTBEAT_FILE");
	T_REQUIRE(sv > 0);
	pid_t first = new_child(0, 2);
	T_REQUIRE(first > 0);
	/* The child's first beat is written before its run starts. */
	double age = supervise_heartbeat_age(path("hb"));
	t_check(age >= 0 && age < 2, __FILE__, __LINE__, "heartbeat age %.3f", age);
	double t0 = mono();
	T_ASSERT(kill(first, SIGKILL) == 0);
	pid_t second = new_child(first, 2);
	T_ASSERT(second > 0);
	t_check(mono() - t0 < 1, __FILE__, __LINE__, "replaced after %.3f s", mono() - t0);
	T_EQ_INT(stop(sv), 0);
	T_ASSERT(second <= 0 || gone(second));   /* the child was stopped first */
}

static void
supervise_watchdog_kills_silent_child(void)
{
	unlink(path("pid"));
	setenv("UNITSV_HEARTBEAT_FILE", path("hb2"), 1);
	setenv("UNITSV_HEARTBEAT_MS", "100", 1);
	setenv("UNITSV_WATCHDOG_SECONDS", "1", 1);
	pid_t sv = start(run_wait);
	unsetenv("UNITSV_HEARTBEAT_FILE");
	unsetenv("UNITSV_HEARTBEAT_MS");
	unsetenv("UNITSV_WATCHDOG_SECONDS");
	T_REQUIRE(sv > 0);
	pid_t first = new_child(0, 2);
	T_REQUIRE(first > 0);
	/* run_wait never beats after the first beat: killed after 1 s (the
	 * supervisor looks once a second), replaced 0.2 s later. */
	double t0 = mono();
	pid_t second = new_child(first, 4);
	T_ASSERT(second > 0);
	double took = mono() - t0;
	t_check(took > 0.8 && took < 3, __FILE__, __LINE__, "replaced after %.3f s", took);
	T_ASSERT(gone(first));
	T_EQ_INT(stop(sv), 0);
}

static int
suite_init(void)
{
	return mkdtemp(dir) != NULL ? 0 : -1;
}

static int
suite_clean(void)
{
	const char *names[] = { "hb", "hb2", "starts", "pid", "pid.tmp", "log" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		unlink(path(names[i]));
	rmdir(dir);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(heartbeat_age_reads_the_file),
	T_CASE(supervise_restarts_with_backoff),
	T_CASE(supervise_replaces_killed_child_and_forwards_sigterm),
	T_CASE(supervise_watchdog_kills_silent_child),
};

int
main(void)
{
	return t_run("supervise", cases, T_NCASES(cases), suite_init, suite_clean);
}
