/* it_wallet: the events the wallet consumes, each applied once in any
 * order: ORDER_PAID credits pending, delivery releases it, cancellations
 * and refunds before and after either (a refund after a payout becomes
 * owed); the ledger refusing changes; one order's commission end to end
 * through the order service and the relay. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "wallet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ORDER_PAID credits pending once: the same event again and another event
 * for the same order change nothing. */
static void
paid_credits_once(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37], ev[37], p[400];
	uuid(order);
	uuid(ev);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":30000}", order,
	    customer.id, u.id);
	event_expect(ev, "ORDER_PAID", p, "applied");
	event_expect(ev, "ORDER_PAID", p, "duplicate");
	event_expect(NULL, "ORDER_PAID", p, "duplicate");
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	struct resp rs;
	wallet_get(&rs, u.id, u.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(t_jstr(rs.json, "id") != NULL && strlen(t_jstr(rs.json, "id")) == 36);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), u.id);
	}
	t_resp_free(&rs);
	char url[160];
	snprintf(url, sizeof url, "/wallets/%s/transactions?skip=0&take=20", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "1");
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "COMMISSION_CREATED");
		T_JSON_EQ(&rs, "data.0.amount", "300.00");
		T_JSON_EQ(&rs, "data.0.balanceBefore", "0.00");
		T_JSON_EQ(&rs, "data.0.balanceAfter", "300.00");
		T_ASSERT(t_contains(t_jstr(rs.json, "data.0.description"), order));
		T_ASSERT(t_jstr(rs.json, "data.0.id") != NULL);
		T_ASSERT(t_jstr(rs.json, "data.0.createdAt") != NULL);
	}
	t_resp_free(&rs);
	T_EQ_INT(tx_count(u.id, "COMMISSION_CREATED"), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1 "
	    "AND commission = 30000 AND total = 300000", order, (char *)NULL), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM inbox WHERE event_id = $1", ev,
	    (char *)NULL), 1);
}

static void
events_ignored_and_bad(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37], p[400];
	uuid(order);
	/* No seller, no commission, the seller buying from themself. */
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":null,"
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":30000}", order,
	    customer.id);
	event_expect(NULL, "ORDER_PAID", p, "ignored");
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":0}", order,
	    customer.id, u.id);
	event_expect(NULL, "ORDER_PAID", p, "ignored");
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":300000,\"commissionPaise\":30000}", order, u.id,
	    u.id);
	event_expect(NULL, "ORDER_PAID", p, "ignored");
	event_expect(NULL, "ORDER_SHIPPED", "{}", "ignored");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1",
	    order, (char *)NULL), 0);

	/* Malformed: 400, so the relay retries and then parks them. */
	struct resp rs;
	event_post(&rs, NULL, "ORDER_PAID", "{\"sellerId\":null}");
	T_ERROR(&rs, 400, "orderId");
	t_resp_free(&rs);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"sellerId\":\"%s\",\"currency\":\"INR\","
	    "\"totalPaise\":1}", order, u.id);
	event_post(&rs, NULL, "ORDER_PAID", p);
	T_ERROR(&rs, 400, "commissionPaise");
	t_resp_free(&rs);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"sellerId\":\"%s\",\"currency\":\"rupees\","
	    "\"totalPaise\":1,\"commissionPaise\":1}", order, u.id);
	event_post(&rs, NULL, "ORDER_PAID", p);
	T_ERROR(&rs, 400, "currency");
	t_resp_free(&rs);
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"refundedPaise\":-5}", order);
	event_post(&rs, NULL, "PAYMENT_REFUNDED", p);
	T_ERROR(&rs, 400, "refundedPaise");
	t_resp_free(&rs);
	char url[300];
	snprintf(url, sizeof url, "%s/internal/wallet/events", t_env("INTERNAL_URL"));
	t_send_json(&rs, "POST", url, NULL, "{\"type\":\"ORDER_PAID\"}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
}

/* COMMISSION_HOLD_DAYS is 0 in the test stack: delivery releases at once. */
static void
delivered_releases(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	order_fact("ORDER_DELIVERED", order, u.id, "duplicate");
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	struct resp rs;
	char url[160];
	snprintf(url, sizeof url, "/wallets/%s/transactions", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "2");
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "COMMISSION_RELEASED");   /* newest first */
		T_EQ_STR(t_jstr(rs.json, "data.0.balance"), "AVAILABLE");
		T_JSON_EQ(&rs, "data.0.amount", "300.00");
		T_JSON_EQ(&rs, "data.0.balanceBefore", "0.00");
		T_JSON_EQ(&rs, "data.0.balanceAfter", "300.00");
		T_EQ_STR(t_jstr(rs.json, "data.1.type"), "COMMISSION_CREATED");
	}
	t_resp_free(&rs);
	/* Paging. */
	snprintf(url, sizeof url, "/wallets/%s/transactions?skip=1&take=1", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "total", "2");
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "COMMISSION_CREATED");
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/wallets/%s/transactions?take=0", u.id);
	t_get(&rs, url, u.token);
	T_ERROR(&rs, 400, "take");
	t_resp_free(&rs);
	ledger_consistent(u.id);
}

