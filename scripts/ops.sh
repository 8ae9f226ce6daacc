# shellcheck shell=bash
# ops.sh: the operator's commands on a stack: waiting until it is healthy,
# health (and the stack's memory), logs, one scheduled job (cron-job), the
# audit, dead events and their retry, an admin user.  Sourced by
# scripts/stack.sh, not run.

wait_healthy() {
	local host=$LISTEN_ADDR code body i
	case $host in 0.0.0.0 | "::" | "[::]") host=127.0.0.1 ;; esac
	[[ $host == *:* && $host != \[* ]] && host="[$host]"
	local url=http://$host:$PORT/health
	for ((i = 0; i < ${HEALTH_TIMEOUT:-30} * 4; i++)); do
		code=$(curl -s -o "$RUN/health.json" -w '%{http_code}' -m 2 "$url" 2>/dev/null) || code=000
		[[ $code == 200 ]] && return 0
		# Degraded only by a late outbox (no service down, the relay's
		# heartbeat fresh): up.  A backlog drains by itself; GET /health
		# goes on reporting it.
		if [[ $code == 503 ]] && grep -q '"status":"degraded"' "$RUN/health.json" &&
			! grep -Eq '"status":"(down|stale)"' "$RUN/health.json"; then
			return 0
		fi
		sleep 0.25
	done
	body=$(cat "$RUN/health.json" 2>/dev/null || true)
	warn "$url answered $code: $body"
	local f
	for f in "$LOG"/*.log; do
		[[ -s $f ]] || continue
		printf '==> %s <==\n' "$f" >&2
		tail -n 10 "$f" >&2
	done
	die "the stack is not healthy after ${HEALTH_TIMEOUT:-30}s (it is left running: make stop)"
}

# job <service> <name>: one scheduled job (cron/README.md), run by
# build/.../bin/cron-job against this stack's internal listener; service
# "all": the job of every deployed service, in turn (housekeeping).
cmd_job() {
	local svc=${1:-} job=${2:-} s rc=0
	[[ $svc =~ ^[a-z0-9-]{1,40}$ && $job =~ ^[a-z0-9-]{1,40}$ ]] ||
		die "usage: make job JOB=<service>/<job> (e.g. JOB=share-link/expire, JOB=all/housekeeping)"
	[[ -f $ENV_FILE ]] || die "no $ENV_FILE: the stack has never run (make run)"
	load_config
	[[ -x $BIN_DIR/cron-job ]] || die "no $BIN_DIR/cron-job: make build"
	if [[ $svc != all ]]; then
		"$BIN_DIR/cron-job" "$svc" "$job"
		return
	fi
	for s in $(present_services); do
		printf '%s: ' "$s"
		"$BIN_DIR/cron-job" "$s" "$job" || rc=1
	done
	return $rc
}

# audit [args]: the books across services (cron/README.md, "The audit"),
# build/.../bin/audit against this stack's internal listener.
cmd_audit() {
	[[ -f $ENV_FILE ]] || die "no $ENV_FILE: the stack has never run (make run)"
	load_config
	[[ -x $BIN_DIR/audit ]] || die "no $BIN_DIR/audit: make build"
	"$BIN_DIR/audit" "$@"
}

# mem_report: the idle memory without PostgreSQL: PSS of every process the
# stack started (each pid file's process and its descendants).
mem_report() {
	local f name pid p kb total=0 n line=""
	printf '\nmemory (PSS, without PostgreSQL):\n'
	for f in "$RUN"/nginx.pid "$RUN"/*.pid; do
		[[ -e $f ]] || continue
		name=$(basename "$f" .pid)
		[[ $name == nginx && $f != "$RUN/nginx.pid" ]] && continue
		[[ $line == *" $name "* ]] && continue
		line+=" $name "
		pid=$(running "$f" "$name") || {
			printf '  %-14s not running\n' "$name"
			continue
		}
		kb=0
		n=0
		for p in $(lib_proc_tree "$pid"); do
			kb=$((kb + $(awk '/^Pss:/ {print $2; exit}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
			n=$((n + 1))
		done
		total=$((total + kb))
		printf '  %-14s %2d processes %8.1f MB\n' "$name" "$n" "$(awk -v k="$kb" 'BEGIN {print k/1024}')"
	done
	printf '  %-14s %21.1f MB\n' total "$(awk -v k="$total" 'BEGIN {print k/1024}')"
}

cmd_health() {
	[[ -f $ENV_FILE ]] || die "no $ENV_FILE: the stack has never run (make run)"
	load_config
	local code body
	body=$(curl -sS -m 5 -w '\n%{http_code}' "http://127.0.0.1:$PORT/health" 2>&1) || true
	code=${body##*$'\n'}
	body=${body%$'\n'*}
	if [[ $code == 000 ]]; then
		printf 'GET /health: no answer on port %s (is the stack running? make run)\n' "$PORT"
		return 1
	fi
	printf 'GET /health -> %s\n' "$code"
	if command -v jq >/dev/null 2>&1 && jq . <<<"$body" 2>/dev/null; then
		:
	elif command -v python3 >/dev/null 2>&1 && python3 -m json.tool <<<"$body" 2>/dev/null; then
		:
	else
		printf '%s\n' "$body"
	fi
	mem_report
	[[ $code == 200 ]]
}

cmd_logs() {
	[[ -d $LOG ]] || die "no logs yet ($LOG)"
	local files=("$LOG"/*.log)
	[[ -e ${files[0]} ]] || die "no logs yet ($LOG)"
	if [[ -t 1 ]]; then
		exec tail -n 50 -F "${files[@]}"
	else
		tail -n 50 "${files[@]}"
	fi
}

# dead-events / retry-event ID: the relay's parked events, straight from
# each service's outbox (the same view as GET /admin/events/dead).
cmd_dead_events() {
	ensure_env
	load_config
	[[ $LOCAL_PG == 1 ]] && pg_start
	local s var
	for s in $(present_services); do
		var=$(svc_upper "$s")_DATABASE_URL
		printf '== %s\n' "$s"
		psql -X -q -v ON_ERROR_STOP=1 "${!var}" -c \
			"SELECT event_id, type, aggregate_id, attempts, left(last_error, 80) AS last_error, created_at
			 FROM outbox WHERE status = 'DEAD' ORDER BY id" || true
	done
}

cmd_retry_event() {
	local id=${1:-}
	[[ $id =~ ^[0-9a-fA-F-]{36}$ ]] || die "usage: make retry-event ID=<event uuid>"
	ensure_env
	load_config
	[[ $LOCAL_PG == 1 ]] && pg_start
	local s var n
	for s in $(present_services); do
		var=$(svc_upper "$s")_DATABASE_URL
		n=$(psql -X -qAt -v ON_ERROR_STOP=1 -v id="$id" "${!var}" <<'SQL'
WITH r AS (UPDATE outbox SET status = 'PENDING', attempts = 0, next_attempt_at = now(),
           last_error = NULL WHERE event_id = :'id'::uuid AND status = 'DEAD' RETURNING 1)
SELECT count(*) FROM r;
SQL
		) || continue
		if [[ $n == 1 ]]; then
			say "$s: event $id is queued again"
			return 0
		fi
	done
	die "no dead event $id"
}

cmd_admin() {
	local email=${1:-} password=${2:-}
	[[ -n $password ]] || password=${ADMIN_PASSWORD:-}
	if [[ -z $password && -t 0 && -n $email ]]; then
		read -r -s -p "password for $email: " password
		printf '\n'
	fi
	[[ -n $email && -n $password ]] || die "usage: make admin EMAIL=you@example.com PASSWORD=secret"
	[[ -x $BIN_DIR/auth ]] || die "$BIN_DIR/auth is not built"
	mkdirs
	ensure_env
	load_config
	pg_ready
	migrate_service auth
	# The password goes through the environment, never a command line.
	ADMIN_EMAIL=$email ADMIN_PASSWORD=$password \
		env -u LOG_FILE -u SERVICE_NAME "$BIN_DIR/auth" create-admin
}

