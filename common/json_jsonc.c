/* The json-c path: json_tokener in strict mode behind json_scan, a check of
 * the raw bytes that refuses what json-c 0.16 accepts and we must not
 * (t/unit/json_jsonc.c measures each one), then the json-c tree copied into
 * our arena tree.  Not on the request path unless built with -DJSON_JSONC;
 * common/README.md, "JSON: why our own parser", has the figures.
 *
 * What json_scan has to do itself, because json-c lets it through or loses
 * it: NaN/Infinity, single-quoted strings, `1.`/`1.e5`, `-01`, raw control
 * characters in strings, lone surrogates (json-c turns them into U+FFFD),
 * \u0000, overlong/surrogate/above-U+10FFFF UTF-8 (VALIDATE_UTF8 misses
 * them), an embedded NUL (json-c stops there and reports success), duplicate
 * keys (the last wins and the first disappears from the tree: counted here
 * as `:` in the text against members in the tree), and the number's text
 * (json-c clamps integers beyond 64 bits and reads `-0` as 0: the text is
 * taken from the bytes, in document order). */
#include "json.h"
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

struct span {
	const char *p;
	size_t n;
};

struct scan {
	struct arena *a;
	const unsigned char *p, *end;
	char *err;
	size_t errlen;
	size_t colons;          /* object members in the text */
	struct span *nums;      /* number texts, in document order */
	size_t nnum, numcap;
	int depth;
};

static bool
scan_fail(struct scan *sc, const char *msg)
{
	if (sc->err[0] == '\0')
		snprintf(sc->err, sc->errlen, "%s", msg);
	return false;
}

/* sc->p is at the opening quote. */
static bool
scan_string(struct scan *sc)
{
	const unsigned char *p = sc->p + 1;
	while (p < sc->end && *p != '"') {
		if (*p < 0x20)
			return scan_fail(sc, "control character in string");
		if (*p >= 0x80) {
			size_t n = json_utf8_seq(p, sc->end);
			if (n == 0)
				return scan_fail(sc, "invalid UTF-8 in string");
			p += n;
			continue;
		}
		if (*p++ != '\\')
			continue;
		if (p >= sc->end)
			break;
		if (*p == 'u') {
			unsigned cp;
			const char *msg;
			size_t n = json_u_escape(p + 1, sc->end, &cp, &msg);
			if (n == 0)
				return scan_fail(sc, msg);
			p += 1 + n;
		} else if (strchr("\"\\/bfnrt", *p) != NULL && *p != '\0')
			p++;
		else
			return scan_fail(sc, "invalid escape in string");
	}
	if (p >= sc->end)
		return scan_fail(sc, "unterminated string");
	sc->p = p + 1;
	return true;
}

