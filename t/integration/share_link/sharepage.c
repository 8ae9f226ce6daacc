/* it_share_link: the share page GET /share/:code (HTML) through the
 * gateway: the preview's tags (OpenGraph, Twitter card, canonical) with
 * the right values, every value escaped (a product named
 * <script>alert(1)</script> with quotes is text), the page's own
 * Content-Security-Policy beside the gateway's usual headers, one click per
 * visitor per link per hour counted on the same rows as GET
 * /share-links/:code, the 404 and 410 pages, a link to the whole shop, and
 * the STOREFRONT_URL variant (the share-link pool restarted with it set,
 * then without). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HTML "text/html; charset=utf-8"
#define STORE "https://shop.example/p/{slug}?ref={code}"

/* The product these cases show: its id, slug, unique part of its name,
 * and a link to it at 1,50,000.00 (base price 1,00,000.00). */
static char *prod;
static char slug[200], uniq[80];
static struct link plink;

/* GET /share/:code as a visitor with user agent ua (no token). */
static long
page_get(struct resp *rs, const char *code, const char *ua)
{
	char url[120], h[200];
	snprintf(url, sizeof url, "/share/%s", code);
	snprintf(h, sizeof h, "User-Agent: %s", ua);
	return t_http(rs, "GET", url, NULL, NULL, NULL, 0, h, (char *)NULL);
}

/* The text between "<start" + key + "\"" ... attr="<value>" in body: the
 * value of the attribute attr of the first tag that starts with start
 * (`<meta property="og:title"`), as written (escaped).  A value ends at
 * the first '"': an unescaped quote in one would cut it short.  Into out;
 * NULL when there is no such tag. */
static const char *
attr_of(const char *body, const char *start, const char *attr, char *out, size_t n)
{
	const char *t = strstr(body, start);
	if (t == NULL)
		return NULL;
	const char *end = strchr(t, '>');
	char pat[40];
	snprintf(pat, sizeof pat, " %s=\"", attr);
	const char *v = strstr(t, pat);
	if (v == NULL || end == NULL || v > end)
		return NULL;
	v += strlen(pat);
	size_t k = strcspn(v, "\"");
	snprintf(out, n, "%.*s", (int)k, v);
	return out;
}

/* The content of <meta KIND="key" ...>, or NULL. */
static const char *
meta_of(const char *body, const char *kind, const char *key, char *out, size_t n)
{
	char start[120];
	snprintf(start, sizeof start, "<meta %s=\"%s\"", kind, key);
	return attr_of(body, start, "content", out, n);
}

/* Checks the tag's content is want. */
static void
meta_is(const char *body, const char *kind, const char *key, const char *want, int line)
{
	char v[1200];
	const char *got = meta_of(body, kind, key, v, sizeof v);
	t_check(got != NULL && strcmp(got, want) == 0, __FILE__, line,
	    "<meta %s=\"%s\">: content \"%s\", expected \"%s\"", kind, key,
	    got ? got : "(no such tag)", want);
}

/* The product's name as it is escaped in the page. */
static const char *
name_escaped(char *out, size_t n)
{
	snprintf(out, n, "&lt;script&gt;alert(1)&lt;/script&gt; &quot;Q&quot; &#39;S&#39; "
	    "&amp; %s", uniq);
	return out;
}

static int
page_init(void)
{
	char body[1000];
	t_unique(uniq, sizeof uniq, "sharepage");
	snprintf(body, sizeof body, "{\"name\":\"<script>alert(1)</script> \\\"Q\\\" 'S' & %s\","
	    "\"description\":\"Hand woven <b>cotton</b>.\\nDyed \\\"indigo\\\" & washed.\","
	    "\"basePrice\":100000.00,\"stock\":50,\"images\":[{\"url\":"
	    "\"https://img.example/kurta.jpg?w=1&h=2\",\"altText\":\"front \\\"view\\\"\","
	    "\"isPrimary\":true}]}", uniq);
	if ((prod = t_create("/products", admin, body)) == NULL)
		return -1;
	struct resp rs;
	char url[120];
	snprintf(url, sizeof url, "/products/%s", prod);
	t_get(&rs, url, NULL);
	t_copy(slug, sizeof slug, rs.status == 200 ? t_jstr(rs.json, "slug") : NULL);
	t_resp_free(&rs);
	snprintf(body, sizeof body, "\"productId\":\"%s\",\"sellerPrice\":150000.00,", prod);
	return slug[0] != '\0' && link_create(&seller_a, body, &plink) == 0 ? 0 : -1;
}

