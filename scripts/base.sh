# shellcheck shell=bash
# base.sh: what every part of the stack script uses: its messages, the
# stack's directories, and the processes it started, known by their pid
# files.  Sourced by scripts/stack.sh (after lib.sh), not run.

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
ENV_FILE=${ENV_FILE:-$REPO/.env}
case $ENV_FILE in /*) ;; *) ENV_FILE=$PWD/$ENV_FILE ;; esac
STOP_TIMEOUT=${STOP_TIMEOUT:-5}

[[ $VAR =~ ^[A-Za-z0-9/._+-]+$ ]] ||
	die "VAR_DIR '$VAR' must contain only letters, digits and / . _ + -"

mkdirs() {
	mkdir -p "$VAR" "$RUN" "$LOG" "$VAR/tmp/nginx"
	# postgres (as root: another user) must be able to traverse VAR.
	chmod o+x "$VAR" 2>/dev/null || true
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

# ---------------------------------------------------------------- processes

# running PIDFILE NAME: the live pid of NAME recorded in PIDFILE.
running() {
	local pid
	pid=$(lib_pid_read "$1" | head -n 1) || return 1
	lib_pid_alive "$pid" && lib_pid_is "$pid" "$2" || return 1
	printf '%s' "$pid"
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

# still_running PIDFILE NAME WHAT: true when NAME runs (from PIDFILE) and
# is to be left alone; when its program was rebuilt since it started, run
# (not ensure) stops it, saying so ("restarting WHAT"), and it is false.
still_running() {
	local pidf=$1 name=$2 what=$3
	running "$pidf" "$name" >/dev/null || return 1
	if [[ -z $ENSURING && $BIN_DIR/$name -nt $pidf ]]; then
		say "$name: the program was rebuilt, restarting $what"
		stop_pidfile "$pidf" "$name"
		return 1
	fi
	return 0
}

# stop_pidfiles: every program with a pid file in $RUN <name>.pid (the
# pools, the daemons, whatever the tests added), then what they leave
# there: sockets, heartbeats, the short socket directory.
stop_pidfiles() {
	local f name
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
}
