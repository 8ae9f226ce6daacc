/* workers/sender_rules.c: the sender's decisions and formats without a
 * database or a provider: the backoff, what an answer means, the email as
 * RFC 5322 text (its headers, RFC 2047 subject, quoted-printable body),
 * Twilio's form, Meta's JSON, and reading their answers. */
#include "../lib/t.h"
#include "../lib/mail.h"
#include "../../workers/sender_rules.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every line of the message ends in CRLF, none is longer than max
 * characters, and no CR or LF stands alone. */
static bool
lines_ok(const char *msg, size_t max)
{
	size_t col = 0;
	for (const char *p = msg; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n') {
			col = 0;
			p++;
		} else if (*p == '\r' || *p == '\n') {
			return false;
		} else if (++col > max) {
			return false;
		}
	}
	return true;
}

/* ---- the backoff and the verdicts ---- */

static void
sender_backoff_doubles_from_base(void)
{
	/* jitter 0 is -25 %, 255 is +25 %, about 128 the middle */
	T_EQ_INT(sender_backoff_ms(1, 1000, 0), 750);
	T_EQ_INT(sender_backoff_ms(1, 1000, 255), 1250);
	T_EQ_INT(sender_backoff_ms(2, 1000, 0), 1500);
	T_EQ_INT(sender_backoff_ms(3, 1000, 255), 5000);
	T_EQ_INT(sender_backoff_ms(5, 100, 0), 1200);
	/* nonsense counts and bases are the first attempt's */
	T_EQ_INT(sender_backoff_ms(0, 1000, 0), 750);
	T_EQ_INT(sender_backoff_ms(-3, 0, 255), 1);
}

static void
sender_backoff_capped_at_an_hour(void)
{
	/* 1000 * 2^12 = 4096 s is past the hour */
	T_EQ_INT(sender_backoff_ms(13, 1000, 0), 2700000);
	T_EQ_INT(sender_backoff_ms(13, 1000, 255), 3600000);
	T_EQ_INT(sender_backoff_ms(1000000, 1000, 128), 3600000);
	T_EQ_INT(sender_backoff_ms(2, 3600000 * 10L, 0), 2700000);
	long prev = 0;
	for (int j = 0; j < 256; j++) {
		long d = sender_backoff_ms(4, 1000, (unsigned char)j);
		t_check(d >= 6000 && d <= 10000 && d >= prev, __FILE__, __LINE__,
		    "sender_backoff_ms(4, 1000, %d) = %ld (previous %ld)", j, d, prev);
		prev = d;
	}
}

static void
sender_http_verdicts(void)
{
	T_EQ_INT(sender_http_verdict(200), SV_SENT);
	T_EQ_INT(sender_http_verdict(201), SV_SENT);
	T_EQ_INT(sender_http_verdict(0), SV_RETRY);
	T_EQ_INT(sender_http_verdict(429), SV_RETRY);
	T_EQ_INT(sender_http_verdict(500), SV_RETRY);
	T_EQ_INT(sender_http_verdict(503), SV_RETRY);
	T_EQ_INT(sender_http_verdict(302), SV_RETRY);
	T_EQ_INT(sender_http_verdict(400), SV_REFUSED);
	T_EQ_INT(sender_http_verdict(401), SV_REFUSED);
	T_EQ_INT(sender_http_verdict(404), SV_REFUSED);
}

static void
sender_smtp_verdicts(void)
{
	T_EQ_INT(sender_smtp_verdict(250, true), SV_SENT);
	T_EQ_INT(sender_smtp_verdict(0, false), SV_RETRY);
	T_EQ_INT(sender_smtp_verdict(421, false), SV_RETRY);
	T_EQ_INT(sender_smtp_verdict(451, false), SV_RETRY);
	T_EQ_INT(sender_smtp_verdict(550, false), SV_REFUSED);
	T_EQ_INT(sender_smtp_verdict(554, false), SV_REFUSED);
}

