/* HTML text and attribute values: the one escaper for a page a service
 * writes (the share page, fcgi/share-link/page.c).  A value passed through
 * html_esc is text wherever it lands, in an element or inside a quoted
 * attribute: "<script>" stays the eight characters it is. */
#ifndef HTML_H
#define HTML_H
#include "json.h"
#include <stddef.h>

/* Appends s to b with & < > " ' written as entities (&amp; &lt; &gt;
 * &quot; &#39;) and the C0 control characters other than tab, LF and CR
 * (and DEL) left out.  s may be NULL (nothing appended). */
void html_esc(struct buf *b, const char *s);
/* The same for the first n bytes of s. */
void html_escn(struct buf *b, const char *s, size_t n);

#endif
