/* The notification service's rules (logic.h): who hears what, channels,
 * amounts, rendering. */
#include "logic.h"
#include "money.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *type;
	int who;
} audiences[] = {
	{ "USER_REGISTERED", HEAR_CUSTOMER },
	{ "ORDER_CREATED", HEAR_CUSTOMER | HEAR_SELLER },
	{ "ORDER_PAID", HEAR_CUSTOMER | HEAR_SELLER },
	{ "ORDER_SHIPPED", HEAR_CUSTOMER },
	{ "ORDER_DELIVERED", HEAR_CUSTOMER | HEAR_SELLER },
	{ "ORDER_CANCELLED", HEAR_CUSTOMER | HEAR_SELLER },
	{ "PAYMENT_FAILED", HEAR_CUSTOMER },
	{ "PAYMENT_REFUNDED", HEAR_CUSTOMER },
	{ "PAYOUT_STATUS_CHANGED", HEAR_SELLER },
};

int
notify_audience(const char *type)
{
	for (size_t i = 0; type != NULL && i < sizeof audiences / sizeof audiences[0]; i++)
		if (strcmp(type, audiences[i].type) == 0)
			return audiences[i].who;
	return -1;
}

unsigned
notify_channels(bool has_email, bool has_phone, struct prefs p)
{
	unsigned ch = 0;
	if (has_email && p.email)
		ch |= CH_EMAIL;
	if (has_phone && p.sms)
		ch |= CH_SMS;
	if (has_phone && p.whatsapp)
		ch |= CH_WHATSAPP;
	return ch;
}

const char *
notify_channel_name(unsigned ch)
{
	return ch == CH_EMAIL ? "EMAIL" : ch == CH_SMS ? "SMS" : ch == CH_WHATSAPP ? "WHATSAPP"
	    : NULL;
}

const char *
notify_channel_file(unsigned ch)
{
	return ch == CH_EMAIL ? "email" : ch == CH_SMS ? "sms" : ch == CH_WHATSAPP ? "whatsapp"
	    : NULL;
}

char *
notify_money(char *out, size_t n, int64_t paise)
{
	/* The magnitude as unsigned: INT64_MIN has no positive int64. */
	uint64_t v = paise < 0 ? (uint64_t)0 - (uint64_t)paise : (uint64_t)paise;
	char digits[24], grouped[48];
	int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)(v / 100));
	/* Indian grouping: the last three digits, then pairs. */
	size_t g = 0;
	for (int i = 0; i < nd; i++) {
		int left = nd - i;              /* digits from here to the end */
		if (i > 0 && (left == 3 || (left > 3 && (left - 3) % 2 == 0)))
			grouped[g++] = ',';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	snprintf(out, n, "%s\u20b9%s.%02u", paise < 0 ? "-" : "", grouped, (unsigned)(v % 100));
	return out;
}

const char NOTIFY_UNKNOWN[] = "";

/* s escaped for to: no control character becomes a line or a header. */
static void
put_value(struct buf *out, const char *s, enum render_to to)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f) {
			if (to == RENDER_BODY && c == '\t')
				buf_addc(out, '\t');
			else if (out->len > 0 && out->p[out->len - 1] != ' ')
				buf_addc(out, ' ');    /* a run of them is one space */
			continue;
		}
		buf_addc(out, (char)c);
	}
}

int
notify_render(struct buf *out, const char *tmpl,
    const char *(*value)(void *arg, const char *name), void *arg, enum render_to to)
{
	const char *p = tmpl;
	for (;;) {
		const char *open = strstr(p, "{{");
		if (open == NULL) {
			buf_adds(out, p);
			return 0;
		}
		buf_add(out, p, (size_t)(open - p));
		const char *close = strstr(open + 2, "}}");
		if (close == NULL || close - open - 2 >= 64)
			return -1;
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)(close - open - 2), open + 2);
		const char *v = value(arg, name);
		if (v == NOTIFY_UNKNOWN)
			return -1;
		if (v != NULL)
			put_value(out, v, to);
		p = close + 2;
	}
}

