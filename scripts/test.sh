#!/usr/bin/env bash
# The whole suite (make test): every unit test binary, then every integration
# test binary against a throwaway stack on free ports, started and removed here.
#
# Called by make after it built $BIN_DIR/* and $BUILD_DIR/t/{unit,it}_*.
# Knobs: SANITIZE=1 (sanitizer logs are failures), KEEP_STACK=1 (leave the
# throwaway stack running and its directory in place), TEST_TIMEOUT (seconds
# per binary, default 600), TEST_AUTH_RATE / TEST_AUTH_BURST (login/register
# limit, default 50r/s burst 100), TEST_POOL_SIZE (default 2), TEST_FILTER
# (run only the binaries whose name contains it).
#
# Integration binaries get: BASE_URL, INTERNAL_URL, VAR_DIR, ENV_FILE, REPO,
# BIN_DIR, STACK (the path of scripts/stack.sh: "$STACK" pg-stop / pg-start),
# RAZORPAY_STUB_PORT (the stack's RAZORPAY_API_BASE is
# http://127.0.0.1:$RAZORPAY_STUB_PORT/v1), and every variable of the stack's
# .env (JWT_SECRET, AUTH_DATABASE_URL, RAZORPAY_WEBHOOK_SECRET,
# RAZORPAYX_WEBHOOK_SECRET, ...).
#
# The Razorpay stand-in (t/razorpay/README.md), when $BIN_DIR/razorpay-stub
# is built: its own pool (TEST_STUB_POOL_SIZE workers, default 4; pid in
# $VAR_DIR/run/razorpay-stub.pid), served by the stack's nginx on
# 127.0.0.1:$RAZORPAY_STUB_PORT through NGINX_EXTRA_HTTP (nginx/README.md),
# stopped by its pid at teardown.  make run never starts it.
#
# The notification providers' stand-ins, when built: smtp-stub (t/smtp/README.md)
# on SMTP_STUB_PORT, its messages in SMTP_STUB_DIR, started before the stack
# (pid in $VAR_DIR/run/smtp-stub.pid); the stack gets SMTP_URL, SMTP_USER,
# SMTP_PASSWORD and SMTP_FROM pointing at it.  notify-stub (t/notify-stub/README.md),
# Twilio's and Meta's APIs: a pool like the Razorpay stand-in's
# (TEST_NOTIFY_POOL_SIZE workers, default 8) on NOTIFY_STUB_PORT; the stack
# gets TWILIO_API_BASE, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM,
# WHATSAPP_API_BASE, WHATSAPP_PHONE_NUMBER_ID and WHATSAPP_TOKEN.  Every
# variable they export is also written to $VAR_DIR/stubs.env (for
# KEEP_STACK=1 by hand).
#
# Last line printed: "N passed, N failed" (CUnit tests: ran - failed, failed;
# a binary that exits non-zero without a failed test counts as one failure).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"
export REPO
export BIN_DIR=${BIN_DIR:-$REPO/build/release/bin}
BUILD_DIR=${BUILD_DIR:-$REPO/build/release}
SANITIZE=${SANITIZE:-0}
STACK=$REPO/scripts/stack.sh
export STACK

PASSED=0
FAILED=0
FAILURES=()
TEST_VAR=""
STACK_UP=0
TORN_DOWN=0

note() { printf 'test: %s\n' "$*"; }

