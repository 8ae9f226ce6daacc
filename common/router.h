/* Routes are rows.  The router, not the handler, answers 404 and 405,
 * verifies the bearer token and checks the role. */
#ifndef ROUTER_H
#define ROUTER_H
#include "req.h"

#define ROUTE_PUBLIC   0u          /* roles == 0: no token needed (one is read if valid) */
#define ROUTE_INTERNAL 0x1u        /* flag: only through the internal listener */

typedef void (*handler_fn)(struct req *);

/* A query parameter a route reads, declared in its row like a body's
 * fields: the router checks the query string against the declarations
 * before the handler runs (400 naming the parameter and why; 403 for an
 * owner that is not the caller) and fills r->q[i] for declaration i.  An
 * empty value counts as none, the first occurrence of a name wins, and
 * parameters nobody declared are ignored. */
enum qtype {
	QP_INT,     /* integer within [min, max]: .i, def when absent */
	QP_UUID,    /* .s lower case */
	QP_ENUM,    /* exactly one of choices: .s, and .i its index */
	QP_BOOL,    /* "true" or "false": .b */
	QP_TEXT,    /* .s, at most max bytes */
	QP_OWNER,   /* a UUID naming whose data is read ("sellerId"): for an
	               admin .s is the id given (lower case) or NULL (everyone's);
	               for anyone else their own id, given or not (another's is
	               403) */
};

struct qparam {
	const char *name;           /* NULL ends a route's list */
	enum qtype type;
	int64_t min, max;           /* QP_INT: bounds; QP_TEXT: max length */
	int64_t def;                /* QP_INT: the value when absent */
	const char *const *choices; /* QP_ENUM: NULL-terminated */
};

/* The paging pair every list declares the same way. */
#define QP_SKIP      { "skip", QP_INT, 0, 1000000, 0, NULL }
#define QP_TAKE(def) { "take", QP_INT, 1, 100, (def), NULL }

struct route {
	const char *method;     /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *pattern;    /* "/orders/:id/status" */
	unsigned roles;         /* ROLE_* mask; ROUTE_PUBLIC for anyone */
	handler_fn fn;
	unsigned flags;
	const struct qparam *query; /* at most REQ_MAX_QUERY, then { NULL }; NULL: none */
};

/* Finds the route for r->method and r->path, filling r's route params.
 * Returns it, or NULL with *status set to 404 or 405. */
const struct route *router_match(struct req *r, const struct route *routes,
    size_t n, int *status);
/* Match, authenticate, authorize, check the query, call.  Always leaves r
 * answered. */
void router_dispatch(struct req *r, const struct route *routes, size_t n);
/* Checks r's query string against decl (NULL: nothing declared) and fills
 * r->q (cleared first).  0, or -1 after answering 400/403 (500 for a list
 * longer than REQ_MAX_QUERY). */
int router_query_or_reply(struct req *r, const struct qparam *decl);

/* Guard for ownership: true when the caller is an admin or is `owner`;
 * otherwise answers 403 and returns false. */
bool guard_owner_or_reply(struct req *r, const char *owner);

#endif
