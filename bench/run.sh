#!/usr/bin/env bash
# make bench: wrk against a throwaway stack (own cluster, nginx, pools, free
# loopback ports) seeded with 10,000 products, next to two ceilings measured
# in the same run: nginx answering a fixed body itself (/bench/static) and
# nginx -> the FastCGI pool machinery answering a fixed body without a
# database ($BIN_DIR/bench-hello at /bench/hello).  Both bodies are the size of
# a real GET /products/:id body.  Prints a table and writes bench/results.md.
#
# Called by make after it built $BIN_DIR/* and $BIN_DIR/bench-hello.
# Then POST /orders (one customer, one reseller, registered first) with the
# same wrk runs, a share link's GET /share-links/:code and its HTML page
# GET /share/:code side by side (bench/share.lua), and, when the payment
# service, the relay and the Razorpay stand-in ($BIN_DIR/razorpay-stub,
# started as scripts/test.sh starts it)
# are built, the latency from a signed payment.captured webhook being
# accepted to its order being PAID, over BENCH_WEBHOOKS orders, measured
# inside PostgreSQL (bench/webhooks.sh).  When the notification service, the
# sender and the SMTP stand-in are built: the latency from an event being
# accepted (USER_REGISTERED) to its email at the stand-in, over BENCH_EMAILS
# emails at BENCH_EMAIL_RATE a second, and its rate over BENCH_EMAIL_BURST
# emails queued at once (bench/sender.sh).
#
# Knobs (bench/README.md): BENCH_DURATION (10s), BENCH_WARMUP (2s),
# BENCH_CONNECTIONS ("16 64"), BENCH_THREADS (2), BENCH_POOL_SIZE (2),
# BENCH_WEBHOOKS (1000), BENCH_WEBHOOK_RATE (200 a second), BENCH_VISITORS (5000),
# BENCH_EMAILS (1000), BENCH_EMAIL_RATE (200 a second), BENCH_EMAIL_BURST
# (5000), BENCH_RESULTS (bench/results.md), BENCH_KEEP=1 (leave the stack
# running).
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
WEBHOOKS=${BENCH_WEBHOOKS:-1000}
WEBHOOK_SEND_RATE=${BENCH_WEBHOOK_RATE:-200}
EMAILS=${BENCH_EMAILS:-1000}
EMAIL_RATE=${BENCH_EMAIL_RATE:-200}
EMAIL_BURST=${BENCH_EMAIL_BURST:-5000}
# The issue's targets, at 64 connections, as a share of the hello ceiling.
TARGET_CONNS=64
# POST /orders: absolute targets at 16 connections.
ORDER_TARGET_CONNS=16 ORDER_TARGET_RPS=1000 ORDER_TARGET_P99=50
# Webhook -> PAID: p50 and p99 in ms.
PAID_TARGET_P50=20 PAID_TARGET_P99=100
# The sender (issue 13): event accepted -> message at the SMTP stand-in p50
# and p99 in ms; emails a second through one sender.
SND_TARGET_P50=50 SND_TARGET_P99=250 SND_TARGET_RATE=500

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
# The stand-in holds at most 4096 Razorpay orders (t/razorpay/README.md).
if ! [[ $WEBHOOKS =~ ^[0-9]+$ ]] || ((WEBHOOKS > 4000)); then
	die "BENCH_WEBHOOKS='$WEBHOOKS' must be 0..4000 (0 skips the webhook measurement)"
fi
if ! [[ $WEBHOOK_SEND_RATE =~ ^[1-9][0-9]*$ ]] || ((WEBHOOK_SEND_RATE > 2000)); then
	die "BENCH_WEBHOOK_RATE='$WEBHOOK_SEND_RATE' must be 1..2000 (webhooks a second)"
fi
if ! [[ ${BENCH_VISITORS:=5000} =~ ^[1-9][0-9]{0,8}$ ]]; then
	die "BENCH_VISITORS='$BENCH_VISITORS' must be 1..999999999 (the share link's visitors)"
fi
export BENCH_VISITORS
for v in EMAILS EMAIL_BURST; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} > 100000)); then
		die "BENCH_$v='${!v}' must be 0..100000 (0 skips that sender measurement)"
	fi
