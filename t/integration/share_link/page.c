/* it_share_link: the public page GET /share-links/:code: clicks counted
 * once per visitor per hour, concurrent visits once, no address stored,
 * 404 for an unknown code. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
visit_counts_clicks_once_per_visitor(void)
{
	struct link l;
	char extra[200];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	visit(&rs, l.code, "ua-one");
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), l.id);
		T_EQ_STR(t_jstr(rs.json, "code"), l.code);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_JSON_EQ(&rs, "sellerPrice", "1500.00");
		T_EQ_STR(t_jstr(rs.json, "product.id"), product);
		T_ASSERT(t_contains(t_jstr(rs.json, "product.name"), "share-product"));
		T_JSON_EQ(&rs, "product.basePrice", "1000.00");
		T_JSON_EQ(&rs, "product.sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "product.isActive", "true");
	}
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 1);
	/* The same visitor again within the hour: not counted. */
	visit(&rs, l.code, "ua-one");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 1);
	/* Another user agent is another visitor. */
	visit(&rs, l.code, "ua-two");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 2);
	/* A token does not change who the visitor is; the seller's own visit
	 * does not count. */
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", l.code);
	t_get(&rs, url, seller_a.token);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(clicks_of(l.code), 2);

	/* Visitors are 64 hex digits; no address is stored anywhere. */
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_visitors v JOIN "
	    "share_links l ON l.id = v.link_id WHERE l.code = $1 AND v.visitor ~ '^[0-9a-f]{64}$'",
	    l.code, (char *)NULL), 2);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_visitors v "
	    "WHERE v::text LIKE '%127.0.0.1%' OR v::text LIKE '%ua-one%'", (char *)NULL), 0);
}

/* Concurrent visits of one visitor count once. */
static void
visit_concurrent_same_visitor_once(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_a, "", &l) == 0);
	char url[300];
	snprintf(url, sizeof url, "%s/share-links/%s", t_env("BASE_URL"), l.code);
	long status[10];
	t_http_parallel(10, "GET", url, NULL, NULL, NULL, status, NULL);
	for (int i = 0; i < 10; i++)
		T_EQ_INT(status[i], 200);
	T_EQ_INT(clicks_of(l.code), 1);
}

static void
visit_general_link(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_b, "", &l) == 0);
	struct resp rs;
	visit(&rs, l.code, "ua-general");
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "product", "null");
		T_JSON_EQ(&rs, "productId", "null");
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
	}
	t_resp_free(&rs);
}

static void
visit_bad_unknown_404(void)
{
	static const char *const codes[] = { "AAAAAAAAAAAA", "short", "aaaaaaaaaaaaa",
	    "aaaaaaaaaa%2F", "aaaaaa.aaaaa" };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		struct resp rs;
		visit(&rs, codes[i], "ua-x");
		if (!T_ERROR(&rs, 404, NULL))
			printf("    (code %s)\n", codes[i]);
		t_resp_free(&rs);
	}
}

static const struct t_case cases[] = {
	T_CASE(visit_counts_clicks_once_per_visitor),
	T_CASE(visit_concurrent_same_visitor_once),
	T_CASE(visit_general_link),
	T_CASE(visit_bad_unknown_404),
};

const struct t_suite share_link_page_suite = T_SUITE("page", cases);
