/* The audit (cron/audit.c, `make audit`): the books across services.
 *
 * A whole purchase runs through the gateway: a reseller's share link, two
 * orders from a customer through it, both paid through the Razorpay
 * stand-in (checkout, payment, webhook), one shipped and delivered (the
 * commission becomes available), a partial refund of it (the wallet
 * reverses its share), a payout requested, approved and settled into a bank
 * file, and a third order cancelled before payment (its stock comes back).
 * The audit over what this suite did (--since the suite's start, --grace
 * 0) then finds nothing: exit 0, "0 discrepancies".
 *
 * Then one fault at a time is planted with a service's own role, as a
 * superuser or a bug could, and the audit must name it with its ids and
 * exit 1; each is undone before the next: a ledger row's amount changed
 * (its immutability trigger disabled for the change), a payment's amount
 * changed, an order's commission credit deleted, a reservation held for no
 * order.  Runs after every other suite (name order) but the rate limit. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "../lib/pay.h"
#include "crypto.h"
#include "valid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORDER_DB "ORDER_DATABASE_URL"
#define PAY_DB "PAYMENT_DATABASE_URL"
#define PRODUCT_DB "PRODUCT_DATABASE_URL"
#define WALLET_DB "WALLET_DATABASE_URL"

static char *admin;
static struct t_user customer, reseller;
static char *product, link_id[37];
static double t_start;
/* The orders of the flow: paid through the link and delivered, then
 * partly refunded (a); paid through the link (b); cancelled (c). */
static char order_a[37], order_b[37], order_c[37], payment_a[37];

/* ---- the flow ---- */

