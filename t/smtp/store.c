/* The stand-in's memory: the faults XCTL injects, and the messages it
 * accepted, one file each in the directory given by --dir:
 *
 *   D/000001.eml   X-Stub-Mail-From: <a>            CRLF
 *                  X-Stub-Rcpt-To: <b>              CRLF (one per recipient)
 *                  the DATA bytes, dot-unstuffed, CRLF kept
 *
 * written to D/.tmp.<seq> and renamed, so a reader never sees half a
 * message.  Numbering goes on after the highest file already there. */
#include "smtp.h"
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define RCPT_FAULTS 64

static struct {
	char dir[4096];
	unsigned seq;                      /* the last file's number */
	unsigned long accepted;            /* since start (XCTL COUNT) */
	struct {
		char path[SMTP_ADDR_MAX];      /* "<b>", compared without case */
		int code;
	} rcpt[RCPT_FAULTS];
	int nrcpt;
	int data_left, data_code;          /* XCTL FAIL DATA */
	long hang_ms;                      /* XCTL HANG: the next DATA end */
} g;

int
store_init(const char *dir)
{
	if (strlen(dir) >= sizeof g.dir - 32) {
		fprintf(stderr, "smtp-stub: --dir is too long\n");
		return -1;
	}
	snprintf(g.dir, sizeof g.dir, "%s", dir);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "smtp-stub: could not create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	DIR *d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "smtp-stub: could not open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		unsigned n;
		char tail[8];
		if (sscanf(e->d_name, "%6u%7s", &n, tail) == 2 && strcmp(tail, ".eml") == 0 &&
		    n > g.seq)
			g.seq = n;
	}
	closedir(d);
	return 0;
}

/* "<a>" or "a" as "<a>" into out; false when it does not fit. */
static bool
angle(const char *s, char out[SMTP_ADDR_MAX])
{
	int n = snprintf(out, SMTP_ADDR_MAX, s[0] == '<' ? "%s" : "<%s>", s);
	return n > 2 && n < SMTP_ADDR_MAX && out[n - 1] == '>';
}

int
store_rcpt_fault(const char *path)
{
	for (int i = 0; i < g.nrcpt; i++)
		if (strcasecmp(g.rcpt[i].path, path) == 0)
			return g.rcpt[i].code;
	return 0;
}

int
store_data_fault(long *hang_ms)
{
	*hang_ms = g.hang_ms;
	g.hang_ms = 0;
	if (g.data_left > 0) {
		g.data_left--;
		return g.data_code;
	}
	return 0;
}

static bool
write_all(FILE *f, const struct conn *c)
{
	fprintf(f, "X-Stub-Mail-From: %s\r\n", c->from);
	for (int i = 0; i < c->nrcpt; i++)
		fprintf(f, "X-Stub-Rcpt-To: %s\r\n", c->rcpt[i]);
	if (c->msg.len > 0)
		fwrite(c->msg.p, 1, c->msg.len, f);
	return fflush(f) == 0 && !ferror(f);
}

unsigned
store_save(const struct conn *c)
{
	char tmp[4160], final[4160];
	unsigned seq = g.seq + 1;
	snprintf(tmp, sizeof tmp, "%s/.tmp.%06u", g.dir, seq);
	snprintf(final, sizeof final, "%s/%06u.eml", g.dir, seq);
	FILE *f = fopen(tmp, "wb");
	if (f == NULL) {
		fprintf(stderr, "smtp-stub: could not create %s: %s\n", tmp, strerror(errno));
		return 0;
	}
	bool ok = write_all(f, c);
	if (fclose(f) != 0 || !ok || rename(tmp, final) != 0) {
		fprintf(stderr, "smtp-stub: could not write %s: %s\n", final, strerror(errno));
		remove(tmp);
		return 0;
	}
	g.seq = seq;
	g.accepted++;
	fprintf(stderr, "smtp-stub: %06u from %s to %s%s (%zu bytes)\n", seq, c->from,
	    c->rcpt[0], c->nrcpt > 1 ? " and more" : "", c->msg.len);
	return seq;
}

/* A reply code for a fault: 400 to 599. */
static bool
fault_code(const char *s, int *code)
{
	char *e;
	long v = strtol(s, &e, 10);
	if (*s == '\0' || *e != '\0' || v < 400 || v > 599)
		return false;
	*code = (int)v;
	return true;
}

static bool
count_arg(const char *s, long max, long *out)
{
	char *e;
	long v = strtol(s, &e, 10);
	if (*s == '\0' || !isdigit((unsigned char)*s) || *e != '\0' || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

/* XCTL FAIL RCPT <addr> <code> | FAIL DATA <n> <code>: w[0..n) the words
 * after XCTL.  False when they are not one of those. */
static bool
xctl_fail(struct conn *c, char **w, int n)
{
	int code;
	long cnt;
	char path[SMTP_ADDR_MAX];
	if (n != 4 || !fault_code(w[3], &code))
		return false;
	if (strcasecmp(w[1], "RCPT") == 0 && angle(w[2], path)) {
		int i = 0;
		while (i < g.nrcpt && strcasecmp(g.rcpt[i].path, path) != 0)
			i++;
		if (i == RCPT_FAULTS) {
			reply(c, 452, "4.3.1 at most %d recipient faults", RCPT_FAULTS);
			return true;
		}
		if (i == g.nrcpt)
			g.nrcpt++;
		snprintf(g.rcpt[i].path, sizeof g.rcpt[i].path, "%s", path);
		g.rcpt[i].code = code;
		reply(c, 250, "2.0.0 RCPT TO:%s will get %d", path, code);
		return true;
	}
	if (strcasecmp(w[1], "DATA") == 0 && count_arg(w[2], 1000000, &cnt)) {
		g.data_left = (int)cnt;
		g.data_code = code;
		reply(c, 250, "2.0.0 the next %ld DATA will get %d", cnt, code);
		return true;
	}
	return false;
}

void
store_xctl(struct conn *c, const char *arg)
{
	char buf[SMTP_LINE_MAX], *w[6], *save = NULL;
	int n = 0;
	long ms;
	snprintf(buf, sizeof buf, "%s", arg);
	for (char *t = strtok_r(buf, " ", &save); t != NULL && n < 6; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	if (n == 1 && strcasecmp(w[0], "RESET") == 0) {
		g.nrcpt = 0;
		g.data_left = g.data_code = 0;
		g.hang_ms = 0;
		reply(c, 250, "2.0.0 faults cleared");
	} else if (n == 1 && strcasecmp(w[0], "COUNT") == 0) {
		reply(c, 250, "%lu", g.accepted);
	} else if (n == 2 && strcasecmp(w[0], "HANG") == 0 && count_arg(w[1], 600000, &ms)) {
		g.hang_ms = ms;
		reply(c, 250, "2.0.0 the next DATA waits %ld ms", ms);
	} else if (!(n >= 1 && strcasecmp(w[0], "FAIL") == 0 && xctl_fail(c, w, n))) {
		reply(c, 501, "5.5.4 XCTL RESET | COUNT | HANG <ms> | FAIL RCPT <addr> <code> | "
		    "FAIL DATA <n> <code>");
	}
}
