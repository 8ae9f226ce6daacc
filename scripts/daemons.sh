# shellcheck shell=bash
# daemons.sh: the background daemons of workers/ (the relay; the sender,
# with the notification service), each started when built, as its own
# supervisor (setsid; pid in $RUN/<name>.pid).  Sourced by scripts/stack.sh,
# not run.

read -ra WORKER_PROGRAMS <<<"${WORKER_PROGRAMS:-relay sender}"

start_worker() {
	local w=$1 prog=$BIN_DIR/$1 pidf=$RUN/$1.pid
	still_running "$pidf" "$w" it && return 0
	say "starting $w"
	# The program is its own supervisor (common/supervise.h): this pid is
	# the supervisor's, which restarts the daemon in its child.
	SERVICE_NAME=$w LOG_FILE=$LOG/$w.log setsid "$prog" </dev/null >>"$LOG/$w.log" 2>&1 &
	printf '%s' "$!" >"$pidf"
}

# worker_wanted NAME: whether the stack runs that daemon when it is built:
# the sender only beside the notification service, whose rows it sends.
worker_wanted() {
	[[ -x $BIN_DIR/$1 ]] || return 1
	case $1 in
	sender) [[ " $SERVICES " == *" notification "* ]] ;;
	*) return 0 ;;
	esac
}

# start_workers: each built daemon of WORKER_PROGRAMS that is wanted.
start_workers() {
	local w
	for w in "${WORKER_PROGRAMS[@]}"; do
		worker_wanted "$w" && start_worker "$w"
	done
	return 0
}
