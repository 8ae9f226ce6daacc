/* fcgi/notification/logic.c: who hears of each event, a user's channels
 * from their contact and preferences, amounts as "₹1,500.00", templates
 * rendered with every value escaped (no CR/LF reaches a header or adds a
 * line).  Plain functions: no stack, no database. */
#include "../lib/t.h"
#include "../../fcgi/notification/logic.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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


/* ---- templates and messages ---- */

static const char *const sides[] = { "", ".seller" };
static const unsigned chans[] = { CH_EMAIL, CH_SMS, CH_WHATSAPP };
static const char *const types[] = { "USER_REGISTERED", "ORDER_CREATED", "ORDER_PAID",
	"ORDER_SHIPPED", "ORDER_DELIVERED", "ORDER_CANCELLED", "PAYMENT_FAILED",
	"PAYMENT_REFUNDED", "PAYOUT_STATUS_CHANGED" };

/* A payload with every fact a template may name. */
static const char full_payload[] =
	"{\"orderId\":\"6f1c1e9e-0000-4000-8000-000000000001\","
	"\"payoutId\":\"6f1c1e9e-0000-4000-8000-000000000002\",\"email\":\"asha@example.com\","
	"\"reason\":\"card declined\",\"notes\":\"AWB 123\",\"currency\":\"INR\","
	"\"totalPaise\":300000,\"subtotalPaise\":300000,\"commissionPaise\":30000,"
	"\"amountPaise\":150010,\"refundedPaise\":150010,\"status\":\"APPROVED\","
	"\"items\":[{\"productName\":\"Blue Kurta\",\"quantity\":2}]}";

static struct jv *
parse(struct arena *a, const char *json)
{
	char err[128];
	struct jv *v = json_parse(a, json, strlen(json), err, sizeof err);
	T_ASSERT(v != NULL);
	return v;
}

/* Every template renders from a full payload; each (type, side, channel)
 * a recipient can have has its template, and no other exists. */
static void
templates_complete_and_render(void)
{
	struct arena *a = arena_new(8192);
	struct notify_facts f = { a, parse(a, full_payload), "Asha", NULL };
	size_t expected = 0;
	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++)
		for (int side = 0; side < 2; side++)
			for (size_t c = 0; c < 3; c++) {
				int who = notify_audience(types[t]);
				bool hears = (who & (side ? HEAR_SELLER : HEAR_CUSTOMER)) != 0;
				const char *tmpl = notify_template(types[t], side, chans[c]);
				t_check((tmpl != NULL) == hears, __FILE__, __LINE__, "%s%s.%s: %s", types[t],
				    sides[side], notify_channel_file(chans[c]),
				    hears ? "missing" : "should not exist");
				if (tmpl == NULL)
					continue;
				expected++;
				struct notify_msg m;
				bool email = chans[c] == CH_EMAIL;
				int rc = notify_message(tmpl, email, &f, &m);
				t_check(rc == 0, __FILE__, __LINE__, "%s%s.%s renders: %d", types[t],
				    sides[side], notify_channel_file(chans[c]), rc);
				if (rc != 0)
					continue;
				T_ASSERT(strstr(m.body, "{{") == NULL && m.body[0] != '\0');
				T_ASSERT(email == (m.subject != NULL));
				T_ASSERT(strncmp(tmpl, "Subject:", 8) == 0 || !email);
				T_ASSERT(strncmp(m.body, "Subject:", 8) != 0);
				if (m.subject != NULL)
					T_ASSERT(m.subject[0] != '\0' && strpbrk(m.subject, "\r\n") == NULL);
			}
	T_EQ_INT((long long)notify_ntemplates, (long long)expected);
	arena_free(a);
}

static void
template_lookup(void)
{
	const char *t = notify_template("ORDER_PAID", true, CH_EMAIL);
	T_ASSERT(t != NULL && strncmp(t, "Subject: Commission pending", 27) == 0);
	T_ASSERT(notify_template("ORDER_PAID", false, CH_SMS) != NULL);
	T_ASSERT(notify_template("ORDER_PAID", false, CH_SMS) != notify_template("ORDER_PAID",
	    true, CH_SMS));
	T_ASSERT(notify_template("PAYOUT_STATUS_CHANGED", false, CH_EMAIL) == NULL);
	T_ASSERT(notify_template("ORDER_SHIPPED", true, CH_EMAIL) == NULL);
	T_ASSERT(notify_template("PAYMENT_SUCCESS", false, CH_EMAIL) == NULL);
	T_ASSERT(notify_template("ORDER_PAID", false, CH_EMAIL | CH_SMS) == NULL);
	T_ASSERT(notify_template("ORDER_PAID", false, 0) == NULL);
	T_ASSERT(notify_template(NULL, false, CH_EMAIL) == NULL);
}

