/* The order state machine and PATCH /orders/:id/status.
 *
 *   PENDING -> PAID -> SHIPPED -> DELIVERED,  PENDING|PAID -> CANCELLED
 *
 * Every other change is a 409.  An admin may make any legal change; the
 * buyer may only cancel their own PENDING order.  A change is one
 * conditional UPDATE (WHERE status = the status it was read in), so of two
 * concurrent changes one wins; its history row and its event are written
 * in the same transaction.  Cancelling returns the stock through
 * ORDER_CANCELLED, which the product service consumes.  The rules (the
 * table, who may change what) are logic.c's; this file does the I/O. */
#include "order.h"
#include "log.h"
#include "outbox.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

bool
order_state_read(const PGresult *res, struct order_state *o)
{
	if (PQntuples(res) != 1)
		return false;
	o->id = db_get(res, 0, "id");
	o->user_id = db_get(res, 0, "user_id");
	o->seller_id = db_get(res, 0, "seller_id");
	o->share_link_id = db_get(res, 0, "share_link_id");
	o->currency = db_get(res, 0, "currency");
	o->payment_id = db_get(res, 0, "payment_id");
	o->status = order_status_parse(db_get(res, 0, "status"));
	o->total = db_get_ll(res, 0, "total");
	o->commission = db_get_ll(res, 0, "commission");
	return o->status != ST__MAX;
}

/* The payload of the event for o entering t->to (workers/README.md). */
static void
event_payload(struct buf *b, const struct order_state *o, const struct transition *t)
{
	struct jw w;
	jw_init(&w, b);
	jw_obj_open(&w);
	jw_kstr(&w, "orderId", o->id);
	jw_kstr(&w, "userId", o->user_id);
	jw_kstr(&w, "sellerId", o->seller_id);
	switch (t->to) {
	case ST_PAID:
		jw_kstr(&w, "shareLinkId", o->share_link_id);
		jw_kstr(&w, "paymentId", t->payment_id ? t->payment_id : o->payment_id);
		jw_kstr(&w, "currency", o->currency);
		jw_kint(&w, "totalPaise", o->total);
		jw_kint(&w, "commissionPaise", o->commission);
		break;
	case ST_SHIPPED:
		jw_kstr(&w, "notes", t->notes);
		break;
	case ST_DELIVERED:
		jw_kint(&w, "commissionPaise", o->commission);
		jw_kstr(&w, "currency", o->currency);
		break;
	case ST_CANCELLED:
		jw_kstr(&w, "previousStatus", order_status_names[o->status]);
		jw_kstr(&w, "notes", t->notes);
		/* share-link takes a cancelled order out of its link's stats. */
		jw_kstr(&w, "shareLinkId", o->share_link_id);
		jw_kstr(&w, "currency", o->currency);
		jw_kint(&w, "totalPaise", o->total);
		break;
	default:
		break;
	}
	jw_obj_close(&w);
}

int
order_transition(struct req *r, const struct order_state *o, const struct transition *t)
{
	const char *from = order_status_names[o->status], *to = order_status_names[t->to];
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_SET_STATUS),
	    (const char *[]){ o->id, from, to, t->payment_id });
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return 0;
	if (db_exec_or_reply(r, S(S_HISTORY_INSERT), (const char *[]){ o->id, from, to,
	    t->notes, t->actor_id, t->actor_role }) == NULL)
		return -1;
	struct buf payload = { 0 };
	event_payload(&payload, o, t);
	const char *ev = outbox_put(r, order_status_event(t->to), o->id, &payload);
	buf_free(&payload);
	return ev != NULL ? 1 : -1;
}

enum { U_STATUS, U_NOTES, U__MAX };
static const struct field update_fields[U__MAX] = {
	[U_STATUS] = { "status", F_ENUM, F_REQUIRED, 0, 0, order_status_names },
	[U_NOTES] = { "notes", F_STRING, F_TRIM, 0, 1000, NULL },
};

/* Answers the refusal c of a change from `from` to `to`; false when c
 * allows it. */
static bool
change_refused(struct req *r, enum order_change c, enum order_status from,
    enum order_status to)
{
	switch (c) {
	case ORDER_CHANGE_OK:
		return false;
	case ORDER_CHANGE_NOT_YOURS:
		reply_error(r, 403, "you may only access your own orders");
		break;
	case ORDER_CHANGE_SELLER:
		reply_error(r, 403, "only an admin can change the status of an order you sold");
		break;
	case ORDER_CHANGE_ADMIN_ONLY:
		reply_error(r, 403, "only an admin can set an order's status to %s",
		    order_status_names[to]);
		break;
	case ORDER_CHANGE_ILLEGAL:
		reply_error(r, 409, "cannot change order status from %s to %s",
		    order_status_names[from], order_status_names[to]);
		break;
	case ORDER_CHANGE_NOT_PENDING:
		reply_error(r, 403, "a %s order can only be cancelled by an admin",
		    order_status_names[from]);
		break;
	}
	return true;
}

void
orders_set_status(struct req *r)
{
	struct fval f[U__MAX];
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, update_fields, U__MAX, f, NULL) != 0)
		return;
	enum order_status to = order_status_parse(f[U_STATUS].s);
	const char *notes = f[U_NOTES].set && f[U_NOTES].s[0] != '\0' ? f[U_NOTES].s : NULL;

	PGresult *res = db_exec_or_reply(r, S(S_ORDER_STATE), (const char *[]){ id });
	if (res == NULL)
		return;
	struct order_state o;
	if (!order_state_read(res, &o)) {
		reply_error(r, 404, "order %s not found", id);
		return;
	}
	bool admin = r->user.role == ROLE_ADMIN;
	bool buyer = strcasecmp(o.user_id, r->user.sub) == 0;
	bool seller = o.seller_id != NULL && strcasecmp(o.seller_id, r->user.sub) == 0;
	if (change_refused(r, order_change_check(admin, buyer, seller, o.status, to),
	    o.status, to))
		return;

	struct transition t = {
		.to = to,
		.notes = notes,
		.actor_id = r->user.sub,
		.actor_role = role_name(r->user.role),
		.payment_id = NULL,
	};
	if (db_begin(r) != 0)
		return;
	int rc = order_transition(r, &o, &t);
	if (rc <= 0) {
		if (rc == 0)
			reply_error(r, 409, "order %s is no longer %s: its status changed meanwhile",
			    id, order_status_names[o.status]);
		return;
	}
	if (db_commit(r) != 0)
		return;
	log_info("order %s: %s -> %s by %s %s", id, order_status_names[o.status],
	    order_status_names[to], role_name(r->user.role), r->user.sub);
	order_reply(r, id, 200);
}
