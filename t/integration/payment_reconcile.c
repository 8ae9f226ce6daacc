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

/* POST /internal/payment/jobs/reconcile with body (NULL: none) on base
 * (NULL: the internal listener). */
static long
reconcile_post(struct resp *rs, const char *base, const char *body)
{
	char url[300];
	if (base == NULL)
		return t_job_post(rs, "payment", "reconcile", body);
	snprintf(url, sizeof url, "%s/internal/payment/jobs/reconcile", base);
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
	j->checked = t_jint(rs.json, "checked", -1);
	j->succeeded = t_jint(rs.json, "succeeded", -1);
	j->failed = t_jint(rs.json, "failed", -1);
	j->processing = t_jint(rs.json, "processing", -1);
	j->unchanged = t_jint(rs.json, "unchanged", -1);
	j->errors = t_jint(rs.json, "errors", -1);
	ok = ok && t_check(j->succeeded >= 0 && j->failed >= 0 && j->processing >= 0 &&
	    j->unchanged >= 0 && j->errors >= 0 && j->checked == j->succeeded + j->failed +
	    j->processing + j->unchanged + j->errors, __FILE__, __LINE__,
	    "counters add up: %s", rs.body);
	j->rf.checked = t_jint(rs.json, "refunds.checked", -1);
	j->rf.processed = t_jint(rs.json, "refunds.processed", -1);
	j->rf.failed = t_jint(rs.json, "refunds.failed", -1);
	j->rf.pending = t_jint(rs.json, "refunds.pending", -1);
	j->rf.recorded = t_jint(rs.json, "refunds.recorded", -1);
	j->rf.errors = t_jint(rs.json, "refunds.errors", -1);
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
	return t_wait_json(NULL, url, token, "status", want, secs);
}

static long long
recorded_rzp_payment(const char *pay, const char *rzp_pay)
{
	return t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "razorpay_payment_id = $2", pay, rzp_pay, (char *)NULL);
}


/* POST /_stub/refund with json: 200 expected. */
static bool
stub_refund(const char *json)
{
	struct resp rs;
	t_stub_post(&rs, "/_stub/refund", json);
	bool ok = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	return ok;
}

/* Razorpay moves refund rfnd on to status ("processed", "failed"). */
static bool
stub_refund_move(const char *rfnd, const char *status)
{
	char body[200];
	snprintf(body, sizeof body, "{\"id\":\"%s\",\"status\":\"%s\"}", rfnd, status);
	return stub_refund(body);
}

/* The newest of Razorpay's refunds of rzp_pay, as GET /v1/payments/:id/
 * refunds lists them (Basic auth, Razorpay's collection): its id into out
 * and the list's count, or -1. */
static long long
rzp_refund_latest(const char *rzp_pay, char out[64])
{
	char path[160];
	out[0] = '\0';
	snprintf(path, sizeof path, "/v1/payments/%s/refunds", rzp_pay);
	struct resp rs;
	t_rzp_get(&rs, path);
	long long count = -1;
	if (T_STATUS(&rs, 200) && T_ASSERT(t_jstr(rs.json, "entity") != NULL) &&
	    T_EQ_STR(t_jstr(rs.json, "entity"), "collection")) {
		count = t_jint(rs.json, "count", -1);
		T_EQ_INT(count, (long long)t_jlen(rs.json, "items"));
		snprintf(out, 64, "%s", t_jstr(rs.json, "items.0.id") ? t_jstr(rs.json, "items.0.id") :
		    "");
	}
	t_resp_free(&rs);
	return count;
}

/* Our refunds of payment pay in status of amount paise. */
static long long
refunds_of(const char *pay, const char *status, long long amount)
{
	char a[32];
	snprintf(a, sizeof a, "%lld", amount);
	return t_db_count(DB, "SELECT count(*) FROM refunds WHERE payment_id = $1 AND "
	    "status = $2 AND amount = $3::bigint", pay, status, a, (char *)NULL);
}

/* The payment's amount_refunded (paise), or -1. */
static long long
refunded(const char *pay)
{
	return t_db_count(DB, "SELECT amount_refunded FROM payments WHERE id = $1", pay,
	    (char *)NULL);
}

/* An admin's refund of body on pay that Razorpay makes pending: the
 * Razorpay refund id into rfnd.  Expects 201 and a PENDING refund. */
