/* GET /share/:code: the share page, the HTML a link's url opens (public,
 * no token).  What a reseller pastes into WhatsApp: the product's name,
 * primary image, price (the link's seller price, else the product's) and
 * description, with the OpenGraph and Twitter card tags the messengers'
 * crawlers read for the preview, and rel=canonical (the link's url).
 *
 * A visit counts a click exactly as GET /share-links/:code does
 * (link_click_or_reply, visits.c): one per visitor per link per hour.
 * With STOREFRONT_URL (a template: {slug}, {id}, {code}) the page sends
 * people on to the storefront with a meta refresh and a link (crawlers
 * still read the tags); without it the page is the product page, and its
 * buy link is /checkout?ref=<code>&product=<id> on the page's own host
 * (SHARE_BASE_URL's, the shop's), "/?ref=<code>" for a link to the whole
 * shop.  An unknown code is a 404 page, an expired or deactivated link
 * (or one whose product was deleted) a 410 page; a database or product
 * service that is down a 503 page: every answer is HTML.
 *
 * Every value is HTML-escaped (html_esc), in text and in attributes.  The
 * page runs no script and loads nothing but its images: its
 * Content-Security-Policy allows images and its one style block (by
 * hash), nothing else; the gateway lets this one policy through for
 * /share/ (nginx/README.md). */
#include "share_link.h"
#include "client_product.h"
#include "config.h"
#include "crypto.h"
#include "html.h"
#include "log.h"
#include "money.h"
#include <stdio.h>
#include <string.h>

#define PAGE_TYPE "text/html; charset=utf-8"
/* The preview's description: at most this many bytes of the product's. */
#define EXCERPT_MAX 200

