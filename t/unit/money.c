/* common/money.c: decimal text <-> int64 paise, and percentages.
 *
 * Contract notes pinned by these tests:
 * - money_parse reads exactly len bytes: digits, then optionally '.' and one
 *   or two digits.  Leading zeros ("01.5") are accepted: the JSON parser
 *   already rejects them in numbers, and a numeric string "01.50" is
 *   unambiguous.
 * - A leading '-' is MONEY_NEGATIVE even when the amount is also too large;
 *   a '-' followed by something that is not an amount is MONEY_SYNTAX.
 * - money_percent_bps rounds half away from zero (half-up on magnitudes). */
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
	T_CASE(money_format_parse_round_trip),
	T_CASE(jw_money_in_object),
	T_CASE(money_percent_bps_exact),
	T_CASE(money_percent_bps_half_up),
	T_CASE(money_percent_bps_negative_symmetric),
	T_CASE(money_percent_bps_no_overflow),
};

int
main(void)
{
	return t_run("money", cases, T_NCASES(cases), NULL, NULL);
}
