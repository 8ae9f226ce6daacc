# services.awk: services.conf -> services.h: the relay's routing table
# (workers/relay_rules.c) and each service's health path (fcgi/health).
# Run by the Makefile:
#
#   awk -f scripts/services.awk services.conf > build/<mode>/gen/services.h
#
# One row per event type some service consumes (types in the order they
# first appear, consumers in the file's order), each consumer with the
# payload key it needs (TYPE?key) or NULL.  A malformed line stops the build.

function fail(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
	failed = 1
	exit 1
}

/^[ \t]*(#|$)/ { next }

{
	if (NF != 6)
		fail("want 6 fields (name prefixes database pool limits consumes), got " NF)
	name = $1
	if (name !~ /^[a-z][a-z0-9-]*$/)
		fail("bad service name '" name "'")
	if (name in seen)
		fail("service '" name "' listed twice")
	seen[name] = 1
	split($2, prefix, ",")
	if (prefix[1] !~ /^\/[a-z][a-z0-9-]*$/)
		fail("bad first prefix '" prefix[1] "' (/name)")
	health = health (nsvc++ > 0 ? ", \\\n" : "") "\t{ \"" name "\", \"" prefix[1] "/health\" }"
	if ($6 == "-")
		next
	n = split($6, subs, ",")
	for (i = 1; i <= n; i++) {
		s = subs[i]
		if (s !~ /^[A-Z][A-Z0-9_]*(\?[A-Za-z][A-Za-z0-9_]*)?$/)
			fail("bad event type '" s "' (TYPE or TYPE?payloadKey)")
		type = s
		key = "NULL"
		if (index(s, "?") > 0) {
			type = substr(s, 1, index(s, "?") - 1)
			key = "\"" substr(s, index(s, "?") + 1) "\""
		}
		if ((type, name) in consumes)
			fail("service '" name "' consumes " type " twice")
		consumes[type, name] = 1
		if (!(type in count)) {
			types[ntypes++] = type
			count[type] = 0
		}
		row[type] = row[type] (count[type] > 0 ? ", " : "") "{ \"" name "\", " key " }"
		if (++count[type] > max)
			max = count[type]
	}
}

END {
	if (failed)
		exit 1
	if (ntypes == 0) {
		printf "%s: no service consumes an event\n", FILENAME > "/dev/stderr"
		exit 1
	}
	print "/* Generated from services.conf by scripts/services.awk: do not edit. */"
	print "#ifndef SERVICES_H"
	print "#define SERVICES_H"
	print ""
	print "/* The most consumers of one event type. */"
	print "#define SERVICES_MAX_CONSUMERS " max
	print ""
	print "/* { type, { { consumer, payload key or NULL }, ... } }, one per event type:"
	print " * the initializer of the relay's subscriptions[]. */"
	print "#define SERVICES_SUBSCRIPTIONS \\"
	for (i = 0; i < ntypes; i++)
		printf "\t{ \"%s\", { %s } }%s\n", types[i], row[types[i]], i + 1 < ntypes ? ", \\" : ""
	print ""
	print "/* { service, its health path (its first public prefix + /health) }, one"
	print " * per service in the file's order: the gateway's GET /health asks these. */"
	print "#define SERVICES_HEALTH \\"
	print health
	print ""
	print "#endif"
}
