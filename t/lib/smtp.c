/* The SMTP stand-in from a test: raw sessions, XCTL, and its message
 * files (t/lib/notify.h, t/smtp/README.md). */
#include "notify.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a raw session ---- */

int
t_smtp_open(void)
{
	const char *port = t_env("SMTP_STUB_PORT");
	if (port == NULL)
		return -1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, "could not connect to the SMTP stand-in on port %s: %s\n", port,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char greet[256];
	int code = t_smtp_cmd(fd, NULL, greet, sizeof greet);
	if (code != 220) {
		fprintf(stderr, "the SMTP stand-in greeted with %d: %s\n", code, greet);
		close(fd);
		return -1;
	}
	return fd;
}

bool
t_smtp_send(int fd, const char *bytes, size_t n)
{
	while (n > 0) {
		ssize_t k = send(fd, bytes, n, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		bytes += k;
		n -= (size_t)k;
	}
	return true;
}

/* One line (without CRLF) into line[cap]; false on EOF, error or 5 s. */
static bool
read_line(int fd, char *line, size_t cap)
{
	size_t n = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) != 1)
			return false;
		char ch;
		ssize_t k = recv(fd, &ch, 1, 0);
		if (k <= 0)
			return false;
		if (ch == '\n')
			break;
		if (n + 1 < cap)
			line[n++] = ch;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	return true;
}

int
t_smtp_cmd(int fd, const char *line, char *reply, size_t cap)
{
	char l[1024];
	size_t used = 0;
	if (reply != NULL && cap > 0)
		reply[0] = '\0';
	if (line != NULL && (!t_smtp_send(fd, line, strlen(line)) || !t_smtp_send(fd, "\r\n", 2)))
		return -1;
	for (;;) {
		if (!read_line(fd, l, sizeof l) || strlen(l) < 3)
			return -1;
		if (reply != NULL && cap > used + 1) {
			int k = snprintf(reply + used, cap - used, "%s%s", used ? "\n" : "", l);
			used = k < 0 ? used : used + (size_t)k >= cap ? cap - 1 : used + (size_t)k;
		}
		if (l[3] != '-')
			return atoi(l);
	}
}

void
t_smtp_close(int fd)
{
	if (fd < 0)
		return;
	t_smtp_cmd(fd, "QUIT", NULL, 0);
	close(fd);
}

