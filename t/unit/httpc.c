/* common/httpc.c's httpc_call against a real HTTP server (a child process
 * on a loopback port answering one JSON document of the asked size): the
 * answer's size limit, 4 MiB by default and raised by httpc_max_response
 * (the audit's documents hold one row per order and pass 4 MiB at about
 * 25,000 orders). */
#include "../lib/t.h"
#include "arena.h"
#include "httpc.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child;
static int port;

/* GET /<n>: 200 with {"rows":["xxx..."]}, n bytes in all. */
static void
answer(int c)
{
	char req[2048];
	ssize_t got = recv(c, req, sizeof req - 1, 0);
	if (got <= 0)
		return;
	req[got] = '\0';
	long n = atol(req + 5);         /* "GET /<n> HTTP/1.1" */
	if (n < 16)
		n = 16;
	char head[160];
	int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: %ld\r\nConnection: close\r\n\r\n", n);
	(void)!write(c, head, (size_t)hl);
	char chunk[65536];
	memset(chunk, 'x', sizeof chunk);
	(void)!write(c, "{\"rows\":[\"", 10);
	for (long left = n - 14; left > 0;) {
		size_t k = left < (long)sizeof chunk ? (size_t)left : sizeof chunk;
		if (write(c, chunk, k) < 0)
			return;
		left -= (long)k;
	}
	(void)!write(c, "\"]}", 3);
	(void)!write(c, "\n", 1);
}

static int
suite_init(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof sa;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	port = ntohs(sa.sin_port);
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		for (;;) {
			int c = accept(fd, NULL, NULL);
			if (c < 0)
				_exit(1);
			answer(c);
			close(c);
		}
	}
	close(fd);
	return 0;
}

static int
suite_clean(void)
{
	if (child > 0) {
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
	}
	httpc_cleanup();
	return 0;
}

/* GET an answer of n bytes; httpc_call's return. */
static int
get(struct arena *a, long n, struct http_resp *resp)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/%ld", port, n);
	return httpc_call(a, NULL, "GET", url, NULL, 0, NULL, NULL, 10000, resp);
}

static void
httpc_answer_limit_default_4mib(void)
{
	struct arena *a = arena_new(0);
	struct http_resp resp;
	T_EQ_INT(get(a, 1 << 20, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_EQ_INT((long long)resp.len, 1 << 20);
	T_ASSERT(resp.json != NULL);
	T_EQ_INT(get(a, (5 << 20) + 1, &resp), -1);
	T_EQ_STR(resp.error, "response too large");
	arena_free(a);
}

static void
httpc_answer_limit_raised(void)
{
	struct arena *a = arena_new(0);
	struct http_resp resp;
	httpc_max_response(64u << 20);
	T_EQ_INT(get(a, 6 << 20, &resp), 0);
	T_EQ_INT(resp.status, 200);
	T_EQ_INT((long long)resp.len, 6 << 20);
	T_ASSERT(resp.json != NULL && json_get(resp.json, "rows") != NULL);
	httpc_max_response(4u << 20);
	T_EQ_INT(get(a, 6 << 20, &resp), -1);
	arena_free(a);
}

static const struct t_case cases[] = {
	T_CASE(httpc_answer_limit_default_4mib),
	T_CASE(httpc_answer_limit_raised),
};

int
main(void)
{
	return t_run("httpc", cases, T_NCASES(cases), suite_init, suite_clean);
}
