/* The share-link service's rules as plain functions over plain data: what
 * a code looks like, whether a link can be used (410 before 404), who a
 * new link is for, when an expiry is acceptable, whose visit counts, the
 * conversion rate, what an event did, SHARE_BASE_URL; and the share
 * page's: its status, STOREFRONT_URL, the description's excerpt.  No
 * request, no database: links.c, visits.c, page.c and stats.c call these
 * and do the I/O;
 * t/unit/share_link_logic.c calls them directly.
 *
 * The counters themselves (orders, conversions, revenue less refunds,
 * cancelled) are summed by one statement, S_LINK_STATS (main.c), where
 * the rows are. */
#ifndef SHARE_LINK_LOGIC_H
#define SHARE_LINK_LOGIC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of a code. */
#define LINK_CODE_LEN 12

/* Whether s can be a code (LINK_CODE_LEN base64url characters). */
bool link_code_valid(const char *s);

/* Whether a link found (or not) can be used: visited or ordered through.
 * Expired first: the expiry job also deactivates an expired link, and it
 * stays a 410. */
enum link_use {
	LINK_LIVE,
	LINK_GONE,                 /* 404: unknown or inactive */
	LINK_EXPIRED               /* 410 */
};
enum link_use link_use_of(bool found, bool expired, bool active);

/* POST /share-links: whose link it is.  asked: the body's sellerId (or
 * NULL), me: the caller (lower case). */
enum link_owner {
	LINK_OWNER_OK,             /* *seller is whose */
	LINK_OWNER_REQUIRED,       /* 400: an admin must name the seller */
	LINK_OWNER_NOT_YOURS       /* 403: a reseller names someone else */
};
enum link_owner link_owner_of(bool admin, const char *me, const char *asked,
    const char **seller);

/* An expiresAt (milliseconds since the epoch) must lie ahead of now
 * (seconds since the epoch). */
bool link_expiry_ok(int64_t expires_ms, int64_t now_s);

/* Whether a visit of a link of seller counts as a click: not the seller's
 * own, signed in (authed, as user; ids compare without regard to case).
 * One per visitor per hour is the database's (S_LINK_CLICK). */
bool link_visit_counts(bool authed, const char *user, const char *seller);

/* conversions / clicks * 100 in hundredths of a percent, rounded half up
 * (10 of 150 -> 667, i.e. 6.67 %); 0 without clicks, above 10000 when
 * orders came without a counted visit. */
int64_t link_conversion_rate(int64_t conversions, int64_t clicks);

/* What an order event did to a link's records (known: the link exists;
 * written: the order's row changed): "applied", "duplicate" or "ignored". */
const char *link_event_status(bool known, bool written);

/* ---- the share page (page.c) ---- */

/* The status of the share page GET /share/:code for a link found (or
 * not): 200; 410 for an expired or deactivated link (expired before
 * inactive, as link_use_of); 404 for an unknown code. */
int link_page_status(bool found, bool expired, bool active);

/* STOREFRONT_URL: an http(s) URL template without spaces, quotes, angle
 * brackets, backslashes or control characters, whose only placeholders
 * are {slug}, {id} (the product's) and {code} (the link's):
 * "https://shop.example/p/{slug}?ref={code}".  Whether v is one. */
bool link_storefront_ok(const char *v);
/* Where the page sends a visitor: tmpl (link_storefront_ok) with its
 * placeholders replaced by slug, id and code, each percent-encoded outside
 * A-Z a-z 0-9 - . _ ~; for a link without a product (slug and id NULL),
 * the template's origin and "/?ref=" and the code.  Into out (n bytes);
 * its length, or -1 when it does not fit. */
int link_storefront_url(const char *tmpl, const char *slug, const char *id,
    const char *code, char *out, size_t n);

/* How many bytes of the text s to keep so that it has at most max bytes:
 * all of it when it fits, else cut on a UTF-8 character boundary, at the
 * last space or newline of the second half when there is one (the
 * caller adds an ellipsis). */
size_t link_excerpt_len(const char *s, size_t max);

/* SHARE_BASE_URL: an http(s) URL without a query, a fragment, spaces,
 * quotes or backslashes.  Its length without trailing slashes (what a
 * link's url starts with, then "/" and the code), or -1 when it is not
 * such a URL or that length is not below cap. */
int link_base_url_len(const char *v, size_t cap);

#endif
