/* common/fcgic.c against a real libfcgi responder (a child process on a
 * temporary unix socket, finishing requests as common/server.c does): the
 * parameters a service reads, bodies and answers larger than one FastCGI
 * record, statuses, timeouts and a missing socket. */
#include "../lib/t.h"
#include "fcgic.h"
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char sock[108];
static pid_t child;

/* The responder: echoes what it was sent as JSON, with a few paths that
 * answer otherwise. */
static void
serve(int fd)
{
	FCGX_Request q;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&q, fd, 0) != 0)
		_exit(1);
	while (FCGX_Accept_r(&q) >= 0) {
		const char *uri = FCGX_GetParam("REQUEST_URI", q.envp);
		const char *doc = FCGX_GetParam("DOCUMENT_URI", q.envp);
		const char *cl = FCGX_GetParam("CONTENT_LENGTH", q.envp);
		long want = cl && *cl ? atol(cl) : 0, got = 0, sum = 0;
		int c;
		while (got < want && (c = FCGX_GetChar(q.in)) != EOF) {
			got++;
			sum += c;
		}
		if (doc && strcmp(doc, "/internal/echo/slow") == 0)
			sleep(2);
		if (doc && strcmp(doc, "/internal/echo/big") == 0) {
			FCGX_FPrintF(q.out, "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\n");
			for (int i = 0; i < 200000; i++)
				FCGX_PutChar('a' + i % 26, q.out);
		} else {
			int status = doc && strcmp(doc, "/internal/echo/missing") == 0 ? 404 : 201;
			FCGX_FPrintF(q.out, "Status: %d Whatever\r\nContent-Type: application/json\r\n\r\n"
			    "{\"method\":\"%s\",\"uri\":\"%s\",\"doc\":\"%s\",\"query\":\"%s\","
			    "\"internal\":\"%s\",\"rid\":\"%s\",\"ctype\":\"%s\",\"len\":%ld,\"sum\":%ld}",
			    status, FCGX_GetParam("REQUEST_METHOD", q.envp), uri ? uri : "",
			    doc ? doc : "", FCGX_GetParam("QUERY_STRING", q.envp),
			    FCGX_GetParam("INTERNAL", q.envp), FCGX_GetParam("REQUEST_ID", q.envp),
			    FCGX_GetParam("CONTENT_TYPE", q.envp), got, sum);
		}
		FCGX_Detach(&q);
		FCGX_Finish_r(&q);
	}
	_exit(0);
}

static int
suite_init(void)
{
	snprintf(sock, sizeof sock, "/tmp/rsb-fcgic-%d.sock", (int)getpid());
	unlink(sock);
	int fd = FCGX_OpenSocket(sock, 16);
	if (fd < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0)
		serve(fd);
	close(fd);
	return 0;
}

static int
suite_clean(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	unlink(sock);
	return 0;
}

static int
call(const char *method, const char *path, const char *query, const char *body,
    size_t len, long timeout, long *status, struct buf *out, char *err)
{
	struct fcgic_req q = { .method = method, .path = path, .query = query, .body = body,
	    .body_len = len, .request_id = "rid-42" };
	buf_reset(out);
	return fcgic_call(sock, &q, timeout, status, out, err, 128);
}