static void
sender_status_after_attempts(void)
{
	T_EQ_STR(sender_status_after(SV_SENT, 6, 6), "SENT");
	T_EQ_STR(sender_status_after(SV_RETRY, 1, 6), "PENDING");
	T_EQ_STR(sender_status_after(SV_RETRY, 5, 6), "PENDING");
	T_EQ_STR(sender_status_after(SV_RETRY, 6, 6), "FAILED");
	/* an admin's retry of a row past the limit: one more attempt */
	T_EQ_STR(sender_status_after(SV_RETRY, 9, 6), "FAILED");
	T_EQ_STR(sender_status_after(SV_REFUSED, 1, 6), "FAILED");
}

/* ---- email ---- */

static void
sender_from_parse_forms(void)
{
	struct sender_from f;
	T_REQUIRE(sender_from_parse("Shop <no-reply@shop.example>", &f) == 0);
	T_EQ_STR(f.name, "Shop");
	T_EQ_STR(f.addr, "no-reply@shop.example");
	T_EQ_STR(f.domain, "shop.example");
	T_REQUIRE(sender_from_parse("  \"Shop, Inc.\"  <a@b.example> ", &f) == 0);
	T_EQ_STR(f.name, "Shop, Inc.");
	T_REQUIRE(sender_from_parse("a@b.example", &f) == 0);
	T_EQ_STR(f.name, "");
	T_EQ_STR(f.addr, "a@b.example");
}

static void
sender_from_parse_bad(void)
{
	struct sender_from f;
	T_EQ_INT(sender_from_parse(NULL, &f), -1);
	T_EQ_INT(sender_from_parse("", &f), -1);
	T_EQ_INT(sender_from_parse("Shop", &f), -1);
	T_EQ_INT(sender_from_parse("Shop <a@b.example", &f), -1);
	T_EQ_INT(sender_from_parse("Shop <a@b.example> x", &f), -1);
	T_EQ_INT(sender_from_parse("Shop <a b@c.example>", &f), -1);
	T_EQ_INT(sender_from_parse("Shop <a@b.example\r\nBcc: x@y.z>", &f), -1);
}

static void
sender_addr_ok_and_bad(void)
{
	T_ASSERT(sender_addr_ok("priya@example.in"));
	T_ASSERT(sender_addr_ok("a.b+tag@sub.example.com"));
	T_ASSERT(!sender_addr_ok(NULL));
	T_ASSERT(!sender_addr_ok("a@"));
	T_ASSERT(!sender_addr_ok("@b.c"));
	T_ASSERT(!sender_addr_ok("a@b@c.d"));
	T_ASSERT(!sender_addr_ok("a b@c.d"));
	T_ASSERT(!sender_addr_ok("a@c.d\r\nBcc: e@f.g"));
	T_ASSERT(!sender_addr_ok("<a@c.d>"));
	T_ASSERT(!sender_addr_ok("a,b@c.d"));
	T_ASSERT(!sender_addr_ok("प्रिया@example.in"));
}

static void
sender_mail_date_rfc5322(void)
{
	char d[40];
	sender_mail_date(0, d);
	T_EQ_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	sender_mail_date(1767225600 + 86399, d);   /* 2026-01-01 23:59:59 UTC */
	T_EQ_STR(d, "Thu, 01 Jan 2026 23:59:59 +0000");
}

static void
sender_header_text_ascii_as_is(void)
{
	struct buf b = { 0 };
	sender_header_text(&b, "Your order 1234 is paid");
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "Your order 1234 is paid");
	buf_free(&b);
}

static void
sender_header_text_crlf_injects_nothing(void)
{
	struct buf b = { 0 };
	sender_header_text(&b, "Hello Eve\r\nBcc: victim@example.com\r\n\r\nbody");
	buf_addc(&b, '\0');
	T_ASSERT(strchr(b.p, '\r') == NULL && strchr(b.p, '\n') == NULL);
	T_EQ_STR(b.p, "Hello Eve  Bcc: victim@example.com    body");
	buf_free(&b);
	/* the same in a non-ASCII subject: encoded, and no line break inside */
	struct buf e = { 0 };
	sender_header_text(&e, "नमस्ते\r\nBcc: victim@example.com");
	buf_addc(&e, '\0');
	char *dec = t_mail_words(e.p);
	T_REQUIRE(dec != NULL);
	T_EQ_STR(dec, "नमस्ते  Bcc: victim@example.com");
	free(dec);
	buf_free(&e);
}

