/* The order service: orders, their priced lines and their status history,
 * on order_db.
 *
 * An order is priced by the pricing service (the client's prices are never
 * trusted), its stock is reserved by the product service before the order
 * row exists, and every status change writes its event to the outbox in
 * the same transaction (workers/README.md). */
#ifndef ORDER_H
#define ORDER_H
#include "client_pricing.h"
#include "client_product.h"
#include "client_share_link.h"
#include "db.h"
#include "json.h"
#include "req.h"
#include "router.h"
#include "logic.h"
#include <stdbool.h>
#include <stdint.h>

enum order_stmt {
	S_ORDER_CREATE, S_HISTORY_INSERT,
	S_ORDER_GET, S_HISTORY_GET, S_ORDER_LIST,
	S_ORDER_STATE, S_ORDER_LOCK, S_ORDER_SET_STATUS, S_ORDER_EXISTS,
	S__MAX
};
extern const struct stmt order_stmts[S__MAX];
#define S(id) (&order_stmts[id])

/* Most lines in one order, and most units in one line. */
#define ORDER_ITEMS_MAX 50
#define ORDER_EXIST_MAX 500    /* ids per POST /internal/order/orders/exists */
#define ORDER_QTY_MAX 1000

/* ---- status.c: the state machine (its rules: logic.h) ---- */

/* Row 0 of an S_ORDER_STATE/S_ORDER_LOCK result into o (strings stay in
 * res, owned by the request's arena).  false when the row is not there. */
bool order_state_read(const PGresult *res, struct order_state *o);

struct transition {
	enum order_status to;
	const char *notes;        /* or NULL */
	const char *actor_id;     /* the caller, NULL for an event */
	const char *actor_role;   /* "ADMIN", ..., "SYSTEM" */
	const char *payment_id;   /* PAID by a payment event, else NULL */
};
/* Inside an open transaction: moves o from o->status to t->to with one
 * conditional UPDATE, records the history row and writes the event.
 * Returns 1 done, 0 when the order is no longer in o->status (nothing
 * changed, nothing answered), -1 after answering 503/500. */
int order_transition(struct req *r, const struct order_state *o, const struct transition *t);

void orders_set_status(struct req *r);            /* PATCH /orders/:id/status */

/* ---- json.c: the one order document ---- */

struct order_item {
	const char *id, *product_id, *variant_id, *product_name;
	int64_t quantity, base_price, seller_price, subtotal, commission;
};

struct order {
	const char *id, *user_id, *seller_id, *share_link_id, *status, *currency;
	const char *shipping_address, *payment_id, *created_at, *updated_at;
	int64_t subtotal, commission, total;
	struct order_item *items;   /* arena-owned */
	size_t nitems;
};

/* Groups the rows of an S_ORDER_GET/S_ORDER_LIST result (ORDER_COLS and
 * ITEM_COLS, an order's rows adjacent) into orders.  Returns how many;
 * *out is arena-owned.  Rows without an order id (an empty page) are
 * skipped. */
size_t orders_read(struct req *r, const PGresult *res, struct order **out);
/* Writes o; with history (an S_HISTORY_GET result) adds statusHistory. */
void json_order_put(struct jw *w, const struct order *o, const PGresult *history);
/* Loads order id with its history and answers status with it, or 404. */
void order_reply(struct req *r, const char *id, int status);

/* ---- orders.c: reads ---- */
void orders_list(struct req *r);                 /* GET /orders */
extern const struct qparam orders_list_query[];
void orders_get(struct req *r);                  /* GET /orders/:id */
/* POST /internal/order/orders/exists {"ids":[...]} -> {"existing":[...]} */
void orders_internal_exist(struct req *r);
void orders_internal_get(struct req *r);         /* GET /internal/order/orders/:id */

/* ---- create.c ---- */
void orders_create(struct req *r);               /* POST /orders */

/* ---- peers.c: what an order needs of other services (their clients in
 * common/client_*.h) ---- */

/* One line of an order being created. */
struct line {
	/* in: from the request (and the share link) */
	const char *product_id;
	const char *variant;       /* asked for, or NULL: the default variant */
	int64_t quantity;
	int64_t seller_price;      /* paise */
	/* from the product service, when the stock is reserved */
	const char *variant_id;    /* the variant reserved */
	const char *product_name;  /* or NULL */
	const char *category_id;   /* or NULL */
	const char *currency;
	int64_t base_price;        /* the variant's price, paise */
	/* from the pricing service */
	int64_t subtotal, commission, rate_bps;
	char item_id[37];          /* the order line's id */
};

/* auth_user(): 1 and the role (arena-owned) when the user exists, 0 when
 * not, -1 after answering 503.  Roles are kept per worker for a few
 * minutes (peers.c). */
int peer_user_role(struct req *r, const char *id, const char **role);
/* share_link_get(): 0 with *l when the link can be ordered through, or -1
 * after answering 404 (unknown or inactive), 410 (expired) or 503. */
int peer_share_link_or_reply(struct req *r, const char *id, struct share_link *l);
/* product_reserve() for the order's lines, all or none, which also
 * resolves each line's variant, name, category and base price (the "from
 * the product service" fields).  Passes the product service's 404 and 409
 * (both naming the line) through; 503 otherwise.  0, or -1 after
 * answering (nothing is then reserved).  product_release() gives it back. */
int peer_reserve_or_reply(struct req *r, const char *order_id, struct line *lines,
    size_t n);
/* pricing_quote() for the reserved lines: fills the "from the pricing
 * service" fields and *q.  Passes the pricing service's 400/404/409
 * through; 503 when it is unavailable.  0, or -1 after answering. */
int peer_quote_or_reply(struct req *r, struct line *lines, size_t n,
    struct pricing_quote *q);

/* ---- events.c ---- */
void order_events(struct req *r);                /* POST /internal/order/events */

/* Timestamps leave as ISO 8601 UTC with milliseconds. */
#define ISO(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* GET /internal/<service>/audit's statement (audit.c) */
extern const struct stmt order_audit;

#endif
