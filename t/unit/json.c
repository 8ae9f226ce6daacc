/* common/json.c (strict parser, escaping writer) and common/valid.c's
 * single-value validators (the field tables: t/unit/valid.c). */
#include "../lib/t.h"
#include "json.h"
#include "valid.h"
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static struct arena *A;
static char err[128];

static int setup(void) { A = arena_new(64 * 1024); return A == NULL; }
static int teardown(void) { arena_free(A); return 0; }

static struct jv *
parse_n(const char *s, size_t n)
{
	arena_reset(A);
	return json_parse(A, s, n, err, sizeof err);
}

static struct jv *
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* Printable form of a test input for messages. */
static const char *
shown(const char *s, size_t n)
{
	static char o[200];
	size_t k = 0;
	for (size_t i = 0; i < n && k + 5 < sizeof o; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f)
			o[k++] = (char)c;
		else
			k += (size_t)snprintf(o + k, sizeof o - k, "\\x%02x", c);
	}
	o[k] = '\0';
	return o;
}

#define REJECT_N(s, n) do { \
	struct jv *v_ = parse_n(s, n); \
	t_check(v_ == NULL && err[0] != '\0', __FILE__, __LINE__, \
	    "json_parse(\"%s\") accepted (or rejected without a message)", shown(s, n)); \
} while (0)
#define REJECT(s) REJECT_N(s, strlen(s))
#define ACCEPT(s) do { \
	struct jv *v_ = parse(s); \
	t_check(v_ != NULL, __FILE__, __LINE__, "json_parse(\"%s\") rejected: %s", \
	    shown(s, strlen(s)), err); \
} while (0)

/* ---- parser: accepted documents ---- */

static void
json_parse_nested_document(void)
{
	const char *doc = " {\"a\":[1,{\"b\":\"c\"},[]],\"d\":{\"e\":null,\"f\":true,"
	    "\"g\":false},\"h\":\"\",\"\":0}\r\n\t";
	struct jv *v = parse(doc);
	T_REQUIRE(v != NULL);
	T_EQ_INT(v->type, JV_OBJ);
	T_EQ_INT(v->n, 4);
	T_EQ_STR(v->members[0].key, "a");        /* source order */
	T_EQ_STR(v->members[3].key, "");
	struct jv *a = json_get(v, "a");
	T_REQUIRE(a != NULL && a->type == JV_ARR && a->n == 3);
	T_EQ_INT(a->items[0]->type, JV_NUM);
	T_EQ_STR(a->items[0]->s, "1");
	T_EQ_INT(a->items[1]->type, JV_OBJ);
	T_EQ_STR(json_get(a->items[1], "b")->s, "c");
	T_EQ_INT(a->items[2]->type, JV_ARR);
	T_EQ_INT(a->items[2]->n, 0);
	struct jv *d = json_get(v, "d");
	T_REQUIRE(d != NULL && d->type == JV_OBJ);
	T_EQ_INT(json_get(d, "e")->type, JV_NULL);
	T_ASSERT(json_get(d, "f")->type == JV_BOOL && json_get(d, "f")->b);
	T_ASSERT(json_get(d, "g")->type == JV_BOOL && !json_get(d, "g")->b);
	T_EQ_STR(json_get(v, "h")->s, "");
	T_EQ_INT(json_get(v, "h")->len, 0);
	T_ASSERT(json_get(v, "missing") == NULL);
	T_ASSERT(json_get(a, "a") == NULL);       /* not an object */
	T_ASSERT(json_get(NULL, "a") == NULL);
}

static void
json_parse_top_level_scalars(void)
{
	/* RFC 8259 texts; req_json_or_reply is the one that wants an object. */
	ACCEPT("1");
	ACCEPT("\"x\"");
	ACCEPT("null");
	ACCEPT("true");
	ACCEPT("[]");
	ACCEPT(" {} ");
}

