/* fcgi/share-link/logic.c: codes, whether a link can be used (410 before
 * 404), whose link a new one is, expiry, whose visit counts, the
 * conversion rate, event outcomes, SHARE_BASE_URL.  Plain functions: no
 * stack, no database. */
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
};

int
main(void)
{
	return t_run("share_link_logic", cases, T_NCASES(cases), NULL, NULL);
}
