/* Payment records: POST /payments, GET /payments/:id,
 * GET /payments/order/:orderId, GET /payments.
 *
 * A customer (or reseller) sees the payments they made; an admin sees
 * every payment.  An order has at most one PENDING payment: creating a
 * payment for an order that has one returns it (with the method updated). */
#include "payment.h"
#include "idem.h"
#include "log.h"
#include "router.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

static const char *const statuses[] = {
	"PENDING", "PROCESSING", "SUCCESS", "FAILED", "REFUNDED", NULL
};

/* The members of a payment object (the caller opens and closes it). */
static void
payment_members(struct jw *w, const PGresult *res, int row)
{
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "orderId", db_get(res, row, "order_id"));
	jw_kstr(w, "userId", db_get(res, row, "user_id"));
	jw_kmoney(w, "amount", db_get_ll(res, row, "amount"));
	jw_kstr(w, "currency", db_get(res, row, "currency"));
	jw_kstr(w, "method", db_get(res, row, "method"));
	jw_kstr(w, "status", db_get(res, row, "status"));
	jw_kstr(w, "razorpayOrderId", db_get(res, row, "razorpay_order_id"));
	jw_kstr(w, "razorpayPaymentId", db_get(res, row, "razorpay_payment_id"));
	jw_kmoney(w, "amountRefunded", db_get_ll(res, row, "amount_refunded"));
	jw_kstr(w, "failureReason", db_get(res, row, "failure_reason"));
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_kstr(w, "updatedAt", db_get(res, row, "updated_at"));
}

void
json_payment_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	payment_members(w, res, row);
	jw_obj_close(w);
}

void
json_payment_brief_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "orderId", db_get(res, row, "order_id"));
	jw_kstr(w, "userId", db_get(res, row, "user_id"));
	jw_kstr(w, "status", db_get(res, row, "status"));
	jw_kmoney(w, "amount", db_get_ll(res, row, "amount"));
	jw_kstr(w, "currency", db_get(res, row, "currency"));
	jw_kstr(w, "method", db_get(res, row, "method"));
	jw_obj_close(w);
}

void
json_refund_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "paymentId", db_get(res, row, "payment_id"));
	jw_kstr(w, "razorpayRefundId", db_get(res, row, "razorpay_refund_id"));
	jw_kmoney(w, "amount", db_get_ll(res, row, "amount"));
	jw_kstr(w, "currency", db_get(res, row, "currency"));
	jw_kstr(w, "status", db_get(res, row, "status"));
	jw_key(w, "notes");
	const char *notes = db_get(res, row, "notes");
	if (notes != NULL)
		jw_raw(w, notes);      /* jsonb text from PostgreSQL */
	else
		jw_null(w);
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_obj_close(w);
}

int
pay_open_or_reply(struct req *r, const struct pay_request *pr, PGresult **row)
{
	const struct order_info *o = &pr->order;
	PGresult *settled = db_exec_or_reply(r, S(S_PAY_ORDER_SETTLED), (const char *[]){ o->id });
	if (settled == NULL)
		return -1;
	if (PQntuples(settled) > 0) {
		const char *st = db_get(settled, 0, "status");
		if (strcmp(st, "PROCESSING") == 0)
			reply_error(r, 409, "a payment for this order is being processed (payment %s)",
			    db_get(settled, 0, "id"));
		else
			reply_error(r, 409, "order is already paid (payment %s is %s)",
			    db_get(settled, 0, "id"), st);
		return -1;
	}
	const char *p[] = { o->id, o->user_id, db_int(r, o->total), o->currency, pr->method };
	PGresult *res = db_exec_or_reply(r, S(S_PAY_INSERT), p);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		/* It exists: lock it (a concurrent creator has committed by now). */
		res = db_exec_or_reply(r, S(S_PAY_PENDING_LOCK), (const char *[]){ o->id });
		if (res == NULL)
			return -1;
		if (PQntuples(res) != 1) {
			reply_error(r, 409, "the order's payment changed meanwhile; retry");
			return -1;
		}
		if (db_get_ll(res, 0, "amount") != o->total ||
		    strcmp(db_get(res, 0, "currency"), o->currency) != 0) {
			log_err("payment %s: amount differs from order %s's total",
			    db_get(res, 0, "id"), o->id);
			reply_error(r, 409, "payment %s no longer matches the order total",
			    db_get(res, 0, "id"));
			return -1;
		}
		if (pr->method != NULL) {
			const char *m[] = { db_get(res, 0, "id"), NULL, pr->method };
			if ((res = db_exec_or_reply(r, S(S_PAY_SET_CHECKOUT), m)) == NULL)
				return -1;
		}
	}
	*row = res;
	return 0;
}

void
payments_create(struct req *r)
{
	if (idem_begin_or_reply(r) <= 0)
		return;
	struct pay_request pr;
	if (pay_request_or_reply(r, &pr) != 0 || db_begin(r) != 0)
		return;
	PGresult *pay;
	if (pay_open_or_reply(r, &pr, &pay) != 0)
		return;
	struct jw w;
	req_writer(r, &w);
	json_payment_put(&w, pay, 0);
	reply_w(r, 201);
	idem_commit_or_reply(r);   /* the answer commits with the payment */
}

void
payments_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PAY_GET), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "payment not found");
		return;
	}
	if (!guard_owner_or_reply(r, db_get(res, 0, "user_id")))
		return;
	PGresult *refunds = db_exec_or_reply(r, S(S_REFUNDS_OF), (const char *[]){ id });
	if (refunds == NULL)
		return;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	payment_members(&w, res, 0);
	jw_key(&w, "refunds");
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(refunds); i++)
		json_refund_put(&w, refunds, i);
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}

void
payments_of_order(struct req *r)
{
	const char *order = param_uuid_or_reply(r, "orderId");
	if (order == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PAY_OF_ORDER), (const char *[]){ order });
	if (res == NULL)
		return;
	/* Every payment of an order is its customer's. */
	for (int i = 0; i < PQntuples(res); i++)
		if (!guard_owner_or_reply(r, db_get(res, i, "user_id")))
			return;
	struct jw w;
	req_writer(r, &w);
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(res); i++)
		json_payment_put(&w, res, i);
	jw_arr_close(&w);
	reply_w(r, 200);
}

/* GET /payments?userId=&status=&skip=&take= */
enum { Q_USER, Q_STATUS, Q_SKIP, Q_TAKE, Q__MAX };
const struct qparam payments_list_query[Q__MAX + 1] = {
	[Q_USER] = { "userId", QP_UUID, 0, 0, 0, NULL },
	[Q_STATUS] = { "status", QP_ENUM, 0, 0, 0, statuses },
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
};

void
payments_list(struct req *r)
{
	const char *user = r->q[Q_USER].s, *status = r->q[Q_STATUS].s;
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	if (r->user.role != ROLE_ADMIN) {
		if (user != NULL && strcasecmp(user, r->user.sub) != 0) {
			reply_error(r, 403, "you may only list your own payments");
			return;
		}
		user = r->user.sub;
	}
	const char *p[] = { user, status, db_int(r, skip), db_int(r, take) };
	PGresult *res = db_exec_or_reply(r, S(S_PAY_LIST), p);
	if (res == NULL)
		return;
	db_reply_page(r, res, json_payment_put, skip, take);
}
