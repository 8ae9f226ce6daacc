/* The reconcile job (POST /internal/payment/jobs/reconcile on the
 * internal listener) through the gateway, against the Razorpay stand-in
 * (t/razorpay/) and real orders, with no webhook sent unless a case says
 * so.
 *
 * - payments: captured -> SUCCESS and the order PAID, failed -> FAILED,
 *   unpaid stays PENDING, authorized -> PROCESSING, late capture after
 *   FAILED, amount mismatch refused, the age threshold, Razorpay down
 *   (errors counted), concurrent runs, bad bodies and the public port
 *   (404), the rotation past abandoned checkouts.
 * - refunds: a PENDING refund whose refund.processed was lost becomes
 *   PROCESSED (one PAYMENT_REFUNDED, the webhook arriving afterwards
 *   changes nothing); a refund whose create answer was lost (the stand-in
 *   makes it and answers 504) is recorded with its effects (amount
 *   refunded, REFUNDED, the order CANCELLED by a full one, one
 *   PAYMENT_REFUNDED), once whether its webhook comes before or after the
 *   job; failed -> FAILED (a lost one recorded, not counted); pending
 *   stays and is counted; the threshold; Razorpay down (errors counted,
 *   settled by the next run).
 *
 * A run looks at every due payment and refund, other cases' too: counters
 * are checked as "at least" for the first run and exactly for what must
 * not happen again.  The stand-in's POST /_stub/refund makes refunds
 * pending, moves them, and loses their create answers; suite_clean puts
 * it back. */
#include "../lib/t.h"
#include "../lib/http.h"
#include "../lib/pay.h"
#include "crypto.h"
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DB T_PAY_DB

static char *admin;
static char *cust;                /* a customer's token */
static char cust_id[37];
static char *product;

/* ================= helpers ================= */

/* The job's counters (-1 for a member that is missing or not an
 * integer). */
struct job {
	long long checked, succeeded, failed, processing, unchanged, errors;
	struct {
		long long checked, processed, failed, pending, recorded, errors;
	} rf;                                  /* "refunds" */
};

static long long
jint(struct json_object *o, const char *key)
{
	struct json_object *v = t_jget(o, key);
	return v != NULL && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

/* POST /internal/payment/jobs/reconcile with body (NULL: none) on base
 * (NULL: the internal listener). */
static long
reconcile_post(struct resp *rs, const char *base, const char *body)
{
	char url[300];
	snprintf(url, sizeof url, "%s/internal/payment/jobs/reconcile",
	    base ? base : t_env("INTERNAL_URL"));
	if (body == NULL)
		return t_http(rs, "POST", url, NULL, NULL, NULL, 0, (char *)NULL);
	return t_send_json(rs, "POST", url, NULL, body);
}

/* One run, which must answer 200 with every counter; *j gets them. */
static bool
reconcile_run(const char *body, struct job *j)
{
	struct resp rs;
	reconcile_post(&rs, NULL, body);
	bool ok = T_STATUS(&rs, 200);
	T_EQ_STR(t_jstr(rs.json, "job"), "reconcile");
	j->checked = jint(rs.json, "checked");
	j->succeeded = jint(rs.json, "succeeded");
	j->failed = jint(rs.json, "failed");
	j->processing = jint(rs.json, "processing");
	j->unchanged = jint(rs.json, "unchanged");
	j->errors = jint(rs.json, "errors");
	ok = ok && t_check(j->succeeded >= 0 && j->failed >= 0 && j->processing >= 0 &&
	    j->unchanged >= 0 && j->errors >= 0 && j->checked == j->succeeded + j->failed +
	    j->processing + j->unchanged + j->errors, __FILE__, __LINE__,
	    "counters add up: %s", rs.body);
	j->rf.checked = jint(rs.json, "refunds.checked");
	j->rf.processed = jint(rs.json, "refunds.processed");
	j->rf.failed = jint(rs.json, "refunds.failed");
	j->rf.pending = jint(rs.json, "refunds.pending");
	j->rf.recorded = jint(rs.json, "refunds.recorded");
	j->rf.errors = jint(rs.json, "refunds.errors");
	ok = ok && t_check(j->rf.processed >= 0 && j->rf.failed >= 0 && j->rf.pending >= 0 &&
	    j->rf.errors >= 0 && j->rf.recorded >= 0 && j->rf.checked == j->rf.processed +
	    j->rf.failed + j->rf.pending + j->rf.errors && j->rf.recorded <= j->rf.checked -
	    j->rf.errors, __FILE__, __LINE__, "refund counters add up: %s", rs.body);
	t_resp_free(&rs);
	return ok;
}

/* Every due payment, whatever its age. */
#define DUE_NOW "{\"olderThanSeconds\":0,\"limit\":500}"

/* The order's status through the API, as its customer sees it, until it
 * is want (true) or secs have passed (false). */
static bool
order_wait(const char *token, const char *order, const char *want, double secs)
{
	char url[128];
	snprintf(url, sizeof url, "/orders/%s", order);
	double end = t_now() + secs;
	for (;;) {
		struct resp rs;
		t_get(&rs, url, token);
		bool ok = rs.status == 200 && t_jstr(rs.json, "status") != NULL &&
		    strcmp(t_jstr(rs.json, "status"), want) == 0;
		t_resp_free(&rs);
		if (ok)
			return true;
		if (t_now() > end)
			return false;
		t_sleep_ms(100);
	}
}

static long long
recorded_rzp_payment(const char *pay, const char *rzp_pay)
{
	return t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "razorpay_payment_id = $2", pay, rzp_pay, (char *)NULL);
}


