/* One FastCGI request and its response.
 *
 * A worker owns one struct req for its life; req_begin fills it from the
 * FastCGI parameters and body, req_end writes the response, logs one line
 * and resets the arena.  Handlers answer with reply_json/reply_error (or the
 * *_or_reply helpers); the first answer wins, later ones are ignored. */
#ifndef REQ_H
#define REQ_H
#include <fcgiapp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "arena.h"
#include "json.h"
#include "token.h"
#include "valid.h"

#define REQ_MAX_PARAMS 8
#define REQ_MAX_QUERY 8

/* A declared query parameter's value (router.h, struct qparam). */
struct qval {
	bool set;                  /* given, with a value that is not empty */
	const char *s;             /* QP_UUID, QP_ENUM, QP_TEXT, QP_OWNER; NULL when absent */
	int64_t i;                 /* QP_INT (def when absent); QP_ENUM: the choice's index */
	bool b;                    /* QP_BOOL */
};

struct req {
	struct arena *a;
	FCGX_Request *fcgi;
	double t0;                 /* start, mono_s() */
	time_t now;

	const char *method;        /* "GET" */
	const char *path;          /* decoded path without query: "/auth/me" */
	const char *query;         /* raw query string, "" when none */
	const char *content_type;
	const char *request_id;
	const char *remote_addr;
	const char *user_agent;
	bool internal;             /* came through the internal listener */
	char *body;                /* NUL-terminated copy, arena-owned */
	size_t body_len;
	bool body_too_large;

	/* route parameters (":id" -> value), filled by the router */
	const char *param_names[REQ_MAX_PARAMS];
	const char *param_vals[REQ_MAX_PARAMS];
	int nparams;
	/* the route's declared query parameters, in declaration order, filled
	 * by the router */
	struct qval q[REQ_MAX_QUERY];

	/* caller, when a valid access token came with the request */
	bool authed;
	struct principal user;

	/* Idempotency-Key claimed by idem_begin_or_reply (see idem.h), the
	 * id of what the request creates, and whether its answer is stored */
	const char *idem_key;
	const char *idem_id;
	bool idem_done;

	/* response */
	int status;                /* 0 until answered */
	struct buf out;            /* response body */
	struct buf headers;        /* extra header lines, each ending "\r\n" */
};

void req_init(struct req *r, FCGX_Request *f);
/* Reads params and body (up to body_max).  Returns 0. */
int  req_begin(struct req *r, size_t body_max);
/* Sends the response (500 if the handler never answered), logs, resets. */
void req_end(struct req *r);

const char *req_header(struct req *r, const char *cgi_name); /* "HTTP_IDEMPOTENCY_KEY" */
const char *req_param(struct req *r, const char *name);       /* route ":name" */
/* Decoded query value (first occurrence) or NULL; arena-owned. */
const char *req_query(struct req *r, const char *name);

/* Answers */
void reply_json(struct req *r, int status, const struct buf *body);
void reply_error(struct req *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void reply_header(struct req *r, const char *name, const char *value);
void reply_empty(struct req *r, int status);
/* Drops an answer prepared but not sent (status, body and extra headers),
 * so that another can be given. */
void reply_reset(struct req *r);
const char *http_reason(int status);

/* A writer over r->out for building a success body; finish with reply_w. */
void req_writer(struct req *r, struct jw *w);
void reply_w(struct req *r, int status);

/* Body parsing: requires application/json and a JSON object; answers 400 /
 * 413 / 415 itself and returns NULL on failure. */
struct jv *req_json_or_reply(struct req *r);

/* Declared input (valid.h), answering the 400 itself.
 * fields_or_reply: obj against the field table (prefix names nested
 * objects in messages, "items[2].", or NULL); 0, or -1 after answering. */
int fields_or_reply(struct req *r, const struct jv *obj, const struct field *f,
    size_t n, struct fval *out, const char *prefix);
/* optional_fields_or_reply: the same for a body that may be absent (a
 * job's options, a full refund): no body at all leaves every field unset. */
int optional_fields_or_reply(struct req *r, const struct field *f, size_t n,
    struct fval *out);
/* The path parameter as a UUID, or NULL after answering 400 (404 style). */
const char *param_uuid_or_reply(struct req *r, const char *name);

/* Milliseconds since the request began (on the monotonic clock). */
long req_elapsed_ms(const struct req *r);

#endif
