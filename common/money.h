/* Money is int64 paise from the parser to the database and back.  The only
 * conversions: decimal text -> paise (money_parse) and paise -> text
 * (money_format, jw_money). */
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
const char *money_strerror(enum money_err e);
/* Writes "1500.10" into out (at least 32 bytes). */
char *money_format(int64_t paise, char *out, size_t outlen);

/* Half-up rounding of paise * bps / 10000 (basis points), for percentages. */
int64_t money_percent_bps(int64_t paise, int64_t bps);

#endif
