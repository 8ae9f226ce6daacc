/* fcgi/payment/logic.c: what Razorpay's statuses mean for our payment
 * row, which of an order's Razorpay payments decides it (the reconcile
 * job), refund limits, the webhook events we act on, the refund key.
 * Plain functions: no stack, no database. */
#include "../lib/t.h"
#include "../../fcgi/payment/logic.h"
#include <string.h>

static const char *const ours_all[] = { "PENDING", "PROCESSING", "SUCCESS", "FAILED",
	"REFUNDED" };
#define NOURS (sizeof ours_all / sizeof ours_all[0])

static void
pay_event_of_each_status(void)
{
	enum pay_event ev = PAY_EV_FAILED;
	T_ASSERT(pay_event_of("captured", &ev) && ev == PAY_EV_CAPTURED);
	ev = PAY_EV_FAILED;
	T_ASSERT(pay_event_of("refunded", &ev) && ev == PAY_EV_CAPTURED);
	T_ASSERT(pay_event_of("authorized", &ev) && ev == PAY_EV_AUTHORIZED);
	T_ASSERT(pay_event_of("failed", &ev) && ev == PAY_EV_FAILED);
}

static void
pay_event_of_bad_nothing_happened(void)
{
	enum pay_event ev = PAY_EV_AUTHORIZED;
	T_ASSERT(!pay_event_of("created", &ev));
	T_ASSERT(!pay_event_of("CAPTURED", &ev));
	T_ASSERT(!pay_event_of("", &ev));
	T_ASSERT(!pay_event_of(NULL, &ev));
	T_EQ_INT(ev, PAY_EV_AUTHORIZED);    /* untouched */
}

/* The machine written out: ev on each of our statuses. */
static void
pay_next_status_every_status(void)
{
	static const char *const captured[NOURS] = { "SUCCESS", "SUCCESS", NULL, "SUCCESS", NULL };
	static const char *const authorized[NOURS] = { "PROCESSING", NULL, NULL, "PROCESSING",
		NULL };
	static const char *const failed[NOURS] = { "FAILED", "FAILED", NULL, NULL, NULL };
	for (size_t i = 0; i < NOURS; i++) {
		T_EQ_STR(pay_next_status(PAY_EV_CAPTURED, ours_all[i], NULL, "pay_1"), captured[i]);
		T_EQ_STR(pay_next_status(PAY_EV_AUTHORIZED, ours_all[i], NULL, "pay_1"),
		    authorized[i]);
		T_EQ_STR(pay_next_status(PAY_EV_FAILED, ours_all[i], NULL, "pay_1"), failed[i]);
	}
}

static void
pay_next_status_bad_never_back_from_success(void)
{
	static const enum pay_event evs[] = { PAY_EV_CAPTURED, PAY_EV_AUTHORIZED, PAY_EV_FAILED };
	for (size_t i = 0; i < 3; i++) {
		T_EQ_STR(pay_next_status(evs[i], "SUCCESS", "pay_1", "pay_1"), NULL);
		T_EQ_STR(pay_next_status(evs[i], "REFUNDED", "pay_1", "pay_1"), NULL);
		T_EQ_STR(pay_next_status(evs[i], "BOGUS", NULL, "pay_1"), NULL);
		T_EQ_STR(pay_next_status(evs[i], NULL, NULL, "pay_1"), NULL);
	}
}

static void
pay_next_status_failed_attempt_of_another(void)
{
	/* PROCESSING through pay_1: pay_2 failing does not fail it. */
	T_EQ_STR(pay_next_status(PAY_EV_FAILED, "PROCESSING", "pay_1", "pay_2"), NULL);
	T_EQ_STR(pay_next_status(PAY_EV_FAILED, "PROCESSING", "pay_1", "pay_1"), "FAILED");
	/* PENDING fails on any attempt's failure. */
	T_EQ_STR(pay_next_status(PAY_EV_FAILED, "PENDING", "pay_1", "pay_2"), "FAILED");
}

