#include "log.h"
#include "json.h"
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *svc = "?";

void
log_open(const char *service)
{
	svc = service;
	const char *path = getenv("LOG_FILE");
	if (path != NULL && path[0] != '\0') {
		int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (fd >= 0) {
			dup2(fd, 2);
			close(fd);
		}
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
}

static void
stamp(char *out, size_t n)
{
	struct timeval tv;
	struct tm tm;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + k, n - k, ".%03dZ", (int)(tv.tv_usec / 1000));
}

static void
emit(struct buf *b)
{
	buf_addc(b, '\n');
	/* One write per line: lines from several workers never interleave. */
	ssize_t w = write(2, b->p, b->len);
	(void)w;
	buf_free(b);
}

void
log_msg(const char *level, const char *fmt, ...)
{
	char ts[40], msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	stamp(ts, sizeof ts);
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "ts", ts);
	jw_kstr(&w, "svc", svc);
	jw_kint(&w, "pid", getpid());
	jw_kstr(&w, "level", level);
	jw_kstr(&w, "msg", msg);
	jw_obj_close(&w);
	emit(&b);
}

void
log_request(const char *rid, const char *method, const char *path, int status,
    double ms, const char *user)
{
	char ts[40];
	stamp(ts, sizeof ts);
	struct buf b = { 0 };
	struct jw w;
	jw_init(&w, &b);
	jw_obj_open(&w);
	jw_kstr(&w, "ts", ts);
	jw_kstr(&w, "svc", svc);
	jw_kstr(&w, "rid", rid);
	jw_kstr(&w, "method", method);
	jw_kstr(&w, "path", path);
	jw_kint(&w, "status", status);
	char msb[32];
	snprintf(msb, sizeof msb, "%.3f", ms);
	jw_key(&w, "ms");
	jw_raw(&w, msb);
	if (user != NULL)
		jw_kstr(&w, "user", user);
	jw_obj_close(&w);
	emit(&b);
}
