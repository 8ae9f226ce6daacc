/* Processes: commands the suites run (cron-job, the audit, scripts/stack.sh)
 * and the stack's own processes, found by the pids in its pid files
 * ($VAR_DIR/run/<name>.pid: a pool's master, the relay, nginx). */
#ifndef T_PROC_H
#define T_PROC_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Runs argv (no shell) with the environment inherited; returns its exit
 * status, or -1.  Output goes to the test's stdout. */
int t_spawn(const char *const argv[]);
/* Runs cmd through the shell, its stdout into out (NUL-terminated, cut at
 * n - 1 bytes).  Returns its exit status, or -1. */
int t_shell(const char *cmd, char *out, size_t n);
/* Runs "<env> $BIN_DIR/cron-job <args>" through the shell (env: variable
 * assignments, args: already quoted), its stdout into out.  Returns its
 * exit status, or -1. */
int t_cron_job(const char *env, const char *args, char *out, size_t n);

/* "$STACK cmd" (scripts/stack.sh run, ensure, pg-stop, ...): its exit
 * status, or -1. */
int t_stack(const char *cmd);
/* The pid in the stack's pid file $VAR_DIR/run/<name>.pid, or 0. */
pid_t t_stack_pid(const char *name);
/* Stops <name> (SIGTERM to its pid, waits up to 10 s) and starts it again
 * through `$STACK run` with var set to value for that run (value NULL:
 * unset; var NULL: the environment as it is), then puts the environment
 * back.  The new pid, or 0 when it did not come back as a new process. */
pid_t t_stack_restart(const char *name, const char *var, const char *value);

/* The live children of pid (a pool's workers), sorted; their number, or
 * -1.  t_kill_children sends sig to every worker of the stack's pool
 * <name> (the pids under its master's pid file) and returns how many;
 * t_pool_full waits up to ms for the pool to have want workers again. */
#define T_MAXKIDS 64
int t_children(pid_t pid, pid_t *out);
/* True while pid runs (not a zombie waiting to be reaped). */
bool t_alive(pid_t pid);
/* Waits up to ms for pid to be gone (t_alive false); true when it is. */
bool t_wait_gone(pid_t pid, long ms);
/* A supervisor's one live child (a daemon of workers/: the relay, the
 * sender), waiting up to ms for one other than not (0: any); 0 when
 * there is none by then. */
pid_t t_only_child(pid_t parent, pid_t not, long ms);
int t_kill_children(const char *name, int sig);
bool t_pool_full(const char *name, int want, long ms);

#endif
