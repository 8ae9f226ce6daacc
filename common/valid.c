#include "valid.h"
#include "money.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool
valid_uuid(const char *s)
{
	if (s == NULL || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!isxdigit((unsigned char)s[i])) {
			return false;
		}
	}
	return true;
}

size_t
utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* n digits at *p as a number, advancing past them; -1 (not advancing) when
 * one of them is not a digit. */
static int
digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*p += n;
	return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool
valid_time(const char *s, int64_t *ms)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (s == NULL)
		return false;
	const char *p = s;
	int y = digits(&p, 4);
	if (y < 1970 || *p++ != '-')
		return false;
	int mo = digits(&p, 2);
	if (mo < 1 || mo > 12 || *p++ != '-')
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int d = digits(&p, 2);
	if (d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || *p++ != 'T')
		return false;
	int h = digits(&p, 2);
	if (h < 0 || h > 23 || *p++ != ':')
		return false;
	int mi = digits(&p, 2);
	if (mi < 0 || mi > 59 || *p++ != ':')
		return false;
	int sec = digits(&p, 2);
	if (sec < 0 || sec > 59)
		return false;
	int frac = 0, n = 0;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				frac = frac * 10 + (*p - '0');
		if (n == 0 || n > 9)
			return false;
		for (; n < 3; n++)
			frac *= 10;
	}
	int off = 0;
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh = digits(&p, 2);
		if (oh < 0 || oh > 23 || *p++ != ':')
			return false;
		int om = digits(&p, 2);
		if (om < 0 || om > 59)
			return false;
		off = sign * (oh * 60 + om);
	} else {
		return false;
	}
	if (*p != '\0')
		return false;
	int64_t t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    off * 60) * 1000 + frac;
	/* The offset may not carry the instant out of 1970..9999. */
	if (t < 0 || t >= days_from_civil(10000, 1, 1) * 86400 * 1000)
		return false;
	*ms = t;
	return true;
}

char *
valid_time_format(int64_t ms, char out[25])
{
	struct tm tm;
	time_t secs = (time_t)(ms / 1000);
	gmtime_r(&secs, &tm);
	if (strftime(out, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
		out[0] = '\0';
	else
		snprintf(out + 19, 6, ".%03uZ", (unsigned)((uint64_t)ms % 1000));
	return out;
}

static char *
trim(struct arena *a, const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' ||
	    s[n - 1] == '\r'))
		n--;
	return arena_strndup(a, s, n);
}

char *
valid_email(struct arena *a, const char *s)
{
	char *e = trim(a, s);
	size_t n = strlen(e);
	if (n < 3 || n > 254)
		return NULL;
	char *at = strchr(e, '@');
	if (at == NULL || at == e || strchr(at + 1, '@') != NULL || at - e > 64)
		return NULL;
	for (char *p = e; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c == 0x7f || c == '"' || c == '(' || c == ')' ||
		    c == ',' || c == ':' || c == ';' || c == '<' || c == '>' ||
		    c == '[' || c == ']' || c == '\\')
			return NULL;
		*p = (char)tolower(c);
	}
	const char *dom = at + 1;
	size_t dl = strlen(dom);
	if (dl < 3 || dom[0] == '.' || dom[dl - 1] == '.' || strstr(dom, "..") ||
	    strchr(dom, '.') == NULL || e[0] == '.' || at[-1] == '.')
		return NULL;
	for (const char *p = dom; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '.' ||
		    (unsigned char)*p >= 0x80))
			return NULL;
	return e;
}

bool
valid_phone(const char *s)
{
	if (*s == '+')
		s++;
	size_t n = 0;
	for (; *s; s++, n++)
		if (!isdigit((unsigned char)*s))
			return false;
	return n >= 7 && n <= 15;
}

static bool
valid_url(const char *s)
{
	const char *rest;
	if (strncmp(s, "https://", 8) == 0) rest = s + 8;
	else if (strncmp(s, "http://", 7) == 0) rest = s + 7;
	else return false;
	if (*rest == '\0' || *rest == '/')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' ||
		    *p == '>' || *p == '\\')
			return false;
	return true;
}

