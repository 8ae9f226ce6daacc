/* common/httpc.c for the providers of the sender (unit_httpc has the
 * answer-size limit), against a small HTTP server in a child process (a
 * process per connection on a loopback port; each request's bytes go back
 * to the test through a pipe): what a provider's API needs beyond JSON (a form
 * body with its own Content-Type, basic auth), an error answer's status and
 * body, handles of one's own (httpc_new) keeping their connection, a
 * refused connection and a timeout. */
#include "../lib/t.h"
#include "httpc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int port;
static pid_t child;
static int reqpipe[2];   /* the server writes each request it read, then a NUL */

/* The answer the server gives to a request, by its path. */
static const char *
answer_for(const char *req)
{
	if (strncmp(req, "POST /twilio ", 13) == 0)
		return "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
		    "Content-Length: 46\r\n\r\n{\"code\":21211,\"message\":\"bad To\",\"status\":400}";
	if (strncmp(req, "GET /hang ", 10) == 0)
		return NULL;
	return "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
	    "Content-Length: 12\r\n\r\n{\"sid\":\"SM\"}";
}

/* Reads one request (headers, then Content-Length bytes) into b; false
 * when the connection ended first. */
static bool
read_request(int fd, struct buf *b)
{
	char tmp[4096];
	buf_reset(b);
	for (;;) {
		char *end = b->len ? memmem(b->p, b->len, "\r\n\r\n", 4) : NULL;
		if (end != NULL) {
			buf_addc(b, '\0');
			b->len--;
			const char *cl = strcasestr(b->p, "\r\nContent-Length:");
			size_t want = (size_t)(end + 4 - b->p) + (cl ? (size_t)atol(cl + 17) : 0);
			if (b->len >= want)
				return true;
		}
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n <= 0)
			return false;
		buf_add(b, tmp, (size_t)n);
	}
}

/* One connection, in a process of its own: each request goes to the
 * pipe as "<connection number>|<request bytes>" and a NUL. */
static void
serve_conn(int c, int nconn)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	struct buf b = { 0 };
	while (read_request(c, &b)) {
		struct buf out = { 0 };
		buf_printf(&out, "%d|", nconn);
		buf_add(&out, b.p, b.len);
		buf_addc(&out, '\0');
		if (write(reqpipe[1], out.p, out.len) < 0)
			_exit(1);
		buf_free(&out);
		const char *a = answer_for(b.p);
		if (a == NULL) {
			sleep(5);   /* a provider that hangs */
			break;
		}
		if (write(c, a, strlen(a)) < 0)
			break;
	}
	_exit(0);
}

static void
serve(int lfd)
{
	signal(SIGCHLD, SIG_IGN);
	for (int n = 1;; n++) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			_exit(1);
		if (fork() == 0)
			serve_conn(c, n);
		close(c);
	}
}

static int
suite_init(void)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 8) != 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0 || pipe(reqpipe) != 0)
		return -1;
	port = ntohs(sa.sin_port);
	if ((child = fork()) < 0)
		return -1;
	if (child == 0)
		serve(lfd);
	close(lfd);
	close(reqpipe[1]);
	return 0;
}

static int
suite_clean(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	httpc_cleanup();
	return 0;
}

/* The next request the server read (malloc'd), and the number of the
 * connection it came on when conn is not NULL. */
static char *
next_request_on(int *conn)
{
	struct buf b = { 0 };
	char c;
	while (read(reqpipe[0], &c, 1) == 1 && c != '\0')
		buf_addc(&b, c);
	buf_addc(&b, '\0');
	char *bar = strchr(b.p, '|');
	if (conn != NULL)
		*conn = atoi(b.p);
	char *req = strdup(bar ? bar + 1 : "");
	buf_free(&b);
	return req;
}

