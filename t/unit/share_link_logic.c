/* fcgi/share-link/logic.c: codes, whether a link can be used (410 before
 * 404), whose link a new one is, expiry, whose visit counts, the
 * conversion rate, event outcomes, SHARE_BASE_URL; the share page's
 * status, STOREFRONT_URL and its expansion, the description's excerpt.
 * Plain functions: no stack, no database. */
#include "../lib/t.h"
#include "../../fcgi/share-link/logic.h"

static void
link_code_valid_base64url(void)
{
	T_ASSERT(link_code_valid("AbC-_09xyzQW"));
	T_ASSERT(link_code_valid("------------"));
	T_ASSERT(!link_code_valid("AbC-_09xyzQ"));       /* 11 */
	T_ASSERT(!link_code_valid("AbC-_09xyzQWe"));     /* 13 */
	T_ASSERT(!link_code_valid("AbC+/09xyzQW"));      /* base64, not base64url */
	T_ASSERT(!link_code_valid("AbC-_09xyzQ="));
	T_ASSERT(!link_code_valid("AbC-_09xyz W"));
	T_ASSERT(!link_code_valid(""));
	T_ASSERT(!link_code_valid(NULL));
}

static void
link_use_expired_before_gone(void)
{
	T_EQ_INT(link_use_of(true, false, true), LINK_LIVE);
	T_EQ_INT(link_use_of(true, true, true), LINK_EXPIRED);
	/* The expiry job deactivated it: still 410, not 404. */
	T_EQ_INT(link_use_of(true, true, false), LINK_EXPIRED);
	T_EQ_INT(link_use_of(true, false, false), LINK_GONE);
	T_EQ_INT(link_use_of(false, false, false), LINK_GONE);
	T_EQ_INT(link_use_of(false, true, true), LINK_GONE);
}

static void
link_owner_reseller_own(void)
{
	const char *seller = "x";
	T_EQ_INT(link_owner_of(false, "r1", NULL, &seller), LINK_OWNER_OK);
	T_EQ_STR(seller, "r1");
	T_EQ_INT(link_owner_of(false, "r1", "r1", &seller), LINK_OWNER_OK);
	T_EQ_STR(seller, "r1");
}

static void
link_owner_admin_names_one(void)
{
	const char *seller;
	T_EQ_INT(link_owner_of(true, "a1", "r1", &seller), LINK_OWNER_OK);
	T_EQ_STR(seller, "r1");
}

static void
link_owner_bad_admin_without_seller_400(void)
{
	const char *seller;
	T_EQ_INT(link_owner_of(true, "a1", NULL, &seller), LINK_OWNER_REQUIRED);
}

static void
link_owner_bad_someone_else_403(void)
{
	const char *seller;
	T_EQ_INT(link_owner_of(false, "r1", "r2", &seller), LINK_OWNER_NOT_YOURS);
}

static void
link_expiry_must_lie_ahead(void)
{
	T_ASSERT(link_expiry_ok(1700000000001, 1700000000));
	T_ASSERT(!link_expiry_ok(1700000000000, 1700000000));    /* now is not ahead */
	T_ASSERT(!link_expiry_ok(1699999999999, 1700000000));
	T_ASSERT(!link_expiry_ok(0, 1700000000));
}

static void
link_visit_counts_not_the_sellers(void)
{
	T_ASSERT(link_visit_counts(false, NULL, "s1"));
	T_ASSERT(link_visit_counts(true, "u1", "s1"));
	T_ASSERT(!link_visit_counts(true, "s1", "s1"));
	T_ASSERT(!link_visit_counts(true, "AB-1", "ab-1"));
	/* Not signed in: a stale sub means nothing. */
	T_ASSERT(link_visit_counts(false, "s1", "s1"));
}

static void
link_conversion_rate_half_up(void)
{
	T_EQ_INT(link_conversion_rate(10, 150), 667);      /* 6.666.. */
	T_EQ_INT(link_conversion_rate(1, 3), 3333);        /* 33.333.. */
	T_EQ_INT(link_conversion_rate(2, 3), 6667);        /* 66.666.. */
	T_EQ_INT(link_conversion_rate(1, 8), 1250);
	T_EQ_INT(link_conversion_rate(1, 16), 625);        /* 6.25 exactly */
	T_EQ_INT(link_conversion_rate(1, 80000), 0);       /* 0.00125 -> 0.00 */
	T_EQ_INT(link_conversion_rate(1, 20000), 1);       /* 0.005 -> 0.01, half up */
	T_EQ_INT(link_conversion_rate(1, 20001), 0);       /* 0.00499.. -> 0.00 */
	T_EQ_INT(link_conversion_rate(1, 1), 10000);
}