done
if ! [[ $EMAIL_RATE =~ ^[1-9][0-9]*$ ]] || ((EMAIL_RATE > 1000)); then
	die "BENCH_EMAIL_RATE='$EMAIL_RATE' must be 1..1000 (emails a second)"
fi
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

# ---- the Razorpay stand-in: exactly as scripts/test.sh runs it ----
STUB_BIN=$BIN_DIR/razorpay-stub
STUB_UP=0


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
		((STUB_UP)) && note "  (stack.sh stop also stops the Razorpay stand-in, 127.0.0.1:$RAZORPAY_STUB_PORT: its pid file is in $BENCH_VAR/run)"
		return 0
	fi
	((STUB_UP)) && lib_stub_stop "$BENCH_VAR" || true
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
	RAZORPAYX_ACCOUNT_NUMBER RAZORPAYX_WEBHOOK_SECRET CORS_ORIGINS LISTEN_ADDR HSTS BODY_MAX LOCAL_PG \
	WEBHOOK_RATE WEBHOOK_BURST AUTH_RATE AUTH_BURST POOL_SIZE NGINX_WORKERS \
	COMMISSION_HOLD_DAYS NGINX_EXTRA_PUBLIC NGINX_EXTRA_HTTP WEBHOOK_TARGET INTERNAL_URL; do
	unset "$k"
done
while IFS= read -r k; do unset "$k"; done < <(compgen -v | grep -E '_(DATABASE_URL|POOL_SIZE)$' || true)
while IFS= read -r k; do unset "$k"; done < <(compgen -v | grep -E '^(SENDER|NOTIFY|SMTP|TWILIO|WHATSAPP)_' || true)

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

# The webhook measurement needs the payment service, the order service (and
# what it calls), the relay and the Razorpay stand-in (make tests builds it).
WH_SKIP=""
if ((WEBHOOKS == 0)); then
	WH_SKIP="BENCH_WEBHOOKS=0"
else
	for p in payment order auth pricing product relay razorpay-stub; do
		[[ -x $BIN_DIR/$p ]] && continue
		WH_SKIP="$BIN_DIR/$p is not built"
		break
	done
fi
if [[ -z $WH_SKIP ]]; then
	# As scripts/test.sh: the stand-in's own loopback port, served by the
	# stack's nginx (NGINX_EXTRA_HTTP), and the payment service pointed at it.
	RAZORPAY_STUB_PORT=$(lib_pick_port "$PORT" "$INTERNAL_PORT" "$PG_PORT") || die "no free port"
	export RAZORPAY_STUB_PORT
	export RAZORPAY_API_BASE=http://127.0.0.1:$RAZORPAY_STUB_PORT/v1
	# nginx's per-address limit on /payments/webhook (50r/s burst 100 by
	# default) would answer 429 to a steady BENCH_WEBHOOK_RATE above it.
	export WEBHOOK_RATE=$((WEBHOOK_SEND_RATE * 4 > 1000 ? WEBHOOK_SEND_RATE * 4 : 1000))r/s
	export WEBHOOK_BURST=1000
	lib_stub_conf "$BENCH_VAR"
fi
# The sender's measurement needs the notification service, the sender and
# the SMTP stand-in, started before the stack as scripts/test.sh does (the
# sender sends to it as soon as it runs; stack.sh stop stops it by its pid
# file).
SND_SKIP=""
if ((EMAILS == 0 && EMAIL_BURST == 0)); then
	SND_SKIP="BENCH_EMAILS=0 and BENCH_EMAIL_BURST=0"
else
	for p in notification sender smtp-stub; do
		[[ -x $BIN_DIR/$p ]] && continue
		SND_SKIP="$BIN_DIR/$p is not built"
		break
	done
fi
if [[ -z $SND_SKIP ]]; then
	lib_smtp_stub_env "$BENCH_VAR" "$PORT" "$INTERNAL_PORT" "$PG_PORT" "${RAZORPAY_STUB_PORT:-0}" ||
		die "no free port"
	lib_smtp_stub_start "$BENCH_VAR" >/dev/null || die "smtp-stub: did not start (its log: $LOG/smtp-stub.log)"
