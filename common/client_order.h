/* The order service's internal API, as its callers use it
 * (docs/internal-api.md, "order"; conventions in client.h). */
#ifndef CLIENT_ORDER_H
#define CLIENT_ORDER_H
#include "client.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- GET /internal/order/orders/:id ---- */

/* What a payment needs of an order. */
struct order_info {
	const char *id;
	const char *user_id;       /* the customer */
	const char *status;        /* PENDING, PAID, ... */
	const char *currency;      /* three capital letters ("INR" when not given) */
	int64_t total;             /* paise */
};
/* Order id into *o.  CLIENT_OK, CLIENT_NOT_FOUND or CLIENT_DOWN (this
 * one's 503 says "order service unavailable, try again shortly"). */
enum client_rc order_get(struct req *r, const char *id, struct order_info *o);
/* The answer for order id into *o.  NULL, or why it does not check. */
const char *order_get_read(const struct jv *answer, const char *id, struct order_info *o);

/* ---- POST /internal/order/orders/exists ---- */

/* Most ids in one call (the callee's limit). */
#define ORDER_EXISTS_MAX 500

/* Which of ids[0..n) (n <= ORDER_EXISTS_MAX) are orders: exists[i] for
 * each.  CLIENT_OK or CLIENT_DOWN. */
enum client_rc order_exists(struct req *r, const char *const *ids, size_t n, bool *exists);
/* The answer into exists[0..n).  NULL, or why it does not check. */
const char *order_exists_read(const struct jv *answer, const char *const *ids, size_t n,
    bool *exists);

#endif
