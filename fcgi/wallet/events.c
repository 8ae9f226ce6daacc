/* POST /internal/wallet/events: the order and payment services' events,
 * and the reconciliation of one order's commission with its facts, which
 * the release job (jobs.c) shares.
 *
 *   ORDER_PAID        credits the commission to the seller's pending
 *                     balance once per order (COMMISSION_CREATED); no
 *                     seller, a zero commission or a seller buying from
 *                     themself: "ignored"
 *   ORDER_DELIVERED   starts the hold (COMMISSION_HOLD_DAYS); with 0 days
 *                     the commission becomes available at once
 *   ORDER_CANCELLED   reverses the whole commission
 *   PAYMENT_REFUNDED  reverses refundedPaise / totalPaise of it (all of it
 *                     when full), from the largest refundedPaise seen
 *
 * Every event first records its fact on the order's row (wallet_orders,
 * made on first sight and locked), so the events may arrive in any order:
 * a refund or a cancellation that comes before ORDER_PAID is applied when
 * the commission is credited.  The inbox claim, the fact and the money
 * commit together. */
#include "wallet.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "valid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hold_days;

int
events_config(void)
{
	int d = wallet_hold_days_parse(config_str("COMMISSION_HOLD_DAYS", "0"));
	if (d < 0) {
		fprintf(stderr, "wallet: COMMISSION_HOLD_DAYS must be a whole number of days, "
		    "0 to 365\n");
		return -1;
	}
	hold_days = d;
	return 0;
}

/* A wallet_orders row: the order's ids and its facts. */
struct worder {
	const char *id, *wallet_id;
	struct wallet_order f;
};

static void
order_read(const PGresult *res, struct worder *o)
{
	o->id = db_get(res, 0, "order_id");
	o->wallet_id = db_get(res, 0, "wallet_id");
	o->f.credited = !db_isnull(res, 0, "commission");
	o->f.commission = db_get_ll(res, 0, "commission");
	o->f.total = db_get_ll(res, 0, "total");
	o->f.cancelled = db_get_bool(res, 0, "cancelled");
	o->f.full = db_get_bool(res, 0, "full_refund");
	o->f.refunded = db_get_ll(res, 0, "refunded");
	o->f.reversed = db_get_ll(res, 0, "reversed");
	o->f.due = db_get_bool(res, 0, "due");
	o->f.released = db_get_bool(res, 0, "released");
}

int
order_reconcile(struct req *r, const PGresult *res)
{
	struct worder o;
	order_read(res, &o);
	if (!o.f.credited)
		return 0;
	PGresult *wr = db_exec_or_reply(r, W(W_WALLET_LOCK), (const char *[]){ o.wallet_id });
	if (wr == NULL)
		return -1;
	if (PQntuples(wr) != 1) {
		reply_error(r, 500, "internal server error");
		return -1;
	}
	struct wallet w;
	wallet_read(wr, &w);
	struct wallet_plan p;
	wallet_plan_of(&o.f, w.available, &p);
	const char *why = arena_printf(r->a, "Commission reversed for order %s", o.id);
	struct move pend = { "COMMISSION_REVERSED", "PENDING", -p.from_pending, 0, 0,
	    -p.from_pending, o.id, NULL, why };
	if (p.from_pending > 0 && wallet_move(r, &w, &pend) != 0)
		return -1;
	struct move avail = { "COMMISSION_REVERSED", "AVAILABLE", 0, -p.from_available, 0,
	    -p.from_available, o.id, NULL, why };
	if (p.from_available > 0 && wallet_move(r, &w, &avail) != 0)
		return -1;
	if (p.owed > 0) {
		struct move owe = { "COMMISSION_OWED", "OWED", 0, 0, p.owed, -p.owed, o.id, NULL,
		    arena_printf(r->a, "Commission reversed for order %s exceeds the available "
		    "balance: owed", o.id) };
		if (wallet_move(r, &w, &owe) != 0)
			return -1;
	}
	if (p.release > 0) {
		struct move m = { "COMMISSION_RELEASED", "AVAILABLE", -p.release, p.release, 0, 0,
		    o.id, NULL, arena_printf(r->a, "Commission released for order %s", o.id) };
		if (wallet_move(r, &w, &m) != 0 || wallet_settle_owed(r, &w, o.id, NULL) != 0)
			return -1;
	}
	if (!p.record)
		return 0;
	const char *q[] = { o.id, db_int(r, p.target), p.released ? "true" : "false" };
	return db_exec_or_reply(r, W(W_ORDER_APPLIED), q) == NULL ? -1 : 0;
}

/* The payload's orderId, or NULL after answering 400. */
static const char *
order_id_or_reply(struct req *r, const struct event *ev)
{
	const char *order = event_str(ev, "orderId");
	if (order == NULL || !valid_uuid(order)) {
		reply_error(r, 400, "payload.orderId must be a UUID");
		return NULL;
	}
	return arena_strlower(r->a, order);
}

/* Commits and acknowledges. */
static void
commit_ack(struct req *r, const struct event *ev, const char *status)
{
	if (db_commit(r) == 0)
		event_ack(r, ev, status);
}

