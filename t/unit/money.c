/* common/money.c: decimal text <-> int64 paise, and percentages.
 *
 * Contract notes pinned by these tests:
 * - money_parse reads exactly len bytes: digits, then optionally '.' and one
 *   or two digits.  Leading zeros ("01.5") are accepted: the JSON parser
 *   already rejects them in numbers, and a numeric string "01.50" is
 *   unambiguous.
 * - A leading '-' is MONEY_NEGATIVE even when the amount is also too large;
 *   a '-' followed by something that is not an amount is MONEY_SYNTAX.
 * - money_percent_bps rounds half away from zero (half-up on magnitudes).
 * - money_commission_allocate rounds the commission once, from the exact
 *   sum of the lines' shares, and gives each line the floor of its share
 *   plus one paisa for the lines with the largest remainders (ties to the
 *   earlier line): the lines add up to the total. */
#include "../lib/t.h"
#include "json.h"
#include "money.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static enum money_err
parse(const char *s, int64_t *out)
{
	*out = -12345;
	return money_parse(s, strlen(s), out);
}

#define OK(text, want) do { \
	int64_t v_; \
	enum money_err e_ = parse(text, &v_); \
	t_check(e_ == MONEY_OK && v_ == (want), __FILE__, __LINE__, \
	    "money_parse(\"%s\") = err %d, %" PRId64 "; expected ok, %" PRId64, \
	    text, (int)e_, v_, (int64_t)(want)); \
} while (0)

#define BAD(text, want_err) do { \
	int64_t v_; \
	enum money_err e_ = parse(text, &v_); \
	t_check(e_ == (want_err), __FILE__, __LINE__, \
	    "money_parse(\"%s\") = err %d (%s), expected err %d (%s)", text, \
	    (int)e_, money_strerror(e_), (int)(want_err), money_strerror(want_err)); \
	t_check(v_ == -12345, __FILE__, __LINE__, \
	    "money_parse(\"%s\") wrote %" PRId64 " on error", text, v_); \
} while (0)

static void
money_parse_two_decimals_exact(void)
{
	OK("1500.10", 150010);
	OK("1500.00", 150000);
	OK("19.99", 1999);
	OK("0.29", 29);       /* 0.29 * 100 is 28.999... in binary floating point */
	OK("1.13", 113);
	OK("4.35", 435);
	OK("1000.00", 100000);
}

static void
money_parse_every_cent_exact(void)
{
	for (int c = 0; c < 100; c++) {
		char s[32];
		snprintf(s, sizeof s, "123.%02d", c);
		OK(s, 12300 + c);
		snprintf(s, sizeof s, "0.%02d", c);
		OK(s, c);
	}
}

static void
money_parse_one_decimal(void)
{
	OK("0.1", 10);
	OK("1500.1", 150010);
	OK("2.5", 250);
}

static void
money_parse_integer(void)
{
	OK("1500", 150000);
	OK("1", 100);
	OK("3000", 300000);
}

static void
money_parse_zero(void)
{
	OK("0", 0);
	OK("0.0", 0);
	OK("0.00", 0);
}

static void
money_parse_leading_zero_accepted(void)
{
	OK("01.5", 150);
	OK("007", 700);
	OK("00.01", 1);
}

static void
money_parse_maximum(void)
{
	OK("10000000000000", MONEY_MAX);
	OK("10000000000000.00", MONEY_MAX);
	OK("9999999999999.99", MONEY_MAX - 1);
}

static void
money_parse_reads_only_len_bytes(void)
{
	int64_t v = 0;
	T_EQ_INT(money_parse("1500.10xyz", 7, &v), MONEY_OK);
	T_EQ_INT(v, 150010);
	T_EQ_INT(money_parse("12345", 2, &v), MONEY_OK);
	T_EQ_INT(v, 1200);
}

static void
money_parse_bad_exponent(void)
{
	BAD("1e3", MONEY_SYNTAX);
	BAD("1E3", MONEY_SYNTAX);
	BAD("1.5e2", MONEY_SYNTAX);
	BAD("15e-1", MONEY_SYNTAX);
}

