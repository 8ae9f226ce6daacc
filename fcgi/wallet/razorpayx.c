/* Settlement through RazorpayX Payouts (RAZORPAYX_ACCOUNT_NUMBER set) and
 * RazorpayX's payout webhooks.  Both learn a payout's fate from RazorpayX
 * and apply it with one function, rzpx_apply.
 *
 * The settle job (POST /internal/wallet/jobs/settle, through jobs_settle):
 * for each approved payout, oldest id first and no transaction open during
 * the call, POST /payouts from that account to the payout's bankAccount (a
 * fund account id) in RAZORPAYX_MODE (IMPS), purpose payout, queued if the
 * balance is low, reference_id our id without hyphens, with
 * X-Payout-Idempotency set to our payout id (razorpay-facts.md B.5): the
 * key exists before the call, so a retry (the run died, the answer was
 * lost, two runs at once) gets RazorpayX's first payout back rather than a
 * second one.  A payout RazorpayX already has (gateway_payout_id) is
 * fetched instead (GET /payouts/:id).  A payout whose bankAccount is not a
 * fund account id (requested before the switch to RazorpayX) is never sent:
 * it is REJECTED at its first run with the amount returned and the reason
 * in failureReason.  No answer or an error: left APPROVED for the next run,
 * same key.
 * {"job":"settle","via":"razorpayx","completed":n,"rejected":m,
 *  "inFlight":f,"errors":e,"more":bool}
 *
 * POST /wallets/webhook/razorpayx (public, no token): RazorpayX's payout
 * webhooks (payout.processed, .reversed, .failed, .rejected, .updated,
 * .queued, .pending, .initiated), signed like Razorpay's
 * (rzp_webhook_or_reply: X-Razorpay-Signature over the raw body with
 * RAZORPAYX_WEBHOOK_SECRET, constant time; no secret: every delivery is
 * refused).  One transaction: the delivery's X-Razorpay-Event-Id into
 * webhook_events, then the effect; a repeat answers "duplicate" and
 * changes nothing.  Our payout is the one with RazorpayX's id, or, before
 * we recorded that id (the create's answer was lost), the one its
 * reference_id (or notes.payoutId) names.  200 for everything RazorpayX
 * should not retry (applied, recorded, unchanged, ignored: not ours, not a
 * payout event); only a database outage answers 503.  No outgoing call. */
#include "wallet.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "razorpay.h"
#include "valid.h"
#include <stdio.h>
#include <string.h>

#define RZPX_MAX 500      /* payouts a settle run sends or asks about */
#define WHY_MAX 480       /* bytes of RazorpayX's reason kept (gateway_error <= 500) */

static char rzpx_account[48], rzpx_mode[8];