static void
sender_header_text_devanagari_encoded_words(void)
{
	const char *s = "प्रिया, आपका ऑर्डर ₹1,500.00 का भुगतान हो गया है — धन्यवाद!";
	struct buf b = { 0 };
	sender_header_text(&b, s);
	buf_addc(&b, '\0');
	T_ASSERT(strncmp(b.p, "=?UTF-8?B?", 10) == 0);
	char *dec = t_mail_words(b.p);
	T_REQUIRE(dec != NULL);
	T_EQ_STR(dec, s);
	free(dec);
	/* each word at most 75 characters, folded with CRLF SP; a character
	 * is never split (each word decodes to valid UTF-8 by itself) */
	T_ASSERT(lines_ok(b.p, 76));
	char *copy = strdup(b.p), *save = NULL;
	int words = 0;
	for (char *w = strtok_r(copy, "\r\n ", &save); w; w = strtok_r(NULL, "\r\n ", &save)) {
		words++;
		T_ASSERT(strlen(w) <= 75);
		char *one = t_mail_words(w);
		T_REQUIRE(one != NULL);
		const unsigned char *p = (const unsigned char *)one, *end = p + strlen(one);
		while (p < end) {
			size_t k = *p < 0x80 ? 1 : json_utf8_seq(p, end);
			T_REQUIRE(k > 0);
			p += k;
		}
		free(one);
	}
	T_ASSERT(words > 1);
	free(copy);
	buf_free(&b);
}

static void
sender_header_text_bad_utf8_and_lookalikes(void)
{
	struct buf b = { 0 };
	sender_header_text(&b, "caf\xc3 \xff ok");
	buf_addc(&b, '\0');
	char *dec = t_mail_words(b.p);
	T_REQUIRE(dec != NULL);
	T_EQ_STR(dec, "caf? ? ok");
	free(dec);
	buf_reset(&b);
	/* ASCII that a reader would decode as an encoded word is encoded */
	sender_header_text(&b, "=?UTF-8?B?SGk=?=");
	buf_addc(&b, '\0');
	dec = t_mail_words(b.p);
	T_REQUIRE(dec != NULL);
	T_EQ_STR(dec, "=?UTF-8?B?SGk=?=");
	free(dec);
	buf_free(&b);
}

static void
sender_qp_round_trip(void)
{
	const char *texts[] = {
		"plain ascii",
		"Hi Priya,\nYour order ₹1,500.00 is paid.\n\nनमस्ते — धन्यवाद",
		"a=b trailing space \nand tab\t\n.leading dot\n..two",
		"CRLF\r\nand CR\ronly",
		"",
		"x",
	};
	const char *want[] = {
		"plain ascii",
		"Hi Priya,\nYour order ₹1,500.00 is paid.\n\nनमस्ते — धन्यवाद",
		"a=b trailing space \nand tab\t\n.leading dot\n..two",
		"CRLF\nand CR\nonly",
		"",
		"x",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		struct buf b = { 0 };
		sender_qp(&b, texts[i]);
		buf_addc(&b, '\0');
		t_check(lines_ok(b.p, 76), __FILE__, __LINE__, "line too long or bare CR/LF: %s",
		    b.p);
		char *dec = t_mail_qp(b.p);
		t_check(dec != NULL && strcmp(dec, want[i]) == 0, __FILE__, __LINE__,
		    "qp(%s) = %s decodes to %s", texts[i], b.p, dec ? dec : "(bad)");
		free(dec);
		buf_free(&b);
	}
}

static void
sender_qp_exact_escapes(void)
{
	struct buf b = { 0 };
	sender_qp(&b, "a=b \n.x\n\xc3\xa9");
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "a=3Db=20\r\n=2Ex\r\n=C3=A9");
	buf_free(&b);
}