static void
money_parse_bad_negative(void)
{
	BAD("-1", MONEY_NEGATIVE);
	BAD("-0.01", MONEY_NEGATIVE);
	BAD("-1500.10", MONEY_NEGATIVE);
	BAD("-99999999999999999999", MONEY_NEGATIVE);
	BAD("-0", MONEY_NEGATIVE);
}

static void
money_parse_bad_sign_only(void)
{
	BAD("-", MONEY_SYNTAX);
	BAD("+1", MONEY_SYNTAX);
	BAD("--1", MONEY_SYNTAX);
}

static void
money_parse_bad_three_decimals(void)
{
	BAD("1.234", MONEY_PRECISION);
	BAD("0.001", MONEY_PRECISION);
	BAD("1500.100", MONEY_PRECISION);
}

static void
money_parse_bad_out_of_range(void)
{
	BAD("99999999999999999999", MONEY_RANGE);
	BAD("10000000000000.01", MONEY_RANGE);
	BAD("10000000000001", MONEY_RANGE);
	BAD("99999999999999999999999999999999999999999999", MONEY_RANGE);
}

static void
money_parse_bad_empty(void)
{
	int64_t v = -1;
	T_EQ_INT(money_parse("", 0, &v), MONEY_EMPTY);
	T_EQ_INT(money_parse(NULL, 0, &v), MONEY_EMPTY);
	T_EQ_INT(money_parse("1", 0, &v), MONEY_EMPTY);
	T_EQ_INT(v, -1);
}

static void
money_parse_bad_whitespace(void)
{
	BAD(" 1", MONEY_SYNTAX);
	BAD("1 ", MONEY_SYNTAX);
	BAD("1 000", MONEY_SYNTAX);
	BAD("\t1", MONEY_SYNTAX);
}

static void
money_parse_bad_dangling_point(void)
{
	BAD("1.", MONEY_SYNTAX);
	BAD(".5", MONEY_SYNTAX);
	BAD(".", MONEY_SYNTAX);
	BAD("1..2", MONEY_SYNTAX);
	BAD("1.2.3", MONEY_SYNTAX);
}

static void
money_parse_bad_not_a_number(void)
{
	BAD("NaN", MONEY_SYNTAX);
	BAD("Infinity", MONEY_SYNTAX);
	BAD("-Infinity", MONEY_SYNTAX);
	BAD("abc", MONEY_SYNTAX);
	BAD("0x10", MONEY_SYNTAX);
	BAD("1,5", MONEY_SYNTAX);
	BAD("1,000.00", MONEY_SYNTAX);
	BAD("\xef\xbc\x91", MONEY_SYNTAX);   /* fullwidth digit one */
	BAD("true", MONEY_SYNTAX);
}

static void
money_parse_bad_embedded_nul(void)
{
	int64_t v = -1;
	T_EQ_INT(money_parse("1\0", 2, &v), MONEY_SYNTAX);
	T_EQ_INT(money_parse("1.5\0" "0", 5, &v), MONEY_SYNTAX);
	T_EQ_INT(v, -1);
}

static void
money_strerror_messages(void)
{
	for (int e = MONEY_OK; e <= MONEY_RANGE; e++) {
		const char *m = money_strerror((enum money_err)e);
		T_ASSERT(m != NULL && m[0] != '\0');
		if (m == NULL || m[0] == '\0')
			continue;
		/* PostgreSQL style: lower case, no final period. */
		t_check(!(m[0] >= 'A' && m[0] <= 'Z') && m[strlen(m) - 1] != '.', __FILE__,
		    __LINE__, "money_strerror(%d) = \"%s\" is not lower case without period", e, m);
	}
}

static void
fmt_is(int64_t paise, const char *want, int line)
{
	char out[32];
	memset(out, 'x', sizeof out);
	money_format(paise, out, sizeof out);
	t_check(strcmp(out, want) == 0, __FILE__, line,
	    "money_format(%" PRId64 ") = \"%s\", expected \"%s\"", paise, out, want);
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_money(&w, paise);
	t_check(b.p != NULL && strcmp(b.p, want) == 0, __FILE__, line,
	    "jw_money(%" PRId64 ") = \"%s\", expected \"%s\"", paise, b.p ? b.p : "(null)", want);
	buf_free(&b);
}

