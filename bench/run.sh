#!/usr/bin/env bash
# make bench: wrk against a throwaway stack (own cluster, nginx, pools, free
# loopback ports) seeded with 10,000 products, next to two ceilings measured
# in the same run: nginx answering a fixed body itself (/bench/static) and
# nginx -> the FastCGI pool machinery answering a fixed body without a
# database ($BIN_DIR/bench-hello at /bench/hello).  Both bodies are the size of
# a real GET /products/:id body.  Prints a table and writes bench/results.md.
#
# Called by make after it built $BIN_DIR/* and $BIN_DIR/bench-hello.
# Knobs (bench/README.md): BENCH_DURATION (10s), BENCH_WARMUP (2s),
# BENCH_CONNECTIONS ("16 64"), BENCH_THREADS (2), BENCH_POOL_SIZE (2),
# BENCH_RESULTS (bench/results.md), BENCH_KEEP=1 (leave the stack running).
#
# Exit status: 0 when the bench ran (targets missed or not), non-zero when it
# could not run or measured errors (non-2xx responses).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"
BIN_DIR=${BIN_DIR:-$REPO/build/release/bin}
case $BIN_DIR in /*) ;; *) BIN_DIR=$PWD/$BIN_DIR ;; esac
export BIN_DIR
STACK=$REPO/scripts/stack.sh

DURATION=${BENCH_DURATION:-10s}
WARMUP=${BENCH_WARMUP:-2s}
THREADS=${BENCH_THREADS:-2}
read -ra CONNS <<<"${BENCH_CONNECTIONS:-16 64}"
POOL=${BENCH_POOL_SIZE:-2}
RESULTS=${BENCH_RESULTS:-$REPO/bench/results.md}
# The issue's targets, at 64 connections, as a share of the hello ceiling.
TARGET_CONNS=64

note() { printf 'bench: %s\n' "$*"; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- checks

for v in DURATION WARMUP; do
	[[ ${!v} =~ ^[1-9][0-9]*[smh]?$ ]] || die "BENCH_$v='${!v}' must look like 10s, 2m or 30"
done
[[ $THREADS =~ ^[1-9][0-9]?$ ]] || die "BENCH_THREADS='$THREADS' must be 1..99"
[[ $POOL =~ ^[1-9][0-9]?$ ]] || die "BENCH_POOL_SIZE='$POOL' must be 1..99"
((${#CONNS[@]} > 0)) || die "BENCH_CONNECTIONS is empty"
for c in "${CONNS[@]}"; do
	if ! [[ $c =~ ^[1-9][0-9]*$ ]] || ((c < THREADS)); then
		die "BENCH_CONNECTIONS: '$c' must be a number of connections >= BENCH_THREADS ($THREADS)"
	fi
done
for t in wrk curl psql spawn-fcgi; do
	command -v "$t" >/dev/null 2>&1 || die "$t is not installed (make deps)"
done
for p in bench-hello product; do
	[[ -x $BIN_DIR/$p ]] || die "$BIN_DIR/$p is not built (make bench builds it)"
done

# ---------------------------------------------------------------- teardown

BENCH_VAR=""
HELLO_PIDF=""
STACK_UP=0
TORN_DOWN=0

# stop_hello: SIGTERM the bench-hello pool master we started (by the pid
# spawn-fcgi recorded, only if it still runs bench-hello), wait up to 5 s for
# it and its workers, SIGKILL what is left.
stop_hello() {
	[[ -n $HELLO_PIDF && -f $HELLO_PIDF ]] || return 0
	local pid p i left=0 tree=()
	while IFS= read -r pid; do
		if lib_pid_alive "$pid" && lib_pid_is "$pid" bench-hello; then
			mapfile -t -O "${#tree[@]}" tree < <(lib_proc_tree "$pid")
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done < <(lib_pid_read "$HELLO_PIDF" || true)
	for ((i = 0; i < 50; i++)); do
		left=0
		for p in "${tree[@]}"; do
			if lib_pid_alive "$p"; then left=1; fi
		done
		((left)) || break
		sleep 0.1
	done
	for p in "${tree[@]}"; do
		if lib_pid_alive "$p"; then kill -KILL "$p" 2>/dev/null || true; fi
	done
	rm -f "$HELLO_PIDF"
}

show_logs() {
	local f
	[[ -n $BENCH_VAR && -d $BENCH_VAR/log ]] || return 0
	for f in "$BENCH_VAR"/log/*.log; do
		[[ -f $f && -s $f && $f != */initdb.log && $f != */nginx-access.log ]] || continue
		printf '\n==> %s (last 20 lines) <==\n' "$f" >&2
		tail -n 20 "$f" >&2
	done
}