static void
payout_words_and_amounts(void)
{
	T_EQ_STR(notify_payout_word("PENDING"), "requested");
	T_EQ_STR(notify_payout_word("APPROVED"), "approved");
	T_EQ_STR(notify_payout_word("REJECTED"), "rejected");
	T_EQ_STR(notify_payout_word("COMPLETED"), "completed");
	T_ASSERT(notify_payout_word("approved") == NULL && notify_payout_word(NULL) == NULL);
	T_ASSERT(strstr(notify_payout_note("REJECTED"), "back in your wallet") != NULL);
	T_ASSERT(notify_payout_note("LOST") == NULL);
	char m[48];
	T_EQ_STR(notify_amount(m, sizeof m, 150000, "INR"), "\u20b91,500.00");
	T_EQ_STR(notify_amount(m, sizeof m, 150000, NULL), "\u20b91,500.00");
	T_EQ_STR(notify_amount(m, sizeof m, 15000000, "USD"), "USD 150000.00");
	T_EQ_STR(notify_amount(m, sizeof m, 5, "EURO"), "EUR 0.05");
}

/* Renders one template text with payload and name: rc, message in m. */
static int
message(struct arena *a, const char *tmpl, bool email, const char *payload, const char *name,
    struct notify_msg *m, const char **missing)
{
	struct notify_facts f = { a, parse(a, payload), name, NULL };
	int rc = notify_message(tmpl, email, &f, m);
	if (missing != NULL)
		*missing = f.missing;
	return rc;
}

static void
message_facts(void)
{
	struct arena *a = arena_new(8192);
	struct notify_msg m;
	const char *tmpl = "Subject: Order {{orderId}}: {{total}}\n\nHi {{firstName}},\n"
	    "{{items}}\nCommission {{commission}}. {{notes}}\n\n";
	const char *p = "{\"orderId\":\"o-1\",\"totalPaise\":15000000,\"commissionPaise\":1,"
	    "\"currency\":\"INR\",\"items\":[{\"productName\":\"Blue Kurta\",\"quantity\":2},"
	    "{\"productId\":\"x\",\"quantity\":1}]}";
	T_EQ_INT(message(a, tmpl, true, p, "Asha", &m, NULL), 0);
	T_EQ_STR(m.subject, "Order o-1: \u20b91,50,000.00");
	/* Absent notes render as nothing; the trailing blanks are cut. */
	T_EQ_STR(m.body, "Hi Asha,\nBlue Kurta \u00d7 2, an item \u00d7 1\nCommission \u20b90.01.");
	/* No name: "there"; no items: nothing. */
	T_EQ_INT(message(a, "Hi {{firstName}}:{{items}}.", false,
	    "{\"items\":[]}", NULL, &m, NULL), 0);
	T_EQ_STR(m.body, "Hi there:.");
	T_ASSERT(m.subject == NULL);
	T_EQ_INT(message(a, "Hi {{firstName}}", false, "{}", "", &m, NULL), 0);
	T_EQ_STR(m.body, "Hi there");
	/* A payout's status in words. */
	T_EQ_INT(message(a, "Payout {{status}}: {{amount}}. {{statusNote}}", false,
	    "{\"status\":\"PENDING\",\"amountPaise\":50000}", NULL, &m, NULL), 0);
	T_EQ_STR(m.body, "Payout requested: \u20b9500.00. We will tell you when it is approved.");
	arena_free(a);
}

static void
message_many_items(void)
{
	struct arena *a = arena_new(8192);
	char p[2048] = "{\"items\":[";
	for (int i = 0; i < 12; i++)
		snprintf(p + strlen(p), sizeof p - strlen(p), "%s{\"productName\":\"P%d\","
		    "\"quantity\":1}", i ? "," : "", i);
	strcat(p, "]}");
	struct notify_msg m;
	T_EQ_INT(message(a, "{{items}}", false, p, NULL, &m, NULL), 0);
	T_ASSERT(t_contains(m.body, "P9 \u00d7 1 and 2 more"));
	T_ASSERT(!t_contains(m.body, "P10"));
	arena_free(a);
}