static void
money_format_values(void)
{
	fmt_is(150010, "1500.10", __LINE__);
	fmt_is(5, "0.05", __LINE__);
	fmt_is(50, "0.50", __LINE__);
	fmt_is(0, "0.00", __LINE__);
	fmt_is(100, "1.00", __LINE__);
	fmt_is(300000, "3000.00", __LINE__);
	fmt_is(-5, "-0.05", __LINE__);
	fmt_is(-150010, "-1500.10", __LINE__);
	fmt_is(MONEY_MAX, "10000000000000.00", __LINE__);
	fmt_is(INT64_MAX, "92233720368547758.07", __LINE__);
	fmt_is(INT64_MIN, "-92233720368547758.08", __LINE__);
}

static void
money_format_truncates_safely(void)
{
	char out[8];
	memset(out, 'x', sizeof out);
	money_format(150010, out, 4);
	T_EQ_STR(out, "150");
	T_EQ_INT(out[4], 'x');
}

static void
inr_is(int64_t paise, const char *want, int line)
{
	char out[40];
	money_format_inr(paise, out, sizeof out);
	t_check(strcmp(out, want) == 0, __FILE__, line,
	    "money_format_inr(%" PRId64 ") = \"%s\", expected \"%s\"", paise, out, want);
}

/* Rupees grouped the Indian way: the last three digits, then pairs. */
static void
money_format_inr_values(void)
{
	inr_is(0, "\u20b90.00", __LINE__);
	inr_is(5, "\u20b90.05", __LINE__);
	inr_is(99999, "\u20b9999.99", __LINE__);
	inr_is(100000, "\u20b91,000.00", __LINE__);
	inr_is(150000, "\u20b91,500.00", __LINE__);
	inr_is(150010, "\u20b91,500.10", __LINE__);
	inr_is(1000000, "\u20b910,000.00", __LINE__);
	inr_is(15000000, "\u20b91,50,000.00", __LINE__);
	inr_is(99999999, "\u20b99,99,999.99", __LINE__);
	inr_is(1000000000, "\u20b91,00,00,000.00", __LINE__);
	inr_is(12345678901, "\u20b912,34,56,789.01", __LINE__);
	inr_is(-500, "-\u20b95.00", __LINE__);
	inr_is(-15000000, "-\u20b91,50,000.00", __LINE__);
	inr_is(MONEY_MAX, "\u20b91,00,00,00,00,00,000.00", __LINE__);
	inr_is(INT64_MAX, "\u20b992,23,37,20,36,85,47,758.07", __LINE__);
	inr_is(INT64_MIN, "-\u20b992,23,37,20,36,85,47,758.08", __LINE__);
}

static void
money_format_inr_truncates_safely(void)
{
	char out[8];
	memset(out, 'x', sizeof out);
	money_format_inr(15000000, out, 6);     /* "\u20b9" is three bytes */
	T_EQ_STR(out, "\u20b91,");
	T_EQ_INT(out[6], 'x');
}

static void
money_format_parse_round_trip(void)
{
	const int64_t vals[] = { 0, 1, 9, 10, 99, 100, 101, 150010, 999999, 123456789,
	    MONEY_MAX - 1, MONEY_MAX };
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		char s[32];
		int64_t back = -1;
		money_format(vals[i], s, sizeof s);
		enum money_err e = money_parse(s, strlen(s), &back);
		t_check(e == MONEY_OK && back == vals[i], __FILE__, __LINE__,
		    "round trip of %" PRId64 " via \"%s\" gave err %d, %" PRId64,
		    vals[i], s, (int)e, back);
	}
}

static void
jw_money_in_object(void)
{
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kmoney(&w, "subtotal", 300000);
	jw_kmoney(&w, "commission", 30000);
	jw_key(&w, "list");
	jw_arr_open(&w);
	jw_money(&w, 5);
	jw_money(&w, -150010);
	jw_arr_close(&w);
	jw_obj_close(&w);
	T_EQ_STR(b.p, "{\"subtotal\":3000.00,\"commission\":300.00,\"list\":[0.05,-1500.10]}");
	buf_free(&b);
}