static void
json_parse_unicode_escapes(void)
{
	struct jv *v = parse("[\"\\u00e9\",\"\\u20AC\",\"\\ud83d\\ude00\",\"\\uD83D\\uDE00\","
	    "\"caf\xc3\xa9 \xe6\x9d\x8e\",\"\\/\\\"\\\\\\b\\f\\n\\r\\t\",\"\\u0041\\u007f\"]");
	T_REQUIRE(v != NULL && v->n == 7);
	T_EQ_STR(v->items[0]->s, "\xc3\xa9");
	T_EQ_STR(v->items[1]->s, "\xe2\x82\xac");
	T_EQ_STR(v->items[2]->s, "\xf0\x9f\x98\x80");
	T_EQ_INT(v->items[2]->len, 4);
	T_EQ_STR(v->items[3]->s, "\xf0\x9f\x98\x80");
	T_EQ_STR(v->items[4]->s, "caf\xc3\xa9 \xe6\x9d\x8e");
	T_EQ_INT(v->items[4]->len, 9);
	T_EQ_STR(v->items[5]->s, "/\"\\\b\f\n\r\t");
	T_EQ_STR(v->items[6]->s, "A\x7f");
	/* U+10FFFF, the last code point, raw and escaped. */
	v = parse("[\"\xf4\x8f\xbf\xbf\",\"\\udbff\\udfff\"]");
	T_REQUIRE(v != NULL);
	T_EQ_STR(v->items[0]->s, "\xf4\x8f\xbf\xbf");
	T_EQ_STR(v->items[1]->s, "\xf4\x8f\xbf\xbf");
}

static void
json_parse_numbers_keep_source_text(void)
{
	const char *nums[] = { "1500.10", "0", "-0", "0.5", "1e3", "1E-3", "-12.5e+2",
	    "3000.00", "123456789012345678901234567890", "9007199254740993" };
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		char doc[96];
		snprintf(doc, sizeof doc, "{\"n\":%s}", nums[i]);
		struct jv *v = parse(doc);
		T_REQUIRE(v != NULL);
		struct jv *n = json_get(v, "n");
		T_REQUIRE(n != NULL);
		T_EQ_INT(n->type, JV_NUM);
		T_EQ_STR(n->s, nums[i]);
		T_EQ_INT(n->len, strlen(nums[i]));
	}
}

static void
json_parse_max_depth_accepted(void)
{
	char doc[2 * JSON_MAX_DEPTH + 1];
	for (int i = 0; i < JSON_MAX_DEPTH; i++) {
		doc[i] = '[';
		doc[2 * JSON_MAX_DEPTH - 1 - i] = ']';
	}
	doc[2 * JSON_MAX_DEPTH] = '\0';
	ACCEPT(doc);
}

static void
json_parse_large_array(void)
{
	struct buf b = { 0 };
	buf_addc(&b, '[');
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "%s{\"i\":%d}", i ? "," : "", i);
	buf_addc(&b, ']');
	struct jv *v = parse_n(b.p, b.len);
	T_REQUIRE(v != NULL);
	T_EQ_INT(v->n, 5000);
	T_EQ_STR(json_get(v->items[4999], "i")->s, "4999");
	buf_free(&b);
}

/* ---- parser: rejected documents ---- */

