#include "json.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ---- */

void
buf_grow(struct buf *b, size_t extra)
{
	if (b->cap - b->len > extra)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap - b->len <= extra)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0) {
		buf_grow(b, (size_t)n);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* ---- parser ---- */

struct parser {
	struct arena *a;
	const unsigned char *p, *end;
	char *err;
	size_t errlen;
	int depth;
};

static struct jv *parse_value(struct parser *ps);

static void *
fail(struct parser *ps, const char *msg)
{
	if (ps->err[0] == '\0')
		snprintf(ps->err, ps->errlen, "%s", msg);
	return NULL;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	    (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int
hex4(const unsigned char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = p[i], d;
		if (c >= '0' && c <= '9') d = c - '0';
		else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
		else return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

size_t
json_u_escape(const unsigned char *p, const unsigned char *end, unsigned *cp,
    const char **msg)
{
	unsigned lo;
	if (end - p < 4 || hex4(p, cp)) {
		*msg = "invalid \\u escape";
		return 0;
	}
	if (*cp >= 0xD800 && *cp <= 0xDBFF) {
		if (end - p < 10 || p[4] != '\\' || p[5] != 'u' || hex4(p + 6, &lo) ||
		    lo < 0xDC00 || lo > 0xDFFF) {
			*msg = "lone surrogate in string";
			return 0;
		}
		*cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
		return 10;
	}
	if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
		*msg = "lone surrogate in string";
		return 0;
	}
	if (*cp == 0) {
		*msg = "NUL character in string";
		return 0;
	}
	return 4;
}

static size_t
put_utf8(unsigned char *o, unsigned cp)
{
	if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t
json_utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned cp, min;
	if (c < 0x80) return 1;
	if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; min = 0x80; }
	else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; min = 0x800; }
	else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; min = 0x10000; }
	else return 0;
	if ((size_t)(end - p) < n) return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* ps->p is at the opening quote. */
static struct jv *
parse_string(struct parser *ps, const char **out, size_t *outlen)
{
	const unsigned char *p = ps->p + 1;
	/* Decoded text is never longer than the source. */
	const unsigned char *q = p;
	while (q < ps->end && *q != '"') {
		if (*q == '\\' && q + 1 < ps->end) q++;
		q++;
	}
	if (q >= ps->end)
		return fail(ps, "unterminated string");
	unsigned char *o = arena_alloc(ps->a, (size_t)(q - p) + 1), *o0 = o;
	while (p < ps->end && *p != '"') {
		unsigned c = *p;
		if (c >= 0x20 && c < 0x80 && c != '\\') {    /* plain ASCII */
			*o++ = (unsigned char)c;
			p++;
			continue;
		}
		if (c < 0x20)
			return fail(ps, "control character in string");
		if (c != '\\') {
			size_t n = json_utf8_seq(p, ps->end);
			if (n == 0)
				return fail(ps, "invalid UTF-8 in string");
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		p++;
		if (p >= ps->end)
			return fail(ps, "unterminated string");
		switch (*p) {
		case '"': *o++ = '"'; p++; break;
		case '\\': *o++ = '\\'; p++; break;
		case '/': *o++ = '/'; p++; break;
		case 'b': *o++ = '\b'; p++; break;
		case 'f': *o++ = '\f'; p++; break;
		case 'n': *o++ = '\n'; p++; break;
		case 'r': *o++ = '\r'; p++; break;
		case 't': *o++ = '\t'; p++; break;
		case 'u': {
			unsigned cp;
			const char *msg;
			size_t n = json_u_escape(p + 1, ps->end, &cp, &msg);
			if (n == 0)
				return fail(ps, msg);
			p += 1 + n;
			o += put_utf8(o, cp);
			break;
		}
		default:
			return fail(ps, "invalid escape in string");
		}
	}
	*o = '\0';
	*out = (const char *)o0;
	*outlen = (size_t)(o - o0);
	ps->p = p + 1;
	return (struct jv *)o0; /* non-NULL marker */
}

static struct jv *
parse_number(struct parser *ps)
{
	const unsigned char *s = ps->p, *p = s;
	if (p < ps->end && *p == '-') p++;
	if (p >= ps->end) return fail(ps, "invalid number");
	if (*p == '0') p++;
	else if (*p >= '1' && *p <= '9') { while (p < ps->end && *p >= '0' && *p <= '9') p++; }
	else return fail(ps, "invalid number");
	if (p < ps->end && *p == '.') {
		p++;
		if (p >= ps->end || *p < '0' || *p > '9') return fail(ps, "invalid number");
		while (p < ps->end && *p >= '0' && *p <= '9') p++;
	}
	if (p < ps->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < ps->end && (*p == '+' || *p == '-')) p++;
		if (p >= ps->end || *p < '0' || *p > '9') return fail(ps, "invalid number");
		while (p < ps->end && *p >= '0' && *p <= '9') p++;
	}
	if ((size_t)(p - s) > 64) return fail(ps, "number too long");
	struct jv *v = arena_alloc(ps->a, sizeof *v);
	v->type = JV_NUM;
	v->s = arena_strndup(ps->a, (const char *)s, (size_t)(p - s));
	v->len = (size_t)(p - s);
	ps->p = p;
	return v;
}

static int
literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return -1;
	ps->p += n;
	return 0;
}