/* ---- templates ---- */

const struct notify_template notify_templates[] = {
#include "notify_templates.h"
	{ NULL, NULL }
};
const size_t notify_ntemplates = sizeof notify_templates / sizeof notify_templates[0] - 1;

const char *
notify_template(const char *type, bool seller, unsigned ch)
{
	const char *file = notify_channel_file(ch);
	if (type == NULL || file == NULL)
		return NULL;
	char name[128];
	snprintf(name, sizeof name, "%s%s.%s", type, seller ? ".seller" : "", file);
	for (size_t i = 0; i < notify_ntemplates; i++)
		if (strcmp(notify_templates[i].name, name) == 0)
			return notify_templates[i].text;
	return NULL;
}

static const struct {
	const char *status, *word, *note;
} payout_words[] = {
	{ "PENDING", "requested", "We will tell you when it is approved." },
	{ "APPROVED", "approved", "It is paid to your bank account at the next settlement." },
	{ "REJECTED", "rejected", "The amount is back in your wallet's available balance." },
	{ "COMPLETED", "completed", "The money has been sent to your bank account." },
};

static int
payout_index(const char *status)
{
	for (size_t i = 0; status != NULL && i < sizeof payout_words / sizeof payout_words[0]; i++)
		if (strcmp(status, payout_words[i].status) == 0)
			return (int)i;
	return -1;
}

const char *
notify_payout_word(const char *status)
{
	int i = payout_index(status);
	return i < 0 ? NULL : payout_words[i].word;
}

const char *
notify_payout_note(const char *status)
{
	int i = payout_index(status);
	return i < 0 ? NULL : payout_words[i].note;
}

char *
notify_amount(char *out, size_t n, int64_t paise, const char *currency)
{
	if (currency == NULL || strcmp(currency, "INR") == 0)
		return notify_money(out, n, paise);
	char m[32];
	snprintf(out, n, "%.3s %s", currency, money_format(paise, m, sizeof m));
	return out;
}

/* ---- the facts of a message ---- */

enum fact_kind { FACT_TEXT, FACT_MONEY, FACT_ITEMS, FACT_NAME, FACT_STATUS, FACT_NOTE };
static const struct fact {
	const char *name;           /* the placeholder */
	const char *key;            /* the payload's member */
	enum fact_kind kind;
	bool required;              /* absent: the event cannot be told (-2) */
} facts[] = {
	{ "orderId", "orderId", FACT_TEXT, true },
	{ "payoutId", "payoutId", FACT_TEXT, true },
	{ "email", "email", FACT_TEXT, true },
	{ "reason", "reason", FACT_TEXT, false },
	{ "notes", "notes", FACT_TEXT, false },
	{ "total", "totalPaise", FACT_MONEY, true },
	{ "subtotal", "subtotalPaise", FACT_MONEY, true },
	{ "commission", "commissionPaise", FACT_MONEY, true },
	{ "amount", "amountPaise", FACT_MONEY, true },
	{ "refunded", "refundedPaise", FACT_MONEY, true },
	{ "items", "items", FACT_ITEMS, false },
	{ "firstName", NULL, FACT_NAME, false },
	{ "status", "status", FACT_STATUS, true },
	{ "statusNote", "status", FACT_NOTE, true },
};

/* Items shown by name; the rest are counted. */
#define ITEMS_SHOWN 10

/* A whole number of paise: 0, or -1 for anything else. */
static int
paise_of(const struct jv *v, int64_t *out)
{
	if (v == NULL || v->type != JV_NUM)
		return -1;
	char *end;
	errno = 0;
	long long n = strtoll(v->s, &end, 10);
	if (end == v->s || *end != '\0' || errno != 0)
		return -1;
	*out = n;
	return 0;
}