static void
pay_amount_fits_exact_only(void)
{
	T_ASSERT(pay_amount_fits(PAY_EV_CAPTURED, 150010, "INR", 150010, "INR"));
	T_ASSERT(pay_amount_fits(PAY_EV_AUTHORIZED, 0, "INR", 0, "INR"));
	T_ASSERT(!pay_amount_fits(PAY_EV_CAPTURED, 150009, "INR", 150010, "INR"));
	T_ASSERT(!pay_amount_fits(PAY_EV_CAPTURED, 150011, "INR", 150010, "INR"));
	T_ASSERT(!pay_amount_fits(PAY_EV_AUTHORIZED, 150010, "USD", 150010, "INR"));
	T_ASSERT(!pay_amount_fits(PAY_EV_CAPTURED, 150010, NULL, 150010, "INR"));
	T_ASSERT(!pay_amount_fits(PAY_EV_CAPTURED, 150010, "INR", 150010, NULL));
	/* A failure moves no money: it applies whatever it says. */
	T_ASSERT(pay_amount_fits(PAY_EV_FAILED, 1, "USD", 150010, "INR"));
}

#define A(id, st, amt, cur) { id, st, amt, cur }

static void
pay_decide_captured_first(void)
{
	const struct pay_attempt items[] = {
		A("pay_f", "failed", 1000, "INR"), A("pay_a", "authorized", 1000, "INR"),
		A("pay_c", "captured", 1000, "INR"), A("pay_n", "created", 1000, "INR"),
	};
	const struct pay_ours ours = { 1000, "INR", NULL };
	enum pay_event ev;
	T_EQ_INT(pay_decide(items, 4, &ours, &ev), 2);
	T_EQ_INT(ev, PAY_EV_CAPTURED);
	/* Without the capture, the authorisation decides, a "created" beside it
	 * or not. */
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 1);
	T_EQ_INT(ev, PAY_EV_AUTHORIZED);
}

static void
pay_decide_refunded_counts_as_captured(void)
{
	const struct pay_attempt items[] = {
		A("pay_a", "authorized", 1000, "INR"), A("pay_r", "refunded", 1000, "INR"),
	};
	const struct pay_ours ours = { 1000, "INR", NULL };
	enum pay_event ev;
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 1);
	T_EQ_INT(ev, PAY_EV_CAPTURED);
}

static void
pay_decide_right_amount_not_hidden(void)
{
	const struct pay_attempt items[] = {
		A("pay_w", "captured", 999, "INR"), A("pay_u", "captured", 1000, "USD"),
		A("pay_r", "captured", 1000, "INR"),
	};
	const struct pay_ours ours = { 1000, "INR", NULL };
	enum pay_event ev;
	T_EQ_INT(pay_decide(items, 3, &ours, &ev), 2);
	/* Only wrong ones: the first, whose mismatch pay_apply refuses. */
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 0);
	T_EQ_INT(ev, PAY_EV_CAPTURED);
}

static void
pay_decide_known_preferred(void)
{
	const struct pay_attempt items[] = {
		A("pay_1", "captured", 1000, "INR"), A("pay_2", "captured", 1000, "INR"),
	};
	struct pay_ours ours = { 1000, "INR", "pay_2" };
	enum pay_event ev;
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 1);
	ours.known = "pay_9";        /* recorded, but not listed: the first match */
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 0);
	/* The recorded one of a wrong amount does not beat a right one. */
	const struct pay_attempt odd[] = {
		A("pay_1", "captured", 1000, "INR"), A("pay_2", "captured", 5, "INR"),
	};
	ours.known = "pay_2";
	T_EQ_INT(pay_decide(odd, 2, &ours, &ev), 0);
}

