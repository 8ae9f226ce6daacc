/* it_order: GET /orders and GET /orders/:id: who sees which orders
 * (customers their own, resellers theirs as seller, admins all), filters
 * and paging. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "order.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether every order of a list page satisfies: userId == user (when not
 * NULL) and (sellerId == seller_or_user or userId == seller_or_user). */
static bool
all_orders(struct json_object *o, const char *user, const char *party)
{
	size_t n = t_jlen(o, "data");
	for (size_t i = 0; i < n; i++) {
		char pu[40], ps[40];
		snprintf(pu, sizeof pu, "data.%zu.userId", i);
		snprintf(ps, sizeof ps, "data.%zu.sellerId", i);
		const char *u = t_jstr(o, pu), *s = t_jstr(o, ps);
		if (user != NULL && (u == NULL || strcmp(u, user) != 0))
			return false;
		if (party != NULL && !((u && strcmp(u, party) == 0) || (s && strcmp(s, party) == 0)))
			return false;
	}
	return true;
}

static bool
list_has(struct json_object *o, const char *id)
{
	size_t n = t_jlen(o, "data");
	for (size_t i = 0; i < n; i++) {
		char p[40];
		snprintf(p, sizeof p, "data.%zu.id", i);
		const char *v = t_jstr(o, p);
		if (v != NULL && strcmp(v, id) == 0)
			return true;
	}
	return false;
}

static void
list_and_get_ownership(void)
{
	char *p = product_create("10.00", 50, NULL);
	T_REQUIRE(p != NULL);
	char extra[200];
	snprintf(extra, sizeof extra, "\"sellerId\":\"%s\",", seller.id);
	char *a_sold = order_create(cust_a.token, extra, p, 1, "12.00");   /* A from R */
	char *a_own = order_create(cust_a.token, "", p, 1, "12.00");       /* A, no seller */
	char *b_own = order_create(cust_b.token, "", p, 1, "12.00");       /* B */
	char *r_own = order_create(seller.token, "", p, 1, "12.00");       /* R buys */
	T_REQUIRE(a_sold && a_own && b_own && r_own);
	struct resp rs;
	char url[300];

	/* A customer lists their own orders only. */
	t_get(&rs, "/orders?take=100", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, cust_a.id, NULL));
		T_ASSERT(list_has(rs.json, a_sold) && list_has(rs.json, a_own));
		T_ASSERT(!list_has(rs.json, b_own));
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
		T_EQ_INT(t_jint(rs.json, "skip", -1), 0);
		T_EQ_INT(t_jint(rs.json, "take", -1), 100);
		T_ASSERT(t_jint(rs.json, "data.0.items.0.quantity", -1) >= 1);
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s", cust_a.id);
	t_get(&rs, url, cust_a.token);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s", cust_b.id);
	t_get(&rs, url, cust_a.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	/* Filtered by seller: still their own. */
	snprintf(url, sizeof url, "/orders?sellerId=%s&take=100", seller.id);
	t_get(&rs, url, cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, cust_a.id, seller.id));
		T_ASSERT(list_has(rs.json, a_sold) && !list_has(rs.json, a_own));
	}
	t_resp_free(&rs);
	/* Paging: newest first, take 1. */
	t_get(&rs, "/orders?take=1", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 1);
		T_EQ_INT(t_jint(rs.json, "take", -1), 1);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);
	t_get(&rs, "/orders?skip=1000000", cust_a.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jlen(rs.json, "data"), 0);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 2);
	}
	t_resp_free(&rs);

	/* A reseller sees what they sold and what they bought. */
	t_get(&rs, "/orders?take=100", seller.token);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, NULL, seller.id));
		T_ASSERT(list_has(rs.json, a_sold) && list_has(rs.json, r_own));
		T_ASSERT(!list_has(rs.json, a_own) && !list_has(rs.json, b_own));
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?sellerId=%s&take=100", seller.id);
	t_get(&rs, url, seller.token);
	if (T_STATUS(&rs, 200))
		T_ASSERT(list_has(rs.json, a_sold) && !list_has(rs.json, r_own));
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s", cust_a.id);
	t_get(&rs, url, seller.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?sellerId=%s", cust_a.id);
	t_get(&rs, url, seller.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);

	/* An admin sees everything, filtered as asked. */
	snprintf(url, sizeof url, "/orders?userId=%s&take=100", cust_b.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200)) {
		T_ASSERT(all_orders(rs.json, cust_b.id, NULL));
		T_ASSERT(list_has(rs.json, b_own));
		T_EQ_INT(t_jint(rs.json, "total", -1), (long long)t_jlen(rs.json, "data"));
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders?userId=%s&sellerId=%s&status=PENDING", cust_a.id,
	    seller.id);
	t_get(&rs, url, admin);
	if (T_STATUS(&rs, 200))
		T_ASSERT(list_has(rs.json, a_sold) && all_orders(rs.json, cust_a.id, seller.id));
	t_resp_free(&rs);
	t_get(&rs, "/orders", admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "take", -1), 20);
		T_ASSERT(t_jint(rs.json, "total", -1) >= 4);
	}
	t_resp_free(&rs);

	/* Bad filters. */
	static const struct { const char *url, *mention; } bad[] = {
		{ "/orders?status=LOST", "status" },
		{ "/orders?take=101", "take" },
		{ "/orders?take=0", "take" },
		{ "/orders?skip=-1", "skip" },
		{ "/orders?userId=nope", "userId" },
		{ "/orders?sellerId=nope", "sellerId" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t_get(&rs, bad[i].url, admin);
		T_ERROR(&rs, 400, bad[i].mention);
		t_resp_free(&rs);
	}
	t_get(&rs, "/orders", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);

	/* One order: the buyer, the seller, an admin; nobody else. */
	snprintf(url, sizeof url, "/orders/%s", a_sold);
	const char *ok[] = { cust_a.token, seller.token, admin };
	for (size_t i = 0; i < 3; i++) {
		t_get(&rs, url, ok[i]);
		if (T_STATUS(&rs, 200))
			T_EQ_STR(t_jstr(rs.json, "id"), a_sold);
		t_resp_free(&rs);
	}
	t_get(&rs, url, cust_b.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "/orders/%s", a_own);
	t_get(&rs, url, seller.token);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/orders/5f0c1a9e-0000-4000-8000-00000000dead", admin);
	T_ERROR(&rs, 404, "not found");
	t_resp_free(&rs);
	t_get(&rs, "/orders/not-a-uuid", admin);
	T_ERROR(&rs, 400, "id");
	t_resp_free(&rs);
	free(a_sold);
	free(a_own);
	free(b_own);
	free(r_own);
	free(p);
}

static const struct t_case cases[] = {
	T_CASE(list_and_get_ownership),
};

const struct t_suite order_list_suite = T_SUITE("list", cases);
