/* The share-link service's rules (logic.h): plain functions, no I/O. */
#include "logic.h"
#include <string.h>
#include <strings.h>

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
