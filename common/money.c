#include "money.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

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

char *
money_format_inr(int64_t paise, char *out, size_t outlen)
{
	uint64_t m = paise < 0 ? (uint64_t)0 - (uint64_t)paise : (uint64_t)paise;
	char digits[24], grouped[40];
	int nd = snprintf(digits, sizeof digits, "%" PRIu64, m / 100);
	size_t g = 0;
	/* The last three digits, then pairs: 1,00,00,000. */
	for (int i = 0; i < nd; i++) {
		int left = nd - i;
		if (i > 0 && (left == 3 || (left > 3 && (left - 3) % 2 == 0)))
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	snprintf(out, outlen, "%s\u20b9%s.%02u", paise < 0 ? "-" : "", grouped,
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

#define BPS_DIV 10000

/* Line i's exact share in paise x basis points. */
static __int128
share_bps(const int64_t *subtotal, const int64_t *rate_bps, size_t i)
{
	return (__int128)subtotal[i] * rate_bps[i];
}

/* How many lines have a remainder (of their share over BPS_DIV) above x. */
static size_t
rem_above(const int64_t *subtotal, const int64_t *rate_bps, size_t n, int x)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if ((int)(share_bps(subtotal, rate_bps, i) % BPS_DIV) > x)
			c++;
	return c;
}

int
money_commission_allocate(const int64_t *subtotal, const int64_t *rate_bps, size_t n,
    int64_t *line_out, int64_t *total_out)
{
	/* Each share is below 2^126 (two values below 2^63); the sum is
	 * checked against the int128 maximum before each addition. */
	const __int128 max128 = (__int128)(((unsigned __int128)1 << 127) - 1);
	__int128 sum = 0, floors = 0;
	for (size_t i = 0; i < n; i++) {
		if (subtotal[i] < 0 || rate_bps[i] < 0)
			return -1;
		__int128 s = share_bps(subtotal, rate_bps, i);
		if (s > max128 - sum)
			return -1;
		sum += s;
		floors += s / BPS_DIV;
	}
	__int128 total = sum / BPS_DIV + (sum % BPS_DIV * 2 >= BPS_DIV ? 1 : 0);
	if (total > INT64_MAX)
		return -1;
	/* left <= the number of lines with a remainder: their remainders sum
	 * to below BPS_DIV each, and rounding adds at most half of one. */
	size_t left = (size_t)(total - floors);
	/* The threshold: the smallest remainder v with at most `left` lines
	 * above it.  Those lines get a paisa each, then the first lines whose
	 * remainder is exactly v take what is left. */
	int lo = 0, hi = BPS_DIV - 1;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (rem_above(subtotal, rate_bps, n, mid) <= left)
			hi = mid;
		else
			lo = mid + 1;
	}
	size_t at_v = left - rem_above(subtotal, rate_bps, n, lo);
	for (size_t i = 0; i < n; i++) {
		__int128 s = share_bps(subtotal, rate_bps, i);
		int rem = (int)(s % BPS_DIV);
		line_out[i] = (int64_t)(s / BPS_DIV);
		if (rem > lo)
			line_out[i]++;
		else if (rem == lo && rem > 0 && at_v > 0) {
			line_out[i]++;
			at_v--;
		}
	}
	*total_out = (int64_t)total;
	return 0;
}

bool
money_currency_ok(const char *s)
{
	if (s == NULL || strlen(s) != 3)
		return false;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return false;
	return true;
}
