/* The json-c path (common/json_jsonc.c) against the installed json-c.
 *
 * jsonc_trap_*: each thing json-c 0.16's strict tokener lets through or
 * loses, measured on the library itself (raw_* asserts what json-c does),
 * then refused (or kept) by json_parse_jsonc exactly as by our parser.  If a
 * newer json-c stops accepting one, its raw_ assertion fails: update the
 * list in common/README.md ("JSON: why our own parser").
 * jsonc_same_*: documents both accept give the same tree. */
#include "../lib/t.h"
#include "json.h"
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static struct arena *A;
static char err[128];

static int setup(void) { A = arena_new(64 * 1024); return A == NULL; }
static int teardown(void) { arena_free(A); return 0; }

/* ---- json-c itself: strict tokener, the whole buffer, NUL included as the
 * API asks for values without an end of their own (numbers) ---- */

struct raw {
	enum json_tokener_error e;
	size_t end;                 /* json_tokener_get_parse_end */
	struct json_object *o;      /* caller puts */
};

static struct raw
raw_n(const char *s, size_t n, int flags)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH + 1);
	json_tokener_set_flags(tok, flags);
	struct raw r;
	r.o = json_tokener_parse_ex(tok, s, (int)n);
	r.e = json_tokener_get_error(tok);
	r.end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	return r;
}

/* s with its terminating NUL, strict mode. */
static struct raw
raw(const char *s)
{
	return raw_n(s, strlen(s) + 1, JSON_TOKENER_STRICT);
}

/* json-c's strict mode accepts s (and stops at its terminating NUL). */
static bool
raw_accepts(const char *s)
{
	struct raw r = raw(s);
	bool ok = r.e == json_tokener_success && r.end == strlen(s);
	json_object_put(r.o);
	return ok;
}

/* The value json-c gives s, as json-c writes it back (static). */
static const char *
raw_text(const char *s)
{
	static char o[256];
	struct raw r = raw(s);
	snprintf(o, sizeof o, "%s", r.e != json_tokener_success ? "<error>" :
	    json_object_to_json_string_ext(r.o, JSON_C_TO_STRING_PLAIN));
	json_object_put(r.o);
	return o;
}

static struct jv *
own_n(const char *s, size_t n)
{
	return json_parse_own(A, s, n, err, sizeof err);
}

static struct jv *
jsonc_n(const char *s, size_t n)
{
	return json_parse_jsonc(A, s, n, err, sizeof err);
}

/* Both parsers refuse s[0..n), each with a message. */
static void
both_refuse_n(const char *s, size_t n, const char *file, int line)
{
	arena_reset(A);
	err[0] = 'x';
	bool own = own_n(s, n) == NULL && err[0] != '\0';
	err[0] = 'x';
	bool jc = jsonc_n(s, n) == NULL && err[0] != '\0';
	t_check(own && jc, file, line, "\"%.*s\": own %s, json-c path %s", (int)n, s,
	    own ? "refuses" : "accepts", jc ? "refuses" : "accepts");
}
#define BOTH_REFUSE(s) both_refuse_n(s, strlen(s), __FILE__, __LINE__)
#define BOTH_REFUSE_N(s, n) both_refuse_n(s, n, __FILE__, __LINE__)

/* Both parsers accept s[0..n) and give the same tree; returns it. */
static struct jv *
both_same_n(const char *s, size_t n, const char *file, int line)
{
	arena_reset(A);
	struct jv *o = own_n(s, n);
	char oerr[128];
	snprintf(oerr, sizeof oerr, "%s", err);
	struct jv *j = jsonc_n(s, n);
	t_check(o != NULL && j != NULL && json_equal(o, j), file, line,
	    "\"%.*s\": own %s (%s), json-c path %s (%s)%s", (int)n, s,
	    o ? "accepts" : "refuses", o ? "" : oerr, j ? "accepts" : "refuses",
	    j ? "" : err, o && j ? ", different trees" : "");
	return j;
}
#define BOTH_SAME(s) both_same_n(s, strlen(s), __FILE__, __LINE__)