static struct jv *
parse_array(struct parser *ps)
{
	struct jv *v = arena_alloc(ps->a, sizeof *v);
	v->type = JV_ARR;
	size_t cap = 0;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') { ps->p++; return v; }
	for (;;) {
		struct jv *item = parse_value(ps);
		if (item == NULL) return NULL;
		if (v->n == cap) {
			cap = cap ? cap * 2 : 4;
			struct jv **ni = arena_alloc(ps->a, cap * sizeof *ni);
			if (v->n) memcpy(ni, v->items, v->n * sizeof *ni);
			v->items = ni;
		}
		v->items[v->n++] = item;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
		if (ps->p < ps->end && *ps->p == ']') { ps->p++; return v; }
		return fail(ps, "expected , or ] in array");
	}
}

static struct jv *
parse_object(struct parser *ps)
{
	struct jv *v = arena_alloc(ps->a, sizeof *v);
	v->type = JV_OBJ;
	size_t cap = 0;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') { ps->p++; return v; }
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"')
			return fail(ps, "expected a double-quoted key");
		const char *key;
		size_t klen;
		if (parse_string(ps, &key, &klen) == NULL) return NULL;
		for (size_t i = 0; i < v->n; i++)
			if (strcmp(v->members[i].key, key) == 0)
				return fail(ps, "duplicate key in object");
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':')
			return fail(ps, "expected : after key");
		ps->p++;
		struct jv *val = parse_value(ps);
		if (val == NULL) return NULL;
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			struct jmember *nm = arena_alloc(ps->a, cap * sizeof *nm);
			if (v->n) memcpy(nm, v->members, v->n * sizeof *nm);
			v->members = nm;
		}
		v->members[v->n].key = key;
		v->members[v->n].val = val;
		v->n++;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
		if (ps->p < ps->end && *ps->p == '}') { ps->p++; return v; }
		return fail(ps, "expected , or } in object");
	}
}

static struct jv *
parse_value(struct parser *ps)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return fail(ps, "unexpected end of input");
	struct jv *v;
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > JSON_MAX_DEPTH)
			return fail(ps, "nesting too deep");
		v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
		ps->depth--;
		return v;
	case '"': {
		v = arena_alloc(ps->a, sizeof *v);
		v->type = JV_STR;
		if (parse_string(ps, &v->s, &v->len) == NULL) return NULL;
		return v;
	}
	case 't': case 'f': case 'n':
		v = arena_alloc(ps->a, sizeof *v);
		if (literal(ps, "true") == 0) { v->type = JV_BOOL; v->b = true; }
		else if (literal(ps, "false") == 0) { v->type = JV_BOOL; v->b = false; }
		else if (literal(ps, "null") == 0) v->type = JV_NULL;
		else return fail(ps, "invalid literal");
		return v;
	default:
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps);
		return fail(ps, "unexpected character");
	}
}

struct jv *
json_parse_own(struct arena *a, const char *buf, size_t len, char *err, size_t errlen)
{
	struct parser ps = { a, (const unsigned char *)buf,
	    (const unsigned char *)buf + len, err, errlen, 0 };
	err[0] = '\0';
	/* A UTF-8 byte order mark is not JSON text. */
	struct jv *v = parse_value(&ps);
	if (v == NULL)
		return NULL;
	skip_ws(&ps);
	if (ps.p != ps.end)
		return fail(&ps, "unexpected data after JSON value");
	return v;
}