static const unsigned char *
digits(const unsigned char *p, const unsigned char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/* RFC 8259's number at sc->p ('-' or a digit); its text is kept. */
static bool
scan_number(struct scan *sc)
{
	const unsigned char *s = sc->p, *p = s, *end = sc->end;
	if (*p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return scan_fail(sc, "invalid number");
	p = *p == '0' ? p + 1 : digits(p, end);
	if (p < end && *p == '.') {
		if (++p >= end || *p < '0' || *p > '9')
			return scan_fail(sc, "invalid number");
		p = digits(p, end);
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return scan_fail(sc, "invalid number");
		p = digits(p, end);
	}
	if (p < end && *p >= '0' && *p <= '9')
		return scan_fail(sc, "invalid number");        /* -01, 00 */
	if ((size_t)(p - s) > 64)
		return scan_fail(sc, "number too long");
	if (sc->nnum == sc->numcap) {
		sc->numcap = sc->numcap ? sc->numcap * 2 : 16;
		struct span *n = arena_alloc(sc->a, sc->numcap * sizeof *n);
		if (sc->nnum)
			memcpy(n, sc->nums, sc->nnum * sizeof *n);
		sc->nums = n;
	}
	sc->nums[sc->nnum++] = (struct span){ (const char *)s, (size_t)(p - s) };
	sc->p = p;
	return true;
}

/* One pass over the bytes outside json-c: everything it would accept that
 * is not JSON for us, the members (colons) and the numbers' text.  The
 * grammar itself is json-c's to check. */
static bool
json_scan(struct scan *sc)
{
	while (sc->p < sc->end) {
		unsigned c = *sc->p;
		switch (c) {
		case ' ': case '\t': case '\n': case '\r': case ',':
			sc->p++;
			break;
		case ':':
			sc->colons++;
			sc->p++;
			break;
		case '{': case '[':
			if (++sc->depth > JSON_MAX_DEPTH)
				return scan_fail(sc, "nesting too deep");
			sc->p++;
			break;
		case '}': case ']':
			sc->depth--;
			sc->p++;
			break;
		case '"':
			if (!scan_string(sc))
				return false;
			break;
		case 't': case 'r': case 'u': case 'e': case 'f': case 'a':
		case 'l': case 's': case 'n':
			/* true, false, null: json-c checks the spelling */
			while (sc->p < sc->end && strchr("truefalsn", *sc->p) != NULL &&
			    *sc->p != '\0')
				sc->p++;
			break;
		default:
			if (c == '-' || (c >= '0' && c <= '9')) {
				if (!scan_number(sc))
					return false;
				break;
			}
			/* NaN, Infinity, quotes, NUL, + . and bytes >= 0x80 */
			return scan_fail(sc, "unexpected character");
		}
	}
	return true;
}

struct conv {
	struct arena *a;
	const struct scan *sc;
	size_t members, inum;
};

static struct jv *conv_value(struct conv *c, struct json_object *o);

static char *
conv_text(struct arena *a, const char *s, size_t n)
{
	char *t = arena_alloc(a, n + 1);
	memcpy(t, s, n);
	t[n] = '\0';
	return t;
}

static bool
conv_object(struct conv *c, struct json_object *o, struct jv *v)
{
	v->n = (size_t)json_object_object_length(o);
	c->members += v->n;
	if (v->n == 0)
		return true;
	v->members = arena_alloc(c->a, v->n * sizeof *v->members);
	size_t i = 0;
	json_object_object_foreach(o, key, val) {
		v->members[i].key = conv_text(c->a, key, strlen(key));
		if ((v->members[i].val = conv_value(c, val)) == NULL)
			return false;
		i++;
	}
	return true;
}

static bool
conv_array(struct conv *c, struct json_object *o, struct jv *v)
{
	v->n = json_object_array_length(o);
	if (v->n == 0)
		return true;
	v->items = arena_alloc(c->a, v->n * sizeof *v->items);
	for (size_t i = 0; i < v->n; i++)
		if ((v->items[i] = conv_value(c, json_object_array_get_idx(o, i))) == NULL)
			return false;
	return true;
}

/* json-c's value o (NULL is JSON null) as an arena jv; NULL when the
 * numbers of the text and the tree do not line up. */
static struct jv *
conv_value(struct conv *c, struct json_object *o)
{
	struct jv *v = arena_alloc(c->a, sizeof *v);
	switch (json_object_get_type(o)) {
	case json_type_null:
		v->type = JV_NULL;
		return v;
	case json_type_boolean:
		v->type = JV_BOOL;
		v->b = json_object_get_boolean(o) != 0;
		return v;
	case json_type_int:
	case json_type_double:
		if (c->inum >= c->sc->nnum)
			return NULL;
		v->type = JV_NUM;
		v->len = c->sc->nums[c->inum].n;
		v->s = conv_text(c->a, c->sc->nums[c->inum++].p, v->len);
		return v;
	case json_type_string:
		v->type = JV_STR;
		v->len = (size_t)json_object_get_string_len(o);
		v->s = conv_text(c->a, json_object_get_string(o), v->len);
		return v;
	case json_type_array:
		v->type = JV_ARR;
		return conv_array(c, o, v) ? v : NULL;
	case json_type_object:
		v->type = JV_OBJ;
		return conv_object(c, o, v) ? v : NULL;
	}
	return NULL;
}

/* One tokener per process, reset for each document (a worker parses one
 * request at a time).  It lives as long as the process. */
static struct json_tokener *
tokener(void)
{
	static struct json_tokener *tok;
	if (tok == NULL) {
		/* json-c counts the innermost value as a level: JSON_MAX_DEPTH
		 * containers around a value need one more (json_scan counts the
		 * containers exactly). */
		tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
		if (tok == NULL)
			die_oom();
		json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	}
	json_tokener_reset(tok);
	return tok;
}

/* json-c's tree of buf[0..len), or NULL with err set (*null for JSON null). */
static struct json_object *
jsonc_tokenize(const char *buf, size_t len, bool *null, char *err, size_t errlen)
{
	struct json_tokener *tok = tokener();
	struct json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	if (e == json_tokener_continue)    /* a number or nothing at the end */
		o = json_tokener_parse_ex(tok, "", 1);
	else if (e == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		snprintf(err, errlen, "unexpected data after JSON value");
		return NULL;
	}
	e = json_tokener_get_error(tok);
	if (e != json_tokener_success) {
		json_object_put(o);
		snprintf(err, errlen, "%s", json_tokener_error_desc(e));
		return NULL;
	}
	*null = o == NULL;
	return o;
}

struct jv *
json_parse_jsonc(struct arena *a, const char *buf, size_t len, char *err, size_t errlen)
{
	struct scan sc = { .a = a, .p = (const unsigned char *)buf,
	    .end = (const unsigned char *)buf + len, .err = err, .errlen = errlen };
	err[0] = '\0';
	if (len > INT_MAX) {
		snprintf(err, errlen, "document too large");
		return NULL;
	}
	if (!json_scan(&sc))
		return NULL;
	bool null = false;
	struct json_object *o = jsonc_tokenize(buf, len, &null, err, errlen);
	if (o == NULL && !null)
		return NULL;
	struct conv c = { a, &sc, 0, 0 };
	struct jv *v = conv_value(&c, o);
	json_object_put(o);
	if (v != NULL && c.members != sc.colons) {
		snprintf(err, errlen, "duplicate key in object");
		return NULL;
	}
	if (v == NULL || c.inum != sc.nnum) {
		snprintf(err, errlen, "invalid number");
		return NULL;
	}
	return v;
}

bool
json_equal(const struct jv *x, const struct jv *y)
{
	if (x == NULL || y == NULL)
		return x == y;
	if (x->type != y->type)
		return false;
	switch (x->type) {
	case JV_NULL:
		return true;
	case JV_BOOL:
		return x->b == y->b;
	case JV_NUM:
	case JV_STR:
		return x->len == y->len && memcmp(x->s, y->s, x->len) == 0;
	case JV_ARR:
		if (x->n != y->n)
			return false;
		for (size_t i = 0; i < x->n; i++)
			if (!json_equal(x->items[i], y->items[i]))
				return false;
		return true;
	case JV_OBJ:
		if (x->n != y->n)
			return false;
		for (size_t i = 0; i < x->n; i++)
			if (strcmp(x->members[i].key, y->members[i].key) != 0 ||
			    !json_equal(x->members[i].val, y->members[i].val))
				return false;
		return true;
	}
	return false;
}

#ifdef JSON_JSONC
/* make JSON=jsonc: every body goes through json-c (json.c leaves
 * json_parse to this file). */
struct jv *
json_parse(struct arena *a, const char *buf, size_t len, char *err, size_t errlen)
{
	return json_parse_jsonc(a, buf, len, err, errlen);
}
#endif
