# shellcheck shell=bash
# Helpers shared by scripts/stack.sh and scripts/test.sh (sourced, not run).
# Nothing here finds a process by name: every process is known by its pid.

# lib_env_load FILE: export every KEY=VALUE line of FILE, except that a
# variable already set (non-empty) in the environment wins over the file.
# The file is parsed, never executed: no expansion, no command substitution.
# Blank lines and lines starting with # are skipped; "export " and one pair
# of surrounding quotes are allowed.
lib_env_load() {
	local file=$1 line key val
	[[ -r $file ]] || return 0
	while IFS= read -r line || [[ -n $line ]]; do
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
		key=${BASH_REMATCH[2]}
		val=${BASH_REMATCH[3]}
		if [[ $val =~ ^\"(.*)\"$ || $val =~ ^\'(.*)\'$ ]]; then
			val=${BASH_REMATCH[1]}
		fi
		case $key in
		UID | EUID | PPID | BASH* | SHELLOPTS | GROUPS | HOSTNAME) continue ;;
		esac
		[[ -n ${!key-} ]] && continue
		export "$key=$val"
	done <"$file"
}

# lib_env_keys FILE: the keys FILE defines, one per line.
lib_env_keys() {
	[[ -r $1 ]] || return 0
	sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=.*/\2/p' "$1"
}

# lib_pid_alive PID: true when PID is a live process (a zombie is not alive).
lib_pid_alive() {
	local pid=$1 stat
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	kill -0 "$pid" 2>/dev/null || return 1
	stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat:0:1} != Z && ${stat:0:1} != X ]]
}

