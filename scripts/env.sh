# shellcheck shell=bash
# env.sh: the settings: the Debian packages the stack needs (deps), the .env
# file (secrets and database URLs written on first run), and loading and
# checking every setting (the environment wins over .env).  Sourced by
# scripts/stack.sh, not run.

DEPS_PACKAGES=(build-essential libfcgi-dev spawn-fcgi nginx postgresql postgresql-client
	libpq-dev libjson-c-dev libjwt-dev libssl-dev libcurl4-openssl-dev libcunit1-dev curl wrk)
# What only the tests need (make test: `stack.sh deps test`): the headless
# browser of the share page's browser test (t/integration/share_link/browser.c)
# and python3 for the STARTTLS mail server of it_sender (t/smtp/starttls.py).
DEPS_TEST_PACKAGES=(chromium python3)

# cmd_deps [test]: the stack's packages, and with "test" the tests' too (a
# test package that cannot be installed is a warning: its test skips, or
# fails under CI).
cmd_deps() {
	cmd_deps_install "${DEPS_PACKAGES[@]}" || die "the stack's packages are missing"
	[[ ${1:-} == test ]] || return 0
	cmd_deps_install "${DEPS_TEST_PACKAGES[@]}" ||
		warn "could not install ${DEPS_TEST_PACKAGES[*]}: the browser test will skip (or fail under CI)"
	return 0
}

