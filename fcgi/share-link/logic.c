/* The share-link service's rules (logic.h): plain functions, no I/O. */
#include "logic.h"
#include "valid.h"
#include <string.h>
#include <strings.h>
#include <stdio.h>

bool
link_code_valid(const char *s)
{
	if (s == NULL || strlen(s) != LINK_CODE_LEN)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

enum link_use
link_use_of(bool found, bool expired, bool active)
{
	if (found && expired)
		return LINK_EXPIRED;
	if (!found || !active)
		return LINK_GONE;
	return LINK_LIVE;
}

enum link_owner
link_owner_of(bool admin, const char *me, const char *asked, const char **seller)
{
	*seller = asked != NULL ? asked : admin ? NULL : me;
	if (*seller == NULL)
		return LINK_OWNER_REQUIRED;
	if (!admin && strcmp(*seller, me) != 0)
		return LINK_OWNER_NOT_YOURS;
	return LINK_OWNER_OK;
}

bool
link_expiry_ok(int64_t expires_ms, int64_t now_s)
{
	return expires_ms > now_s * 1000;
}

bool
link_visit_counts(bool authed, const char *user, const char *seller)
{
	return !(authed && user != NULL && seller != NULL && strcasecmp(user, seller) == 0);
}

int64_t
link_conversion_rate(int64_t conversions, int64_t clicks)
{
	/* Hundredths of a percent, rounded half up: 10 of 150 -> 667. */
	return clicks > 0 ? (conversions * 20000 + clicks) / (2 * clicks) : 0;
}

const char *
link_event_status(bool known, bool written)
{
	if (!known)
		return "ignored";
	return written ? "applied" : "duplicate";
}

int
link_base_url_len(const char *v, size_t cap)
{
	size_t n = strlen(v);
	while (n > 0 && v[n - 1] == '/')
		n--;
	bool ok = n < cap && (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0);
	for (size_t i = 0; ok && i < n; i++)
		ok = (unsigned char)v[i] > 0x20 && v[i] != 0x7f && v[i] != '"' && v[i] != '\\' &&
		    v[i] != '?' && v[i] != '#';
	return ok ? (int)n : -1;
}

int
link_page_status(bool found, bool expired, bool active)
{
	if (!found)
		return 404;
	return expired || !active ? 410 : 200;
}

/* The scheme's length ("https://" 8, "http://" 7), or 0. */
static size_t
scheme_len(const char *v)
{
	if (strncmp(v, "https://", 8) == 0)
		return 8;
	return strncmp(v, "http://", 7) == 0 ? 7 : 0;
}

/* The placeholder at s ("{slug}", "{id}", "{code}"): its length, or 0. */
static size_t
placeholder_len(const char *s)
{
	static const char *const names[] = { "{slug}", "{id}", "{code}" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strncmp(s, names[i], strlen(names[i])) == 0)
			return strlen(names[i]);
	return 0;
}

bool
link_storefront_ok(const char *v)
{
	size_t sl = scheme_len(v);
	size_t host = sl > 0 ? strcspn(v + sl, "/?#") : 0;
	/* A host, with no placeholder in it (a link without a product goes
	 * to the origin). */
	if (host == 0 || memchr(v + sl, '{', host) != NULL || strlen(v) > 1024)
		return false;
	for (const char *c = v; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u <= 0x20 || u == 0x7f || strchr("\"'<>\\`}", *c) != NULL)
			return false;
		if (*c == '{') {
			size_t k = placeholder_len(c);
			if (k == 0)
				return false;
			c += k - 1;
		}
	}
	return true;
}

/* Appends s percent-encoded outside the unreserved characters to out at
 * *len (n bytes); -1 when it does not fit. */
static int
put_encoded(char *out, size_t n, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s != NULL && *s; s++) {
		unsigned char c = (unsigned char)*s;
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
		if (*len + (plain ? 1 : 3) >= n)
			return -1;
		if (plain) {
			out[(*len)++] = (char)c;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[c >> 4];
			out[(*len)++] = hex[c & 15];
		}
	}
	return 0;
}

int
link_storefront_url(const char *tmpl, const char *slug, const char *id, const char *code,
    char *out, size_t n)
{
	size_t len = 0;
	if (n == 0)
		return -1;
	if (slug == NULL && id == NULL) {
		size_t sl = scheme_len(tmpl);
		size_t host = strcspn(tmpl + sl, "/?#");
		int k = snprintf(out, n, "%.*s/?ref=", (int)(sl + host), tmpl);
		if (k < 0 || (size_t)k >= n)
			return -1;
		len = (size_t)k;
		if (put_encoded(out, n, &len, code) != 0)
			return -1;
		out[len] = '\0';
		return (int)len;
	}
	for (const char *c = tmpl; *c; c++) {
		size_t k = *c == '{' ? placeholder_len(c) : 0;
		if (k == 0) {
			if (len + 1 >= n)
				return -1;
			out[len++] = *c;
			continue;
		}
		const char *v = c[1] == 's' ? slug : c[1] == 'i' ? id : code;
		if (put_encoded(out, n, &len, v) != 0)
			return -1;
		c += k - 1;
	}
	out[len] = '\0';
	return (int)len;
}

size_t
link_excerpt_len(const char *s, size_t max)
{
	size_t n = utf8_cut(s, max);
	if (s[n] == '\0')
		return n;
	for (size_t i = n; i > max / 2; i--)
		if (s[i - 1] == ' ' || s[i - 1] == '\n')
			return i - 1;
	return n;
}
