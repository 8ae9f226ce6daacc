/* Calls to another pool on this host straight over FastCGI.
 *
 * http_internal (http.c) uses it when INTERNAL_FCGI_DIR names the
 * directory of the pools' sockets (<dir>/<service>.sock; scripts/stack.sh
 * sets it) and the path is an internal one, /internal/<service>/...: the
 * request then skips the gateway's two hops (caller -> nginx -> pool and
 * back), which on a small VM are most of a call's cost.  Without it, or for
 * a service whose socket is not there (a pool on another host), calls go
 * through the gateway's internal listener as before.  The callee sees the
 * same parameters nginx sends (INTERNAL=1, REQUEST_ID, ...). */
#ifndef FCGIC_H
#define FCGIC_H
#include "json.h"
#include <stddef.h>

struct fcgic_req {
	const char *method, *path, *query;   /* query: without '?', or NULL */
	const char *body;                    /* JSON, or NULL */
	size_t body_len;
	const char *request_id;              /* or NULL */
};

/* One request on a new connection to sock_path.  Returns 0 with the HTTP
 * status and the body appended to body, FCGIC_NO_SOCKET when there is no
 * socket at sock_path (the pool is elsewhere: use the gateway), or -1 on
 * another transport failure or a timeout (err says why). */
#define FCGIC_NO_SOCKET (-2)
int fcgic_call(const char *sock_path, const struct fcgic_req *q, long timeout_ms,
    long *status, struct buf *body, char *err, size_t errlen);

#endif
