# shellcheck shell=bash
# daemons.sh: the background daemons of workers/ (the relay, the coming
# sender), each started when built, as its own supervisor (setsid; pid in
# $RUN/<name>.pid).  Sourced by scripts/stack.sh, not run.

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

# start_workers: each built daemon of WORKER_PROGRAMS.
start_workers() {
	local w
	for w in "${WORKER_PROGRAMS[@]}"; do
		[[ -x $BIN_DIR/$w ]] && start_worker "$w"
	done
	return 0
}
