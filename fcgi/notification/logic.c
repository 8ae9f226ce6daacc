/* The notification service's rules (logic.h): who hears what, channels,
 * amounts, rendering. */
#include "logic.h"
#include <stdio.h>
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
