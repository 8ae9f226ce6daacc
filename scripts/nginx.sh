# shellcheck shell=bash
# nginx.sh: the gateway: $VAR/nginx.conf generated from nginx/*.conf.in
# (placeholders: nginx/README.md) with a location per prefix and
# rate-limited path of services.conf, checked with nginx -t; nginx started,
# reloaded when the text changes, stopped.  Sourced by scripts/stack.sh, not
# run.

NGINX_CONF=$VAR/nginx.conf
# Debian puts nginx in /usr/sbin, which is not on a normal user's PATH.
NGINX=${NGINX:-$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)}

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


# svc_match SVC: the location regex of a service's public prefixes.
svc_match() {
	local p=${SVC_PREFIXES[$1]}
	if [[ $p == *,* ]]; then
		p=${p//,\//|}
		printf '~ ^/(?:%s)(?:/|$)' "${p#/}"
	else
		printf '~ ^%s(?:/|$)' "$p"
	fi
}

# nginx_service_map: the $gw_service map's line of each service (its
# internal and public prefixes), which names it in a 503.
nginx_service_map() {
	local s p re
	for s in "${SVC_NAMES[@]}"; do
		p=${SVC_PREFIXES[$s]}
		if [[ $p == "/$s" ]]; then
			re="~^(?:/internal)?/$s(?:/|\$)"
		else
			re="~^(?:/internal/$s|${p//,/|})(?:/|\$)"
		fi
		printf '        %-49s %s;\n' "\"$re\"" "$s"
	done
}

# nginx_locations: NGINX_PUB and NGINX_INT, the public and the internal
# server's locations: the rate-limited paths first (regexes match in
# order), the health program's, then each service's prefixes (and on the
# internal server /internal/<service>).
nginx_locations() {
	local s l zone burst limit limits=()
	NGINX_PUB=""
	NGINX_INT=""
	for s in "${SVC_NAMES[@]}"; do
		[[ -n ${SVC_LIMITS[$s]} ]] || continue
		IFS=, read -ra limits <<<"${SVC_LIMITS[$s]}"
		for l in "${limits[@]}"; do
			zone=${l%%:*}
			burst=$(svc_upper "$zone")_BURST
			limit="            limit_req zone=$zone burst=${!burst} nodelay;"$'\n'
			NGINX_PUB+=$(nginx_location "$s" "~* ^${l#*:}/?\$" "$(nginx_handler "$s")" "$limit")$'\n'
		done
	done
	NGINX_PUB+=$(nginx_location health '= /health' "$(nginx_handler health)")$'\n'
	NGINX_INT+=$(nginx_location health '= /health' "$(nginx_handler health)")$'\n'
	# The gateway's admin endpoints (dead events) live in the health program.
	NGINX_PUB+=$(nginx_location health '^~ /admin/' "$(nginx_handler health)")$'\n'
	for s in "${SVC_NAMES[@]}"; do
		NGINX_PUB+=$(nginx_location "$s" "$(svc_match "$s")" "$(nginx_handler "$s")")$'\n'
		NGINX_INT+=$(nginx_location "$s" "~ ^/internal/$s(?:/|\$)" "$(nginx_handler "$s")")$'\n'
		NGINX_INT+=$(nginx_location "$s" "$(svc_match "$s")" "$(nginx_handler "$s")")$'\n'
	done
}

# nginx_cors_map: the $cors_origin map's lines from CORS_ORIGINS
# (comma-separated, '*' allows any origin).
nginx_cors_map() {
	local o origins cors='        default "";'
	local re='^[A-Za-z][A-Za-z0-9+.-]*://[][A-Za-z0-9.:_-]+$'
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
	printf '%s' "$cors"
}

# nginx_include VAR INDENT: an include of the file named by VAR (opt-in:
# NGINX_EXTRA_PUBLIC, e.g. bench/run.sh, extra locations in the public
# server; NGINX_EXTRA_HTTP, e.g. scripts/test.sh, extra servers in http),
# or nothing when VAR is unset.
nginx_include() {
	local var=$1 pad=$2 f=${!1:-}
	[[ -n $f ]] || return 0
	[[ $f =~ ^/[A-Za-z0-9/._+-]+$ ]] ||
		die "$var='$f' must be an absolute path of letters, digits and / . _ + -"
	[[ -f $f && -r $f ]] || die "$var: cannot read $f"
	printf '%s# %s\n%sinclude %s;\n' "$pad" "$var" "$pad" "$f"
}

# gen_nginx_conf FILE: the whole configuration into FILE.
gen_nginx_conf() {
	local out=$1 cors map user="" hsts="" listen errors extra extra_http text
	cors=$(nginx_cors_map) || exit 1
	map=$(nginx_service_map)
	nginx_locations
	((EUID == 0)) && user="user root root;"
	[[ ${HSTS:-0} == 1 ]] && hsts='    add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;'
	# Command substitution drops the include's final newline: put it back.
	extra=$(nginx_include NGINX_EXTRA_PUBLIC '        ') || exit 1
	[[ -z $extra ]] || extra+=$'\n'
	extra_http=$(nginx_include NGINX_EXTRA_HTTP '    ') || exit 1
	[[ -z $extra_http ]] || extra_http+=$'\n'
	listen=$LISTEN_ADDR
	[[ $listen == *:* && $listen != \[* ]] && listen="[$listen]"
	errors=$(subst "$(<"$REPO/nginx/errors.conf.in")" BODY_MAX "$BODY_MAX")
	text=$(subst "$(<"$REPO/nginx/gateway.conf.in")" \
		PUBLIC_LOCATIONS "$NGINX_PUB" INTERNAL_LOCATIONS "$NGINX_INT" ERROR_LOCATIONS "$errors" \
		SERVICE_MAP "$map" CORS_ORIGIN_MAP "$cors" USER_DIRECTIVE "$user" HSTS_HEADER "$hsts" \
		EXTRA_PUBLIC "$extra" EXTRA_HTTP "$extra_http" \
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

# nginx_stop: stop nginx by its pid file.
nginx_stop() {
	[[ -f $RUN/nginx.pid ]] || return 0
	if nginx_pid >/dev/null; then say "stopping nginx"; fi
	stop_pidfile "$RUN/nginx.pid" nginx
}