static bool
order_new(char out[37], bool through_link)
{
	char body[600], extra[120] = "";
	struct resp rs;
	if (through_link)
		snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", link_id);
	else
		snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", reseller.id);
	snprintf(body, sizeof body, "{%s\"items\":[{\"productId\":\"%s\",\"quantity\":2,"
	    "\"sellerPrice\":1500.00}]}", extra, product);
	t_send_json(&rs, "POST", "/orders", customer.token, body);
	bool ok = T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL;
	if (ok)
		snprintf(out, 37, "%s", t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return ok;
}

/* Checkout, the customer pays in the stand-in, Razorpay's webhook. */
static bool
order_pay(const char *order, char payment[37])
{
	struct t_checkout co;
	char rzp_pay[64];
	struct resp rs;
	if (!t_checkout(customer.token, order, &co))
		return false;
	if (payment != NULL)
		t_copy(payment, 37, co.pay);
	if (!t_stub_pay(co.rzp_order, "captured", 0, rzp_pay, NULL))
		return false;
	t_stub_hook(&rs, "payment.captured", rzp_pay, "");
	bool ok = rs.status == 200;
	t_resp_free(&rs);
	return ok;
}

static bool
set_status(const char *order, const char *status)
{
	struct resp rs;
	t_order_status_set(&rs, admin, order, status, NULL);
	bool ok = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	return ok;
}

/* Polls sql (one value) on db until it reads want, for up to 15 s. */
static bool
wait_value(const char *db, const char *want, const char *sql, const char *p1)
{
	return T_ASSERT(t_db_wait(db, want, 15000, sql, p1, (char *)NULL));
}

/* Every event of the flow delivered: no outbox has a PENDING row. */
static bool
drained(void)
{
	const char *dbs[] = { ORDER_DB, PAY_DB, WALLET_DB, PRODUCT_DB };
	char since[32];
	snprintf(since, sizeof since, "%ld", (long)(t_now() - t_start) + 2);
	for (size_t i = 0; i < 4; i++)
		if (!wait_value(dbs[i], "0", "SELECT count(*) FROM outbox WHERE status = 'PENDING' "
		    "AND created_at > now() - make_interval(secs => $1::int)", since))
			return false;
	return true;
}

/* ---- running the audit ---- */

/* Runs the audit over this suite's window; its exit status, its output
 * in out. */
static int
audit(char *out, size_t n)
{
	char cmd[600];
	long since = (long)(t_now() - t_start) + 2;
	snprintf(cmd, sizeof cmd, "\"%s/audit\" --grace 0 --since %ld 2>&1", t_env("BIN_DIR"),
	    since);
	int st = t_shell(cmd, out, n);
	printf("    %s", out);
	return st;
}

/* The audit exits 1 and one of its lines has both words. */
static void
audit_finds(const char *what, const char *id)
{
	char out[16384];
	T_EQ_INT(audit(out, sizeof out), 1);
	bool found = false;
	for (char *line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n"))
		found = found || (strstr(line, what) != NULL && strstr(line, id) != NULL);
	if (!found)
		T_FAIL("no \"%s\" line names %s", what, id);
}

static void
audit_clean(void)
{
	char out[16384];
	T_EQ_INT(audit(out, sizeof out), 0);
	T_ASSERT(strstr(out, " 0 discrepancies") != NULL);
}

/* ---- cases ---- */

/* The catalog and the reseller's link the flow sells through. */
static bool
catalog_and_link(void)
{
	char body[300];
	char name[80];
	t_unique(name, sizeof name, "audit-product");
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"basePrice\":1000.00,\"stock\":50}", name);
	product = t_create("/products", admin, body);
	if (product == NULL)
		return false;
	snprintf(body, sizeof body, "{\"productId\":\"%s\"}", product);
	char *link = t_create("/share-links", reseller.token, body);
	if (link == NULL)
		return false;
	snprintf(link_id, sizeof link_id, "%s", link);
	free(link);
	return true;
}

static void
clean_after_the_whole_flow(void)
{
	char url[200], body[300], payment_b[37];
	struct resp rs;
	T_REQUIRE(catalog_and_link());
	T_REQUIRE(order_new(order_a, true) && order_new(order_b, true) &&
	    order_new(order_c, false));
	T_REQUIRE(order_pay(order_a, payment_a) && order_pay(order_b, payment_b));
	T_REQUIRE(wait_value(ORDER_DB, "PAID", "SELECT status FROM orders WHERE id = $1",
	    order_a));
	T_REQUIRE(wait_value(ORDER_DB, "PAID", "SELECT status FROM orders WHERE id = $1",
	    order_b));
	T_REQUIRE(set_status(order_a, "SHIPPED") && set_status(order_a, "DELIVERED"));
	T_REQUIRE(set_status(order_c, "CANCELLED"));
	/* Both commissions credited (600.00), a's released: 300.00 each. */
	T_REQUIRE(wait_value(WALLET_DB, "30000", "SELECT available FROM wallets "
	    "WHERE seller_id = $1", reseller.id));
	T_REQUIRE(wait_value(WALLET_DB, "30000", "SELECT pending FROM wallets "
	    "WHERE seller_id = $1", reseller.id));
	/* 1000.00 of a's 3000.00 refunded: the wallet takes back 100.00. */
	snprintf(url, sizeof url, "/payments/%s/refund", payment_a);
	t_send_json(&rs, "POST", url, admin, "{\"amount\":1000.00}");
	T_STATUS(&rs, 201);
	t_resp_free(&rs);
	T_REQUIRE(wait_value(WALLET_DB, "20000", "SELECT available FROM wallets "
	    "WHERE seller_id = $1", reseller.id));
	/* A payout of 150.00, approved and settled into a bank file. */
	snprintf(url, sizeof url, "/wallets/%s/payouts", reseller.id);
	char *payout = t_create(url, reseller.token, "{\"amount\":150.00,"
	    "\"bankAccount\":\"HDFC0001234 / 50100012341234\"}");
	T_REQUIRE(payout != NULL);
	snprintf(url, sizeof url, "/wallets/payouts/%s", payout);
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"APPROVED\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	char out[600];
	T_EQ_INT(t_cron_job("", "wallet settle", out, sizeof out), 0);
	T_REQUIRE(wait_value(WALLET_DB, "COMPLETED", "SELECT status FROM wallet_payouts "
	    "WHERE id = $1", payout));
	T_REQUIRE(wait_value(PRODUCT_DB, "RELEASED", "SELECT status FROM reservations "
	    "WHERE order_id = $1", order_c));
	T_REQUIRE(drained());
	/* The link's stats: a's 3000.00 less 1000.00 refunded, and b's. */
	struct resp st;
	char *code = t_db_value("SHARE_LINK_DATABASE_URL", "SELECT code FROM share_links "
	    "WHERE id = $1", link_id, (char *)NULL);
	T_REQUIRE(code != NULL);
	snprintf(body, sizeof body, "/share-links/%s/stats", code);
	t_get(&st, body, reseller.token);
	if (T_STATUS(&st, 200)) {
		T_JSON_EQ(&st, "totalRevenue", "5000.00");
		T_EQ_INT(t_jint(st.json, "conversions", -1), 2);
	}
	t_resp_free(&st);
	free(code);
	free(payout);
	audit_clean();
}

static void
finds_ledger_row_changed(void)
{
	char *row = t_db_value(WALLET_DB, "SELECT id FROM wallet_transactions WHERE order_id = $1 "
	    "AND type = 'COMMISSION_CREATED'", order_a, (char *)NULL);
	T_REQUIRE(row != NULL);
	T_REQUIRE(t_db_write(WALLET_DB, "ALTER TABLE wallet_transactions DISABLE TRIGGER "
	    "wallet_transactions_immutable", (char *)NULL) >= 0);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_transactions SET amount = amount + 1, "
	    "balance_after = balance_after + 1 WHERE id = $1", row, (char *)NULL), 1);
	audit_finds("wallet_balance", reseller.id);
	audit_finds("commission_credit", order_a);
	T_EQ_INT(t_db_write(WALLET_DB, "UPDATE wallet_transactions SET amount = amount - 1, "
	    "balance_after = balance_after - 1 WHERE id = $1", row, (char *)NULL), 1);
	T_ASSERT(t_db_write(WALLET_DB, "ALTER TABLE wallet_transactions ENABLE TRIGGER "
	    "wallet_transactions_immutable", (char *)NULL) >= 0);
	audit_clean();
	free(row);
}