# run_suite BINARY: run one CUnit binary and add up its "tests" summary row.
run_suite() {
	local bin=$1 name out rc line ran=0 fail=0
	name=$(basename "$bin")
	out=$(mktemp)
	printf '\n==> %s\n' "$name"
	set +e
	timeout -k 10 "${TEST_TIMEOUT:-600}" "$bin" </dev/null 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	set -e
	# CUnit: "Run Summary: Type Total Ran Passed Failed Inactive"
	line=$(grep -E '^[[:space:]]*tests[[:space:]]+[0-9]+[[:space:]]+[0-9]+' "$out" | tail -n 1 || true)
	rm -f "$out"
	if [[ -n $line ]]; then
		read -r _ _ ran _ fail _ <<<"$line"
		[[ $ran =~ ^[0-9]+$ ]] || ran=0
		[[ $fail =~ ^[0-9]+$ ]] || fail=0
	fi
	PASSED=$((PASSED + ran - fail))
	FAILED=$((FAILED + fail))
	if ((fail > 0)); then
		FAILURES+=("$name: $fail failed")
	fi
	if ((rc != 0 && fail == 0)); then
		FAILED=$((FAILED + 1))
		if ((rc == 124 || rc == 137)); then
			FAILURES+=("$name: timed out")
		elif [[ -z $line ]]; then
			FAILURES+=("$name: exited $rc without a CUnit summary")
		else
			FAILURES+=("$name: exited $rc")
		fi
	fi
	((rc == 0 && fail == 0))
}

# ---- the Razorpay stand-in ----
STUB_BIN=$BIN_DIR/razorpay-stub

show_logs() {
	local f
	[[ -n $TEST_VAR && -d $TEST_VAR/log ]] || return 0
	for f in "$TEST_VAR"/log/*; do
		[[ -f $f && -s $f && $f != */initdb.log ]] || continue
		printf '\n==> %s (last 40 lines) <==\n' "$f"
		tail -n 40 "$f"
	done
}

# teardown: stop the stack (pools get SIGTERM, so sanitizers report at exit),
# check sanitizer logs, show logs on failure, remove the directory.
teardown() {
	((TORN_DOWN)) && return 0
	TORN_DOWN=1
	[[ -n $TEST_VAR ]] || return 0
	if [[ ${KEEP_STACK:-0} == 1 ]]; then
		note "KEEP_STACK=1: the stack keeps running in $TEST_VAR"
		note "  base URL http://127.0.0.1:$PORT, stop it with:"
		note "  VAR_DIR=$TEST_VAR ENV_FILE=$TEST_VAR/test.env $STACK stop && rm -rf $TEST_VAR"
		return 0
	fi
	lib_stub_stop "$TEST_VAR"
	lib_prog_stop "$TEST_VAR" smtp-stub
	lib_prog_stop "$TEST_VAR" notify-stub
	if ((STACK_UP)) || [[ -d $TEST_VAR/run ]]; then
		"$STACK" stop || {
			FAILED=$((FAILED + 1))
			FAILURES+=("stack: stop failed")
		}
	fi
	if [[ $SANITIZE == 1 ]]; then
		local f found=0
		for f in "$TEST_VAR"/log/asan.* "$TEST_VAR"/log/ubsan.*; do
			[[ -e $f ]] || continue
			found=1
			printf '\n==> sanitizer report %s <==\n' "$f"
			cat "$f"
		done
		if ((found)); then
			FAILED=$((FAILED + 1))
			FAILURES+=("sanitizer reports in $TEST_VAR/log")
		fi
	fi
	if ((FAILED > 0)); then
		show_logs
	fi
	rm -rf "$TEST_VAR"
}

summary() {
	local f
	printf '\n'
	for f in "${FAILURES[@]}"; do note "FAILED: $f"; done
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
}

