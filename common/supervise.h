/* Supervision of a daemon (workers/README.md): a small parent process that
 * restarts its one child whenever it ends, and the child's heartbeat.
 *
 * supervise(name, run) forks a child that calls run() and exits with its
 * result.  The parent restarts the child when it ends for any reason (a
 * crash, SIGKILL, an exit) after a backoff of 0.2 s doubling to 10 s; the
 * backoff starts again at 0.2 s once a child has run for 60 s.  SIGTERM or
 * SIGINT to the parent is forwarded to the child, and the parent returns
 * once the child has ended (SIGKILL after 30 s).  The child dies with the
 * parent (PR_SET_PDEATHSIG, SIGTERM).  A pid file keeps the parent's pid;
 * the child is the parent's only child.
 *
 * Configuration, <NAME> being name in upper case ("RELAY"):
 *   <NAME>_HEARTBEAT_FILE   where the child writes its heartbeat (unset:
 *                           none is written and there is no watchdog)
 *   <NAME>_HEARTBEAT_MS     how often (default 2000, at least 100)
 *   <NAME>_WATCHDOG_SECONDS a child whose heartbeat is older than this is
 *                           SIGKILLed and restarted (default 60, 0: never)
 *
 * The heartbeat is a file whose content is the unix time of the last beat
 * with milliseconds ("1767225600.125\n"), replaced atomically (rename).
 * Nothing here knows a request: a daemon or a pool may use it. */
#ifndef SUPERVISE_H
#define SUPERVISE_H

/* The daemon's main: returns the exit status (0 after a requested stop).
 * run is called in a child process, never in the caller. */
int supervise(const char *name, int (*run)(void));

/* In the child, from its main loop: writes the heartbeat when one is due.
 * Returns the seconds until the next one is due (for the loop's sleep);
 * 3600 when no heartbeat file is configured. */
double supervise_heartbeat(void);

/* Reads a heartbeat file: its age in seconds (0 when written in the
 * future), or -1 when it is missing or unreadable. */
double supervise_heartbeat_age(const char *path);

#endif
