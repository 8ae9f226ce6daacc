/* fcgi/order/logic.c: the order state machine, who may change a status,
 * what a payment and a refund do to an order, who earns a commission.
 * Plain functions: no stack, no database. */
#include "../lib/t.h"
#include "../../fcgi/order/logic.h"
#include <stdio.h>

/* The machine, written out again: the five legal moves and nothing else. */
static bool
expected_legal(enum order_status from, enum order_status to)
{
	return (from == ST_PENDING && to == ST_PAID) ||
	    (from == ST_PENDING && to == ST_CANCELLED) ||
	    (from == ST_PAID && to == ST_SHIPPED) ||
	    (from == ST_PAID && to == ST_CANCELLED) ||
	    (from == ST_SHIPPED && to == ST_DELIVERED);
}

static void
order_status_parse_every_name(void)
{
	for (int i = 0; i < ST__MAX; i++)
		T_EQ_INT(order_status_parse(order_status_names[i]), i);
	T_EQ_STR(order_status_names[ST_PENDING], "PENDING");
	T_EQ_STR(order_status_names[ST_CANCELLED], "CANCELLED");
	T_ASSERT(order_status_names[ST__MAX] == NULL);
}

static void
order_status_parse_bad_names(void)
{
	T_EQ_INT(order_status_parse(NULL), ST__MAX);
	T_EQ_INT(order_status_parse(""), ST__MAX);
	T_EQ_INT(order_status_parse("paid"), ST__MAX);       /* case matters */
	T_EQ_INT(order_status_parse("PAID "), ST__MAX);
	T_EQ_INT(order_status_parse("PAIDX"), ST__MAX);
	T_EQ_INT(order_status_parse("REFUNDED"), ST__MAX);
}

static void
order_transition_every_pair(void)
{
	int n = 0;
	for (int f = 0; f < ST__MAX; f++)
		for (int t = 0; t < ST__MAX; t++) {
			bool got = order_transition_legal((enum order_status)f, (enum order_status)t);
			t_check(got == expected_legal((enum order_status)f, (enum order_status)t),
			    __FILE__, __LINE__, "%s -> %s: legal %d", order_status_names[f],
			    order_status_names[t], got);
			n += got;
		}
	T_EQ_INT(n, 5);
}

static void
order_transition_bad_out_of_range(void)
{
	T_ASSERT(!order_transition_legal(ST__MAX, ST_PAID));
	T_ASSERT(!order_transition_legal(ST_PENDING, ST__MAX));
	T_ASSERT(!order_transition_legal(ST__MAX, ST__MAX));
}

static void
order_transition_bad_backwards_and_terminal(void)
{
	T_ASSERT(!order_transition_legal(ST_PAID, ST_PENDING));
	T_ASSERT(!order_transition_legal(ST_DELIVERED, ST_SHIPPED));
	T_ASSERT(!order_transition_legal(ST_SHIPPED, ST_CANCELLED));
	for (int t = 0; t < ST__MAX; t++) {
		T_ASSERT(!order_transition_legal(ST_DELIVERED, (enum order_status)t));
		T_ASSERT(!order_transition_legal(ST_CANCELLED, (enum order_status)t));
		T_ASSERT(!order_transition_legal((enum order_status)t, (enum order_status)t));
	}
}

static void
order_status_event_each_target(void)
{
	T_EQ_STR(order_status_event(ST_PAID), "ORDER_PAID");
	T_EQ_STR(order_status_event(ST_SHIPPED), "ORDER_SHIPPED");
	T_EQ_STR(order_status_event(ST_DELIVERED), "ORDER_DELIVERED");
	T_EQ_STR(order_status_event(ST_CANCELLED), "ORDER_CANCELLED");
	T_EQ_STR(order_status_event(ST_PENDING), NULL);
	T_EQ_STR(order_status_event(ST__MAX), NULL);
}

