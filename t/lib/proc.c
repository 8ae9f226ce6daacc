#include "proc.h"
#include "http.h"
#include "t.h"
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
t_spawn(const char *const argv[])
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "could not run %s\n", argv[0]);
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
t_shell(const char *cmd, char *out, size_t n)
{
	fflush(stdout);
	fflush(stderr);
	FILE *p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	size_t len = fread(out, 1, n - 1, p);
	out[len] = '\0';
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
t_cron_job(const char *env, const char *args, char *out, size_t n)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "%s '%s/cron-job' %s 2>/dev/null", env, t_env("BIN_DIR"), args);
	return t_shell(cmd, out, n);
}

/* ---- the stack's processes ---- */

int
t_stack(const char *cmd)
{
	const char *stack = t_env("STACK");
	if (stack == NULL)
		return -1;
	const char *argv[] = { stack, cmd, NULL };
	return t_spawn(argv);
}

pid_t
t_stack_pid(const char *name)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/run/%s.pid", t_env("VAR_DIR"), name);
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) != 1 || pid < 0)
			pid = 0;
		fclose(f);
	}
	return (pid_t)pid;
}

pid_t
t_stack_restart(const char *name, const char *var, const char *value)
{
	pid_t pid = t_stack_pid(name);
	if (pid <= 0 || kill(pid, SIGTERM) != 0)
		return 0;
	for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
		t_sleep_ms(100);
	char *saved = NULL;
	if (var != NULL) {
		saved = getenv(var) ? strdup(getenv(var)) : NULL;
		if (value != NULL)
			setenv(var, value, 1);
		else
			unsetenv(var);
	}
	int rc = t_stack("run");
	if (var != NULL) {
		if (saved != NULL)
			setenv(var, saved, 1);
		else
			unsetenv(var);
	}
	free(saved);
	pid_t now = t_stack_pid(name);
	return rc == 0 && now > 0 && now != pid ? now : 0;
}

static int
cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* /proc/<pid>/stat into buf: the text after the command's closing ')',
 * or NULL when the process is gone. */
static const char *
proc_stat(pid_t pid, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *s = fopen(path, "r");
	if (s == NULL)
		return NULL;
	size_t len = fread(buf, 1, n - 1, s);
	fclose(s);
	buf[len] = '\0';
	return strrchr(buf, ')');
}

bool
t_alive(pid_t pid)
{
	char buf[512];
	const char *p = proc_stat(pid, buf, sizeof buf);
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

int
t_children(pid_t pid, pid_t *out)
{
	char path[128];
	int n = 0;
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	FILE *f = fopen(path, "r");
	if (f != NULL) {
		long c;
		while (n < T_MAXKIDS && fscanf(f, "%ld", &c) == 1)
			out[n++] = (pid_t)c;
		fclose(f);
	} else {
		/* Without CONFIG_PROC_CHILDREN: scan every process's parent. */
		DIR *d = opendir("/proc");
		if (d == NULL)
			return -1;
		struct dirent *e;
		while ((e = readdir(d)) != NULL && n < T_MAXKIDS) {
			char *end;
			long p = strtol(e->d_name, &end, 10);
			if (*end != '\0' || p <= 0)
				continue;
			char buf[512];
			const char *rp = proc_stat((pid_t)p, buf, sizeof buf);
			char state;
			long ppid;
			if (rp != NULL && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 &&
			    ppid == (long)pid && state != 'Z')
				out[n++] = (pid_t)p;
		}
		closedir(d);
	}
	/* Zombies are dead workers not yet reaped. */
	int live = 0;
	for (int i = 0; i < n; i++)
		if (t_alive(out[i]))
			out[live++] = out[i];
	qsort(out, (size_t)live, sizeof *out, cmp_pid);
	return live;
}

int
t_kill_children(const char *name, int sig)
{
	pid_t m = t_stack_pid(name), kids[T_MAXKIDS];
	int n = m > 0 ? t_children(m, kids) : -1;
	for (int i = 0; i < n; i++)
		kill(kids[i], sig);
	return n;
}

bool
t_pool_full(const char *name, int want, long ms)
{
	pid_t m = t_stack_pid(name), kids[T_MAXKIDS];
	double end = t_now() + (double)ms / 1000.0;
	do {
		if (m > 0 && t_children(m, kids) >= want)
			return true;
		t_sleep_ms(20);
	} while (t_now() < end);
	return false;
}

pid_t
t_only_child(pid_t parent, pid_t not, long ms)
{
	pid_t kids[T_MAXKIDS];
	double end = t_now() + (double)ms / 1000.0;
	for (;;) {
		int n = t_children(parent, kids);
		if (n == 1 && kids[0] != not)
			return kids[0];
		if (t_now() > end)
			return 0;
		t_sleep_ms(20);
	}
}

bool
t_wait_gone(pid_t pid, long ms)
{
	double end = t_now() + (double)ms / 1000.0;
	while (t_alive(pid)) {
		if (t_now() > end)
			return false;
		t_sleep_ms(20);
	}
	return true;
}