static int
suite_init(void)
{
	if (t_env(DB) == NULL)
		return -1;
	char sub[37];
	crypto_uuid4(sub);
	admin = t_mint(sub, "reconcile-admin@example.com", ROLE_ADMIN, TOKEN_ACCESS, 3600, 0,
	    NULL);
	crypto_uuid4(cust_id);
	cust = t_mint(cust_id, "reconcile-a@example.com", ROLE_CUSTOMER, TOKEN_ACCESS, 3600, 0,
	    NULL);
	product = t_pay_product(admin, "reconcile-product");
	return t_pay_init(product) == 0 && admin && cust ? 0 : -1;
}

static int
suite_clean(void)
{
	/* Whatever a failed case left: refunds processed, answers kept. */
	struct resp rs;
	t_stub_post(&rs, "/_stub/refund", "{\"newStatus\":\"processed\",\"loseAnswers\":0}");
	t_resp_free(&rs);
	t_stub_post(&rs, "/_stub/fault", "{}");
	t_resp_free(&rs);
	free(admin);
	free(cust);
	free(product);
	return 0;
}

/* ================= payments ================= */

/* Abandoned checkouts (a Razorpay order, never paid) stay PENDING and
 * due; a run looks first at the payments looked at least recently, so
 * however many there are, a paid one behind them is reached. */
static void
reconcile_rotates_past_unpaid_payments(void)
{
	struct t_checkout abandoned, paid;
	char rzp_pay[64];
	struct job j;
	T_REQUIRE(reconcile_run(DUE_NOW, &j));   /* everything due so far: looked at */
	T_REQUIRE(t_checkout_new(cust, "1000.00", &abandoned));
	T_REQUIRE(t_checkout_new(cust, "1000.00", &paid));
	T_REQUIRE(t_stub_pay(paid.rzp_order, "captured", 0, rzp_pay, NULL));
	const char *one = "{\"olderThanSeconds\":0,\"limit\":1}";
	for (int i = 0; i < 3; i++) {
		T_REQUIRE(reconcile_run(one, &j));
		T_EQ_INT(j.checked, 1);
	}
	T_PAY_STATUS(abandoned.pay, "PENDING");
	T_PAY_STATUS(paid.pay, "SUCCESS");
}

/* Captured at Razorpay, the webhook lost: the job makes the payment
 * SUCCESS (one PAYMENT_SUCCESS) and the relay makes the order PAID; a
 * second run changes nothing. */
static void
reconcile_captured_without_webhook_success(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	struct job j;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	T_PAY_STATUS(c.pay, "PENDING");
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.succeeded >= 1);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(recorded_rzp_payment(c.pay, rzp_pay), 1);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_ASSERT(order_wait(cust, c.order, "PAID", 5));

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(j.succeeded, 0);
	T_EQ_INT(j.failed, 0);
	T_EQ_INT(j.processing, 0);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	/* The webhook arriving late after all: nothing more. */
	t_hook_ok("payment.captured", rzp_pay, "", "unchanged");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