static void
order_change_admin_every_pair(void)
{
	for (int f = 0; f < ST__MAX; f++)
		for (int t = 0; t < ST__MAX; t++) {
			enum order_change c = order_change_check(true, false, false,
			    (enum order_status)f, (enum order_status)t);
			enum order_change want = expected_legal((enum order_status)f,
			    (enum order_status)t) ? ORDER_CHANGE_OK : ORDER_CHANGE_ILLEGAL;
			t_check(c == want, __FILE__, __LINE__, "admin %s -> %s: %d, expected %d",
			    order_status_names[f], order_status_names[t], (int)c, (int)want);
		}
}

static void
order_change_buyer_cancels_pending(void)
{
	T_EQ_INT(order_change_check(false, true, false, ST_PENDING, ST_CANCELLED),
	    ORDER_CHANGE_OK);
	/* A reseller who bought from themself is the buyer. */
	T_EQ_INT(order_change_check(false, true, true, ST_PENDING, ST_CANCELLED),
	    ORDER_CHANGE_OK);
}

static void
order_change_bad_buyer_cancels_paid_403(void)
{
	T_EQ_INT(order_change_check(false, true, false, ST_PAID, ST_CANCELLED),
	    ORDER_CHANGE_NOT_PENDING);
}

static void
order_change_bad_buyer_cancels_shipped_409(void)
{
	/* Not a move of the machine at all: 409 before "only an admin". */
	T_EQ_INT(order_change_check(false, true, false, ST_SHIPPED, ST_CANCELLED),
	    ORDER_CHANGE_ILLEGAL);
	T_EQ_INT(order_change_check(false, true, false, ST_CANCELLED, ST_CANCELLED),
	    ORDER_CHANGE_ILLEGAL);
}

static void
order_change_bad_buyer_other_status_403(void)
{
	for (int f = 0; f < ST__MAX; f++)
		for (int t = 0; t < ST__MAX; t++) {
			if (t == ST_CANCELLED)
				continue;
			T_EQ_INT(order_change_check(false, true, false, (enum order_status)f,
			    (enum order_status)t), ORDER_CHANGE_ADMIN_ONLY);
		}
}

static void
order_change_bad_seller_and_stranger_403(void)
{
	for (int f = 0; f < ST__MAX; f++) {
		T_EQ_INT(order_change_check(false, false, true, (enum order_status)f,
		    ST_CANCELLED), ORDER_CHANGE_SELLER);
		T_EQ_INT(order_change_check(false, false, true, (enum order_status)f,
		    ST_SHIPPED), ORDER_CHANGE_SELLER);
		T_EQ_INT(order_change_check(false, false, false, (enum order_status)f,
		    ST_CANCELLED), ORDER_CHANGE_NOT_YOURS);
	}
}

static struct order_state
state(enum order_status st, const char *payment)
{
	struct order_state o = {
		.id = "o1", .user_id = "u1", .seller_id = "s1", .currency = "INR",
		.payment_id = payment, .status = st, .total = 300000, .commission = 30000,
	};
	return o;
}

static void
order_payment_pending_exact_applies(void)
{
	struct order_state o = state(ST_PENDING, NULL);
	T_EQ_INT(order_payment_verdict(&o, "p1", 300000, "INR"), ORDER_PAYMENT_APPLY);
	o.total = 0;
	T_EQ_INT(order_payment_verdict(&o, "p1", 0, "INR"), ORDER_PAYMENT_APPLY);
}

static void
order_payment_bad_amount_one_paisa(void)
{
	struct order_state o = state(ST_PENDING, NULL);
	T_EQ_INT(order_payment_verdict(&o, "p1", 299999, "INR"), ORDER_PAYMENT_MISMATCH);
	T_EQ_INT(order_payment_verdict(&o, "p1", 300001, "INR"), ORDER_PAYMENT_MISMATCH);
	T_EQ_INT(order_payment_verdict(&o, "p1", 0, "INR"), ORDER_PAYMENT_MISMATCH);
}

