/* fcgi/wallet/logic.c: who earns a commission, how much a cancellation or
 * a refund takes back (proportional, rounded down, whole at the end), what
 * one order's facts call for, owed deductions, the payout machine and its
 * ledger rows, RazorpayX's word on a payout, the settlement file's cells.
 * Plain functions: no stack, no database. */
#include "../lib/t.h"
#include "../../fcgi/wallet/logic.h"
#include "money.h"
#include <string.h>

static void
wallet_hold_days_parse_good(void)
{
	T_EQ_INT(wallet_hold_days_parse("0"), 0);
	T_EQ_INT(wallet_hold_days_parse("7"), 7);
	T_EQ_INT(wallet_hold_days_parse("007"), 7);
	T_EQ_INT(wallet_hold_days_parse("365"), 365);
}

static void
wallet_hold_days_parse_bad(void)
{
	static const char *const bad[] = { "366", "", "-1", "+1", " 1", "1 ", "1.5", "1d",
		"abc", "99999999999999999999999", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_check(wallet_hold_days_parse(bad[i]) == -1, __FILE__, __LINE__,
		    "COMMISSION_HOLD_DAYS=\"%s\" accepted", bad[i] ? bad[i] : "(null)");
}

static void
wallet_commission_earned_rules(void)
{
	T_ASSERT(wallet_commission_earned("s1", "u1", 1));
	T_ASSERT(wallet_commission_earned("s1", NULL, 30000));
	T_ASSERT(!wallet_commission_earned(NULL, "u1", 30000));
	T_ASSERT(!wallet_commission_earned("s1", "u1", 0));
	/* A reseller buying through their own link. */
	T_ASSERT(!wallet_commission_earned("AB-12", "ab-12", 30000));
}

static struct wallet_order
paid(int64_t commission, int64_t total)
{
	struct wallet_order o = { .credited = true, .commission = commission, .total = total };
	return o;
}

static void
wallet_reversal_due_whole(void)
{
	struct wallet_order o = paid(30000, 300000);
	T_EQ_INT(wallet_reversal_due(&o), 0);
	o.cancelled = true;
	T_EQ_INT(wallet_reversal_due(&o), 30000);
	o = paid(30000, 300000);
	o.full = true;
	T_EQ_INT(wallet_reversal_due(&o), 30000);
	o = paid(30000, 300000);
	o.refunded = 300000;           /* the whole total, "full" or not */
	T_EQ_INT(wallet_reversal_due(&o), 30000);
	o.refunded = 300001;
	T_EQ_INT(wallet_reversal_due(&o), 30000);
}

static void
wallet_reversal_due_proportional_rounded_down(void)
{
	struct wallet_order o = paid(30000, 300000);
	o.refunded = 100000;           /* a third */
	T_EQ_INT(wallet_reversal_due(&o), 10000);
	o = paid(1001, 3000);
	o.refunded = 1000;             /* 333.67 paise: the seller keeps the fraction */
	T_EQ_INT(wallet_reversal_due(&o), 333);
	o.refunded = 2999;             /* 1000.67 */
	T_EQ_INT(wallet_reversal_due(&o), 1000);
	o.refunded = 3000;             /* whole: the rest goes too */
	T_EQ_INT(wallet_reversal_due(&o), 1001);
	o = paid(4, 40);
	o.refunded = 1;                /* 0.1 paise: nothing yet */
	T_EQ_INT(wallet_reversal_due(&o), 0);
}

static void
wallet_reversal_due_zero_and_no_overflow(void)
{
	struct wallet_order o = paid(0, 300000);
	o.refunded = 100000;
	T_EQ_INT(wallet_reversal_due(&o), 0);
	o = paid(30000, 0);            /* a free order: nothing to share out */
	T_EQ_INT(wallet_reversal_due(&o), 0);
	o = paid(MONEY_MAX, MONEY_MAX);
	o.refunded = MONEY_MAX - 1;    /* commission * refunded needs 128 bits */
	T_EQ_INT(wallet_reversal_due(&o), MONEY_MAX - 1);
}

static void
wallet_plan_bad_not_credited_nothing(void)
{
	struct wallet_order o = { .cancelled = true, .due = true, .refunded = 5 };
	struct wallet_plan p;
	wallet_plan_of(&o, 1000, &p);
	T_ASSERT(!p.record);
	T_EQ_INT(p.from_pending + p.from_available + p.owed + p.release + p.target, 0);
	T_ASSERT(!p.released);
}

static void
wallet_plan_nothing_to_do(void)
{
	struct wallet_order o = paid(30000, 300000);
	struct wallet_plan p;
	wallet_plan_of(&o, 0, &p);
	T_ASSERT(!p.record);
	T_EQ_INT(p.target, 0);
}

static void
wallet_plan_cancel_before_release_from_pending(void)
{
	struct wallet_order o = paid(30000, 300000);
	o.cancelled = true;
	struct wallet_plan p;
	wallet_plan_of(&o, 99999, &p);
	T_EQ_INT(p.from_pending, 30000);
	T_EQ_INT(p.from_available, 0);
	T_EQ_INT(p.owed, 0);
	T_EQ_INT(p.target, 30000);
	T_ASSERT(p.record && !p.released);
}

static void
wallet_plan_release_when_due(void)
{
	struct wallet_order o = paid(30000, 300000);
	o.due = true;
	struct wallet_plan p;
	wallet_plan_of(&o, 0, &p);
	T_EQ_INT(p.release, 30000);
	T_ASSERT(p.released && p.record);
	T_EQ_INT(p.from_pending, 0);
	/* Due after a partial refund: what is left of it. */
	o.refunded = 100000;
	wallet_plan_of(&o, 0, &p);
	T_EQ_INT(p.from_pending, 10000);
	T_EQ_INT(p.release, 20000);
	/* Due after a cancellation: released, of nothing. */
	o.cancelled = true;
	wallet_plan_of(&o, 0, &p);
	T_EQ_INT(p.from_pending, 30000);
	T_EQ_INT(p.release, 0);
	T_ASSERT(p.released && p.record);
}

static void
wallet_plan_after_release_from_available(void)
{
	struct wallet_order o = paid(30000, 300000);
	o.released = true;
	o.due = true;
	o.refunded = 150000;           /* half */
	struct wallet_plan p;
	wallet_plan_of(&o, 50000, &p);
	T_EQ_INT(p.from_available, 15000);
	T_EQ_INT(p.owed, 0);
	T_EQ_INT(p.from_pending, 0);
	T_EQ_INT(p.release, 0);
	T_ASSERT(!p.released && p.record);
}

static void
wallet_plan_after_payout_owed(void)
{
	struct wallet_order o = paid(30000, 300000);
	o.released = true;
	o.cancelled = true;
	struct wallet_plan p;
	wallet_plan_of(&o, 12345, &p);  /* paid out but 123.45 */
	T_EQ_INT(p.from_available, 12345);
	T_EQ_INT(p.owed, 30000 - 12345);
	wallet_plan_of(&o, 0, &p);      /* all paid out */
	T_EQ_INT(p.from_available, 0);
	T_EQ_INT(p.owed, 30000);
	wallet_plan_of(&o, 30000, &p);  /* exactly enough */
	T_EQ_INT(p.from_available, 30000);
	T_EQ_INT(p.owed, 0);
}

static void
wallet_plan_refunds_reverse_the_difference(void)
{
	struct wallet_order o = paid(30000, 300000);
	o.refunded = 100000;
	o.reversed = 10000;            /* the first refund was applied */
	struct wallet_plan p;
	wallet_plan_of(&o, 0, &p);
	T_ASSERT(!p.record);           /* the same fact again: nothing */
	o.refunded = 250000;           /* the payment's refunded total grew */
	wallet_plan_of(&o, 0, &p);
	T_EQ_INT(p.target, 25000);
	T_EQ_INT(p.from_pending, 15000);
	o.refunded = 300000;           /* whole: the rest, fractions included */
	o.reversed = 25000;
	wallet_plan_of(&o, 0, &p);
	T_EQ_INT(p.from_pending, 5000);
}

/* Applying a plan and planning again from the facts it wrote changes
 * nothing, whatever the facts. */
static void
wallet_plan_idempotent(void)
{
	static const int64_t refunds[] = { 0, 1, 99999, 100000, 299999, 300000 };
	for (int mask = 0; mask < 16; mask++)
		for (size_t k = 0; k < sizeof refunds / sizeof refunds[0]; k++) {
			struct wallet_order o = paid(30001, 300000);
			o.cancelled = mask & 1;
			o.full = mask & 2;
			o.due = mask & 4;
			o.released = mask & 8;
			o.refunded = refunds[k];
			struct wallet_plan p, q;
			wallet_plan_of(&o, 1000, &p);
			T_EQ_INT(p.from_pending + p.from_available + p.owed, p.target - o.reversed);
			T_ASSERT(p.release + p.target <= o.commission);
			o.reversed = p.target;
			o.released = o.released || p.released;
			wallet_plan_of(&o, 1000, &q);
			t_check(!q.record, __FILE__, __LINE__, "facts %d, refunded %lld: a second "
			    "plan changes something", mask, (long long)refunds[k]);
		}
}

static void
wallet_owed_deduction_min(void)
{
	T_EQ_INT(wallet_owed_deduction(500, 200), 200);
	T_EQ_INT(wallet_owed_deduction(200, 500), 200);
	T_EQ_INT(wallet_owed_deduction(0, 500), 0);
	T_EQ_INT(wallet_owed_deduction(500, 0), 0);
	T_EQ_INT(wallet_owed_deduction(-1, 500), 0);
}

static void
payout_status_from_machine(void)
{
	T_EQ_STR(payout_status_from("APPROVED"), "PENDING");
	T_EQ_STR(payout_status_from("REJECTED"), "PENDING");
	T_EQ_STR(payout_status_from("COMPLETED"), "APPROVED");
	T_EQ_STR(payout_status_from("PENDING"), NULL);
	T_EQ_STR(payout_status_from("approved"), NULL);
	T_EQ_STR(payout_status_from(NULL), NULL);
}

static void
payout_effect_each_status(void)
{
	struct payout_effect e;
	T_REQUIRE(payout_effect_of("COMPLETED", false, 50000, &e));
	T_EQ_STR(e.type, "PAYOUT_COMPLETED");
	T_EQ_INT(e.d_available, 0);
	T_ASSERT(!e.settle_owed);
	T_REQUIRE(payout_effect_of("REJECTED", false, 50000, &e));
	T_EQ_STR(e.type, "PAYOUT_REJECTED");
	T_EQ_INT(e.d_available, 50000);
	T_ASSERT(e.settle_owed);
	/* Rejected after it was completed: the bank sent it back. */
	T_REQUIRE(payout_effect_of("REJECTED", true, 50000, &e));
	T_EQ_STR(e.type, "PAYOUT_REVERSED");
	T_EQ_INT(e.d_available, 50000);
	T_ASSERT(e.settle_owed);
	T_ASSERT(!payout_effect_of("APPROVED", false, 50000, &e));
	T_ASSERT(!payout_effect_of("PENDING", false, 50000, &e));
}

static void
rzpx_action_each_status(void)
{
	T_EQ_INT(rzpx_action_of("processed", false), RZPX_DO_COMPLETE);
	static const char *const rej[] = { "failed", "rejected", "cancelled", "reversed" };
	for (size_t i = 0; i < 4; i++) {
		T_EQ_INT(rzpx_action_of(rej[i], false), RZPX_DO_REJECT);
		T_EQ_INT(rzpx_action_of(rej[i], true), RZPX_DO_RECORD);
	}
	static const char *const rec[] = { "queued", "pending", "processing", "scheduled", "" };
	for (size_t i = 0; i < 5; i++)
		T_EQ_INT(rzpx_action_of(rec[i], false), RZPX_DO_RECORD);
	T_EQ_INT(rzpx_action_of("processed", true), RZPX_DO_RECORD);
	T_EQ_INT(rzpx_action_of(NULL, false), RZPX_DO_RECORD);
}

static void
rzpx_hook_each_event(void)
{
	static const char *const moves[] = { "payout.processed", "payout.reversed",
		"payout.failed", "payout.rejected" };
	static const char *const recs[] = { "payout.updated", "payout.queued", "payout.pending",
		"payout.initiated" };
	for (size_t i = 0; i < 4; i++) {
		T_EQ_INT(rzpx_hook_of(moves[i]), RZPX_HOOK_MOVE);
		T_EQ_INT(rzpx_hook_of(recs[i]), RZPX_HOOK_RECORD);
	}
	static const char *const other[] = { "payout.cancelled", "payout.", "payout",
		"payment.captured", "payout.processed.x", "", NULL };
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
		T_EQ_INT(rzpx_hook_of(other[i]), RZPX_HOOK_IGNORED);
}

static void
rzpx_ids_and_statuses(void)
{
	T_ASSERT(rzpx_fund_account_ok("fa_00000000000001"));
	T_ASSERT(rzpx_fund_account_ok("fa_a_b"));
	T_ASSERT(rzpx_fund_account_ok("fa_1234567890123456789012345678901234567890"));
	T_ASSERT(!rzpx_fund_account_ok("fa_12345678901234567890123456789012345678901"));
	T_ASSERT(!rzpx_fund_account_ok("fa_"));
	T_ASSERT(!rzpx_fund_account_ok("fa_a-b"));
	T_ASSERT(!rzpx_fund_account_ok("FA_1"));
	T_ASSERT(!rzpx_fund_account_ok("HDFC0001234 1234"));
	T_ASSERT(!rzpx_fund_account_ok(NULL));
	T_ASSERT(rzpx_payout_id_ok("pout_00000000000001"));
	T_ASSERT(!rzpx_payout_id_ok("pout_"));
	T_ASSERT(!rzpx_payout_id_ok("pout_a_b"));
	T_ASSERT(!rzpx_payout_id_ok("pay_1"));
	T_ASSERT(!rzpx_payout_id_ok(NULL));
	T_ASSERT(rzpx_status_ok("processed"));
	T_ASSERT(rzpx_status_ok("in_process"));
	T_ASSERT(!rzpx_status_ok("Processed"));
	T_ASSERT(!rzpx_status_ok(""));
	T_ASSERT(!rzpx_status_ok("abcdefghijklmnopqrstuvwxyzabcdefg"));   /* 33 */
	T_ASSERT(!rzpx_status_ok(NULL));
}

static void
rzpx_why_len_cut_at_a_character(void)
{
	T_EQ_INT(rzpx_why_len("short", 480), 5);
	T_EQ_INT(rzpx_why_len("abcdef", 6), 6);
	T_EQ_INT(rzpx_why_len("abcdefg", 6), 6);
	/* "abcde" then U+00E9 (2 bytes): 6 would split it. */
	T_EQ_INT(rzpx_why_len("abcde\xc3\xa9z", 6), 5);
	/* U+20AC (3 bytes) at 4..6. */
	T_EQ_INT(rzpx_why_len("abcd\xe2\x82\xacz", 6), 4);
	T_EQ_INT(rzpx_why_len("abcd\xe2\x82\xacz", 7), 7);
}

static void
rzpx_reference_round_trip(void)
{
	const char *id = "0b7f0d4e-2a8c-4c11-9a3e-5f1d2c3b4a59";
	char ref[33], back[37];
	rzpx_ref_of(id, ref);
	T_EQ_STR(ref, "0b7f0d4e2a8c4c119a3e5f1d2c3b4a59");
	T_REQUIRE(rzpx_ref_uuid(ref, back));
	T_EQ_STR(back, id);
	T_ASSERT(!rzpx_ref_uuid("0B7F0D4E2A8C4C119A3E5F1D2C3B4A59", back));
	T_ASSERT(!rzpx_ref_uuid("0b7f0d4e2a8c4c119a3e5f1d2c3b4a5", back));
	T_ASSERT(!rzpx_ref_uuid(id, back));
	T_ASSERT(!rzpx_ref_uuid(NULL, back));
}

static void
wallet_csv_cell(const char *in, const char *want)
{
	struct buf b = { 0 };
	wallet_csv_text(&b, in);
	buf_addc(&b, '\0');
	t_check(strcmp(b.p, want) == 0, __FILE__, __LINE__, "cell of \"%s\" is %s, expected %s",
	    in ? in : "(null)", b.p, want);
	buf_free(&b);
}

static void
wallet_csv_text_quoted(void)
{
	wallet_csv_cell("HDFC0001234 1234", "\"HDFC0001234 1234\"");
	wallet_csv_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
	wallet_csv_cell("a,b\r\nc", "\"a,b\r\nc\"");
	wallet_csv_cell("", "\"\"");
	wallet_csv_cell(NULL, "\"\"");
}

static void
wallet_csv_text_bad_formula_guarded(void)
{
	wallet_csv_cell("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
	wallet_csv_cell("+1", "\"'+1\"");
	wallet_csv_cell("-1", "\"'-1\"");
	wallet_csv_cell("@SUM(A1)", "\"'@SUM(A1)\"");
	wallet_csv_cell("\tx", "\"'\tx\"");
	wallet_csv_cell("\rx", "\"'\rx\"");
	wallet_csv_cell("x=1", "\"x=1\"");       /* only the first character counts */
}

static const struct t_case cases[] = {
	T_CASE(wallet_hold_days_parse_good),
	T_CASE(wallet_hold_days_parse_bad),
	T_CASE(wallet_commission_earned_rules),
	T_CASE(wallet_reversal_due_whole),
	T_CASE(wallet_reversal_due_proportional_rounded_down),
	T_CASE(wallet_reversal_due_zero_and_no_overflow),
	T_CASE(wallet_plan_bad_not_credited_nothing),
	T_CASE(wallet_plan_nothing_to_do),
	T_CASE(wallet_plan_cancel_before_release_from_pending),
	T_CASE(wallet_plan_release_when_due),
	T_CASE(wallet_plan_after_release_from_available),
	T_CASE(wallet_plan_after_payout_owed),
	T_CASE(wallet_plan_refunds_reverse_the_difference),
	T_CASE(wallet_plan_idempotent),
	T_CASE(wallet_owed_deduction_min),
	T_CASE(payout_status_from_machine),
	T_CASE(payout_effect_each_status),
	T_CASE(rzpx_action_each_status),
	T_CASE(rzpx_hook_each_event),
	T_CASE(rzpx_ids_and_statuses),
	T_CASE(rzpx_why_len_cut_at_a_character),
	T_CASE(rzpx_reference_round_trip),
	T_CASE(wallet_csv_text_quoted),
	T_CASE(wallet_csv_text_bad_formula_guarded),
};

int
main(void)
{
	return t_run("wallet_logic", cases, T_NCASES(cases), NULL, NULL);
}