static void
sender_qp_long_lines_soft_breaks(void)
{
	char line[400];
	memset(line, 'a', sizeof line - 1);
	line[sizeof line - 1] = '\0';
	line[75] = '=';     /* an escape at the edge is not split */
	line[150] = '.';    /* a dot that lands on a line's start is escaped */
	struct buf b = { 0 };
	sender_qp(&b, line);
	buf_addc(&b, '\0');
	T_ASSERT(lines_ok(b.p, 76));
	char *dec = t_mail_qp(b.p);
	T_REQUIRE(dec != NULL);
	T_EQ_STR(dec, line);
	for (const char *p = b.p; (p = strstr(p, "\r\n")) != NULL; p += 2)
		T_ASSERT(p[2] != '.');
	free(dec);
	buf_free(&b);
	/* 2,000 Devanagari letters: every byte escaped, lines still <= 76 */
	struct buf big = { 0 }, q = { 0 };
	for (int i = 0; i < 2000; i++)
		buf_adds(&big, "क");
	buf_addc(&big, '\0');
	sender_qp(&q, big.p);
	buf_addc(&q, '\0');
	T_ASSERT(lines_ok(q.p, 76));
	dec = t_mail_qp(q.p);
	T_ASSERT(dec != NULL && strcmp(dec, big.p) == 0);
	free(dec);
	buf_free(&big);
	buf_free(&q);
}

static const struct sender_from shop_from = {
	.name = "Shop", .addr = "no-reply@shop.example", .domain = "shop.example",
};

static void
sender_mail_build_headers_and_body(void)
{
	struct sender_mail m = {
		.from = &shop_from, .to = "priya@example.in",
		.subject = "प्रिया, आपका ऑर्डर मिल गया", .body = "नमस्ते प्रिया,\nकुल: ₹1,500.00\n",
		.id = "6f1c1a5e-0000-4000-8000-000000000001", .date = 1767225600,
	};
	struct buf b = { 0 };
	char why[128];
	T_REQUIRE(sender_mail_build(&m, &b, why, sizeof why) == 0);
	buf_addc(&b, '\0');
	T_ASSERT(lines_ok(b.p, 998));
	char *v;
	T_EQ_STR(v = t_mail_header(b.p, "From"), "Shop <no-reply@shop.example>");
	free(v);
	T_EQ_STR(v = t_mail_header(b.p, "To"), "priya@example.in");
	free(v);
	T_EQ_STR(v = t_mail_header(b.p, "Date"), "Thu, 01 Jan 2026 00:00:00 +0000");
	free(v);
	T_EQ_STR(v = t_mail_header(b.p, "Message-ID"),
	    "<6f1c1a5e-0000-4000-8000-000000000001@shop.example>");
	free(v);
	T_EQ_STR(v = t_mail_header(b.p, "MIME-Version"), "1.0");
	free(v);
	T_EQ_STR(v = t_mail_header(b.p, "Content-Type"), "text/plain; charset=UTF-8");
	free(v);
	T_EQ_STR(v = t_mail_header(b.p, "Content-Transfer-Encoding"), "quoted-printable");
	free(v);
	v = t_mail_header(b.p, "Subject");
	char *subj = v ? t_mail_words(v) : NULL;
	T_EQ_STR(subj, m.subject);
	free(subj);
	free(v);
	char *body = t_mail_qp(t_mail_body(b.p));
	T_EQ_STR(body, "नमस्ते प्रिया,\nकुल: ₹1,500.00\n\n");
	free(body);
	buf_free(&b);
}

static void
sender_mail_build_same_message_id_on_resend(void)
{
	struct sender_mail m = {
		.from = &shop_from, .to = "a@b.example", .subject = "s", .body = "b",
		.id = "6f1c1a5e-0000-4000-8000-000000000002", .date = 1767225600,
	};
	struct buf one = { 0 }, two = { 0 };
	char why[128];
	T_REQUIRE(sender_mail_build(&m, &one, why, sizeof why) == 0);
	m.date += 3600;   /* a later attempt */
	T_REQUIRE(sender_mail_build(&m, &two, why, sizeof why) == 0);
	buf_addc(&one, '\0');
	buf_addc(&two, '\0');
	char *a = t_mail_header(one.p, "Message-ID"), *b = t_mail_header(two.p, "Message-ID");
	T_EQ_STR(a, b);
	free(a);
	free(b);
	buf_free(&one);
	buf_free(&two);
}

