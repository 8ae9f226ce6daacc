#include "router.h"
#include "config.h"
#include "log.h"
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
	if (router_query_or_reply(r, rt->query) != 0)
		return;
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

/* "a, b, c" from a NULL-terminated list, into the arena. */
static const char *
choices_text(struct arena *a, const char *const *c)
{
	struct buf b = { 0 };
	for (; *c; c++) {
		if (b.len)
			buf_adds(&b, ", ");
		buf_adds(&b, *c);
	}
	const char *t = arena_strdup(a, b.p ? b.p : "");
	buf_free(&b);
	return t;
}

/* One declared parameter into *o.  0, or -1 after answering. */
static int
query_one(struct req *r, const struct qparam *d, struct qval *o)
{
	const char *v = req_query(r, d->name);
	if (v != NULL && v[0] == '\0')
		v = NULL;
	o->set = v != NULL;
	switch (d->type) {
	case QP_INT:
		o->i = d->def;
		if (v != NULL && (!valid_int(v, &o->i) || o->i < d->min || o->i > d->max)) {
			reply_error(r, 400, "%s must be an integer between %lld and %lld", d->name,
			    (long long)d->min, (long long)d->max);
			return -1;
		}
		break;
	case QP_UUID:
	case QP_OWNER:
		if (v != NULL && !valid_uuid(v)) {
			reply_error(r, 400, "%s must be a UUID", d->name);
			return -1;
		}
		o->s = v != NULL ? arena_strlower(r->a, v) : NULL;
		if (d->type == QP_OWNER && r->user.role != ROLE_ADMIN) {
			const char *me = arena_strlower(r->a, r->user.sub);
			if (o->s != NULL && strcmp(o->s, me) != 0) {
				reply_error(r, 403, "%s must be your own id", d->name);
				return -1;
			}
			o->s = me;
		}
		break;
	case QP_ENUM:
		if (v == NULL)
			break;
		while (d->choices[o->i] != NULL && strcmp(d->choices[o->i], v) != 0)
			o->i++;
		if (d->choices[o->i] == NULL) {
			reply_error(r, 400, "%s must be one of %s", d->name,
			    choices_text(r->a, d->choices));
			return -1;
		}
		o->s = v;
		break;
	case QP_BOOL:
		if (v != NULL && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
			reply_error(r, 400, "%s must be true or false", d->name);
			return -1;
		}
		o->b = v != NULL && strcmp(v, "true") == 0;
		o->s = v;
		break;
	case QP_TEXT:
		if (v != NULL && strlen(v) > (size_t)d->max) {
			reply_error(r, 400, "%s must be at most %lld characters", d->name,
			    (long long)d->max);
			return -1;
		}
		o->s = v;
		break;
	}
	return 0;
}

int
router_query_or_reply(struct req *r, const struct qparam *decl)
{
	memset(r->q, 0, sizeof r->q);
	for (size_t i = 0; decl != NULL && decl[i].name != NULL; i++) {
		if (i == REQ_MAX_QUERY) {
			log_err("route %s declares more than %d query parameters", r->path,
			    REQ_MAX_QUERY);
			reply_error(r, 500, "internal server error");
			return -1;
		}
		if (query_one(r, &decl[i], &r->q[i]) != 0)
			return -1;
	}
	return 0;
}