int
rzpx_config(void)
{
	const char *acct = config_str("RAZORPAYX_ACCOUNT_NUMBER", "");
	const char *mode = config_str("RAZORPAYX_MODE", "IMPS");
	size_t n = strlen(acct);
	if (n >= sizeof rzpx_account || strspn(acct, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz") != n) {
		fprintf(stderr, "wallet: RAZORPAYX_ACCOUNT_NUMBER must be letters and digits, at "
		    "most %zu\n", sizeof rzpx_account - 1);
		return -1;
	}
	if (strcmp(mode, "IMPS") != 0 && strcmp(mode, "NEFT") != 0 && strcmp(mode, "RTGS") != 0) {
		fprintf(stderr, "wallet: RAZORPAYX_MODE must be IMPS, NEFT or RTGS\n");
		return -1;
	}
	snprintf(rzpx_account, sizeof rzpx_account, "%s", acct);
	snprintf(rzpx_mode, sizeof rzpx_mode, "%s", mode);
	return 0;
}

bool
rzpx_enabled(void)
{
	return rzpx_account[0] != '\0';
}

/* RazorpayX's reason, at most WHY_MAX bytes cut at a character boundary;
 * NULL when there is none. */
static const char *
why_clip(struct req *r, const char *why)
{
	if (why == NULL || why[0] == '\0')
		return NULL;
	size_t n = rzpx_why_len(why, WHY_MAX);
	return why[n] == '\0' ? why : arena_printf(r->a, "%.*s", (int)n, why);
}

/* What RazorpayX's word on a payout did. */
enum rzpx_outcome {
	RZPX_ERROR = -1,    /* answered (503/500) */
	RZPX_UNCHANGED,     /* nothing to do: moved before, or not ours to move */
	RZPX_RECORDED,      /* still APPROVED, RazorpayX's id and status recorded */
	RZPX_COMPLETED,     /* APPROVED -> COMPLETED */
	RZPX_REJECTED,      /* APPROVED -> REJECTED, the amount returned */
	RZPX_REVERSED       /* COMPLETED -> REJECTED, the amount returned */
};

/* Inside the caller's transaction: RazorpayX's payout pout has status st
 * (why: its status_details.description, or NULL) and is our payout id.
 * Only conditional UPDATEs on our status, so the settle job's fetch and
 * the webhooks may say it in any order and any number of times, and a
 * payout moves once:
 *   processed: APPROVED -> COMPLETED (PAYOUT_COMPLETED, no balance change);
 *   failed, rejected, cancelled, reversed: APPROVED -> REJECTED, the amount
 *     returns (PAYOUT_REJECTED);
 *   reversed: COMPLETED through pout -> REJECTED, the amount returns
 *     (PAYOUT_REVERSED): the bank sent the money back after it was
 *     processed; failed, rejected, cancelled likewise, but only when
 *     RazorpayX never reported it processed (an admin completed it by
 *     hand while it was on its way);
 *   anything else (queued, pending, processing), or any st when
 *   record_only: RazorpayX's id and status recorded while APPROVED.
 * A late processed after a reversal, a second reversal, a failure after
 * RazorpayX processed it: nothing changes.  Each change writes PAYOUT_STATUS_CHANGED.
 * Which status does what: rzpx_action_of (logic.c). */
static enum rzpx_outcome
rzpx_apply(struct req *r, const char *id, const char *pout, const char *st, const char *why,
    bool record_only)
{
	enum rzpx_action act = rzpx_action_of(st, record_only);
	bool failed = act == RZPX_DO_REJECT;
	why = why_clip(r, why);
	if (act == RZPX_DO_RECORD) {
		PGresult *res = db_exec_or_reply(r, W(W_RZPX_SEEN), (const char *[]){ id, pout, st });
		if (res == NULL)
			return RZPX_ERROR;
		return PQntuples(res) == 1 ? RZPX_RECORDED : RZPX_UNCHANGED;
	}
	enum rzpx_outcome o = failed ? RZPX_REJECTED : RZPX_COMPLETED;
	const char *reason = failed ? (why ? why : arena_printf(r->a, "RazorpayX payout %s", st)) :
	    NULL;
	const char *notes = failed ? arena_printf(r->a, "RazorpayX payout %s: %s", st,
	    why ? why : "no reason given") : NULL;
	const char *p[] = { id, failed ? "REJECTED" : "COMPLETED", pout, st, reason, notes };
	PGresult *up = db_exec_or_reply(r, W(W_RZPX_DONE), p);
	if (up == NULL)
		return RZPX_ERROR;
	if (PQntuples(up) == 0 && failed) {
		o = RZPX_REVERSED;
		notes = arena_printf(r->a, "RazorpayX payout %s after it was completed: %s", st,
		    why ? why : "no reason given");
		up = db_exec_or_reply(r, W(W_RZPX_REVERSE), (const char *[]){ id, pout, st, reason,
		    notes });
		if (up == NULL)
			return RZPX_ERROR;
	}
	if (PQntuples(up) == 0)
		return RZPX_UNCHANGED;
	if (payout_status_effect(r, up) != 0 || payout_event(r, up) != 0)
		return RZPX_ERROR;
	log_info("payout %s: RazorpayX payout %s %s -> %s", id, pout, st,
	    db_get(up, 0, "status"));
	return o;
}

/* ---- the settle job ---- */

/* RazorpayX's answer (a payout entity) for our payout id, in one
 * transaction.  The outcome. */
static enum rzpx_outcome
settle_record(struct req *r, const char *id, const struct jv *entity)
{
	const char *st = rzp_str(entity, "status"), *pout = rzp_str(entity, "id");
	const char *why = rzp_str(rzp_get(entity, "status_details"), "description");
	if (db_begin(r) != 0)
		return RZPX_ERROR;
	enum rzpx_outcome o = rzpx_apply(r, id, pout, st, why, false);
	if (o == RZPX_ERROR || db_commit(r) != 0)
		return RZPX_ERROR;
	if (o == RZPX_RECORDED)
		log_info("payout %s: RazorpayX payout %s is %s", id, pout, st);
	return o;
}

/* A payout RazorpayX cannot take (row 0 of res: its bankAccount is not a
 * fund account id) is rejected at once with the amount back, never sent.
 * The outcome. */
static enum rzpx_outcome
settle_unpayable(struct req *r, const PGresult *res)
{
	const char *id = db_get(res, 0, "id");
	const char *why = "bankAccount is not a RazorpayX fund account id (fa_...): request a new "
	    "payout to a fund account";
	if (db_begin(r) != 0)
		return RZPX_ERROR;
	const char *p[] = { id, "REJECTED", NULL, NULL, why,
		arena_printf(r->a, "Not sent to RazorpayX: %s", why) };
	PGresult *up = db_exec_or_reply(r, W(W_RZPX_DONE), p);
	if (up == NULL)
		return RZPX_ERROR;
	if (PQntuples(up) == 1 && (payout_status_effect(r, up) != 0 || payout_event(r, up) != 0))
		return RZPX_ERROR;
	if (db_commit(r) != 0)
		return RZPX_ERROR;
	log_warn("payout %s: not sent to RazorpayX, its bankAccount is not a fund account id: "
	    "rejected, funds returned", id);
	return PQntuples(up) == 1 ? RZPX_REJECTED : RZPX_UNCHANGED;
}

/* Sends or asks about one approved payout (row 0 of res).  The outcome;
 * RZPX_UNCHANGED with *error set when RazorpayX did not answer. */
static enum rzpx_outcome
settle_one(struct req *r, const PGresult *res, bool *error)
{
	const char *id = db_get(res, 0, "id");
	*error = false;
	if (!rzpx_fund_account_ok(db_get(res, 0, "bank_account")))
		return settle_unpayable(r, res);
	char ref[33];
	rzpx_ref_of(id, ref);
	const struct rzp_note notes[] = { { "payoutId", id },
		{ "sellerId", db_get(res, 0, "seller_id") } };
	const struct rzp_payout p = { rzpx_account, db_get(res, 0, "bank_account"),
		db_get(res, 0, "currency"), rzpx_mode, db_get_ll(res, 0, "amount"), ref, id,
		notes, 2 };
	struct rzp_result rr;
	const char *gw = db_get(res, 0, "gateway_payout_id");
	int rc = gw != NULL ? rzp_payout_fetch(r, gw, &rr) : rzp_payout_create(r, &p, &rr);
	if (rc != 0 || !rzpx_status_ok(rzp_str(rr.entity, "status")) ||
	    !rzpx_payout_id_ok(rzp_str(rr.entity, "id"))) {
		log_warn("payout %s: RazorpayX did not take it (%s), next run retries with "
		    "the same key", id, rc == 0 ? "unexpected answer" :
		    rr.description ? rr.description : "no answer");
		*error = true;
		return RZPX_UNCHANGED;
	}
	return settle_record(r, id, rr.entity);
}

void
rzpx_settle(struct req *r)
{
	const char *after = "00000000-0000-0000-0000-000000000000";
	double end = mono_s() + JOBS_RUN_SECONDS;
	int completed = 0, rejected = 0, in_flight = 0, errors = 0;
	bool more = false;
	for (int n = 0;; n++) {
		if (n >= RZPX_MAX || mono_s() > end) {
			more = true;
			break;
		}
		PGresult *res = db_exec_or_reply(r, W(W_RZPX_NEXT), (const char *[]){ after });
		if (res == NULL)
			return;
		if (PQntuples(res) == 0)
			break;
		after = db_get(res, 0, "id");
		bool error;
		enum rzpx_outcome o = settle_one(r, res, &error);
		if (o == RZPX_ERROR)
			return;
		completed += o == RZPX_COMPLETED;
		rejected += o == RZPX_REJECTED;
		in_flight += o == RZPX_RECORDED;
		errors += error;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "job", "settle");
	jw_kstr(&w, "via", "razorpayx");
	jw_kint(&w, "completed", completed);
	jw_kint(&w, "rejected", rejected);
	jw_kint(&w, "inFlight", in_flight);
	jw_kint(&w, "errors", errors);
	jw_kbool(&w, "more", more);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ---- POST /wallets/webhook/razorpayx ---- */

/* Our payout id a RazorpayX payout entity names: its reference_id (our id
 * without hyphens) or notes.payoutId; NULL when neither is one. */
static const char *
entity_ours(struct req *r, const struct jv *e)
{
	char uuid[37];
	if (rzpx_ref_uuid(rzp_str(e, "reference_id"), uuid))
		return arena_strdup(r->a, uuid);
	const char *id = rzp_str(rzp_get(e, "notes"), "payoutId");
	return id != NULL && valid_uuid(id) ? id : NULL;
}

/* payout.<what> with its payout entity, inside the webhook's transaction:
 * *outcome says what it did.  0, or -1 after answering. */
static int
on_payout(struct req *r, const char *event, const struct jv *e, const char **outcome)
{
	enum rzpx_hook hook = rzpx_hook_of(event);
	bool move = hook == RZPX_HOOK_MOVE, record = hook == RZPX_HOOK_RECORD;
	const char *what = event + strlen("payout.");
	const char *pout = rzp_str(e, "id");
	/* A move takes its status from the event, a record from the entity. */
	const char *st = move ? what : rzp_str(e, "status");
	*outcome = "ignored";
	if (!move && !record)
		return 0;
	if (!rzpx_payout_id_ok(pout) || !rzpx_status_ok(st)) {
		log_warn("webhook %s without a readable payout entity", event);
		return 0;
	}
	PGresult *m = db_exec_or_reply(r, W(W_RZPX_MATCH), (const char *[]){ pout,
	    entity_ours(r, e) });
	if (m == NULL)
		return -1;
	if (PQntuples(m) == 0) {
		log_warn("webhook %s: RazorpayX payout %s is not one of ours", event, pout);
		return 0;
	}
	const char *why = rzp_str(rzp_get(e, "status_details"), "description");
	enum rzpx_outcome o = rzpx_apply(r, db_get(m, 0, "id"), pout, st, why, record);
	if (o == RZPX_ERROR)
		return -1;
	*outcome = o == RZPX_UNCHANGED ? "unchanged" : o == RZPX_RECORDED ? "recorded" :
	    "applied";
	return 0;
}

void
rzpx_webhook(struct req *r)
{
	const char *event, *key;
	const struct jv *root = rzp_webhook_or_reply(r, "RAZORPAYX_WEBHOOK_SECRET", &event, &key);
	if (root == NULL || db_begin(r) != 0)
		return;
	PGresult *claim = db_exec_or_reply(r, W(W_WEBHOOK_CLAIM), (const char *[]){ key, event });
	if (claim == NULL)
		return;
	if (PQntuples(claim) == 0) {
		log_info("razorpayx webhook %s %s: duplicate", event, key);
		rzp_webhook_ack(r, event, "duplicate");
		return;
	}
	const char *outcome = "ignored";
	if (strncmp(event, "payout.", 7) == 0 &&
	    on_payout(r, event, rzp_get(root, "payload.payout.entity"), &outcome) != 0)
		return;
	/* The claim commits with the effect, or alone (ignored, unchanged). */
	if (db_commit(r) != 0)
		return;
	log_info("razorpayx webhook %s %s: %s", event, key, outcome);
	rzp_webhook_ack(r, event, outcome);
}