# lib_pid_is PID NAME: true when PID runs the program NAME (by the basename
# of its executable or of its argv[0]); guards against a stale pid file
# whose pid was reused by an unrelated process.
lib_pid_is() {
	local pid=$1 name=$2 exe argv0
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || exe=
	exe=${exe% (deleted)}
	[[ -n $exe && ${exe##*/} == "$name" ]] && return 0
	argv0=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | head -n 1) || argv0=
	argv0=${argv0%% *}
	[[ -n $argv0 && ${argv0##*/} == "$name" ]]
}

# lib_pid_read FILE: the pids in a pid file (spawn-fcgi writes them without a
# trailing newline), one per line; fails when there is none.
lib_pid_read() {
	local f=$1 content p found=1
	[[ -r $f ]] || return 1
	content=$(<"$f")
	for p in $content; do
		[[ $p =~ ^[0-9]+$ ]] || continue
		printf '%s\n' "$p"
		found=0
	done
	return $found
}

# lib_proc_tree PID: PID and all its descendants, found through
# /proc/<pid>/task/<tid>/children (never by name).
lib_proc_tree() {
	local pid=$1 t c
	lib_pid_alive "$pid" || return 0
	printf '%s\n' "$pid"
	for t in /proc/"$pid"/task/*/children; do
		[[ -r $t ]] || continue
		for c in $(<"$t"); do
			lib_proc_tree "$c"
		done
	done
}

# lib_port_free PORT: true when nothing listens on TCP PORT.
lib_port_free() {
	local port=$1
	if command -v ss >/dev/null 2>&1; then
		[[ -z $(ss -Htln "sport = :$port" 2>/dev/null) ]] || return 1
	fi
	# Fallback (and double check): a connect on loopback succeeds when taken.
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		return 1
	fi
	return 0
}

# lib_pick_port [EXCLUDED...]: a free TCP port not in EXCLUDED, taken from
# 10000 up to the kernel's ephemeral range (which starts at 32768 by
# default): a port inside that range can be taken by any outgoing
# connection between the pick and the bind.
lib_pick_port() {
	local p i x taken low=32768 high
	read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	((low > 11000)) || low=32768
	for ((i = 0; i < 200; i++)); do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
		taken=0
		for x in "$@"; do [[ $x == "$p" ]] && taken=1; done
		((taken)) && continue
		lib_port_free "$p" && { printf '%s\n' "$p"; return 0; }
	done
	return 1
}

# ---- the Razorpay stand-in (t/razorpay/), for scripts/test.sh and bench/run.sh ----

# lib_stub_conf VAR: the nginx server block for RAZORPAY_STUB_PORT (before the stack
# starts, so nginx comes up with it).
lib_stub_conf() {
	local conf=$1/razorpay-stub.nginx.conf
	: >"$conf"
	lib_stub_server "$1" razorpay-stub "$RAZORPAY_STUB_PORT" "$conf" \
		'{"error":{"code":"SERVER_ERROR","description":"razorpay-stub is not running","source":"NA","step":"NA","reason":"NA","metadata":{}}}'
	export NGINX_EXTRA_HTTP=$conf
}

# lib_stub_server VAR NAME PORT CONF DOWN_BODY [TIMEOUT]: append to CONF the server
# block for the stand-in pool NAME: 127.0.0.1:PORT, every path to the socket
# VAR/run/NAME.sock (waiting TIMEOUT for an answer, nginx's 60s by default), and a
# 503 with DOWN_BODY (JSON in the provider's shape) when the pool is down.
lib_stub_server() {
	local var=$1 name=$2 port=$3 conf=$4 down=$5 timeout=${6:-60s}
	cat >>"$conf" <<-EOF
		# Written by scripts/lib.sh (tests, bench): the stand-in $name (t/README.md).
		server {
		    listen 127.0.0.1:$port;
		    server_name _;
		    set \$gw_internal 0;
		    fastcgi_read_timeout $timeout;
		    error_page 502 503 504 =503 @stub_down;
		    location / {
		        fastcgi_pass unix:$var/run/$name.sock;
		    }
		    location @stub_down {
		        return 503 '$down';
		    }
		}
	EOF
}

# lib_stub_start VAR POOL_SIZE: spawn the pool (the stack's .env is loaded by then) and wait
# until it answers through nginx.
lib_stub_start() {
	lib_fcgi_stub_start "$1" razorpay-stub "$RAZORPAY_STUB_PORT" "${2:-4}" "the Razorpay stand-in"
}

# lib_fcgi_stub_start VAR NAME PORT POOL_SIZE WHAT: spawn the stand-in pool
# $BIN_DIR/NAME (socket and pid file VAR/run/NAME.{sock,pid}, log
# VAR/log/NAME.log) and wait until GET /_stub/health answers 200 through
# nginx on 127.0.0.1:PORT.
lib_fcgi_stub_start() {
	local var=$1 name=$2 port=$3 run=$1/run i code
	rm -f "$run/$name.sock"
	printf 'starting %s on 127.0.0.1:%s\n' "$5" "$port"
	SERVICE_NAME=$name POOL_SIZE=${4:-4} \
		LOG_FILE=$var/log/$name.log \
		spawn-fcgi -s "$run/$name.sock" -M 0600 -P "$run/$name.pid" \
		-- "$BIN_DIR/$name" </dev/null >>"$var/log/spawn-fcgi.log" 2>&1 || return 1
	for ((i = 0; i < 40; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 \
			"http://127.0.0.1:$port/_stub/health" 2>/dev/null) || code=000
		[[ $code == 200 ]] && return 0
		sleep 0.25
	done
	return 1
}

# lib_stub_stop VAR: stop the Razorpay stand-in (lib_prog_stop).
lib_stub_stop() {
	lib_prog_stop "$1" razorpay-stub
}

# lib_prog_stop VAR NAME: SIGTERM the program NAME by the pid in
# VAR/run/NAME.pid (only if that pid still runs NAME), then SIGKILL what is
# left of its tree after 5 s; removes the pid file and VAR/run/NAME.sock.
lib_prog_stop() {
	local var=$1 name=$2 pidf=$1/run/$2.pid pid p tree=() left=0 i
	pid=$(lib_pid_read "$pidf" | head -n 1) || return 0
	if lib_pid_alive "$pid" && lib_pid_is "$pid" "$name"; then
		mapfile -t tree < <(lib_proc_tree "$pid")
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			left=0
			for p in "${tree[@]}"; do lib_pid_alive "$p" && left=1; done
			((left)) || break
			sleep 0.1
		done
		for p in "${tree[@]}"; do
			lib_pid_alive "$p" && kill -KILL "$p" 2>/dev/null
		done
	fi
	rm -f "$pidf" "$var/run/$name.sock"
}

# lib_rand_hex N: 2N random hex digits.
lib_rand_hex() {
	od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# ---- the notification stand-ins (t/smtp/, t/notify-stub/), for scripts/test.sh ----

# lib_smtp_stub_env VAR EXCLUDED_PORTS...: pick SMTP_STUB_PORT and export
# what the tests (SMTP_STUB_PORT, SMTP_STUB_DIR) and the stack's sender
# (SMTP_URL, SMTP_USER, SMTP_PASSWORD, SMTP_FROM) read.
lib_smtp_stub_env() {
	local var=$1
	shift
	SMTP_STUB_PORT=$(lib_pick_port "$@") || return 1
	export SMTP_STUB_PORT SMTP_STUB_DIR=$var/smtp
	SMTP_PASSWORD=$(lib_rand_hex 12)
	export SMTP_URL=smtp://127.0.0.1:$SMTP_STUB_PORT SMTP_USER=stub-mailer SMTP_PASSWORD
	export SMTP_FROM="Shop <no-reply@shop.example>"
}

# lib_smtp_stub_start VAR: $BIN_DIR/smtp-stub on SMTP_STUB_PORT, messages
# in SMTP_STUB_DIR, log VAR/log/smtp-stub.log, pid in VAR/run/smtp-stub.pid
# (so stack.sh stop stops it too); waits for its 220 greeting.
lib_smtp_stub_start() {
	local var=$1 i line
	mkdir -p "$var/run" "$var/log" "$SMTP_STUB_DIR"
	printf 'starting the SMTP stand-in on 127.0.0.1:%s\n' "$SMTP_STUB_PORT"
	"$BIN_DIR/smtp-stub" --port "$SMTP_STUB_PORT" --dir "$SMTP_STUB_DIR" \
		--user "$SMTP_USER" --password "$SMTP_PASSWORD" \
		</dev/null >>"$var/log/smtp-stub.log" 2>&1 &
	printf '%s\n' "$!" >"$var/run/smtp-stub.pid"
	for ((i = 0; i < 50; i++)); do
		line=$( {
			exec 3<>"/dev/tcp/127.0.0.1/$SMTP_STUB_PORT" || exit 0
			read -r -t 2 l <&3 || true
			printf 'QUIT\r\n' >&3 || true
			printf '%s' "${l:-}"
		} 2>/dev/null) || line=
		[[ $line == 220* ]] && return 0
		sleep 0.1
	done
	return 1
}

# lib_notify_stub_env EXCLUDED_PORTS...: pick NOTIFY_STUB_PORT and export
# what the stand-in and the stack's sender read: TWILIO_API_BASE,
# TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, WHATSAPP_API_BASE,
# WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_TOKEN (random per run).
lib_notify_stub_env() {
	NOTIFY_STUB_PORT=$(lib_pick_port "$@") || return 1
	TWILIO_ACCOUNT_SID=AC$(lib_rand_hex 16)
	TWILIO_AUTH_TOKEN=$(lib_rand_hex 16)
	WHATSAPP_PHONE_NUMBER_ID=$(printf '1%05d%05d%04d' $((RANDOM % 100000)) $((RANDOM % 100000)) \
		$((RANDOM % 10000)))
	WHATSAPP_TOKEN=EAAG$(lib_rand_hex 24)
	export NOTIFY_STUB_PORT TWILIO_ACCOUNT_SID TWILIO_AUTH_TOKEN WHATSAPP_PHONE_NUMBER_ID \
		WHATSAPP_TOKEN TWILIO_FROM=+15005550006
	export TWILIO_API_BASE=http://127.0.0.1:$NOTIFY_STUB_PORT/2010-04-01
	export WHATSAPP_API_BASE=http://127.0.0.1:$NOTIFY_STUB_PORT/v19.0
}

# lib_notify_stub_conf VAR: its nginx server block on NOTIFY_STUB_PORT,
# added to the file NGINX_EXTRA_HTTP names (the Razorpay stand-in's) or to
# VAR/stubs.nginx.conf; before the stack starts.  nginx waits 130 s for an
# answer (a hanging call: NS_HANG_MAX is 120 s).
lib_notify_stub_conf() {
	local conf=${NGINX_EXTRA_HTTP:-$1/stubs.nginx.conf}
	lib_stub_server "$1" notify-stub "$NOTIFY_STUB_PORT" "$conf" \
		'{"code":20503,"message":"notify-stub is not running","status":503}' 130s
	export NGINX_EXTRA_HTTP=$conf
}