/* items[] as "Blue Kurta × 2, an item × 1": NULL for none. */
static const char *
items_text(struct arena *a, const struct jv *items)
{
	if (items == NULL || items->type != JV_ARR || items->n == 0)
		return NULL;
	struct buf b = { 0 };
	for (size_t i = 0; i < items->n && i < ITEMS_SHOWN; i++) {
		const char *name = json_str(items->items[i], "productName");
		const struct jv *q = json_get(items->items[i], "quantity");
		buf_adds(&b, i > 0 ? ", " : "");
		buf_adds(&b, name != NULL && name[0] != '\0' ? name : "an item");
		if (q != NULL && q->type == JV_NUM)
			buf_printf(&b, " \u00d7 %s", q->s);
	}
	if (items->n > ITEMS_SHOWN)
		buf_printf(&b, " and %zu more", items->n - ITEMS_SHOWN);
	char *s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}

static const char *
fact_of(const struct notify_facts *f, const struct fact *k)
{
	const char *s;
	int64_t paise;
	char m[48];
	switch (k->kind) {
	case FACT_TEXT:
		s = json_str(f->payload, k->key);
		return s != NULL && s[0] != '\0' ? s : NULL;
	case FACT_MONEY:
		if (paise_of(json_get(f->payload, k->key), &paise) != 0)
			return NULL;
		notify_amount(m, sizeof m, paise, json_str(f->payload, "currency"));
		return arena_strndup(f->a, m, sizeof m);
	case FACT_ITEMS:
		return items_text(f->a, json_get(f->payload, k->key));
	case FACT_NAME:
		return f->first_name != NULL && f->first_name[0] != '\0' ? f->first_name : "there";
	case FACT_STATUS:
		return notify_payout_word(json_str(f->payload, k->key));
	case FACT_NOTE:
		return notify_payout_note(json_str(f->payload, k->key));
	}
	return NULL;
}

/* notify_render's value(): a fact, NULL for an absent optional one, or
 * NOTIFY_UNKNOWN for an unknown name or an absent required fact (named in
 * f->missing). */
static const char *
fact_value(void *arg, const char *name)
{
	struct notify_facts *f = arg;
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
		if (strcmp(facts[i].name, name) != 0)
			continue;
		const char *v = fact_of(f, &facts[i]);
		if (v == NULL && facts[i].required) {
			f->missing = facts[i].key;
			return NOTIFY_UNKNOWN;
		}
		return v;
	}
	return NOTIFY_UNKNOWN;
}

/* b's text without trailing blanks and newlines, in the arena. */
static const char *
trimmed(struct arena *a, const struct buf *b)
{
	size_t n = b->len;
	while (n > 0 && strchr(" \t\r\n", b->p[n - 1]) != NULL)
		n--;
	return arena_strndup(a, n > 0 ? b->p : "", n);
}

int
notify_message(const char *tmpl, bool email, struct notify_facts *f, struct notify_msg *m)
{
	static const char tag[] = "Subject: ";
	m->subject = m->body = NULL;
	f->missing = NULL;
	const char *body = tmpl;
	struct buf b = { 0 };
	int rc = 0;
	if (email) {
		const char *nl = strchr(tmpl, '\n');
		if (strncmp(tmpl, tag, sizeof tag - 1) != 0 || nl == NULL || nl[1] != '\n')
			return -1;
		const char *line = arena_strndup(f->a, tmpl + sizeof tag - 1,
		    (size_t)(nl - tmpl) - (sizeof tag - 1));
		if ((rc = notify_render(&b, line, fact_value, f, RENDER_HEADER)) == 0)
			m->subject = trimmed(f->a, &b);
		buf_reset(&b);
		body = nl + 2;
	}
	if (rc == 0 && (rc = notify_render(&b, body, fact_value, f, RENDER_BODY)) == 0)
		m->body = trimmed(f->a, &b);
	buf_free(&b);
	if (rc != 0)
		return f->missing != NULL ? -2 : -1;
	return 0;
}
