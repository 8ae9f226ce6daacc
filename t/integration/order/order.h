/* it_order: the order service through the gateway.  One file per concern,
 * run in this order:
 *
 *	create.c   POST /orders
 *	list.c     GET /orders, GET /orders/:id
 *	status.c   PATCH /orders/:id/status, cancellation
 *	events.c   the payment events it consumes (internal API)
 *
 * main.c holds the users the cases share and the helpers below. */
#ifndef IT_ORDER_H
#define IT_ORDER_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include <stddef.h>

extern char *admin;
extern struct t_user cust_a, cust_b, seller;

/* A product at base price base ("1000.00") with stock units in its one
 * variant.  Returns its id and, when variant is not NULL, the variant's
 * (both malloc'd). */
char *product_create(const char *base, int stock, char **variant);
/* An order body of one line (extra: more members, each followed by a
 * comma). */
char *one_line(char *out, size_t n, const char *extra, const char *product, int qty,
    const char *price);
/* POST /orders as token, with an Idempotency-Key when key is not NULL. */
long order_post(struct resp *rs, const char *token, const char *body, const char *key);
/* Creates a one-line order; returns its id (malloc'd) or NULL. */
char *order_create(const char *token, const char *extra, const char *product, int qty,
    const char *price);
/* PATCH that must be answered with want (and, for 409, name both statuses). */
void expect_status_change(const char *token, const char *id, const char *from,
    const char *to, long want);
/* Outbox rows of type for order id in order_db. */
long long outbox_count(const char *id, const char *type);
/* Posts an event envelope to the internal listener, from the payment
 * service. */
long event_post(struct resp *rs, const char *event_id, const char *type, const char *payload);
/* A PAYMENT_SUCCESS for order (cust_a's) of amount paise in currency. */
long payment_success(struct resp *rs, const char *event_id, const char *order,
    const char *payment, long long amount, const char *currency);

extern const struct t_suite order_create_suite, order_list_suite, order_status_suite,
    order_events_suite;

#endif