static void
pay_decide_all_failed(void)
{
	const struct pay_attempt items[] = {
		A("pay_1", "failed", 1000, "INR"), A("pay_2", "failed", 1000, "INR"),
	};
	struct pay_ours ours = { 1000, "INR", NULL };
	enum pay_event ev = PAY_EV_CAPTURED;
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 0);
	T_EQ_INT(ev, PAY_EV_FAILED);
	ours.known = "pay_2";        /* the recorded attempt's failure first */
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), 1);
	T_EQ_INT(ev, PAY_EV_FAILED);
}

static void
pay_decide_bad_nothing_decides(void)
{
	const struct pay_attempt items[] = {
		A("pay_1", "failed", 1000, "INR"), A("pay_2", "created", 1000, "INR"),
	};
	const struct pay_ours ours = { 1000, "INR", NULL };
	enum pay_event ev;
	/* One still "created": the customer may be paying right now. */
	T_EQ_INT(pay_decide(items, 2, &ours, &ev), -1);
	T_EQ_INT(pay_decide(items + 1, 1, &ours, &ev), -1);
	T_EQ_INT(pay_decide(items, 0, &ours, &ev), -1);
}

static void
pay_verified_already_rules(void)
{
	T_ASSERT(pay_verified_already("SUCCESS", "pay_1", "pay_1"));
	T_ASSERT(pay_verified_already("REFUNDED", "pay_1", "pay_1"));
	T_ASSERT(!pay_verified_already("SUCCESS", "pay_1", "pay_2"));
	T_ASSERT(!pay_verified_already("SUCCESS", NULL, "pay_1"));
	T_ASSERT(!pay_verified_already("PROCESSING", "pay_1", "pay_1"));
	T_ASSERT(!pay_verified_already("PENDING", NULL, "pay_1"));
}

static void
pay_refund_status_each(void)
{
	T_EQ_STR(pay_refund_status("processed"), "PROCESSED");
	T_EQ_STR(pay_refund_status("failed"), "FAILED");
	T_EQ_STR(pay_refund_status("pending"), "PENDING");
	T_EQ_STR(pay_refund_status("created"), "PENDING");
	T_EQ_STR(pay_refund_status(NULL), "PENDING");
}

static void
pay_refund_request_full_is_what_is_left(void)
{
	int64_t amount = -1;
	T_EQ_INT(pay_refund_request("SUCCESS", true, 300000, 0, false, 0, &amount), PAY_REFUND_OK);
	T_EQ_INT(amount, 300000);
	T_EQ_INT(pay_refund_request("SUCCESS", true, 300000, 100010, false, 0, &amount),
	    PAY_REFUND_OK);
	T_EQ_INT(amount, 199990);
}

static void
pay_refund_request_partial_to_the_paisa(void)
{
	int64_t amount = -1;
	T_EQ_INT(pay_refund_request("SUCCESS", true, 300000, 0, true, 150010, &amount),
	    PAY_REFUND_OK);
	T_EQ_INT(amount, 150010);
	/* Exactly what is left. */
	T_EQ_INT(pay_refund_request("SUCCESS", true, 300000, 149990, true, 150010, &amount),
	    PAY_REFUND_OK);
	T_EQ_INT(amount, 150010);
}

static void
pay_refund_request_bad_one_paisa_too_much_400(void)
{
	int64_t amount = -1;
	T_EQ_INT(pay_refund_request("SUCCESS", true, 300000, 149990, true, 150011, &amount),
	    PAY_REFUND_TOO_MUCH);
	T_EQ_INT(amount, 150010);       /* what is left, for the message */
}

static void
pay_refund_request_bad_status_409(void)
{
	int64_t amount;
	T_EQ_INT(pay_refund_request("REFUNDED", true, 300000, 300000, false, 0, &amount),
	    PAY_REFUND_DONE);
	T_EQ_INT(pay_refund_request("REFUNDED", true, 300000, 300000, true, 100, &amount),
	    PAY_REFUND_DONE);
	static const char *const unpaid[] = { "PENDING", "PROCESSING", "FAILED" };
	for (size_t i = 0; i < 3; i++)
		T_EQ_INT(pay_refund_request(unpaid[i], true, 300000, 0, false, 0, &amount),
		    PAY_REFUND_NOT_PAID);
	/* SUCCESS without a Razorpay payment: nothing to refund through. */
	T_EQ_INT(pay_refund_request("SUCCESS", false, 300000, 0, false, 0, &amount),
	    PAY_REFUND_NOT_PAID);
}

