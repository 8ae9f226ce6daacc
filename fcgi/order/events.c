/* POST /internal/order/events: the events the order service consumes
 * (workers/README.md), each applied at most once (inbox claim and effect in
 * one transaction).
 *
 *   PAYMENT_SUCCESS   PENDING -> PAID (payment_id set, ORDER_PAID), when the
 *                     amount and currency are the order's
 *   PAYMENT_REFUNDED  a full refund of a PAID order cancels it (ORDER_CANCELLED
 *                     returns the stock); any other refund is a history note
 *
 * Anything the order cannot take (an unknown order, a wrong amount, a
 * payment for a cancelled order) is logged for an admin and acknowledged:
 * redelivering it would change nothing. */
#include "order.h"
#include "events.h"
#include "log.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* The payload's orderId, or NULL after answering 400. */
static const char *
payload_order(struct req *r, const struct event *ev)
{
	const char *id = event_str(ev, "orderId");
	if (id == NULL || !valid_uuid(id)) {
		reply_error(r, 400, "payload.orderId must be a UUID");
		return NULL;
	}
	return id;
}

/* Claims the event and locks the order.  Returns 1 with *o filled, 0 when
 * the event was applied before or the order is unknown (answered and
 * committed), -1 after answering an error. */
static int
begin(struct req *r, const struct event *ev, const char *order_id, struct order_state *o)
{
	if (db_begin(r) != 0)
		return -1;
	int claimed = event_claim(r, ev);
	if (claimed < 0)
		return -1;
	if (claimed == 0) {
		event_ack(r, ev, "duplicate");
		return 0;
	}
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_LOCK), (const char *[]){ order_id });
	if (res == NULL)
		return -1;
	if (!order_state_read(res, o)) {
		log_err("event %s (%s) names order %s, which does not exist", ev->id, ev->type,
		    order_id);
		if (db_commit(r) == 0)
			event_ack(r, ev, "ignored");
		return 0;
	}
	return 1;
}

/* Commits and acknowledges with status. */
static void
finish(struct req *r, const struct event *ev, const char *status)
{
	if (db_commit(r) == 0)
		event_ack(r, ev, status);
}

static void
payment_success(struct req *r, const struct event *ev)
{
	const char *order_id = payload_order(r, ev);
	if (order_id == NULL)
		return;
	const char *payment = event_str(ev, "paymentId");
	const char *currency = event_str(ev, "currency");
	int64_t amount = event_int(ev, "amountPaise");
	if (payment == NULL || !valid_uuid(payment)) {
		reply_error(r, 400, "payload.paymentId must be a UUID");
		return;
	}
	if (amount < 0 || currency == NULL) {
		reply_error(r, 400, "payload.amountPaise and payload.currency are required");
		return;
	}
	struct order_state o;
	if (begin(r, ev, order_id, &o) <= 0)
		return;
	switch (order_payment_verdict(&o, payment, amount, currency)) {
	case ORDER_PAYMENT_APPLY:
		break;
	case ORDER_PAYMENT_CANCELLED:
		log_warn("payment %s captured for order %s, which is CANCELLED: "
		    "an admin must refund %lld paise", payment, order_id, (long long)amount);
		finish(r, ev, "ignored");
		return;
	case ORDER_PAYMENT_OTHER:
		log_warn("payment %s captured for order %s, which is already %s "
		    "(payment %s): an admin must refund %lld paise", payment, order_id,
		    order_status_names[o.status], o.payment_id ? o.payment_id : "none",
		    (long long)amount);
		/* fall through */
	case ORDER_PAYMENT_REPEAT:
		finish(r, ev, "duplicate");
		return;
	case ORDER_PAYMENT_MISMATCH:
		log_err("payment %s for order %s is %lld %s, the order is %lld %s: "
		    "order left PENDING", payment, order_id, (long long)amount, currency,
		    (long long)o.total, o.currency);
		finish(r, ev, "ignored");
		return;
	}
	struct transition t = {
		.to = ST_PAID,
		.notes = arena_printf(r->a, "payment %s captured", payment),
		.actor_id = NULL,
		.actor_role = "SYSTEM",
		.payment_id = payment,
	};
	/* The row is locked: the status cannot have moved. */
	if (order_transition(r, &o, &t) != 1) {
		reply_error(r, 500, "internal server error");
		return;
	}
	log_info("order %s PAID by payment %s", order_id, payment);
	finish(r, ev, "applied");
}

static void
payment_refunded(struct req *r, const struct event *ev)
{
	const char *order_id = payload_order(r, ev);
	if (order_id == NULL)
		return;
	const struct jv *full = json_get(ev->payload, "full");
	if (full == NULL || full->type != JV_BOOL) {
		reply_error(r, 400, "payload.full must be a boolean");
		return;
	}
	const char *refund = event_str(ev, "refundId");
	const char *payment = event_str(ev, "paymentId");
	int64_t refunded = event_int(ev, "refundedPaise");
	if (refunded < 0)
		refunded = event_int(ev, "amountPaise");
	struct order_state o;
	if (begin(r, ev, order_id, &o) <= 0)
		return;
	const char *notes = arena_printf(r->a, "%s refund %s of payment %s: %lld paise",
	    full->b ? "full" : "partial", refund ? refund : "(no id)",
	    payment ? payment : "(no id)", (long long)refunded);
	if (order_refund_cancels(o.status, full->b)) {
		struct transition t = {
			.to = ST_CANCELLED,
			.notes = notes,
			.actor_id = NULL,
			.actor_role = "SYSTEM",
			.payment_id = NULL,
		};
		if (order_transition(r, &o, &t) != 1) {
			reply_error(r, 500, "internal server error");
			return;
		}
		log_info("order %s CANCELLED by a full refund", order_id);
		finish(r, ev, "applied");
		return;
	}
	/* A note in the history only: the status stays. */
	const char *st = order_status_names[o.status];
	if (db_exec_or_reply(r, S(S_HISTORY_INSERT), (const char *[]){ order_id, st, st,
	    notes, NULL, "SYSTEM" }) == NULL)
		return;
	finish(r, ev, "applied");
}

void
order_events(struct req *r)
{
	struct event ev;
	if (event_parse_or_reply(r, &ev) != 0)
		return;
	if (strcmp(ev.type, "PAYMENT_SUCCESS") == 0)
		payment_success(r, &ev);
	else if (strcmp(ev.type, "PAYMENT_REFUNDED") == 0)
		payment_refunded(r, &ev);
	else
		event_ack(r, &ev, "ignored");
}
