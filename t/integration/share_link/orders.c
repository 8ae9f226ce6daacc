/* it_share_link: POST /orders through a link (the link's seller and seller
 * price in the answer and in order_db, other product 400, inactive or
 * unknown 404, expired 410) and the internal read the order service
 * makes. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The link's seller and seller price win over the body's. */
static void
order_takes_seller_and_price_from_link(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	/* The client says 1000.00 and seller B: the link says 1500.00 and A. */
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",\"sellerId\":\"%s\",", l.id,
	    seller_b.id);
	order_post(&rs, customer.token, extra, product, 2, "1000.00");
	char order[40] = "";
	if (T_STATUS(&rs, 201)) {
		snprintf(order, sizeof order, "%s", t_jstr(rs.json, "id") ? t_jstr(rs.json, "id") : "");
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_EQ_STR(t_jstr(rs.json, "shareLinkId"), l.id);
		T_EQ_STR(t_jstr(rs.json, "userId"), customer.id);
		T_JSON_EQ(&rs, "items.0.sellerPrice", "1500.00");
		T_JSON_EQ(&rs, "items.0.basePrice", "1000.00");
		T_JSON_EQ(&rs, "subtotal", "3000.00");
		T_JSON_EQ(&rs, "commission", "300.00");
		T_JSON_EQ(&rs, "total", "3000.00");
	}
	t_resp_free(&rs);
	T_REQUIRE(order[0] != '\0');
	char *v = t_db_value(ORDER_DB, "SELECT o.seller_id || '/' || o.share_link_id || '/' || "
	    "i.seller_price || '/' || o.total FROM orders o JOIN order_items i ON i.order_id = o.id "
	    "WHERE o.id = $1", order, (char *)NULL);
	char want[200];
	snprintf(want, sizeof want, "%s/%s/150000/300000", seller_a.id, l.id);
	T_EQ_STR(v, want);
	free(v);
}

/* A link without a product or price: the seller is the link's, the price
 * the buyer's line. */
static void
order_through_general_link(void)
{
	struct link l;
	T_REQUIRE(link_create(&seller_b, "", &l) == 0);
	char extra[200];
	struct resp rs;
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, other_product, 3, "12.50");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
		T_JSON_EQ(&rs, "items.0.sellerPrice", "12.50");
		T_JSON_EQ(&rs, "subtotal", "37.50");
	}
	t_resp_free(&rs);
	/* ... and still the pricing rules: below the base is a 400. */
	order_post(&rs, customer.token, extra, other_product, 1, "9.99");
	T_ERROR(&rs, 400, "sellerPrice must be at least 10.00");
	t_resp_free(&rs);
}

/* A product link without a price: the buyer's price for that product; a
 * reseller buying through their own link earns no commission. */
static void
order_through_product_link_without_price(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",", other_product);
	T_REQUIRE(link_create(&seller_b, extra, &l) == 0);
	struct resp rs;
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, other_product, 2, "11.00");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
		T_JSON_EQ(&rs, "items.0.sellerPrice", "11.00");
		T_JSON_EQ(&rs, "subtotal", "22.00");
		T_JSON_EQ(&rs, "commission", "2.20");
	}
	t_resp_free(&rs);
	order_post(&rs, seller_b.token, extra, other_product, 2, "11.00");
	if (T_STATUS(&rs, 201)) {
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_b.id);
		T_EQ_STR(t_jstr(rs.json, "userId"), seller_b.id);
		T_JSON_EQ(&rs, "commission", "0.00");
	}
	t_resp_free(&rs);
}

static void
order_bad_link_other_product_400(void)
{
	struct link l;
	char extra[300];
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1500.00,", product);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	struct resp rs;
	snprintf(extra, sizeof extra, "\"shareLinkId\":\"%s\",", l.id);
	order_post(&rs, customer.token, extra, other_product, 1, "10.00");
	T_ERROR(&rs, 400, "items[0].productId is not the product of the share link");
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(ORDER_DB, "SELECT count(*) FROM orders WHERE share_link_id = $1", l.id,
	    (char *)NULL), 0);
}

static void
order_bad_unknown_link_404(void)
{
	struct resp rs;
	order_post(&rs, customer.token, "\"shareLinkId\":\"5f0c1a9e-0000-4000-8000-00000000dead\",",
	    product, 1, "1000.00");
	T_ERROR(&rs, 404, "share link not found");
	t_resp_free(&rs);
	order_post(&rs, customer.token, "\"shareLinkId\":\"abc\",", product, 1, "1000.00");
	T_ERROR(&rs, 400, "shareLinkId must be a UUID");
	t_resp_free(&rs);
}

static void
internal_link_shape(void)
{
	char exp[40], extra[300];
	struct link l;
	iso_in(exp, sizeof exp, 3600);
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":1234.50,"
	    "\"expiresAt\":\"%s\",", product, exp);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);
	char url[300];
	struct resp rs;
	snprintf(url, sizeof url, "%s/internal/share-link/links/%s", t_env("INTERNAL_URL"), l.id);
	t_get(&rs, url, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), l.id);
		T_EQ_STR(t_jstr(rs.json, "sellerId"), seller_a.id);
		T_EQ_STR(t_jstr(rs.json, "productId"), product);
		T_JSON_EQ(&rs, "sellerPrice", "1234.50");
		T_JSON_EQ(&rs, "isActive", "true");
		T_EQ_STR(t_jstr(rs.json, "expiresAt"), exp);
	}
	t_resp_free(&rs);
	snprintf(url, sizeof url, "%s/internal/share-link/links/5f0c1a9e-0000-4000-8000-00000000dead",
	    t_env("INTERNAL_URL"));
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	snprintf(url, sizeof url, "%s/internal/share-link/links/%s", t_env("INTERNAL_URL"), l.code);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	/* Not on the public port. */
	snprintf(url, sizeof url, "/internal/share-link/links/%s", l.id);
	t_get(&rs, url, admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

static const struct t_case cases[] = {
	T_CASE(order_takes_seller_and_price_from_link),
	T_CASE(order_through_general_link),
	T_CASE(order_through_product_link_without_price),
	T_CASE(order_bad_link_other_product_400),
	T_CASE(order_bad_unknown_link_404),
	T_CASE(internal_link_shape),
};

const struct t_suite share_link_orders_suite = T_SUITE("orders", cases);
