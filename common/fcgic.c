/* A FastCGI client for service-to-service calls on one host: the request
 * goes straight to the callee's pool socket, as nginx would send it, one
 * request per connection (no FCGI_KEEP_CONN: a pool worker is never held by
 * an idle connection).  It saves the gateway's two hops per call; see
 * fcgic.h for when http_internal uses it. */
#include "fcgic.h"
#include "clock.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
	FCGI_RESPONDER = 1,
	REQ_ID = 1,
	RECORD_MAX = 65535,
	/* The most a response may be: as http_call's. */
	RESPONSE_MAX = 4 << 20,
};

/* The socket is blocking with SO_SNDTIMEO/SO_RCVTIMEO set to the call's
 * timeout: one system call per read or write in the common case (a reply
 * usually arrives in one read), against the deadline for the whole call. */
static int
write_all(int fd, const char *p, size_t n, long deadline)
{
	while (n > 0) {
		if (mono_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && errno != EINTR) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

/* What has been read and not yet parsed. */
struct inbuf {
	char p[65536 + 8 + 255];
	size_t off, len;
};

/* Makes n bytes available at in->p + in->off.  0, or -1 (errno set). */
static int
need(int fd, struct inbuf *in, size_t n, long deadline)
{
	if (in->len - in->off >= n)
		return 0;
	memmove(in->p, in->p + in->off, in->len - in->off);
	in->len -= in->off;
	in->off = 0;
	while (in->len < n) {
		if (mono_ms() >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t r = recv(fd, in->p + in->len, sizeof in->p - in->len, 0);
		if (r > 0) {
			in->len += (size_t)r;
		} else if (r == 0) {
			errno = ECONNRESET;
			return -1;
		} else if (errno != EINTR) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return -1;
		}
	}
	return 0;
}

static void
record(struct buf *b, int type, const char *content, size_t len)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, REQ_ID,
	    (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };
	buf_add(b, (const char *)h, 8);
	if (len > 0)
		buf_add(b, content, len);
}

static void
length(struct buf *b, size_t n)
{
	if (n < 128) {
		unsigned char c = (unsigned char)n;
		buf_add(b, (const char *)&c, 1);
	} else {
		unsigned char c[4] = { (unsigned char)((n >> 24) | 0x80), (unsigned char)(n >> 16),
		    (unsigned char)(n >> 8), (unsigned char)n };
		buf_add(b, (const char *)c, 4);
	}
}

static void
pair(struct buf *b, const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	length(b, nl);
	length(b, vl);
	buf_add(b, name, nl);
	buf_add(b, value, vl);
}

/* "Status: 201 Created\r\nContent-Type: ...\r\n\r\nbody" -> status, body.
 * -1 when there is no end of the headers. */
static int
parse_cgi(const struct buf *out, long *status, size_t *body_off)
{
	const char *p = out->p ? out->p : "";
	size_t n = out->len, i = 0;
	*status = 200;
	while (i < n) {
		const char *eol = memchr(p + i, '\n', n - i);
		if (eol == NULL)
			return -1;
		size_t line = (size_t)(eol - (p + i));
		size_t text = line > 0 && p[i + line - 1] == '\r' ? line - 1 : line;
		if (text == 0) {
			*body_off = i + line + 1;
			return 0;
		}
		if (text > 7 && strncasecmp(p + i, "Status:", 7) == 0) {
			long s = strtol(p + i + 7, NULL, 10);
			if (s >= 100 && s <= 599)
				*status = s;
		}
		i += line + 1;
	}
	return -1;
}

/* A connected socket to sock_path with the call's timeout on every read
 * and write, or -1 / FCGIC_NO_SOCKET (err says why). */
static int
connect_to(const char *sock_path, long timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock_path) >= sizeof sa.sun_path) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* A full accept backlog makes connect wait: bounded by the timeout,
	 * as every read and write is. */
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		int e = errno;
		snprintf(err, errlen, "connect %s: %s", sock_path, strerror(e));
		close(fd);
		return e == ENOENT ? FCGIC_NO_SOCKET : -1;
	}
	return fd;
}

/* The whole request as records: BEGIN_REQUEST, the parameters nginx
 * sends, the body. */