/* A fact a template needs and the payload lacks (or gives as something
 * else than a whole number of paise) is -2 naming the member. */
static void
message_bad_missing_fact(void)
{
	struct arena *a = arena_new(8192);
	struct notify_msg m;
	const char *missing;
	static const char *const bad[] = { "{\"orderId\":\"o\"}", "{\"orderId\":\"o\","
	    "\"totalPaise\":\"300\"}", "{\"orderId\":\"o\",\"totalPaise\":1.5}",
	    "{\"orderId\":\"o\",\"totalPaise\":null}",
	    "{\"orderId\":\"o\",\"totalPaise\":99999999999999999999}" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_EQ_INT(message(a, "Order {{orderId}}: {{total}}", false, bad[i], NULL, &m, &missing),
		    -2);
		T_EQ_STR(missing, "totalPaise");
	}
	T_EQ_INT(message(a, "{{orderId}}", false, "{\"orderId\":\"\"}", NULL, &m, &missing), -2);
	T_EQ_STR(missing, "orderId");
	T_EQ_INT(message(a, "{{status}}", false, "{\"status\":\"LOST\"}", NULL, &m, &missing),
	    -2);
	T_EQ_STR(missing, "status");
	/* In the subject too. */
	T_EQ_INT(message(a, "Subject: {{total}}\n\nx", true, "{}", NULL, &m, &missing), -2);
	T_EQ_STR(missing, "totalPaise");
	arena_free(a);
}

/* A template's own fault is -1 with nothing missing. */
static void
message_bad_template(void)
{
	struct arena *a = arena_new(8192);
	struct notify_msg m;
	const char *missing;
	static const char *const bad[] = { "no subject", "Subject: x\nbody", "Subject: x",
	    "subject: x\n\nbody", "Subject: {{nobody}}\n\nbody", "Subject: x\n\n{{nobody}}",
	    "Subject: x\n\n{{firstName" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		T_EQ_INT(message(a, bad[i], true, "{}", NULL, &m, &missing), -1);
		T_ASSERT(missing == NULL);
	}
	T_EQ_INT(message(a, "{{nobody}}", false, "{}", NULL, &m, &missing), -1);
	arena_free(a);
}

/* A name with CR/LF stays on the subject's line and adds no body line;
 * Devanagari arrives byte for byte. */
static void
message_names_crlf_and_devanagari(void)
{
	struct arena *a = arena_new(8192);
	struct notify_msg m;
	const char *tmpl = notify_template("USER_REGISTERED", false, CH_EMAIL);
	T_REQUIRE(tmpl != NULL);
	const char *p = "{\"email\":\"eve@example.com\"}";
	T_EQ_INT(message(a, tmpl, true, p, "Eve\r\nBcc: all@example.com", &m, NULL), 0);
	T_EQ_STR(m.subject, "Welcome, Eve Bcc: all@example.com");
	T_ASSERT(t_contains(m.body, "Hi Eve Bcc: all@example.com,\n"));
	T_ASSERT(!t_contains(m.body, "\nBcc"));
	const char *hindi = "\u0905\u0928\u0928\u094d\u092f\u093e";    /* अनन्या */
	T_EQ_INT(message(a, tmpl, true, p, hindi, &m, NULL), 0);
	char want[64];
	snprintf(want, sizeof want, "Welcome, %s", hindi);
	T_EQ_STR(m.subject, want);
	snprintf(want, sizeof want, "Hi %s,\n", hindi);
	T_ASSERT(t_contains(m.body, want));
	arena_free(a);
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
	T_CASE(templates_complete_and_render),
	T_CASE(template_lookup),
	T_CASE(payout_words_and_amounts),
	T_CASE(message_facts),
	T_CASE(message_many_items),
	T_CASE(message_bad_missing_fact),
	T_CASE(message_bad_template),
	T_CASE(message_names_crlf_and_devanagari),
};

int
main(void)
{
	return t_run("notification_logic", cases, T_NCASES(cases), NULL, NULL);
}