static void
sender_mail_build_from_names(void)
{
	struct sender_from f = { .addr = "a@b.example", .domain = "b.example" };
	struct sender_mail m = { .from = &f, .to = "c@d.example", .subject = NULL,
		.body = "x", .id = "6f1c1a5e-0000-4000-8000-000000000003", .date = 0 };
	const char *names[] = { "", "Shop, Inc.", "दुकान", "Eve\" <x@y.z>\r\nBcc: q@r.s" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(f.name, sizeof f.name, "%s", names[i]);
		struct buf b = { 0 };
		char why[128];
		T_REQUIRE(sender_mail_build(&m, &b, why, sizeof why) == 0);
		buf_addc(&b, '\0');
		char *v = t_mail_header(b.p, "From");
		T_REQUIRE(v != NULL);
		T_ASSERT(i == 0 || strstr(v, " <a@b.example>") != NULL);
		char *bcc = t_mail_header(b.p, "Bcc");
		T_ASSERT(bcc == NULL);
		free(bcc);
		T_ASSERT(lines_ok(b.p, 998));
		T_ASSERT(strstr(b.p, "Subject:") == NULL);
		if (i == 0) T_EQ_STR(v, "a@b.example");
		if (i == 1) T_EQ_STR(v, "\"Shop, Inc.\" <a@b.example>");
		if (i == 3) T_EQ_STR(v, "\"Eve\\\" <x@y.z>  Bcc: q@r.s\" <a@b.example>");
		if (i == 2) {
			char *enc = strdup(v);
			*strstr(enc, " <a@b.example>") = '\0';
			char *dec = t_mail_words(enc);
			T_EQ_STR(dec, "दुकान");
			free(dec);
			free(enc);
		}
		free(v);
		buf_free(&b);
	}
}

static void
sender_mail_build_bad_recipient(void)
{
	struct sender_mail m = {
		.from = &shop_from, .to = "victim@example.com\r\nBcc: x@y.z", .subject = "s",
		.body = "b", .id = "6f1c1a5e-0000-4000-8000-000000000004", .date = 0,
	};
	struct buf b = { 0 };
	char why[128];
	T_EQ_INT(sender_mail_build(&m, &b, why, sizeof why), -1);
	T_ASSERT(strstr(why, "recipient") != NULL);
	m.to = "ok@example.com";
	m.id = "x>\r\nBcc: y";
	T_EQ_INT(sender_mail_build(&m, &b, why, sizeof why), -1);
	T_EQ_INT(b.len, 0);
	buf_free(&b);
}

/* ---- SMS and WhatsApp ---- */

static void
sender_twilio_form_encoded(void)
{
	struct buf b = { 0 };
	sender_twilio_form(&b, "+919812345678", "+15005550006",
	    "Hi Priya & co: 100% = ₹1,500.00\nok");
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "To=%2B919812345678&From=%2B15005550006&Body=Hi%20Priya%20%26%20co%3A"
	    "%20100%25%20%3D%20%E2%82%B91%2C500.00%0Aok");
	buf_free(&b);
}

static void
sender_digits_of_numbers(void)
{
	char d[32];
	T_EQ_INT(sender_digits("+91 98123-45678", d, sizeof d), 12);
	T_EQ_STR(d, "919812345678");
	T_EQ_INT(sender_digits("", d, sizeof d), 0);
	T_EQ_INT(sender_digits("+", d, sizeof d), 0);
	T_EQ_INT(sender_digits("1234567890123456", d, sizeof d), 0);   /* 16 digits */
	T_EQ_INT(sender_digits("123456789012345", d, sizeof d), 15);
	T_EQ_INT(sender_digits("12345", d, 4), 0);                       /* no room */
}

static void
sender_meta_json_shape(void)
{
	struct buf b = { 0 };
	sender_meta_json(&b, "919812345678", "Hi \"Priya\"\nनमस्ते");
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
	    "\"to\":\"919812345678\",\"type\":\"text\",\"text\":{\"preview_url\":false,"
	    "\"body\":\"Hi \\\"Priya\\\"\\nनमस्ते\"}}");
	buf_free(&b);
}

