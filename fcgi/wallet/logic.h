/* The wallet service's rules as plain functions over plain data: who earns
 * a commission, how much of it a cancellation or a refund takes back, what
 * one order's facts call for (reverse from pending or available, owe the
 * rest, release), what is owed is deducted, the payout machine and its
 * ledger effects, what RazorpayX's word on a payout does, and the
 * settlement file's formula guard.  No request, no database: events.c,
 * wallets.c, payouts.c, razorpayx.c and jobs.c call these and do the I/O;
 * t/unit/wallet_logic.c calls them directly.  Money is int64 paise. */
#ifndef WALLET_LOGIC_H
#define WALLET_LOGIC_H
#include "json.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* COMMISSION_HOLD_DAYS: a whole number of days, 0 to 365 (digits only).
 * The days, or -1. */
int wallet_hold_days_parse(const char *v);

/* ORDER_PAID: whether the seller earns the commission: a seller, more than
 * nothing, and not the buyer themself (ids compare without regard to
 * case; buyer may be NULL). */
bool wallet_commission_earned(const char *seller, const char *buyer, int64_t commission);

/* One order's facts and what was done about them (a wallet_orders row). */
struct wallet_order {
	bool credited;             /* ORDER_PAID came: commission and total are set */
	bool cancelled, full;      /* ORDER_CANCELLED; a full refund */
	bool due;                  /* delivered and its hold has passed */
	bool released;             /* released before */
	int64_t commission, total;
	int64_t refunded;          /* the largest refundedPaise seen */
	int64_t reversed;          /* reversed so far */
};

/* How much of the commission the facts take back, in all: all of it for a
 * cancellation or a full refund (or a refund of the whole total), else
 * commission * refunded / total rounded down (the seller keeps the
 * fraction of a paisa until the refund is whole). */
int64_t wallet_reversal_due(const struct wallet_order *o);

/* What the facts of o call for, with `available` the wallet's available
 * balance before it. */
struct wallet_plan {
	int64_t target;            /* reversed in all afterwards */
	int64_t from_pending;      /* COMMISSION_REVERSED from pending (not released yet) */
	int64_t from_available;    /* COMMISSION_REVERSED from available (released) */
	int64_t owed;              /* COMMISSION_OWED: what available could not cover */
	int64_t release;           /* COMMISSION_RELEASED: pending -> available */
	bool released;             /* the release happens now (even of nothing left) */
	bool record;               /* something changed: write target and released */
};
void wallet_plan_of(const struct wallet_order *o, int64_t available, struct wallet_plan *p);

/* After a credit to available: OWED_DEDUCTED takes min(owed, available),
 * never less than 0. */
int64_t wallet_owed_deduction(int64_t owed, int64_t available);

/* The payout machine: PENDING -> APPROVED -> COMPLETED, PENDING -> REJECTED.
 * The status a payout must have to move to `to`, or NULL when nothing
 * moves to it (an admin's PATCH). */
const char *payout_status_from(const char *to);

/* The ledger row a payout's new status writes. */
struct payout_effect {
	const char *type;          /* PAYOUT_COMPLETED, PAYOUT_REJECTED, PAYOUT_REVERSED */
	int64_t d_available;       /* the amount back for a rejection, 0 for a completion */
	bool settle_owed;          /* funds came back: what is owed is deducted after */
};
/* For a payout of amount that became `to` (completed: it had been
 * COMPLETED before, so a rejection is the bank's reversal).  false when
 * `to` writes no ledger row (APPROVED, PENDING). */
bool payout_effect_of(const char *to, bool completed, int64_t amount, struct payout_effect *e);

/* RazorpayX's word on a payout (its status st). */
enum rzpx_action {
	RZPX_DO_RECORD,            /* still on its way: record its id and status (APPROVED) */
	RZPX_DO_COMPLETE,          /* processed: APPROVED -> COMPLETED */
	RZPX_DO_REJECT             /* failed, rejected, cancelled, reversed: APPROVED ->
	                              REJECTED, or COMPLETED -> REJECTED (reversed; the
	                              others only when never processed) */
};
/* record_only: the event only records (payout.updated, ...). */
enum rzpx_action rzpx_action_of(const char *st, bool record_only);

/* RazorpayX's payout webhooks by what we do with them. */
enum rzpx_hook {
	RZPX_HOOK_IGNORED,         /* not a payout event we act on */
	RZPX_HOOK_MOVE,            /* payout.processed, .reversed, .failed, .rejected:
	                              the status is the event's */
	RZPX_HOOK_RECORD           /* payout.updated, .queued, .pending, .initiated: the
	                              status is the entity's, recorded only */
};
enum rzpx_hook rzpx_hook_of(const char *event);

/* A RazorpayX fund account id ("fa_" and 1 to 40 of [A-Za-z0-9_]). */
bool rzpx_fund_account_ok(const char *s);
/* A RazorpayX payout id as we keep it ("pout_" and 1 to 40 letters or
 * digits). */
bool rzpx_payout_id_ok(const char *s);
/* A payout status as RazorpayX writes it: 1 to 32 of [a-z_]. */
bool rzpx_status_ok(const char *s);
/* How many bytes of RazorpayX's reason to keep: all of it up to max, else
 * max or fewer, cut at a UTF-8 character boundary. */
size_t rzpx_why_len(const char *why, size_t max);
/* A payout's reference_id: our uuid without its hyphens, into out[33]. */
void rzpx_ref_of(const char *id, char out[33]);
/* The uuid a reference_id (32 lower-case hex digits) names, into out[37];
 * false when ref is not one. */
bool rzpx_ref_uuid(const char *ref, char out[37]);

/* One text field of the settlement file (bankAccount, notes), quoted as
 * RFC 4180 says (quotes doubled); a cell starting with = + - @, a tab or a
 * carriage return gets a leading ' so that a spreadsheet shows it rather
 * than running it (OWASP "CSV injection").  NULL is an empty cell. */
void wallet_csv_text(struct buf *b, const char *s);

#endif
