/* Reading an email as it was sent (t/lib/mail.h). */
#include "mail.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *
header_end(const char *msg)
{
	const char *e = strstr(msg, "\r\n\r\n");
	return e ? e + 2 : msg + strlen(msg);
}

/* The next header field at or after p (before end) called name; its
 * value's start in *v and its end (before the CRLF) in *e. */
static const char *
field(const char *p, const char *end, const char *name, const char **v, const char **e)
{
	size_t nl = strlen(name);
	for (; p != NULL && p < end; p = strstr(p, "\r\n"), p = p ? p + 2 : NULL) {
		if (strncasecmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		const char *s = p + nl + 1, *q = s;
		while (*s == ' ' || *s == '\t')
			s++;
		for (;;) {
			q = strstr(q, "\r\n");
			if (q == NULL || q >= end || (q[2] != ' ' && q[2] != '\t'))
				break;
			q += 2;
		}
		*v = s;
		*e = q ? q : end;
		return p;
	}
	return NULL;
}

char *
t_mail_header(const char *msg, const char *name)
{
	const char *v, *e;
	if (field(msg, header_end(msg), name, &v, &e) == NULL)
		return NULL;
	return strndup(v, (size_t)(e - v));
}

int
t_mail_header_count(const char *msg, const char *name)
{
	const char *end = header_end(msg), *v, *e, *p = msg;
	int n = 0;
	while ((p = field(p, end, name, &v, &e)) != NULL) {
		n++;
		p = e;
	}
	return n;
}

const char *
t_mail_body(const char *msg)
{
	const char *e = strstr(msg, "\r\n\r\n");
	return e ? e + 4 : "";
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

static int
b64val(char c)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(tab, c) : NULL;
	return p ? (int)(p - tab) : -1;
}

/* One encoded word's text [p, e) in encoding enc ('B' or 'Q') onto o. */
static bool
word(char enc, const char *p, const char *e, char **o)
{
	unsigned v = 0;
	int bits = 0;
	for (; p < e; p++) {
		if (enc == 'Q') {
			if (*p == '_') {
				*(*o)++ = ' ';
			} else if (*p == '=') {
				int h = p + 2 < e ? hexval(p[1]) : -1, l = h < 0 ? -1 : hexval(p[2]);
				if (l < 0)
					return false;
				*(*o)++ = (char)(h * 16 + l);
				p += 2;
			} else {
				*(*o)++ = *p;
			}
		} else if (*p != '=') {
			int d = b64val(*p);
			if (d < 0)
				return false;
			v = (v << 6) | (unsigned)d;
			if ((bits += 6) >= 8) {
				bits -= 8;
				*(*o)++ = (char)((v >> bits) & 0xff);
			}
		}
	}
	return true;
}

char *
t_mail_words(const char *value)
{
	char *out = malloc(strlen(value) + 1), *o = out;
	const char *p = value;
	bool after_word = false;
	while (*p) {
		if (strncasecmp(p, "=?UTF-8?", 8) == 0 && (p[8] == 'B' || p[8] == 'b' ||
		    p[8] == 'Q' || p[8] == 'q') && p[9] == '?') {
			const char *e = strstr(p + 10, "?=");
			if (e == NULL || !word((char)(p[8] & ~0x20), p + 10, e, &o))
				goto bad;
			p = e + 2;
			after_word = true;
			continue;
		}
		/* Folding, and the space between two encoded words, vanish. */
		size_t ws = strspn(p, " \t\r\n");
		if (ws > 0 && (after_word && strncasecmp(p + ws, "=?UTF-8?", 8) == 0)) {
			p += ws;
			continue;
		}
		if (p[0] == '\r' && p[1] == '\n') {
			p += 2;
			continue;
		}
		*o++ = *p++;
		after_word = false;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

char *
t_mail_qp(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	for (const char *p = s; *p;) {
		if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
			p += 3;
		} else if (p[0] == '=') {
			int h = hexval(p[1]), l = h < 0 ? -1 : hexval(p[2]);
			if (l < 0) {
				free(out);
				return NULL;
			}
			*o++ = (char)(h * 16 + l);
			p += 3;
		} else if (p[0] == '\r' && p[1] == '\n') {
			*o++ = '\n';
			p += 2;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}
