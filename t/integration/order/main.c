/* The order service through the gateway: the suite it_order, one file per
 * concern (order.h lists them): POST /orders (prices recomputed, stock
 * reserved all-or-none, concurrency, ownership, Idempotency-Key), GET
 * /orders and /orders/:id (who sees what), PATCH /orders/:id/status (the
 * state machine, roles, history, events), cancellation returning the stock
 * through the relay, and the internal API (GET /internal/order/orders/:id,
 * POST /internal/order/events).
 *
 * Users: an ADMIN token is minted; two customers and a reseller are
 * registered (the auth service must know them: the seller check asks it).
 * Products are created through the product API.  Money is compared as the
 * exact JSON text the server wrote ("3000.00"), never as a double.  This
 * file: the users and the helpers the files share. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "order.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *admin;
struct t_user cust_a, cust_b, seller;

/* A product at base price base ("1000.00") with stock units in its one
 * variant.  Returns its id and, when variant is not NULL, the variant's
 * (both malloc'd). */
char *
product_create(const char *base, int stock, char **variant)
{
	char members[200];
	snprintf(members, sizeof members, "\"basePrice\":%s,\"stock\":%d", base, stock);
	return t_product_new(admin, "order-product", members, variant);
}

/* An order body of one line. */
char *
one_line(char *out, size_t n, const char *extra, const char *product, int qty,
    const char *price)
{
	snprintf(out, n, "{%s\"items\":[{\"productId\":\"%s\",\"quantity\":%d,"
	    "\"sellerPrice\":%s}]}", extra, product, qty, price);
	return out;
}

long
order_post(struct resp *rs, const char *token, const char *body, const char *key)
{
	char h[300];
	if (key == NULL)
		return t_send_json(rs, "POST", "/orders", token, body);
	snprintf(h, sizeof h, "Idempotency-Key: %s", key);
	return t_http(rs, "POST", "/orders", token, "application/json", body, strlen(body), h,
	    (char *)NULL);
}

/* Creates a one-line order; returns its id (malloc'd) or NULL. */
char *
order_create(const char *token, const char *extra, const char *product, int qty,
    const char *price)
{
	char body[600];
	struct resp rs;
	order_post(&rs, token, one_line(body, sizeof body, extra, product, qty, price), NULL);
	char *id = NULL;
	if (T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return id;
}

/* PATCH that must be answered with want (and, for 409, name both statuses). */
void
expect_status_change(const char *token, const char *id, const char *from, const char *to,
    long want)
{
	struct resp rs;
	t_order_status_set(&rs, token, id, to, NULL);
	if (want == 409) {
		char m[80];
		snprintf(m, sizeof m, "from %s to %s", from, to);
		if (!T_ERROR(&rs, 409, m))
			printf("    (transition %s -> %s)\n", from, to);
	} else if (want >= 400) {
		T_ERROR(&rs, want, NULL);
	} else if (T_STATUS(&rs, want)) {
		T_EQ_STR(t_jstr(rs.json, "status"), to);
	}
	t_resp_free(&rs);
}

long long
outbox_count(const char *id, const char *type)
{
	return t_db_count("ORDER_DATABASE_URL", "SELECT count(*) FROM outbox "
	    "WHERE aggregate_id = $1 AND type = $2", id, type, (char *)NULL);
}

/* Posts an event envelope to the internal listener. */
long
event_post(struct resp *rs, const char *event_id, const char *type, const char *payload)
{
	return t_event_send(rs, "order", "payment", event_id, type, payload);
}

long
payment_success(struct resp *rs, const char *event_id, const char *order, const char *payment,
    long long amount, const char *currency)
{
	char p[500];
	snprintf(p, sizeof p, "{\"paymentId\":\"%s\",\"orderId\":\"%s\",\"userId\":\"%s\","
	    "\"amountPaise\":%lld,\"currency\":\"%s\",\"razorpayOrderId\":\"order_X\","
	    "\"razorpayPaymentId\":\"pay_X\"}", payment, order, cust_a.id, amount, currency);
	return event_post(rs, event_id, "PAYMENT_SUCCESS", p);
}

static int
suite_init(void)
{
	admin = t_token(ROLE_ADMIN, "order-admin@example.com");
	cust_a = t_register("CUSTOMER", "order-user");
	cust_b = t_register("CUSTOMER", "order-user");
	seller = t_register("RESELLER", "order-user");
	return admin && cust_a.token && cust_b.token && seller.token ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	struct t_user *u[] = { &cust_a, &cust_b, &seller };
	for (size_t i = 0; i < 3; i++) {
		free(u[i]->token);
		free(u[i]->id);
	}
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&order_create_suite,
	&order_list_suite,
	&order_status_suite,
	&order_events_suite,
};

int
main(void)
{
	return t_run_suites("order", suites, T_NCASES(suites), suite_init, suite_clean);
}
