/* The ceiling for `make bench`: a FastCGI program on the same pool
 * machinery (common/server.c, router, arena, writer) that answers a fixed
 * JSON body of BENCH_BODY_SIZE bytes without touching a database. */
#include "config.h"
#include "server.h"
#include <stdlib.h>
#include <string.h>

static char *body;

static void
hello(struct req *r)
{
	buf_reset(&r->out);
	buf_adds(&r->out, body);
	reply_w(r, 200);
}

static const struct route routes[] = {
	{ "GET", "/bench/hello", ROUTE_PUBLIC, hello, 0, NULL },
};

static const struct service svc = {
	.name = "bench-hello",
	.routes = routes,
	.nroutes = 1,
};

int
main(int argc, char **argv)
{
	long n = config_long("BENCH_BODY_SIZE", 1100);
	if (n < 16 || n > 1 << 20)
		n = 1100;
	body = xmalloc((size_t)n + 1);
	memset(body, ' ', (size_t)n);
	memcpy(body, "{\"hello\":\"world\"}", 17);
	body[n] = '\0';
	int rc = server_main(argc, argv, &svc);
	free(body);
	return rc;
}