int
t_smtp_login(void)
{
	const char *user = t_env("SMTP_USER"), *pass = t_env("SMTP_PASSWORD");
	int fd = t_smtp_open();
	if (!T_ASSERT(fd >= 0 && user != NULL && pass != NULL)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	char plain[300], b64[420], cmd[440];
	int n = snprintf(plain, sizeof plain, "%c%s%c%s", 0, user, 0, pass);
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, n);
	snprintf(cmd, sizeof cmd, "AUTH PLAIN %s", b64);
	if (!T_EQ_INT(t_smtp_cmd(fd, "EHLO test.example", NULL, 0), 250) ||
	    !T_EQ_INT(t_smtp_cmd(fd, cmd, NULL, 0), 235)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- control ---- */

/* line on a new connection, then QUIT; the code, and the reply text. */
static int
ctl(const char *line, char *reply, size_t cap)
{
	int fd = t_smtp_open();
	if (fd < 0)
		return -1;
	int code = t_smtp_cmd(fd, line, reply, cap);
	t_smtp_close(fd);
	return code;
}

int
t_smtp_ctl(const char *line)
{
	char reply[512];
	int code = ctl(line, reply, sizeof reply);
	if (code != 250)
		fprintf(stderr, "SMTP stand-in: %s -> %s\n", line, reply);
	return code;
}

long
t_smtp_accepted(void)
{
	char reply[128];
	if (ctl("XCTL COUNT", reply, sizeof reply) != 250)
		return -1;
	return atol(reply + 4);
}

/* ---- the message files ---- */

/* The number of a message file's name ("000012.eml" -> 12), or 0. */
static int
file_seq(const char *name)
{
	unsigned n;
	char tail[8];
	if (strlen(name) != 10 || sscanf(name, "%6u%7s", &n, tail) != 2 ||
	    strcmp(tail, ".eml") != 0)
		return 0;
	return (int)n;
}

/* Calls fn(seq, arg) for every message file; how many there are. */
static int
each_file(void (*fn)(int, void *), void *arg)
{
	const char *dir = t_env("SMTP_STUB_DIR");
	DIR *d = dir ? opendir(dir) : NULL;
	if (d == NULL)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		int seq = file_seq(e->d_name);
		if (seq > 0) {
			n++;
			if (fn != NULL)
				fn(seq, arg);
		}
	}
	closedir(d);
	return n;
}

static void
max_seq(int seq, void *arg)
{
	if (seq > *(int *)arg)
		*(int *)arg = seq;
}

int
t_smtp_last(void)
{
	int last = 0;
	each_file(max_seq, &last);
	return last;
}

int
t_smtp_count(void)
{
	return each_file(NULL, NULL);
}

char *
t_smtp_read(int seq, size_t *len)
{
	const char *dir = t_env("SMTP_STUB_DIR");
	char path[4200];
	if (dir == NULL)
		return NULL;
	snprintf(path, sizeof path, "%s/%06d.eml", dir, seq);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0, k;
	char *p = malloc(cap);
	while (p != NULL && (k = fread(p + n, 1, cap - n - 1, f)) > 0) {
		n += k;
		if (cap - n < 2048) {
			char *q = realloc(p, cap *= 2);
			if (q == NULL)
				free(p);
			p = q;
		}
	}
	fclose(f);
	if (p == NULL)
		return NULL;
	p[n] = '\0';
	if (len != NULL)
		*len = n;
	return p;
}

const char *
t_smtp_data(const char *file)
{
	const char *p = file;
	while (p != NULL && strncmp(p, "X-Stub-", 7) == 0) {
		const char *lf = strchr(p, '\n');
		p = lf ? lf + 1 : p + strlen(p);
	}
	return p;
}

bool
t_smtp_from(const char *file, char *out, size_t cap)
{
	static const char h[] = "X-Stub-Mail-From: ";
	if (file == NULL || strncmp(file, h, sizeof h - 1) != 0)
		return false;
	const char *v = file + sizeof h - 1;
	size_t n = strcspn(v, "\r\n");
	snprintf(out, cap, "%.*s", (int)n, v);
	return true;
}

bool
t_smtp_has_rcpt(const char *file, const char *rcpt)
{
	static const char h[] = "X-Stub-Rcpt-To: ";
	char want[300];
	snprintf(want, sizeof want, rcpt[0] == '<' ? "%s" : "<%s>", rcpt);
	const char *end = t_smtp_data(file);
	for (const char *p = file; p != NULL && p < end; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		size_t n = strcspn(p + sizeof h - 1, "\r\n");
		if (strncmp(p, h, sizeof h - 1) == 0 && n == strlen(want) &&
		    strncasecmp(p + sizeof h - 1, want, n) == 0)
			return true;
	}
	return false;
}

struct find {
	const char *rcpt;
	int after, *seqs, max, n;
};

static void
find_one(int seq, void *arg)
{
	struct find *f = arg;
	if (seq <= f->after)
		return;
	char *file = f->rcpt ? t_smtp_read(seq, NULL) : NULL;
	if (f->rcpt == NULL || (file != NULL && t_smtp_has_rcpt(file, f->rcpt))) {
		/* insertion in order: readdir's order is not the files' */
		int i = f->n < f->max ? f->n : f->max;
		while (i > 0 && f->seqs[i - 1] > seq) {
			if (i < f->max)
				f->seqs[i] = f->seqs[i - 1];
			i--;
		}
		if (i < f->max)
			f->seqs[i] = seq;
		f->n++;
	}
	free(file);
}

int
t_smtp_find(const char *rcpt, int after, int *seqs, int max)
{
	struct find f = { rcpt, after, seqs, seqs ? max : 0, 0 };
	each_file(find_one, &f);
	return f.n;
}

int
t_smtp_wait(const char *rcpt, int after, int n, double secs)
{
	double until = t_now() + secs;
	int got;
	while ((got = t_smtp_find(rcpt, after, NULL, 0)) < n && t_now() < until)
		t_sleep_ms(50);
	return got;
}
