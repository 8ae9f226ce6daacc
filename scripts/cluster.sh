# shellcheck shell=bash
# cluster.sh: PostgreSQL: the local cluster under $VAR/pg (created, started,
# stopped), each service's role and database on it (services.conf), and the
# migrations (sql/common, then sql/<service>) applied as each service's own
# role.  Sourced by scripts/stack.sh, not run.

PGROOT=$VAR/pg
PGDATA=$PGROOT/data
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [[ ! -x $PG_BIN/initdb ]]; then
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && PG_BIN=$d; done
fi
if ((EUID == 0)); then
	PG_OS_USER=${PG_OS_USER:-postgres}
else
	PG_OS_USER=$(id -un)
fi
PG_SUPERUSER=$PG_OS_USER

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

# pg_stop_all: stop the local cluster, if there is one, and remove its short
# socket directory.
pg_stop_all() {
	local d
	[[ -f $PGDATA/PG_VERSION ]] || return 0
	pg_stop
	if [[ -f $RUN/pg-sockdir ]]; then
		d=$(<"$RUN/pg-sockdir")
		[[ $d == /tmp/rsb-pg.* ]] && rm -rf "$d"
		rm -f "$RUN/pg-sockdir"
	fi
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
	for s in "${SVC_NAMES[@]}"; do
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

# pg_ready: with LOCAL_PG=1, the local cluster started with every
# service's role and database.
pg_ready() {
	[[ $LOCAL_PG == 1 ]] || return 0
	pg_start
	pg_provision
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

