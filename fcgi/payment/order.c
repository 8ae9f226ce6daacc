/* The order being paid.  Its amount always comes from the order service
 * (order_get(), GET /internal/order/orders/:id): the client's amount is
 * accepted for compatibility with the contract's clients, and must equal
 * the total. */
#include "payment.h"
#include "money.h"
#include "valid.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const methods[] = { "CARD", "UPI", "NETBANKING", "WALLET", NULL };

enum { F_ORDER, F_USER, F_AMOUNT, F_CURRENCY, F_METHOD, F__MAX };
static const struct field pay_fields[F__MAX] = {
	[F_ORDER] = { "orderId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[F_USER] = { "userId", F_UUID, 0, 0, 0, NULL },
	[F_AMOUNT] = { "amount", F_MONEY, 0, 0, 0, NULL },
	[F_CURRENCY] = { "currency", F_STRING, F_TRIM, 3, 3, NULL },
	[F_METHOD] = { "method", F_ENUM, 0, 0, 0, methods },
};

/* Fetches the order (order_get()); 0, or -1 after answering 404/503. */
static int
order_fetch_or_reply(struct req *r, const char *id, struct order_info *o)
{
	enum client_rc rc = order_get(r, id, o);
	if (rc == CLIENT_NOT_FOUND)
		reply_error(r, 404, "order not found");
	return rc == CLIENT_OK ? 0 : -1;
}

int
pay_request_or_reply(struct req *r, struct pay_request *pr)
{
	struct fval f[F__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, pay_fields, F__MAX, f, NULL) != 0)
		return -1;
	bool admin = r->user.role == ROLE_ADMIN;
	if (f[F_CURRENCY].set && !client_currency_ok(f[F_CURRENCY].s)) {
		reply_error(r, 400, "currency must be a three-letter ISO code in upper case (INR)");
		return -1;
	}
	if (f[F_USER].set && !admin && strcasecmp(f[F_USER].s, r->user.sub) != 0) {
		reply_error(r, 403, "userId must be your own user id");
		return -1;
	}
	memset(pr, 0, sizeof *pr);
	pr->method = f[F_METHOD].set ? f[F_METHOD].s : NULL;
	struct order_info *o = &pr->order;
	if (order_fetch_or_reply(r, f[F_ORDER].s, o) != 0)
		return -1;
	if (!admin && strcasecmp(o->user_id, r->user.sub) != 0) {
		reply_error(r, 403, "you may only pay for your own orders");
		return -1;
	}
	if (f[F_USER].set && strcasecmp(f[F_USER].s, o->user_id) != 0) {
		reply_error(r, 400, "userId does not match the order's customer");
		return -1;
	}
	char want[32];
	switch (pay_payable(o->status, o->total, o->currency, f[F_AMOUNT].set, f[F_AMOUNT].i,
	    f[F_CURRENCY].set ? f[F_CURRENCY].s : NULL)) {
	case PAY_PAYABLE_OK:
		return 0;
	case PAY_PAYABLE_NOT_PENDING:
		reply_error(r, 409, "order is %s: only a PENDING order can be paid", o->status);
		break;
	case PAY_PAYABLE_AMOUNT:
		reply_error(r, 400, "amount does not match the order total (%s)",
		    money_format(o->total, want, sizeof want));
		break;
	case PAY_PAYABLE_CURRENCY:
		reply_error(r, 400, "currency does not match the order currency (%s)", o->currency);
		break;
	case PAY_PAYABLE_NOTHING:
		reply_error(r, 409, "order has nothing to pay");
		break;
	}
	return -1;
}
