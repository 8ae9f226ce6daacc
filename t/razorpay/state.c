/* The stand-in's state: one shared anonymous mapping made by the pool
 * master before it forks, so every worker (and every replacement worker)
 * sees the same orders, payments and refunds; and the entity writers that
 * give them Razorpay's exact shapes. */
#include "stub.h"
#include "crypto.h"
#include "log.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

struct shared {
	pthread_mutex_t mu;
	struct st_state s;
};

static struct shared *sh;
static bool locked;          /* this process holds sh->mu */

int
st_init(void)
{
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		fprintf(stderr, "razorpay-stub: could not map the state: %s\n", strerror(errno));
		return -1;
	}
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setpshared(&at, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&sh->mu, &at) != 0) {
		fprintf(stderr, "razorpay-stub: could not initialise the state lock\n");
		return -1;
	}
	pthread_mutexattr_destroy(&at);
	st_new_id(sh->s.account_id, "acc_");
	return 0;
}

static void
unlock_deferred(void *p)
{
	(void)p;
	st_unlock();
}

struct st_state *
st_lock(struct req *r)
{
	if (locked)
		return &sh->s;
	int rc = pthread_mutex_lock(&sh->mu);
	if (rc == EOWNERDEAD) {
		/* A worker died holding the lock: its half-done change is at worst
		 * one entity; the state stays usable. */
		log_warn("state lock owner died, recovering");
		pthread_mutex_consistent(&sh->mu);
	} else if (rc != 0) {
		log_err("could not lock the state: %s", strerror(rc));
		die_oom();
	}
	locked = true;
	arena_defer(r->a, unlock_deferred, sh);    /* (arena_defer skips a NULL p) */
	return &sh->s;
}

void
st_unlock(void)
{
	if (!locked)
		return;
	locked = false;
	pthread_mutex_unlock(&sh->mu);
}

void
st_new_id(char *out, const char *prefix)
{
	static const char alpha[] =
	    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	size_t pl = strlen(prefix), n = 0;
	memcpy(out, prefix, pl);
	while (n < 14) {
		unsigned char b[32];
		crypto_random(b, sizeof b);
		for (size_t i = 0; i < sizeof b && n < 14; i++)
			if (b[i] < 248)          /* 4 * 62: no modulo bias */
				out[pl + n++] = alpha[b[i] % 62];
	}
	out[pl + n] = '\0';
}

int
st_order_find(const struct st_state *s, const char *id)
{
	for (int i = 0; i < s->norders; i++)
		if (strcmp(s->orders[i].id, id) == 0)
			return i;
	return -1;
}

int
st_payment_find(const struct st_state *s, const char *id)
{
	for (int i = 0; i < s->npayments; i++)
		if (strcmp(s->payments[i].id, id) == 0)
			return i;
	return -1;
}

int
st_payout_find(const struct st_state *s, const char *id)
{
	for (int i = 0; i < s->npayouts; i++)
		if (strcmp(s->payouts[i].id, id) == 0)
			return i;
	return -1;
}

int
st_refund_find(const struct st_state *s, const char *id)
{
	for (int i = 0; i < s->nrefunds; i++)
		if (strcmp(s->refunds[i].id, id) == 0)
			return i;
	return -1;
}

const char *
st_pay_status_name(enum st_pay_status st)
{
	static const char *const names[PAY__MAX] = {
		[PAY_CREATED] = "created", [PAY_AUTHORIZED] = "authorized",
		[PAY_CAPTURED] = "captured", [PAY_REFUNDED] = "refunded",
		[PAY_FAILED] = "failed",
	};
	return st < PAY__MAX ? names[st] : "created";
}

const char *
st_order_status(const struct st_order *o)
{
	if (o->amount_paid >= o->amount)
		return "paid";
	return o->attempts > 0 ? "attempted" : "created";
}

