/* cron-job: runs one scheduled job (cron/README.md).
 *
 *   cron-job <service> <job> [json-body]
 *
 * A job is an internal endpoint of the service that owns its data,
 * POST /internal/<service>/jobs/<job>: the service does the work with its
 * own database and clients, so a job needs no credentials of its own.
 * cron-job calls it through the gateway's internal listener (INTERNAL_URL,
 * else http://127.0.0.1:$INTERNAL_PORT), waits up to CRON_JOB_TIMEOUT_MS
 * (default 120000), and prints the service's answer on stdout.
 *
 * Exit status: 0 the job answered 2xx; 1 any other answer (the body, with
 * the status, goes to stderr, so cron mails it); 2 a usage error; 3 the
 * service could not be reached. */
#include "arena.h"
#include "config.h"
#include "crypto.h"
#include "httpc.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A service or job name: 1 to 40 of [a-z0-9-]. */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 40 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int
main(int argc, char **argv)
{
	if (argc < 3 || argc > 4 || !name_ok(argv[1]) || !name_ok(argv[2])) {
		fprintf(stderr, "usage: cron-job <service> <job> [json-body]\n"
		    "  e.g. cron-job share-link expire; cron-job payment reconcile\n");
		return 2;
	}
	long timeout = config_long("CRON_JOB_TIMEOUT_MS", 120000);
	if (timeout < 1000)
		timeout = 1000;
	struct arena *a = arena_new(0);
	char rid[37];
	crypto_uuid4(rid);
	char url[512];
	snprintf(url, sizeof url, "%s/internal/%s/jobs/%s", httpc_internal_base(), argv[1],
	    argv[2]);
	const char *body = argc == 4 ? argv[3] : NULL;
	struct http_resp resp;
	int rc = httpc_call(a, rid, "POST", url, body, body ? strlen(body) : 0, NULL, NULL,
	    timeout, &resp);
	int status;
	if (rc != 0) {
		fprintf(stderr, "cron-job %s %s: %s unreachable: %s\n", argv[1], argv[2], url,
		    resp.error);
		status = 3;
	} else if (resp.status < 200 || resp.status > 299) {
		fprintf(stderr, "cron-job %s %s: HTTP %ld %s\n", argv[1], argv[2], resp.status,
		    resp.body);
		status = 1;
	} else {
		printf("%s\n", resp.body);
		status = 0;
	}
	arena_free(a);
	httpc_cleanup();
	return status;
}