static bool
refund_pending(const char *pay, const char *body, char rfnd[64])
{
	struct resp rs;
	rfnd[0] = '\0';
	if (!stub_refund("{\"newStatus\":\"pending\"}"))
		return false;
	t_refund(&rs, admin, pay, body);
	stub_refund("{\"newStatus\":\"processed\"}");
	bool ok = T_STATUS(&rs, 201) && T_EQ_STR(t_jstr(rs.json, "refund.status"), "PENDING") &&
	    t_jstr(rs.json, "refund.razorpayRefundId") != NULL;
	if (ok)
		snprintf(rfnd, 64, "%s", t_jstr(rs.json, "refund.razorpayRefundId"));
	t_resp_free(&rs);
	return ok;
}

/* An admin's refund of body on pay that Razorpay makes (pending when
 * pending is true) and whose answer is lost: our 502, no refund in our
 * books.  Razorpay's refund id into rfnd. */
static bool
refund_lost(const char *pay, const char *rzp_pay, const char *body, bool pending,
    char rfnd[64])
{
	struct resp rs;
	long long before = refunded(pay);
	if (!stub_refund(pending ? "{\"loseAnswers\":1,\"newStatus\":\"pending\"}" :
	    "{\"loseAnswers\":1}"))
		return false;
	t_refund(&rs, admin, pay, body);
	stub_refund("{\"loseAnswers\":0,\"newStatus\":\"processed\"}");
	bool ok = T_ERROR(&rs, 502, NULL);
	t_resp_free(&rs);
	T_EQ_INT(refunded(pay), before);
	return ok && rzp_refund_latest(rzp_pay, rfnd) >= 1 && T_ASSERT(rfnd[0] != '\0') &&
	    T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM refunds WHERE razorpay_refund_id = $1",
	    rfnd, (char *)NULL), 0);
}

/* GET /payments/:id as its customer: status, amountRefunded and the
 * number of refunds are want. */
static void
payment_seen(const char *pay, const char *status, const char *amount_refunded,
    size_t nrefunds)
{
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/payments/%s", pay);
	t_get(&rs, url, cust);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "status"), status);
		T_JSON_EQ(&rs, "amountRefunded", amount_refunded);
		T_EQ_INT(t_jlen(rs.json, "refunds"), nrefunds);
	}
	t_resp_free(&rs);
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

/* ================= refunds ================= */

/* Razorpay processed our PENDING refund and its refund.processed was
 * lost: the job makes it PROCESSED; what it counted when it was made
 * stays (one PAYMENT_REFUNDED); the webhook arriving afterwards changes
 * nothing. */
static void
reconcile_refund_webhook_lost_processed(void)
{
	struct t_checkout c;
	char rzp_pay[64], rfnd[64], extra[120];
	struct job j;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_REQUIRE(refund_pending(c.pay, "{\"amount\":400.00}", rfnd));
	T_EQ_INT(refunds_of(c.pay, "PENDING", 40000), 1);
	T_REQUIRE(stub_refund_move(rfnd, "processed"));

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.rf.processed >= 1);
	T_EQ_INT(refunds_of(c.pay, "PROCESSED", 40000), 1);
	T_EQ_INT(refunds_of(c.pay, "PENDING", 40000), 0);
	T_EQ_INT(refunded(c.pay), 40000);
	payment_seen(c.pay, "SUCCESS", "400.00", 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	T_ASSERT(order_wait(cust, c.order, "PAID", 5));

	/* Nothing left to do: the next run does not count it again. */
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(j.rf.processed, 0);
	T_EQ_INT(j.rf.recorded, 0);
	snprintf(extra, sizeof extra, ", \"refundId\":\"%s\"", rfnd);
	t_hook_ok("refund.processed", rzp_pay, extra, "unchanged");
	T_EQ_INT(refunds_of(c.pay, "PROCESSED", 40000), 1);
	T_EQ_INT(refunded(c.pay), 40000);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
}

/* The refund call's answer was lost (Razorpay refunded everything, we
 * answered 502 and recorded nothing), and so was its webhook: the job
 * finds it by our notes, records it with what its webhook would have
 * made (REFUNDED, one full PAYMENT_REFUNDED, the order CANCELLED), and
 * the webhook arriving afterwards changes nothing. */
