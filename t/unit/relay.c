/* workers/relay_rules.c: the relay's decisions without a database or a
 * consumer: the backoff schedule, when a failed event is parked DEAD, which
 * consumers get an event, and the envelope they get. */
#include "../lib/t.h"
#include "../../workers/relay_rules.h"
#include <math.h>
#include <regex.h>
#include <string.h>

#define ALL "auth product pricing order payment wallet share-link notification"

static bool
near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void
relay_backoff_doubles_from_half_a_second(void)
{
	/* jitter 0 is -25 %, 255 is +25 % */
	T_ASSERT(near(relay_backoff(0, 60, 0), 0.375));
	T_ASSERT(near(relay_backoff(0, 60, 255), 0.625));
	T_ASSERT(near(relay_backoff(1, 60, 0), 0.75));
	T_ASSERT(near(relay_backoff(1, 60, 255), 1.25));
	T_ASSERT(near(relay_backoff(3, 60, 0), 3.0));
	T_ASSERT(near(relay_backoff(6, 60, 255), 40.0));
}

static void
relay_backoff_capped(void)
{
	/* 0.5 * 2^7 = 64 s is over the 60 s cap */
	T_ASSERT(near(relay_backoff(7, 60, 0), 45.0));
	T_ASSERT(near(relay_backoff(7, 60, 255), 75.0));
	/* a huge count neither overflows nor escapes the cap */
	T_ASSERT(near(relay_backoff(1000000, 60, 0), 45.0));
	T_ASSERT(near(relay_backoff(5, 1, 255), 1.25));
}

static void
relay_backoff_jitter_spreads_within_a_quarter(void)
{
	double prev = 0;
	for (int j = 0; j < 256; j++) {
		double d = relay_backoff(4, 60, (unsigned char)j);
		t_check(d >= 6.0 - 1e-9 && d <= 10.0 + 1e-9 && d >= prev, __FILE__, __LINE__,
		    "relay_backoff(4, 60, %d) = %f (previous %f)", j, d, prev);
		prev = d;
	}
}

static void
relay_dead_on_the_last_attempt(void)
{
	T_EQ_STR(relay_status_after_failure(0, 20), "PENDING");
	T_EQ_STR(relay_status_after_failure(18, 20), "PENDING");
	T_EQ_STR(relay_status_after_failure(19, 20), "DEAD");
	/* a row past the limit (the limit was lowered) is parked at once */
	T_EQ_STR(relay_status_after_failure(25, 20), "DEAD");
	T_EQ_STR(relay_status_after_failure(0, 1), "DEAD");
}

/* The consumers of one event, joined with commas. */
static const char *
route(const char *type, const char *payload, const char *deployed)
{
	static char out[256];
	struct arena *a = arena_new(0);
	const char *to[RELAY_MAX_CONSUMERS];
	size_t n = relay_consumers(a, type, payload, deployed, to);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(out, ",");
		strcat(out, to[i]);
	}
	arena_free(a);
	return out;
}

/* Consumers come in services.conf's order (scripts/services.awk). */
static void
relay_consumers_order_paid_with_a_link(void)
{
	T_EQ_STR(route("ORDER_PAID", "{\"orderId\":\"o\",\"shareLinkId\":\"l\"}", ALL),
	    "wallet,share-link,notification");
	T_EQ_STR(route("ORDER_CANCELLED", "{\"shareLinkId\":\"l\"}", ALL),
	    "product,wallet,share-link,notification");
}

static void
relay_consumers_keyed_skipped_without_the_key(void)
{
	T_EQ_STR(route("ORDER_PAID", "{\"orderId\":\"o\"}", ALL), "wallet,notification");
	T_EQ_STR(route("ORDER_PAID", "{\"orderId\":\"o\",\"shareLinkId\":null}", ALL),
	    "wallet,notification");
	T_EQ_STR(route("ORDER_CREATED", "{}", ALL), "notification");
	/* a refund reaches share-link with or without a link */
	T_EQ_STR(route("PAYMENT_REFUNDED", "{}", ALL), "order,wallet,share-link,notification");
}

static void
relay_consumers_bad_payload_keyed_skipped(void)
{
	T_EQ_STR(route("ORDER_PAID", "{\"shareLinkId\":", ALL), "wallet,notification");
	T_EQ_STR(route("ORDER_PAID", "[\"shareLinkId\"]", ALL), "wallet,notification");
}

static void
relay_consumers_only_deployed(void)
{
	T_EQ_STR(route("ORDER_CANCELLED", "{\"shareLinkId\":\"l\"}", "order,wallet"), "wallet");
	T_EQ_STR(route("ORDER_CANCELLED", "{\"shareLinkId\":\"l\"}", "share-link product"),
	    "product,share-link");
	T_EQ_STR(route("PAYMENT_SUCCESS", "{}", ""), "");
}