static void json_parse_bad_nan(void) { REJECT("NaN"); REJECT("{\"a\":NaN}"); REJECT("[nan]"); }
static void json_parse_bad_infinity(void)
{
	REJECT("Infinity");
	REJECT("-Infinity");
	REJECT("{\"a\":Infinity}");
	REJECT("[-Infinity]");
	REJECT("1e999999x");
}
static void json_parse_bad_single_quotes(void) { REJECT("'a'"); REJECT("{'a':1}"); REJECT("{\"a\":'b'}"); }
static void json_parse_bad_unquoted_key(void) { REJECT("{a:1}"); REJECT("{1:1}"); REJECT("{null:1}"); }
static void json_parse_bad_trailing_comma(void)
{
	REJECT("[1,]");
	REJECT("{\"a\":1,}");
	REJECT("[,1]");
	REJECT("{,}");
	REJECT("[1,,2]");
}
static void
json_parse_bad_duplicate_keys(void)
{
	REJECT("{\"a\":1,\"a\":2}");
	REJECT("{\"a\":1,\"b\":2,\"a\":1}");
	REJECT("{\"a\":1,\"\\u0061\":2}");      /* the same key once decoded */
	REJECT("{\"x\":{\"a\":1,\"a\":1}}");
	/* The same key in different objects is fine. */
	ACCEPT("{\"a\":{\"a\":1},\"b\":{\"a\":2}}");
}
static void
json_parse_bad_raw_control_characters(void)
{
	REJECT("\"a\tb\"");
	REJECT("\"a\nb\"");
	REJECT("\"\x01\"");
	REJECT("\"\x1f\"");
	REJECT("{\"a\tb\":1}");
}
static void
json_parse_bad_lone_surrogate(void)
{
	REJECT("\"\\ud800\"");
	REJECT("\"\\udc00\"");
	REJECT("\"\\udbff\"");
	REJECT("\"\\ud800\\u0041\"");
	REJECT("\"\\ud800\\ud800\"");
	REJECT("\"\\ud800x\"");
	REJECT("\"\\ude00\\ud83d\"");        /* reversed pair */
}
static void json_parse_bad_escaped_nul(void) { REJECT("\"\\u0000\""); REJECT("{\"\\u0000\":1}"); REJECT("\"a\\u0000b\""); }
static void
json_parse_bad_invalid_utf8(void)
{
	REJECT("\"\xff\"");
	REJECT("\"\xfe\"");
	REJECT("\"\xc3\"");                 /* truncated */
	REJECT("\"\xc3x\"");
	REJECT("\"\xc0\xaf\"");             /* overlong '/' */
	REJECT("\"\xe0\x80\xaf\"");         /* overlong */
	REJECT("\"\xed\xa0\x80\"");         /* UTF-8-encoded surrogate */
	REJECT("\"\xf4\x90\x80\x80\"");     /* above U+10FFFF */
	REJECT("\"\xf8\x88\x80\x80\x80\"");
	REJECT("\"\x80\"");                 /* lone continuation byte */
	REJECT("{\"\xff\":1}");
	REJECT("\xef\xbb\xbf{}");           /* byte order mark */
}
static void
json_parse_bad_bad_escapes(void)
{
	REJECT("\"\\x41\"");
	REJECT("\"\\u12g4\"");
	REJECT("\"\\u12\"");
	REJECT("\"\\U0041\"");
	REJECT("\"\\'\"");
	REJECT("\"\\");
	REJECT("\"abc");
	REJECT("\"abc\\\"");
}
static void
json_parse_bad_two_documents(void)
{
	REJECT("{} {}");
	REJECT("{}{}");
	REJECT("[] 1");
	REJECT("1 2");
	REJECT("{}x");
	REJECT("{},");
}
static void
json_parse_bad_numbers(void)
{
	REJECT("01");
	REJECT("[01]");
	REJECT("-01");
	REJECT("1.");
	REJECT("[1.]");
	REJECT(".5");
	REJECT("+1");
	REJECT("-");
	REJECT("1e");
	REJECT("1e+");
	REJECT("0x10");
	REJECT("1.5.5");
	REJECT("--1");
	REJECT("- 1");
}
static void
json_parse_bad_number_too_long(void)
{
	char doc[80];
	memset(doc, '1', 65);
	doc[65] = '\0';
	REJECT(doc);
	doc[64] = '\0';
	ACCEPT(doc);
}
static void
json_parse_bad_too_deep(void)
{
	char doc[2 * (JSON_MAX_DEPTH + 1) + 1];
	int d = JSON_MAX_DEPTH + 1;
	for (int i = 0; i < d; i++) {
		doc[i] = '[';
		doc[2 * d - 1 - i] = ']';
	}
	doc[2 * d] = '\0';
	REJECT(doc);
	/* Objects count too, and a deep unterminated input is no crash. */
	struct buf b = { 0 };
	for (int i = 0; i < 100000; i++)
		buf_adds(&b, "{\"a\":");
	REJECT_N(b.p, b.len);
	buf_free(&b);
}
static void
json_parse_bad_embedded_nul(void)
{
	REJECT_N("{}\0", 3);
	REJECT_N("{\"a\":1}\0{\"b\":2}", 15);
	REJECT_N("\"a\0b\"", 5);
	REJECT_N("{\"a\0\":1}", 8);
	REJECT_N("\0", 1);
}
static void
json_parse_bad_literals(void)
{
	REJECT("tru");
	REJECT("True");
	REJECT("nul");
	REJECT("NULL");
	REJECT("falsey");
	REJECT("undefined");
}
static void
json_parse_bad_structure(void)
{
	REJECT("");
	REJECT("   ");
	REJECT("[");
	REJECT("]");
	REJECT("{");
	REJECT("{\"a\"}");
	REJECT("{\"a\":}");
	REJECT("{\"a\" 1}");
	REJECT("[1 2]");
	REJECT("{\"a\":1 \"b\":2}");
	REJECT("/* c */{}");
	REJECT("{} // c");
	REJECT("\v{}");                     /* not JSON white space */
	REJECT("\xc2\xa0{}");
}