/* Built with -DJSON_JSONC (make JSON=jsonc), json_jsonc.c defines
 * json_parse over json-c instead. */
#ifndef JSON_JSONC
struct jv *
json_parse(struct arena *a, const char *buf, size_t len, char *err, size_t errlen)
{
	return json_parse_own(a, buf, len, err, errlen);
}
#endif

struct jv *
json_get(const struct jv *v, const char *key)
{
	if (v == NULL || v->type != JV_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->members[i].key, key) == 0)
			return v->members[i].val;
	return NULL;
}

const char *
json_str(const struct jv *v, const char *key)
{
	const struct jv *m = json_get(v, key);
	return m != NULL && m->type == JV_STR ? m->s : NULL;
}

const char *
json_type_name(enum jv_type t)
{
	switch (t) {
	case JV_NULL: return "null";
	case JV_BOOL: return "boolean";
	case JV_NUM: return "number";
	case JV_STR: return "string";
	case JV_ARR: return "array";
	case JV_OBJ: return "object";
	}
	return "?";
}

/* ---- writer ---- */

void
json_escape(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_grow(b, n + 2);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
			if (b->cap - b->len < 8) buf_grow(b, 8);
			b->p[b->len++] = (char)c;
			continue;
		}
		char e[7];
		size_t en;
		switch (c) {
		case '"': memcpy(e, "\\\"", 2); en = 2; break;
		case '\\': memcpy(e, "\\\\", 2); en = 2; break;
		case '\n': memcpy(e, "\\n", 2); en = 2; break;
		case '\r': memcpy(e, "\\r", 2); en = 2; break;
		case '\t': memcpy(e, "\\t", 2); en = 2; break;
		default:
			e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0';
			e[4] = hex[c >> 4]; e[5] = hex[c & 15]; en = 6;
		}
		buf_add(b, e, en);
	}
	if (b->p) b->p[b->len] = '\0';
}

void
jw_init(struct jw *w, struct buf *b)
{
	memset(w, 0, sizeof *w);
	w->b = b;
	w->first[0] = true;
}

static void
jw_sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		buf_addc(w->b, ',');
	w->first[w->depth] = false;
}

static void
jw_open(struct jw *w, char c)
{
	jw_sep(w);
	buf_addc(w->b, c);
	if (w->depth < JSON_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void
jw_close(struct jw *w, char c)
{
	buf_addc(w->b, c);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj_open(struct jw *w) { jw_open(w, '{'); }
void jw_obj_close(struct jw *w) { jw_close(w, '}'); }
void jw_arr_open(struct jw *w) { jw_open(w, '['); }
void jw_arr_close(struct jw *w) { jw_close(w, ']'); }

void
jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	buf_addc(w->b, '"');
	json_escape(w->b, key, strlen(key));
	buf_add(w->b, "\":", 2);
	w->after_key = true;
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	jw_sep(w);
	buf_addc(w->b, '"');
	json_escape(w->b, s, n);
	buf_addc(w->b, '"');
}

void
jw_str(struct jw *w, const char *s)
{
	if (s == NULL)
		jw_null(w);
	else
		jw_strn(w, s, strlen(s));
}

void
jw_int(struct jw *w, int64_t v)
{
	jw_sep(w);
	buf_printf(w->b, "%" PRId64, v);
}

void
jw_bool(struct jw *w, bool v)
{
	jw_sep(w);
	buf_adds(w->b, v ? "true" : "false");
}

void
jw_null(struct jw *w)
{
	jw_sep(w);
	buf_adds(w->b, "null");
}

void
jw_money(struct jw *w, int64_t paise)
{
	jw_sep(w);
	uint64_t m = paise < 0 ? (uint64_t)0 - (uint64_t)paise : (uint64_t)paise;
	buf_printf(w->b, "%s%" PRIu64 ".%02u", paise < 0 ? "-" : "", m / 100,
	    (unsigned)(m % 100));
}

void
jw_raw(struct jw *w, const char *json)
{
	jw_sep(w);
	buf_adds(w->b, json);
}

void jw_kstr(struct jw *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
void jw_kint(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
void jw_kmoney(struct jw *w, const char *k, int64_t p) { jw_key(w, k); jw_money(w, p); }
void jw_knull(struct jw *w, const char *k) { jw_key(w, k); jw_null(w); }
