/* fcgi/notification/logic.c: who hears of each event, a user's channels
 * from their contact and preferences, amounts as "₹1,500.00", templates
 * rendered with every value escaped (no CR/LF reaches a header or adds a
 * line).  Plain functions: no stack, no database. */
#include "../lib/t.h"
#include "../../fcgi/notification/logic.h"
#include <stdint.h>
#include <string.h>

static void
audience_per_event(void)
{
	T_EQ_INT(notify_audience("USER_REGISTERED"), HEAR_CUSTOMER);
	T_EQ_INT(notify_audience("ORDER_CREATED"), HEAR_CUSTOMER | HEAR_SELLER);
	T_EQ_INT(notify_audience("ORDER_PAID"), HEAR_CUSTOMER | HEAR_SELLER);
	T_EQ_INT(notify_audience("ORDER_SHIPPED"), HEAR_CUSTOMER);
	T_EQ_INT(notify_audience("ORDER_DELIVERED"), HEAR_CUSTOMER | HEAR_SELLER);
	T_EQ_INT(notify_audience("ORDER_CANCELLED"), HEAR_CUSTOMER | HEAR_SELLER);
	T_EQ_INT(notify_audience("PAYMENT_FAILED"), HEAR_CUSTOMER);
	T_EQ_INT(notify_audience("PAYMENT_REFUNDED"), HEAR_CUSTOMER);
	T_EQ_INT(notify_audience("PAYOUT_STATUS_CHANGED"), HEAR_SELLER);
}

static void
audience_unknown_types(void)
{
	T_EQ_INT(notify_audience("PAYMENT_SUCCESS"), -1);     /* order's, not ours */
	T_EQ_INT(notify_audience("PRODUCT_CREATED"), -1);
	T_EQ_INT(notify_audience("order_paid"), -1);           /* exact spelling */
	T_EQ_INT(notify_audience("ORDER_PAID "), -1);
	T_EQ_INT(notify_audience(""), -1);
	T_EQ_INT(notify_audience(NULL), -1);
}

static void
channels_from_contact_and_prefs(void)
{
	/* Defaults: email and WhatsApp, not SMS. */
	T_EQ_INT(notify_channels(true, true, PREFS_DEFAULT), CH_EMAIL | CH_WHATSAPP);
	T_EQ_INT(notify_channels(true, false, PREFS_DEFAULT), CH_EMAIL);
	T_EQ_INT(notify_channels(false, true, PREFS_DEFAULT), CH_WHATSAPP);
	T_EQ_INT(notify_channels(false, false, PREFS_DEFAULT), 0);
	struct prefs all = { true, true, true }, none = { false, false, false };
	T_EQ_INT(notify_channels(true, true, all), CH_EMAIL | CH_SMS | CH_WHATSAPP);
	T_EQ_INT(notify_channels(false, true, all), CH_SMS | CH_WHATSAPP);
	T_EQ_INT(notify_channels(true, false, all), CH_EMAIL);
	T_EQ_INT(notify_channels(true, true, none), 0);
	T_EQ_INT(notify_channels(true, true, (struct prefs){ false, true, false }), CH_SMS);
}

static void
channel_names(void)
{
	T_EQ_STR(notify_channel_name(CH_EMAIL), "EMAIL");
	T_EQ_STR(notify_channel_name(CH_SMS), "SMS");
	T_EQ_STR(notify_channel_name(CH_WHATSAPP), "WHATSAPP");
	T_ASSERT(notify_channel_name(CH_EMAIL | CH_SMS) == NULL);
	T_ASSERT(notify_channel_name(0) == NULL);
	T_EQ_STR(notify_channel_file(CH_EMAIL), "email");
	T_EQ_STR(notify_channel_file(CH_SMS), "sms");
	T_EQ_STR(notify_channel_file(CH_WHATSAPP), "whatsapp");
	T_ASSERT(notify_channel_file(8) == NULL);
}

static void
money_rupees_indian_grouping(void)
{
	char b[48];
	T_EQ_STR(notify_money(b, sizeof b, 150000), "\u20b91,500.00");
	T_EQ_STR(notify_money(b, sizeof b, 0), "\u20b90.00");
	T_EQ_STR(notify_money(b, sizeof b, 5), "\u20b90.05");
	T_EQ_STR(notify_money(b, sizeof b, 99), "\u20b90.99");
	T_EQ_STR(notify_money(b, sizeof b, 150010), "\u20b91,500.10");
	T_EQ_STR(notify_money(b, sizeof b, 99999), "\u20b9999.99");
	T_EQ_STR(notify_money(b, sizeof b, 100000), "\u20b91,000.00");
	T_EQ_STR(notify_money(b, sizeof b, 9999999), "\u20b999,999.99");
	T_EQ_STR(notify_money(b, sizeof b, 10000000), "\u20b91,00,000.00");
	T_EQ_STR(notify_money(b, sizeof b, 15000000), "\u20b91,50,000.00");
	T_EQ_STR(notify_money(b, sizeof b, 1234567890), "\u20b91,23,45,678.90");
	T_EQ_STR(notify_money(b, sizeof b, 1000000000), "\u20b91,00,00,000.00");
}