static void
fcgic_parameters_and_status(void)
{
	struct buf out = { 0 };
	char err[128] = "";
	long status = 0;
	const char *body = "{\"a\":1}";
	T_EQ_INT(call("POST", "/internal/echo/x", "skip=1&take=2", body, strlen(body), 2000,
	    &status, &out, err), 0);
	T_EQ_INT(status, 201);
	buf_addc(&out, '\0');
	long sum = 0;
	for (const char *p = body; *p; p++)
		sum += (unsigned char)*p;
	char want[600];
	snprintf(want, sizeof want, "{\"method\":\"POST\",\"uri\":\"/internal/echo/x?skip=1&take=2\","
	    "\"doc\":\"/internal/echo/x\",\"query\":\"skip=1&take=2\",\"internal\":\"1\","
	    "\"rid\":\"rid-42\",\"ctype\":\"application/json\",\"len\":%zu,\"sum\":%ld}",
	    strlen(body), sum);
	T_EQ_STR(out.p, want);

	/* No body: no content type, length 0; the callee's status comes back. */
	T_EQ_INT(call("GET", "/internal/echo/missing", NULL, NULL, 0, 2000, &status, &out, err), 0);
	T_EQ_INT(status, 404);
	buf_addc(&out, '\0');
	T_ASSERT(strstr(out.p, "\"method\":\"GET\"") != NULL);
	T_ASSERT(strstr(out.p, "\"ctype\":\"\",\"len\":0") != NULL);
	buf_free(&out);
}

static void
fcgic_large_body_and_answer(void)
{
	/* 200,000 bytes each way: several FastCGI records. */
	size_t n = 200000;
	char *body = malloc(n);
	T_REQUIRE(body != NULL);
	long sum = 0;
	for (size_t i = 0; i < n; i++) {
		body[i] = (char)('0' + i % 10);
		sum += body[i];
	}
	struct buf out = { 0 };
	char err[128] = "";
	long status = 0;
	T_EQ_INT(call("POST", "/internal/echo/x", NULL, body, n, 5000, &status, &out, err), 0);
	buf_addc(&out, '\0');
	char want[64];
	snprintf(want, sizeof want, "\"len\":%zu,\"sum\":%ld}", n, sum);
	T_ASSERT(strstr(out.p, want) != NULL);
	free(body);

	T_EQ_INT(call("GET", "/internal/echo/big", NULL, NULL, 0, 5000, &status, &out, err), 0);
	T_EQ_INT(status, 200);
	T_EQ_INT(out.len, 200000);
	bool ok = out.len == 200000;
	for (size_t i = 0; ok && i < out.len; i++)
		ok = out.p[i] == 'a' + (char)(i % 26);
	T_ASSERT(ok);
	buf_free(&out);
}

static void
fcgic_timeout_and_no_socket(void)
{
	struct buf out = { 0 };
	char err[128] = "";
	long status = 0;
	T_EQ_INT(call("GET", "/internal/echo/slow", NULL, NULL, 0, 300, &status, &out, err), -1);
	T_ASSERT(strstr(err, "timed out") != NULL);
	/* The responder is busy for the rest of its sleep; then it serves again. */
	sleep(2);
	T_EQ_INT(call("GET", "/internal/echo/x", NULL, NULL, 0, 2000, &status, &out, err), 0);
	T_EQ_INT(status, 201);

	/* No socket: FCGIC_NO_SOCKET (http_internal then asks the gateway). */
	struct fcgic_req q = { .method = "GET", .path = "/internal/x/y" };
	T_EQ_INT(fcgic_call("/tmp/rsb-no-such-socket.sock", &q, 500, &status, &out, err,
	    sizeof err), FCGIC_NO_SOCKET);
	/* A socket nobody listens on (a pool that died): a failure. */
	char dead[108];
	snprintf(dead, sizeof dead, "/tmp/rsb-fcgic-%d.dead", (int)getpid());
	unlink(dead);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", dead);
	T_REQUIRE(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	close(fd);
	T_EQ_INT(fcgic_call(dead, &q, 500, &status, &out, err, sizeof err), -1);
	T_ASSERT(strstr(err, "connect") != NULL);
	unlink(dead);
	buf_free(&out);
}

static const struct t_case cases[] = {
	T_CASE(fcgic_parameters_and_status),
	T_CASE(fcgic_large_body_and_answer),
	T_CASE(fcgic_timeout_and_no_socket),
};

int
main(void)
{
	return t_run("fcgic", cases, T_NCASES(cases), suite_init, suite_clean);
}