void
st_payment_capture(struct st_state *s, struct st_payment *p)
{
	if (p->status == PAY_CAPTURED || p->status == PAY_REFUNDED)
		return;
	p->status = PAY_CAPTURED;
	s->orders[p->order].amount_paid += p->amount;
}

int64_t
st_refundable(const struct st_payment *p)
{
	if (p->status != PAY_CAPTURED)
		return 0;
	return p->amount - p->amount_refunded;
}

int
st_refund_add(struct st_state *s, int pi, int64_t amount)
{
	if (s->nrefunds == ST_REFUNDS)
		return -1;
	struct st_payment *p = &s->payments[pi];
	struct st_refund *f = &s->refunds[s->nrefunds];
	memset(f, 0, sizeof *f);
	st_new_id(f->id, "rfnd_");
	f->payment = pi;
	f->amount = amount;
	memcpy(f->currency, p->currency, sizeof f->currency);
	snprintf(f->speed, sizeof f->speed, "normal");
	f->created_at = (int64_t)time(NULL);
	snprintf(f->status, sizeof f->status, "%s",
	    s->refund_status[0] ? s->refund_status : "processed");
	p->amount_refunded += amount;
	if (p->amount_refunded >= p->amount)
		p->status = PAY_REFUNDED;
	return s->nrefunds++;
}

bool
st_refund_move(struct st_state *s, struct st_refund *f, const char *status)
{
	if (strcmp(f->status, status) == 0)
		return true;
	if (strcmp(f->status, "pending") != 0)
		return false;          /* processed and failed are final */
	snprintf(f->status, sizeof f->status, "%s", status);
	if (strcmp(status, "failed") == 0) {
		struct st_payment *p = &s->payments[f->payment];
		p->amount_refunded -= f->amount;
		if (p->status == PAY_REFUNDED)
			p->status = PAY_CAPTURED;
	}
	return true;
}

/* ---- writers ---- */

void
st_jv_put(struct jw *w, const struct jv *v)
{
	switch (v->type) {
	case JV_NULL: jw_null(w); break;
	case JV_BOOL: jw_bool(w, v->b); break;
	case JV_NUM: jw_raw(w, v->s); break;
	case JV_STR: jw_strn(w, v->s, v->len); break;
	case JV_ARR:
		jw_arr_open(w);
		for (size_t i = 0; i < v->n; i++)
			st_jv_put(w, v->items[i]);
		jw_arr_close(w);
		break;
	case JV_OBJ:
		jw_obj_open(w);
		for (size_t i = 0; i < v->n; i++) {
			jw_key(w, v->members[i].key);
			st_jv_put(w, v->members[i].val);
		}
		jw_obj_close(w);
		break;
	}
}

void
st_notes_put(struct jw *w, const char *notes)
{
	/* Razorpay serialises empty notes as an array (razorpay-facts.md B.4). */
	if (notes[0] == '\0') {
		jw_arr_open(w);
		jw_arr_close(w);
	} else {
		jw_raw(w, notes);
	}
}

void
st_order_put(struct jw *w, const struct st_state *s, const struct st_order *o)
{
	(void)s;
	int64_t due = o->amount - o->amount_paid;
	jw_obj_open(w);
	jw_kstr(w, "id", o->id);
	jw_kstr(w, "entity", "order");
	jw_kint(w, "amount", o->amount);
	jw_kint(w, "amount_paid", o->amount_paid);
	jw_kint(w, "amount_due", due > 0 ? due : 0);
	jw_kstr(w, "currency", o->currency);
	jw_kstr(w, "receipt", o->has_receipt ? o->receipt : NULL);
	jw_knull(w, "offer_id");
	jw_kstr(w, "status", st_order_status(o));
	jw_kint(w, "attempts", o->attempts);
	jw_key(w, "notes");
	st_notes_put(w, o->notes);
	jw_kint(w, "created_at", o->created_at);
	jw_obj_close(w);
}