/* Every attempt failed: FAILED (one PAYMENT_FAILED).  No attempt, or one
 * still "created": PENDING, the customer may still pay. */
static void
reconcile_failed_and_unpaid(void)
{
	struct t_checkout failed, unpaid, started;
	char rzp_pay[64], rzp_pay2[64];
	struct job j;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &failed));
	T_REQUIRE(t_checkout_new(cust, "1000.00", &unpaid));
	T_REQUIRE(t_checkout_new(cust, "1000.00", &started));
	T_REQUIRE(t_stub_pay(failed.rzp_order, "failed", 0, rzp_pay, NULL));
	T_REQUIRE(t_stub_pay(failed.rzp_order, "failed", 0, rzp_pay2, NULL));
	T_REQUIRE(t_stub_pay(started.rzp_order, "failed", 0, rzp_pay, NULL));
	T_REQUIRE(t_stub_pay(started.rzp_order, "created", 0, rzp_pay2, NULL));
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.failed >= 1);
	T_ASSERT(j.unchanged >= 2);
	T_PAY_STATUS(failed.pay, "FAILED");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", failed.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "failure_reason IS NOT NULL", failed.pay, (char *)NULL), 1);
	T_PAY_STATUS(unpaid.pay, "PENDING");
	T_PAY_STATUS(started.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", unpaid.pay), 0);
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", started.pay), 0);

	/* Again: the FAILED one is looked at again (within the day) and
	 * stays as it is. */
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(j.failed, 0);
	T_EQ_INT(j.succeeded, 0);
	T_PAY_STATUS(failed.pay, "FAILED");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", failed.pay), 1);
	T_PAY_STATUS(unpaid.pay, "PENDING");
}

/* Authorized and not captured yet: PROCESSING, no event. */
static void
reconcile_authorized_processing(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	struct job j;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "authorized", 0, rzp_pay, NULL));
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.processing >= 1);
	T_PAY_STATUS(c.pay, "PROCESSING");
	T_EQ_INT(recorded_rzp_payment(c.pay, rzp_pay), 1);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay) + t_pay_events("PAYMENT_FAILED", c.pay), 0);
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(j.processing, 0);
	T_PAY_STATUS(c.pay, "PROCESSING");
}

/* FAILED by an earlier run, then a later attempt on the same Razorpay
 * order is captured: the next run makes it SUCCESS. */
static void
reconcile_late_capture_after_failed(void)
{
	struct t_checkout c;
	char first[64], second[64];
	struct job j;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "failed", 0, first, NULL));
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_PAY_STATUS(c.pay, "FAILED");
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", c.pay), 1);
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, second, NULL));
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.succeeded >= 1);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(recorded_rzp_payment(c.pay, second), 1);
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
	T_EQ_INT(t_pay_events("PAYMENT_FAILED", c.pay), 1);
	T_ASSERT(order_wait(cust, c.order, "PAID", 5));
}

/* The customer paid 1.00 on our 1000.00 order: logged, counted as an
 * error, never SUCCESS; run after run. */
static void
reconcile_bad_amount_mismatch_not_success(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	struct job j;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 100, rzp_pay, NULL));
	for (int run = 0; run < 2; run++) {
		T_REQUIRE(reconcile_run(DUE_NOW, &j));
		T_ASSERT(j.errors >= 1);
		T_PAY_STATUS(c.pay, "PENDING");
		T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
	}
	T_EQ_INT(recorded_rzp_payment(c.pay, rzp_pay), 0);
}

/* With the default threshold (RECONCILE_AFTER_SECONDS, 900 s) a payment
 * made a moment ago is not looked at; with 0 it is. */
