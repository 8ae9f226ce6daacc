/* smtp-stub: the SMTP server the tests run in place of a mail provider
 * (t/smtp/README.md).  One process, one poll() loop, many connections
 * (main.c); each connection speaks RFC 5321 through a table of commands
 * (session.c); every accepted message becomes one file, and the XCTL verb
 * lets a test inject faults (store.c).  Plain libc: no common/, no TLS. */
#ifndef SMTP_STUB_H
#define SMTP_STUB_H
#include <stdbool.h>
#include <stddef.h>

#define SMTP_LINE_MAX   2048           /* a command line, CRLF included */
#define SMTP_SIZE_MAX   (10L << 20)    /* EHLO's SIZE: bigger messages get 552 */
#define SMTP_RCPT_MAX   100            /* RFC 5321 4.5.3.1.8: at least 100 */
#define SMTP_ADDR_MAX   256            /* a path between < and >, bytes */

/* A growable byte buffer (heap). */
struct sbuf {
	char *p;
	size_t len, cap, off;              /* off: bytes consumed from the front */
};
void sbuf_add(struct sbuf *b, const void *p, size_t n);
void sbuf_consume(struct sbuf *b, size_t n);
void sbuf_free(struct sbuf *b);

enum conn_state {
	CS_CMD,            /* reading command lines */
	CS_DATA,           /* after 354: message bytes until CRLF.CRLF */
	CS_AUTH_PLAIN,     /* after "334 ": the PLAIN response */
	CS_AUTH_USER,      /* AUTH LOGIN: the user name */
	CS_AUTH_PASS,      /* AUTH LOGIN: the password */
	CS_WAIT,           /* XCTL HANG: the DATA answer is held until due_ms */
};

/* Where the DATA parser is in a line (session.c). */
enum dot_state { DOT_BOL, DOT_MID, DOT_CR, DOT_DOT, DOT_DOTCR };

struct conn {
	int fd;
	enum conn_state st;
	bool helo;                         /* EHLO or HELO done */
	bool authed;
	bool quit;                         /* close once the output is sent */
	bool eof;                          /* the client closed its side */
	bool discard;                      /* dropping an overlong line up to its LF */
	char peer[64];
	char login_user[SMTP_ADDR_MAX];    /* AUTH LOGIN's first answer */
	struct sbuf in, out;
	/* the mail transaction */
	char *from;                        /* "<a>" (NULL: no MAIL yet) */
	char *rcpt[SMTP_RCPT_MAX];         /* "<b>" */
	int nrcpt;
	struct sbuf msg;                   /* DATA bytes, dot-unstuffed */
	enum dot_state dot;
	bool too_big;
	/* a held DATA answer (CS_WAIT) */
	long long due_ms;
	int held_code;                     /* what it will be: 0 accept, else the code */
};

/* main.c */
extern const char *smtp_user, *smtp_password;   /* NULL: no AUTH */
long long smtp_now_ms(void);
/* Appends one reply line "code text\r\n" (text printf-style). */
void reply(struct conn *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* session.c */
/* Consumes what it can of c->in (stops in CS_WAIT and after QUIT). */
void session_process(struct conn *c);
/* The held DATA answer is due: give it, then go on with the input. */
void session_wake(struct conn *c);
/* Forgets the transaction (MAIL, RCPTs, DATA bytes). */
void session_reset(struct conn *c);

/* store.c: faults, the message files and the XCTL verb */
int store_init(const char *dir);
/* XCTL <arg>: one reply. */
void store_xctl(struct conn *c, const char *arg);
/* The code a RCPT TO this path ("<b>") must get, 0 when none. */
int store_rcpt_fault(const char *path);
/* The code the end of this DATA must get (0: accept) and the hang before
 * it (ms); each call uses up one FAIL DATA and the HANG. */
int store_data_fault(long *hang_ms);
/* Writes the message of c (from, rcpts, msg) as the next file; its
 * sequence number, or 0 when it could not be written. */
unsigned store_save(const struct conn *c);

#endif
