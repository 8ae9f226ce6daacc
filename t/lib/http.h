/* The integration suites' client side: HTTP through the gateway (libcurl,
 * json-c for reading bodies) and the assertions on an answer.  It includes
 * the rest of t/lib's client, so that a suite includes this one header:
 * json.h (reading bodies), db.h (checks in a service database), proc.h
 * (commands and the stack's processes) and api.h (tokens, users, products,
 * events, jobs).  The purchase path through the Razorpay stand-in is pay.h.
 *
 * Environment (set by scripts/test.sh): BASE_URL, INTERNAL_URL, VAR_DIR,
 * REPO, BIN_DIR, STACK, JWT_SECRET, <SVC>_DATABASE_URL. */
#ifndef T_HTTP_H
#define T_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include "t.h"
#include "json.h"
#include "db.h"
#include "proc.h"
#include "api.h"

struct resp {
	long status;             /* 0 when the transfer failed */
	char *body;              /* NUL-terminated, never NULL after t_http */
	size_t len;
	struct json_object *json;/* the parsed body, NULL when it is not JSON */
	char *headers;           /* the final response's header block */
	double secs;             /* total time */
	int curl_err;            /* CURLcode */
	char what[160];          /* "POST /auth/login", for messages */
	char *vals[16];          /* header values handed out by t_header */
	int nvals;
};

/* A required environment variable; NULL (after printing why) when unset. */
const char *t_env(const char *name);

/* One request.  url is absolute or a path appended to BASE_URL.  token adds
 * "Authorization: Bearer <token>"; ctype adds Content-Type; body may be
 * NULL.  The NULL-terminated list adds raw header lines ("Origin: x").
 * Returns the status (0 on a transport error).  Free with t_resp_free. */
long t_http(struct resp *rs, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, size_t len, ...)
	__attribute__((sentinel));
long t_get(struct resp *rs, const char *url, const char *token);
long t_post_json(struct resp *rs, const char *url, const char *token, const char *json);
/* method with a JSON body (PATCH, PUT, POST ...). */
long t_send_json(struct resp *rs, const char *method, const char *url, const char *token,
    const char *json);
void t_resp_free(struct resp *rs);

/* GETs url as token every 100 ms, for up to secs, until it answers 200
 * with want at path: a string member's value ("PAID") or any member's JSON
 * text ("3", "300.00").  True when it did.  rs, when not NULL, keeps the
 * last answer (free it); NULL: freed. */
bool t_wait_json(struct resp *rs, const char *url, const char *token, const char *path,
    const char *want, double secs);

/* GETs url (no token) every 100 ms, for up to secs, until it answers 200
 * (a pool restarted with t_stack_restart is up).  True when it did. */
bool t_wait_up(const char *url, double secs);

/* Polls GET /health every 200 ms for up to secs until it answers code with
 * the string member at path ("relay.status", "sender.status"; NULL: any)
 * reading want.  True when it did; rs keeps the last answer (free it). */
bool t_wait_health(struct resp *rs, long code, const char *path, const char *want,
    double secs);

/* Sends n requests at once (curl multi; no 429 retry): t_http_parallel n
 * copies of one, t_http_many with bodies body[0..n) (a NULL entry: none).
 * Fills status[i] (0 on a transport error) and, when bodies is not NULL,
 * bodies[i] (malloc'd, caller frees). */
void t_http_parallel(int n, const char *method, const char *url, const char *token,
    const char *ctype, const char *body, long *status, char **bodies);
void t_http_many(int n, const char *method, const char *url, const char *token,
    const char *ctype, const char *const *body, long *status, char **bodies);

/* When true (the default), t_http retries a 429 after a pause, for up to
 * 30 s: suites other than the rate-limit one must not trip nginx's limits. */
extern bool t_retry_429;

/* Last value of a response header (case-insensitive name), or NULL.  Owned
 * by rs. */
const char *t_header(struct resp *rs, const char *name);

/* Assertions on a response; they print the request and the body on failure. */
bool t_check_status(struct resp *rs, long want, const char *file, int line);
/* The error contract: status, Content-Type application/json, body
 * {"statusCode":want,"message":string,"error":string} and, when mention is
 * not NULL, a message that contains it (case-insensitive). */
bool t_check_error(struct resp *rs, long want, const char *mention,
    const char *file, int line);
#define T_STATUS(rs, want) t_check_status((rs), (want), __FILE__, __LINE__)
#define T_ERROR(rs, want, mention) t_check_error((rs), (want), (mention), __FILE__, __LINE__)

#endif