#define PCT(paise, bps, want) t_check(money_percent_bps(paise, bps) == (want), \
	__FILE__, __LINE__, "money_percent_bps(%lld, %lld) = %" PRId64 ", expected %lld", \
	(long long)(paise), (long long)(bps), money_percent_bps(paise, bps), (long long)(want))

static void
money_percent_bps_exact(void)
{
	PCT(300000, 1000, 30000);   /* 10% of 3000.00 = 300.00 */
	PCT(100000, 5000, 50000);
	PCT(150010, 10000, 150010);
	PCT(150010, 0, 0);
	PCT(0, 1000, 0);
}

static void
money_percent_bps_half_up(void)
{
	PCT(5, 1000, 1);      /* 0.5 -> 1 */
	PCT(4, 1000, 0);      /* 0.4 -> 0 */
	PCT(6, 1000, 1);      /* 0.6 -> 1 */
	PCT(15, 1000, 2);     /* 1.5 -> 2 */
	PCT(25, 1000, 3);     /* 2.5 -> 3: not banker's rounding */
	PCT(1, 5000, 1);      /* 0.5 -> 1 */
	PCT(1, 4999, 0);
	PCT(33333, 3333, 11110); /* 11109.8889 -> 11110 */
}

static void
money_percent_bps_negative_symmetric(void)
{
	PCT(-5, 1000, -1);
	PCT(-4, 1000, 0);
	PCT(-15, 1000, -2);
	PCT(5, -1000, -1);
	PCT(-300000, 1000, -30000);
	for (int64_t p = 0; p < 500; p++)
		for (int64_t bps = 0; bps <= 10000; bps += 137)
			if (money_percent_bps(-p, bps) != -money_percent_bps(p, bps)) {
				PCT(-p, bps, -money_percent_bps(p, bps));
				return;
			}
}

static void
money_percent_bps_no_overflow(void)
{
	PCT(MONEY_MAX, 10000, MONEY_MAX);
	PCT(MONEY_MAX, 1000, MONEY_MAX / 10);
	PCT(MONEY_MAX, 1000000, MONEY_MAX * 100);
	PCT(-MONEY_MAX, 1000000, -MONEY_MAX * 100);
}

/* ---- money_commission_allocate ---- */

/* Allocates sub[i] at bps[i]; checks the return, the total and the lines. */
static void
alloc_check(const char *file, int line, const int64_t *sub, const int64_t *bps, size_t n,
    int64_t want_total, const int64_t *want_lines)
{
	int64_t lines[16], total = -1;
	int rc = money_commission_allocate(sub, bps, n, lines, &total);
	if (!t_check(rc == 0, file, line, "money_commission_allocate returned %d", rc))
		return;
	t_check(total == want_total, file, line, "total %" PRId64 ", expected %" PRId64,
	    total, want_total);
	for (size_t i = 0; i < n; i++)
		t_check(lines[i] == want_lines[i], file, line,
		    "line %zu: %" PRId64 ", expected %" PRId64, i, lines[i], want_lines[i]);
}
#define ALLOC(sub, bps, total, lines) alloc_check(__FILE__, __LINE__, sub, bps, \
	T_NCASES(sub), total, lines)

static void
money_commission_allocate_rounds_once(void)
{
	/* 0.15 and 0.25 at 10%: shares 1.5 and 2.5 paise (15000 and 25000
	 * paise x bps).  Exact total 4.0 -> 4 (0.04), not 2 + 3 = 5 (0.05).
	 * Floors 1 + 2 = 3, one paisa left; the remainders tie (0.5 each), so
	 * the earlier line takes it: lines 2 and 2. */
	int64_t sub[] = { 15, 25 }, bps[] = { 1000, 1000 }, want[] = { 2, 2 };
	ALLOC(sub, bps, 4, want);
}