on_exit() {
	local rc=$?
	if ((!TORN_DOWN)); then
		teardown || true
		if ((rc != 0)); then
			note "aborted (exit $rc)"
			((FAILED > 0)) || FAILED=1
			summary
		fi
	fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

shopt -s nullglob
units=("$BUILD_DIR"/t/unit_*)
its=("$BUILD_DIR"/t/it_*)
if [[ -n ${TEST_FILTER:-} ]]; then
	sel=()
	for b in "${units[@]}"; do [[ $(basename "$b") == *"$TEST_FILTER"* ]] && sel+=("$b"); done
	units=("${sel[@]}")
	sel=()
	for b in "${its[@]}"; do [[ $(basename "$b") == *"$TEST_FILTER"* ]] && sel+=("$b"); done
	its=("${sel[@]}")
fi
# Skip the build system's dependency files if any landed next to the binaries.
filter_exec() {
	local b
	for b in "$@"; do [[ -f $b && -x $b && $b != *.d && $b != *.o ]] && printf '%s\n' "$b"; done
	return 0
}
mapfile -t units < <(filter_exec "${units[@]}")
mapfile -t its < <(filter_exec "${its[@]}")

# ---- 1. unit tests: stop at the first failing binary ----
note "${#units[@]} unit test binaries, ${#its[@]} integration test binaries"
for b in "${units[@]}"; do
	if ! run_suite "$b"; then
		note "unit tests failed: integration tests not run"
		summary
		exit 1
	fi
done

# ---- 2. a throwaway stack on free ports ----
# Nothing from the developer's own configuration may leak in (a database URL
# in the environment would otherwise be migrated and written to).
for k in JWT_SECRET JWT_EXPIRES_IN REFRESH_TOKEN_EXPIRES_IN RAZORPAY_KEY_ID \
	RAZORPAY_KEY_SECRET RAZORPAY_WEBHOOK_SECRET RAZORPAY_API_BASE \
	RAZORPAYX_ACCOUNT_NUMBER RAZORPAYX_WEBHOOK_SECRET CORS_ORIGINS LISTEN_ADDR HSTS BODY_MAX LOCAL_PG \
	WEBHOOK_RATE WEBHOOK_BURST AUTH_RATE AUTH_BURST POOL_SIZE NGINX_WORKERS \
	COMMISSION_HOLD_DAYS NGINX_EXTRA_HTTP WEBHOOK_TARGET PAYOUT_WEBHOOK_TARGET \
	SMTP_URL SMTP_USER SMTP_PASSWORD SMTP_FROM TWILIO_API_BASE TWILIO_ACCOUNT_SID \
	TWILIO_AUTH_TOKEN TWILIO_FROM WHATSAPP_API_BASE WHATSAPP_PHONE_NUMBER_ID WHATSAPP_TOKEN; do
	unset "$k"
done
# (TEST_POOL_SIZE and the other TEST_* knobs are this script's own: kept.)
while IFS= read -r k; do unset "$k"; done < <(compgen -v | grep -E '_(DATABASE_URL|POOL_SIZE)$' |
	grep -v '^TEST_' || true)
# The share page's settings (it_share_link expects the defaults and sets
# STOREFRONT_URL itself).
unset SHARE_BASE_URL STOREFRONT_URL
# The relay's heartbeat and the health bounds (workers/README.md).
unset RELAY_HEARTBEAT_FILE RELAY_HEARTBEAT_MS RELAY_STALE_SECONDS RELAY_WATCHDOG_SECONDS \
	OUTBOX_MAX_WAIT_SECONDS
# The sender's (workers/README.md): the developer's providers never leak in;
# retries come quickly and a provider that hangs times out in 2 s.
while IFS= read -r k; do unset "$k"; done < <(compgen -v | grep -E '^(SENDER|NOTIFY|SMTP|TWILIO|WHATSAPP)_' || true)
export NOTIFY_BACKOFF_BASE_MS=${TEST_NOTIFY_BACKOFF_BASE_MS:-100} NOTIFY_TIMEOUT_MS=2000

TEST_VAR=$(mktemp -d /tmp/rsb-test.XXXXXX)
chmod 755 "$TEST_VAR" # the postgres user must traverse it when we are root
mkdir -p "$TEST_VAR/log"
export VAR_DIR=$TEST_VAR ENV_FILE=$TEST_VAR/test.env
PORT=$(lib_pick_port) || {
	echo "test: no free port" >&2
	exit 1
}
INTERNAL_PORT=$(lib_pick_port "$PORT")
PG_PORT=$(lib_pick_port "$PORT" "$INTERNAL_PORT")
RAZORPAY_STUB_PORT=$(lib_pick_port "$PORT" "$INTERNAL_PORT" "$PG_PORT")
export PORT INTERNAL_PORT PG_PORT RAZORPAY_STUB_PORT
export LISTEN_ADDR=127.0.0.1
export CORS_ORIGINS=http://localhost:5173
export RAZORPAY_API_BASE=http://127.0.0.1:$RAZORPAY_STUB_PORT/v1
export AUTH_RATE=${TEST_AUTH_RATE:-50r/s} AUTH_BURST=${TEST_AUTH_BURST:-100}
export POOL_SIZE=${TEST_POOL_SIZE:-2}
export PG_FSYNC=off # a throwaway cluster: durability is not needed
if [[ $SANITIZE == 1 ]]; then
	export ASAN_OPTIONS=log_path=$TEST_VAR/log/asan:detect_leaks=1:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:log_path=$TEST_VAR/log/ubsan
	export STOP_TIMEOUT=${STOP_TIMEOUT:-20} HEALTH_TIMEOUT=${HEALTH_TIMEOUT:-90}
fi

[[ -x $STUB_BIN ]] && lib_stub_conf "$TEST_VAR"
# The SMTP stand-in first: the stack's sender may send as soon as it runs.
if [[ -x $BIN_DIR/smtp-stub ]]; then
	lib_smtp_stub_env "$TEST_VAR" "$PORT" "$INTERNAL_PORT" "$PG_PORT" "$RAZORPAY_STUB_PORT" || {
		echo "test: no free port" >&2
		exit 1
	}
	printf 'SMTP_STUB_PORT=%s\nSMTP_STUB_DIR=%s\nSMTP_URL=%s\nSMTP_USER=%s\nSMTP_PASSWORD=%s\nSMTP_FROM="%s"\n' \
		"$SMTP_STUB_PORT" "$SMTP_STUB_DIR" "$SMTP_URL" "$SMTP_USER" "$SMTP_PASSWORD" \
		"$SMTP_FROM" >>"$TEST_VAR/stubs.env"
	if ! lib_smtp_stub_start "$TEST_VAR"; then
		FAILED=$((FAILED + 1))
		FAILURES+=("smtp-stub: did not start (log: smtp-stub.log)")
	fi
fi
if [[ -x $BIN_DIR/notify-stub ]]; then
	lib_notify_stub_env "$PORT" "$INTERNAL_PORT" "$PG_PORT" "$RAZORPAY_STUB_PORT" \
		"${SMTP_STUB_PORT:-0}" || {
		echo "test: no free port" >&2
		exit 1
	}
	for k in NOTIFY_STUB_PORT TWILIO_API_BASE TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN TWILIO_FROM \
		WHATSAPP_API_BASE WHATSAPP_PHONE_NUMBER_ID WHATSAPP_TOKEN; do
		printf '%s=%s\n' "$k" "${!k}"
	done >>"$TEST_VAR/stubs.env"
	lib_notify_stub_conf "$TEST_VAR"
fi
note "starting a throwaway stack in $TEST_VAR (port $PORT, internal $INTERNAL_PORT, postgres $PG_PORT)"
STACK_UP=1
if ! "$STACK" run; then
	FAILED=$((FAILED + 1))
	FAILURES+=("stack: did not start")
	teardown
	summary
	exit 1
fi

export BASE_URL=http://127.0.0.1:$PORT
export INTERNAL_URL=http://127.0.0.1:$INTERNAL_PORT
lib_env_load "$ENV_FILE" # the stack's secrets and database URLs, for the tests
if [[ -x $STUB_BIN ]] && ! lib_stub_start "$TEST_VAR" "${TEST_STUB_POOL_SIZE:-4}"; then
	FAILED=$((FAILED + 1))
	FAILURES+=("razorpay-stub: did not start (log: razorpay-stub.log)")
fi
if [[ -x $BIN_DIR/notify-stub ]] && ! lib_fcgi_stub_start "$TEST_VAR" notify-stub \
	"$NOTIFY_STUB_PORT" "${TEST_NOTIFY_POOL_SIZE:-8}" "the Twilio and WhatsApp stand-in"; then
	FAILED=$((FAILED + 1))
	FAILURES+=("notify-stub: did not start (log: notify-stub.log)")
fi

# ---- 3. integration tests ----
for b in "${its[@]}"; do
	run_suite "$b" || true
done

teardown
summary
((FAILED == 0))