void
st_payment_put(struct jw *w, const struct st_state *s, const struct st_payment *p,
    int64_t amount_override, enum st_pay_status status_override)
{
	const struct st_order *o = &s->orders[p->order];
	enum st_pay_status st = status_override < PAY__MAX ? status_override : p->status;
	bool captured = st == PAY_CAPTURED || st == PAY_REFUNDED;
	int64_t amount = amount_override >= 0 ? amount_override : p->amount;
	jw_obj_open(w);
	jw_kstr(w, "id", p->id);
	jw_kstr(w, "entity", "payment");
	jw_kint(w, "amount", amount);
	jw_kstr(w, "currency", p->currency);
	jw_kstr(w, "status", st_pay_status_name(st));
	jw_kstr(w, "order_id", o->id);
	jw_knull(w, "invoice_id");
	jw_kbool(w, "international", false);
	jw_kstr(w, "method", p->method);
	jw_kint(w, "amount_refunded", p->amount_refunded);
	if (p->amount_refunded == 0)
		jw_knull(w, "refund_status");
	else
		jw_kstr(w, "refund_status", p->amount_refunded >= p->amount ? "full" : "partial");
	jw_kbool(w, "captured", captured);
	char desc[ST_ID_MAX + 2];
	snprintf(desc, sizeof desc, "#%s", o->id + strlen("order_"));
	jw_kstr(w, "description", desc);
	bool upi = strcmp(p->method, "upi") == 0;
	bool card = strcmp(p->method, "card") == 0;
	if (card) {
		char card_id[ST_ID_MAX];
		snprintf(card_id, sizeof card_id, "card_%s", p->id + strlen("pay_"));
		jw_kstr(w, "card_id", card_id);
	} else {
		jw_knull(w, "card_id");
	}
	jw_kstr(w, "bank", strcmp(p->method, "netbanking") == 0 ? "HDFC" : NULL);
	jw_kstr(w, "wallet", strcmp(p->method, "wallet") == 0 ? "paytm" : NULL);
	jw_kstr(w, "vpa", upi ? "success@razorpay" : NULL);
	jw_kstr(w, "email", "void@razorpay.com");
	jw_kstr(w, "contact", "+919999999999");
	jw_key(w, "notes");
	st_notes_put(w, "");
	if (captured) {
		/* 2% plus 18% GST on it, included in fee (Razorpay's convention). */
		int64_t base = amount * 2 / 100, tax = base * 18 / 100;
		jw_kint(w, "fee", base + tax);
		jw_kint(w, "tax", tax);
	} else {
		jw_knull(w, "fee");
		jw_knull(w, "tax");
	}
	if (st == PAY_FAILED) {
		jw_kstr(w, "error_code", "BAD_REQUEST_ERROR");
		jw_kstr(w, "error_description", "Payment failed");
		jw_kstr(w, "error_source", "bank");
		jw_kstr(w, "error_step", "payment_authorization");
		jw_kstr(w, "error_reason", "payment_failed");
	} else {
		jw_knull(w, "error_code");
		jw_knull(w, "error_description");
		jw_knull(w, "error_source");
		jw_knull(w, "error_step");
		jw_knull(w, "error_reason");
	}
	jw_key(w, "acquirer_data");
	jw_obj_open(w);
	if (upi)
		jw_kstr(w, "rrn", p->rrn);
	else if (card)
		jw_kstr(w, "auth_code", p->rrn + strlen(p->rrn) - 6);
	else
		jw_kstr(w, "bank_transaction_id", p->rrn);
	jw_obj_close(w);
	if (upi) {
		jw_key(w, "upi");
		jw_obj_open(w);
		jw_kstr(w, "payer_account_type", "bank_account");
		jw_kstr(w, "vpa", "success@razorpay");
		jw_kstr(w, "flow", "collect");
		jw_obj_close(w);
	}
	jw_kint(w, "created_at", p->created_at);
	jw_obj_close(w);
}