static void
money_commission_allocate_hundred_half_paise(void)
{
	/* 100 lines of 0.05 at 10%: 0.5 paisa each, exact total 50 (0.50),
	 * not 100 (1.00); every remainder ties, the first 50 lines win. */
	int64_t sub[100], bps[100], lines[100], total = -1;
	for (int i = 0; i < 100; i++) {
		sub[i] = 5;
		bps[i] = 1000;
	}
	T_REQUIRE(money_commission_allocate(sub, bps, 100, lines, &total) == 0);
	T_EQ_INT(total, 50);
	for (int i = 0; i < 100; i++)
		t_check(lines[i] == (i < 50 ? 1 : 0), __FILE__, __LINE__,
		    "line %d: %" PRId64 ", expected %d", i, lines[i], i < 50 ? 1 : 0);
}

static void
money_commission_allocate_three_way_tie(void)
{
	/* 0.7, 0.5, 0.5, 0.5 paise: exact 2.2 -> 2; the 0.7 line first, then
	 * one of the three tied 0.5 lines: the earliest. */
	int64_t sub[] = { 7, 5, 5, 5 }, bps[] = { 1000, 1000, 1000, 1000 };
	int64_t want[] = { 1, 1, 0, 0 };
	ALLOC(sub, bps, 2, want);
	/* The same with the largest remainder last: it still wins, then the
	 * earliest of the tie. */
	int64_t sub2[] = { 5, 5, 5, 7 }, want2[] = { 1, 0, 0, 1 };
	ALLOC(sub2, bps, 2, want2);
	/* Three tied lines and two paise: the first two.  Shares 10.5 each
	 * (105 at 10%), exact 31.5 -> 32; floors 30, two left. */
	int64_t sub3[] = { 105, 105, 105 }, bps3[] = { 1000, 1000, 1000 };
	int64_t want3[] = { 11, 11, 10 };
	ALLOC(sub3, bps3, 32, want3);
}

static void
money_commission_allocate_mixed_rates(void)
{
	/* 0.15 at 10% (1.5), 0.25 at 10% (2.5), 0.10 at 5% (0.5): exact 4.5
	 * -> 5 (half-up once; per line it would be 2 + 3 + 1 = 6).  Floors
	 * 1 + 2 + 0, two paise left, all three remainders 0.5: lines 0, 1. */
	int64_t sub[] = { 15, 25, 10 }, bps[] = { 1000, 1000, 500 }, want[] = { 2, 3, 0 };
	ALLOC(sub, bps, 5, want);
	/* 19.99 at 10% (199.9), 33.33 at 12.5% (416.625), 45.67 at 3.33%
	 * (152.0811), 1.01 at 0%: exact 768.6061 -> 769; floors 767, two
	 * left, to the largest remainders .9 and .625. */
	int64_t sub2[] = { 1999, 3333, 4567, 101 }, bps2[] = { 1000, 1250, 333, 0 };
	int64_t want2[] = { 200, 417, 152, 0 };
	ALLOC(sub2, bps2, 769, want2);
	/* 0.49 at 1% (0.49 paisa) and 0.17 at 3% (0.51): exact 1.00 -> 1, to
	 * the larger remainder, the later line. */
	int64_t sub3[] = { 49, 17 }, bps3[] = { 100, 300 }, want3[] = { 0, 1 };
	ALLOC(sub3, bps3, 1, want3);
}

static void
money_commission_allocate_zero_rate(void)
{
	int64_t sub[] = { 150000, 99, 1 }, bps[] = { 0, 0, 0 }, want[] = { 0, 0, 0 };
	ALLOC(sub, bps, 0, want);
	/* A line without a remainder never takes a paisa, even first. */
	int64_t sub2[] = { 5, 5, 5 }, bps2[] = { 0, 1000, 1000 }, want2[] = { 0, 1, 0 };
	ALLOC(sub2, bps2, 1, want2);
	int64_t sub3[] = { 0, 5 }, bps3[] = { 1000, 1000 }, want3[] = { 0, 1 };
	ALLOC(sub3, bps3, 1, want3);
}

static void
money_commission_allocate_empty(void)
{
	int64_t total = -1;
	T_EQ_INT(money_commission_allocate(NULL, NULL, 0, NULL, &total), 0);
	T_EQ_INT(total, 0);
}