static void
json_parse_rejects_what_json_c_accepts(void)
{
	/* The documents json-c's strict mode lets through (library notes). */
	const char *docs[] = { "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":-Infinity}",
	    "{'a':1}", "{\"a\":1.}", "{\"a\":1,\"a\":2}", "{\"a\":\"\t\"}",
	    "{\"a\":\"\\ud800\"}" };
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
		REJECT(docs[i]);
}

static void
json_type_names(void)
{
	T_EQ_STR(json_type_name(JV_NULL), "null");
	T_EQ_STR(json_type_name(JV_BOOL), "boolean");
	T_EQ_STR(json_type_name(JV_NUM), "number");
	T_EQ_STR(json_type_name(JV_STR), "string");
	T_EQ_STR(json_type_name(JV_ARR), "array");
	T_EQ_STR(json_type_name(JV_OBJ), "object");
}

/* ---- writer ---- */

static struct buf out;
static struct jw w;

static void
w_start(void)
{
	buf_reset(&out);
	jw_init(&w, &out);
}

static void
jw_nested_exact(void)
{
	w_start();
	jw_obj_open(&w);
	jw_kint(&w, "a", 1);
	jw_key(&w, "b");
	jw_arr_open(&w);
	jw_int(&w, 1);
	jw_int(&w, 2);
	jw_obj_open(&w);
	jw_knull(&w, "c");
	jw_obj_close(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_obj_open(&w);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_kbool(&w, "d", true);
	jw_kbool(&w, "e", false);
	jw_kstr(&w, "f", "x");
	jw_kstr(&w, "g", NULL);
	jw_key(&w, "h");
	jw_raw(&w, "{\"pre\":[1]}");
	jw_kmoney(&w, "i", 150010);
	jw_obj_close(&w);
	T_EQ_STR(out.p, "{\"a\":1,\"b\":[1,2,{\"c\":null},[],{}],\"d\":true,\"e\":false,"
	    "\"f\":\"x\",\"g\":null,\"h\":{\"pre\":[1]},\"i\":1500.10}");
	T_EQ_INT(out.len, strlen(out.p));
}

static void
jw_empty_containers(void)
{
	w_start();
	jw_obj_open(&w);
	jw_obj_close(&w);
	T_EQ_STR(out.p, "{}");
	w_start();
	jw_arr_open(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_arr_open(&w);
	jw_arr_close(&w);
	jw_arr_close(&w);
	T_EQ_STR(out.p, "[[],[]]");
}

static void
jw_escapes_strings(void)
{
	w_start();
	jw_str(&w, "q\"b\\s/n\nr\rt\tb\bf\fc\x01\x1f<>&'\x7f");
	T_EQ_STR(out.p, "\"q\\\"b\\\\s/n\\nr\\rt\\tb\\u0008f\\u000cc\\u0001\\u001f"
	    "\\u003c\\u003e\\u0026'\x7f\"");
	/* HTML-breaking text cannot survive into a response. */
	w_start();
	jw_str(&w, "</script><script>alert(1)</script>");
	T_ASSERT(strchr(out.p, '<') == NULL && strchr(out.p, '>') == NULL);
}

static void
jw_passes_utf8_through(void)
{
	w_start();
	jw_str(&w, "Zo\xc3\xab \xe6\x9d\x8e \xf0\x9f\x98\x80");
	T_EQ_STR(out.p, "\"Zo\xc3\xab \xe6\x9d\x8e \xf0\x9f\x98\x80\"");
}

static void
jw_escapes_embedded_nul(void)
{
	w_start();
	jw_strn(&w, "a\0b", 3);
	T_EQ_STR(out.p, "\"a\\u0000b\"");
	T_EQ_INT(out.len, 10);
}

static void
jw_escapes_keys(void)
{
	w_start();
	jw_obj_open(&w);
	jw_kstr(&w, "a\"b<", "v");
	jw_obj_close(&w);
	T_EQ_STR(out.p, "{\"a\\\"b\\u003c\":\"v\"}");
}

static void
jw_integers(void)
{
	w_start();
	jw_arr_open(&w);
	jw_int(&w, 0);
	jw_int(&w, -1);
	jw_int(&w, INT64_MAX);
	jw_int(&w, INT64_MIN);
	jw_arr_close(&w);
	T_EQ_STR(out.p, "[0,-1,9223372036854775807,-9223372036854775808]");
}

static void
jw_output_parses_back(void)
{
	/* Every byte 1..255 that is valid UTF-8 on its own, then some text. */
	char s[200];
	size_t k = 0;
	for (int c = 1; c < 0x80; c++)
		s[k++] = (char)c;
	s[k] = '\0';
	w_start();
	jw_obj_open(&w);
	jw_kstr(&w, "s", s);
	jw_kstr(&w, "u", "Zo\xc3\xab \xe6\x9d\x8e");
	jw_kmoney(&w, "m", 5);
	jw_obj_close(&w);
	struct jv *v = parse_n(out.p, out.len);
	T_REQUIRE(v != NULL);
	T_EQ_STR(json_get(v, "s")->s, s);
	T_EQ_STR(json_get(v, "u")->s, "Zo\xc3\xab \xe6\x9d\x8e");
	T_EQ_STR(json_get(v, "m")->s, "0.05");
	/* And json-c, a client's parser, reads the same. */
	struct json_object *o = json_tokener_parse(out.p);
	T_REQUIRE(o != NULL);
	struct json_object *js = NULL;
	T_ASSERT(json_object_object_get_ex(o, "s", &js));
	T_EQ_STR(json_object_get_string(js), s);
	json_object_put(o);
}

static void
json_escape_long_text(void)
{
	/* Growth across many reallocations, half of it escaped. */
	struct buf b = { 0 };
	char chunk[] = "ab<\"\n";
	struct buf src = { 0 };
	for (int i = 0; i < 20000; i++)
		buf_adds(&src, chunk);
	json_escape(&b, src.p, src.len);
	T_EQ_INT(b.len, 20000 * (2 + 6 + 2 + 2));
	T_EQ_INT(strlen(b.p), b.len);
	buf_free(&b);
	buf_free(&src);
}

static void
buf_helpers(void)
{
	struct buf b = { 0 };
	buf_printf(&b, "%d-%s", 42, "x");
	buf_addc(&b, '!');
	buf_adds(&b, "yz");
	T_EQ_STR(b.p, "42-x!yz");
	buf_reset(&b);
	T_EQ_INT(b.len, 0);
	T_EQ_STR(b.p, "");
	for (int i = 0; i < 10000; i++)
		buf_printf(&b, "%04d", i);
	T_EQ_INT(b.len, 40000);
	T_ASSERT(memcmp(b.p + 39996, "9999", 4) == 0 && b.p[40000] == '\0');
	buf_free(&b);
	T_ASSERT(b.p == NULL && b.len == 0 && b.cap == 0);
	buf_free(&b);       /* idempotent */
}

/* ---- single-value validators (common/valid.c) ---- */

static void
valid_uuid_values(void)
{
	T_ASSERT(valid_uuid("123e4567-e89b-12d3-a456-426614174000"));
	T_ASSERT(valid_uuid("123E4567-E89B-12D3-A456-426614174000"));
	T_ASSERT(!valid_uuid(NULL));
	T_ASSERT(!valid_uuid(""));
	T_ASSERT(!valid_uuid("123e4567-e89b-12d3-a456-42661417400"));
	T_ASSERT(!valid_uuid("123e4567-e89b-12d3-a456-4266141740000"));
	T_ASSERT(!valid_uuid("123e4567e89b12d3a456426614174000"));
	T_ASSERT(!valid_uuid("123e4567-e89b-12d3-a456-42661417400g"));
	T_ASSERT(!valid_uuid("123e456-7e89b-12d3-a456-426614174000"));
	T_ASSERT(!valid_uuid(" 23e4567-e89b-12d3-a456-426614174000"));
	T_ASSERT(!valid_uuid("{23e4567-e89b-12d3-a456-426614174000"));
}

static void
valid_email_normalizes(void)
{
	T_EQ_STR(valid_email(A, "  John@Example.COM "), "john@example.com");
	T_EQ_STR(valid_email(A, "a@b.co"), "a@b.co");
	T_EQ_STR(valid_email(A, "first.last+tag@sub.example.in"), "first.last+tag@sub.example.in");
	T_EQ_STR(valid_email(A, "\tX@Y.ORG\r\n"), "x@y.org");
}

static void
valid_email_bad(void)
{
	const char *bad[] = { "a@b", "a@@b.com", "a b@c.com", "@x.com", "", "   ",
	    "plain", "a@", "a@.com", "a@b.com.", "a@b..com", ".a@b.com", "a.@b.com",
	    "a@b_c.com", "a,b@c.com", "a<b@c.com", "\"a\"@b.com", "a@[1.2.3.4]",
	    "a\tb@c.com", "a@b.c\x7f" "om", "a@b;c.com" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *e = valid_email(A, bad[i]);
		t_check(e == NULL, __FILE__, __LINE__, "valid_email(\"%s\") accepted as \"%s\"",
		    shown(bad[i], strlen(bad[i])), e ? e : "");
	}
	/* Local part over 64, whole address over 254. */
	char s[300];
	memset(s, 'a', 65);
	strcpy(s + 65, "@b.com");
	T_ASSERT(valid_email(A, s) == NULL);
	memset(s, 'a', 64);
	strcpy(s + 64, "@b.com");
	T_ASSERT(valid_email(A, s) != NULL);
	memset(s, 'a', 10);
	s[10] = '@';
	memset(s + 11, 'b', 250);
	strcpy(s + 261, ".com");
	T_ASSERT(valid_email(A, s) == NULL);
}

static void
valid_phone_values(void)
{
	T_ASSERT(valid_phone("+919876543210"));
	T_ASSERT(valid_phone("9876543210"));
	T_ASSERT(valid_phone("+1234567890"));
	T_ASSERT(valid_phone("1234567"));
	T_ASSERT(valid_phone("123456789012345"));
	T_ASSERT(!valid_phone("123456"));
	T_ASSERT(!valid_phone("1234567890123456"));
	T_ASSERT(!valid_phone(""));
	T_ASSERT(!valid_phone("+"));
	T_ASSERT(!valid_phone("++919876543210"));
	T_ASSERT(!valid_phone("+91 98765 43210"));
	T_ASSERT(!valid_phone("+91-9876543210"));
	T_ASSERT(!valid_phone("98765o3210"));
	T_ASSERT(!valid_phone("9876543210+"));
	T_ASSERT(!valid_phone("\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6\xd9\xa7"));
}

static void
utf8_chars_counts(void)
{
	T_EQ_INT(utf8_chars(""), 0);
	T_EQ_INT(utf8_chars("abc"), 3);
	T_EQ_INT(utf8_chars("Zo\xc3\xab \xe6\x9d\x8e"), 5);
	T_EQ_INT(utf8_chars("\xf0\x9f\x98\x80"), 1);
}

static void
utf8_cut_at_a_character(void)
{
	T_EQ_INT(utf8_cut("", 4), 0);
	T_EQ_INT(utf8_cut("abc", 4), 3);
	T_EQ_INT(utf8_cut("abcd", 4), 4);
	T_EQ_INT(utf8_cut("abcde", 4), 4);
	/* "\xe2\x82\xb9" is one character of three bytes: never split. */
	T_EQ_INT(utf8_cut("ab\xe2\x82\xb9z", 3), 2);
	T_EQ_INT(utf8_cut("ab\xe2\x82\xb9z", 4), 2);
	T_EQ_INT(utf8_cut("ab\xe2\x82\xb9z", 5), 5);
	T_EQ_INT(utf8_cut("\xf0\x9f\x98\x80", 3), 0);
	T_EQ_INT(utf8_cut("abc", 0), 0);
}

/* valid_time: the instant in ms, and its normalized text, or "bad". */
static const char *
time_of(const char *s)
{
	static char o[25];
	int64_t ms;
	if (!valid_time(s, &ms))
		return "bad";
	return valid_time_format(ms, o);
}

static void
valid_time_values(void)
{
	int64_t ms = -1;
	T_ASSERT(valid_time("1970-01-01T00:00:00Z", &ms));
	T_EQ_INT(ms, 0);
	T_ASSERT(valid_time("2024-12-31T23:59:59.000Z", &ms));
	T_EQ_INT(ms, 1735689599000LL);
	T_EQ_STR(time_of("2024-12-31T23:59:59.000Z"), "2024-12-31T23:59:59.000Z");
	T_EQ_STR(time_of("2024-12-31T23:59:59Z"), "2024-12-31T23:59:59.000Z");
	T_EQ_STR(time_of("2024-12-31T23:59:59.5Z"), "2024-12-31T23:59:59.500Z");
	T_EQ_STR(time_of("2024-12-31T23:59:59.123456789Z"), "2024-12-31T23:59:59.123Z");
	T_EQ_STR(time_of("2025-01-01T05:29:59+05:30"), "2024-12-31T23:59:59.000Z");
	T_EQ_STR(time_of("2024-12-31T18:59:59-05:00"), "2024-12-31T23:59:59.000Z");
	T_EQ_STR(time_of("2024-02-29T12:00:00Z"), "2024-02-29T12:00:00.000Z");
	T_EQ_STR(time_of("2000-02-29T00:00:00Z"), "2000-02-29T00:00:00.000Z");
	T_EQ_STR(time_of("9999-12-31T23:59:59.999Z"), "9999-12-31T23:59:59.999Z");
}

static void
valid_time_bad(void)
{
	static const char *const bad[] = {
		"", "2024-12-31", "2024-12-31T23:59Z", "2024-12-31T23:59:59",
		"2024-12-31 23:59:59Z", "2024-12-31t23:59:59z", "2024-12-31T23:59:59.Z",
		"2024-12-31T23:59:59.1234567890Z", "2024-12-31T23:59:60Z", "2024-12-31T24:00:00Z",
		"2024-13-01T00:00:00Z", "2024-00-10T00:00:00Z", "2024-04-31T00:00:00Z",
		"2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-12-00T00:00:00Z",
		"1969-12-31T23:59:59Z", "1970-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01",
		"+2024-12-31T23:59:59Z", " 2024-12-31T23:59:59Z", "2024-12-31T23:59:59Z ",
		"2024-1-31T23:59:59Z", "2024-12-31T23:59:59+0530", "2024-12-31T23:59:59+05",
		"2024-12-31T23:59:59+24:00", "2024-12-31T23:59:59ZZ", "now", "tomorrow",
		"20241231T235959Z", "2024-12-31T23:59:59.-1Z", "2024-12-31T2a:59:59Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms;
		t_check(!valid_time(bad[i], &ms), __FILE__, __LINE__, "valid_time(\"%s\") accepted",
		    bad[i]);
	}
	T_ASSERT(!valid_time(NULL, NULL));
}

static const struct t_case cases[] = {
	T_CASE(json_parse_nested_document),
	T_CASE(json_parse_top_level_scalars),
	T_CASE(json_parse_unicode_escapes),
	T_CASE(json_parse_numbers_keep_source_text),
	T_CASE(json_parse_max_depth_accepted),
	T_CASE(json_parse_large_array),
	T_CASE(json_parse_bad_nan),
	T_CASE(json_parse_bad_infinity),
	T_CASE(json_parse_bad_single_quotes),
	T_CASE(json_parse_bad_unquoted_key),
	T_CASE(json_parse_bad_trailing_comma),
	T_CASE(json_parse_bad_duplicate_keys),
	T_CASE(json_parse_bad_raw_control_characters),
	T_CASE(json_parse_bad_lone_surrogate),
	T_CASE(json_parse_bad_escaped_nul),
	T_CASE(json_parse_bad_invalid_utf8),
	T_CASE(json_parse_bad_bad_escapes),
	T_CASE(json_parse_bad_two_documents),
	T_CASE(json_parse_bad_numbers),
	T_CASE(json_parse_bad_number_too_long),
	T_CASE(json_parse_bad_too_deep),
	T_CASE(json_parse_bad_embedded_nul),
	T_CASE(json_parse_bad_literals),
	T_CASE(json_parse_bad_structure),
	T_CASE(json_parse_rejects_what_json_c_accepts),
	T_CASE(json_type_names),
	T_CASE(jw_nested_exact),
	T_CASE(jw_empty_containers),
	T_CASE(jw_escapes_strings),
	T_CASE(jw_passes_utf8_through),
	T_CASE(jw_escapes_embedded_nul),
	T_CASE(jw_escapes_keys),
	T_CASE(jw_integers),
	T_CASE(jw_output_parses_back),
	T_CASE(json_escape_long_text),
	T_CASE(buf_helpers),
	T_CASE(valid_uuid_values),
	T_CASE(valid_email_normalizes),
	T_CASE(valid_email_bad),
	T_CASE(valid_phone_values),
	T_CASE(utf8_chars_counts),
	T_CASE(utf8_cut_at_a_character),
	T_CASE(valid_time_values),
	T_CASE(valid_time_bad),
};

static int
teardown_all(void)
{
	buf_free(&out);
	return teardown();
}

int
main(void)
{
	return t_run("json", cases, T_NCASES(cases), setup, teardown_all);
}
