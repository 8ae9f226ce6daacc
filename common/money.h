/* Money is int64 paise from the parser to the database and back.  The only
 * conversions: decimal text -> paise (money_parse) and paise -> text
 * (money_format, jw_money).  Percentages are exact integer arithmetic in
 * basis points (money_percent_bps, money_commission_allocate). */
#ifndef MONEY_H
#define MONEY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest amount accepted anywhere: 10^13 rupees in paise. */
#define MONEY_MAX INT64_C(1000000000000000)

enum money_err {
	MONEY_OK,
	MONEY_EMPTY,      /* no text */
	MONEY_SYNTAX,     /* not a plain decimal: exponent, sign, spaces, letters */
	MONEY_NEGATIVE,
	MONEY_PRECISION,  /* more than two decimals */
	MONEY_RANGE       /* above MONEY_MAX */
};

/* "1500.10" -> 150010 exactly.  Accepts digits with an optional '.' and one
 * or two decimals; a leading '-' is reported as MONEY_NEGATIVE. */
enum money_err money_parse(const char *s, size_t len, int64_t *out);
/* A currency code as we store it: three upper-case letters ("INR"). */
bool money_currency_ok(const char *s);
const char *money_strerror(enum money_err e);
/* Writes "1500.10" into out (at least 32 bytes). */
char *money_format(int64_t paise, char *out, size_t outlen);
/* Writes paise as rupees for people to read, grouped the Indian way:
 * "₹1,500.00", "₹1,50,000.00", "₹1,00,00,000.00", "-₹5.00" below zero
 * (out: at least 40 bytes; cut, NUL-terminated, when shorter).  Returns
 * out. */
char *money_format_inr(int64_t paise, char *out, size_t outlen);

/* Half-up rounding of paise * bps / 10000 (basis points), for percentages. */
int64_t money_percent_bps(int64_t paise, int64_t bps);

/* The commission of n lines, line i's subtotal[i] paise at rate_bps[i]
 * basis points (inputs >= 0), rounded once from the exact total:
 *
 *   *total_out = half-up round of (sum of subtotal[i] * rate_bps[i]) / 10000
 *
 * computed exactly in integers (paise x basis points), then allocated to
 * the lines by the largest-remainder method: line i gets the floor of its
 * exact share subtotal[i] * rate_bps[i] / 10000, and the paise left over go
 * one each to the lines with the largest fractional remainders, a tie to
 * the earlier line.  The lines add up to the total exactly, each is within
 * one paisa of its exact share, and only a line with a fractional
 * remainder gets a paisa more.  For one line, line_out[0] ==
 * money_percent_bps(subtotal[0], rate_bps[0]).  Lines 0.15 and 0.25 at 10%:
 * total 0.04 (0.015 + 0.025 = 0.040), lines 0.02 and 0.02.
 *
 * line_out has room for n values (it may be NULL when n is 0).  Returns 0,
 * or -1 with nothing written for a negative input or a total beyond
 * int64. */
int money_commission_allocate(const int64_t *subtotal, const int64_t *rate_bps, size_t n,
    int64_t *line_out, int64_t *total_out);

#endif