static void
money_commission_allocate_single_line_is_percent(void)
{
	/* The brief's example: 3000.00 at 10% = 300.00. */
	int64_t sub[] = { 300000 }, bps[] = { 1000 }, want[] = { 30000 };
	ALLOC(sub, bps, 30000, want);
	for (int64_t p = 0; p < 3000; p += 7)
		for (int64_t b = 0; b <= 10000; b += 113) {
			int64_t line = -1, total = -1;
			int rc = money_commission_allocate(&p, &b, 1, &line, &total);
			int64_t want1 = money_percent_bps(p, b);
			if (rc != 0 || line != want1 || total != want1) {
				T_FAIL("single line %" PRId64 " at %" PRId64 " bps: rc %d, line %"
				    PRId64 ", total %" PRId64 ", money_percent_bps %" PRId64,
				    p, b, rc, line, total, want1);
				return;
			}
		}
	int64_t big[] = { MONEY_MAX }, full[] = { 10000 }, wbig[] = { MONEY_MAX };
	ALLOC(big, full, MONEY_MAX, wbig);
}

static void
money_commission_allocate_bad_negative(void)
{
	int64_t sub[] = { 100, -1 }, bps[] = { 1000, 1000 }, lines[2] = { -7, -7 };
	int64_t total = -7;
	T_EQ_INT(money_commission_allocate(sub, bps, 2, lines, &total), -1);
	int64_t sub2[] = { 100, 1 }, bps2[] = { 1000, -1000 };
	T_EQ_INT(money_commission_allocate(sub2, bps2, 2, lines, &total), -1);
	T_EQ_INT(total, -7);                       /* nothing written */
	T_EQ_INT(lines[0], -7);
}

static void
money_commission_allocate_bad_overflow(void)
{
	int64_t lines[3] = { -7, -7, -7 }, total = -7;
	/* A total beyond int64: INT64_MAX paise at 100.01%. */
	int64_t sub[] = { INT64_MAX }, bps[] = { 10001 };
	T_EQ_INT(money_commission_allocate(sub, bps, 1, lines, &total), -1);
	/* A sum beyond int128: three shares of about 2^126. */
	int64_t sub3[] = { INT64_MAX, INT64_MAX, INT64_MAX };
	int64_t bps3[] = { INT64_MAX, INT64_MAX, INT64_MAX };
	T_EQ_INT(money_commission_allocate(sub3, bps3, 3, lines, &total), -1);
	T_EQ_INT(total, -7);
	T_EQ_INT(lines[0], -7);
	/* The largest that fits: INT64_MAX at 100%. */
	int64_t fit[] = { INT64_MAX }, one[] = { 10000 };
	T_EQ_INT(money_commission_allocate(fit, one, 1, lines, &total), 0);
	T_EQ_INT(total, INT64_MAX);
	T_EQ_INT(lines[0], INT64_MAX);
}

/* xorshift64*: the same carts on every platform. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* One cart's properties, checked independently of the allocation: the
 * shares in plain int64 (subtotals < 10^9, rates <= 10^4, n <= 100, so
 * the sum stays below 10^15), the total as floor((2 sum + 10^4) / (2 10^4)).
 * false after reporting the first broken property. */
