# templates.awk: fcgi/notification/templates/*.txt as the rows of a C table
# { "<file name without .txt>", "<text>" }, which the Makefile writes to
# build/<mode>/gen/notify_templates.h and logic.c includes (README.md,
# "Templates").  Run with LC_ALL=C so that a byte is a character: UTF-8
# text (₹, Devanagari) passes through as it is; a backslash, a double quote,
# a question mark (no trigraph can form) and control characters are written
# as octal escapes; a CR before a line's end is dropped.  An empty file
# gives no row (no template: the channel is not used).
BEGIN {
	for (i = 1; i < 256; i++)
		ord[sprintf("%c", i)] = i
	print "/* Generated from fcgi/notification/templates/ by templates.awk: do not edit. */"
}

function cstr(s,    out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" || c == "\"" || c == "?" || ord[c] < 32 || ord[c] == 127)
			out = out sprintf("\\%03o", ord[c])
		else
			out = out c
	}
	return out
}

FNR == 1 {
	if (NR > 1)
		print "\t},"
	name = FILENAME
	sub(/.*\//, "", name)
	sub(/\.txt$/, "", name)
	printf "\t{ \"%s\",\n", cstr(name)
}

{
	sub(/\r$/, "")
	printf "\t    \"%s\\n\"\n", cstr($0)
}

END {
	if (NR > 0)
		print "\t},"
}
