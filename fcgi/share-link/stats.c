/* A link's statistics, GET /share-links/:code/stats, and the events they
 * come from, POST /internal/share-link/events.
 *
 *   clicks          visits counted (visits.c: one per visitor per hour)
 *   conversions     orders placed through the link that were paid and
 *                   not cancelled since
 *   conversionRate  conversions / clicks * 100, two decimals rounded half
 *                   up (0 without clicks; above 100 when orders came
 *                   without a counted visit)
 *   totalRevenue    what those orders paid (their totals) less what was
 *                   refunded of them, two decimals
 *   orders          orders placed through the link, paid or not
 *   cancelled       of those, the orders cancelled (before or after
 *                   payment)
 *
 * The order service's ORDER_CREATED records an order against its
 * shareLinkId; ORDER_PAID marks it paid with its totalPaise;
 * ORDER_CANCELLED marks it cancelled.  They may arrive in any order; each
 * is applied once (the inbox claim and the effect commit together).  An
 * event without a shareLinkId (most orders) is acknowledged "ignored"
 * without touching the database.  PAYMENT_REFUNDED carries no link (the
 * payment service does not know it): every refund's refundedPaise is
 * recorded by order id, and the stats subtract it from the orders that
 * are the link's. */
#include "share_link.h"
#include "events.h"
#include "log.h"
#include "router.h"
#include "valid.h"
#include <string.h>

void
links_stats(struct req *r)
{
	const char *code = req_param(r, "code");
	if (!link_code_valid(code)) {
		reply_error(r, 404, "share link not found");
		return;
	}
	PGresult *res = db_exec_or_reply(r, S(S_LINK_STATS), (const char *[]){ code });
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "share link not found");
		return;
	}
	if (!guard_owner_or_reply(r, db_get(res, 0, "seller_id")))
		return;
	int64_t clicks = db_get_ll(res, 0, "clicks");
	int64_t conversions = db_get_ll(res, 0, "conversions");
	int64_t rate = link_conversion_rate(conversions, clicks);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kint(&w, "clicks", clicks);
	jw_kint(&w, "conversions", conversions);
	jw_kmoney(&w, "conversionRate", rate);
	jw_kmoney(&w, "totalRevenue", db_get_ll(res, 0, "revenue"));
	jw_kint(&w, "orders", db_get_ll(res, 0, "orders"));
	jw_kint(&w, "cancelled", db_get_ll(res, 0, "cancelled"));
	jw_kstr(&w, "currency", db_get(res, 0, "currency"));
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ORDER_CREATED, ORDER_PAID and ORDER_CANCELLED: statement s with the
 * payload's order, link, total and currency. */
static void
order_event(struct req *r, const struct event *ev, enum share_link_stmt s)
{
	const char *link = event_str(ev, "shareLinkId");
	if (link == NULL) {
		event_ack(r, ev, "ignored");
		return;
	}
	const char *order = event_str(ev, "orderId");
	const char *currency = event_str(ev, "currency");
	int64_t total = event_int(ev, "totalPaise");
	if (!valid_uuid(link) || !valid_uuid(order)) {
		reply_error(r, 400, "payload.orderId and payload.shareLinkId must be UUIDs");
		return;
	}
	if (total < 0 || currency == NULL || strlen(currency) != 3) {
		reply_error(r, 400, "payload.totalPaise and payload.currency are required");
		return;
	}
	if (!event_begin_claimed(r, ev))
		return;
	PGresult *res = db_exec_or_reply(r, S(s), (const char *[]){ order, link,
	    db_int(r, total), currency });
	if (res == NULL)
		return;
	/* Not written: the order was recorded (or paid) before. */
	const char *status = link_event_status(db_get_bool(res, 0, "known"),
	    db_get_bool(res, 0, "written"));
	if (!db_get_bool(res, 0, "known"))
		log_err("event %s (%s) names share link %s, which does not exist", ev->id, ev->type,
		    link);
	if (db_commit(r) == 0)
		event_ack(r, ev, status);
}

/* PAYMENT_REFUNDED: the order's refunded total so far. */
static void
refund_event(struct req *r, const struct event *ev)
{
	const char *order = event_str(ev, "orderId");
	int64_t refunded = event_int(ev, "refundedPaise");
	if (order == NULL || !valid_uuid(order)) {
		reply_error(r, 400, "payload.orderId must be a UUID");
		return;
	}
	if (refunded < 0) {
		reply_error(r, 400, "payload.refundedPaise is required");
		return;
	}
	if (!event_begin_claimed(r, ev))
		return;
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_REFUNDED),
	    (const char *[]){ order, db_int(r, refunded) });
	if (res == NULL)
		return;
	const char *status = PQntuples(res) == 1 ? "applied" : "duplicate";
	if (db_commit(r) == 0)
		event_ack(r, ev, status);
}

void
share_link_events(struct req *r)
{
	struct event ev;
	if (event_parse_or_reply(r, &ev) != 0)
		return;
	if (strcmp(ev.type, "ORDER_CREATED") == 0)
		order_event(r, &ev, S_ORDER_CREATED);
	else if (strcmp(ev.type, "ORDER_PAID") == 0)
		order_event(r, &ev, S_ORDER_PAID);
	else if (strcmp(ev.type, "ORDER_CANCELLED") == 0)
		order_event(r, &ev, S_ORDER_CANCELLED);
	else if (strcmp(ev.type, "PAYMENT_REFUNDED") == 0)
		refund_event(r, &ev);
	else
		event_ack(r, &ev, "ignored");
}