static void
request_records(const struct fcgic_req *q, struct buf *req)
{
	struct buf params = { 0 };
	static const unsigned char begin[8] = { 0, FCGI_RESPONDER, 0, 0, 0, 0, 0, 0 };
	record(req, FCGI_BEGIN_REQUEST, (const char *)begin, 8);
	char clen[24], uri[2048];
	snprintf(clen, sizeof clen, "%zu", q->body_len);
	snprintf(uri, sizeof uri, "%s%s%s", q->path, q->query && *q->query ? "?" : "",
	    q->query ? q->query : "");
	pair(&params, "REQUEST_METHOD", q->method);
	pair(&params, "REQUEST_URI", uri);
	pair(&params, "DOCUMENT_URI", q->path);
	pair(&params, "QUERY_STRING", q->query ? q->query : "");
	pair(&params, "CONTENT_TYPE", q->body ? "application/json" : "");
	pair(&params, "CONTENT_LENGTH", q->body ? clen : "");
	pair(&params, "SERVER_PROTOCOL", "HTTP/1.1");
	pair(&params, "GATEWAY_INTERFACE", "CGI/1.1");
	pair(&params, "REMOTE_ADDR", "127.0.0.1");
	pair(&params, "REQUEST_ID", q->request_id ? q->request_id : "-");
	pair(&params, "HTTP_ACCEPT", "application/json");
	pair(&params, "INTERNAL", "1");
	for (size_t off = 0; off < params.len; off += RECORD_MAX) {
		size_t n = params.len - off < RECORD_MAX ? params.len - off : RECORD_MAX;
		record(req, FCGI_PARAMS, params.p + off, n);
	}
	record(req, FCGI_PARAMS, NULL, 0);
	for (size_t off = 0; q->body && off < q->body_len; off += RECORD_MAX) {
		size_t n = q->body_len - off < RECORD_MAX ? q->body_len - off : RECORD_MAX;
		record(req, FCGI_STDIN, q->body + off, n);
	}
	record(req, FCGI_STDIN, NULL, 0);
	buf_free(&params);
}

/* Reads records up to END_REQUEST, the STDOUT ones into out.  0, or -1
 * (err says why). */
static int
read_answer(int fd, long deadline, struct buf *out, char *err, size_t errlen)
{
	static struct inbuf inb;   /* a worker makes one call at a time */
	struct inbuf *in = &inb;
	in->off = in->len = 0;
	for (;;) {
		if (need(fd, in, 8, deadline) != 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		const unsigned char *h = (const unsigned char *)in->p + in->off;
		size_t len = (size_t)h[4] << 8 | h[5], pad = h[6];
		int type = h[1];
		if (h[0] != 1) {
			snprintf(err, errlen, "not a FastCGI answer");
			return -1;
		}
		if (need(fd, in, 8 + len + pad, deadline) != 0) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		const char *content = in->p + in->off + 8;
		in->off += 8 + len + pad;
		if (type == FCGI_STDOUT) {
			if (out->len + len > RESPONSE_MAX) {
				snprintf(err, errlen, "response too large");
				return -1;
			}
			buf_add(out, content, len);
		} else if (type == FCGI_END_REQUEST) {
			return 0;
		}   /* FCGI_STDERR and anything else: ignored */
	}
}

int
fcgic_call(const char *sock_path, const struct fcgic_req *q, long timeout_ms,
    long *status, struct buf *body, char *err, size_t errlen)
{
	long deadline = mono_ms() + timeout_ms;
	int fd = connect_to(sock_path, timeout_ms, err, errlen);
	if (fd < 0)
		return fd;
	struct buf req = { 0 }, out = { 0 };
	request_records(q, &req);
	int rc = -1;
	size_t off;
	if (write_all(fd, req.p, req.len, deadline) != 0) {
		snprintf(err, errlen, "send: %s", strerror(errno));
	} else if (read_answer(fd, deadline, &out, err, errlen) == 0) {
		if (parse_cgi(&out, status, &off) != 0) {
			snprintf(err, errlen, "answer without headers");
		} else {
			buf_add(body, out.p + off, out.len - off);
			rc = 0;
		}
	}
	buf_free(&req);
	buf_free(&out);
	close(fd);
	return rc;
}