static char *
next_request(void)
{
	return next_request_on(NULL);
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strcasestr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
httpc_form_body_basic_auth_and_a_400(void)
{
	struct arena *a = arena_new(0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/twilio", port);
	const char *form = "To=%2B919812345678&Body=hi";
	const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct http_resp r;
	T_EQ_INT(httpc_call(a, NULL, "POST", url, form, strlen(form), hdrs, "AC1:tok", 2000, &r),
	    0);
	t_check(r.status == 400, __FILE__, __LINE__, "status %ld, error %s", r.status, r.error);
	T_EQ_STR(r.body, "{\"code\":21211,\"message\":\"bad To\",\"status\":400}");
	T_ASSERT(r.json != NULL && strcmp(json_str(r.json, "message"), "bad To") == 0);
	char *req = next_request();
	T_EQ_INT(count(req, "\r\nContent-Type:"), 1);
	T_ASSERT(strstr(req, "\r\nContent-Type: application/x-www-form-urlencoded\r\n") != NULL);
	/* base64("AC1:tok") */
	T_ASSERT(strstr(req, "\r\nAuthorization: Basic QUMxOnRvaw==\r\n") != NULL);
	T_ASSERT(strstr(req, "\r\n\r\nTo=%2B919812345678&Body=hi") != NULL);
	free(req);
	arena_free(a);
}

static void
httpc_json_body_by_default(void)
{
	struct arena *a = arena_new(0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/meta", port);
	const char *const hdrs[] = { "Authorization: Bearer t0k", NULL };
	struct http_resp r;
	T_EQ_INT(httpc_call(a, "rid-1", "POST", url, "{}", 2, hdrs, NULL, 2000, &r), 0);
	T_EQ_INT(r.status, 201);
	char *req = next_request();
	T_EQ_INT(count(req, "\r\nContent-Type:"), 1);
	T_ASSERT(strstr(req, "\r\nContent-Type: application/json\r\n") != NULL);
	T_ASSERT(strstr(req, "\r\nAuthorization: Bearer t0k\r\n") != NULL);
	T_ASSERT(strstr(req, "\r\nX-Request-Id: rid-1\r\n") != NULL);
	/* the previous call's credentials are not kept on the handle */
	T_EQ_INT(count(req, "Authorization: Basic"), 0);
	free(req);
	arena_free(a);
}

static void
httpc_own_handles_keep_their_connection(void)
{
	struct arena *a = arena_new(0);
	struct httpc *one = httpc_new(), *two = httpc_new();
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
	struct http_resp r;
	int conn1[3], conn2[3];
	for (int i = 0; i < 3; i++) {
		T_EQ_INT(httpc_call_on(one, a, NULL, "GET", url, NULL, 0, NULL, NULL, 2000, &r), 0);
		T_EQ_INT(r.status, 201);
		free(next_request_on(&conn1[i]));
		T_EQ_INT(httpc_call_on(two, a, NULL, "GET", url, NULL, 0, NULL, NULL, 2000, &r), 0);
		T_EQ_INT(r.status, 201);
		free(next_request_on(&conn2[i]));
	}
	/* each handle made one connection and kept it */
	T_ASSERT(conn1[0] != conn2[0]);
	T_ASSERT(conn1[1] == conn1[0] && conn1[2] == conn1[0]);
	T_ASSERT(conn2[1] == conn2[0] && conn2[2] == conn2[0]);
	httpc_free(one);
	httpc_free(two);
	arena_free(a);
}

static void
httpc_bad_refused_connection(void)
{
	struct arena *a = arena_new(0);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	T_REQUIRE(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	T_REQUIRE(getsockname(fd, (struct sockaddr *)&sa, &sl) == 0);
	close(fd);   /* a port nobody listens on */
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(sa.sin_port));
	struct httpc *h = httpc_new();
	struct http_resp r;
	T_EQ_INT(httpc_call_on(h, a, NULL, "GET", url, NULL, 0, NULL, NULL, 2000, &r), -1);
	T_EQ_INT(r.status, 0);
	T_ASSERT(r.error[0] != '\0');
	httpc_free(h);
	arena_free(a);
}

static void
httpc_bad_timeout(void)
{
	struct arena *a = arena_new(0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hang", port);
	struct httpc *h = httpc_new();
	struct http_resp r;
	double t0 = t_now();
	T_EQ_INT(httpc_call_on(h, a, NULL, "GET", url, NULL, 0, NULL, NULL, 300, &r), -1);
	double took = t_now() - t0;
	t_check(took >= 0.25 && took < 2, __FILE__, __LINE__, "timed out after %.3f s", took);
	T_EQ_INT(r.status, 0);
	T_ASSERT(strstr(r.error, "imeout") != NULL);
	free(next_request());
	httpc_free(h);
	arena_free(a);
}

static const struct t_case cases[] = {
	T_CASE(httpc_form_body_basic_auth_and_a_400),
	T_CASE(httpc_json_body_by_default),
	T_CASE(httpc_own_handles_keep_their_connection),
	T_CASE(httpc_bad_refused_connection),
	T_CASE(httpc_bad_timeout),
};

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	return t_run("httpc_providers", cases, T_NCASES(cases), suite_init, suite_clean);
}