static void
cancel_before_release(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_CANCELLED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	order_fact("ORDER_CANCELLED", order, u.id, "duplicate");
	refunded(order, 300000, true, "applied");      /* the fact is new, nothing left */
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_REVERSED"), 1);
	T_EQ_INT(tx_count(u.id, "COMMISSION_RELEASED"), 0);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'COMMISSION_REVERSED' AND "
	    "t.balance = 'PENDING' AND t.amount = -30000 AND t.balance_before = 30000 AND "
	    "t.balance_after = 0", u.id, (char *)NULL), 1);
}

static void
cancel_after_release(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	paid(order, u.id, 30000, 300000);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	order_fact("ORDER_CANCELLED", order, u.id, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'COMMISSION_REVERSED' AND "
	    "t.balance = 'AVAILABLE' AND t.amount = -30000", u.id, (char *)NULL), 1);
	ledger_consistent(u.id);
}

/* Cancellation and a full refund before the commission is credited: the
 * credit is taken back as it arrives. */
static void
refund_before_paid(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	uuid(order);
	refunded(order, 300000, true, "applied");
	paid(order, u.id, 30000, 300000);
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_CREATED"), 1);
	T_EQ_INT(tx_count(u.id, "COMMISSION_REVERSED"), 1);
}

/* Partial refunds reverse commission * refunded / total (rounded down),
 * from the largest refundedPaise seen, whatever their order. */
static void
partial_refunds_order_independent(void)
{
	struct t_user u = seller_new(), v = seller_new();
	T_REQUIRE(u.id != NULL && v.id != NULL);
	char a[37], b[37];
	uuid(a);
	uuid(b);
	paid(a, u.id, 30000, 300000);
	paid(b, v.id, 30000, 300000);
	refunded(a, 100000, false, "applied");
	T_WALLET(u.id, "200.00", "0.00", "200.00", "0.00");
	refunded(a, 200000, false, "applied");
	refunded(b, 200000, false, "applied");
	refunded(b, 100000, false, "duplicate");       /* smaller than seen: nothing */
	T_WALLET(u.id, "100.00", "0.00", "100.00", "0.00");
	T_WALLET(v.id, "100.00", "0.00", "100.00", "0.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_REVERSED"), 2);
	T_EQ_INT(tx_count(v.id, "COMMISSION_REVERSED"), 1);
	/* The rest refunded in full: all of it. */
	refunded(a, 300000, true, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "0.00");

	/* Rounding: 10.01 of commission, a third of 30.00 refunded -> 3.33
	 * reversed (333.67 paise rounded down), 6.68 left. */
	struct t_user w = seller_new();
	T_REQUIRE(w.id != NULL);
	char c[37];
	uuid(c);
	paid(c, w.id, 1001, 3000);
	refunded(c, 1000, false, "applied");
	T_WALLET(w.id, "6.68", "0.00", "6.68", "0.00");
	/* Delivered after a partial refund: what is left is released. */
	order_fact("ORDER_DELIVERED", c, w.id, "applied");
	T_WALLET(w.id, "0.00", "6.68", "6.68", "0.00");
	refunded(c, 3000, false, "applied");           /* the whole total: all of it */
	T_WALLET(w.id, "0.00", "0.00", "0.00", "0.00");
	ledger_consistent(w.id);
}

/* A refund after the commission was paid out: available cannot cover it,
 * so the rest is owed (never a negative balance) and the next release pays
 * it first. */
