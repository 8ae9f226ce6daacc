#!/usr/bin/env bash
# The local stack: nginx gateway -> one spawn-fcgi pool per service ->
# a project-local PostgreSQL cluster.  Called by the Makefile:
#
#   stack.sh deps                  install missing Debian packages (apt)
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
# Settings: environment variables win over .env (see load_config below and
# nginx/README.md).
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$REPO/scripts/lib.sh"

# Every service, in order; a service is present when its program is built.
ALL_SERVICES=(auth product pricing order payment wallet share-link notification)
# Background daemons from workers/, started when built.
read -ra WORKER_PROGRAMS <<<"${WORKER_PROGRAMS:-relay sender}"
DEPS_PACKAGES=(build-essential libfcgi-dev spawn-fcgi nginx postgresql postgresql-client
	libpq-dev libjson-c-dev libjwt-dev libssl-dev libcurl4-openssl-dev libcunit1-dev curl wrk)

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: warning: %s\n' "$*" >&2; }
die() {
	printf 'stack: error: %s\n' "$*" >&2
	exit 1
}

# ---------------------------------------------------------------- paths

BIN_DIR=${BIN_DIR:-$REPO/build/release/bin}
case $BIN_DIR in /*) ;; *) BIN_DIR=$PWD/$BIN_DIR ;; esac
VAR=${VAR_DIR:-$REPO/var}
case $VAR in /*) ;; *) VAR=$PWD/$VAR ;; esac
VAR=${VAR%/}
RUN=$VAR/run
LOG=$VAR/log
PGROOT=$VAR/pg
PGDATA=$PGROOT/data
ENV_FILE=${ENV_FILE:-$REPO/.env}
case $ENV_FILE in /*) ;; *) ENV_FILE=$PWD/$ENV_FILE ;; esac
NGINX_CONF=$VAR/nginx.conf
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [[ ! -x $PG_BIN/initdb ]]; then
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && PG_BIN=$d; done
fi
STOP_TIMEOUT=${STOP_TIMEOUT:-5}
# Debian puts nginx in /usr/sbin, which is not on a normal user's PATH.
NGINX=${NGINX:-$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)}

if ((EUID == 0)); then
	PG_OS_USER=${PG_OS_USER:-postgres}
else
	PG_OS_USER=$(id -un)
fi
PG_SUPERUSER=$PG_OS_USER

[[ $VAR =~ ^[A-Za-z0-9/._+-]+$ ]] ||
	die "VAR_DIR '$VAR' must contain only letters, digits and / . _ + -"

mkdirs() {
	mkdir -p "$VAR" "$RUN" "$LOG" "$VAR/tmp/nginx"
	# postgres (as root: another user) must be able to traverse VAR.
	chmod o+x "$VAR" 2>/dev/null || true
}

svc_upper() { local s=${1^^}; printf '%s' "${s//-/_}"; }
svc_ident() { printf '%s' "${1//-/_}"; }

present_services() {
	local s
	for s in "${ALL_SERVICES[@]}"; do
		[[ -x $BIN_DIR/$s ]] && printf '%s\n' "$s"
	done
	return 0
}

# ---------------------------------------------------------------- deps

cmd_deps() {
	command -v dpkg-query >/dev/null 2>&1 || {
		warn "not a Debian system: install by hand: ${DEPS_PACKAGES[*]}"
		return 0
	}
	local missing=() p status
	for p in "${DEPS_PACKAGES[@]}"; do
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
		command -v sudo >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no sudo: install them as root"
		sudo=(sudo)
	fi
	say "installing: ${missing[*]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# ---------------------------------------------------------------- configuration

rand_hex() { # rand_hex BYTES
	openssl rand -hex "$1" 2>/dev/null || od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# ensure_env: create ENV_FILE (0600) on first run, and append any key a newer
# version of this script needs that the file lacks.  Never rewrites a value.
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
	for s in "${ALL_SERVICES[@]}"; do
		up=$(svc_upper "$s")
		id=$(svc_ident "$s")
		has "${up}_DATABASE_URL" && continue
		pw=$(rand_hex 24)
		add+=("${up}_DATABASE_URL=postgresql://${id}_svc:${pw}@127.0.0.1:${pg_port}/${id}_db")
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
	# BODY_MAX: bytes, or with a k/m suffix; the programs get bytes.
	local bm=${BODY_MAX:-1m}
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
}

# Unix socket paths are limited to 107 bytes: when VAR is deep, the sockets
# go to a short directory under /tmp, remembered in $RUN.
short_dir() { # short_dir NAME RECORD-FILE LONGEST-SUFFIX-LENGTH PREFERRED
	local name=$1 rec=$2 suffix=$3 pref=$4 d
	if ((${#pref} + suffix <= 100)); then
		printf '%s' "$pref"
		return
	fi
	if [[ -f $rec ]] && d=$(<"$rec") && [[ -d $d ]]; then
		printf '%s' "$d"
		return
	fi
	mkdir -p "$RUN"
	d=$(mktemp -d "/tmp/rsb-$name.XXXXXX")
	printf '%s' "$d" >"$rec"
	printf '%s' "$d"
}
sock_dir() { short_dir fcgi "$RUN/sockdir" 20 "$RUN"; }

# ---------------------------------------------------------------- PostgreSQL

pg_as() { # run a PostgreSQL program as the cluster's OS user, clean environment
	local envv=(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 LC_ALL=C.UTF-8 "TZ=${TZ:-UTC}")
	if ((EUID == 0)); then
		(cd / && runuser -u "$PG_OS_USER" -- "${envv[@]}" "$@")
	else
		(cd / && "${envv[@]}" "$@")
	fi
}

pg_sock_dir() {
	local d
	d=$(short_dir pg "$RUN/pg-sockdir" 20 "$PGROOT/sock")
	if [[ ! -d $d ]]; then
		mkdir -p "$d"
	fi
	((EUID == 0)) && chown "$PG_OS_USER": "$d"
	chmod 700 "$d"
	printf '%s' "$d"
}

# As root, every directory above the cluster must be enterable by postgres.
pg_check_traversable() {
	((EUID == 0)) || return 0
	getent passwd "$PG_OS_USER" >/dev/null || die "no '$PG_OS_USER' system user (install the postgresql package)"
	local p="" part
	local -a parts
	IFS=/ read -ra parts <<<"${PGROOT#/}"
	for part in "${parts[@]}"; do
		[[ -n $part ]] || continue
		p=$p/$part
		[[ -d $p ]] || break
		if ! (cd / && runuser -u "$PG_OS_USER" -- test -x "$p"); then
			die "PostgreSQL runs as the '$PG_OS_USER' user, which cannot enter $p ($(stat -c '%A %U:%G' "$p")); use a VAR_DIR under a world-traversable directory (e.g. VAR_DIR=/srv/reseller) or chmod o+x $p"
		fi
	done
}

pg_running() {
	[[ -f $PGDATA/PG_VERSION ]] || return 1
	pg_as "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

pg_init() {
	[[ -x $PG_BIN/initdb ]] || die "PostgreSQL server binaries not found in $PG_BIN (make deps)"
	mkdirs
	mkdir -p "$PGROOT"
	if ((EUID == 0)); then
		chown "$PG_OS_USER": "$PGROOT"
		chmod 700 "$PGROOT"
	fi
	pg_check_traversable
	[[ -f $PGDATA/PG_VERSION ]] && return 0
	say "creating the database cluster in $PGDATA"
	pg_as "$PG_BIN/initdb" -D "$PGDATA" -U "$PG_SUPERUSER" --auth-local=peer \
		--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$LOG/initdb.log" 2>&1 ||
		{
			cat "$LOG/initdb.log" >&2
			die "initdb failed"
		}
	# Per-start settings (port, socket) go to stack.conf, rewritten at each start.
	pg_as sh -c "printf '%s\n' \"include_if_exists = 'stack.conf'\" >> '$PGDATA/postgresql.conf'"
}

pg_write_conf() {
	local sock=$1 tmp
	tmp=$(mktemp)
	cat >"$tmp" <<-EOF
		# Written by scripts/stack.sh at each start.
		port = $PG_PORT
		listen_addresses = '127.0.0.1'
		unix_socket_directories = '$sock'
		password_encryption = 'scram-sha-256'
		max_connections = ${PG_MAX_CONNECTIONS:-200}
		shared_buffers = '${PG_SHARED_BUFFERS:-128MB}'
		log_line_prefix = '%m [%p] %q%u@%d '
		log_min_duration_statement = ${PG_LOG_MIN_DURATION:--1}
		fsync = ${PG_FSYNC:-on}
		synchronous_commit = ${PG_SYNCHRONOUS_COMMIT:-on}
		full_page_writes = ${PG_FSYNC:-on}
	EOF
	chmod 644 "$tmp"
	pg_as sh -c "cat > '$PGDATA/stack.conf'" <"$tmp"
	rm -f "$tmp"
}

pg_start() {
	pg_init
	local sock running_port
	sock=$(pg_sock_dir)
	if pg_running; then
		running_port=$(sed -n 4p "$PGDATA/postmaster.pid" 2>/dev/null || true)
		[[ $running_port == "$PG_PORT" ]] && return 0
		say "cluster runs on port $running_port, restarting it on $PG_PORT"
		pg_stop
	fi
	lib_port_free "$PG_PORT" || die "PG_PORT $PG_PORT is taken by another program (set PG_PORT)"
	pg_write_conf "$sock"
	touch "$LOG/postgres.log"
	((EUID == 0)) && chown "$PG_OS_USER": "$LOG/postgres.log"
	say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
	# glibc hands memory back to the kernel whenever 128 KB at the top of
	# the heap are free, and a backend frees its executor's memory after
	# every statement: under the order bench, brk and the page faults that
	# follow it were a fifth of the order backends' CPU.  A backend keeps up
	# to 16 MB of freed heap, and blocks under 4 MB come from the heap.
	local tunables=${PG_GLIBC_TUNABLES-glibc.malloc.trim_threshold=16777216:glibc.malloc.mmap_threshold=4194304}
	if ! pg_as env "GLIBC_TUNABLES=$tunables" "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOG/postgres.log" -w -t 60 -s start; then
		tail -n 30 "$LOG/postgres.log" >&2 || true
		die "PostgreSQL did not start (log: $LOG/postgres.log)"
	fi
}

pg_stop() {
	pg_running || return 0
	say "stopping PostgreSQL"
	pg_as "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 -s stop
}

pg_admin_psql() { # SQL on stdin, as the superuser through the unix socket
	local sock
	sock=$(pg_sock_dir)
	pg_as "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$PG_PORT" \
		-U "$PG_SUPERUSER" -d postgres
}

pct_decode() { # URL percent-decoding
	local s=${1//+/%2B}
	printf '%b' "${s//%/\\x}"
}

# url_parse URL: sets U_USER U_PASS U_HOST U_PORT U_DB U_NOPASS (URL without
# the password); fails when URL is not a postgres URL with a user.
url_parse() {
	local url=$1 re='^(postgres(ql)?://)([^:@/?]+)(:([^@/?]*))?@(\[[^]]+\]|[^:/?]+)(:([0-9]+))?(/([^?]*))?(\?.*)?$'
	[[ $url =~ $re ]] || return 1
	U_USER=$(pct_decode "${BASH_REMATCH[3]}")
	U_PASS=$(pct_decode "${BASH_REMATCH[5]}")
	U_HOST=${BASH_REMATCH[6]}
	U_PORT=${BASH_REMATCH[8]:-5432}
	U_DB=$(pct_decode "${BASH_REMATCH[10]}")
	U_DB=${U_DB:-$U_USER}
	U_NOPASS="${BASH_REMATCH[1]}${BASH_REMATCH[3]}@${BASH_REMATCH[6]}${BASH_REMATCH[7]}${BASH_REMATCH[9]}${BASH_REMATCH[11]}"
}

sql_lit() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }

# pg_provision: for each service whose URL points at the local cluster, its
# role (password from the URL, kept in sync), its database owned by it, and
# no access for anyone else.
pg_provision() {
	local s up var url sql="" n=0
	for s in "${ALL_SERVICES[@]}"; do
		up=$(svc_upper "$s")
		var=${up}_DATABASE_URL
		url=${!var-}
		[[ -n $url ]] || die "$var is not set"
		url_parse "$url" || die "$var is not a postgresql:// URL with a user"
		case $U_HOST in 127.0.0.1 | localhost | "[::1]") ;; *) continue ;; esac
		[[ $U_PORT == "$PG_PORT" ]] || continue
		[[ $U_USER =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "$var: role name '$U_USER' must match [a-z_][a-z0-9_]*"
		[[ $U_DB =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "$var: database name '$U_DB' must match [a-z_][a-z0-9_]*"
		[[ -n $U_PASS ]] || die "$var has no password"
		sql+="SELECT 'CREATE ROLE \"$U_USER\"' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$U_USER')
\\gexec
ALTER ROLE \"$U_USER\" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD $(sql_lit "$U_PASS");
SELECT 'CREATE DATABASE \"$U_DB\" OWNER \"$U_USER\" ENCODING ''UTF8'' TEMPLATE template0' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$U_DB')
\\gexec
ALTER DATABASE \"$U_DB\" OWNER TO \"$U_USER\";
REVOKE ALL ON DATABASE \"$U_DB\" FROM PUBLIC;
\\connect \"$U_DB\"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT ALL ON SCHEMA public TO \"$U_USER\";
\\connect postgres
"
		n=$((n + 1))
	done
	((n > 0)) || return 0
	# The maintenance databases are for the superuser only.
	sql+="REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC;
REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC;
"
	printf 'SET client_min_messages = warning;\n%s' "$sql" | pg_admin_psql >/dev/null ||
		die "could not create the service roles and databases"
}

# ---------------------------------------------------------------- migrations

svc_psql() { # svc_psql SVC psql-args...: as the service's own role, by its URL
	local s=$1 var
	shift
	var=$(svc_upper "$s")_DATABASE_URL
	url_parse "${!var}" || die "$var is not a postgresql:// URL"
	local psql=psql
	[[ -x $PG_BIN/psql ]] && psql=$PG_BIN/psql
	if [[ -n $U_PASS ]]; then
		PGPASSWORD=$U_PASS PGCONNECT_TIMEOUT=10 "$psql" -X -q -v ON_ERROR_STOP=1 -d "$U_NOPASS" "$@"
	else
		PGCONNECT_TIMEOUT=10 "$psql" -X -q -v ON_ERROR_STOP=1 -d "$U_NOPASS" "$@"
	fi
}

migrate_service() {
	local s=$1 dir applied f name count=0
	svc_psql "$s" -c "SET client_min_messages = warning" -c "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())" ||
		die "$s: cannot reach its database"
	applied=$(svc_psql "$s" -At -c "SELECT name FROM schema_migrations") || die "$s: cannot read schema_migrations"
	for dir in common "$s"; do
		[[ -d $REPO/sql/$dir ]] || continue
		while IFS= read -r f; do
			[[ -n $f ]] || continue
			name=$dir/$f
			[[ $name =~ ^[A-Za-z0-9._/-]+$ ]] || die "bad migration file name: sql/$name"
			grep -qxF -- "$name" <<<"$applied" && continue
			say "$s: applying $name"
			svc_psql "$s" -1 -c "SET client_min_messages = warning" -f "$REPO/sql/$name" \
				-c "INSERT INTO schema_migrations (name) VALUES ('$name')" ||
				die "$s: migration $name failed (nothing of it was applied)"
			count=$((count + 1))
		done < <(cd "$REPO/sql/$dir" && find . -maxdepth 1 -type f -name '*.sql' -printf '%f\n' | LC_ALL=C sort)
	done
	((count == 0)) || say "$s: $count migration(s) applied"
}

cmd_migrate_all() {
	local s any=0
	for s in $SERVICES; do
		migrate_service "$s"
		any=1
	done
	((any)) || warn "no service is built in $BIN_DIR: nothing to migrate"
}

# ---------------------------------------------------------------- nginx

# subst TEXT KEY VALUE...: replace each @KEY@ by VALUE.
subst() {
	local text=$1
	shift
	while (($# >= 2)); do
		text=${text//@$1@/$2}
		shift 2
	done
	printf '%s' "$text"
}

# nginx_location SVC MATCH HANDLER [LIMIT]
nginx_location() {
	subst "$(<"$REPO/nginx/service.conf.in")" SVC "$1" MATCH "$2" HANDLER "$3" LIMIT "${4:-}"
	printf '\n'
}

# nginx_handler SVC: how a location reaches SVC (its pool, or a JSON 503).
nginx_handler() {
	if [[ -x $BIN_DIR/$1 ]]; then
		printf 'fastcgi_pass unix:%s/%s.sock;' "$SOCK_DIR" "$1"
	else
		printf "return 503 '{\"statusCode\":503,\"message\":\"%s service is not available\",\"error\":\"Service Unavailable\"}';" "$1"
	fi
}

svc_match() { # the location regex of a service's public prefix
	case $1 in
	product) printf '~ ^/(?:products|categories)(?:/|$)' ;;
	pricing) printf '~ ^/pricing(?:/|$)' ;;
	auth) printf '~ ^/auth(?:/|$)' ;;
	*) printf '~ ^/%ss(?:/|$)' "$1" ;;
	esac
}

gen_nginx_conf() {
	local out=$1 s pub="" int="" cors="" o origins limit user="" hsts="" listen errors
	local re='^[A-Za-z][A-Za-z0-9+.-]*://[][A-Za-z0-9.:_-]+$'
	# CORS origins: comma-separated, '*' allows any origin.
	cors='        default "";'
	IFS=, read -ra origins <<<"$CORS_ORIGINS"
	for o in "${origins[@]}"; do
		o=${o//[[:space:]]/}
		o=${o%/}
		[[ -n $o ]] || continue
		if [[ $o == '*' ]]; then
			# shellcheck disable=SC2016 # an nginx variable
			cors='        default $http_origin;'
			break
		fi
		[[ $o =~ $re ]] ||
			die "CORS_ORIGINS: '$o' is not an origin like https://shop.example.com"
		cors+=$'\n'"        \"$o\" \$http_origin;"
	done
	# Public: the rate-limited endpoints first (regexes match in order).
	limit="            limit_req zone=auth burst=$AUTH_BURST nodelay;"$'\n'
	pub+=$(nginx_location auth '~* ^/auth/(?:login|register)/?$' "$(nginx_handler auth)" "$limit")$'\n'
	limit="            limit_req zone=webhook burst=$WEBHOOK_BURST nodelay;"$'\n'
	pub+=$(nginx_location payment '~* ^/payments/webhook/?$' "$(nginx_handler payment)" "$limit")$'\n'
	pub+=$(nginx_location wallet '~* ^/wallets/webhook/razorpayx/?$' "$(nginx_handler wallet)" "$limit")$'\n'
	pub+=$(nginx_location health '= /health' "$(nginx_handler health)")$'\n'
	int+=$(nginx_location health '= /health' "$(nginx_handler health)")$'\n'
	# The gateway's admin endpoints (dead events) live in the health program.
	pub+=$(nginx_location health '^~ /admin/' "$(nginx_handler health)")$'\n'
	for s in "${ALL_SERVICES[@]}"; do
		pub+=$(nginx_location "$s" "$(svc_match "$s")" "$(nginx_handler "$s")")$'\n'
		int+=$(nginx_location "$s" "~ ^/internal/$s(?:/|\$)" "$(nginx_handler "$s")")$'\n'
		int+=$(nginx_location "$s" "$(svc_match "$s")" "$(nginx_handler "$s")")$'\n'
	done
	((EUID == 0)) && user="user root root;"
	[[ ${HSTS:-0} == 1 ]] && hsts='    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
	# NGINX_EXTRA_PUBLIC (opt-in, e.g. bench/run.sh): a file of extra
	# locations included in the public server.
	local extra=""
	if [[ -n ${NGINX_EXTRA_PUBLIC:-} ]]; then
		[[ $NGINX_EXTRA_PUBLIC =~ ^/[A-Za-z0-9/._+-]+$ ]] ||
			die "NGINX_EXTRA_PUBLIC='$NGINX_EXTRA_PUBLIC' must be an absolute path of letters, digits and / . _ + -"
		[[ -f $NGINX_EXTRA_PUBLIC && -r $NGINX_EXTRA_PUBLIC ]] ||
			die "NGINX_EXTRA_PUBLIC: cannot read $NGINX_EXTRA_PUBLIC"
		extra="        # NGINX_EXTRA_PUBLIC"$'\n'"        include $NGINX_EXTRA_PUBLIC;"$'\n'
	fi
	# NGINX_EXTRA_HTTP (opt-in, e.g. scripts/test.sh for the Razorpay
	# stand-in): a file of extra server blocks included in http.
	local extra_http=""
	if [[ -n ${NGINX_EXTRA_HTTP:-} ]]; then
		[[ $NGINX_EXTRA_HTTP =~ ^/[A-Za-z0-9/._+-]+$ ]] ||
			die "NGINX_EXTRA_HTTP='$NGINX_EXTRA_HTTP' must be an absolute path of letters, digits and / . _ + -"
		[[ -f $NGINX_EXTRA_HTTP && -r $NGINX_EXTRA_HTTP ]] ||
			die "NGINX_EXTRA_HTTP: cannot read $NGINX_EXTRA_HTTP"
		extra_http="    # NGINX_EXTRA_HTTP"$'\n'"    include $NGINX_EXTRA_HTTP;"$'\n'
	fi
	listen=$LISTEN_ADDR
	[[ $listen == *:* && $listen != \[* ]] && listen="[$listen]"
	errors=$(subst "$(<"$REPO/nginx/errors.conf.in")" BODY_MAX "$BODY_MAX")
	local text
	text=$(subst "$(<"$REPO/nginx/gateway.conf.in")" \
		PUBLIC_LOCATIONS "$pub" INTERNAL_LOCATIONS "$int" ERROR_LOCATIONS "$errors" \
		CORS_ORIGIN_MAP "$cors" USER_DIRECTIVE "$user" HSTS_HEADER "$hsts" EXTRA_PUBLIC "$extra" EXTRA_HTTP "$extra_http" \
		NGINX_WORKERS "$NGINX_WORKERS" NGINX_CONNECTIONS "$NGINX_CONNECTIONS" \
		VAR "$VAR" RUN "$RUN" LOG "$LOG" BODY_MAX "$BODY_MAX" \
		AUTH_RATE "$AUTH_RATE" WEBHOOK_RATE "$WEBHOOK_RATE" \
		LISTEN "$listen:$PORT" INTERNAL_PORT "$INTERNAL_PORT")
	if [[ $text =~ @[A-Z_]+@ ]]; then
		die "nginx template: placeholder ${BASH_REMATCH[0]} left unreplaced"
	fi
	printf '%s\n' "$text" >"$out"
}

nginx_cmd() { "$NGINX" -p "$VAR/" -e "$LOG/nginx-error.log" -c "$NGINX_CONF"; }

nginx_pid() {
	local pid
	pid=$(lib_pid_read "$RUN/nginx.pid" | head -n 1) || return 1
	lib_pid_alive "$pid" && lib_pid_is "$pid" nginx || return 1
	printf '%s' "$pid"
}

cmd_nginx_conf() {
	mkdirs
	mkdir -p "$VAR"/tmp/nginx/{body,fastcgi,proxy,scgi,uwsgi}
	gen_nginx_conf "$NGINX_CONF.new"
	"$NGINX" -t -q -p "$VAR/" -e "$LOG/nginx-error.log" -c "$NGINX_CONF.new" ||
		die "generated nginx configuration is invalid ($NGINX_CONF.new)"
}

start_nginx() {
	local pid
	cmd_nginx_conf
	if pid=$(nginx_pid); then
		if cmp -s "$NGINX_CONF.new" "$NGINX_CONF"; then
			rm -f "$NGINX_CONF.new"
			say "nginx already running (pid $pid)"
		else
			mv "$NGINX_CONF.new" "$NGINX_CONF"
			say "nginx: configuration changed, reloading (pid $pid)"
			kill -HUP "$pid"
		fi
		return 0
	fi
	mv "$NGINX_CONF.new" "$NGINX_CONF"
	rm -f "$RUN/nginx.pid"
	lib_port_free "$PORT" || die "PORT $PORT is taken by another program (set PORT)"
	lib_port_free "$INTERNAL_PORT" || die "INTERNAL_PORT $INTERNAL_PORT is taken by another program (set INTERNAL_PORT)"
	say "starting nginx on $LISTEN_ADDR:$PORT (internal 127.0.0.1:$INTERNAL_PORT)"
	nginx_cmd </dev/null >>"$LOG/nginx-error.log" 2>&1 || {
		tail -n 20 "$LOG/nginx-error.log" >&2
		die "nginx did not start"
	}
}

# ---------------------------------------------------------------- pools and workers

# running PIDFILE NAME: the live pid of NAME recorded in PIDFILE.
running() {
	local pid
	pid=$(lib_pid_read "$1" | head -n 1) || return 1
	lib_pid_alive "$pid" && lib_pid_is "$pid" "$2" || return 1
	printf '%s' "$pid"
}

# A pool's size: <SVC>_POOL_SIZE, else POOL_SIZE; the services that wait on
# another service inside a request (pricing, order, payment, share-link call through
# the internal listener) get twice POOL_SIZE, since a worker waiting on a
# sub-request uses no CPU but holds its place in the pool.
pool_size() {
	local var def=$POOL_SIZE
	case $1 in pricing | order | payment | share-link) def=$((POOL_SIZE * 2)) ;; esac
	var=$(svc_upper "$1")_POOL_SIZE
	local n=${!var:-$def}
	[[ $n =~ ^[1-9][0-9]?$ ]] || die "$var='$n' must be 1..99"
	printf '%s' "$n"
}

start_pool() {
	local s=$1 prog=$BIN_DIR/$1 pidf=$RUN/$1.pid sock=$SOCK_DIR/$1.sock pid n
	if pid=$(running "$pidf" "$s"); then
		if [[ -z $ENSURING && $prog -nt $pidf ]]; then
			say "$s: the program was rebuilt, restarting the pool"
			stop_pidfile "$pidf" "$s"
		else
			return 0
		fi
	fi
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

start_worker() {
	local w=$1 prog=$BIN_DIR/$1 pidf=$RUN/$1.pid pid
	if pid=$(running "$pidf" "$w"); then
		if [[ -z $ENSURING && $prog -nt $pidf ]]; then
			say "$w: the program was rebuilt, restarting it"
			stop_pidfile "$pidf" "$w"
		else
			return 0
		fi
	fi
	say "starting $w"
	# The program is its own supervisor (common/supervise.h): this pid is
	# the supervisor's, which restarts the daemon in its child.
	SERVICE_NAME=$w LOG_FILE=$LOG/$w.log setsid "$prog" </dev/null >>"$LOG/$w.log" 2>&1 &
	printf '%s' "$!" >"$pidf"
}

# stop_pidfile PIDFILE NAME: SIGTERM each pid of PIDFILE (only if it still
# runs NAME), wait up to STOP_TIMEOUT s for it and all its descendants, then
# SIGKILL what is left.
stop_pidfile() {
	local f=$1 name=$2 pid p tree=() left i
	while IFS= read -r pid; do
		if lib_pid_alive "$pid" && lib_pid_is "$pid" "$name"; then
			mapfile -t -O "${#tree[@]}" tree < <(lib_proc_tree "$pid")
			kill -TERM "$pid" 2>/dev/null || true
		fi
	done < <(lib_pid_read "$f" || true)
	for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
		left=0
		for p in "${tree[@]}"; do lib_pid_alive "$p" && left=1; done
		((left)) || break
		sleep 0.1
	done
	if ((left)); then
		for p in "${tree[@]}"; do
			if lib_pid_alive "$p"; then
				warn "$name: pid $p did not stop in ${STOP_TIMEOUT}s, killing it"
				kill -KILL "$p" 2>/dev/null || true
			fi
		done
	fi
	rm -f "$f"
}

# ---------------------------------------------------------------- commands

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

cmd_run() {
	mkdirs
	ensure_env
	load_config
	# The stack is meant to run from now on (ensure restarts what dies),
	# until stop.
	touch "$RUN/up"
	[[ -n $SERVICES ]] || warn "no service is built in $BIN_DIR"
	if [[ $LOCAL_PG == 1 ]]; then
		pg_start
		pg_provision
	fi
	cmd_migrate_all
	local s w
	for s in $SERVICES; do start_pool "$s"; done
	[[ -x $BIN_DIR/health ]] && start_pool health
	for w in "${WORKER_PROGRAMS[@]}"; do
		[[ -x $BIN_DIR/$w ]] && start_worker "$w"
	done
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
	local pid f name
	rm -f "$RUN/up" # first: a cron ensure must not start what stops now
	if [[ -f $RUN/nginx.pid ]]; then
		if pid=$(nginx_pid); then say "stopping nginx"; fi
		stop_pidfile "$RUN/nginx.pid" nginx
	fi
	for f in "$RUN"/*.pid; do
		[[ -e $f ]] || continue
		name=$(basename "$f" .pid)
		if running "$f" "$name" >/dev/null; then say "stopping $name"; fi
		stop_pidfile "$f" "$name"
	done
	if [[ -d $RUN ]]; then
		rm -f "$RUN"/*.sock "$RUN"/health.json "$RUN"/*.heartbeat
	fi
	if [[ -f $RUN/sockdir ]]; then
		f=$(<"$RUN/sockdir")
		[[ $f == /tmp/rsb-fcgi.* ]] && rm -rf "$f"
		rm -f "$RUN/sockdir"
	fi
	if [[ -f $PGDATA/PG_VERSION ]]; then
		pg_stop
		if [[ -f $RUN/pg-sockdir ]]; then
			f=$(<"$RUN/pg-sockdir")
			[[ $f == /tmp/rsb-pg.* ]] && rm -rf "$f"
			rm -f "$RUN/pg-sockdir"
		fi
	fi
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
	local s w
	if [[ $LOCAL_PG == 1 ]] && ! pg_running; then pg_start; fi
	for s in $SERVICES; do start_pool "$s"; done
	[[ -x $BIN_DIR/health ]] && start_pool health
	for w in "${WORKER_PROGRAMS[@]}"; do
		[[ -x $BIN_DIR/$w ]] && start_worker "$w"
	done
	nginx_pid >/dev/null || start_nginx
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
	# Idle memory without PostgreSQL: PSS of every process we started.
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
	if [[ $LOCAL_PG == 1 ]]; then
		pg_start
		pg_provision
	fi
	migrate_service auth
	# The password goes through the environment, never a command line.
	ADMIN_EMAIL=$email ADMIN_PASSWORD=$password \
		env -u LOG_FILE -u SERVICE_NAME "$BIN_DIR/auth" create-admin
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
deps) cmd_deps ;;
run) cmd_run ;;
stop) cmd_stop ;;
ensure) cmd_ensure ;;
migrate)
	mkdirs
	ensure_env
	load_config
	if [[ $LOCAL_PG == 1 ]]; then
		pg_start
		pg_provision
	fi
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
