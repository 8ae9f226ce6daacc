# shellcheck shell=bash disable=SC2034 # the SVC_ arrays are read by the other scripts
# services.sh: services.conf, the list of services (its format:
# scripts/README.md), read once into SVC_NAMES (in the file's order) and
# SVC_PREFIXES, SVC_DB, SVC_POOL, SVC_LIMITS by name; and the names derived
# from a service's name.  Sourced by scripts/stack.sh, not run.  The
# "consumes" column is the relay's (scripts/services.awk).

SERVICES_CONF=$REPO/services.conf
SVC_NAMES=()
declare -A SVC_PREFIXES=() SVC_DB=() SVC_POOL=() SVC_LIMITS=()

# services_field LINE# WHAT VALUE REGEX: VALUE matches REGEX, or die.
services_field() {
	[[ $3 =~ $4 ]] || die "$SERVICES_CONF:$1: bad $2 '$3'"
}

services_load() {
	local line n=0 name prefixes db pool limits consumes extra
	local path='/[a-z0-9-]+(/[a-z0-9-]+)*'
	local limit='(auth|webhook):/[][A-Za-z0-9/()?:|._-]+'
	[[ -r $SERVICES_CONF ]] || die "cannot read $SERVICES_CONF"
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		read -r name prefixes db pool limits consumes extra <<<"$line"
		[[ -n $consumes && -z $extra ]] ||
			die "$SERVICES_CONF:$n: want 6 fields (name prefixes database pool limits consumes)"
		services_field $n "service name" "$name" '^[a-z][a-z0-9-]*$'
		case $name in health | all) die "$SERVICES_CONF:$n: '$name' is not a service name (taken)" ;; esac
		[[ -z ${SVC_DB[$name]+set} ]] || die "$SERVICES_CONF:$n: service '$name' listed twice"
		services_field $n prefixes "$prefixes" "^$path(,$path)*\$"
		services_field $n database "$db" '^[a-z_][a-z0-9_]{0,62}$'
		services_field $n pool "$pool" '^[1-9]$'
		[[ $limits == - ]] || services_field $n limits "$limits" "^$limit(,$limit)*\$"
		SVC_NAMES+=("$name")
		SVC_PREFIXES[$name]=$prefixes
		SVC_DB[$name]=$db
		SVC_POOL[$name]=$pool
		SVC_LIMITS[$name]=${limits#-}
	done <"$SERVICES_CONF"
	((${#SVC_NAMES[@]} > 0)) || die "$SERVICES_CONF lists no service"
}

# AUTH, SHARE_LINK: a service's part of a variable name (<SVC>_DATABASE_URL).
svc_upper() { local s=${1^^}; printf '%s' "${s//-/_}"; }
# auth, share_link: its part of a role or database name.
svc_ident() { printf '%s' "${1//-/_}"; }

# present_services: the services whose program is built, in order.
present_services() {
	local s
	for s in "${SVC_NAMES[@]}"; do
		[[ -x $BIN_DIR/$s ]] && printf '%s\n' "$s"
	done
	return 0
}

services_load
