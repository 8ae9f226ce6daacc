/* JSON in and out.
 *
 * In: a strict RFC 8259 parser into an arena tree.  Unlike json-c's strict
 * mode it rejects NaN/Infinity, single quotes, duplicate keys, raw control
 * characters, lone surrogates, \u0000 and trailing bytes.  Numbers keep their
 * source text, so money is parsed exactly from what the client sent.
 * json_parse_jsonc (json_jsonc.c) gives the same answers through json-c's
 * tokener plus a check; common/README.md, "JSON: why our own parser", says
 * why the request path does not use it (`make JSON=jsonc` makes it do so).
 *
 * Out: one escaping writer (struct jw) that every response goes through. */
#ifndef JSON_H
#define JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv;
struct jmember {
	const char *key;
	struct jv *val;
};

struct jv {
	enum jv_type type;
	bool b;                 /* JV_BOOL */
	const char *s;          /* JV_STR: decoded UTF-8, NUL-free; JV_NUM: source text */
	size_t len;             /* byte length of s */
	struct jv **items;      /* JV_ARR */
	struct jmember *members;/* JV_OBJ, in source order */
	size_t n;               /* items or members */
};

#define JSON_MAX_DEPTH 32

/* Parses buf[0..len).  Returns the root (arena-owned) or NULL with a short
 * message for the client in err.  json_parse is json_parse_own, or
 * json_parse_jsonc when built with -DJSON_JSONC (make JSON=jsonc). */
struct jv *json_parse(struct arena *a, const char *buf, size_t len,
    char *err, size_t errlen);
/* Our own parser (json.c). */
struct jv *json_parse_own(struct arena *a, const char *buf, size_t len,
    char *err, size_t errlen);
/* json-c 0.16's tokener (JSON_TOKENER_STRICT, depth JSON_MAX_DEPTH) behind
 * json_scan, a check of the bytes that refuses what json-c accepts and we
 * do not, converted into the same arena tree (json_jsonc.c; link -ljson-c).
 * Same documents accepted, same trees (t/fuzz/json_diff.c). */
struct jv *json_parse_jsonc(struct arena *a, const char *buf, size_t len,
    char *err, size_t errlen);
/* The same tree: types, key order, string bytes, number text. */
bool json_equal(const struct jv *x, const struct jv *y);

/* Shared by both parsers.  json_utf8_seq: the length of the valid UTF-8
 * sequence at p (RFC 3629: no overlongs, no surrogates, at most U+10FFFF) or
 * 0.  json_u_escape: p is just after "\u"; the code point in *cp (a surrogate
 * pair joined) and the bytes it took, or 0 with the reason in *msg (not hex,
 * a lone surrogate, U+0000). */
size_t json_utf8_seq(const unsigned char *p, const unsigned char *end);
size_t json_u_escape(const unsigned char *p, const unsigned char *end, unsigned *cp,
    const char **msg);

/* Member lookup; NULL when absent or v is not an object. */
struct jv *json_get(const struct jv *v, const char *key);
/* The string member key of v, or NULL when absent or not a string. */
const char *json_str(const struct jv *v, const char *key);
const char *json_type_name(enum jv_type t);

/* Growable byte buffer (heap; owner calls buf_free or reuses after reset). */
struct buf {
	char *p;
	size_t len, cap;
};
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

/* The writer.  Commas are inserted by the writer; keys only inside objects. */
struct jw {
	struct buf *b;
	int depth;
	bool first[JSON_MAX_DEPTH + 1];
	bool after_key;
};
void jw_init(struct jw *w, struct buf *b);
void jw_obj_open(struct jw *w);
void jw_obj_close(struct jw *w);
void jw_arr_open(struct jw *w);
void jw_arr_close(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);          /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_money(struct jw *w, int64_t paise);        /* 150010 -> 1500.10 */
void jw_raw(struct jw *w, const char *json);       /* already-valid JSON */
/* key + value shorthands */
void jw_kstr(struct jw *w, const char *k, const char *s);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kbool(struct jw *w, const char *k, bool v);
void jw_kmoney(struct jw *w, const char *k, int64_t paise);
void jw_knull(struct jw *w, const char *k);

/* Escapes s as a JSON string body (no quotes) onto b. */
void json_escape(struct buf *b, const char *s, size_t n);

#endif