static void
pay_refund_fits_bounds(void)
{
	T_ASSERT(pay_refund_fits("SUCCESS", 300000, 0, 300000));
	T_ASSERT(pay_refund_fits("SUCCESS", 300000, 299999, 1));
	T_ASSERT(!pay_refund_fits("SUCCESS", 300000, 299999, 2));
	T_ASSERT(!pay_refund_fits("SUCCESS", 300000, 0, 0));
	T_ASSERT(!pay_refund_fits("SUCCESS", 300000, 0, -1));
	T_ASSERT(!pay_refund_fits("SUCCESS", 300000, 300000, 1));
	T_ASSERT(!pay_refund_fits("REFUNDED", 300000, 0, 100));
	T_ASSERT(!pay_refund_fits("PENDING", 300000, 0, 100));
}

static void
pay_payable_pending_exact(void)
{
	T_EQ_INT(pay_payable("PENDING", 300000, "INR", false, 0, NULL), PAY_PAYABLE_OK);
	T_EQ_INT(pay_payable("PENDING", 300000, "INR", true, 300000, "INR"), PAY_PAYABLE_OK);
}

static void
pay_payable_bad_amount_or_currency_400(void)
{
	T_EQ_INT(pay_payable("PENDING", 300000, "INR", true, 299999, NULL), PAY_PAYABLE_AMOUNT);
	T_EQ_INT(pay_payable("PENDING", 300000, "INR", true, 300001, NULL), PAY_PAYABLE_AMOUNT);
	T_EQ_INT(pay_payable("PENDING", 300000, "INR", true, 0, NULL), PAY_PAYABLE_AMOUNT);
	T_EQ_INT(pay_payable("PENDING", 300000, "INR", false, 0, "USD"), PAY_PAYABLE_CURRENCY);
}

static void
pay_payable_bad_not_pending_or_nothing_409(void)
{
	static const char *const st[] = { "PAID", "SHIPPED", "DELIVERED", "CANCELLED" };
	for (size_t i = 0; i < 4; i++)     /* before the amount is looked at */
		T_EQ_INT(pay_payable(st[i], 300000, "INR", true, 1, "USD"),
		    PAY_PAYABLE_NOT_PENDING);
	T_EQ_INT(pay_payable("PENDING", 0, "INR", false, 0, NULL), PAY_PAYABLE_NOTHING);
	T_EQ_INT(pay_payable("PENDING", 0, "INR", true, 0, "INR"), PAY_PAYABLE_NOTHING);
}

static void
pay_hook_of_each_event(void)
{
	enum pay_event ev;
	T_EQ_INT(pay_hook_of("payment.captured", &ev), PAY_HOOK_PAYMENT);
	T_EQ_INT(ev, PAY_EV_CAPTURED);
	ev = PAY_EV_FAILED;
	T_EQ_INT(pay_hook_of("order.paid", &ev), PAY_HOOK_PAYMENT);
	T_EQ_INT(ev, PAY_EV_CAPTURED);
	T_EQ_INT(pay_hook_of("payment.authorized", &ev), PAY_HOOK_PAYMENT);
	T_EQ_INT(ev, PAY_EV_AUTHORIZED);
	T_EQ_INT(pay_hook_of("payment.failed", &ev), PAY_HOOK_PAYMENT);
	T_EQ_INT(ev, PAY_EV_FAILED);
	T_EQ_INT(pay_hook_of("refund.created", &ev), PAY_HOOK_REFUND);
	T_EQ_INT(pay_hook_of("refund.processed", &ev), PAY_HOOK_REFUND);
	T_EQ_INT(pay_hook_of("refund.failed", &ev), PAY_HOOK_REFUND);
}