/* ---- the traps: json-c accepts, we refuse ---- */

static void
jsonc_trap_nan_infinity(void)
{
	const char *docs[] = { "NaN", "{\"a\":NaN}", "Infinity", "-Infinity",
	    "[-Infinity]", "{\"a\":Infinity}" };
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		t_check(raw_accepts(docs[i]), __FILE__, __LINE__,
		    "json-c no longer accepts %s", docs[i]);
		BOTH_REFUSE(docs[i]);
	}
	T_EQ_STR(raw_text("[NaN,-Infinity]"), "[NaN,-Infinity]");
}

static void
jsonc_trap_single_quotes(void)
{
	/* Single-quoted keys pass; a single-quoted value does not. */
	T_ASSERT(raw_accepts("{'a':1}"));
	T_EQ_STR(raw_text("{'a':1}"), "{\"a\":1}");
	T_ASSERT(raw_accepts("{'a\"b':1}"));
	T_ASSERT(!raw_accepts("{\"a\":'b'}"));
	T_ASSERT(!raw_accepts("'a'"));
	BOTH_REFUSE("{'a':1}");
	BOTH_REFUSE("{'a\"b':1}");
	BOTH_REFUSE("{\"a\":'b'}");
}

static void
jsonc_trap_number_forms(void)
{
	/* 1. and 1.e5 (no digit after the point), -01 and -00 (a leading zero
	 * after the sign: 01 alone is refused). */
	const char *docs[] = { "1.", "[1.]", "1.e5", "{\"a\":1.}", "-01", "[-01.5]", "-00" };
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		t_check(raw_accepts(docs[i]), __FILE__, __LINE__,
		    "json-c no longer accepts %s", docs[i]);
		BOTH_REFUSE(docs[i]);
	}
	T_ASSERT(!raw_accepts("01"));
	T_EQ_STR(raw_text("-01"), "-1");
}

static void
jsonc_trap_duplicate_keys(void)
{
	/* The last wins and the first is gone from the tree: nothing in json-c's
	 * result shows there was a duplicate. */
	struct raw r = raw("{\"a\":1,\"b\":2,\"a\":3}");
	T_REQUIRE(r.e == json_tokener_success);
	T_EQ_INT(json_object_object_length(r.o), 2);
	T_EQ_STR(json_object_to_json_string_ext(r.o, JSON_C_TO_STRING_PLAIN), "{\"a\":3,\"b\":2}");
	json_object_put(r.o);
	BOTH_REFUSE("{\"a\":1,\"a\":2}");
	BOTH_REFUSE("{\"a\":1,\"b\":2,\"a\":1}");
	BOTH_REFUSE("{\"a\":1,\"\\u0061\":2}");
	BOTH_REFUSE("{\"x\":{\"a\":{},\"a\":[1]}}");
	BOTH_REFUSE("[{\"a\":1},{\"b\":1,\"b\":1}]");
	BOTH_SAME("{\"a\":{\"a\":1},\"b\":{\"a\":2}}");
}

static void
jsonc_trap_raw_control_characters(void)
{
	const char *docs[] = { "\"a\tb\"", "\"a\nb\"", "\"\x01\"", "\"\x1f\"", "{\"a\tb\":1}" };
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		t_check(raw_accepts(docs[i]), __FILE__, __LINE__,
		    "json-c no longer accepts doc %zu", i);
		BOTH_REFUSE(docs[i]);
	}
}

