# shellcheck shell=bash
# pools.sh: the FastCGI pools: one spawn-fcgi pool per built service of
# services.conf, and the health program's; socket $SOCK_DIR/<name>.sock, pid
# $RUN/<name>.pid.  Sourced by scripts/stack.sh, not run.

# A pool's size: <SVC>_POOL_SIZE, else POOL_SIZE times the service's pool
# column in services.conf: the services that wait on another service inside
# a request (they call through the internal listener) have 2 there, since a
# worker waiting on a sub-request uses no CPU but holds its place in the
# pool.
pool_size() {
	local var def=$((POOL_SIZE * ${SVC_POOL[$1]:-1}))
	var=$(svc_upper "$1")_POOL_SIZE
	local n=${!var:-$def}
	[[ $n =~ ^[1-9][0-9]?$ ]] || die "$var='$n' must be 1..99"
	printf '%s' "$n"
}

start_pool() {
	local s=$1 prog=$BIN_DIR/$1 pidf=$RUN/$1.pid sock=$SOCK_DIR/$1.sock n
	still_running "$pidf" "$s" "the pool" && return 0
	rm -f "$pidf" "$sock"
	n=$(pool_size "$s")
	say "starting $s ($n workers)"
	SERVICE_NAME=$s POOL_SIZE=$n LOG_FILE=$LOG/$s.log \
		spawn-fcgi -s "$sock" -M 0600 -P "$pidf" -- "$prog" \
		</dev/null >>"$LOG/spawn-fcgi.log" 2>&1 ||
		{
			tail -n 5 "$LOG/spawn-fcgi.log" "$LOG/$s.log" >&2 2>/dev/null || true
			die "$s: the pool did not start (its log: $LOG/$s.log)"
		}
}

# start_pools: every built service's pool (SERVICES, in order), then the
# health program's; a running pool is left alone (run restarts one whose
# program was rebuilt).
start_pools() {
	local s
	for s in $SERVICES; do start_pool "$s"; done
	[[ -x $BIN_DIR/health ]] && start_pool health
	return 0
}