static void
finds_payment_amount_changed(void)
{
	T_EQ_INT(t_db_write(PAY_DB, "UPDATE payments SET amount = amount + 100 WHERE id = $1",
	    payment_a, (char *)NULL), 1);
	audit_finds("payment_amount", payment_a);
	T_EQ_INT(t_db_write(PAY_DB, "UPDATE payments SET amount = amount - 100 WHERE id = $1",
	    payment_a, (char *)NULL), 1);
	audit_clean();
}

static void
finds_credit_deleted(void)
{
	char sql[400];
	T_REQUIRE(valid_uuid(order_b));
	snprintf(sql, sizeof sql, "CREATE TABLE audit_plant AS SELECT * FROM wallet_transactions "
	    "WHERE order_id = '%s' AND type = 'COMMISSION_CREATED'", order_b);
	T_REQUIRE(t_db_write(WALLET_DB, sql, (char *)NULL) >= 0);
	T_ASSERT(t_db_write(WALLET_DB, "ALTER TABLE wallet_transactions DISABLE TRIGGER "
	    "wallet_transactions_immutable", (char *)NULL) >= 0);
	T_EQ_INT(t_db_write(WALLET_DB, "DELETE FROM wallet_transactions WHERE order_id = $1 "
	    "AND type = 'COMMISSION_CREATED'", order_b, (char *)NULL), 1);
	audit_finds("commission_credit", order_b);
	T_EQ_INT(t_db_write(WALLET_DB, "INSERT INTO wallet_transactions SELECT * FROM audit_plant",
	    (char *)NULL), 1);
	T_ASSERT(t_db_write(WALLET_DB, "DROP TABLE audit_plant", (char *)NULL) >= 0);
	T_ASSERT(t_db_write(WALLET_DB, "ALTER TABLE wallet_transactions ENABLE TRIGGER "
	    "wallet_transactions_immutable", (char *)NULL) >= 0);
	audit_clean();
}

static void
finds_reservation_without_order(void)
{
	char ghost[37];
	crypto_uuid4(ghost);
	T_EQ_INT(t_db_write(PRODUCT_DB, "INSERT INTO reservations (order_id, status, touched_at) "
	    "VALUES ($1, 'RESERVED', now() - interval '1 second')", ghost, (char *)NULL), 1);
	audit_finds("reservation_orphan", ghost);
	T_EQ_INT(t_db_write(PRODUCT_DB, "DELETE FROM reservations WHERE order_id = $1", ghost,
	    (char *)NULL), 1);
	audit_clean();
}

static void
usage_and_unreachable(void)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "\"%s/audit\" --grace -1 >/dev/null 2>&1", t_env("BIN_DIR"));
	int st = system(cmd);
	T_EQ_INT(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 2);
	snprintf(cmd, sizeof cmd, "INTERNAL_URL=http://127.0.0.1:9 \"%s/audit\" >/dev/null 2>&1",
	    t_env("BIN_DIR"));
	st = system(cmd);
	T_EQ_INT(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 3);
	struct resp rs;
	t_get(&rs, "/internal/wallet/audit", admin);
	T_EQ_INT(rs.status, 404);          /* not public */
	t_resp_free(&rs);
	snprintf(cmd, sizeof cmd, "%s/internal/order/audit?graceSeconds=-5", t_env("INTERNAL_URL"));
	t_get(&rs, cmd, NULL);
	T_ERROR(&rs, 400, "graceSeconds");
	t_resp_free(&rs);
}

static int
suite_init(void)
{
	t_start = t_now();
	if (t_env("RAZORPAY_STUB_PORT") == NULL)
		return -1;
	admin = t_token(ROLE_ADMIN, "audit-admin@example.com");
	customer = t_register("CUSTOMER", "audit");
	reseller = t_register("RESELLER", "audit");
	if (admin == NULL || customer.token == NULL || reseller.token == NULL)
		return -1;
	return 0;
}

static int
suite_clean(void)
{
	free(admin);
	free(product);
	t_user_free(&customer);
	t_user_free(&reseller);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(clean_after_the_whole_flow),
	T_CASE(finds_ledger_row_changed),
	T_CASE(finds_payment_amount_changed),
	T_CASE(finds_credit_deleted),
	T_CASE(finds_reservation_without_order),
	T_CASE(usage_and_unreachable),
};

int
main(void)
{
	return t_run("zy_audit", cases, T_NCASES(cases), suite_init, suite_clean);
}