void
st_refund_put(struct jw *w, const struct st_state *s, const struct st_refund *f,
    const char *status)
{
	jw_obj_open(w);
	jw_kstr(w, "id", f->id);
	jw_kstr(w, "entity", "refund");
	jw_kint(w, "amount", f->amount);
	jw_kstr(w, "currency", f->currency);
	jw_kstr(w, "payment_id", s->payments[f->payment].id);
	jw_key(w, "notes");
	st_notes_put(w, f->notes);
	jw_kstr(w, "receipt", f->has_receipt ? f->receipt : NULL);
	jw_key(w, "acquirer_data");
	jw_obj_open(w);
	jw_knull(w, "arn");
	jw_obj_close(w);
	jw_kint(w, "created_at", f->created_at);
	jw_knull(w, "batch_id");
	jw_kstr(w, "status", status ? status : f->status[0] ? f->status : "processed");
	jw_kstr(w, "speed_processed", "normal");
	jw_kstr(w, "speed_requested", f->speed);
	jw_obj_close(w);
}

/* RazorpayX's status_details for a payout status (its "Payout Status
 * Details" page): description, source, reason; NULLs when there are none. */
static void
payout_details(const char *st, const char *out[3])
{
	static const char *const details[][4] = {
		{ "failed", "The beneficiary bank is not reachable", "beneficiary_bank",
		  "beneficiary_bank_failure" },
		{ "reversed", "Payout failed as the beneficiary account is closed. Contact the "
		  "beneficiary to get a new account", "beneficiary_bank", "beneficiary_account_closed" },
		{ "rejected", "Payout was rejected by the approver", "business", "payout_rejected" },
		{ "processed", "Payout is processed and the money has been credited into the "
		  "beneficiaries account", "beneficiary_bank", "payout_processed" },
	};
	out[0] = out[1] = out[2] = NULL;
	for (size_t i = 0; i < sizeof details / sizeof details[0]; i++)
		if (strcmp(st, details[i][0]) == 0)
			for (int k = 0; k < 3; k++)
				out[k] = details[i][k + 1];
}

void
st_payout_put(struct jw *w, const struct st_payout *p, const char *status)
{
	const char *st = status != NULL ? status : p->status, *d[3];
	payout_details(st, d);
	jw_obj_open(w);
	jw_kstr(w, "id", p->id);
	jw_kstr(w, "entity", "payout");
	jw_kstr(w, "fund_account_id", p->fund_account_id);
	jw_kint(w, "amount", p->amount);
	jw_kstr(w, "currency", p->currency);
	jw_key(w, "notes");
	jw_arr_open(w);
	jw_arr_close(w);
	jw_kint(w, "fees", 0);
	jw_kint(w, "tax", 0);
	jw_kstr(w, "status", st);
	jw_knull(w, "utr");
	jw_kstr(w, "mode", p->mode);
	jw_kstr(w, "purpose", "payout");
	jw_kstr(w, "reference_id", p->reference_id);
	jw_knull(w, "narration");
	jw_knull(w, "batch_id");
	jw_key(w, "status_details");
	jw_obj_open(w);
	jw_kstr(w, "description", d[0]);
	jw_kstr(w, "source", d[1]);
	jw_kstr(w, "reason", d[2]);
	jw_obj_close(w);
	jw_kint(w, "created_at", p->created_at);
	jw_kstr(w, "fee_type", NULL);
	jw_obj_close(w);
}

void
st_call_add(struct st_state *s, const char *method, const char *path, const char *body,
    size_t len)
{
	struct st_call *c = &s->calls[s->ncalls++ % ST_CALLS];
	snprintf(c->method, sizeof c->method, "%s", method ? method : "");
	snprintf(c->path, sizeof c->path, "%s", path ? path : "");
	if (len >= sizeof c->body) {
		len = sizeof c->body - 1;
		while (len > 0 && ((unsigned char)body[len] & 0xC0) == 0x80)
			len--;      /* whole characters only */
	}
	memcpy(c->body, body ? body : "", body ? len : 0);
	c->body[body ? len : 0] = '\0';
}