static void
pay_hook_of_bad_others_ignored(void)
{
	enum pay_event ev;
	static const char *const others[] = { "payment.dispute.created", "refund.speed_changed",
		"refund.", "order.notification.delivered", "payout.processed", "payment.captured.x",
		"", NULL };
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		t_check(pay_hook_of(others[i], &ev) == PAY_HOOK_IGNORED, __FILE__, __LINE__,
		    "pay_hook_of(%s) is not ignored", others[i] ? others[i] : "NULL");
}

static bool
key_shape(const char *k)
{
	if (strlen(k) != 43 || strncmp(k, "rf_", 3) != 0)
		return false;
	return strspn(k + 3, "0123456789abcdef") == 40;
}

static void
pay_refund_key_derived_from_the_client_key(void)
{
	const char *pay = "0b7f0d4e-2a8c-4c11-9a3e-5f1d2c3b4a59";
	char a[44], b[44];
	pay_refund_key("user-1", "key-1", pay, 150010, a);
	/* sha256("user-1\nkey-1\n<payment>\n150010"), its first 40 hex digits:
	 * keys stored by earlier versions stay the same. */
	T_EQ_STR(a, "rf_3617075bd3848d9b782194ebba981bcdef725575");
	pay_refund_key("user-1", "key-1", pay, 150010, b);
	T_EQ_STR(b, a);
	pay_refund_key("user-1", "key-1", pay, 150011, b);
	T_ASSERT(strcmp(a, b) != 0);
	pay_refund_key("user-2", "key-1", pay, 150010, b);
	T_ASSERT(strcmp(a, b) != 0);
	pay_refund_key("user-1", "key-2", pay, 150010, b);
	T_ASSERT(strcmp(a, b) != 0);
	T_ASSERT(key_shape(b));
}

static void
pay_refund_key_random_without_client_key(void)
{
	char a[44], b[44];
	pay_refund_key("user-1", NULL, "p", 100, a);
	pay_refund_key("user-1", NULL, "p", 100, b);
	T_ASSERT(key_shape(a));
	T_ASSERT(key_shape(b));
	T_ASSERT(strcmp(a, b) != 0);
}

static const struct t_case cases[] = {
	T_CASE(pay_event_of_each_status),
	T_CASE(pay_event_of_bad_nothing_happened),
	T_CASE(pay_next_status_every_status),
	T_CASE(pay_next_status_bad_never_back_from_success),
	T_CASE(pay_next_status_failed_attempt_of_another),
	T_CASE(pay_amount_fits_exact_only),
	T_CASE(pay_decide_captured_first),
	T_CASE(pay_decide_refunded_counts_as_captured),
	T_CASE(pay_decide_right_amount_not_hidden),
	T_CASE(pay_decide_known_preferred),
	T_CASE(pay_decide_all_failed),
	T_CASE(pay_decide_bad_nothing_decides),
	T_CASE(pay_verified_already_rules),
	T_CASE(pay_refund_status_each),
	T_CASE(pay_refund_request_full_is_what_is_left),
	T_CASE(pay_refund_request_partial_to_the_paisa),
	T_CASE(pay_refund_request_bad_one_paisa_too_much_400),
	T_CASE(pay_refund_request_bad_status_409),
	T_CASE(pay_refund_fits_bounds),
	T_CASE(pay_payable_pending_exact),
	T_CASE(pay_payable_bad_amount_or_currency_400),
	T_CASE(pay_payable_bad_not_pending_or_nothing_409),
	T_CASE(pay_hook_of_each_event),
	T_CASE(pay_hook_of_bad_others_ignored),
	T_CASE(pay_refund_key_derived_from_the_client_key),
	T_CASE(pay_refund_key_random_without_client_key),
};

int
main(void)
{
	return t_run("payment_logic", cases, T_NCASES(cases), NULL, NULL);
}