/* The preview's tags, each with its value, escaped. */
static void
sharepage_tags_escaped(void)
{
	T_REQUIRE(prod != NULL || page_init() == 0);
	struct resp rs;
	page_get(&rs, plink.code, "ua-tags");
	T_STATUS(&rs, 200);
	T_EQ_STR(t_header(&rs, "Content-Type"), HTML);
	const char *b = rs.body;
	char name[300], want[600], url[200], v[300];
	name_escaped(name, sizeof name);
	snprintf(url, sizeof url, "http://localhost:3000/share/%s", plink.code);
	meta_is(b, "property", "og:type", "product", __LINE__);
	meta_is(b, "property", "og:title", name, __LINE__);
	const char *desc = "\u20b91,50,000.00 \u00b7 Hand woven &lt;b&gt;cotton&lt;/b&gt;. Dyed "
	    "&quot;indigo&quot; &amp; washed.";
	meta_is(b, "property", "og:description", desc, __LINE__);
	meta_is(b, "name", "description", desc, __LINE__);
	meta_is(b, "property", "og:url", url, __LINE__);
	meta_is(b, "property", "og:image", "https://img.example/kurta.jpg?w=1&amp;h=2", __LINE__);
	meta_is(b, "property", "og:image:alt", "front &quot;view&quot;", __LINE__);
	meta_is(b, "property", "product:price:amount", "150000.00", __LINE__);
	meta_is(b, "property", "product:price:currency", "INR", __LINE__);
	meta_is(b, "name", "twitter:card", "summary_large_image", __LINE__);
	meta_is(b, "name", "twitter:title", name, __LINE__);
	meta_is(b, "name", "twitter:description", desc, __LINE__);
	meta_is(b, "name", "twitter:image", "https://img.example/kurta.jpg?w=1&amp;h=2", __LINE__);
	T_EQ_STR(attr_of(b, "<link rel=\"canonical\"", "href", v, sizeof v), url);
	/* The visible page: heading, price, description, the buy link. */
	snprintf(want, sizeof want, "<h1>%s</h1>", name);
	T_ASSERT(strstr(b, want) != NULL);
	snprintf(want, sizeof want, "<title>%s \u00b7 \u20b91,50,000.00</title>", name);
	T_ASSERT(strstr(b, want) != NULL);
	T_ASSERT(strstr(b, "<p class=\"price\">\u20b91,50,000.00</p>") != NULL);
	T_ASSERT(strstr(b, "Hand woven &lt;b&gt;cotton&lt;/b&gt;.\nDyed &quot;indigo&quot; "
	    "&amp; washed.</p>") != NULL);
	snprintf(want, sizeof want, "/checkout?ref=%s&amp;product=%s", plink.code, prod);
	T_EQ_STR(attr_of(b, "<a class=\"buy\"", "href", v, sizeof v), want);
	/* No script anywhere, no raw value, no refresh without a storefront. */
	T_ASSERT(!t_contains(b, "<script"));
	T_ASSERT(strstr(b, "<b>") == NULL && strstr(b, "\"Q\"") == NULL);
	T_ASSERT(!t_contains(b, "http-equiv"));
	t_resp_free(&rs);
}

/* The page's own policy (images, its style by hash, nothing else) beside
 * the gateway's usual headers; the JSON API keeps the gateway's policy. */
static void
sharepage_csp_and_headers(void)
{
	T_REQUIRE(prod != NULL || page_init() == 0);
	struct resp rs;
	page_get(&rs, plink.code, "ua-csp");
	T_STATUS(&rs, 200);
	const char *csp = t_header(&rs, "Content-Security-Policy");
	T_REQUIRE(csp != NULL);
	const char *s = strstr(rs.body, "<style>"), *e = strstr(rs.body, "</style>");
	T_REQUIRE(s != NULL && e != NULL && e > s);
	s += strlen("<style>");
	char h[45], want[400];
	crypto_sha256_b64(s, (size_t)(e - s), h);
	snprintf(want, sizeof want, "default-src 'none'; img-src https: http: data:; "
	    "style-src 'sha256-%s'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors 'none'", h);
	T_EQ_STR(csp, want);
	T_ASSERT(!t_contains(csp, "script-src") && !t_contains(csp, "unsafe"));
	/* One policy, not the gateway's as well. */
	T_ASSERT(strstr(rs.headers, "frame-ancestors 'none'\r\n") != NULL &&
	    strstr(strstr(rs.headers, "Content-Security-Policy") + 1,
	    "Content-Security-Policy") == NULL);
	T_EQ_STR(t_header(&rs, "X-Content-Type-Options"), "nosniff");
	T_EQ_STR(t_header(&rs, "X-Frame-Options"), "DENY");
	T_EQ_STR(t_header(&rs, "Referrer-Policy"), "no-referrer");
	T_EQ_STR(t_header(&rs, "Cache-Control"), "no-store");
	T_ASSERT(t_header(&rs, "X-Request-Id") != NULL);
	t_resp_free(&rs);

	visit(&rs, plink.code, "ua-csp");
	T_STATUS(&rs, 200);
	T_EQ_STR(t_header(&rs, "Content-Security-Policy"),
	    "default-src 'none'; frame-ancestors 'none'");
	t_resp_free(&rs);
}