static void
reconcile_refund_answer_lost_recorded(void)
{
	struct t_checkout c;
	char rzp_pay[64], rfnd[64], extra[120];
	struct job j;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_ASSERT(order_wait(cust, c.order, "PAID", 5));
	T_REQUIRE(refund_lost(c.pay, rzp_pay, NULL, false, rfnd));
	T_PAY_STATUS(c.pay, "SUCCESS");
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 0);

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.rf.recorded >= 1);
	T_ASSERT(j.rf.processed >= 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM refunds WHERE payment_id = $1 AND "
	    "razorpay_refund_id = $2 AND status = 'PROCESSED' AND amount = 100000", c.pay, rfnd,
	    (char *)NULL), 1);
	T_PAY_STATUS(c.pay, "REFUNDED");
	payment_seen(c.pay, "REFUNDED", "1000.00", 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND "
	    "type = 'PAYMENT_REFUNDED' AND (payload->>'full')::boolean AND "
	    "(payload->>'refundedPaise')::bigint = 100000", c.pay, (char *)NULL), 1);
	T_ASSERT(order_wait(cust, c.order, "CANCELLED", 15));

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(j.rf.recorded, 0);
	snprintf(extra, sizeof extra, ", \"refundId\":\"%s\"", rfnd);
	t_hook_ok("refund.processed", rzp_pay, extra, "unchanged");
	T_EQ_INT(refunded(c.pay), 100000);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM refunds WHERE payment_id = $1", c.pay,
	    (char *)NULL), 1);
}

/* The answer was lost, the webhook was not: the webhook records the
 * refund, and the job that comes after finds it recorded: one refund,
 * one PAYMENT_REFUNDED. */
static void
reconcile_refund_answer_lost_webhook_first_once(void)
{
	struct t_checkout c;
	char rzp_pay[64], rfnd[64], extra[120];
	struct job j;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_REQUIRE(refund_lost(c.pay, rzp_pay, "{\"amount\":250.00}", false, rfnd));
	snprintf(extra, sizeof extra, ", \"refundId\":\"%s\"", rfnd);
	t_hook_ok("refund.processed", rzp_pay, extra, "applied");
	T_EQ_INT(refunded(c.pay), 25000);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(refunds_of(c.pay, "PROCESSED", 25000), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM refunds WHERE payment_id = $1", c.pay,
	    (char *)NULL), 1);
	T_EQ_INT(refunded(c.pay), 25000);
	payment_seen(c.pay, "SUCCESS", "250.00", 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	/* Not due any more. */
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM payments WHERE id = $1 AND "
	    "refund_asked_at IS NULL", c.pay, (char *)NULL), 1);
}

/* Razorpay failed our PENDING refund and refund.failed was lost: the job
 * makes it FAILED, as refund.failed would have.  A refund whose answer
 * was lost and that then failed is recorded FAILED and not counted: no
 * amount refunded, no PAYMENT_REFUNDED. */