static void
sender_meta_template_shape(void)
{
	struct buf b = { 0 };
	sender_meta_template_json(&b, "919812345678", "order_update", "en",
	    "Hi \"Priya\",\n\nyour order\t\tis   paid: \u20b91,500.00\n");
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":\"individual\","
	    "\"to\":\"919812345678\",\"type\":\"template\",\"template\":{\"name\":\"order_update\","
	    "\"language\":{\"code\":\"en\"},\"components\":[{\"type\":\"body\",\"parameters\":"
	    "[{\"type\":\"text\",\"text\":\"Hi \\\"Priya\\\", your order is paid: \u20b91,500.00\"}]}]}}");
	buf_free(&b);
	/* A long text is cut at a character, to at most 1,000 bytes. */
	char big[3001] = { 0 };
	for (int i = 0; i < 1000; i++)
		memcpy(big + 3 * i, "\u0928", 3);          /* न, three bytes */
	b = (struct buf){ 0 };
	sender_meta_template_json(&b, "91", "t", "hi", big);
	buf_addc(&b, '\0');
	const char *text = strstr(b.p, "\"text\":\"") + 8;
	T_EQ_INT((long long)(strchr(text, '"') - text), 999);
	buf_free(&b);
}

static void
sender_wa_template_setting(void)
{
	char name[128], lang[16];
	T_EQ_INT(sender_wa_template_parse("order_update:en", name, lang), 0);
	T_EQ_STR(name, "order_update");
	T_EQ_STR(lang, "en");
	T_EQ_INT(sender_wa_template_parse("order_update:en_US", name, lang), 0);
	T_EQ_STR(lang, "en_US");
	T_EQ_INT(sender_wa_template_parse("order_update", name, lang), -1);
	T_EQ_INT(sender_wa_template_parse(":en", name, lang), -1);
	T_EQ_INT(sender_wa_template_parse("Order Update:en", name, lang), -1);
	T_EQ_INT(sender_wa_template_parse("order:e", name, lang), -1);
	T_EQ_INT(sender_wa_template_parse("order:en\"x", name, lang), -1);
	T_EQ_INT(sender_wa_template_parse(NULL, name, lang), -1);
}

static struct jv *
parse(struct arena *a, const char *s)
{
	char err[64];
	return json_parse(a, s, strlen(s), err, sizeof err);
}

static void
sender_answers_ids(void)
{
	struct arena *a = arena_new(0);
	T_EQ_STR(sender_twilio_sid(parse(a, "{\"sid\":\"SM0123456789abcdef0123456789abcdef\","
	    "\"status\":\"queued\",\"error_code\":null}")), "SM0123456789abcdef0123456789abcdef");
	T_EQ_STR(sender_meta_id(parse(a, "{\"messaging_product\":\"whatsapp\",\"contacts\":"
	    "[{\"input\":\"91\",\"wa_id\":\"91\"}],\"messages\":[{\"id\":\"wamid.ABC=\"}]}")),
	    "wamid.ABC=");
	T_ASSERT(sender_twilio_sid(parse(a, "{\"sid\":null}")) == NULL);
	T_ASSERT(sender_twilio_sid(parse(a, "{\"sid\":\"\"}")) == NULL);
	T_ASSERT(sender_twilio_sid(parse(a, "{\"sid\":\"a\\nb\"}")) == NULL);
	T_ASSERT(sender_twilio_sid(NULL) == NULL);
	T_ASSERT(sender_meta_id(parse(a, "{\"messages\":[]}")) == NULL);
	T_ASSERT(sender_meta_id(parse(a, "{\"messages\":{\"id\":\"x\"}}")) == NULL);
	T_ASSERT(sender_meta_id(parse(a, "[1]")) == NULL);
	arena_free(a);
}