static void
refund_after_payout_owed(void)
{
	struct t_user u = seller_with_available(30000);
	T_REQUIRE(u.id != NULL);
	char *payout = payout_new(&u, "250.00");
	T_REQUIRE(payout != NULL);
	T_WALLET(u.id, "0.00", "50.00", "300.00", "0.00");
	char order[37];
	char *o = t_db_value(WALLET_DB, "SELECT o.order_id FROM wallet_orders o JOIN wallets w "
	    "ON w.id = o.wallet_id WHERE w.seller_id = $1", u.id, (char *)NULL);
	T_REQUIRE(o != NULL);
	snprintf(order, sizeof order, "%s", o);
	free(o);
	refunded(order, 300000, true, "applied");
	T_WALLET(u.id, "0.00", "0.00", "0.00", "250.00");
	T_EQ_INT(tx_count(u.id, "COMMISSION_OWED"), 1);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = 'COMMISSION_OWED' AND "
	    "t.balance = 'OWED' AND t.amount = 25000 AND t.balance_before = 0 AND "
	    "t.balance_after = 25000", u.id, (char *)NULL), 1);
	/* The payout row was not touched. */
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_payouts WHERE id = $1 AND "
	    "amount = 25000 AND status = 'PENDING'", payout, (char *)NULL), 1);

	/* The next commission: 400.00 released, 250.00 of it pays what is owed. */
	char next[37];
	uuid(next);
	paid(next, u.id, 40000, 400000);
	order_fact("ORDER_DELIVERED", next, u.id, "applied");
	T_WALLET(u.id, "0.00", "150.00", "400.00", "0.00");
	T_EQ_INT(tx_count(u.id, "OWED_DEDUCTED"), 1);
	ledger_consistent(u.id);
	free(payout);
}

/* The ledger refuses changes to its rows. */
static void
ledger_rows_immutable(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	char order[37];
	paid(uuid(order), u.id, 500, 5000);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_transactions SET amount = 1 WHERE order_id = $1",
	    order, (char *)NULL), -1);
	T_EQ_INT(t_db_write(WALLET_DB, "DELETE FROM wallet_transactions WHERE order_id = $1",
	    order, (char *)NULL), -1);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallets SET available = -1 WHERE seller_id = $1",
	    u.id, (char *)NULL), -1);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_orders SET reversed = 501 WHERE order_id = $1",
	    order, (char *)NULL), -1);
	T_WALLET(u.id, "5.00", "0.00", "5.00", "0.00");
}

static char *
product_create(const char *base, int stock)
{
	char members[200];
	snprintf(members, sizeof members, "\"basePrice\":%s,\"stock\":%d", base, stock);
	return t_product_new(admin, "wallet-product", members, NULL);
}

/* Polls the wallet until member is want, for at most 15 s. */
static void
wait_wallet(const char *seller, const char *member, const char *want)
{
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/wallets/%s", seller);
	t_wait_json(&rs, url, admin, member, want, 15);
	T_EQ_STR(rs.status == 200 ? t_jtext(rs.json, member) : NULL, want);
	t_resp_free(&rs);
}

static void
status_set(const char *order, const char *status)
{
	struct resp rs;
	t_order_status_set(&rs, admin, order, status, NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
e2e_order_paid_then_delivered(void)
{
	struct t_user u = seller_new();
	char *product = product_create("1000.00", 100);
	T_REQUIRE(u.id != NULL && product != NULL);
	char body[600];
	snprintf(body, sizeof body, "{\"userId\":\"%s\",\"sellerId\":\"%s\",\"items\":[{"
	    "\"productId\":\"%s\",\"quantity\":2,\"sellerPrice\":1500.00}]}", customer.id, u.id,
	    product);
	struct resp rs;
	t_send_json(&rs, "POST", "/orders", customer.token, body);
	char order[40] = "";
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id")) {
		snprintf(order, sizeof order, "%s", t_jstr(rs.json, "id"));
		T_JSON_EQ(&rs, "commission", "300.00");
	}
	t_resp_free(&rs);
	T_REQUIRE(order[0] != '\0');
	status_set(order, "PAID");
	wait_wallet(u.id, "pendingBalance", "300.00");
	T_WALLET(u.id, "300.00", "0.00", "300.00", "0.00");
	status_set(order, "SHIPPED");
	status_set(order, "DELIVERED");
	wait_wallet(u.id, "availableBalance", "300.00");
	T_WALLET(u.id, "0.00", "300.00", "300.00", "0.00");
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_orders WHERE order_id = $1 AND "
	    "commission = 30000 AND total = 300000 AND released_at IS NOT NULL", order,
	    (char *)NULL), 1);
	free(product);
}

static const struct t_case cases[] = {
	T_CASE(paid_credits_once),
	T_CASE(events_ignored_and_bad),
	T_CASE(delivered_releases),
	T_CASE(cancel_before_release),
	T_CASE(cancel_after_release),
	T_CASE(refund_before_paid),
	T_CASE(partial_refunds_order_independent),
	T_CASE(refund_after_payout_owed),
	T_CASE(ledger_rows_immutable),
	T_CASE(e2e_order_paid_then_delivered),
};

const struct t_suite wallet_events_suite = T_SUITE("events", cases);
