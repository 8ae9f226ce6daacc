/* The wallet service through the gateway and its internal listener: the
 * suite it_wallet, one file per concern (wallet.h lists them): the
 * contract's shapes, ownership, the events (each applied once, in any
 * order), payouts, the release and settlement jobs, the cron runner, and
 * one order's commission end to end through the order service and the
 * relay.
 *
 * Events are posted as the relay posts them.  Each case uses its own fresh
 * reseller, so balances start at zero.  Money is compared as the exact
 * JSON text the server wrote ("300.00") and as paise in wallet_db.  This
 * file: the users and the helpers the files share. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "wallet.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *admin;
struct t_user customer;
/* Every reseller registered, freed at the end. */
static struct t_user sellers[64];
static int nsellers;

/* A fresh reseller (registered through auth; its token is real). */
struct t_user
seller_new(void)
{
	struct t_user u = t_register("RESELLER", "wallet-user");
	if (u.id != NULL && nsellers < (int)(sizeof sellers / sizeof sellers[0]))
		sellers[nsellers++] = u;
	return u;
}

char *
uuid(char out[37])
{
	crypto_uuid4(out);
	return out;
}

/* Posts an event as the relay does; event_id NULL: a new one. */
long
event_post(struct resp *rs, const char *event_id, const char *type, const char *payload)
{
	char id[37];
	return t_event_post(rs, "wallet", event_id ? event_id : uuid(id), type, payload);
}

/* Posts an event and checks the acknowledgement's status. */
void
event_expect(const char *event_id, const char *type, const char *payload, const char *status)
{
	struct resp rs;
	event_post(&rs, event_id, type, payload);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "status"), status);
	t_resp_free(&rs);
}

void
paid(const char *order, const char *seller, long long commission, long long total)
{
	char p[400];
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"shareLinkId\":null,\"paymentId\":null,\"currency\":\"INR\",\"totalPaise\":%lld,"
	    "\"commissionPaise\":%lld}", order, customer.id, seller, total, commission);
	event_expect(NULL, "ORDER_PAID", p, "applied");
}

void
order_fact(const char *type, const char *order, const char *seller, const char *status)
{
	char p[300];
	snprintf(p, sizeof p, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":\"%s\","
	    "\"currency\":\"INR\",\"totalPaise\":0,\"commissionPaise\":0}", order, customer.id,
	    seller);
	event_expect(NULL, type, p, status);
}

void
refunded(const char *order, long long refunded_paise, bool full, const char *status)
{
	char p[300];
	snprintf(p, sizeof p, "{\"paymentId\":\"%s\",\"orderId\":\"%s\",\"userId\":\"%s\","
	    "\"refundId\":\"rfnd_x\",\"amountPaise\":300000,\"refundedPaise\":%lld,"
	    "\"full\":%s,\"currency\":\"INR\"}", order, order, customer.id, refunded_paise,
	    full ? "true" : "false");
	event_expect(NULL, "PAYMENT_REFUNDED", p, status);
}

long
wallet_get(struct resp *rs, const char *seller, const char *token)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s", seller);
	return t_get(rs, url, token);
}

void
wallet_check_at(const char *seller, const char *p, const char *a, const char *e,
    const char *o, const char *file, int line)
{
	struct resp rs;
	wallet_get(&rs, seller, admin);
	if (t_check_status(&rs, 200, file, line)) {
		t_check_str(t_jtext(rs.json, "pendingBalance"), p, "pendingBalance", file, line);
		t_check_str(t_jtext(rs.json, "availableBalance"), a, "availableBalance", file,
		    line);
		t_check_str(t_jtext(rs.json, "totalEarnings"), e, "totalEarnings", file, line);
		t_check_str(t_jtext(rs.json, "owed"), o, "owed", file, line);
	}
	t_resp_free(&rs);
}

long long
tx_count(const char *seller, const char *type)
{
	return t_db_count(WALLET_DB, "SELECT count(*) FROM wallet_transactions t JOIN wallets w "
	    "ON w.id = t.wallet_id WHERE w.seller_id = $1 AND t.type = $2", seller, type,
	    (char *)NULL);
}

/* The available balance is the sum of its ledger rows; owed is the sum of
 * the OWED rows less the deductions (OWED_DEDUCTED rows record available,
 * which they take from); nothing is negative. */
void
ledger_consistent(const char *seller)
{
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallets w WHERE seller_id = $1 AND "
	    "available = (SELECT coalesce(sum(amount), 0) FROM wallet_transactions "
	    "WHERE wallet_id = w.id AND balance = 'AVAILABLE') AND "
	    "owed = (SELECT coalesce(sum(amount), 0) FROM wallet_transactions "
	    "WHERE wallet_id = w.id AND (balance = 'OWED' OR type = 'OWED_DEDUCTED')) "
	    "AND pending >= 0 AND available >= 0 "
	    "AND owed >= 0", seller, (char *)NULL), 1);
}

long
payout_post(struct resp *rs, const char *seller, const char *token, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s/payouts", seller);
	return t_send_json(rs, "POST", url, token, json);
}

long
payout_patch(struct resp *rs, const char *id, const char *token, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/payouts/%s", id);
	return t_send_json(rs, "PATCH", url, token, json);
}

/* A payout of u with request body json (201 checked); its id (malloc'd)
 * or NULL. */
char *
payout_new_body(const struct t_user *u, const char *json)
{
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s/payouts", u->id);
	return t_create(url, u->token, json);
}

/* A payout of amount ("100.00") for u; its id (malloc'd) or NULL. */
char *
payout_new(const struct t_user *u, const char *amount)
{
	char body[200];
	snprintf(body, sizeof body, "{\"amount\":%s,\"bankAccount\":\"HDFC0001234 / 50100012341234\","
	    "\"notes\":\"Monthly payout\"}", amount);
	return payout_new_body(u, body);
}

/* A reseller whose available balance is commission (paise) from one
 * delivered order. */
struct t_user
seller_with_available(long long commission)
{
	struct t_user u = seller_new();
	char order[37];
	if (u.id == NULL)
		return u;
	uuid(order);
	paid(order, u.id, commission, commission * 10);
	order_fact("ORDER_DELIVERED", order, u.id, "applied");
	return u;
}

static int
suite_init(void)
{
	admin = t_token(ROLE_ADMIN, "wallet-admin@example.com");
	customer = t_register("CUSTOMER", "wallet-user");
	return admin && customer.token ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(customer.token);
	free(customer.id);
	for (int i = 0; i < nsellers; i++) {
		free(sellers[i].token);
		free(sellers[i].id);
	}
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&wallet_wallets_suite,
	&wallet_events_suite,
	&wallet_payouts_suite,
	&wallet_jobs_suite,
};

int
main(void)
{
	return t_run_suites("wallet", suites, T_NCASES(suites), suite_init, suite_clean);
}