static void
relay_consumers_unknown_type_none(void)
{
	T_EQ_STR(route("PRICING_RULE_CHANGED", "{}", ALL), "");
	T_EQ_STR(route("NO_SUCH_EVENT", "{}", ALL), "");
	T_ASSERT(relay_subscription("order_paid") == NULL);
}

static void
relay_deployed_whole_names(void)
{
	T_ASSERT(relay_deployed("auth product share-link", "share-link"));
	T_ASSERT(relay_deployed("auth product share-link", "auth"));
	T_ASSERT(relay_deployed("auth,product, wallet", "wallet"));
	T_ASSERT(relay_deployed("auth,product, wallet", "product"));
	T_ASSERT(!relay_deployed("auth product share-link", "link"));
	T_ASSERT(!relay_deployed("auth product share-link", "share"));
	T_ASSERT(!relay_deployed("wallet2 order", "wallet"));
	T_ASSERT(!relay_deployed("", "wallet"));
	T_ASSERT(!relay_deployed("wallet", ""));
}

static void
relay_subscription_table_sane(void)
{
	static const char *types[] = { "USER_REGISTERED", "PRODUCT_CREATED", "PRODUCT_UPDATED",
	    "PRODUCT_DELETED", "ORDER_CREATED", "ORDER_PAID", "ORDER_SHIPPED",
	    "ORDER_DELIVERED", "ORDER_CANCELLED", "PAYMENT_SUCCESS", "PAYMENT_FAILED",
	    "PAYMENT_REFUNDED", "PAYOUT_STATUS_CHANGED" };
	regex_t type_re, name_re;
	/* the outbox's CHECK on type; a consumer is a service directory */
	T_REQUIRE(regcomp(&type_re, "^[A-Z][A-Z_]{2,63}$", REG_EXTENDED | REG_NOSUB) == 0);
	T_REQUIRE(regcomp(&name_re, "^[a-z][a-z-]{1,39}$", REG_EXTENDED | REG_NOSUB) == 0);
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		const struct subscription *s = relay_subscription(types[i]);
		t_check(s != NULL && s->consumers[0].name != NULL, __FILE__, __LINE__,
		    "%s has no consumer", types[i]);
		if (s == NULL)
			continue;
		T_ASSERT(regexec(&type_re, s->type, 0, NULL, 0) == 0);
		for (int c = 0; c < RELAY_MAX_CONSUMERS && s->consumers[c].name; c++)
			t_check(regexec(&name_re, s->consumers[c].name, 0, NULL, 0) == 0,
			    __FILE__, __LINE__, "%s: consumer \"%s\"", types[i],
			    s->consumers[c].name);
	}
	regfree(&type_re);
	regfree(&name_re);
}

static void
relay_envelope_shape(void)
{
	struct relay_event ev = {
		.event_id = "6f1c1a5e-0000-4000-8000-000000000001", .type = "ORDER_PAID",
		.aggregate_id = "agg\"1", .occurred_at = "2026-01-01T00:00:00.000Z",
		.payload = "{\"orderId\":\"o\",\"totalPaise\":150010}", .attempts = 2,
	};
	struct buf b = { 0 };
	relay_envelope(&ev, "order", &b);
	T_EQ_STR(b.p, "{\"eventId\":\"6f1c1a5e-0000-4000-8000-000000000001\","
	    "\"type\":\"ORDER_PAID\",\"source\":\"order\",\"aggregateId\":\"agg\\\"1\","
	    "\"occurredAt\":\"2026-01-01T00:00:00.000Z\",\"attempt\":3,"
	    "\"payload\":{\"orderId\":\"o\",\"totalPaise\":150010}}");
	buf_free(&b);
}

static const struct t_case cases[] = {
	T_CASE(relay_backoff_doubles_from_half_a_second),
	T_CASE(relay_backoff_capped),
	T_CASE(relay_backoff_jitter_spreads_within_a_quarter),
	T_CASE(relay_dead_on_the_last_attempt),
	T_CASE(relay_consumers_order_paid_with_a_link),
	T_CASE(relay_consumers_keyed_skipped_without_the_key),
	T_CASE(relay_consumers_bad_payload_keyed_skipped),
	T_CASE(relay_consumers_only_deployed),
	T_CASE(relay_consumers_unknown_type_none),
	T_CASE(relay_deployed_whole_names),
	T_CASE(relay_subscription_table_sane),
	T_CASE(relay_envelope_shape),
};

int
main(void)
{
	return t_run("relay", cases, T_NCASES(cases), NULL, NULL);
}
