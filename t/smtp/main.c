/* smtp-stub --port P --dir D [--user U --password W]
 *
 * The loop: one listening socket on 127.0.0.1:P and up to CONN_MAX
 * connections, all non-blocking under one poll().  A connection's input
 * is buffered and handed to the session (session.c); its replies wait in
 * an output buffer until the socket takes them.  A DATA answer held by
 * XCTL HANG is a deadline here, not a sleep: the other connections go on.
 * SIGTERM or SIGINT ends the loop, and everything is freed. */
#include "smtp.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_MAX  512
#define OUT_HIGH  (256 * 1024)   /* stop reading a client that does not read */

const char *smtp_user, *smtp_password;

static struct conn *conns[CONN_MAX];
static int nconns;
static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

long long
smtp_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (q == NULL) {
		fprintf(stderr, "smtp-stub: out of memory\n");
		exit(1);
	}
	return q;
}

void
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n + 1 > b->cap) {
		if (b->off > 0) {             /* compact before growing */
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (cap != b->cap) {
			b->p = xrealloc(b->p, cap);
			b->cap = cap;
		}
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sbuf_consume(struct sbuf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void
sbuf_free(struct sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

void
reply(struct conn *c, int code, const char *fmt, ...)
{
	char line[SMTP_LINE_MAX];
	int n = snprintf(line, sizeof line, "%03d ", code);
	va_list ap;
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof line - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof line - 3)
		n = (int)sizeof line - 3;
	memcpy(line + n, "\r\n", 2);
	sbuf_add(&c->out, line, (size_t)n + 2);
}

/* Sends what the socket takes now.  -1 when the connection is broken. */
static int
conn_flush(struct conn *c)
{
	while (c->out.len > c->out.off) {
		ssize_t n = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
		sbuf_consume(&c->out, (size_t)n);
	}
	return 0;
}

/* Reads what is there.  -1 when the connection is broken. */
static int
conn_read(struct conn *c)
{
	char buf[16384];
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			sbuf_add(&c->in, buf, (size_t)n);
			if (c->in.len - c->in.off > 4 * (size_t)SMTP_SIZE_MAX)
				return -1;            /* nobody sends that much unasked */
			continue;
		}
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	}
}

static void
conn_close(int i)
{
	struct conn *c = conns[i];
	if (c->st == CS_WAIT)
		fprintf(stderr, "smtp-stub: %s left during a held DATA answer: message dropped\n",
		    c->peer);
	session_reset(c);
	close(c->fd);
	sbuf_free(&c->in);
	sbuf_free(&c->out);
	free(c);
	conns[i] = conns[--nconns];
}

static void
conn_accept(int lfd)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t sl = sizeof sa;
		int fd = accept4(lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (nconns == CONN_MAX) {
			static const char busy[] = "421 4.3.2 too many connections\r\n";
			(void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		struct conn *c = xrealloc(NULL, sizeof *c);
		memset(c, 0, sizeof *c);
		c->fd = fd;
		snprintf(c->peer, sizeof c->peer, "%s:%u", inet_ntoa(sa.sin_addr),
		    ntohs(sa.sin_port));
		reply(c, 220, "smtp-stub.test ESMTP ready");
		conns[nconns++] = c;
	}
}

static int
listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 128) != 0) {
		fprintf(stderr, "smtp-stub: could not listen on 127.0.0.1:%d: %s\n", port,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* What poll() waits for on c, and the timeout a held answer needs. */
static short
conn_events(const struct conn *c, long long now, int *timeout)
{
	short ev = POLLRDHUP;
	if (c->out.len > c->out.off)
		ev |= POLLOUT;
	if (c->st == CS_WAIT) {
		long long left = c->due_ms - now;
		int t = left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
		if (*timeout < 0 || t < *timeout)
			*timeout = t;
	} else if (!c->quit && !c->eof && c->out.len - c->out.off < OUT_HIGH) {
		ev |= POLLIN;
	}
	return ev;
}

/* One connection after poll: read, answer, wake, send.  False: close it. */
static bool
conn_step(struct conn *c, short rev, long long now)
{
	if (rev & (POLLERR | POLLNVAL))
		return false;
	if (c->st == CS_WAIT && (rev & (POLLRDHUP | POLLHUP)))
		return false;                 /* gone before its answer */
	if ((rev & (POLLIN | POLLHUP | POLLRDHUP)) && c->st != CS_WAIT && conn_read(c) != 0)
		return false;
	if (c->st == CS_WAIT && now >= c->due_ms)
		session_wake(c);
	else if (c->st != CS_WAIT)
		session_process(c);
	if (conn_flush(c) != 0)
		return false;
	bool drained = c->out.len == c->out.off;
	if ((c->quit || c->eof) && drained && c->st != CS_WAIT)
		return false;
	return true;
}

static void
serve(int lfd)
{
	struct pollfd pfd[CONN_MAX + 1];
	while (!stopping) {
		long long now = smtp_now_ms();
		int timeout = -1, n = 0;
		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < nconns; i++)
			pfd[n++] = (struct pollfd){ .fd = conns[i]->fd,
			    .events = conn_events(conns[i], now, &timeout) };
		int k = poll(pfd, (nfds_t)n, timeout);
		if (k < 0 && errno != EINTR) {
			fprintf(stderr, "smtp-stub: poll: %s\n", strerror(errno));
			return;
		}
		if (k < 0)
			continue;
		now = smtp_now_ms();
		/* Back to front: conn_close moves the last connection into i. */
		for (int i = nconns - 1; i >= 0; i--)
			if (!conn_step(conns[i], pfd[i + 1].revents, now))
				conn_close(i);
		if (pfd[0].revents & POLLIN)
			conn_accept(lfd);
	}
}

static int
usage(void)
{
	fprintf(stderr, "usage: smtp-stub --port P --dir D [--user U --password W]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	int port = 0;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return usage();
		if (strcmp(argv[i], "--port") == 0)
			port = atoi(v);
		else if (strcmp(argv[i], "--dir") == 0)
			dir = v;
		else if (strcmp(argv[i], "--user") == 0)
			smtp_user = v;
		else if (strcmp(argv[i], "--password") == 0)
			smtp_password = v;
		else
			return usage();
		i++;
	}
	if (port <= 0 || port > 65535 || dir == NULL || (smtp_user == NULL) != (smtp_password == NULL))
		return usage();
	if (store_init(dir) != 0)
		return 1;
	int lfd = listen_on(port);
	if (lfd < 0)
		return 1;
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "smtp-stub: listening on 127.0.0.1:%d, messages in %s%s\n", port, dir,
	    smtp_user ? ", AUTH PLAIN LOGIN required" : "");
	serve(lfd);
	while (nconns > 0)
		conn_close(nconns - 1);
	close(lfd);
	fprintf(stderr, "smtp-stub: stopped\n");
	return 0;
}