fi
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
if [[ -z $WH_SKIP ]]; then
	STUB_UP=1
	lib_stub_start "$BENCH_VAR" "${BENCH_STUB_POOL_SIZE:-4}" || die "razorpay-stub: did not start (its log: $LOG/razorpay-stub.log)"
fi

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

# check METHOD URL [JSON [TOKEN]]: one request (with TOKEN: as that user);
# its status code in CODE (000: no answer), its body in $BENCH_VAR/check.out.
check() {
	local method=$1 url=$2 data=${3:-} token=${4:-}
	local args=(-s -o "$BENCH_VAR/check.out" -w '%{http_code}' -m 10 -X "$method")
	[[ -n $data ]] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
	[[ -n $token ]] && args+=(-H "Authorization: Bearer $token")
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
# (ms) W_REQS W_NON2XX W_SOCKERR and W_OUT (the whole output), and
# W_UNEXPECTED / W_UNEXPECTED_FIRST from a script's "BENCH_UNEXPECTED <n>
# <first>" line (orders.lua: answers other than 201), 0 without one.
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
	W_UNEXPECTED=$(awk '$1 == "BENCH_UNEXPECTED" {print $2}' <<<"$W_OUT")
	W_UNEXPECTED=${W_UNEXPECTED:-0}
	W_UNEXPECTED_FIRST=$(sed -n 's/^BENCH_UNEXPECTED [0-9]* //p' <<<"$W_OUT")
	[[ -n $W_RPS && -n $W_REQS ]] || {
		printf '%s\n' "$W_OUT" >&2
		die "could not read wrk's output"
	}
}

# Results, one row per endpoint and connection count.
ROWS=()            # "key|name|conns|rps|p50|p99"
NOTES=()
declare -A RPS     # RPS[key.conns]
declare -A P99     # P99[key.conns], ms

