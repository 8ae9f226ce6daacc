/* The order service's rules (logic.h): plain functions, no I/O. */
#include "logic.h"
#include <stddef.h>
#include <string.h>
#include <strings.h>

const char *const order_status_names[ST__MAX + 1] = {
	[ST_PENDING] = "PENDING",
	[ST_PAID] = "PAID",
	[ST_SHIPPED] = "SHIPPED",
	[ST_DELIVERED] = "DELIVERED",
	[ST_CANCELLED] = "CANCELLED",
	[ST__MAX] = NULL,
};

static const bool legal[ST__MAX][ST__MAX] = {
	[ST_PENDING][ST_PAID] = true,
	[ST_PENDING][ST_CANCELLED] = true,
	[ST_PAID][ST_SHIPPED] = true,
	[ST_PAID][ST_CANCELLED] = true,
	[ST_SHIPPED][ST_DELIVERED] = true,
};

/* The event each target status emits. */
static const char *const events[ST__MAX] = {
	[ST_PAID] = "ORDER_PAID",
	[ST_SHIPPED] = "ORDER_SHIPPED",
	[ST_DELIVERED] = "ORDER_DELIVERED",
	[ST_CANCELLED] = "ORDER_CANCELLED",
};

enum order_status
order_status_parse(const char *s)
{
	for (int i = 0; i < ST__MAX; i++)
		if (s != NULL && strcmp(s, order_status_names[i]) == 0)
			return (enum order_status)i;
	return ST__MAX;
}

bool
order_transition_legal(enum order_status from, enum order_status to)
{
	return from < ST__MAX && to < ST__MAX && legal[from][to];
}

const char *
order_status_event(enum order_status to)
{
	return to < ST__MAX ? events[to] : NULL;
}

enum order_change
order_change_check(bool admin, bool buyer, bool seller, enum order_status from,
    enum order_status to)
{
	if (!admin && !buyer)
		return seller ? ORDER_CHANGE_SELLER : ORDER_CHANGE_NOT_YOURS;
	if (!admin && to != ST_CANCELLED)
		return ORDER_CHANGE_ADMIN_ONLY;
	if (!order_transition_legal(from, to))
		return ORDER_CHANGE_ILLEGAL;
	if (!admin && from != ST_PENDING)
		return ORDER_CHANGE_NOT_PENDING;
	return ORDER_CHANGE_OK;
}

enum order_payment
order_payment_verdict(const struct order_state *o, const char *payment, int64_t amount,
    const char *currency)
{
	switch (o->status) {
	case ST_PENDING:
		break;
	case ST_CANCELLED:
		return ORDER_PAYMENT_CANCELLED;
	default:
		if (o->payment_id != NULL && payment != NULL &&
		    strcasecmp(o->payment_id, payment) == 0)
			return ORDER_PAYMENT_REPEAT;
		return ORDER_PAYMENT_OTHER;
	}
	if (amount != o->total || currency == NULL || o->currency == NULL ||
	    strcmp(currency, o->currency) != 0)
		return ORDER_PAYMENT_MISMATCH;
	return ORDER_PAYMENT_APPLY;
}

bool
order_refund_cancels(enum order_status status, bool full)
{
	return full && status == ST_PAID;
}

bool
order_commission_earned(const char *seller, const char *buyer)
{
	return seller != NULL && (buyer == NULL || strcasecmp(seller, buyer) != 0);
}