/* Clicks as the JSON page counts them: one per visitor (address and user
 * agent) per link per hour, on the same rows whichever page is visited. */
static void
sharepage_click_once_per_visitor_per_hour(void)
{
	T_REQUIRE(prod != NULL || page_init() == 0);
	char extra[200];
	struct link l;
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",", prod);
	T_REQUIRE(link_create(&seller_b, extra, &l) == 0);
	T_EQ_INT(clicks_of(l.code), 0);
	struct resp rs;
	for (int i = 0; i < 2; i++) {
		page_get(&rs, l.code, "ua-page-one");
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
	}
	T_EQ_INT(clicks_of(l.code), 1);
	page_get(&rs, l.code, "ua-page-two");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 2);
	/* The JSON page and the HTML page share their visitors. */
	visit(&rs, l.code, "ua-page-one");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 2);
	visit(&rs, l.code, "ua-page-three");
	t_resp_free(&rs);
	page_get(&rs, l.code, "ua-page-three");
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 3);
	/* The seller's own visit, signed in, is not a click. */
	char url[80];
	snprintf(url, sizeof url, "/share/%s", l.code);
	t_get(&rs, url, seller_b.token);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 3);
	/* An hour later the same visitor counts again (the visitor rows aged
	 * by an hour: a state only time makes). */
	T_EQ_INT(t_db_write(LINK_DB, "UPDATE share_link_visitors SET counted_at = counted_at - "
	    "interval '1 hour' WHERE link_id = $1", l.id, (char *)NULL), 3);
	page_get(&rs, l.code, "ua-page-one");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 4);
	page_get(&rs, l.code, "ua-page-one");
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 4);
}

/* An error page: status, HTML, its heading, the policy; no JSON. */
static void
error_page_is(struct resp *rs, long status, const char *heading, int line)
{
	const char *ct = t_header(rs, "Content-Type"), *csp;
	csp = t_header(rs, "Content-Security-Policy");
	t_check(rs->status == status && ct != NULL && strcmp(ct, HTML) == 0 && rs->json == NULL &&
	    strstr(rs->body, heading) != NULL && csp != NULL && t_contains(csp, "style-src"),
	    __FILE__, line, "%s: %ld %s, expected %ld with \"%s\": %.300s", rs->what, rs->status,
	    ct ? ct : "(no Content-Type)", status, heading, rs->body);
}

static void
sharepage_bad_unknown_404(void)
{
	static const char *const codes[] = { "AAAAAAAAAAAA", "short", "aaaaaaaaaaaaa",
	    "aaaaaa.aaaaa", "%3Cscript%3Ex" };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		struct resp rs;
		page_get(&rs, codes[i], "ua-404");
		error_page_is(&rs, 404, "<h1>Link not found</h1>", __LINE__);
		T_ASSERT(!t_contains(rs.body, "<script"));
		t_resp_free(&rs);
	}
}