# bench KEY NAME URL [LUA]: warm up, then one run per connection count.  A
# run with any non-2xx response (or any answer its script counts as
# unexpected) stops the bench: it would have measured errors.
bench() {
	local key=$1 name=$2 url=$3 lua=${4:-} c
	note "$name: warm-up ${WARMUP}"
	run_wrk "${CONNS[-1]}" "$WARMUP" "$url" "$lua"
	((W_NON2XX == 0 && W_UNEXPECTED == 0)) || {
		printf '%s\n' "$W_OUT" >&2
		die "$name: $W_NON2XX of $W_REQS responses were not 2xx ($W_UNEXPECTED unexpected${W_UNEXPECTED_FIRST:+, the first: $W_UNEXPECTED_FIRST}) during the warm-up"
	}
	for c in "${CONNS[@]}"; do
		run_wrk "$c" "$DURATION" "$url" "$lua"
		if ((W_NON2XX > 0 || W_UNEXPECTED > 0)); then
			printf '%s\n' "$W_OUT" >&2
			die "$name at $c connections: $W_NON2XX of $W_REQS responses were not 2xx ($W_UNEXPECTED unexpected${W_UNEXPECTED_FIRST:+, the first: $W_UNEXPECTED_FIRST}): a bench of errors is worthless"
		fi
		note "$(printf '%-26s %4d conns %9d req/s  p50 %8s ms  p99 %8s ms' "$name" "$c" "$W_RPS" "$W_P50" "$W_P99")"
		if [[ -n $W_SOCKERR ]]; then
			note "  socket errors: $W_SOCKERR"
			NOTES+=("$name at $c connections: wrk socket errors: $W_SOCKERR (of $W_REQS requests)")
		fi
		ROWS+=("$key|$name|$c|$W_RPS|$W_P50|$W_P99")
		RPS[$key.$c]=$W_RPS
		P99[$key.$c]=$W_P99
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

# POST /orders needs the order service and the three it calls.
ORDERS=1
for p in order auth pricing product; do
	if [[ ! -x $BIN_DIR/$p ]]; then
		ORDERS=0
		NOTES+=("POST /orders skipped: $BIN_DIR/$p is not built")
		note "${NOTES[-1]}"
		break
	fi
done
((ORDERS)) || WH_SKIP=${WH_SKIP:-"POST /orders is not measured"}

# The share link's two reads need share-link and product (and auth, to
# register a reseller).
SHARE=1
for p in share-link product auth; do
	if [[ ! -x $BIN_DIR/$p ]]; then
		SHARE=0
		NOTES+=("GET /share-links/:code and GET /share/:code skipped: $BIN_DIR/$p is not built")
		note "${NOTES[-1]}"
		break
	fi
done

TOTAL_RUNS=$((4 + PRICING + ORDERS + 2 * SHARE))
note "measuring $TOTAL_RUNS endpoints x ${#CONNS[@]} connection counts, ${DURATION} each after ${WARMUP} of warm-up (wrk -t$THREADS)"
bench static "nginx static (ceiling)" "$BASE/bench/static"
bench hello "FastCGI hello (ceiling)" "$BASE/bench/hello"
bench list "GET /products?take=10" "$BASE/products?take=10"
bench get "GET /products/:id" "$BASE/products" "$REPO/bench/get_product.lua"
if ((PRICING)); then
	# The pricing service's copy of the catalog (fcgi/pricing/catalog.c) is
	# kept by the product service's writes; the seed went straight into
	# product_db, so one calculation per product fills it first, as the API
	# would have (bench/warm_calc.lua).
	note "POST /pricing/calculate: one per seeded product first, to fill pricing's copy"
	for pass in 1 2 3 4 5 6; do
		# wrk runs its whole duration even when the script's threads stop
		# early: passes of 5 s until every product is in.
		BENCH_THREADS=$THREADS run_wrk 16 5s "$BASE/pricing/calculate" "$REPO/bench/warm_calc.lua"
		((W_NON2XX == 0)) || die "POST /pricing/calculate: $W_NON2XX non-2xx answers while filling the copy"
		copied=$(psql "$PRICING_DATABASE_URL" -X -At -c "SELECT count(*) FROM catalog_products") ||
			die "could not count pricing's copy"
		((copied >= $(wc -l <"$BENCH_IDS"))) && break
		((pass < 6)) || die "pricing's copy has $copied products after $pass passes"
	done
	bench calc "POST /pricing/calculate" "$BASE/pricing/calculate" "$REPO/bench/calculate.lua"
fi

# register ROLE: a new user through POST /auth/register; sets REG_EMAIL,
# REG_TOKEN (an access token: JWT_EXPIRES_IN, 15 minutes) and REG_ID.
BENCH_PASSWORD=bench-password-$RANDOM$RANDOM
register() {
	local role=$1
	REG_EMAIL=bench-${role,,}-$(date +%s%N)@example.com
	check POST "$BASE/auth/register" \
		'{"email":"'"$REG_EMAIL"'","password":"'"$BENCH_PASSWORD"'","firstName":"Bench","role":"'"$role"'"}'
	[[ $CODE == 201 ]] || die "POST /auth/register ($role) answered $CODE: $(body_excerpt)"
	REG_TOKEN=$(sed -n 's/.*"accessToken":"\([^"]*\)".*/\1/p' "$BENCH_VAR/check.out")
	[[ -n $REG_TOKEN ]] || die "POST /auth/register ($role): no accessToken in $(body_excerpt)"
	REG_ID=$(psql "$AUTH_DATABASE_URL" -X -At -v ON_ERROR_STOP=1 \
		-c "SELECT id FROM users WHERE email = '$REG_EMAIL'") || die "could not read the new user's id"
	[[ $REG_ID =~ ^[0-9a-f-]{36}$ ]] || die "POST /auth/register ($role): no user $REG_EMAIL in auth_db"
}

if ((ORDERS)); then
	# One reseller to sell through, one customer who buys: registered now, so
	# the customer's token is fresh for the runs (and logged in again before
	# the webhooks).
	register RESELLER
	BENCH_SELLER=$REG_ID BENCH_SELLER_TOKEN=$REG_TOKEN
	register CUSTOMER
	BENCH_CUSTOMER=$REG_ID BENCH_CUSTOMER_EMAIL=$REG_EMAIL BENCH_TOKEN=$REG_TOKEN
	export BENCH_SELLER BENCH_TOKEN
	note "customer $BENCH_CUSTOMER buys through reseller $BENCH_SELLER"
	check POST "$BASE/orders" \
		'{"sellerId":"'"$BENCH_SELLER"'","items":[{"productId":"'"$FIRST_ID"'","quantity":1,"sellerPrice":9999.00}]}' \
		"$BENCH_TOKEN"
	[[ $CODE == 201 ]] || die "POST /orders answered $CODE, not 201: $(body_excerpt)"
	bench orders "POST /orders" "$BASE/orders" "$REPO/bench/orders.lua"
fi

# A share link and its two public reads: GET /share-links/:code (JSON) and
# GET /share/:code (the HTML share page), both counting clicks
# (bench/share.lua: visitors of their own user agent, first visits and
# repeats).  A reseller is registered unless POST /orders did.  The runs
# wait until the relay and the sender have worked off what POST /orders
# left them (its ORDER_CREATED events and their emails), as the webhooks
# do, so the reads are measured on their own.
if ((SHARE)); then
	t0=$SECONDS
	left=1
	while ((SECONDS - t0 < 300)); do
		left=$(psql "$ORDER_DATABASE_URL" -X -At -c "SELECT count(*) FROM outbox WHERE status = 'PENDING'")
		[[ -n ${NOTIFICATION_DATABASE_URL:-} ]] && left=$((left + $(psql "$NOTIFICATION_DATABASE_URL" \
			-X -At -c "SELECT count(*) FROM notifications WHERE status = 'PENDING'")))
		((left == 0)) && break
		sleep 0.5
	done
	note "share links: the relay and the sender idle after $((SECONDS - t0)) s ($left still pending)"
	if [[ -z ${BENCH_SELLER_TOKEN:-} ]]; then
		register RESELLER
		BENCH_SELLER_TOKEN=$REG_TOKEN
	fi
	check POST "$BASE/share-links" '{"productId":"'"$FIRST_ID"'"}' "$BENCH_SELLER_TOKEN"
	[[ $CODE == 201 ]] || die "POST /share-links answered $CODE, not 201: $(body_excerpt)"
	SHARE_CODE=$(sed -n 's/.*"code":"\([A-Za-z0-9_-]*\)".*/\1/p' "$BENCH_VAR/check.out")
	[[ -n $SHARE_CODE ]] || die "POST /share-links: no code in $(body_excerpt)"
	check GET "$BASE/share-links/$SHARE_CODE"
	[[ $CODE == 200 ]] || die "GET /share-links/$SHARE_CODE answered $CODE: $(body_excerpt)"
	check GET "$BASE/share/$SHARE_CODE"
	if [[ $CODE != 200 ]] || ! grep -q 'og:title' "$BENCH_VAR/check.out"; then
		die "GET /share/$SHARE_CODE answered $CODE: $(body_excerpt)"
	fi
	SHARE_PAGE_SIZE=$(wc -c <"$BENCH_VAR/check.out")
	bench sharejson "GET /share-links/:code" "$BASE/share-links/$SHARE_CODE" "$REPO/bench/share.lua"
	bench sharepage "GET /share/:code (HTML)" "$BASE/share/$SHARE_CODE" "$REPO/bench/share.lua"
	SHARE_CLICKS=$(psql "$SHARE_LINK_DATABASE_URL" -X -At \
		-c "SELECT clicks FROM share_links WHERE code = '$SHARE_CODE'") || SHARE_CLICKS='?'
	NOTES+=("GET /share-links/:code and GET /share/:code: one link to a seeded product, $BENCH_VISITORS visitors (bench/share.lua); the page is $SHARE_PAGE_SIZE bytes; the link counted $SHARE_CLICKS clicks (one per visitor per hour, both reads together)")
fi

# Webhook -> PAID (bench/webhooks.sh): sets PAID_* and adds to NOTES.
PAID_N=0
if [[ -z $WH_SKIP ]]; then
	# shellcheck source=bench/webhooks.sh
	. "$REPO/bench/webhooks.sh"
	webhooks_measure
else
	NOTES+=("webhook -> PAID not measured: $WH_SKIP")
	note "${NOTES[-1]}"
fi
# The sender (bench/sender.sh): sets SND_* and adds to NOTES.
SND_N=0 SND_RATE_N=0
if [[ -z $SND_SKIP ]]; then
	# shellcheck source=bench/sender.sh
	. "$REPO/bench/sender.sh"
	sender_measure
else
	NOTES+=("the sender not measured: $SND_SKIP")
	note "${NOTES[-1]}"
fi
# The audit (cron/audit.c) over everything the runs left: the seeded
# catalog, every order of the POST /orders runs, the paid ones' payments and
# credits. --grace 0: nothing is skipped as young. Sets AUDIT_LINE.
AUDIT_LINE=""
if ((ORDERS)) && [[ -x $BIN_DIR/audit ]]; then
	note "the audit over the bench's data (stack.sh audit --grace 0)"
	audit_rc=0
	"$STACK" audit --grace 0 >"$BENCH_VAR/audit.out" 2>&1 || audit_rc=$?
	AUDIT_LINE=$(grep '^audit: ' "$BENCH_VAR/audit.out" | tail -n 1 || true)
	audit_n=$(psql "$ORDER_DATABASE_URL" -X -At -c "SELECT count(*) FROM orders") || audit_n='?'
	if [[ -z $AUDIT_LINE ]]; then
		NOTES+=("the audit printed no summary (exit $audit_rc): $(head -c 300 "$BENCH_VAR/audit.out")")
	else
		AUDIT_LINE="$AUDIT_LINE (exit $audit_rc; order_db holds $audit_n orders, product_db $NIDS products)"
		((audit_rc == 0)) || NOTES+=("the audit found discrepancies in the bench's data; its first lines: $(grep -v '^audit: ' "$BENCH_VAR/audit.out" | head -n 3 | tr '\n' ' ')")
	fi
	note "${AUDIT_LINE:-the audit failed}"
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
	printf '\n## Targets (absolute)\n\n'
	printf '| what | target | measured | met |\n|---|--:|--:|---|\n'
	got=${RPS[orders.$ORDER_TARGET_CONNS]:-}
	if ((!ORDERS)); then
		printf '| POST /orders, %s conns | ≥ %s orders/s, p99 ≤ %s ms | - | skipped |\n' \
			"$ORDER_TARGET_CONNS" "$(commas "$ORDER_TARGET_RPS")" "$ORDER_TARGET_P99"
	elif [[ -z $got ]]; then
		printf '| POST /orders, %s conns | ≥ %s orders/s, p99 ≤ %s ms | - | not measured (%s not in BENCH_CONNECTIONS) |\n' \
			"$ORDER_TARGET_CONNS" "$(commas "$ORDER_TARGET_RPS")" "$ORDER_TARGET_P99" "$ORDER_TARGET_CONNS"
	else
		met=yes
		((got >= ORDER_TARGET_RPS)) || met="**no**"
		printf '| POST /orders, %s conns | ≥ %s orders/s | %s/s | %s |\n' "$ORDER_TARGET_CONNS" \
			"$(commas "$ORDER_TARGET_RPS")" "$(commas "$got")" "$met"
		p=${P99[orders.$ORDER_TARGET_CONNS]}
		if awk -v a="$p" -v b="$ORDER_TARGET_P99" 'BEGIN {exit !(a <= b)}'; then met=yes; else met="**no**"; fi
		printf '| POST /orders, %s conns | p99 ≤ %s ms | %s ms | %s |\n' "$ORDER_TARGET_CONNS" "$ORDER_TARGET_P99" "$p" "$met"
	fi
	if ((PAID_N > 0)); then
		for t in "p50|$PAID_P50|$PAID_TARGET_P50" "p99|$PAID_P99|$PAID_TARGET_P99"; do
			IFS='|' read -r what got want <<<"$t"
			if awk -v a="$got" -v b="$want" 'BEGIN {exit !(a <= b)}'; then met=yes; else met="**no**"; fi
			printf '| webhook accepted -> order PAID, %s orders | %s ≤ %s ms | %s ms | %s |\n' \
				"$(commas "$PAID_N")" "$what" "$want" "$got" "$met"
		done
	else
		printf '| webhook accepted -> order PAID | p50 ≤ %s ms, p99 ≤ %s ms | - | not measured (Notes) |\n' \
			"$PAID_TARGET_P50" "$PAID_TARGET_P99"
	fi
	if ((SND_N > 0)); then
		for t in "p50|$SND_P50|$SND_TARGET_P50" "p99|$SND_P99|$SND_TARGET_P99"; do
			IFS='|' read -r what got want <<<"$t"
			if awk -v a="$got" -v b="$want" 'BEGIN {exit !(a <= b)}'; then met=yes; else met="**no**"; fi
			printf '| event accepted -> email at the SMTP stand-in, %s events | %s ≤ %s ms | %s ms | %s |\n' \
				"$(commas "$SND_N")" "$what" "$want" "$got" "$met"
		done
	else
		printf '| event accepted -> email at the SMTP stand-in | p50 ≤ %s ms, p99 ≤ %s ms | - | not measured (Notes) |\n' \
			"$SND_TARGET_P50" "$SND_TARGET_P99"
	fi
	if ((SND_RATE_N > 0)); then
		met=yes
		((SND_RATE >= SND_TARGET_RATE)) || met="**no**"
		printf '| emails a second through one sender, %s queued | ≥ %s/s | %s/s | %s |\n' \
			"$(commas "$SND_RATE_N")" "$SND_TARGET_RATE" "$(commas "$SND_RATE")" "$met"
	else
		printf '| emails a second through one sender | ≥ %s/s | - | not measured (Notes) |\n' "$SND_TARGET_RATE"
	fi
	# shellcheck disable=SC2016 # backquotes for markdown
	if ((PAID_N > 0)); then
		printf '\n## Webhook -> PAID (%s orders)\n\n' "$(commas "$PAID_N")"
		printf -- '- %s signed `payment.captured` webhooks (one per PENDING order of the POST /orders runs, after its\n' "$(commas "$PAID_N")"
		printf -- '  `POST /payments/razorpay/create-order`), sent one after another (%s keep-alive connection(s)) at %s/s (achieved %s/s);\n' \
			"$WH_CONNS" "$WEBHOOK_SEND_RATE" "$WH_SENT_RATE"
		printf -- '  every answer 200 `applied`, every order PAID; load average %s when they started\n' "$LOADAVG_WH"
		printf -- '- measured in PostgreSQL (one clock): payment_db `webhook_events.received_at` (the webhook transaction'"'"'s\n'
		printf -- '  start, right after the signature check) -> order_db `order_status_history.created_at` of the PAID row\n'
		printf -- '  (the start of the transaction applying PAYMENT_SUCCESS); split at payment_db `outbox.sent_at` (the\n'
		printf -- '  start of the relay transaction that claimed the event). Nearest-rank percentiles.\n\n'
		printf '| span | p50 ms | p99 ms | max ms |\n|---|--:|--:|--:|\n'
		printf '| webhook accepted -> order PAID | %s | %s | %s |\n' "$PAID_P50" "$PAID_P99" "$PAID_MAX"
		printf '| webhook accepted -> relay claims PAYMENT_SUCCESS | %s | %s | %s |\n' "$PICK_P50" "$PICK_P99" "$PICK_MAX"
		printf '| relay claim -> order PAID | %s | %s | %s |\n' "$APPLY_P50" "$APPLY_P99" "$APPLY_MAX"
		printf '| POST /payments/webhook answer (nginx `$request_time`) | %s | %s | - |\n' "$WH_RT_P50" "$WH_RT_P99"
	fi
	if ((SND_N > 0)); then
		printf '\n## The sender (%s emails)\n\n' "$(commas "$SND_N")"
		printf -- '- %s `USER_REGISTERED` events written to auth_db'"'"'s outbox one a transaction at %s a second\n' \
			"$(commas "$SND_N")" "$EMAIL_RATE"
		printf -- '  (bench/sender.sh); the relay, the notification service (a welcome email each) and the stack'"'"'s one\n'
		printf -- '  sender over SMTP to the stand-in (one kept connection); from the event'"'"'s `created_at` to the\n'
		printf -- '  modification time of its message file at the stand-in (one clock); %s sent twice\n\n' "$SND_DUP"
		printf '| span | p50 ms | p99 ms | max ms |\n|---|--:|--:|--:|\n'
		printf '| event accepted -> email at the stand-in | %s | %s | %s |\n' "$SND_P50" "$SND_P99" "$SND_MAX"
	fi
	if [[ -n $AUDIT_LINE ]]; then
		printf '\n## The audit\n\n'
		# shellcheck disable=SC2016 # backquotes for markdown
		printf -- '- `stack.sh audit --grace 0` after the runs: %s\n' "$AUDIT_LINE"
	fi
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
