/* The payment service's rules (logic.h): plain functions, no I/O but the
 * CSPRNG of a key without an Idempotency-Key. */
#include "logic.h"
#include "crypto.h"
#include "json.h"
#include <stdio.h>
#include <string.h>

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

bool
pay_event_of(const char *rzp_status, enum pay_event *ev)
{
	/* Refunded implies captured. */
	if (is(rzp_status, "captured") || is(rzp_status, "refunded"))
		*ev = PAY_EV_CAPTURED;
	else if (is(rzp_status, "authorized"))
		*ev = PAY_EV_AUTHORIZED;
	else if (is(rzp_status, "failed"))
		*ev = PAY_EV_FAILED;
	else
		return false;      /* "created": nothing happened yet */
	return true;
}

const char *
pay_next_status(enum pay_event ev, const char *from, const char *known, const char *pay_id)
{
	switch (ev) {
	case PAY_EV_CAPTURED:
		if (is(from, "PENDING") || is(from, "PROCESSING") || is(from, "FAILED"))
			return "SUCCESS";
		return NULL;
	case PAY_EV_AUTHORIZED:
		/* From FAILED: a late authorisation is legal. */
		if (is(from, "PENDING") || is(from, "FAILED"))
			return "PROCESSING";
		return NULL;
	case PAY_EV_FAILED:
		if (is(from, "PENDING"))
			return "FAILED";
		/* Another attempt failing does not fail the authorised one. */
		if (is(from, "PROCESSING") && (known == NULL || is(known, pay_id)))
			return "FAILED";
		return NULL;
	}
	return NULL;
}

bool
pay_amount_fits(enum pay_event ev, int64_t amount, const char *currency,
    int64_t our_amount, const char *our_currency)
{
	return ev == PAY_EV_FAILED || (amount == our_amount && our_currency != NULL &&
	    is(currency, our_currency));
}

/* Of items[0..n) whose status means `want`, the best: the recorded one
 * (known) of our amount and currency, else the first of our amount and
 * currency, else the first (pay_apply then logs the mismatch and applies
 * nothing).  -1 when there is none. */
static int
best_of(const struct pay_attempt *items, size_t n, enum pay_event want,
    const struct pay_ours *ours)
{
	int best = -1, best_rank = 0;
	for (size_t i = 0; i < n; i++) {
		enum pay_event ev;
		if (!pay_event_of(items[i].status, &ev) || ev != want)
			continue;
		bool match = items[i].amount == ours->amount && is(items[i].currency, ours->currency);
		int rank = match ? (ours->known != NULL && is(items[i].id, ours->known) ? 3 : 2) : 1;
		if (rank > best_rank) {
			best = (int)i;
			best_rank = rank;
		}
	}
	return best;
}

int
pay_decide(const struct pay_attempt *items, size_t n, const struct pay_ours *ours,
    enum pay_event *ev)
{
	static const enum pay_event order[] = { PAY_EV_CAPTURED, PAY_EV_AUTHORIZED };
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		int i = best_of(items, n, order[k], ours);
		if (i >= 0) {
			*ev = order[k];
			return i;
		}
	}
	/* Failed only when every attempt failed: one still "created" may
	 * be the customer paying right now. */
	for (size_t k = 0; k < n; k++)
		if (!is(items[k].status, "failed"))
			return -1;
	/* The recorded attempt first: only its failure fails a PROCESSING
	 * payment (pay_next_status). */
	for (size_t k = 0; k < n; k++)
		if (ours->known != NULL && is(items[k].id, ours->known)) {
			*ev = PAY_EV_FAILED;
			return (int)k;
		}
	if (n == 0)
		return -1;
	*ev = PAY_EV_FAILED;
	return 0;
}

bool
pay_verified_already(const char *status, const char *known, const char *payment_id)
{
	return (is(status, "SUCCESS") || is(status, "REFUNDED")) && known != NULL &&
	    is(payment_id, known);
}

const char *
pay_refund_status(const char *rzp_status)
{
	if (is(rzp_status, "processed"))
		return "PROCESSED";
	if (is(rzp_status, "failed"))
		return "FAILED";
	return "PENDING";
}

enum pay_refund_verdict
pay_refund_request(const char *status, bool has_rzp, int64_t paid, int64_t refunded,
    bool asked, int64_t ask, int64_t *amount)
{
	int64_t left = paid - refunded;
	*amount = left;
	if (is(status, "REFUNDED"))
		return PAY_REFUND_DONE;
	if (!is(status, "SUCCESS") || !has_rzp)
		return PAY_REFUND_NOT_PAID;
	if (asked && ask > left)
		return PAY_REFUND_TOO_MUCH;
	if (asked)
		*amount = ask;
	return PAY_REFUND_OK;
}

bool
pay_refund_fits(const char *status, int64_t paid, int64_t refunded, int64_t amount)
{
	return is(status, "SUCCESS") && amount > 0 && amount <= paid - refunded;
}

enum pay_payable
pay_payable(const char *status, int64_t total, const char *currency, bool amount_set,
    int64_t amount, const char *asked_currency)
{
	if (!is(status, "PENDING"))
		return PAY_PAYABLE_NOT_PENDING;
	if (amount_set && amount != total)
		return PAY_PAYABLE_AMOUNT;
	if (asked_currency != NULL && !is(currency, asked_currency))
		return PAY_PAYABLE_CURRENCY;
	if (total <= 0)
		return PAY_PAYABLE_NOTHING;
	return PAY_PAYABLE_OK;
}

enum pay_hook
pay_hook_of(const char *event, enum pay_event *ev)
{
	if (is(event, "payment.captured") || is(event, "order.paid"))
		*ev = PAY_EV_CAPTURED;
	else if (is(event, "payment.authorized"))
		*ev = PAY_EV_AUTHORIZED;
	else if (is(event, "payment.failed"))
		*ev = PAY_EV_FAILED;
	else if (is(event, "refund.created") || is(event, "refund.processed") ||
	    is(event, "refund.failed"))
		return PAY_HOOK_REFUND;
	else
		return PAY_HOOK_IGNORED;
	return PAY_HOOK_PAYMENT;
}

void
pay_refund_key(const char *user, const char *client, const char *payment_id,
    int64_t amount, char out[44])
{
	char hex[65];
	if (client != NULL) {
		struct buf b = { 0 };
		buf_printf(&b, "%s\n%s\n%s\n%lld", user, client, payment_id, (long long)amount);
		crypto_sha256_hex(b.p, b.len, hex);
		buf_free(&b);
	} else {
		unsigned char rnd[20];
		crypto_random(rnd, sizeof rnd);
		crypto_hex(rnd, sizeof rnd, hex);
	}
	snprintf(out, 44, "rf_%.40s", hex);
}
