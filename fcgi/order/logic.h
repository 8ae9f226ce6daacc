/* The order service's rules as plain functions over plain data: the state
 * machine, who may make which change, what a payment or a refund does to
 * an order, who earns a commission.  No request, no database: the handlers
 * call these and do the I/O, t/unit/order_logic.c calls them directly. */
#ifndef ORDER_LOGIC_H
#define ORDER_LOGIC_H
#include <stdbool.h>
#include <stdint.h>

/*   PENDING -> PAID -> SHIPPED -> DELIVERED,  PENDING|PAID -> CANCELLED */
enum order_status { ST_PENDING, ST_PAID, ST_SHIPPED, ST_DELIVERED, ST_CANCELLED, ST__MAX };
extern const char *const order_status_names[ST__MAX + 1];   /* NULL-terminated */
/* ST__MAX when s names no status (NULL included). */
enum order_status order_status_parse(const char *s);
bool order_transition_legal(enum order_status from, enum order_status to);
/* The event an order entering `to` writes (ORDER_PAID, ...), or NULL for
 * PENDING (ORDER_CREATED is the creation's) and anything out of range. */
const char *order_status_event(enum order_status to);

/* What a transition needs to know of an order (read from S_ORDER_STATE or
 * S_ORDER_LOCK by order_state_read, status.c). */
struct order_state {
	const char *id, *user_id, *seller_id, *share_link_id, *currency, *payment_id;
	enum order_status status;
	int64_t total, commission;
};

/* PATCH /orders/:id/status: may the caller move an order from `from` to
 * `to`?  The checks run in this order; the first that fails decides. */
enum order_change {
	ORDER_CHANGE_OK,
	ORDER_CHANGE_NOT_YOURS,    /* 403: neither an admin nor the buyer */
	ORDER_CHANGE_SELLER,       /* 403: the seller (not the buyer), who may not */
	ORDER_CHANGE_ADMIN_ONLY,   /* 403: only an admin sets `to` (anything but CANCELLED) */
	ORDER_CHANGE_ILLEGAL,      /* 409: not a transition of the machine */
	ORDER_CHANGE_NOT_PENDING   /* 403: the buyer cancels only a PENDING order */
};
/* admin: the caller is an admin; buyer, seller: the caller is the order's
 * buyer, its seller. */
enum order_change order_change_check(bool admin, bool buyer, bool seller,
    enum order_status from, enum order_status to);

/* PAYMENT_SUCCESS for order o: payment (our payment id), amount (paise)
 * and currency. */
enum order_payment {
	ORDER_PAYMENT_APPLY,       /* PENDING and the amount is the order's: -> PAID */
	ORDER_PAYMENT_CANCELLED,   /* the order is CANCELLED: ignored, an admin refunds */
	ORDER_PAYMENT_REPEAT,      /* paid before by this very payment: a duplicate */
	ORDER_PAYMENT_OTHER,       /* paid before by another payment: a duplicate, an
	                              admin refunds this one */
	ORDER_PAYMENT_MISMATCH     /* PENDING, but another amount or currency: ignored,
	                              the order stays PENDING */
};
/* payment ids compare without regard to case. */
enum order_payment order_payment_verdict(const struct order_state *o, const char *payment,
    int64_t amount, const char *currency);

/* PAYMENT_REFUNDED: whether the refund cancels the order (a full refund
 * of a PAID order); otherwise it is a note in the order's history. */
bool order_refund_cancels(enum order_status status, bool full);

/* Whether an order sold by seller (NULL: none) to buyer earns a
 * commission: not without a seller, and not when the buyer is the seller
 * (ids compare without regard to case). */
bool order_commission_earned(const char *seller, const char *buyer);

#endif
