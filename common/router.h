/* Routes are rows.  The router, not the handler, answers 404 and 405,
 * verifies the bearer token and checks the role. */
#ifndef ROUTER_H
#define ROUTER_H
#include "req.h"

#define ROUTE_PUBLIC   0u          /* roles == 0: no token needed (one is read if valid) */
#define ROUTE_INTERNAL 0x1u        /* flag: only through the internal listener */

typedef void (*handler_fn)(struct req *);

struct route {
	const char *method;     /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *pattern;    /* "/orders/:id/status" */
	unsigned roles;         /* ROLE_* mask; ROUTE_PUBLIC for anyone */
	handler_fn fn;
	unsigned flags;
};

/* Finds the route for r->method and r->path, filling r's route params.
 * Returns it, or NULL with *status set to 404 or 405. */
const struct route *router_match(struct req *r, const struct route *routes,
    size_t n, int *status);
/* Match, authenticate, authorize, call.  Always leaves r answered. */
void router_dispatch(struct req *r, const struct route *routes, size_t n);

/* Guard for ownership: true when the caller is an admin or is `owner`;
 * otherwise answers 403 and returns false. */
bool guard_owner_or_reply(struct req *r, const char *owner);

/* A list's owner filter from query parameter `name` ("sellerId"): for an
 * admin the id given (lower case) or NULL (everyone's); for anyone else
 * their own id, whether given or not (another's is 403).  0 with *out set,
 * or -1 after answering 400 (not a UUID) or 403. */
int owner_query_or_reply(struct req *r, const char *name, const char **out);

#endif
