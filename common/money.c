#include "money.h"
#include <inttypes.h>
#include <stdio.h>

enum money_err
money_parse(const char *s, size_t len, int64_t *out)
{
	if (s == NULL || len == 0)
		return MONEY_EMPTY;
	size_t i = 0;
	bool neg = false;
	if (s[0] == '-') {
		neg = true;
		i++;
	}
	int64_t units = 0;
	size_t digits = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (units > MONEY_MAX / 100)
			return neg ? MONEY_NEGATIVE : MONEY_RANGE;
		units = units * 10 + (s[i] - '0');
	}
	if (digits == 0)
		return MONEY_SYNTAX;
	int64_t frac = 0;
	size_t fdigits = 0;
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++, fdigits++) {
			if (fdigits >= 2)
				return MONEY_PRECISION;
			frac = frac * 10 + (s[i] - '0');
		}
		if (fdigits == 0)
			return MONEY_SYNTAX;
		if (fdigits == 1)
			frac *= 10;
	}
	if (i != len)
		return MONEY_SYNTAX;
	if (neg)
		return MONEY_NEGATIVE;
	if (units > MONEY_MAX / 100)
		return MONEY_RANGE;
	int64_t v = units * 100 + frac;
	if (v > MONEY_MAX)
		return MONEY_RANGE;
	*out = v;
	return MONEY_OK;
}

const char *
money_strerror(enum money_err e)
{
	switch (e) {
	case MONEY_OK: return "ok";
	case MONEY_EMPTY: return "must be an amount";
	case MONEY_SYNTAX: return "must be a decimal amount like 1500.00";
	case MONEY_NEGATIVE: return "must not be negative";
	case MONEY_PRECISION: return "must have at most two decimal places";
	case MONEY_RANGE: return "is too large";
	}
	return "is invalid";
}

char *
money_format(int64_t paise, char *out, size_t outlen)
{
	uint64_t m = paise < 0 ? (uint64_t)0 - (uint64_t)paise : (uint64_t)paise;
	snprintf(out, outlen, "%s%" PRIu64 ".%02u", paise < 0 ? "-" : "", m / 100,
	    (unsigned)(m % 100));
	return out;
}

int64_t
money_percent_bps(int64_t paise, int64_t bps)
{
	/* |paise| <= 10^15 and bps <= 10^6 would overflow int64; use 128 bits. */
	__int128 p = (__int128)paise * bps;
	__int128 q = p / 10000, r = p % 10000;
	if (r < 0) r = -r;
	if (r * 2 >= 10000)
		q += p < 0 ? -1 : 1;
	return (int64_t)q;
}