static void
reconcile_refund_failed(void)
{
	struct t_checkout c, lost;
	char rzp_pay[64], rzp_lost[64], rfnd[64], rfnd_lost[64], extra[120];
	struct job j;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_REQUIRE(t_paid_new(cust, "1000.00", &lost, rzp_lost));
	T_REQUIRE(refund_pending(c.pay, "{\"amount\":300.00}", rfnd));
	T_REQUIRE(stub_refund_move(rfnd, "failed"));
	T_REQUIRE(refund_lost(lost.pay, rzp_lost, "{\"amount\":300.00}", true, rfnd_lost));
	T_REQUIRE(stub_refund_move(rfnd_lost, "failed"));

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.rf.failed >= 2);
	T_ASSERT(j.rf.recorded >= 1);
	T_EQ_INT(refunds_of(c.pay, "FAILED", 30000), 1);
	T_EQ_INT(refunds_of(c.pay, "PENDING", 30000), 0);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);      /* when it was made */
	T_EQ_INT(refunds_of(lost.pay, "FAILED", 30000), 1);
	T_EQ_INT(refunded(lost.pay), 0);
	payment_seen(lost.pay, "SUCCESS", "0.00", 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", lost.pay), 0);

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(j.rf.failed, 0);
	snprintf(extra, sizeof extra, ", \"refundId\":\"%s\"", rfnd);
	t_hook_ok("refund.failed", rzp_pay, extra, "unchanged");
	T_EQ_INT(refunds_of(c.pay, "FAILED", 30000), 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
}

/* Still pending at Razorpay: it stays PENDING and is counted, run after
 * run, until Razorpay processes it. */
static void
reconcile_refund_pending_stays(void)
{
	struct t_checkout c;
	char rzp_pay[64], rfnd[64];
	struct job j;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_REQUIRE(refund_pending(c.pay, "{\"amount\":100.00}", rfnd));
	for (int run = 0; run < 2; run++) {
		T_REQUIRE(reconcile_run(DUE_NOW, &j));
		T_ASSERT(j.rf.pending >= 1);
		T_EQ_INT(refunds_of(c.pay, "PENDING", 10000), 1);
		T_EQ_INT(refunded(c.pay), 10000);
		T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
	}
	T_REQUIRE(stub_refund_move(rfnd, "processed"));
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.rf.processed >= 1);
	T_EQ_INT(refunds_of(c.pay, "PROCESSED", 10000), 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", c.pay), 1);
}

/* With the default threshold (RECONCILE_AFTER_SECONDS, 900 s), or an
 * hour, a refund made a moment ago (pending, or its answer lost) is not
 * asked about; with 0 it is. */
static void
reconcile_refund_young_untouched(void)
{
	struct t_checkout c, lost;
	char rzp_pay[64], rzp_lost[64], rfnd[64], rfnd_lost[64];
	struct job j;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_REQUIRE(t_paid_new(cust, "1000.00", &lost, rzp_lost));
	T_REQUIRE(refund_pending(c.pay, "{\"amount\":100.00}", rfnd));
	T_REQUIRE(stub_refund_move(rfnd, "processed"));
	T_REQUIRE(refund_lost(lost.pay, rzp_lost, "{\"amount\":100.00}", false, rfnd_lost));
	T_REQUIRE(reconcile_run(NULL, &j));
	T_REQUIRE(reconcile_run("{\"limit\":500}", &j));
	T_REQUIRE(reconcile_run("{\"olderThanSeconds\":3600}", &j));
	T_EQ_INT(refunds_of(c.pay, "PENDING", 10000), 1);
	T_EQ_INT(refunded(lost.pay), 0);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", lost.pay), 0);
	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_EQ_INT(refunds_of(c.pay, "PROCESSED", 10000), 1);
	T_EQ_INT(refunds_of(lost.pay, "PROCESSED", 10000), 1);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", lost.pay), 1);
}

/* Razorpay answers 503 to everything: each refund it was to settle is an
 * error, nothing changes, and a lost answer stays due; once Razorpay is
 * back, the next run settles both. */
static void
reconcile_refund_razorpay_down_errors_counted(void)
{
	struct t_checkout c, lost;
	char rzp_pay[64], rzp_lost[64], rfnd[64], rfnd_lost[64];
	struct job j;
	struct resp rs;
	T_REQUIRE(t_paid_new(cust, "1000.00", &c, rzp_pay));
	T_REQUIRE(t_paid_new(cust, "1000.00", &lost, rzp_lost));
	T_REQUIRE(refund_pending(c.pay, "{\"amount\":100.00}", rfnd));
	T_REQUIRE(stub_refund_move(rfnd, "processed"));
	T_REQUIRE(refund_lost(lost.pay, rzp_lost, "{\"amount\":100.00}", false, rfnd_lost));
	t_stub_post(&rs, "/_stub/fault", "{\"status\":503,\"count\":100000}");
	bool faulty = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	bool ran = faulty && reconcile_run(DUE_NOW, &j);
	t_stub_post(&rs, "/_stub/fault", "{}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_REQUIRE(ran);
	T_ASSERT(j.rf.errors >= 2);
	T_EQ_INT(j.rf.errors, j.rf.checked);
	T_EQ_INT(refunds_of(c.pay, "PENDING", 10000), 1);
	T_EQ_INT(refunded(lost.pay), 0);

	T_REQUIRE(reconcile_run(DUE_NOW, &j));
	T_ASSERT(j.rf.processed >= 2);
	T_ASSERT(j.rf.recorded >= 1);
	T_EQ_INT(refunds_of(c.pay, "PROCESSED", 10000), 1);
	T_EQ_INT(refunds_of(lost.pay, "PROCESSED", 10000), 1);
	T_EQ_INT(refunded(lost.pay), 10000);
	T_EQ_INT(t_pay_events("PAYMENT_REFUNDED", lost.pay), 1);
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
	T_CASE(reconcile_refund_webhook_lost_processed),
	T_CASE(reconcile_refund_answer_lost_recorded),
	T_CASE(reconcile_refund_answer_lost_webhook_first_once),
	T_CASE(reconcile_refund_failed),
	T_CASE(reconcile_refund_pending_stays),
	T_CASE(reconcile_refund_young_untouched),
	T_CASE(reconcile_refund_razorpay_down_errors_counted),
};

int
main(void)
{
	return t_run("payment_reconcile", cases, T_NCASES(cases), suite_init, suite_clean);
}