static void
jsonc_trap_lone_surrogates(void)
{
	/* json-c turns a lone surrogate into U+FFFD: the tree cannot tell it
	 * from a real U+FFFD, so the check reads the escape in the text. */
	struct raw r = raw("\"\\ud800\"");
	T_REQUIRE(r.e == json_tokener_success && r.o != NULL);
	T_EQ_STR(json_object_get_string(r.o), "\xef\xbf\xbd");
	json_object_put(r.o);
	const char *docs[] = { "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"",
	    "\"\\ude00\\ud83d\"", "\"\\ud800x\"", "{\"\\udbff\":1}" };
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		t_check(raw_accepts(docs[i]), __FILE__, __LINE__,
		    "json-c no longer accepts %s", docs[i]);
		BOTH_REFUSE(docs[i]);
	}
	BOTH_SAME("\"\\ud83d\\ude00\\uFFFD\"");
}

static void
jsonc_trap_escaped_nul(void)
{
	/* \u0000 becomes a NUL inside the string (and cuts a key short). */
	struct raw r = raw("\"a\\u0000b\"");
	T_REQUIRE(r.e == json_tokener_success && r.o != NULL);
	T_EQ_INT(json_object_get_string_len(r.o), 3);
	json_object_put(r.o);
	BOTH_REFUSE("\"a\\u0000b\"");
	BOTH_REFUSE("{\"\\u0000\":1}");
}

static void
jsonc_trap_embedded_nul(void)
{
	/* json-c stops at a NUL byte and reports success: only the parse end
	 * shows the rest was never read.  json_tokener_parse() (a C string)
	 * cannot even see it. */
	static const char doc[] = "{\"a\":1}\0{\"b\":2}";
	struct raw r = raw_n(doc, sizeof doc - 1, JSON_TOKENER_STRICT);
	T_EQ_INT(r.e, json_tokener_success);
	T_EQ_INT(r.end, 7);
	json_object_put(r.o);
	struct json_object *o = json_tokener_parse(doc);
	T_ASSERT(o != NULL);
	json_object_put(o);
	BOTH_REFUSE_N(doc, sizeof doc - 1);
	BOTH_REFUSE_N("{}\0", 3);
	BOTH_REFUSE_N("\"a\0b\"", 5);
	BOTH_REFUSE_N("\0", 1);
}

static void
jsonc_trap_utf8(void)
{
	/* Strict mode alone takes any byte in a string; JSON_TOKENER_VALIDATE_UTF8
	 * refuses malformed sequences but not overlongs, UTF-8-encoded
	 * surrogates or code points above U+10FFFF. */
	const int v = JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8;
	static const char *const slipped[] = { "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"",
	    "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"" };
	for (size_t i = 0; i < sizeof slipped / sizeof slipped[0]; i++) {
		struct raw r = raw_n(slipped[i], strlen(slipped[i]) + 1, v);
		t_check(r.e == json_tokener_success, __FILE__, __LINE__,
		    "VALIDATE_UTF8 now refuses case %zu", i);
		json_object_put(r.o);
		BOTH_REFUSE(slipped[i]);
	}
	T_ASSERT(raw_accepts("\"\xff\""));
	struct raw r = raw_n("\"\xff\"", 4, v);
	T_EQ_INT(r.e, json_tokener_error_parse_utf8_string);
	BOTH_REFUSE("\"\xff\"");
	BOTH_REFUSE("\"\x80\"");
	BOTH_REFUSE("\xef\xbb\xbf{}");
}

static void
jsonc_trap_number_text(void)
{
	/* json-c's numbers lose their text: integers past 64 bits are clamped
	 * without an error, -0 is 0.  Money needs the text: the json-c path
	 * takes it from the bytes. */
	T_EQ_STR(raw_text("123456789012345678901234567890"), "18446744073709551615");
	T_EQ_STR(raw_text("18446744073709551616"), "18446744073709551615");
	T_EQ_STR(raw_text("-123456789012345678901234567890"), "-9223372036854775808");
	T_EQ_STR(raw_text("-0"), "0");
	T_EQ_STR(raw_text("1500.10"), "1500.10");       /* doubles keep it */
	const char *nums[] = { "1500.10", "0", "-0", "0.5", "1e3", "1E-3", "-12.5e+2",
	    "3000.00", "123456789012345678901234567890", "9007199254740993",
	    "-123456789012345678901234567890", "1e999", "-0.0" };
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		char doc[96];
		snprintf(doc, sizeof doc, "{\"n\":%s}", nums[i]);
		struct jv *v = BOTH_SAME(doc);
		if (v != NULL)
			T_EQ_STR(json_get(v, "n")->s, nums[i]);
	}
}

