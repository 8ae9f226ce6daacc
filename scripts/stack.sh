#!/usr/bin/env bash
# The local stack: nginx gateway -> one spawn-fcgi pool per service ->
# a project-local PostgreSQL cluster.  Called by the Makefile:
#
#   stack.sh deps [test]           install missing Debian packages (apt); test: the tests' too
#   stack.sh run                   .env, cluster, roles, migrations, pools, nginx; wait healthy
#   stack.sh stop                  stop exactly what run started (by pid), then the cluster
#   stack.sh ensure                start what of a started stack is not running (cron, every minute)
#   stack.sh migrate               apply sql/common + sql/<svc> to each present service
#   stack.sh admin EMAIL PASSWORD  create an ADMIN user (auth create-admin)
#   stack.sh health                GET /health, and the stack's idle memory (PSS)
#   stack.sh job SVC JOB           one scheduled job (cron/README.md)
#   stack.sh audit [--grace S] [--since S]  the books across services (exit 1: discrepancies)
#   stack.sh logs                  tail every log
#   stack.sh pg-start | pg-stop    start/stop only the local cluster
#   stack.sh nginx-conf            (re)generate var/nginx.conf only
#
# Settings: environment variables win over .env (see load_config in
# scripts/env.sh and nginx/README.md).  The services: services.conf.  Each
# concern is one script beside this one (scripts/README.md); this one reads
# the command and composes them.
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"
# shellcheck source=scripts/base.sh
. "$REPO/scripts/base.sh"
# shellcheck source=scripts/services.sh
. "$REPO/scripts/services.sh"
# shellcheck source=scripts/env.sh
. "$REPO/scripts/env.sh"
# shellcheck source=scripts/cluster.sh
. "$REPO/scripts/cluster.sh"
# shellcheck source=scripts/nginx.sh
. "$REPO/scripts/nginx.sh"
# shellcheck source=scripts/pools.sh
. "$REPO/scripts/pools.sh"
# shellcheck source=scripts/daemons.sh
. "$REPO/scripts/daemons.sh"
# shellcheck source=scripts/ops.sh
. "$REPO/scripts/ops.sh"

cmd_run() {
	mkdirs
	ensure_env
	load_config
	# The stack is meant to run from now on (ensure restarts what dies),
	# until stop.
	touch "$RUN/up"
	[[ -n $SERVICES ]] || warn "no service is built in $BIN_DIR"
	pg_ready
	cmd_migrate_all
	start_pools
	start_workers
	start_nginx
	wait_healthy
	local shown=localhost
	case $LISTEN_ADDR in 0.0.0.0 | 127.0.0.1 | "::" | "[::]" | "::1" | "[::1]") ;; *) shown=$LISTEN_ADDR ;; esac
	[[ $shown == *:* && $shown != \[* ]] && shown="[$shown]"
	say "up: services: ${SERVICES:-none}"
	printf 'http://%s:%s\n' "$shown" "$PORT"
}

cmd_stop() {
	if [[ ! -d $VAR ]]; then
		say "nothing to stop"
		return 0
	fi
	rm -f "$RUN/up" # first: a cron ensure must not start what stops now
	nginx_stop
	stop_pidfiles
	pg_stop_all
}

# ensure: start whatever of the stack is not running: PostgreSQL (when
# local), each pool, each daemon of workers/, nginx; what runs is left
# alone (even when its program was rebuilt: that is run's business).  Only
# for a stack that was started (run) and not stopped since (stop): a
# stopped stack stays stopped.  cron runs it every minute (cron/crontab),
# the second line of defence after the daemons' own supervisors (a
# supervisor killed with SIGKILL); it prints only what it starts, so cron
# mails only then.  Under the stack's lock, like run and stop (see the end).
cmd_ensure() {
	[[ -f $RUN/up && -f $ENV_FILE ]] || return 0
	load_config
	ENSURING=1
	if [[ $LOCAL_PG == 1 ]] && ! pg_running; then pg_start; fi
	start_pools
	start_workers
	nginx_pid >/dev/null || start_nginx
}

usage() {
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

ENSURING=""
cmd=${1:-}
[[ $# -gt 0 ]] && shift

# run, stop and ensure hold the stack's lock ($VAR/stack.lock) for their
# whole run, so that a cron ensure never starts what a stop is stopping or a
# run is starting; an ensure that finds it taken does nothing.  flock(1)
# holds it (-o: the programs started here do not inherit it).
if [[ $cmd =~ ^(run|stop|ensure)$ && -z ${STACK_LOCKED:-} ]] &&
	command -v flock >/dev/null 2>&1 && [[ $cmd == run || -d $VAR ]]; then
	mkdir -p "$VAR"
	lockwait=(-w 900)
	[[ $cmd == ensure ]] && lockwait=(-n -E 0)
	exec env STACK_LOCKED=1 flock -o "${lockwait[@]}" "$VAR/stack.lock" \
		bash "$REPO/scripts/stack.sh" "$cmd" "$@"
fi
unset STACK_LOCKED

case $cmd in
deps) cmd_deps "$@" ;;
run) cmd_run ;;
stop) cmd_stop ;;
ensure) cmd_ensure ;;
migrate)
	mkdirs
	ensure_env
	load_config
	pg_ready
	cmd_migrate_all
	;;
admin) cmd_admin "$@" ;;
dead-events) cmd_dead_events ;;
retry-event) cmd_retry_event "$@" ;;
health) cmd_health ;;
job) cmd_job "$@" ;;
audit) cmd_audit "$@" ;;
logs) cmd_logs ;;
pg-start)
	mkdirs
	ensure_env
	load_config
	pg_start
	pg_provision
	;;
pg-stop) pg_stop ;;
nginx-conf)
	mkdirs
	ensure_env
	load_config
	cmd_nginx_conf
	mv "$NGINX_CONF.new" "$NGINX_CONF"
	printf '%s\n' "$NGINX_CONF"
	;;
*) usage ;;
esac
