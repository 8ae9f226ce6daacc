/* The wallet service's rules (logic.h): plain functions, no I/O. */
#include "logic.h"
#include "valid.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ALNUM "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

static bool
is(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

int
wallet_hold_days_parse(const char *v)
{
	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	char *end;
	long d = strtol(v, &end, 10);
	if (*end != '\0' || d > 365)
		return -1;
	return (int)d;
}

bool
wallet_commission_earned(const char *seller, const char *buyer, int64_t commission)
{
	return seller != NULL && commission != 0 &&
	    !(buyer != NULL && strcasecmp(buyer, seller) == 0);
}

int64_t
wallet_reversal_due(const struct wallet_order *o)
{
	if (o->cancelled || o->full || (o->refunded > 0 && o->refunded >= o->total))
		return o->commission;
	if (o->refunded <= 0 || o->total <= 0)
		return 0;
	return (int64_t)((__int128)o->commission * o->refunded / o->total);
}

void
wallet_plan_of(const struct wallet_order *o, int64_t available, struct wallet_plan *p)
{
	memset(p, 0, sizeof *p);
	if (!o->credited)
		return;
	p->target = wallet_reversal_due(o);
	int64_t delta = p->target - o->reversed;
	if (delta > 0 && !o->released) {
		p->from_pending = delta;
	} else if (delta > 0) {
		/* Released already (maybe paid out): what available cannot cover
		 * is owed, never a negative balance. */
		p->from_available = delta < available ? delta : available;
		if (p->from_available < 0)
			p->from_available = 0;
		p->owed = delta - p->from_available;
	}
	p->released = !o->released && o->due;
	int64_t left = o->commission - p->target;
	if (p->released && left > 0)
		p->release = left;
	p->record = delta > 0 || p->released;
}

int64_t
wallet_owed_deduction(int64_t owed, int64_t available)
{
	int64_t d = owed < available ? owed : available;
	return d > 0 ? d : 0;
}

const char *
payout_status_from(const char *to)
{
	if (is(to, "APPROVED") || is(to, "REJECTED"))
		return "PENDING";
	if (is(to, "COMPLETED"))
		return "APPROVED";
	return NULL;
}

bool
payout_effect_of(const char *to, bool completed, int64_t amount, struct payout_effect *e)
{
	bool rejected = is(to, "REJECTED");
	if (!rejected && !is(to, "COMPLETED"))
		return false;
	/* Only RazorpayX rejects a payout that was completed: its money came
	 * back (reversed by the bank). */
	bool reversed = rejected && completed;
	e->type = reversed ? "PAYOUT_REVERSED" : rejected ? "PAYOUT_REJECTED" :
	    "PAYOUT_COMPLETED";
	e->d_available = rejected ? amount : 0;
	e->settle_owed = rejected;
	return true;
}

enum rzpx_action
rzpx_action_of(const char *st, bool record_only)
{
	if (record_only)
		return RZPX_DO_RECORD;
	if (is(st, "processed"))
		return RZPX_DO_COMPLETE;
	if (is(st, "reversed") || is(st, "failed") || is(st, "rejected") || is(st, "cancelled"))
		return RZPX_DO_REJECT;
	return RZPX_DO_RECORD;
}

enum rzpx_hook
rzpx_hook_of(const char *event)
{
	static const char *const moves[] = { "processed", "reversed", "failed", "rejected", NULL };
	static const char *const records[] = { "updated", "queued", "pending", "initiated", NULL };
	if (event == NULL || strncmp(event, "payout.", 7) != 0)
		return RZPX_HOOK_IGNORED;
	const char *what = event + 7;
	for (size_t i = 0; moves[i] != NULL; i++)
		if (strcmp(what, moves[i]) == 0)
			return RZPX_HOOK_MOVE;
	for (size_t i = 0; records[i] != NULL; i++)
		if (strcmp(what, records[i]) == 0)
			return RZPX_HOOK_RECORD;
	return RZPX_HOOK_IGNORED;
}

bool
rzpx_fund_account_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	return n > 3 && n <= 43 && strncmp(s, "fa_", 3) == 0 && strspn(s + 3, ALNUM "_") == n - 3;
}

bool
rzpx_payout_id_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	return n > 5 && n <= 45 && strncmp(s, "pout_", 5) == 0 && strspn(s + 5, ALNUM) == n - 5;
}

bool
rzpx_status_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;
	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

size_t
rzpx_why_len(const char *why, size_t max)
{
	return utf8_cut(why, max);
}

void
rzpx_ref_of(const char *id, char out[33])
{
	size_t k = 0;
	for (const char *c = id; *c && k < 32; c++)
		if (*c != '-')
			out[k++] = *c;
	out[k] = '\0';
}

bool
rzpx_ref_uuid(const char *ref, char out[37])
{
	if (ref == NULL || strlen(ref) != 32 || strspn(ref, "0123456789abcdef") != 32)
		return false;
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", ref, ref + 8, ref + 12, ref + 16,
	    ref + 20);
	return true;
}

void
wallet_csv_text(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	if (s != NULL && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL)
		buf_addc(b, '\'');
	for (; s != NULL && *s; s++) {
		if (*s == '"')
			buf_addc(b, '"');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}