/* Parses a JSON integer literal (no fraction, no exponent). */
static int
parse_int(const char *s, int64_t *out)
{
	const char *p = s;
	if (*p == '-') p++;
	if (*p == '\0') return -1;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

bool
valid_int(const char *s, int64_t *out)
{
	return s != NULL && parse_int(s, out) == 0;
}

static int
bad(struct req *r, const char *prefix, const char *name, const char *why)
{
	reply_error(r, 400, "%s%s %s", prefix ? prefix : "", name, why);
	return -1;
}

static int
check_one(struct req *r, const struct jv *v, const struct field *f, struct fval *o,
    const char *pfx)
{
	char why[160];
	o->v = v;
	switch (f->type) {
	case F_STRING: case F_EMAIL: case F_UUID: case F_ENUM: case F_PHONE: case F_URL: {
		if (v->type != JV_STR)
			return bad(r, pfx, f->name, "must be a string");
		const char *s = (f->flags & F_TRIM) || f->type != F_STRING ?
		    trim(r->a, v->s) : v->s;
		if (f->type == F_EMAIL) {
			if ((s = valid_email(r->a, s)) == NULL)
				return bad(r, pfx, f->name, "must be a valid email address");
		} else if (f->type == F_UUID) {
			if (!valid_uuid(s))
				return bad(r, pfx, f->name, "must be a UUID");
			s = arena_strlower(r->a, s);
		} else if (f->type == F_PHONE) {
			if (!valid_phone(s))
				return bad(r, pfx, f->name,
				    "must be a phone number of 7 to 15 digits, optionally starting with +");
		} else if (f->type == F_URL) {
			if (!valid_url(s))
				return bad(r, pfx, f->name, "must be an http or https URL");
		} else if (f->type == F_ENUM) {
			bool ok = false;
			struct buf list = { 0 };
			for (const char *const *c = f->choices; *c; c++) {
				if (strcmp(*c, s) == 0) ok = true;
				if (list.len) buf_adds(&list, ", ");
				buf_adds(&list, *c);
			}
			if (!ok) {
				snprintf(why, sizeof why, "must be one of %s", list.p ? list.p : "");
				buf_free(&list);
				return bad(r, pfx, f->name, why);
			}
			buf_free(&list);
		}
		size_t n = utf8_chars(s);
		if (f->min > 0 && n < (size_t)f->min) {
			snprintf(why, sizeof why, "must be at least %lld characters", (long long)f->min);
			return bad(r, pfx, f->name, why);
		}
		if (f->max > 0 && n > (size_t)f->max) {
			snprintf(why, sizeof why, "must be at most %lld characters", (long long)f->max);
			return bad(r, pfx, f->name, why);
		}
		o->s = s;
		break;
	}
	case F_MONEY: {
		if (v->type != JV_NUM && v->type != JV_STR)
			return bad(r, pfx, f->name, "must be a number");
		enum money_err e = money_parse(v->s, v->len, &o->i);
		if (e != MONEY_OK)
			return bad(r, pfx, f->name, money_strerror(e));
		char a[32];
		if (f->min > 0 && o->i < f->min) {
			snprintf(why, sizeof why, "must be at least %s", money_format(f->min, a, sizeof a));
			return bad(r, pfx, f->name, why);
		}
		if (f->max > 0 && o->i > f->max) {
			snprintf(why, sizeof why, "must be at most %s", money_format(f->max, a, sizeof a));
			return bad(r, pfx, f->name, why);
		}
		break;
	}
	case F_INT:
		if (v->type != JV_NUM || parse_int(v->s, &o->i) != 0)
			return bad(r, pfx, f->name, "must be an integer");
		if ((f->min != 0 || f->max != 0) && (o->i < f->min || o->i > f->max)) {
			snprintf(why, sizeof why, "must be between %lld and %lld",
			    (long long)f->min, (long long)f->max);
			return bad(r, pfx, f->name, why);
		}
		break;
	case F_BOOL:
		if (v->type != JV_BOOL)
			return bad(r, pfx, f->name, "must be a boolean");
		o->b = v->b;
		break;
	case F_ARRAY:
		if (v->type != JV_ARR)
			return bad(r, pfx, f->name, "must be an array");
		if (f->min > 0 && v->n < (size_t)f->min) {
			snprintf(why, sizeof why, "must have at least %lld items", (long long)f->min);
			return bad(r, pfx, f->name, why);
		}
		if (f->max > 0 && v->n > (size_t)f->max) {
			snprintf(why, sizeof why, "must have at most %lld items", (long long)f->max);
			return bad(r, pfx, f->name, why);
		}
		break;
	case F_OBJECT:
		if (v->type != JV_OBJ)
			return bad(r, pfx, f->name, "must be an object");
		break;
	case F_TIME: {
		char t[25];
		if (v->type != JV_STR)
			return bad(r, pfx, f->name, "must be a string");
		if (!valid_time(v->s, &o->i))
			return bad(r, pfx, f->name, "must be an ISO 8601 date-time such as "
			    "2026-12-31T23:59:59.000Z");
		o->s = arena_strdup(r->a, valid_time_format(o->i, t));
		break;
	}
	}
	o->set = true;
	return 0;
}

int
fields_or_reply(struct req *r, const struct jv *obj, const struct field *f, size_t n,
    struct fval *out, const char *prefix)
{
	memset(out, 0, n * sizeof *out);
	if (obj == NULL || obj->type != JV_OBJ) {
		reply_error(r, 400, "%s must be an object", prefix ? prefix : "body");
		return -1;
	}
	for (size_t m = 0; m < obj->n; m++) {
		size_t k;
		for (k = 0; k < n; k++)
			if (strcmp(obj->members[m].key, f[k].name) == 0)
				break;
		if (k == n) {
			reply_error(r, 400, "%s%s is not an allowed field",
			    prefix ? prefix : "", obj->members[m].key);
			return -1;
		}
	}
	for (size_t k = 0; k < n; k++) {
		const struct jv *v = json_get(obj, f[k].name);
		if (v == NULL || v->type == JV_NULL) {
			if (f[k].flags & F_REQUIRED)
				return bad(r, prefix, f[k].name, "is required");
			continue;
		}
		if (check_one(r, v, &f[k], &out[k], prefix) != 0)
			return -1;
	}
	return 0;
}

const char *
param_uuid_or_reply(struct req *r, const char *name)
{
	const char *v = req_param(r, name);
	if (!valid_uuid(v)) {
		reply_error(r, 400, "%s must be a UUID", name);
		return NULL;
	}
	return arena_strlower(r->a, v);
}