static void
jsonc_trap_depth(void)
{
	/* json-c counts the innermost value as a level: with depth 32 it refuses
	 * 32 arrays around a value but takes 32 empty ones.  The path asks for
	 * 33 and counts containers itself, as our parser does. */
	char doc[2 * (JSON_MAX_DEPTH + 1) + 2];
	for (int d = JSON_MAX_DEPTH; d <= JSON_MAX_DEPTH + 1; d++) {
		size_t k = 0;
		for (int i = 0; i < d; i++)
			doc[k++] = '[';
		doc[k++] = '1';
		for (int i = 0; i < d; i++)
			doc[k++] = ']';
		doc[k] = '\0';
		if (d == JSON_MAX_DEPTH)
			BOTH_SAME(doc);
		else
			BOTH_REFUSE(doc);
	}
	struct buf b = { 0 };
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "{\"a\":");
	BOTH_REFUSE_N(b.p, b.len);
	buf_free(&b);
}

/* ---- what json-c's strict mode already refuses stays refused ---- */

static void
jsonc_refuses_what_strict_refuses(void)
{
	static const char *const bad[] = { "", "   ", "[", "]", "{", "{\"a\"}", "{\"a\":}",
	    "[1,]", "{\"a\":1,}", "[,1]", "{,}", "[1,,2]", "{a:1}", "{1:1}", "/* c */{}",
	    "{} // c", "01", ".5", "+1", "-", "1e", "1e+", "0x10", "1.5.5", "--1", "- 1",
	    "{} {}", "{}x", "[] 1", "1 2", "True", "nul", "tru", "falsey", "undefined",
	    "[nan]", "[Inf]", "\v{}", "\f{}", "\xc2\xa0{}", "\"\\x41\"", "\"\\u12g4\"",
	    "\"\\u12\"", "\"\\U0041\"", "\"\\'\"", "\"\\", "\"abc", "\"abc\\\"",
	    "[1true]", "[truex]", "1e999999x", "'a'" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		BOTH_REFUSE(bad[i]);
	char doc[80];
	memset(doc, '1', 65);
	doc[65] = '\0';
	BOTH_REFUSE(doc);               /* our 64-byte cap on a number */
}

/* ---- the same trees ---- */

static void
jsonc_same_documents(void)
{
	static const char *const docs[] = {
		" {\"a\":[1,{\"b\":\"c\"},[]],\"d\":{\"e\":null,\"f\":true,\"g\":false},"
		    "\"h\":\"\",\"\":0}\r\n\t",
		"1", "-1", "0", "\"x\"", "null", "true", "false", "[]", " {} ", "[null]",
		"{\"a\" : 1 , \"b\" :[ ] }",
		"[\"\\u00e9\",\"\\u20AC\",\"\\ud83d\\ude00\",\"caf\xc3\xa9 \xe6\x9d\x8e\","
		    "\"\\/\\\"\\\\\\b\\f\\n\\r\\t\",\"\\u0041\\u007f\",\"\xf4\x8f\xbf\xbf\"]",
		"{\"z\":1,\"a\":2,\"m\":{\"y\":[3,\"4\"],\"b\":null}}",      /* key order */
	};
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
		BOTH_SAME(docs[i]);
}

static void
jsonc_same_request_bodies(void)
{
	/* POST /pricing/calculate and POST /orders as bench/calculate.lua and bench/orders.lua send them. */
	struct jv *v = BOTH_SAME("{\"items\":[{\"productId\":\"6f1c2a8e-3b0d-4e4a-9f7e-"
	    "2d5c8b1a0e93\",\"quantity\":2,\"sellerPrice\":9999.00}]}");
	T_REQUIRE(v != NULL);
	struct jv *it = json_get(v, "items");
	T_REQUIRE(it != NULL && it->n == 1);
	T_EQ_STR(json_get(it->items[0], "sellerPrice")->s, "9999.00");
	v = BOTH_SAME("{\"sellerId\":\"0b8e7f52-1c3d-4a5e-8f9a-7b6c5d4e3f21\",\"items\":"
	    "[{\"productId\":\"6f1c2a8e-3b0d-4e4a-9f7e-2d5c8b1a0e93\",\"quantity\":1,"
	    "\"sellerPrice\":9999.00}]}");
	T_REQUIRE(v != NULL);
	T_EQ_STR(v->members[0].key, "sellerId");
	T_EQ_STR(v->members[1].key, "items");
}

static void
jsonc_same_large_array(void)
{
	struct buf b = { 0 };
	buf_addc(&b, '[');
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "%s{\"i\":%d,\"s\":\"v%d\"}", i ? "," : "", i, i);
	buf_addc(&b, ']');
	struct jv *v = both_same_n(b.p, b.len, __FILE__, __LINE__);
	if (v != NULL)
		T_EQ_STR(json_get(v->items[4999], "i")->s, "4999");
	buf_free(&b);
}