static void
sender_errors_from_answers(void)
{
	struct arena *a = arena_new(0);
	const char *tw = "{\"code\":21211,\"message\":\"The 'To' number +1 is not a valid "
	    "phone number.\",\"more_info\":\"https://www.twilio.com/docs/errors/21211\","
	    "\"status\":400}";
	T_EQ_STR(sender_http_error(a, 400, tw, parse(a, tw)),
	    "HTTP 400: 21211 The 'To' number +1 is not a valid phone number.");
	const char *meta = "{\"error\":{\"message\":\"Recipient phone number not in allowed "
	    "list\",\"type\":\"OAuthException\",\"code\":131030,\"fbtrace_id\":\"x\"}}";
	T_EQ_STR(sender_http_error(a, 400, meta, parse(a, meta)),
	    "HTTP 400: 131030 Recipient phone number not in allowed list");
	T_EQ_STR(sender_http_error(a, 502, "<html>bad\r\ngateway</html>", NULL),
	    "HTTP 502: <html>bad  gateway</html>");
	T_EQ_STR(sender_http_error(a, 0, NULL, NULL), "HTTP 0: ");
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	T_ASSERT(strlen(sender_http_error(a, 500, big, NULL)) < 300);
	T_EQ_STR(sender_smtp_error(a, 550, "550 5.1.1 <x@y.z>: Recipient address rejected\r\n",
	    NULL), "SMTP 550: 5.1.1 <x@y.z>: Recipient address rejected  ");
	T_EQ_STR(sender_smtp_error(a, 451, "451 try later", NULL), "SMTP 451: try later");
	T_EQ_STR(sender_smtp_error(a, 0, NULL, "Timeout was reached"),
	    "SMTP: Timeout was reached");
	T_EQ_STR(sender_smtp_error(a, 0, NULL, NULL), "SMTP: no reply");
	arena_free(a);
}

static void
sender_log_line_json(void)
{
	struct sender_logged m = {
		.id = "i", .user_id = "u", .type = "ORDER_PAID", .channel = "SMS",
		.to = "+91", .subject = NULL, .body = "a\"b\nc", .at = 1767225600,
	};
	struct buf b = { 0 };
	sender_log_line(&b, &m);
	buf_addc(&b, '\0');
	T_EQ_STR(b.p, "{\"ts\":\"2026-01-01T00:00:00Z\",\"id\":\"i\",\"userId\":\"u\","
	    "\"type\":\"ORDER_PAID\",\"channel\":\"SMS\",\"to\":\"+91\",\"body\":\"a\\\"b\\nc\"}");
	T_ASSERT(strchr(b.p, '\n') == NULL);
	buf_free(&b);
}

static const struct t_case cases[] = {
	T_CASE(sender_backoff_doubles_from_base),
	T_CASE(sender_backoff_capped_at_an_hour),
	T_CASE(sender_http_verdicts),
	T_CASE(sender_smtp_verdicts),
	T_CASE(sender_status_after_attempts),
	T_CASE(sender_from_parse_forms),
	T_CASE(sender_from_parse_bad),
	T_CASE(sender_addr_ok_and_bad),
	T_CASE(sender_mail_date_rfc5322),
	T_CASE(sender_header_text_ascii_as_is),
	T_CASE(sender_header_text_crlf_injects_nothing),
	T_CASE(sender_header_text_devanagari_encoded_words),
	T_CASE(sender_header_text_bad_utf8_and_lookalikes),
	T_CASE(sender_qp_round_trip),
	T_CASE(sender_qp_exact_escapes),
	T_CASE(sender_qp_long_lines_soft_breaks),
	T_CASE(sender_mail_build_headers_and_body),
	T_CASE(sender_mail_build_same_message_id_on_resend),
	T_CASE(sender_mail_build_from_names),
	T_CASE(sender_mail_build_bad_recipient),
	T_CASE(sender_twilio_form_encoded),
	T_CASE(sender_digits_of_numbers),
	T_CASE(sender_meta_json_shape),
	T_CASE(sender_meta_template_shape),
	T_CASE(sender_wa_template_setting),
	T_CASE(sender_answers_ids),
	T_CASE(sender_errors_from_answers),
	T_CASE(sender_log_line_json),
};

int
main(void)
{
	return t_run("sender", cases, T_NCASES(cases), NULL, NULL);
}