/* Expired, deactivated, and a product deleted since: 410 pages, no click. */
static void
sharepage_bad_gone_410(void)
{
	char exp[40], extra[300];
	struct link expired, off, deleted;
	iso_in(exp, sizeof exp, 1);
	snprintf(extra, sizeof extra, "\"expiresAt\":\"%s\",", exp);
	T_REQUIRE(link_create(&seller_a, extra, &expired) == 0);
	T_REQUIRE(link_create(&seller_a, "", &off) == 0);
	struct resp rs;
	link_patch(&rs, seller_a.token, off.id, "{\"isActive\":false}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	char *gone = product_create("10.00", 1, "");
	T_REQUIRE(gone != NULL);
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",", gone);
	T_REQUIRE(link_create(&seller_a, extra, &deleted) == 0);
	char url[120];
	snprintf(url, sizeof url, "/products/%s", gone);
	t_http(&rs, "DELETE", url, admin, NULL, NULL, 0, (char *)NULL);
	T_ASSERT(rs.status == 200 || rs.status == 204);
	t_resp_free(&rs);
	free(gone);
	t_sleep_ms(1100);

	const struct link *ls[] = { &expired, &off, &deleted };
	for (size_t i = 0; i < 3; i++) {
		page_get(&rs, ls[i]->code, "ua-410");
		error_page_is(&rs, 410, "<h1>Link no longer available</h1>", __LINE__);
		t_resp_free(&rs);
		T_EQ_INT(clicks_of(ls[i]->code), 0);
	}
}

/* A link to the whole shop (no product): its own page. */
static void
sharepage_shop_link(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_b, "", &l) == 0);
	struct resp rs;
	page_get(&rs, l.code, "ua-shop");
	T_STATUS(&rs, 200);
	T_EQ_STR(t_header(&rs, "Content-Type"), HTML);
	char v[200], want[200];
	meta_is(rs.body, "property", "og:type", "website", __LINE__);
	meta_is(rs.body, "property", "og:title", "A shop shared with you", __LINE__);
	meta_is(rs.body, "name", "twitter:card", "summary", __LINE__);
	T_ASSERT(meta_of(rs.body, "property", "og:image", v, sizeof v) == NULL);
	snprintf(want, sizeof want, "/?ref=%s", l.code);
	T_EQ_STR(attr_of(rs.body, "<a class=\"buy\"", "href", v, sizeof v), want);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 1);
}

/* The share-link pool restarted with STOREFRONT_URL (store) or without
 * (NULL); true when it answers again. */
static bool
storefront(const char *store)
{
	return t_stack_restart("share-link", "STOREFRONT_URL", store) > 0 &&
	    t_wait_up("/share-links/health", 10);
}

/* With STOREFRONT_URL the page sends people on (refresh and link) and
 * keeps its tags; a link to the whole shop goes to the storefront's
 * origin.  Without it again, no refresh. */
static void
sharepage_storefront_redirect(void)
{
	T_REQUIRE(prod != NULL || page_init() == 0);
	struct link shop;
	T_REQUIRE(link_create(&seller_b, "", &shop) == 0);
	T_REQUIRE(storefront(STORE));
	struct resp rs;
	char v[400], want[400], name[300];
	page_get(&rs, plink.code, "ua-store");
	T_STATUS(&rs, 200);
	snprintf(want, sizeof want, "https://shop.example/p/%s?ref=%s", slug, plink.code);
	T_EQ_STR(attr_of(rs.body, "<a class=\"buy\"", "href", v, sizeof v), want);
	T_ASSERT(strstr(rs.body, ">Continue to the shop</a>") != NULL);
	char refresh[420];
	snprintf(refresh, sizeof refresh, "0;url=%s", want);
	T_EQ_STR(attr_of(rs.body, "<meta http-equiv=\"refresh\"", "content", v, sizeof v),
	    refresh);
	meta_is(rs.body, "property", "og:title", name_escaped(name, sizeof name), __LINE__);
	meta_is(rs.body, "property", "product:price:amount", "150000.00", __LINE__);
	t_resp_free(&rs);
	page_get(&rs, shop.code, "ua-store");
	T_STATUS(&rs, 200);
	snprintf(want, sizeof want, "0;url=https://shop.example/?ref=%s", shop.code);
	T_EQ_STR(attr_of(rs.body, "<meta http-equiv=\"refresh\"", "content", v, sizeof v), want);
	t_resp_free(&rs);

	T_REQUIRE(storefront(NULL));
	page_get(&rs, plink.code, "ua-store");
	T_STATUS(&rs, 200);
	T_ASSERT(!t_contains(rs.body, "http-equiv"));
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(sharepage_tags_escaped),
	T_CASE(sharepage_csp_and_headers),
	T_CASE(sharepage_click_once_per_visitor_per_hour),
	T_CASE(sharepage_bad_unknown_404),
	T_CASE(sharepage_bad_gone_410),
	T_CASE(sharepage_shop_link),
	T_CASE(sharepage_storefront_redirect),
};

const struct t_suite share_link_sharepage_suite = T_SUITE("sharepage", cases);