static void
reconcile_young_payment_untouched(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	struct job j;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	T_REQUIRE(reconcile_run(NULL, &j));
	T_PAY_STATUS(c.pay, "PENDING");
	T_REQUIRE(reconcile_run("{\"limit\":500}", &j));
	T_PAY_STATUS(c.pay, "PENDING");
	T_REQUIRE(reconcile_run("{\"olderThanSeconds\":3600}", &j));
	T_PAY_STATUS(c.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_PAY_STATUS(c.pay, "SUCCESS");
}

/* Razorpay answers 503 to everything: each payment is an error, the run
 * still answers 200 and nothing changes; once Razorpay is back, the next
 * run settles it. */
static void
reconcile_razorpay_down_errors_counted(void)
{
	struct t_checkout c;
	char rzp_pay[64];
	struct job j;
	struct resp rs;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	t_stub_post(&rs, "/_stub/fault", "{\"status\":503,\"count\":100000}");
	bool faulty = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	bool ran = faulty && reconcile_run(DUE_NOW, &j);
	t_stub_post(&rs, "/_stub/fault", "{}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_REQUIRE(ran);
	T_ASSERT(j.errors >= 1);
	T_EQ_INT(j.errors, j.checked);
	T_EQ_INT(j.succeeded + j.failed + j.processing + j.unchanged, 0);
	T_PAY_STATUS(c.pay, "PENDING");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 0);

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.succeeded >= 1);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

/* Two runs at once: each answers 200 (or 409 while the other holds the
 * run), and the payment moves once. */
static void
reconcile_concurrent_runs_one_event(void)
{
	struct t_checkout c;
	char rzp_pay[64], url[300];
	long st[2];
	char *bodies[2];
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	snprintf(url, sizeof url, "%s/internal/payment/jobs/reconcile", t_env("INTERNAL_URL"));
	t_http_parallel(2, "POST", url, NULL, "application/json", DUE_NOW, st, bodies);
	for (int i = 0; i < 2; i++) {
		t_check(st[i] == 200 || st[i] == 409, __FILE__, __LINE__, "run %d: %ld %s", i,
		    st[i], bodies[i]);
		if (st[i] == 409)
			T_ASSERT(t_contains(bodies[i], "already in progress"));
		free(bodies[i]);
	}
	T_ASSERT(st[0] == 200 || st[1] == 200);
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_SUCCESS", c.pay), 1);
}

/* Bad bodies: 400 naming the field, nothing done.  The public gateway
 * does not have the route at all. */
static void
reconcile_bad_body_400_and_not_public(void)
{
	static const struct { const char *body, *field; } bad[] = {
		{ "{\"limit\":0}", "limit" },
		{ "{\"limit\":501}", "limit" },
		{ "{\"limit\":\"10\"}", "limit" },
		{ "{\"limit\":1.5}", "limit" },
		{ "{\"olderThanSeconds\":-1}", "olderThanSeconds" },
		{ "{\"olderThanSeconds\":86401}", "olderThanSeconds" },
		{ "{\"olderThanSeconds\":null,\"dryRun\":true}", "dryRun" },
		{ "[1]", "object" },
		{ "{\"limit\":", "malformed" },
	};
	struct t_checkout c;
	char rzp_pay[64];
	struct resp rs;
	T_REQUIRE(t_checkout_new(cust, "1000.00", &c));
	T_REQUIRE(t_stub_pay(c.rzp_order, "captured", 0, rzp_pay, NULL));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		reconcile_post(&rs, NULL, bad[i].body);
		T_ERROR(&rs, 400, bad[i].field);
		t_resp_free(&rs);
	}
	reconcile_post(&rs, t_env("BASE_URL"), DUE_NOW);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	reconcile_post(&rs, t_env("BASE_URL"), NULL);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "PENDING");
	/* The method is POST. */
	char url[300];
	snprintf(url, sizeof url, "%s/internal/payment/jobs/reconcile", t_env("INTERNAL_URL"));
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 405, NULL);
	t_resp_free(&rs);
	T_PAY_STATUS(c.pay, "PENDING");
}

static const struct t_case cases[] = {
	T_CASE(reconcile_captured_without_webhook_success),
	T_CASE(reconcile_rotates_past_unpaid_payments),
	T_CASE(reconcile_failed_and_unpaid),
	T_CASE(reconcile_authorized_processing),
	T_CASE(reconcile_late_capture_after_failed),
	T_CASE(reconcile_bad_amount_mismatch_not_success),
	T_CASE(reconcile_young_payment_untouched),
	T_CASE(reconcile_razorpay_down_errors_counted),
	T_CASE(reconcile_concurrent_runs_one_event),
	T_CASE(reconcile_bad_body_400_and_not_public),
};

int
main(void)
{
	return t_run("payment_reconcile", cases, T_NCASES(cases), suite_init, suite_clean);
}