static void
order_payment_bad_currency(void)
{
	struct order_state o = state(ST_PENDING, NULL);
	T_EQ_INT(order_payment_verdict(&o, "p1", 300000, "USD"), ORDER_PAYMENT_MISMATCH);
	T_EQ_INT(order_payment_verdict(&o, "p1", 300000, "inr"), ORDER_PAYMENT_MISMATCH);
	T_EQ_INT(order_payment_verdict(&o, "p1", 300000, NULL), ORDER_PAYMENT_MISMATCH);
}

static void
order_payment_cancelled_ignored(void)
{
	struct order_state o = state(ST_CANCELLED, NULL);
	T_EQ_INT(order_payment_verdict(&o, "p1", 300000, "INR"), ORDER_PAYMENT_CANCELLED);
	o.payment_id = "p1";     /* paid, then cancelled: still not paid again */
	T_EQ_INT(order_payment_verdict(&o, "p1", 300000, "INR"), ORDER_PAYMENT_CANCELLED);
}

static void
order_payment_repeat_is_duplicate(void)
{
	static const enum order_status after[] = { ST_PAID, ST_SHIPPED, ST_DELIVERED };
	for (size_t i = 0; i < sizeof after / sizeof after[0]; i++) {
		struct order_state o = state(after[i], "AbC-1");
		T_EQ_INT(order_payment_verdict(&o, "abc-1", 300000, "INR"), ORDER_PAYMENT_REPEAT);
		/* Already paid: the amount no longer matters. */
		T_EQ_INT(order_payment_verdict(&o, "abc-1", 1, "USD"), ORDER_PAYMENT_REPEAT);
	}
}

static void
order_payment_other_payment_flagged(void)
{
	struct order_state o = state(ST_PAID, "p1");
	T_EQ_INT(order_payment_verdict(&o, "p2", 300000, "INR"), ORDER_PAYMENT_OTHER);
	o.payment_id = NULL;
	T_EQ_INT(order_payment_verdict(&o, "p2", 300000, "INR"), ORDER_PAYMENT_OTHER);
}

static void
order_refund_full_of_paid_cancels(void)
{
	for (int s = 0; s < ST__MAX; s++) {
		T_EQ_INT(order_refund_cancels((enum order_status)s, true), s == ST_PAID);
		T_ASSERT(!order_refund_cancels((enum order_status)s, false));
	}
}

static void
order_commission_earned_rules(void)
{
	T_ASSERT(order_commission_earned("s1", "u1"));
	T_ASSERT(!order_commission_earned(NULL, "u1"));
	T_ASSERT(!order_commission_earned("s1", "s1"));
	/* A token's sub is not normalized: ids compare without case. */
	T_ASSERT(!order_commission_earned("5A0E-B1", "5a0e-b1"));
}

static const struct t_case cases[] = {
	T_CASE(order_status_parse_every_name),
	T_CASE(order_status_parse_bad_names),
	T_CASE(order_transition_every_pair),
	T_CASE(order_transition_bad_out_of_range),
	T_CASE(order_transition_bad_backwards_and_terminal),
	T_CASE(order_status_event_each_target),
	T_CASE(order_change_admin_every_pair),
	T_CASE(order_change_buyer_cancels_pending),
	T_CASE(order_change_bad_buyer_cancels_paid_403),
	T_CASE(order_change_bad_buyer_cancels_shipped_409),
	T_CASE(order_change_bad_buyer_other_status_403),
	T_CASE(order_change_bad_seller_and_stranger_403),
	T_CASE(order_payment_pending_exact_applies),
	T_CASE(order_payment_bad_amount_one_paisa),
	T_CASE(order_payment_bad_currency),
	T_CASE(order_payment_cancelled_ignored),
	T_CASE(order_payment_repeat_is_duplicate),
	T_CASE(order_payment_other_payment_flagged),
	T_CASE(order_refund_full_of_paid_cancels),
	T_CASE(order_commission_earned_rules),
};

int
main(void)
{
	return t_run("order_logic", cases, T_NCASES(cases), NULL, NULL);
}