static void
json_equal_tells_apart(void)
{
	/* The harness's comparison is not trivially true. */
	static const char *const pairs[][2] = {
		{ "{\"a\":1,\"b\":2}", "{\"b\":2,\"a\":1}" },   /* key order */
		{ "[1.0]", "[1]" },                              /* number text */
		{ "[\"a\"]", "[\"b\"]" },
		{ "[\"a\"]", "[\"a\",\"a\"]" },
		{ "[null]", "[false]" },
		{ "[true]", "[false]" },
		{ "{\"a\":[]}", "{\"a\":{}}" },
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		arena_reset(A);
		struct jv *x = own_n(pairs[i][0], strlen(pairs[i][0]));
		struct jv *y = own_n(pairs[i][1], strlen(pairs[i][1]));
		T_REQUIRE(x != NULL && y != NULL);
		t_check(!json_equal(x, y), __FILE__, __LINE__, "%s equals %s", pairs[i][0],
		    pairs[i][1]);
		T_ASSERT(json_equal(x, x));
	}
	T_ASSERT(json_equal(NULL, NULL));
}

static void
json_parse_refuses_either_way(void)
{
	/* The request path's parser gives the same refusals either way; its
	 * messages come from the chosen one. */
	arena_reset(A);
	T_ASSERT(json_parse(A, "{\"a\":NaN}", 9, err, sizeof err) == NULL);
	T_ASSERT(json_parse(A, "{\"a\":1,\"a\":2}", 13, err, sizeof err) == NULL);
	T_EQ_STR(err, "duplicate key in object");
}

static const struct t_case cases[] = {
	T_CASE(jsonc_trap_nan_infinity),
	T_CASE(jsonc_trap_single_quotes),
	T_CASE(jsonc_trap_number_forms),
	T_CASE(jsonc_trap_duplicate_keys),
	T_CASE(jsonc_trap_raw_control_characters),
	T_CASE(jsonc_trap_lone_surrogates),
	T_CASE(jsonc_trap_escaped_nul),
	T_CASE(jsonc_trap_embedded_nul),
	T_CASE(jsonc_trap_utf8),
	T_CASE(jsonc_trap_number_text),
	T_CASE(jsonc_trap_depth),
	T_CASE(jsonc_refuses_what_strict_refuses),
	T_CASE(jsonc_same_documents),
	T_CASE(jsonc_same_request_bodies),
	T_CASE(jsonc_same_large_array),
	T_CASE(json_equal_tells_apart),
	T_CASE(json_parse_refuses_either_way),
};

int
main(void)
{
	return t_run("json_jsonc", cases, T_NCASES(cases), setup, teardown);
}