cmd_deps_install() {
	command -v dpkg-query >/dev/null 2>&1 || {
		warn "not a Debian system: install by hand: $*"
		return 0
	}
	local missing=() p status
	for p in "$@"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
		[[ $status == installed ]] && continue
		# The versioned packages satisfy the meta-packages.
		case $p in
		postgresql) [[ -x $PG_BIN/postgres ]] && continue ;;
		postgresql-client) command -v psql >/dev/null 2>&1 && continue ;;
		esac
		missing+=("$p")
	done
	((${#missing[@]} == 0)) && return 0
	local sudo=()
	if ((EUID != 0)); then
		command -v sudo >/dev/null 2>&1 || {
			warn "missing packages (${missing[*]}) and no sudo: install them as root"
			return 1
		}
		sudo=(sudo)
	fi
	say "installing: ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

rand_hex() { # rand_hex BYTES
	openssl rand -hex "$1" 2>/dev/null || od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# ensure_env: create ENV_FILE (0600) on first run, and append any key a newer
# version of this script needs that the file lacks: each service of
# services.conf gets its database URL (role <ident>_svc, a fresh password,
# its database).  Never rewrites a value.
ensure_env() {
	local have=() add=() pg_port s up id pw
	if [[ ! -e $ENV_FILE ]]; then
		mkdir -p "$(dirname "$ENV_FILE")"
		(
			umask 077
			printf '# Written by scripts/stack.sh on first run.  Variables set in the\n# environment override these values.\n' >"$ENV_FILE"
		)
		say "created $ENV_FILE with fresh secrets"
	fi
	mapfile -t have < <(lib_env_keys "$ENV_FILE")
	has() {
		local x
		for x in "${have[@]}"; do [[ $x == "$1" ]] && return 0; done
		return 1
	}
	pg_port=$(sed -n -E 's/^PG_PORT=["'\'']?([0-9]+).*/\1/p' "$ENV_FILE" | tail -n 1)
	pg_port=${pg_port:-${PG_PORT:-5433}}
	has JWT_SECRET || add+=("JWT_SECRET=$(rand_hex 32)")
	has JWT_EXPIRES_IN || add+=("JWT_EXPIRES_IN=15m")
	has REFRESH_TOKEN_EXPIRES_IN || add+=("REFRESH_TOKEN_EXPIRES_IN=7d")
	has RAZORPAY_KEY_ID || add+=("RAZORPAY_KEY_ID=rzp_test_local")
	has RAZORPAY_KEY_SECRET || add+=("RAZORPAY_KEY_SECRET=$(rand_hex 24)")
	has RAZORPAY_WEBHOOK_SECRET || add+=("RAZORPAY_WEBHOOK_SECRET=$(rand_hex 32)")
	has RAZORPAYX_WEBHOOK_SECRET || add+=("RAZORPAYX_WEBHOOK_SECRET=$(rand_hex 32)")
	has RAZORPAY_API_BASE || add+=("RAZORPAY_API_BASE=https://api.razorpay.com/v1")
	has PORT || add+=("PORT=3000")
	has INTERNAL_PORT || add+=("INTERNAL_PORT=3100")
	has PG_PORT || add+=("PG_PORT=$pg_port")
	has CORS_ORIGINS || add+=("CORS_ORIGINS=http://localhost:5173")
	for s in "${SVC_NAMES[@]}"; do
		up=$(svc_upper "$s")
		id=$(svc_ident "$s")
		has "${up}_DATABASE_URL" && continue
		pw=$(rand_hex 24)
		add+=("${up}_DATABASE_URL=postgresql://${id}_svc:${pw}@127.0.0.1:${pg_port}/${SVC_DB[$s]}")
	done
	((${#add[@]} == 0)) && return 0
	chmod 600 "$ENV_FILE"
	printf '%s\n' "${add[@]}" >>"$ENV_FILE"
}

# load_config: ENV_FILE under the environment, then defaults and checks.
load_config() {
	lib_env_load "$ENV_FILE"
	export PORT=${PORT:-3000} INTERNAL_PORT=${INTERNAL_PORT:-3100} PG_PORT=${PG_PORT:-5433}
	export LISTEN_ADDR=${LISTEN_ADDR:-0.0.0.0}
	export CORS_ORIGINS=${CORS_ORIGINS-http://localhost:5173}
	export POOL_SIZE=${POOL_SIZE:-2}
	export LOCAL_PG=${LOCAL_PG:-1}
	local p
	for p in PORT INTERNAL_PORT PG_PORT; do
		if ! [[ ${!p} =~ ^[0-9]+$ ]] || ((${!p} < 1 || ${!p} > 65535)); then
			die "$p='${!p}' is not a port"
		fi
	done
	[[ $PORT != "$INTERNAL_PORT" ]] || die "PORT and INTERNAL_PORT must differ"
	[[ $POOL_SIZE =~ ^[1-9][0-9]?$ ]] || die "POOL_SIZE='$POOL_SIZE' must be 1..99"
	load_gateway_config
	SERVICES=$(present_services | tr '\n' ' ')
	export SERVICES=${SERVICES% }
	SOCK_DIR=$(sock_dir)
	# Internal calls go straight to the pools' sockets (common/fcgic.h);
	# set INTERNAL_FCGI_DIR= (empty) to send them through the gateway.
	export INTERNAL_FCGI_DIR=${INTERNAL_FCGI_DIR-$SOCK_DIR}
	# The wallet's settlement job writes its bank files here.
	export WALLET_SETTLEMENT_DIR=${WALLET_SETTLEMENT_DIR:-$VAR/settlements}
	# The relay's heartbeat (workers/README.md): the relay writes it, the
	# health pool reads it.  No relay deployed: no heartbeat, and GET
	# /health reports the relay "unknown".
	if [[ " ${WORKER_PROGRAMS[*]} " == *" relay "* && -x $BIN_DIR/relay ]]; then
		export RELAY_HEARTBEAT_FILE=${RELAY_HEARTBEAT_FILE:-$RUN/relay.heartbeat}
	else
		unset RELAY_HEARTBEAT_FILE
	fi
	# The sender's (workers/README.md), the same way; its log channel
	# (a channel with no provider configured) writes here.
	if [[ " ${WORKER_PROGRAMS[*]} " == *" sender "* ]] && worker_wanted sender; then
		export SENDER_HEARTBEAT_FILE=${SENDER_HEARTBEAT_FILE:-$RUN/sender.heartbeat}
	else
		unset SENDER_HEARTBEAT_FILE
	fi
	export NOTIFY_LOG_FILE=${NOTIFY_LOG_FILE:-$LOG/notifications.log}
}

# load_gateway_config: nginx's settings (nginx/README.md), defaults and
# checks; BODY_MAX in bytes.
load_gateway_config() {
	local p bm=${BODY_MAX:-1m}
	# BODY_MAX: bytes, or with a k/m suffix; the programs get bytes.
	[[ $bm =~ ^([0-9]+)([kKmM]?)$ ]] || die "BODY_MAX='$bm' must be bytes or <n>k / <n>m"
	case ${BASH_REMATCH[2]} in
	k | K) bm=$((BASH_REMATCH[1] * 1024)) ;;
	m | M) bm=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
	*) bm=${BASH_REMATCH[1]} ;;
	esac
	export BODY_MAX=$bm
	export AUTH_RATE=${AUTH_RATE:-5r/s} AUTH_BURST=${AUTH_BURST:-10}
	export WEBHOOK_RATE=${WEBHOOK_RATE:-50r/s} WEBHOOK_BURST=${WEBHOOK_BURST:-100}
	for p in AUTH_RATE WEBHOOK_RATE; do
		[[ ${!p} =~ ^[1-9][0-9]*r/[sm]$ ]] || die "$p='${!p}' must look like 5r/s or 30r/m"
	done
	for p in AUTH_BURST WEBHOOK_BURST; do
		[[ ${!p} =~ ^[0-9]+$ ]] || die "$p='${!p}' must be a number"
	done
	export NGINX_WORKERS=${NGINX_WORKERS:-auto} NGINX_CONNECTIONS=${NGINX_CONNECTIONS:-1024}
	[[ $NGINX_WORKERS =~ ^(auto|[1-9][0-9]*)$ ]] || die "NGINX_WORKERS='$NGINX_WORKERS'"
	[[ $NGINX_CONNECTIONS =~ ^[1-9][0-9]*$ ]] || die "NGINX_CONNECTIONS='$NGINX_CONNECTIONS'"
	local re='^[][A-Za-z0-9.:_-]+$'
	[[ $LISTEN_ADDR =~ $re ]] || die "LISTEN_ADDR='$LISTEN_ADDR' is not an address"
}
