/* payment: payments through Razorpay (checkout, verify, webhook, refunds)
 * on payment_db.  See payment.h for the state machine. */
#include "payment.h"
#include "server.h"

#define PAY_FILTER \
	"($1::uuid IS NULL OR p.user_id = $1) AND ($2::text IS NULL OR p.status = $2)"

const struct stmt payment_stmts[S__MAX] = {
	/* The order's open payment: created once (the partial unique index
	 * payments_one_pending makes a concurrent second insert wait, then do
	 * nothing), then found and locked. */
	[S_PAY_INSERT] = { "pay_insert",
	    "INSERT INTO payments AS p (order_id, user_id, amount, currency, method) "
	    "VALUES ($1, $2, $3, $4, $5) "
	    "ON CONFLICT (order_id) WHERE status = 'PENDING' DO NOTHING "
	    "RETURNING " PAY_COLS, 5, false },
	[S_PAY_PENDING_LOCK] = { "pay_pending_lock",
	    "SELECT " PAY_COLS " FROM payments p "
	    "WHERE p.order_id = $1 AND p.status = 'PENDING' FOR UPDATE", 1, false },
	/* A payment that makes another attempt wrong: paid, refunded, or
	 * authorised and waiting for its capture.  Paid ones first. */
	[S_PAY_ORDER_SETTLED] = { "pay_order_settled",
	    "SELECT p.id, p.status FROM payments p "
	    "WHERE p.order_id = $1 AND p.status IN ('PROCESSING', 'SUCCESS', 'REFUNDED') "
	    "ORDER BY p.status = 'PROCESSING', p.created_at DESC LIMIT 1", 1, false },
	[S_PAY_SET_CHECKOUT] = { "pay_set_checkout",
	    "UPDATE payments p SET razorpay_order_id = coalesce($2, p.razorpay_order_id), "
	    "method = coalesce($3, p.method), updated_at = now() "
	    "WHERE p.id = $1 RETURNING " PAY_COLS, 3, false },
	[S_PAY_GET] = { "pay_get",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.id = $1", 1, true },
	[S_PAY_LOCK] = { "pay_lock",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.id = $1 FOR UPDATE", 1, false },
	[S_PAY_BY_RZP_ORDER] = { "pay_by_rzp_order",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.razorpay_order_id = $1", 1, true },
	[S_PAY_LOCK_RZP_ORDER] = { "pay_lock_rzp_order",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.razorpay_order_id = $1 FOR UPDATE",
	    1, false },
	[S_PAY_LOCK_RZP_PAYMENT] = { "pay_lock_rzp_payment",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.razorpay_payment_id = $1 "
	    "ORDER BY p.created_at DESC LIMIT 1 FOR UPDATE", 1, false },
	[S_PAY_OF_ORDER] = { "pay_of_order",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.order_id = $1 "
	    "ORDER BY p.created_at DESC, p.id DESC", 1, true },
	/* One row even for an empty page (id NULL), so total is always there.
	 * $1 user or NULL, $2 status or NULL, $3 skip, $4 take. */
	[S_PAY_LIST] = { "pay_list",
	    "SELECT c.total, s.* FROM "
	    "(SELECT count(*) AS total FROM payments p WHERE " PAY_FILTER ") c "
	    "LEFT JOIN LATERAL (SELECT " PAY_COLS " FROM payments p WHERE " PAY_FILTER
	    " ORDER BY p.created_at DESC, p.id DESC OFFSET $3 LIMIT $4) s ON true", 4, true },
	/* $2 the status the caller saw under its row lock, $3 the new one. */
	[S_PAY_TRANSITION] = { "pay_transition",
	    "UPDATE payments p SET status = $3::text, "
	    "razorpay_payment_id = coalesce($4, p.razorpay_payment_id), "
	    "method = coalesce($5, p.method), failure_reason = $6, "
	    "paid_at = CASE WHEN $3::text = 'SUCCESS' THEN now() ELSE p.paid_at END, "
	    "updated_at = now() WHERE p.id = $1 AND p.status = $2 RETURNING " PAY_COLS,
	    6, false },
	[S_PAY_ADD_REFUND] = { "pay_add_refund",
	    "UPDATE payments p SET amount_refunded = p.amount_refunded + $2::bigint, "
	    "status = CASE WHEN p.amount_refunded + $2::bigint = p.amount THEN 'REFUNDED' "
	    "ELSE p.status END, updated_at = now() "
	    "WHERE p.id = $1 AND p.status = 'SUCCESS' "
	    "AND p.amount_refunded + $2::bigint <= p.amount RETURNING " PAY_COLS, 2, false },
	/* Nothing when the Razorpay refund id (or our idempotency key) is
	 * already recorded. */
	[S_REFUND_INSERT] = { "refund_insert",
	    "INSERT INTO refunds AS f (payment_id, razorpay_refund_id, amount, currency, "
	    "status, idempotency_key, notes) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) "
	    "ON CONFLICT DO NOTHING RETURNING " REFUND_COLS, 7, false },
	/* pending -> processed | failed; both are final. */
	[S_REFUND_SET_STATUS] = { "refund_set_status",
	    "UPDATE refunds f SET status = $2::text, updated_at = now() "
	    "WHERE f.razorpay_refund_id = $1 AND f.status = 'PENDING' "
	    "AND $2::text <> 'PENDING' RETURNING " REFUND_COLS, 2, false },
	[S_REFUNDS_OF] = { "refunds_of",
	    "SELECT " REFUND_COLS " FROM refunds f WHERE f.payment_id = $1 "
	    "ORDER BY f.created_at, f.id", 1, true },
	/* Inside the effect's transaction: a concurrent identical delivery
	 * waits on the key, then finds it taken. */
	[S_WEBHOOK_CLAIM] = { "webhook_claim",
	    "INSERT INTO webhook_events (event_id, event) VALUES ($1, $2) "
	    "ON CONFLICT (event_id) DO NOTHING RETURNING event_id", 2, false },
	[S_REFUND_BY_RZP] = { "refund_by_rzp",
	    "SELECT " REFUND_COLS " FROM refunds f WHERE f.razorpay_refund_id = $1", 1, false },
	/* reconcile.c: one run at a time per database (a session lock, held
	 * between requests' transactions, released by the run or with the
	 * connection). */
	/* The payments to ask Razorpay about: PENDING or PROCESSING for
	 * longer than $1 seconds (and created within 30 days: an older
	 * checkout is abandoned), FAILED within the last day (a late
	 * authorisation can still capture); the ones never looked at first,
	 * then the ones looked at longest ago (abandoned checkouts stay due
	 * and must not take every run's places).  $2 at most. */
	[S_RECONCILE_DUE] = { "reconcile_due",
	    "SELECT " PAY_COLS " FROM payments p WHERE p.razorpay_order_id IS NOT NULL AND "
	    "((p.status IN ('PENDING', 'PROCESSING') "
	    "AND p.created_at < now() - $1::int * interval '1 second' "
	    "AND p.created_at > now() - interval '30 days') "
	    "OR (p.status = 'FAILED' AND p.updated_at > now() - interval '24 hours')) "
	    "ORDER BY p.reconciled_at NULLS FIRST, p.created_at, p.id LIMIT $2", 2, true },
	[S_RECONCILE_MARK] = { "reconcile_mark",
	    "UPDATE payments SET reconciled_at = now() WHERE id = $1", 1, false },
	/* refunds.c, before it asks Razorpay for a refund: should the answer
	 * be lost, the reconcile job reads the payment's refunds later. */
	[S_PAY_REFUND_ASKED] = { "pay_refund_asked",
	    "UPDATE payments SET refund_asked_at = now() WHERE id = $1", 1, false },
	/* reconcile_refunds.c: payments with a refund PENDING for longer
	 * than $1 seconds, or a refund call that old whose answer may be
	 * lost; rotated as the payments are.  $2 at most.  pending: the
	 * PENDING refunds of each. */
	[S_RECONCILE_REFUNDS_DUE] = { "reconcile_refunds_due",
	    "SELECT p.id, p.razorpay_payment_id, p.refund_asked_at::text AS refund_asked_at, "
	    "(SELECT count(*) FROM refunds f WHERE f.payment_id = p.id "
	    "AND f.status = 'PENDING') AS pending "
	    "FROM payments p WHERE p.razorpay_payment_id IS NOT NULL AND "
	    "((p.status IN ('SUCCESS', 'REFUNDED') "
	    "AND p.refund_asked_at < now() - $1::int * interval '1 second') "
	    "OR EXISTS (SELECT 1 FROM refunds f WHERE f.payment_id = p.id "
	    "AND f.status = 'PENDING' AND f.created_at < now() - $1::int * interval '1 second')) "
	    "ORDER BY p.reconciled_at NULLS FIRST, p.created_at, p.id LIMIT $2", 2, true },
	/* Razorpay's refunds of payment $1 were read and applied: a refund
	 * call asked at $2 (the due row's value) has its answer; one asked
	 * since stays due. */
	[S_RECONCILE_REFUNDS_SEEN] = { "reconcile_refunds_seen",
	    "UPDATE payments SET reconciled_at = now(), refund_asked_at = CASE "
	    "WHEN refund_asked_at = $2::timestamptz THEN NULL ELSE refund_asked_at END "
	    "WHERE id = $1", 2, false },
};

static const struct route routes[] = {
	{ "GET",  "/payments/health",                ROUTE_PUBLIC, server_health, 0, NULL },
	/* Razorpay signs it; no token. */
	{ "POST", "/payments/webhook",               ROUTE_PUBLIC, webhook_post, 0, NULL },
	{ "POST", "/payments/verify",                ROLE_ANY,     checkout_verify, 0, NULL },
	{ "POST", "/payments/razorpay/create-order", ROLE_ANY,     checkout_create_order, 0, NULL },
	{ "GET",  "/payments/order/:orderId",        ROLE_ANY,     payments_of_order, 0, NULL },
	{ "GET",  "/payments",                       ROLE_ANY,     payments_list,
	  0, payments_list_query },
	{ "POST", "/payments",                       ROLE_ANY,     payments_create, 0, NULL },
	{ "GET",  "/payments/:id",                   ROLE_ANY,     payments_get, 0, NULL },
	{ "POST", "/payments/:id/refund",            ROLE_ADMIN,   refunds_create, 0, NULL },
	/* Cron, through the internal listener only. */
	{ "POST", "/internal/payment/jobs/reconcile", ROUTE_PUBLIC, jobs_reconcile,
	  ROUTE_INTERNAL, NULL },
};

static const struct service payment = {
	.name = "payment",
	.routes = routes,
	.nroutes = sizeof routes / sizeof routes[0],
	.stmts = payment_stmts,
	.nstmts = S__MAX,
	.cli = NULL,
	.audit = &payment_audit,
};

int
main(int argc, char **argv)
{
	return server_main(argc, argv, &payment);
}