static bool
cart_ok(const int64_t *sub, const int64_t *bps, size_t n, int cart)
{
	int64_t lines[100], total = -1, sum = 0;
	if (money_commission_allocate(sub, bps, n, lines, &total) != 0)
		return T_FAIL("cart %d: allocation failed", cart);
	for (size_t i = 0; i < n; i++)
		sum += sub[i] * bps[i];
	int64_t want = (2 * sum + 10000) / 20000, added = 0;
	if (total != want)
		return T_FAIL("cart %d: total %" PRId64 ", exact %" PRId64 " rounds to %" PRId64,
		    cart, total, sum, want);
	for (size_t i = 0; i < n; i++) {
		int64_t share = sub[i] * bps[i], diff = lines[i] * 10000 - share;
		added += lines[i];
		if (diff <= -10000 || diff >= 10000)
			return T_FAIL("cart %d line %zu: %" PRId64 " for an exact share of %"
			    PRId64 "/10000", cart, i, lines[i], share);
		/* Largest remainder: a line rounded up never has a smaller
		 * remainder than one rounded down, nor an equal one after it. */
		for (size_t j = 0; diff > 0 && j < n; j++) {
			int64_t sj = sub[j] * bps[j];
			bool down = lines[j] * 10000 <= sj && sj % 10000 != 0;
			if (down && (sj % 10000 > share % 10000 ||
			    (sj % 10000 == share % 10000 && j < i)))
				return T_FAIL("cart %d: line %zu rounded up, line %zu (remainder %"
				    PRId64 ") rounded down", cart, i, j, sj % 10000);
		}
	}
	if (added != total)
		return T_FAIL("cart %d: lines add up to %" PRId64 ", total %" PRId64, cart,
		    added, total);
	return true;
}

static void
money_commission_allocate_random_carts(void)
{
	uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
	static const int64_t rates[] = { 0, 1, 333, 500, 1000, 1250, 1500, 5000, 9999, 10000 };
	int64_t sub[100], bps[100];
	for (int cart = 0; cart < 5000; cart++) {
		size_t n = 1 + rnd(&seed) % (cart % 10 == 0 ? 100 : 8);
		for (size_t i = 0; i < n; i++) {
			/* Small carts make remainders and ties common; some large. */
			uint64_t scale = cart % 3 == 0 ? 1000000000 : cart % 3 == 1 ? 1000 : 50;
			sub[i] = (int64_t)(rnd(&seed) % scale);
			bps[i] = rnd(&seed) % 2 ? rates[rnd(&seed) % T_NCASES(rates)] :
			    (int64_t)(rnd(&seed) % 10001);
		}
		if (!cart_ok(sub, bps, n, cart))
			return;
	}
}

static const struct t_case cases[] = {
	T_CASE(money_parse_two_decimals_exact),
	T_CASE(money_parse_every_cent_exact),
	T_CASE(money_parse_one_decimal),
	T_CASE(money_parse_integer),
	T_CASE(money_parse_zero),
	T_CASE(money_parse_leading_zero_accepted),
	T_CASE(money_parse_maximum),
	T_CASE(money_parse_reads_only_len_bytes),
	T_CASE(money_parse_bad_exponent),
	T_CASE(money_parse_bad_negative),
	T_CASE(money_parse_bad_sign_only),
	T_CASE(money_parse_bad_three_decimals),
	T_CASE(money_parse_bad_out_of_range),
	T_CASE(money_parse_bad_empty),
	T_CASE(money_parse_bad_whitespace),
	T_CASE(money_parse_bad_dangling_point),
	T_CASE(money_parse_bad_not_a_number),
	T_CASE(money_parse_bad_embedded_nul),
	T_CASE(money_strerror_messages),
	T_CASE(money_format_values),
	T_CASE(money_format_truncates_safely),
	T_CASE(money_format_inr_values),
	T_CASE(money_format_inr_truncates_safely),
	T_CASE(money_format_parse_round_trip),
	T_CASE(jw_money_in_object),
	T_CASE(money_percent_bps_exact),
	T_CASE(money_percent_bps_half_up),
	T_CASE(money_percent_bps_negative_symmetric),
	T_CASE(money_percent_bps_no_overflow),
	T_CASE(money_commission_allocate_rounds_once),
	T_CASE(money_commission_allocate_hundred_half_paise),
	T_CASE(money_commission_allocate_three_way_tie),
	T_CASE(money_commission_allocate_mixed_rates),
	T_CASE(money_commission_allocate_zero_rate),
	T_CASE(money_commission_allocate_empty),
	T_CASE(money_commission_allocate_single_line_is_percent),
	T_CASE(money_commission_allocate_bad_negative),
	T_CASE(money_commission_allocate_bad_overflow),
	T_CASE(money_commission_allocate_random_carts),
};

int
main(void)
{
	return t_run("money", cases, T_NCASES(cases), NULL, NULL);
}
