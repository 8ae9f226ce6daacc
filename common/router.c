#include "router.h"
#include "config.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* Compares one segment of the pattern with one of the path.  Returns true
 * on a match, capturing ":name" segments. */
static bool
match(struct req *r, const char *pat, const char *path)
{
	r->nparams = 0;
	for (;;) {
		while (*pat == '/') pat++;
		while (*path == '/') path++;
		if (*pat == '\0' || *path == '\0')
			return *pat == '\0' && *path == '\0';
		const char *pe = strchr(pat, '/');
		const char *se = strchr(path, '/');
		size_t pl = pe ? (size_t)(pe - pat) : strlen(pat);
		size_t sl = se ? (size_t)(se - path) : strlen(path);
		if (pat[0] == ':') {
			if (r->nparams == REQ_MAX_PARAMS)
				return false;
			r->param_names[r->nparams] = arena_strndup(r->a, pat + 1, pl - 1);
			r->param_vals[r->nparams] = arena_strndup(r->a, path, sl);
			r->nparams++;
		} else if (pl != sl || memcmp(pat, path, pl) != 0) {
			return false;
		}
		pat += pl;
		path += sl;
	}
}

const struct route *
router_match(struct req *r, const struct route *routes, size_t n, int *status)
{
	bool path_seen = false;
	for (size_t i = 0; i < n; i++) {
		if ((routes[i].flags & ROUTE_INTERNAL) && !r->internal)
			continue;
		if (!match(r, routes[i].pattern, r->path))
			continue;
		path_seen = true;
		/* HEAD is GET without the body (nginx drops it). */
		if (strcmp(routes[i].method, r->method) == 0 ||
		    (strcmp(r->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
			return &routes[i];
	}
	r->nparams = 0;
	*status = path_seen ? 405 : 404;
	return NULL;
}

/* Reads "Authorization: Bearer <token>".  Returns 1 when a valid access
 * token was found, 0 when there was none, -1 with *err when invalid. */
static int
authenticate(struct req *r, enum token_err *err)
{
	const char *h = req_header(r, "HTTP_AUTHORIZATION");
	if (h == NULL || h[0] == '\0')
		return 0;
	if (strncasecmp(h, "Bearer ", 7) != 0) {
		*err = TOKEN_MALFORMED;
		return -1;
	}
	const char *tok = h + 7;
	while (*tok == ' ') tok++;
	*err = token_verify(tok, TOKEN_ACCESS, r->now,
	    (const unsigned char *)cfg.jwt_secret, cfg.jwt_secret_len, &r->user);
	if (*err != TOKEN_OK)
		return -1;
	r->authed = true;
	return 1;
}

void
router_dispatch(struct req *r, const struct route *routes, size_t n)
{
	int status = 404;
	const struct route *rt = router_match(r, routes, n, &status);
	if (rt == NULL) {
		reply_error(r, status, "Cannot %s %s", r->method, r->path);
		return;
	}
	enum token_err terr = TOKEN_OK;
	int a = authenticate(r, &terr);
	if (rt->roles != ROUTE_PUBLIC) {
		if (a == 0) {
			reply_error(r, 401, "missing bearer token");
			return;
		}
		if (a < 0) {
			reply_error(r, 401, "%s", token_strerror(terr));
			return;
		}
		if ((rt->roles & (unsigned)r->user.role) == 0) {
			reply_error(r, 403, "this action requires %s",
			    rt->roles == ROLE_ADMIN ? "the ADMIN role" : "another role");
			return;
		}
	} else if (a < 0) {
		/* A stale token on a public route is ignored, not an error. */
		r->authed = false;
		memset(&r->user, 0, sizeof r->user);
	}
	rt->fn(r);
}

bool
guard_owner_or_reply(struct req *r, const char *owner)
{
	if (r->authed && (r->user.role == ROLE_ADMIN ||
	    (owner != NULL && strcasecmp(owner, r->user.sub) == 0)))
		return true;
	reply_error(r, 403, "you may only access your own resources");
	return false;
}

int
owner_query_or_reply(struct req *r, const char *name, const char **out)
{
	const char *v = req_query(r, name);
	if (v != NULL && v[0] == '\0')
		v = NULL;
	if (v != NULL && !valid_uuid(v)) {
		reply_error(r, 400, "%s must be a UUID", name);
		return -1;
	}
	if (v != NULL)
		v = arena_strlower(r->a, v);
	if (r->user.role != ROLE_ADMIN) {
		const char *me = arena_strlower(r->a, r->user.sub);
		if (v != NULL && strcmp(v, me) != 0) {
			reply_error(r, 403, "%s must be your own id", name);
			return -1;
		}
		v = me;
	}
	*out = v;
	return 0;
}