static void
paid_event(struct req *r, const struct event *ev)
{
	const char *order = order_id_or_reply(r, ev);
	if (order == NULL)
		return;
	const char *seller = event_str(ev, "sellerId"), *buyer = event_str(ev, "userId");
	const char *currency = event_str(ev, "currency");
	int64_t commission = event_int(ev, "commissionPaise"), total = event_int(ev, "totalPaise");
	if (json_get(ev->payload, "sellerId") != NULL && json_get(ev->payload, "sellerId")->type !=
	    JV_NULL && (seller == NULL || !valid_uuid(seller))) {
		reply_error(r, 400, "payload.sellerId must be a UUID or null");
		return;
	}
	if (commission < 0 || total < 0) {
		reply_error(r, 400, "payload.commissionPaise and payload.totalPaise are required");
		return;
	}
	if (currency == NULL || strlen(currency) != 3 || strspn(currency,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
		reply_error(r, 400, "payload.currency must be a currency code");
		return;
	}
	/* No seller, nothing earned, or a reseller buying through their own
	 * link: no commission. */
	if (!wallet_commission_earned(seller, buyer, commission)) {
		event_ack(r, ev, "ignored");
		return;
	}
	seller = arena_strlower(r->a, seller);
	if (!event_begin_claimed(r, ev))
		return;
	PGresult *res = db_exec_or_reply(r, W(W_ORDER_LOCK), (const char *[]){ order });
	if (res == NULL)
		return;
	if (!db_isnull(res, 0, "commission")) {
		commit_ack(r, ev, "duplicate");    /* credited by an earlier event */
		return;
	}
	PGresult *wr = db_exec_or_reply(r, W(W_WALLET_ENSURE), (const char *[]){ seller, currency });
	if (wr == NULL)
		return;
	struct wallet w;
	wallet_read(wr, &w);
	if (strcmp(w.currency, currency) != 0) {
		reply_error(r, 400, "payload.currency %s differs from the wallet's %s", currency,
		    w.currency);
		return;
	}
	const char *p[] = { order, seller, w.id, db_int(r, commission), db_int(r, total), currency };
	if ((res = db_exec_or_reply(r, W(W_ORDER_PAID), p)) == NULL)
		return;
	struct move m = { "COMMISSION_CREATED", "PENDING", commission, 0, 0, commission, order, NULL,
	    arena_printf(r->a, "Commission locked for order %s", order) };
	if (wallet_move(r, &w, &m) != 0 || order_reconcile(r, res) != 0)
		return;
	commit_ack(r, ev, "applied");
}

/* DELIVERED, CANCELLED and REFUNDED: record the fact (statement s with
 * params, the order id first), then bring the money in line. */
static void
fact_event(struct req *r, const struct event *ev, enum wallet_stmt s, const char *const *params)
{
	if (!event_begin_claimed(r, ev))
		return;
	if (db_exec_or_reply(r, W(W_ORDER_LOCK), params) == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, W(s), params);
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		commit_ack(r, ev, "duplicate");    /* the fact was known */
		return;
	}
	if (order_reconcile(r, res) == 0)
		commit_ack(r, ev, "applied");
}

static void
order_event(struct req *r, const struct event *ev, enum wallet_stmt s)
{
	const char *order = order_id_or_reply(r, ev);
	if (order == NULL)
		return;
	/* An order without a seller earns no commission. */
	if (event_str(ev, "sellerId") == NULL) {
		event_ack(r, ev, "ignored");
		return;
	}
	char days[16];
	snprintf(days, sizeof days, "%d", hold_days);
	fact_event(r, ev, s, (const char *[]){ order, days });
}

static void
refund_event(struct req *r, const struct event *ev)
{
	const char *order = order_id_or_reply(r, ev);
	if (order == NULL)
		return;
	int64_t refunded = event_int(ev, "refundedPaise");
	const struct jv *full = json_get(ev->payload, "full");
	if (refunded < 0) {
		reply_error(r, 400, "payload.refundedPaise is required");
		return;
	}
	if (full != NULL && full->type != JV_BOOL && full->type != JV_NULL) {
		reply_error(r, 400, "payload.full must be a boolean");
		return;
	}
	bool whole = full != NULL && full->type == JV_BOOL && full->b;
	fact_event(r, ev, W_ORDER_REFUNDED, (const char *[]){ order, db_int(r, refunded),
	    whole ? "true" : "false" });
}

void
wallet_events(struct req *r)
{
	struct event ev;
	if (event_parse_or_reply(r, &ev) != 0)
		return;
	if (strcmp(ev.type, "ORDER_PAID") == 0)
		paid_event(r, &ev);
	else if (strcmp(ev.type, "ORDER_DELIVERED") == 0)
		order_event(r, &ev, W_ORDER_DELIVERED);
	else if (strcmp(ev.type, "ORDER_CANCELLED") == 0)
		order_event(r, &ev, W_ORDER_CANCELLED);
	else if (strcmp(ev.type, "PAYMENT_REFUNDED") == 0)
		refund_event(r, &ev);
	else
		event_ack(r, &ev, "ignored");
}
