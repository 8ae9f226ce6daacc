/* common/html.c: the HTML escaper.  Text and attribute values alike:
 * nothing a value holds can open an element, close an attribute or start
 * an entity of its own. */
#include "../lib/t.h"
#include "html.h"
#include <string.h>

/* html_esc(s) as a string (the caller frees b). */
static const char *
esc(struct buf *b, const char *s)
{
	buf_reset(b);
	html_esc(b, s);
	buf_addc(b, '\0');
	return b->p;
}

static void
html_esc_specials(void)
{
	struct buf b = { 0 };
	T_EQ_STR(esc(&b, "<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
	T_EQ_STR(esc(&b, "a \"quoted\" 'name'"), "a &quot;quoted&quot; &#39;name&#39;");
	T_EQ_STR(esc(&b, "Tom & Jerry &amp;"), "Tom &amp; Jerry &amp;amp;");
	T_EQ_STR(esc(&b, "\" onload=\"x"), "&quot; onload=&quot;x");
	T_EQ_STR(esc(&b, "plain text"), "plain text");
	T_EQ_STR(esc(&b, ""), "");
	buf_free(&b);
}

static void
html_esc_keeps_utf8_and_lines(void)
{
	struct buf b = { 0 };
	T_EQ_STR(esc(&b, "\u20b91,50,000.00 \u0915\u0941\u0930\u094d\u0924\u093e"),
	    "\u20b91,50,000.00 \u0915\u0941\u0930\u094d\u0924\u093e");
	T_EQ_STR(esc(&b, "line one\nline\ttwo\r\n"), "line one\nline\ttwo\r\n");
	buf_free(&b);
}

static void
html_esc_drops_controls(void)
{
	struct buf b = { 0 };
	T_EQ_STR(esc(&b, "a\x01" "b\x1b[31m" "c\x7f" "d\x0b" "e"), "ab[31mcde");
	buf_free(&b);
}

static void
html_escn_bounded_and_null(void)
{
	struct buf b = { 0 };
	html_escn(&b, "<ab>cd", 3);
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "&lt;ab");
	buf_reset(&b);
	html_esc(&b, NULL);
	html_escn(&b, NULL, 4);
	T_EQ_INT(b.len, 0);
	buf_free(&b);
}

static const struct t_case cases[] = {
	T_CASE(html_esc_specials),
	T_CASE(html_esc_keeps_utf8_and_lines),
	T_CASE(html_esc_drops_controls),
	T_CASE(html_escn_bounded_and_null),
};

int
main(void)
{
	return t_run("html", cases, T_NCASES(cases), NULL, NULL);
}