static void
link_conversion_rate_zero_and_over(void)
{
	T_EQ_INT(link_conversion_rate(0, 0), 0);
	T_EQ_INT(link_conversion_rate(5, 0), 0);
	T_EQ_INT(link_conversion_rate(0, 7), 0);
	T_EQ_INT(link_conversion_rate(3, 2), 15000);       /* orders without a counted visit */
}

static void
link_event_status_each(void)
{
	T_EQ_STR(link_event_status(true, true), "applied");
	T_EQ_STR(link_event_status(true, false), "duplicate");
	T_EQ_STR(link_event_status(false, false), "ignored");
	T_EQ_STR(link_event_status(false, true), "ignored");
}

static void
link_base_url_good(void)
{
	T_EQ_INT(link_base_url_len("http://localhost:3000/share", 256), 27);
	T_EQ_INT(link_base_url_len("https://shop.example.in/s///", 256), 25);
	T_EQ_INT(link_base_url_len("https://x.in", 13), 12);
}

static void
link_base_url_bad(void)
{
	static const char *const bad[] = { "ftp://x.in", "//x.in", "x.in", "https://x.in/s?a=1",
		"https://x.in/#s", "https://x .in", "https://x.in/\"", "https://x.in/\\",
		"https://x.in/\x7f", "https://x.in/\t", "", "/" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_check(link_base_url_len(bad[i], 256) == -1, __FILE__, __LINE__,
		    "SHARE_BASE_URL \"%s\" accepted", bad[i]);
	T_EQ_INT(link_base_url_len("https://x.in", 12), -1);   /* no room for it */
}

/* ---- the share page ---- */

static void
link_page_status_each(void)
{
	T_EQ_INT(link_page_status(true, false, true), 200);
	T_EQ_INT(link_page_status(true, true, true), 410);      /* expired */
	T_EQ_INT(link_page_status(true, false, false), 410);    /* deactivated */
	T_EQ_INT(link_page_status(true, true, false), 410);     /* the job's */
	T_EQ_INT(link_page_status(false, false, false), 404);
	T_EQ_INT(link_page_status(false, true, true), 404);
}

static void
link_storefront_good(void)
{
	static const char *const good[] = { "https://shop.example/p/{slug}?ref={code}",
		"http://localhost:5173/products/{id}?ref={code}&s={slug}", "https://shop.example",
		"https://shop.example/", "https://shop.example:8443/{slug}/{code}",
		"https://shop.example/#/p/{id}", "https://shop.example?ref={code}" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		t_check(link_storefront_ok(good[i]), __FILE__, __LINE__,
		    "STOREFRONT_URL \"%s\" refused", good[i]);
}

static void
link_storefront_bad(void)
{
	static const char *const bad[] = { "", "shop.example/{slug}", "ftp://shop.example/",
		"//shop.example/{slug}", "https://", "https:///p", "https://{slug}.example/",
		"https://shop.example/{name}", "https://shop.example/{slug", "https://shop.example/}",
		"https://shop.example/{SLUG}", "https://shop.example/p {slug}",
		"https://shop.example/\"{slug}", "https://shop.example/'", "https://shop.example/<x>",
		"https://shop.example/\\", "https://shop.example/\t", "https://shop.example/\x7f",
		"https://shop.example/`", "javascript:alert(1)//https://x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_check(!link_storefront_ok(bad[i]), __FILE__, __LINE__,
		    "STOREFRONT_URL \"%s\" accepted", bad[i]);
}

#define PID "11111111-1111-4111-8111-111111111111"

static void
link_storefront_url_expands(void)
{
	char out[256];
	T_EQ_INT(link_storefront_url("https://shop.example/p/{slug}?ref={code}", "red-kurta",
	    PID, "Ab-_09xyzQWe", out, sizeof out), 49);
	T_EQ_STR(out, "https://shop.example/p/red-kurta?ref=Ab-_09xyzQWe");
	T_ASSERT(link_storefront_url("http://s.in/{id}/{slug}/{id}?r={code}&c={code}", "k", PID,
	    "c0", out, sizeof out) > 0);
	T_EQ_STR(out, "http://s.in/" PID "/k/" PID "?r=c0&c=c0");
	/* No placeholder: the template as it is. */
	T_ASSERT(link_storefront_url("https://shop.example/", "k", PID, "c0", out,
	    sizeof out) > 0);
	T_EQ_STR(out, "https://shop.example/");
	/* Values are percent-encoded outside the unreserved characters. */
	T_ASSERT(link_storefront_url("https://s.in/{slug}?ref={code}", "a b&c/\"<\xe2\x82\xb9",
	    PID, "x~y.z", out, sizeof out) > 0);
	T_EQ_STR(out, "https://s.in/a%20b%26c%2F%22%3C%E2%82%B9?ref=x~y.z");
}

static void
link_storefront_url_without_product(void)
{
	char out[128];
	T_EQ_INT(link_storefront_url("https://shop.example/p/{slug}?ref={code}", NULL, NULL,
	    "Ab-_09xyzQWe", out, sizeof out), 38);
	T_EQ_STR(out, "https://shop.example/?ref=Ab-_09xyzQWe");
	T_ASSERT(link_storefront_url("http://localhost:5173?x={code}", NULL, NULL, "c0", out,
	    sizeof out) > 0);
	T_EQ_STR(out, "http://localhost:5173/?ref=c0");
	T_ASSERT(link_storefront_url("https://shop.example#/{slug}", NULL, NULL, "c0", out,
	    sizeof out) > 0);
	T_EQ_STR(out, "https://shop.example/?ref=c0");
}

static void
link_storefront_url_bad_too_long(void)
{
	char out[40];
	const char *t = "https://shop.example/p/{slug}?ref={code}";
	/* 39 characters fit with the NUL, 40 do not. */
	T_EQ_INT(link_storefront_url(t, "k", PID, "Ab-_09xyzQ", out, 40), 39);
	T_EQ_STR(out, "https://shop.example/p/k?ref=Ab-_09xyzQ");
	T_EQ_INT(link_storefront_url(t, "kk", PID, "Ab-_09xyzQ", out, 40), -1);
	T_EQ_INT(link_storefront_url(t, "k", PID, "Ab-_09xyzQ", out, 39), -1);
	/* An encoded byte that does not fit whole. */
	T_EQ_INT(link_storefront_url("https://s.in/{slug}", " ", PID, "c", out, 16), -1);
	T_EQ_INT(link_storefront_url("https://s.in/{slug}", " ", PID, "c", out, 17), 16);
	T_EQ_INT(link_storefront_url("https://s.in/{slug}", NULL, NULL, "c", out, 5), -1);
	T_EQ_INT(link_storefront_url("https://s.in/{slug}", "k", PID, "c", out, 0), -1);
}

static void
link_excerpt_cuts(void)
{
	T_EQ_INT(link_excerpt_len("", 10), 0);
	T_EQ_INT(link_excerpt_len("short", 10), 5);
	T_EQ_INT(link_excerpt_len("exactly10!", 10), 10);
	/* At the last space of the second half. */
	T_EQ_INT(link_excerpt_len("cotton kurta hand woven", 16), 12);
	T_EQ_INT(link_excerpt_len("cotton\nkurta hand", 14), 12);
	/* A space only in the first half: cut in the word. */
	T_EQ_INT(link_excerpt_len("ab cdefghijklmnop", 10), 10);
	/* Never inside a character: "\xe2\x82\xb9" is three bytes. */
	T_EQ_INT(link_excerpt_len("xxxxxxxx\xe2\x82\xb9yy", 9), 8);
	T_EQ_INT(link_excerpt_len("xxxxxxxx\xe2\x82\xb9yy", 10), 8);
	T_EQ_INT(link_excerpt_len("xxxxxxxx\xe2\x82\xb9yy", 11), 11);
	T_EQ_INT(link_excerpt_len("\xe0\xa4\xb9\xe0\xa4\xbf\xe0\xa4\x82", 4), 3);
	T_EQ_INT(link_excerpt_len("abc", 0), 0);
}

static const struct t_case cases[] = {
	T_CASE(link_code_valid_base64url),
	T_CASE(link_use_expired_before_gone),
	T_CASE(link_owner_reseller_own),
	T_CASE(link_owner_admin_names_one),
	T_CASE(link_owner_bad_admin_without_seller_400),
	T_CASE(link_owner_bad_someone_else_403),
	T_CASE(link_expiry_must_lie_ahead),
	T_CASE(link_visit_counts_not_the_sellers),
	T_CASE(link_conversion_rate_half_up),
	T_CASE(link_conversion_rate_zero_and_over),
	T_CASE(link_event_status_each),
	T_CASE(link_base_url_good),
	T_CASE(link_base_url_bad),
	T_CASE(link_page_status_each),
	T_CASE(link_storefront_good),
	T_CASE(link_storefront_bad),
	T_CASE(link_storefront_url_expands),
	T_CASE(link_storefront_url_without_product),
	T_CASE(link_storefront_url_bad_too_long),
	T_CASE(link_excerpt_cuts),
};

int
main(void)
{
	return t_run("share_link_logic", cases, T_NCASES(cases), NULL, NULL);
}