/* The page's only style; the policy names it by its hash. */
static const char style[] =
    "body{margin:0;background:#f4f4f1;color:#1b1b1b;"
    "font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    "main{box-sizing:border-box;max-width:640px;min-height:100vh;margin:0 auto;"
    "padding:24px 16px;background:#fff}"
    "img{display:block;width:100%;height:auto;border-radius:8px;background:#eee}"
    "h1{margin:16px 0 4px;font-size:1.5rem}"
    ".price{margin:0 0 16px;font-size:1.4rem;font-weight:600}"
    ".desc{white-space:pre-line;color:#444}"
    ".note{color:#a32020}"
    ".buy{display:inline-block;padding:12px 24px;border-radius:6px;background:#0a7d43;"
    "color:#fff;font-weight:600;text-decoration:none}";

static char csp[320];
static const char *storefront;      /* STOREFRONT_URL, or NULL */

int
page_config(void)
{
	storefront = config_str("STOREFRONT_URL", NULL);
	if (storefront != NULL && !link_storefront_ok(storefront)) {
		fprintf(stderr, "share-link: STOREFRONT_URL must be an http(s) URL whose only "
		    "placeholders are {slug}, {id} and {code}, with a host and no quotes, "
		    "spaces or angle brackets\n");
		return -1;
	}
	char h[45];
	crypto_sha256_b64(style, strlen(style), h);
	snprintf(csp, sizeof csp, "default-src 'none'; img-src https: http: data:; "
	    "style-src 'sha256-%s'; base-uri 'none'; form-action 'none'; "
	    "frame-ancestors 'none'", h);
	return 0;
}

/* What one page shows. */
struct page {
	const char *title;          /* <title> */
	const char *name;           /* og:title, the heading */
	const char *summary;        /* og:description, name="description" */
	const char *url;            /* the link's url: og:url, canonical */
	const struct product_card *p;   /* or NULL: a link to the whole shop */
	const char *price;          /* "₹1,500.00", or NULL */
	int64_t paise;              /* the price */
	const char *currency;
	const char *go;             /* the storefront's URL: refresh and link; or NULL */
	const char *buy;            /* the buy link without a storefront, or NULL */
};

/* <meta KIND="key" content="value"> */
static void
meta(struct buf *b, const char *kind, const char *key, const char *value)
{
	buf_printf(b, "<meta %s=\"%s\" content=\"", kind, key);
	html_esc(b, value);
	buf_adds(b, "\">\n");
}

/* The document up to <body>: title, the preview's tags, the refresh. */
static void
page_head(struct buf *b, const struct page *pg)
{
	buf_adds(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	html_esc(b, pg->title);
	buf_adds(b, "</title>\n");
	if (pg->url != NULL) {
		buf_adds(b, "<link rel=\"canonical\" href=\"");
		html_esc(b, pg->url);
		buf_adds(b, "\">\n");
		meta(b, "name", "description", pg->summary);
		meta(b, "property", "og:type", pg->p != NULL ? "product" : "website");
		meta(b, "property", "og:title", pg->name);
		meta(b, "property", "og:description", pg->summary);
		meta(b, "property", "og:url", pg->url);
	}
	const char *image = pg->p != NULL ? pg->p->image_url : NULL;
	if (image != NULL) {
		meta(b, "property", "og:image", image);
		meta(b, "property", "og:image:alt", pg->p->image_alt ? pg->p->image_alt : pg->name);
	}
	if (pg->price != NULL) {
		char amount[32];
		meta(b, "property", "product:price:amount", money_format(pg->paise, amount,
		    sizeof amount));
		meta(b, "property", "product:price:currency", pg->currency);
	}
	if (pg->url != NULL) {
		meta(b, "name", "twitter:card", image != NULL ? "summary_large_image" : "summary");
		meta(b, "name", "twitter:title", pg->name);
		meta(b, "name", "twitter:description", pg->summary);
		if (image != NULL)
			meta(b, "name", "twitter:image", image);
	}
	if (pg->go != NULL) {
		buf_adds(b, "<meta http-equiv=\"refresh\" content=\"0;url=");
		html_esc(b, pg->go);
		buf_adds(b, "\">\n");
	}
	buf_printf(b, "<style>%s</style>\n</head>\n", style);
}

/* <body>: image, name, price, availability, description, the way on. */
static void
page_body(struct buf *b, const struct page *pg)
{
	const struct product_card *p = pg->p;
	buf_adds(b, "<body>\n<main>\n");
	if (p != NULL && p->image_url != NULL) {
		buf_adds(b, "<img src=\"");
		html_esc(b, p->image_url);
		buf_adds(b, "\" alt=\"");
		html_esc(b, p->image_alt ? p->image_alt : p->name);
		buf_adds(b, "\">\n");
	}
	buf_adds(b, "<h1>");
	html_esc(b, pg->name);
	buf_adds(b, "</h1>\n");
	if (pg->price != NULL) {
		buf_adds(b, "<p class=\"price\">");
		html_esc(b, pg->price);
		buf_adds(b, "</p>\n");
	}
	if (p != NULL && !p->active)
		buf_adds(b, "<p class=\"note\">Not available right now.</p>\n");
	const char *text = p != NULL ? p->description : pg->summary;
	if (text != NULL) {
		buf_adds(b, "<p class=\"desc\">");
		html_esc(b, text);
		buf_adds(b, "</p>\n");
	}
	const char *href = pg->go != NULL ? pg->go : pg->buy;
	if (href != NULL) {
		buf_adds(b, "<p><a class=\"buy\" href=\"");
		html_esc(b, href);
		buf_printf(b, "\">%s</a></p>\n", pg->go != NULL ? "Continue to the shop" :
		    p != NULL ? "Buy now" : "Visit the shop");
	}
	buf_adds(b, "</main>\n</body>\n</html>\n");
}

/* Answers pg as an HTML page with status. */
static void
page_reply(struct req *r, const struct page *pg, int status)
{
	reply_reset(r);
	page_head(&r->out, pg);
	page_body(&r->out, pg);
	reply_header(r, "Content-Security-Policy", csp);
	reply_typed(r, status, PAGE_TYPE);
}

/* Answers the page of an error status: 404, 410, 503, 500. */
static void
page_error(struct req *r, int status)
{
	struct page pg = { 0 };
	switch (status) {
	case 404:
		pg.name = "Link not found";
		pg.summary = "There is no share link at this address.";
		break;
	case 410:
		pg.name = "Link no longer available";
		pg.summary = "This share link has expired, or its seller turned it off.";
		break;
	default:
		pg.name = "Temporarily unavailable";
		pg.summary = "The shop cannot show this link right now. Please try again in a "
		    "moment.";
		break;
	}
	pg.title = pg.name;
	page_reply(r, &pg, status);
}

/* paise in currency as people read it: "₹1,50,000.00", "USD 1500.00". */
static const char *
price_text(struct arena *a, int64_t paise, const char *currency)
{
	char t[48];
	if (strcmp(currency, "INR") == 0)
		return arena_strdup(a, money_format_inr(paise, t, sizeof t));
	return arena_printf(a, "%s %s", currency, money_format(paise, t, sizeof t));
}

/* The preview's description: the price, then up to EXCERPT_MAX bytes of
 * the product's description on one line (an ellipsis when cut). */
static const char *
summary_of(struct arena *a, const char *price, const char *desc)
{
	const char *d = desc != NULL ? desc : "";
	size_t n = link_excerpt_len(d, EXCERPT_MAX);
	char *s = arena_printf(a, "%s%s%.*s%s", price, n > 0 ? " \u00b7 " : "", (int)n, d,
	    d[n] != '\0' ? "\u2026" : "");
	for (char *c = s; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	return s;
}

/* The page of a live link (row 0 of link) and its product's card (or
 * NULL). */
static void
page_of_link(struct req *r, const PGresult *link, const struct product_card *p)
{
	const char *code = db_get(link, 0, "code");
	struct page pg = { .url = link_url(r->a, code), .p = p };
	if (p != NULL) {
		pg.paise = db_isnull(link, 0, "seller_price") ? p->price :
		    db_get_ll(link, 0, "seller_price");
		pg.currency = db_get(link, 0, "currency");
		pg.price = price_text(r->a, pg.paise, pg.currency);
		pg.name = p->name;
		pg.title = arena_printf(r->a, "%s \u00b7 %s", p->name, pg.price);
		pg.summary = summary_of(r->a, pg.price, p->description);
		pg.buy = p->active ? arena_printf(r->a, "/checkout?ref=%s&product=%s", code,
		    p->product_id) : NULL;
	} else {
		pg.name = pg.title = "A shop shared with you";
		pg.summary = "Browse the shop through this link.";
		pg.buy = arena_printf(r->a, "/?ref=%s", code);
	}
	if (storefront != NULL) {
		char go[4096];
		if (link_storefront_url(storefront, p ? p->slug : NULL, p ? p->product_id : NULL,
		    code, go, sizeof go) >= 0)
			pg.go = arena_strdup(r->a, go);
		else
			log_warn("share page %s: STOREFRONT_URL expanded is too long", code);
	}
	page_reply(r, &pg, 200);
}

/* The page, or an error page; a helper's JSON answer is left for
 * links_page to turn into HTML. */
static void
page_answer(struct req *r)
{
	const char *code = req_param(r, "code");
	if (!link_code_valid(code)) {
		page_error(r, 404);
		return;
	}
	PGresult *res = db_exec_or_reply(r, S(S_LINK_BY_CODE), (const char *[]){ code });
	if (res == NULL)
		return;
	bool found = PQntuples(res) == 1;
	int status = link_page_status(found, found && db_get_bool(res, 0, "expired"),
	    found && db_get_bool(res, 0, "is_active"));
	if (status != 200) {
		page_error(r, status);
		return;
	}
	/* The product first: a 503 counts no click. */
	struct product_card card;
	const char *product = db_get(res, 0, "product_id");
	if (product != NULL) {
		enum client_rc rc = product_card(r, product, &card);
		if (rc == CLIENT_NOT_FOUND) {
			page_error(r, 410);      /* the product was deleted */
			return;
		}
		if (rc != CLIENT_OK)
			return;
	}
	if (link_click_or_reply(r, res) != 0)
		return;
	page_of_link(r, res, product != NULL ? &card : NULL);
}

void
links_page(struct req *r)
{
	page_answer(r);
	/* A helper's JSON answer (503 while the database or the product
	 * service is down), or none at all, becomes the page of its status. */
	if (r->out_type == NULL)
		page_error(r, r->status != 0 ? r->status : 500);
}
