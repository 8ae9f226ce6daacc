/* it_wallet: GET /wallets/:sellerId: the contract's members for a new
 * seller, and who may read which wallet. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "wallet.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
wallet_health(void)
{
	struct resp rs;
	t_get(&rs, "/wallets/health", NULL);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "service"), "wallet");
	t_resp_free(&rs);
}

/* No commission yet: zeros, no id, the contract's members. */
static void
get_new_seller_zeros(void)
{
	struct t_user u = seller_new();
	T_REQUIRE(u.id != NULL);
	struct resp rs;
	wallet_get(&rs, u.id, u.token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "id", "null");
		T_EQ_STR(t_jstr(rs.json, "sellerId"), u.id);
		T_JSON_EQ(&rs, "pendingBalance", "0.00");
		T_JSON_EQ(&rs, "availableBalance", "0.00");
		T_JSON_EQ(&rs, "totalEarnings", "0.00");
		T_JSON_EQ(&rs, "owed", "0.00");
		T_EQ_STR(t_jstr(rs.json, "currency"), "INR");
	}
	t_resp_free(&rs);
	char url[120];
	snprintf(url, sizeof url, "/wallets/%s/transactions", u.id);
	t_get(&rs, url, u.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_JSON_EQ(&rs, "total", "0");
		T_JSON_EQ(&rs, "skip", "0");
		T_JSON_EQ(&rs, "take", "20");
	}
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(WALLET_DB, "SELECT count(*) FROM wallets WHERE seller_id = $1", u.id,
	    (char *)NULL), 0);
}

static void
ownership_403_401(void)
{
	struct t_user a = seller_new(), b = seller_new();
	T_REQUIRE(a.id != NULL && b.id != NULL);
	char url[160];
	struct resp rs;
	wallet_get(&rs, a.id, b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	wallet_get(&rs, a.id, customer.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	wallet_get(&rs, a.id, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	wallet_get(&rs, a.id, admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	wallet_get(&rs, "not-a-uuid", admin);
	T_ERROR(&rs, 400, "sellerId");
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/wallets/%s/transactions", a.id);
	t_get(&rs, url, b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	payout_post(&rs, a.id, b.token, "{\"amount\":1.00,\"bankAccount\":\"x\"}");
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* The list: a foreign sellerId is 403, a customer may not list. */
	snprintf(url, sizeof url, "/wallets/payouts?sellerId=%s", a.id);
	t_get(&rs, url, b.token);
	T_ERROR(&rs, 403, "sellerId");
	t_resp_free(&rs);
	t_get(&rs, "/wallets/payouts", customer.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* Internal routes are not on the public port. */
	t_http(&rs, "POST", "/internal/wallet/jobs/release", NULL, NULL, NULL, 0, (char *)NULL);
	T_ASSERT(rs.status == 404);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(wallet_health),
	T_CASE(get_new_seller_zeros),
	T_CASE(ownership_403_401),
};

const struct t_suite wallet_wallets_suite = T_SUITE("wallets", cases);