static void
money_negative_and_extremes(void)
{
	char b[48];
	T_EQ_STR(notify_money(b, sizeof b, -500), "-\u20b95.00");
	T_EQ_STR(notify_money(b, sizeof b, -150000), "-\u20b91,500.00");
	T_EQ_STR(notify_money(b, sizeof b, INT64_MAX), "\u20b992,23,37,20,36,85,47,758.07");
	T_EQ_STR(notify_money(b, sizeof b, INT64_MIN), "-\u20b992,23,37,20,36,85,47,758.08");
	/* A short buffer is cut, never overrun. */
	char s[6];
	notify_money(s, sizeof s, 150000);
	T_EQ_INT((long long)strlen(s), 5);
}

/* The values the render cases use; anything else is unknown. */
static const char *
value(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "firstName") == 0) return "Asha";
	if (strcmp(name, "evil") == 0) return "Eve\r\nBcc: all@example.com";
	if (strcmp(name, "lines") == 0) return "a\nb\r\rc\td\x01\x7f" "e";
	if (strcmp(name, "hindi") == 0) return "\u0906\u0936\u093e";    /* आशा */
	if (strcmp(name, "orderId") == 0) return "6f1c1e9e-0000-4000-8000-000000000001";
	if (strcmp(name, "notes") == 0) return NULL;
	if (strcmp(name, "brace") == 0) return "{{firstName}}";
	return NOTIFY_UNKNOWN;
}

static char *
render(struct buf *b, const char *tmpl, enum render_to to, int *rc)
{
	buf_reset(b);
	*rc = notify_render(b, tmpl, value, NULL, to);
	buf_addc(b, '\0');
	return b->p;
}

static void
render_values(void)
{
	struct buf b = { 0 };
	int rc;
	T_EQ_STR(render(&b, "Hi {{firstName}}, order {{orderId}} is paid.\n", RENDER_BODY, &rc),
	    "Hi Asha, order 6f1c1e9e-0000-4000-8000-000000000001 is paid.\n");
	T_EQ_INT(rc, 0);
	/* The template's own lines stay; a NULL value is nothing; UTF-8 is kept. */
	T_EQ_STR(render(&b, "A\r\nB{{notes}}C {{hindi}}", RENDER_BODY, &rc),
	    "A\r\nBC \u0906\u0936\u093e");
	T_EQ_INT(rc, 0);
	/* A value is not rendered again. */
	T_EQ_STR(render(&b, "[{{brace}}]", RENDER_BODY, &rc), "[{{firstName}}]");
	T_EQ_STR(render(&b, "no placeholders", RENDER_BODY, &rc), "no placeholders");
	T_EQ_STR(render(&b, "", RENDER_BODY, &rc), "");
	T_EQ_INT(rc, 0);
	buf_free(&b);
}

static void
render_no_header_injection(void)
{
	struct buf b = { 0 };
	int rc;
	/* A name with CR/LF stays on the subject's line. */
	T_EQ_STR(render(&b, "Welcome {{evil}}", RENDER_HEADER, &rc),
	    "Welcome Eve Bcc: all@example.com");
	T_EQ_INT(rc, 0);
	T_ASSERT(strpbrk(b.p, "\r\n") == NULL);
	T_EQ_STR(render(&b, "S: {{lines}}", RENDER_HEADER, &rc), "S: a b c d e");
	/* In a body a value adds no line either; a tab stays. */
	T_EQ_STR(render(&b, "Dear {{evil}}\n", RENDER_BODY, &rc),
	    "Dear Eve Bcc: all@example.com\n");
	T_EQ_STR(render(&b, "{{lines}}", RENDER_BODY, &rc), "a b c\td e");
	buf_free(&b);
}

static void
render_bad_templates(void)
{
	struct buf b = { 0 };
	int rc;
	render(&b, "Hi {{nobody}}", RENDER_BODY, &rc);
	T_EQ_INT(rc, -1);
	render(&b, "Hi {{firstName", RENDER_BODY, &rc);
	T_EQ_INT(rc, -1);
	char long_name[200] = "{{";
	memset(long_name + 2, 'x', 100);
	strcpy(long_name + 102, "}}");
	render(&b, long_name, RENDER_BODY, &rc);
	T_EQ_INT(rc, -1);
	buf_free(&b);
}

static const struct t_case cases[] = {
	T_CASE(audience_per_event),
	T_CASE(audience_unknown_types),
	T_CASE(channels_from_contact_and_prefs),
	T_CASE(channel_names),
	T_CASE(money_rupees_indian_grouping),
	T_CASE(money_negative_and_extremes),
	T_CASE(render_values),
	T_CASE(render_no_header_injection),
	T_CASE(render_bad_templates),
};

int
main(void)
{
	return t_run("notification_logic", cases, T_NCASES(cases), NULL, NULL);
}