on_exit() {
	local rc=$?
	((TORN_DOWN)) && return 0
	TORN_DOWN=1
	[[ -n $BENCH_VAR ]] || return 0
	((rc == 0 || rc == 130)) || show_logs
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		note "BENCH_KEEP=1: the stack keeps running in $BENCH_VAR (http://127.0.0.1:${PORT:-?}); stop it with:"
		note "  kill \$(cat $HELLO_PIDF); VAR_DIR=$BENCH_VAR ENV_FILE=$BENCH_VAR/bench.env $STACK stop && rm -rf $BENCH_VAR"
		return 0
	fi
	stop_hello
	if ((STACK_UP)) || [[ -d $BENCH_VAR/run ]]; then
		"$STACK" stop >/dev/null || printf 'bench: warning: stack stop failed (%s)\n' "$BENCH_VAR" >&2
	fi
	rm -rf "$BENCH_VAR"
	((rc == 0)) || printf 'bench: aborted (exit %d)\n' "$rc" >&2
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the stack

# As scripts/test.sh: nothing from the developer's own configuration leaks in
# (a database URL in the environment would be migrated and seeded).
for k in JWT_SECRET JWT_EXPIRES_IN REFRESH_TOKEN_EXPIRES_IN RAZORPAY_KEY_ID \
	RAZORPAY_KEY_SECRET RAZORPAY_WEBHOOK_SECRET RAZORPAY_API_BASE \
	RAZORPAYX_ACCOUNT_NUMBER CORS_ORIGINS LISTEN_ADDR HSTS BODY_MAX LOCAL_PG \
	WEBHOOK_RATE WEBHOOK_BURST AUTH_RATE AUTH_BURST POOL_SIZE NGINX_WORKERS \
	COMMISSION_HOLD_DAYS NGINX_EXTRA_PUBLIC INTERNAL_URL; do
	unset "$k"
done
while IFS= read -r k; do unset "$k"; done < <(compgen -v | grep -E '_(DATABASE_URL|POOL_SIZE)$' || true)

BENCH_VAR=$(mktemp -d /tmp/rsb-bench.XXXXXX)
chmod 755 "$BENCH_VAR" # the postgres user must traverse it when we are root
mkdir -p "$BENCH_VAR/log"
export VAR_DIR=$BENCH_VAR ENV_FILE=$BENCH_VAR/bench.env
RUN=$BENCH_VAR/run
LOG=$BENCH_VAR/log
PORT=$(lib_pick_port) || die "no free port"
INTERNAL_PORT=$(lib_pick_port "$PORT") || die "no free port"
PG_PORT=$(lib_pick_port "$PORT" "$INTERNAL_PORT") || die "no free port"
export PORT INTERNAL_PORT PG_PORT
export LISTEN_ADDR=127.0.0.1
export CORS_ORIGINS=http://localhost:5173
export POOL_SIZE=$POOL
export PG_FSYNC=off # a throwaway cluster: durability is not needed
BASE=http://127.0.0.1:$PORT
LOADAVG_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# stack_run: scripts/stack.sh run, its output in a log shown on failure.
stack_run() {
	if ! "$STACK" run >>"$LOG/bench-stack.log" 2>&1; then
		cat "$LOG/bench-stack.log" >&2
		die "the stack did not start (scripts/stack.sh run)"
	fi
}

note "starting a throwaway stack in $BENCH_VAR (port $PORT, POOL_SIZE=$POOL_SIZE)"
STACK_UP=1
stack_run
lib_env_load "$ENV_FILE" # the stack's database URLs and JWT_SECRET (bench-hello needs it)
[[ -n ${PRODUCT_DATABASE_URL:-} ]] || die "no PRODUCT_DATABASE_URL in $ENV_FILE"

# ---------------------------------------------------------------- the catalog

note "seeding the catalog (bench/seed.sql)"
psql "$PRODUCT_DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f "$REPO/bench/seed.sql" >/dev/null ||
	die "bench/seed.sql failed"
export BENCH_IDS=$BENCH_VAR/ids.txt
psql "$PRODUCT_DATABASE_URL" -X -At -v ON_ERROR_STOP=1 \
	-c "SELECT id FROM products WHERE slug LIKE 'bench-product-%' AND deleted_at IS NULL ORDER BY id" \
	>"$BENCH_IDS" || die "could not read the product ids"
NIDS=$(wc -l <"$BENCH_IDS")
((NIDS > 0)) || die "bench/seed.sql created no products"
note "$NIDS product ids in $BENCH_IDS"

# check METHOD URL [JSON]: one request; its status code in CODE (000: no
# answer), its body in $BENCH_VAR/check.out.
check() {
	local method=$1 url=$2 data=${3:-}
	local args=(-s -o "$BENCH_VAR/check.out" -w '%{http_code}' -m 10 -X "$method")
	[[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
	CODE=$(curl "${args[@]}" "$url" 2>/dev/null) || CODE=000
}
body_excerpt() { head -c 300 "$BENCH_VAR/check.out" 2>/dev/null | tr '\n' ' '; }

# The size of a real GET /products/:id body, for both ceilings.
MID_ID=$(sed -n "$(((NIDS + 1) / 2))p" "$BENCH_IDS")
check GET "$BASE/products/$MID_ID"
[[ $CODE == 200 ]] || die "GET /products/$MID_ID answered $CODE: $(body_excerpt)"
BODY_SIZE=$(wc -c <"$BENCH_VAR/check.out")
((BODY_SIZE >= 64)) || die "GET /products/:id body is only $BODY_SIZE bytes"
note "GET /products/:id answers $BODY_SIZE bytes: both ceilings answer as many"

# ---------------------------------------------------------------- the ceilings

SOCK_DIR=$RUN
[[ -f $RUN/sockdir ]] && SOCK_DIR=$(<"$RUN/sockdir")
HELLO_SOCK=$SOCK_DIR/bench-hello.sock
HELLO_PIDF=$RUN/bench-hello.pid
EXTRA=$BENCH_VAR/bench-locations.conf

# A JSON body of exactly BODY_SIZE bytes with nothing nginx would interpret
# inside its quotes (no $, ', \).
pad=$((BODY_SIZE - 27))
STATIC_BODY='{"bench":"static","pad":"'$(printf '%*s' "$pad" '' | tr ' ' x)'"}'
((${#STATIC_BODY} == BODY_SIZE)) || die "static body is ${#STATIC_BODY} bytes, not $BODY_SIZE"
cat >"$EXTRA" <<EOF
# Written by bench/run.sh (NGINX_EXTRA_PUBLIC): the ceilings of make bench.
# nginx answers by itself:
location = /bench/static {
    return 200 '$STATIC_BODY';
}
# The FastCGI params, timeouts and headers come from the http level, as for
# every service location (nginx/service.conf.in).
location = /bench/hello {
    fastcgi_pass unix:$HELLO_SOCK;
}
EOF

note "starting bench-hello ($POOL_SIZE workers, BENCH_BODY_SIZE=$BODY_SIZE)"
rm -f "$HELLO_SOCK"
SERVICE_NAME=bench-hello POOL_SIZE=$POOL_SIZE LOG_FILE=$LOG/bench-hello.log BENCH_BODY_SIZE=$BODY_SIZE \
	spawn-fcgi -s "$HELLO_SOCK" -M 0600 -P "$HELLO_PIDF" -- "$BIN_DIR/bench-hello" \
	</dev/null >>"$LOG/spawn-fcgi.log" 2>&1 ||
	die "bench-hello: the pool did not start (its log: $LOG/bench-hello.log)"

# The same stack again with the hook set: only nginx changes (a reload).
export NGINX_EXTRA_PUBLIC=$EXTRA
stack_run
# The reload is asynchronous: wait until the new workers answer.
for ((i = 0; i < 40; i++)); do
	check GET "$BASE/bench/static"
	[[ $CODE == 200 ]] && break
	sleep 0.25
done

# ---------------------------------------------------------------- wrk

# lat_ms VALUE: a wrk latency (850.00us, 1.23ms, 2.00s, 1.00m) in ms.
lat_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
		if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
		else if (u != "ms") { print "?"; exit }
		printf "%.2f", n }'
}

# run_wrk CONNS DURATION URL [LUA]: one wrk run; sets W_RPS W_P50 W_P99
# (ms) W_REQS W_NON2XX W_SOCKERR and W_OUT (the whole output).
run_wrk() {
	local conns=$1 dur=$2 url=$3 lua=${4:-}
	local args=(-t"$THREADS" -c"$conns" -d"$dur" --latency)
	[[ -n $lua ]] && args+=(-s "$lua")
	W_OUT=$(wrk "${args[@]}" "$url" 2>&1) || {
		printf '%s\n' "$W_OUT" >&2
		die "wrk ${args[*]} $url failed"
	}
	W_RPS=$(awk '/^Requests\/sec:/ {printf "%d", $2 + 0.5}' <<<"$W_OUT")
	W_P50=$(lat_ms "$(awk '$1 == "50%" {print $2}' <<<"$W_OUT")")
	W_P99=$(lat_ms "$(awk '$1 == "99%" {print $2}' <<<"$W_OUT")")
	W_REQS=$(awk '/ requests in / {print $1}' <<<"$W_OUT")
	W_NON2XX=$(awk -F: '/Non-2xx or 3xx responses:/ {gsub(/ /, "", $2); print $2}' <<<"$W_OUT")
	W_NON2XX=${W_NON2XX:-0}
	W_SOCKERR=$(sed -n 's/^ *Socket errors: *//p' <<<"$W_OUT")
	[[ -n $W_RPS && -n $W_REQS ]] || {
		printf '%s\n' "$W_OUT" >&2
		die "could not read wrk's output"
	}
}

# Results, one row per endpoint and connection count.
ROWS=()            # "key|name|conns|rps|p50|p99"
NOTES=()
declare -A RPS     # RPS[key.conns]

# bench KEY NAME URL [LUA]: warm up, then one run per connection count.  A
# run with any non-2xx response stops the bench: it would have measured errors.
bench() {
	local key=$1 name=$2 url=$3 lua=${4:-} c
	note "$name: warm-up ${WARMUP}"
	run_wrk "${CONNS[-1]}" "$WARMUP" "$url" "$lua"
	((W_NON2XX == 0)) || {
		printf '%s\n' "$W_OUT" >&2
		die "$name: $W_NON2XX of $W_REQS responses were not 2xx during the warm-up"
	}
	for c in "${CONNS[@]}"; do
		run_wrk "$c" "$DURATION" "$url" "$lua"
		if ((W_NON2XX > 0)); then
			printf '%s\n' "$W_OUT" >&2
			die "$name at $c connections: $W_NON2XX of $W_REQS responses were not 2xx: a bench of errors is worthless"
		fi
		note "$(printf '%-26s %4d conns %9d req/s  p50 %8s ms  p99 %8s ms' "$name" "$c" "$W_RPS" "$W_P50" "$W_P99")"
		if [[ -n $W_SOCKERR ]]; then
			note "  socket errors: $W_SOCKERR"
			NOTES+=("$name at $c connections: wrk socket errors: $W_SOCKERR (of $W_REQS requests)")
		fi
		ROWS+=("$key|$name|$c|$W_RPS|$W_P50|$W_P99")
		RPS[$key.$c]=$W_RPS
	done
}

# Every endpoint answers 200 before it is measured.
check GET "$BASE/bench/static"
[[ $CODE == 200 ]] || die "GET /bench/static answered $CODE: $(body_excerpt)"
[[ $(wc -c <"$BENCH_VAR/check.out") == "$BODY_SIZE" ]] ||
	die "GET /bench/static: $(wc -c <"$BENCH_VAR/check.out") bytes, not $BODY_SIZE"
check GET "$BASE/bench/hello"
[[ $CODE == 200 ]] || die "GET /bench/hello answered $CODE: $(body_excerpt)"
[[ $(wc -c <"$BENCH_VAR/check.out") == "$BODY_SIZE" ]] ||
	die "GET /bench/hello: $(wc -c <"$BENCH_VAR/check.out") bytes, not $BODY_SIZE"
check GET "$BASE/products?take=10"
[[ $CODE == 200 ]] || die "GET /products?take=10 answered $CODE: $(body_excerpt)"
LIST_SIZE=$(wc -c <"$BENCH_VAR/check.out")

PRICING=1
FIRST_ID=$(head -n 1 "$BENCH_IDS")
if [[ ! -x $BIN_DIR/pricing ]]; then
	PRICING=0
	NOTES+=("POST /pricing/calculate skipped: $BIN_DIR/pricing is not built")
else
	check POST "$BASE/pricing/calculate" \
		'{"items":[{"productId":"'"$FIRST_ID"'","quantity":2,"sellerPrice":9999.00}]}'
	if [[ $CODE != 200 ]]; then
		PRICING=0
		NOTES+=("POST /pricing/calculate skipped: it answered $CODE: $(body_excerpt)")
	fi
fi
((PRICING)) || note "${NOTES[-1]}"

TOTAL_RUNS=$((4 + PRICING))
note "measuring $TOTAL_RUNS endpoints x ${#CONNS[@]} connection counts, ${DURATION} each after ${WARMUP} of warm-up (wrk -t$THREADS)"
bench static "nginx static (ceiling)" "$BASE/bench/static"
bench hello "FastCGI hello (ceiling)" "$BASE/bench/hello"
bench list "GET /products?take=10" "$BASE/products?take=10"
bench get "GET /products/:id" "$BASE/products" "$REPO/bench/get_product.lua"
if ((PRICING)); then
	bench calc "POST /pricing/calculate" "$BASE/pricing/calculate" "$REPO/bench/calculate.lua"
fi
LOADAVG_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# ---------------------------------------------------------------- the table

ratio() { # ratio A B: A/B to two decimals, or - when B is missing
	[[ -n ${2:-} && ${2:-0} != 0 ]] || {
		printf -- '-'
		return
	}
	awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'
}
commas() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'; }

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1)
[[ -n $cpu ]] || cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n 1)
OUT=$BENCH_VAR/results.md
{
	printf '# make bench\n\n'
	printf -- '- date: %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	printf -- '- system: %s\n' "$(uname -srm)"
	printf -- '- CPU: %s, %s cores\n' "${cpu:-unknown}" "$(nproc)"
	printf -- '- load average (1, 5, 15 min): %s before, %s after\n' "$LOADAVG_BEFORE" "$LOADAVG_AFTER"
	printf -- '- wrk -t%s, %s per run after %s of warm-up, on the same machine as the stack (loopback)\n' \
		"$THREADS" "$DURATION" "$WARMUP"
	printf -- '- stack: POOL_SIZE=%s per pool, nginx worker_processes auto, one FastCGI connection per request\n' "$POOL_SIZE"
	printf -- '- catalog: %s products (bench/seed.sql); GET /products/:id body %s bytes, GET /products?take=10 body %s bytes\n' \
		"$NIDS" "$BODY_SIZE" "$LIST_SIZE"
	# shellcheck disable=SC2016 # backquotes for markdown
	printf -- '- ceilings: nginx `return 200` and bench-hello (FastCGI, no database) both answer %s bytes\n\n' "$BODY_SIZE"
	printf '| endpoint | conns | req/s | p50 ms | p99 ms | × static | × hello |\n'
	printf '|---|--:|--:|--:|--:|--:|--:|\n'
	for row in "${ROWS[@]}"; do
		IFS='|' read -r _ name c rps p50 p99 <<<"$row"
		printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$c" "$(commas "$rps")" "$p50" "$p99" \
			"$(ratio "$rps" "${RPS[static.$c]:-}")" "$(ratio "$rps" "${RPS[hello.$c]:-}")"
	done
	printf '\n## Targets (%s connections, share of the FastCGI hello ceiling)\n\n' "$TARGET_CONNS"
	printf '| endpoint | target | measured | met |\n|---|--:|--:|---|\n'
	hello=${RPS[hello.$TARGET_CONNS]:-}
	for t in "get|GET /products/:id|0.50" "list|GET /products?take=10|0.35" "calc|POST /pricing/calculate|0.25"; do
		IFS='|' read -r key name want <<<"$t"
		got=${RPS[$key.$TARGET_CONNS]:-}
		if [[ -z $hello || -z $got ]]; then
			if [[ $key == calc ]] && ((!PRICING)); then met="skipped"; else met="not measured ($TARGET_CONNS not in BENCH_CONNECTIONS)"; fi
			printf '| %s | ≥ %s× | - | %s |\n' "$name" "$want" "$met"
			continue
		fi
		r=$(ratio "$got" "$hello")
		if awk -v r="$r" -v w="$want" 'BEGIN {exit !(r >= w)}'; then met=yes; else met="**no**"; fi
		printf '| %s | ≥ %s× | %s× | %s |\n' "$name" "$want" "$r" "$met"
	done
	printf '\n## Notes\n\n'
	printf -- '- The machine may be shared with other work while this runs: absolute numbers are noisy;\n'
	printf -- '  the ratios to the ceilings measured in the same run are the comparable figures.\n'
	for n in "${NOTES[@]}"; do printf -- '- %s\n' "$n"; done
} >"$OUT"

printf '\n'
cat "$OUT"
mkdir -p "$(dirname "$RESULTS")"
cp "$OUT" "$RESULTS"
note "written to $RESULTS"
