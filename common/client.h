/* The typed clients of the internal API (docs/internal-api.md): one per
 * callee, client_<callee>.[ch], each declared beside its contract there.
 * A client builds the request once, calls http_internal, and reads and
 * checks the answer once into a plain struct (money as int64 paise, ids as
 * lower-case text).  Its *_read function does the reading and checking
 * over a parsed answer and an arena only, so t/unit/clients.c feeds it
 * answers without a service.
 *
 * What a call came to is an enum client_rc.  CLIENT_DOWN means the callee
 * could not be reached, answered 5xx or answered something that does not
 * check: the client has answered 503 "<callee> service unavailable" (the
 * detail goes to the log only), as http_unavailable does.  The other codes
 * answer nothing: the caller decides what the callee's 404 or refusal
 * means to its own client.  Best-effort calls (product_release,
 * pricing_catalog_push, the outbox calls) never answer; they say so. */
#ifndef CLIENT_H
#define CLIENT_H
#include "http.h"
#include "json.h"
#include <stdbool.h>
#include <stdint.h>

enum client_rc {
	CLIENT_DOWN = -1,       /* 503 answered, detail logged */
	CLIENT_OK = 0,
	CLIENT_NOT_FOUND = 1,   /* the callee answered 404 */
	CLIENT_GONE = 2,        /* the callee answered 410 */
	CLIENT_REFUSED = 3,     /* the callee refused (4xx): struct client_refusal */
};

/* A refusal the caller may pass on: the callee's status and message. */
struct client_refusal {
	int status;
	const char *message;    /* the callee's, or the call's fallback; never NULL */
};

/* The number of paise at key of o (a JSON number with at most two
 * decimals).  0, or -1 when absent or malformed. */
int client_money(const struct jv *o, const char *key, int64_t *out);
/* The integer at key of o (digits, an optional minus, at most 18 of
 * them) within [min, max].  0, or -1 when absent or malformed. */
int client_int(const struct jv *o, const char *key, int64_t min, int64_t max, int64_t *out);
/* The string at key of o when it is a UUID, lower-cased into a; NULL when
 * absent or null.  Sets *bad when it is there and not a UUID string. */
const char *client_uuid(struct arena *a, const struct jv *o, const char *key, bool *bad);
/* The string at key of o; NULL when absent or null.  Sets *bad when it is
 * there and not a string. */
const char *client_str(const struct jv *o, const char *key, bool *bad);
/* Three capital letters ("INR"). */
bool client_currency_ok(const char *s);

/* Starts a request body that is one array member, {"<key>":[ ..., on b
 * (the caller adds the elements); client_body_end closes it. */
void client_body_array(struct jw *w, struct buf *b, const char *key);
void client_body_end(struct jw *w);

/* The callee's refusal in resp into ref (message: its "message", or
 * fallback). */
void client_refusal_set(struct client_refusal *ref, const struct http_resp *resp,
    const char *fallback);
/* A call that did not come back 200: logs why and answers 503 naming
 * callee.  Returns CLIENT_DOWN. */
enum client_rc client_down(struct req *r, const char *callee, int rc,
    const struct http_resp *resp);
/* An answer that does not check (why): logs it, answers 503 naming
 * callee.  Returns CLIENT_DOWN. */
enum client_rc client_malformed(struct req *r, const char *callee, const char *why);

#endif
