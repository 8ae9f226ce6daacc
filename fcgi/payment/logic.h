/* The payment service's rules as plain functions over plain data: what a
 * Razorpay payment or refund status means for our row, which of an
 * order's Razorpay payments decides it, how much may be refunded, which
 * webhook events we act on, the refund's idempotency key.  No request, no
 * database: apply.c, checkout.c, refunds.c, webhook.c and reconcile.c
 * call these and do the I/O; t/unit/payment_logic.c calls them directly.
 *
 * Our statuses: PENDING, PROCESSING, SUCCESS, FAILED, REFUNDED (payments);
 * PENDING, PROCESSED, FAILED (refunds).  Razorpay's are lower case. */
#ifndef PAYMENT_LOGIC_H
#define PAYMENT_LOGIC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pay_event { PAY_EV_AUTHORIZED, PAY_EV_CAPTURED, PAY_EV_FAILED };

/* The event Razorpay's payment status means (captured and refunded:
 * captured; authorized; failed).  False for "created" (nothing happened
 * yet) and anything unknown. */
bool pay_event_of(const char *rzp_status, enum pay_event *ev);

/* The new status for ev on a payment in `from` whose recorded Razorpay
 * payment is `known` (or NULL), ev being about Razorpay payment pay_id;
 * NULL when nothing changes (forward only: SUCCESS and REFUNDED never move
 * back):
 *   captured    PENDING | PROCESSING | FAILED -> SUCCESS
 *   authorized  PENDING | FAILED -> PROCESSING   (a late authorisation)
 *   failed      PENDING -> FAILED; PROCESSING -> FAILED only when it is the
 *               recorded attempt (or none is recorded) */
const char *pay_next_status(enum pay_event ev, const char *from, const char *known,
    const char *pay_id);

/* Whether Razorpay's amount and currency may be applied to ours: a
 * failure always (it moves no money), anything else only when both are
 * exactly ours. */
bool pay_amount_fits(enum pay_event ev, int64_t amount, const char *currency,
    int64_t our_amount, const char *our_currency);

/* One of Razorpay's payments of an order, as the decision reads it. */
struct pay_attempt {
	const char *id;            /* "pay_..." */
	const char *status;        /* created, authorized, captured, refunded, failed */
	int64_t amount;            /* paise */
	const char *currency;
};

/* What our payment row holds that decides among Razorpay's payments. */
struct pay_ours {
	int64_t amount;            /* paise */
	const char *currency;
	const char *known;         /* razorpay_payment_id, or NULL */
};

/* Of the payments Razorpay lists for one order (GET /orders/:id/payments),
 * the one that decides our payment: a captured (or refunded) one, else an
 * authorized one, else, when every attempt failed, a failed one.  Among
 * several: the recorded one (known), else one of our amount and currency
 * (so that a wrong-amount attempt does not hide a right one), else the
 * first listed, whose mismatch pay_apply logs and refuses.  Returns its
 * index with *ev set, or -1 when none decides (no attempt yet, or one
 * still "created"). */
int pay_decide(const struct pay_attempt *items, size_t n, const struct pay_ours *ours,
    enum pay_event *ev);

/* POST /payments/verify: whether the payment is already what the checkout
 * says (SUCCESS or REFUNDED through Razorpay payment payment_id), so that
 * verify answers without asking Razorpay. */
bool pay_verified_already(const char *status, const char *known, const char *payment_id);

/* Our refund status for Razorpay's: processed -> PROCESSED, failed ->
 * FAILED, anything else (pending, created, NULL) -> PENDING. */
const char *pay_refund_status(const char *rzp_status);

/* POST /payments/:id/refund on a payment in `status` of `paid` paise of
 * which `refunded` are refunded; has_rzp: it has a Razorpay payment id.
 * `asked` when the body names an amount (ask), else the rest is refunded. */
enum pay_refund_verdict {
	PAY_REFUND_OK,             /* *amount is what to ask Razorpay for */
	PAY_REFUND_DONE,           /* 409: already fully refunded */
	PAY_REFUND_NOT_PAID,       /* 409: only a SUCCESS payment is refunded */
	PAY_REFUND_TOO_MUCH        /* 400: more than is left (*amount: what is left) */
};
enum pay_refund_verdict pay_refund_request(const char *status, bool has_rzp, int64_t paid,
    int64_t refunded, bool asked, int64_t ask, int64_t *amount);

/* Whether a refund Razorpay reports, not yet recorded and not failed, may
 * be counted against a payment in `status` (paid and refunded as above):
 * a SUCCESS payment, more than zero, at most what is left. */
bool pay_refund_fits(const char *status, int64_t paid, int64_t refunded, int64_t amount);

/* POST /payments and create-order: whether an order (in `status`, total
 * paise in currency) can be paid as asked (amount when amount_set, and
 * asked_currency, or NULL).  The checks run in this order. */
enum pay_payable {
	PAY_PAYABLE_OK,
	PAY_PAYABLE_NOT_PENDING,   /* 409: only a PENDING order is paid */
	PAY_PAYABLE_AMOUNT,        /* 400: an amount other than the total */
	PAY_PAYABLE_CURRENCY,      /* 400: a currency other than the order's */
	PAY_PAYABLE_NOTHING        /* 409: a total of zero */
};
enum pay_payable pay_payable(const char *status, int64_t total, const char *currency,
    bool amount_set, int64_t amount, const char *asked_currency);

/* Razorpay's webhook events, by what we do with them. */
enum pay_hook {
	PAY_HOOK_IGNORED,          /* anything else: acknowledged, nothing done */
	PAY_HOOK_PAYMENT,          /* payment.captured, order.paid, payment.authorized,
	                              payment.failed: *ev says which */
	PAY_HOOK_REFUND            /* refund.created, refund.processed, refund.failed */
};
enum pay_hook pay_hook_of(const char *event, enum pay_event *ev);

/* The X-Refund-Idempotency key into out[44]: "rf_" and 40 hex digits.
 * With the client's Idempotency-Key (client, of user) it is derived from
 * user, client, payment_id and amount, so a retry asks Razorpay for the
 * same refund; without one (client NULL) it is random. */
void pay_refund_key(const char *user, const char *client, const char *payment_id,
    int64_t amount, char out[44]);

#endif
