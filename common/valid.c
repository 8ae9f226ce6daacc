#include "valid.h"
#include "money.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
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

size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return n;
	n = max;
	/* Back to the start of a character: no continuation byte first. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
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

bool
valid_int(const char *s, int64_t *out)
{
	if (s == NULL)
		return false;
	const char *p = s;
	if (*p == '-') p++;
	if (*p == '\0') return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

/* One declared field being checked, and where its message goes. */
struct check {
	struct arena *a;
	const struct field *f;
	const char *pfx;         /* "items[2].", or NULL */
	char *msg;
	size_t msglen;
};

/* "<prefix><name> <why>" into the message.  Returns -1. */
static int
bad(const struct check *c, const char *why)
{
	snprintf(c->msg, c->msglen, "%s%s %s", c->pfx ? c->pfx : "", c->f->name, why);
	return -1;
}

static int badf(const struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
badf(const struct check *c, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return bad(c, why);
}

static int
check_enum(const struct check *c, const char *s)
{
	bool ok = false;
	struct buf list = { 0 };
	for (const char *const *ch = c->f->choices; *ch; ch++) {
		if (strcmp(*ch, s) == 0) ok = true;
		if (list.len) buf_adds(&list, ", ");
		buf_adds(&list, *ch);
	}
	int rc = ok ? 0 : badf(c, "must be one of %s", list.p ? list.p : "");
	buf_free(&list);
	return rc;
}

/* The format of a string field's kind, normalizing *s (email, UUID). */
static int
check_format(const struct check *c, const char **s)
{
	switch (c->f->type) {
	case F_EMAIL:
		if ((*s = valid_email(c->a, *s)) == NULL)
			return bad(c, "must be a valid email address");
		return 0;
	case F_UUID:
		if (!valid_uuid(*s))
			return bad(c, "must be a UUID");
		*s = arena_strlower(c->a, *s);
		return 0;
	case F_PHONE:
		if (!valid_phone(*s))
			return bad(c, "must be a phone number of 7 to 15 digits, optionally "
			    "starting with +");
		return 0;
	case F_URL:
		return valid_url(*s) ? 0 : bad(c, "must be an http or https URL");
	case F_ENUM:
		return check_enum(c, *s);
	default:
		return 0;
	}
}

static int
check_string(const struct check *c, const struct jv *v, struct fval *o)
{
	const struct field *f = c->f;
	if (v->type != JV_STR)
		return bad(c, "must be a string");
	const char *s = (f->flags & F_TRIM) || f->type != F_STRING ? trim(c->a, v->s) : v->s;
	if (check_format(c, &s) != 0)
		return -1;
	size_t n = utf8_chars(s);
	if (f->min > 0 && n < (size_t)f->min)
		return badf(c, "must be at least %lld characters", (long long)f->min);
	if (f->max > 0 && n > (size_t)f->max)
		return badf(c, "must be at most %lld characters", (long long)f->max);
	o->s = s;
	return 0;
}

static int
check_money(const struct check *c, const struct jv *v, struct fval *o)
{
	const struct field *f = c->f;
	if (v->type != JV_NUM && v->type != JV_STR)
		return bad(c, "must be a number");
	enum money_err e = money_parse(v->s, v->len, &o->i);
	if (e != MONEY_OK)
		return bad(c, money_strerror(e));
	char a[32];
	if (f->min > 0 && o->i < f->min)
		return badf(c, "must be at least %s", money_format(f->min, a, sizeof a));
	if (f->max > 0 && o->i > f->max)
		return badf(c, "must be at most %s", money_format(f->max, a, sizeof a));
	return 0;
}

static int
check_int(const struct check *c, const struct jv *v, struct fval *o)
{
	const struct field *f = c->f;
	if (v->type != JV_NUM || !valid_int(v->s, &o->i))
		return bad(c, "must be an integer");
	if ((f->min != 0 || f->max != 0) && (o->i < f->min || o->i > f->max))
		return badf(c, "must be between %lld and %lld", (long long)f->min,
		    (long long)f->max);
	return 0;
}

static int
check_array(const struct check *c, const struct jv *v)
{
	const struct field *f = c->f;
	if (v->type != JV_ARR)
		return bad(c, "must be an array");
	if (f->min > 0 && v->n < (size_t)f->min)
		return badf(c, "must have at least %lld items", (long long)f->min);
	if (f->max > 0 && v->n > (size_t)f->max)
		return badf(c, "must have at most %lld items", (long long)f->max);
	return 0;
}

static int
check_time(const struct check *c, const struct jv *v, struct fval *o)
{
	char t[25];
	if (v->type != JV_STR)
		return bad(c, "must be a string");
	if (!valid_time(v->s, &o->i))
		return bad(c, "must be an ISO 8601 date-time such as 2026-12-31T23:59:59.000Z");
	o->s = arena_strdup(c->a, valid_time_format(o->i, t));
	return 0;
}

/* One present, non-null value against its field. */
static int
check_one(const struct check *c, const struct jv *v, struct fval *o)
{
	int rc = 0;
	o->v = v;
	switch (c->f->type) {
	case F_STRING: case F_EMAIL: case F_UUID: case F_ENUM: case F_PHONE: case F_URL:
		rc = check_string(c, v, o);
		break;
	case F_MONEY:
		rc = check_money(c, v, o);
		break;
	case F_INT:
		rc = check_int(c, v, o);
		break;
	case F_BOOL:
		if (v->type != JV_BOOL)
			return bad(c, "must be a boolean");
		o->b = v->b;
		break;
	case F_ARRAY:
		rc = check_array(c, v);
		break;
	case F_OBJECT:
		if (v->type != JV_OBJ)
			return bad(c, "must be an object");
		break;
	case F_TIME:
		rc = check_time(c, v, o);
		break;
	}
	if (rc == 0)
		o->set = true;
	return rc;
}

int
valid_fields(struct arena *a, const struct jv *obj, const struct field *f, size_t n,
    struct fval *out, const char *prefix, char *msg, size_t msglen)
{
	memset(out, 0, n * sizeof *out);
	if (obj == NULL || obj->type != JV_OBJ) {
		snprintf(msg, msglen, "%s must be an object", prefix ? prefix : "body");
		return -1;
	}
	for (size_t m = 0; m < obj->n; m++) {
		size_t k;
		for (k = 0; k < n; k++)
			if (strcmp(obj->members[m].key, f[k].name) == 0)
				break;
		if (k == n) {
			snprintf(msg, msglen, "%s%s is not an allowed field", prefix ? prefix : "",
			    obj->members[m].key);
			return -1;
		}
	}
	for (size_t k = 0; k < n; k++) {
		struct check c = { a, &f[k], prefix, msg, msglen };
		const struct jv *v = json_get(obj, f[k].name);
		if (v == NULL || v->type == JV_NULL) {
			if (f[k].flags & F_REQUIRED)
				return bad(&c, "is required");
			continue;
		}
		if (check_one(&c, v, &out[k]) != 0)
			return -1;
	}
	return 0;
}
