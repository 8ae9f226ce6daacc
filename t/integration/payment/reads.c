/* it_payment: GET /payments/:id and /payments/order/:orderId: who sees
 * which payment (403s). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "../../lib/pay.h"
#include "payment.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ================= reads ================= */

static void
reads_ownership_403(void)
{
	struct t_checkout c;
	T_REQUIRE(t_checkout_new(cust_a.token, "1000.00", &c));
	char url[200];
	struct resp rs;
	snprintf(url, sizeof url, "/payments/%s", c.pay);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), c.pay);
		T_EQ_STR(t_jstr(rs.json, "orderId"), c.order);
		T_EQ_STR(t_jstr(rs.json, "razorpayOrderId"), c.rzp_order);
		T_JSON_EQ(&rs, "amount", "1000.00");
		T_JSON_EQ(&rs, "amountRefunded", "0.00");
		T_EQ_INT(t_jlen(rs.json, "refunds"), 0);
	}
	t_resp_free(&rs);
	t_get(&rs, url, cust_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, url, admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/payments/not-a-uuid", cust_a.token);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	char id[37];
	crypto_uuid4(id);
	snprintf(url, sizeof url, "/payments/%s", id);
	t_get(&rs, url, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);

	snprintf(url, sizeof url, "/payments/order/%s", c.order);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, ""), 1);
		T_EQ_STR(t_jstr(rs.json, "0.id"), c.pay);
	}
	t_resp_free(&rs);
	t_get(&rs, url, cust_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);

	/* The list: own only; another's userId is a 403; an admin sees all. */
	snprintf(url, sizeof url, "/payments?userId=%s", cust_b.id);
	t_get(&rs, url, cust_a.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/payments?take=100", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		size_t n = t_jlen(rs.json, "data");
		T_ASSERT(n >= 1);
		T_ASSERT(t_jint(rs.json, "total", -1) >= (long long)n);
		T_EQ_INT(t_jint(rs.json, "take", -1), 100);
		for (size_t i = 0; i < n; i++) {
			char p[40];
			snprintf(p, sizeof p, "data.%zu.userId", i);
			T_EQ_STR(t_jstr(rs.json, p), cust_a.id);
		}
	}
	t_resp_free(&rs);
	t_get(&rs, "/payments?status=PENDING&take=1", cust_b.token);
	if (T_STATUS(&rs, 200))
		T_EQ_INT(t_jint(rs.json, "total", -1), 0);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/payments?userId=%s&status=PENDING", cust_a.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200))
		T_ASSERT(t_jint(rs.json, "total", -1) >= 1);
	t_resp_free(&rs);
	t_get(&rs, "/payments?status=PAID", admin);
	T_ERROR(&rs, 400, "status");
	t_resp_free(&rs);
	t_get(&rs, "/payments?take=0", admin);
	T_ERROR(&rs, 400, "take");
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(reads_ownership_403),
};

const struct t_suite payment_reads_suite = T_SUITE("reads", cases);
