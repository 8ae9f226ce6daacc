/* Reading an email as it was sent (the SMTP stand-in's files, the
 * sender's builder in the unit tests): a header's value, RFC 2047 encoded
 * words and quoted-printable decoded.  Every result is malloc'd (the
 * caller frees), or NULL. */
#ifndef T_MAIL_H
#define T_MAIL_H

/* The value of the first header field called name (any case) in the
 * header block that msg starts with (it ends at the first blank line),
 * folded lines kept as they are; NULL when there is none. */
char *t_mail_header(const char *msg, const char *name);
/* How many header fields called name the block has. */
int t_mail_header_count(const char *msg, const char *name);
/* The body: what follows the blank line after the headers ("" if none). */
const char *t_mail_body(const char *msg);
/* A header value with its encoded words (=?UTF-8?B?...?=, =?UTF-8?Q?...?=)
 * decoded and unfolded (CRLF SP removed, as is the space between two
 * encoded words); NULL when an encoded word is malformed. */
char *t_mail_words(const char *value);
/* Quoted-printable decoded (soft breaks removed, CRLF as LF); NULL on a
 * malformed escape. */
char *t_mail_qp(const char *text);

#endif
