/* Input is declared, then validated, then used: the validation core.
 *
 * A caller declares the body fields it accepts in a table; valid_fields
 * checks a parsed object against it (types, bounds, required, no unknown
 * keys), fills one struct fval per field, or gives the message naming the
 * field and the reason.  It knows no request: a handler calls
 * fields_or_reply (req.h), which answers that message as a 400. */
#ifndef VALID_H
#define VALID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "json.h"

enum ftype {
	F_STRING,   /* min/max: length in characters */
	F_EMAIL,    /* normalized: trimmed, lower case */
	F_UUID,     /* normalized: lower case */
	F_MONEY,    /* number (or numeric string) -> paise in .i; min/max in paise */
	F_INT,      /* integer number; min/max */
	F_BOOL,
	F_ENUM,     /* string, one of choices */
	F_ARRAY,    /* .v; min/max: number of items */
	F_OBJECT,   /* .v */
	F_PHONE,    /* +digits, 7 to 15 digits */
	F_URL,      /* http(s) URL, max length */
	F_TIME,     /* ISO 8601 date-time (valid_time): .i milliseconds since the
	               epoch, .s the same instant as "2026-12-31T18:29:59.000Z" */
};

#define F_REQUIRED 0x1
#define F_TRIM     0x2   /* strip surrounding white space before checks */

struct field {
	const char *name;
	enum ftype type;
	unsigned flags;
	int64_t min, max;             /* 0/0: no bound */
	const char *const *choices;   /* F_ENUM: NULL-terminated */
};

struct fval {
	bool set;                /* present and not null */
	const char *s;           /* strings, normalized; arena-owned */
	int64_t i;               /* F_INT, F_MONEY (paise) */
	bool b;                  /* F_BOOL */
	const struct jv *v;      /* the raw value */
};

/* prefix names nested objects in messages ("items[2]."), or NULL.
 * Returns 0 (strings normalized into a), or -1 with the message in msg
 * ("items[2].quantity must be an integer"). */
int valid_fields(struct arena *a, const struct jv *obj, const struct field *f, size_t n,
    struct fval *out, const char *prefix, char *msg, size_t msglen);

/* Single-value validators (also used for path and query parameters). */
bool valid_uuid(const char *s);
/* A decimal integer ("-12"; no sign "+", spaces, fraction or exponent)
 * that fits int64 into *out. */
bool valid_int(const char *s, int64_t *out);
/* Normalized address in the arena, or NULL when invalid. */
char *valid_email(struct arena *a, const char *s);
bool valid_phone(const char *s);
size_t utf8_chars(const char *s);
/* How many bytes of the text s to keep so that it has at most max bytes:
 * all of it when it fits, else max or fewer, cut at a UTF-8 character
 * boundary. */
size_t utf8_cut(const char *s, size_t max);
/* An ISO 8601 date and time with seconds, an optional fraction (kept to the
 * millisecond) and a zone, "Z" or +hh:mm / -hh:mm:
 * "2026-12-31T23:59:59Z", "2026-12-31T23:59:59.5+05:30".  Fields are
 * range-checked (no 31 April, 29 February only in a leap year, no leap
 * second), years 1970 to 9999.  Sets *ms to milliseconds since the epoch. */
bool valid_time(const char *s, int64_t *ms);
/* ms since the epoch -> "2026-12-31T18:29:59.000Z" into out[25]. */
char *valid_time_format(int64_t ms, char out[25]);
/* A JSON integer literal (optional minus, digits, no fraction or exponent)
 * within int64. */
bool valid_int(const char *s, int64_t *out);

#endif
