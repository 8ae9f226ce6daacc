/* The sender's decisions and formats (sender_rules.h). */
#include "sender_rules.h"
#include "valid.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

long
sender_backoff_ms(long attempts, long base_ms, unsigned char jitter)
{
	if (base_ms < 1)
		base_ms = 1;
	if (attempts < 1)
		attempts = 1;
	double d = (double)base_ms;
	for (long i = 1; i < attempts && d < (double)SENDER_BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > (double)SENDER_BACKOFF_CAP_MS)
		d = (double)SENDER_BACKOFF_CAP_MS;
	d *= 0.75 + 0.5 * (double)jitter / 255.0;
	if (d > (double)SENDER_BACKOFF_CAP_MS)
		d = (double)SENDER_BACKOFF_CAP_MS;
	return (long)(d + 0.5);
}

enum sender_verdict
sender_http_verdict(long status)
{
	if (status >= 200 && status <= 299)
		return SV_SENT;
	if (status >= 400 && status <= 499 && status != 429)
		return SV_REFUSED;
	return SV_RETRY;   /* no answer, 429, 5xx, and anything odd */
}

enum sender_verdict
sender_smtp_verdict(long code, bool accepted)
{
	if (accepted)
		return SV_SENT;
	if (code >= 500 && code <= 599)
		return SV_REFUSED;
	return SV_RETRY;   /* 4xx, or no reply at all */
}

const char *
sender_status_after(enum sender_verdict v, long attempts, long max_attempts)
{
	if (v == SV_SENT)
		return "SENT";
	if (v == SV_REFUSED || attempts >= max_attempts)
		return "FAILED";
	return "PENDING";
}

/* ---- email ---- */

bool
sender_addr_ok(const char *addr)
{
	size_t n = addr ? strlen(addr) : 0;
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (n < 3 || n > 254 || at == NULL || at == addr || at[1] == '\0')
		return false;
	for (const char *p = addr; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f || strchr("\"()<>[]\\,;:", c) != NULL)
			return false;
		if (c == '@' && p != at)
			return false;
	}
	return true;
}

/* Copies [p, p + n) into out (size cap) without surrounding spaces. */
static void
copy_trimmed(char *out, size_t cap, const char *p, size_t n)
{
	while (n > 0 && isspace((unsigned char)*p))
		p++, n--;
	while (n > 0 && isspace((unsigned char)p[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

int
sender_from_parse(const char *from, struct sender_from *out)
{
	memset(out, 0, sizeof *out);
	if (from == NULL)
		return -1;
	char trimmed[512];
	copy_trimmed(trimmed, sizeof trimmed, from, strlen(from));
	from = trimmed;
	const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	if (lt != NULL) {
		if (gt == NULL || gt[1] != '\0')
			return -1;
		copy_trimmed(out->addr, sizeof out->addr, lt + 1, (size_t)(gt - lt - 1));
		copy_trimmed(out->name, sizeof out->name, from, (size_t)(lt - from));
		size_t nl = strlen(out->name);
		if (nl >= 2 && out->name[0] == '"' && out->name[nl - 1] == '"') {
			memmove(out->name, out->name + 1, nl - 2);
			out->name[nl - 2] = '\0';
		}
	} else {
		copy_trimmed(out->addr, sizeof out->addr, from, strlen(from));
	}
	if (!sender_addr_ok(out->addr))
		return -1;
	snprintf(out->domain, sizeof out->domain, "%s", strrchr(out->addr, '@') + 1);
	return 0;
}

void
sender_mail_date(time_t t, char out[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7],
	    tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
}

/* text made safe for a header: control characters as spaces, invalid UTF-8
 * as '?', into b.  Whether it is all printable ASCII. */
static bool
header_clean(struct buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
	bool ascii = true;
	while (p < end) {
		if (*p < 0x20 || *p == 0x7f) {
			buf_addc(b, ' ');
			p++;
		} else if (*p < 0x80) {
			buf_addc(b, (char)*p++);
		} else {
			size_t k = json_utf8_seq(p, end);
			ascii = false;
			if (k == 0) {
				buf_addc(b, '?');
				p++;
			} else {
				buf_add(b, p, k);
				p += k;
			}
		}
	}
	return ascii;
}

static void
base64(struct buf *out, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n) v |= p[i + 2];
		buf_addc(out, tab[(v >> 18) & 63]);
		buf_addc(out, tab[(v >> 12) & 63]);
		buf_addc(out, i + 1 < n ? tab[(v >> 6) & 63] : '=');
		buf_addc(out, i + 2 < n ? tab[v & 63] : '=');
	}
}

/* 45 bytes make 60 base64 characters: with "=?UTF-8?B?" and "?=", 72. */
#define WORD_BYTES 45

void
sender_header_text(struct buf *out, const char *text)
{
	struct buf c = { 0 };
	bool ascii = header_clean(&c, text ? text : "");
	if (c.len == 0) {
		buf_free(&c);
		return;
	}
	if (ascii && c.len <= 900 && memmem(c.p, c.len, "=?", 2) == NULL) {
		buf_add(out, c.p, c.len);
		buf_free(&c);
		return;
	}
	const unsigned char *p = (const unsigned char *)c.p, *end = p + c.len;
	bool first = true;
	while (p < end) {
		/* Whole characters only (the text is valid UTF-8 by now). */
		const unsigned char *q = p;
		while (q < end) {
			size_t k = *q < 0x80 ? 1 : json_utf8_seq(q, end);
			if (k == 0) k = 1;
			if ((size_t)(q - p) + k > WORD_BYTES)
				break;
			q += k;
		}
		if (!first)
			buf_adds(out, "\r\n ");
		buf_adds(out, "=?UTF-8?B?");
		base64(out, p, (size_t)(q - p));
		buf_adds(out, "?=");
		first = false;
		p = q;
	}
	buf_free(&c);
}

/* Quoted-printable of one line (no line break in it), soft breaks at 76. */
static void
qp_line(struct buf *out, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		bool last = i + 1 == n;
		char enc[4];
		size_t w;
		if ((ch >= 33 && ch <= 126 && ch != '=' && !(ch == '.' && col == 0)) ||
		    ((ch == ' ' || ch == '\t') && !last)) {
			enc[0] = (char)ch;
			w = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[ch >> 4];
			enc[2] = hex[ch & 15];
			w = 3;
		}
		/* Room for the soft break's '=' unless this ends the line. */
		if (col + w > (last ? 76u : 75u)) {
			buf_adds(out, "=\r\n");
			col = 0;
			if (enc[0] == '.' && w == 1) {   /* now at a line's start */
				memcpy(enc, "=2E", 3);
				w = 3;
			}
		}
		buf_add(out, enc, w);
		col += w;
	}
}

void
sender_qp(struct buf *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	for (;;) {
		size_t n = strcspn((const char *)p, "\r\n");
		qp_line(out, p, n);
		p += n;
		if (*p == '\0')
			break;
		buf_adds(out, "\r\n");
		p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
	}
}

/* A display name of atoms goes as it is; other ASCII as a quoted string;
 * anything else as encoded words.  Control characters become spaces
 * first, whichever it is. */
static void
display_name(struct buf *out, const char *name)
{
	struct buf c = { 0 };
	bool ascii = header_clean(&c, name);
	buf_addc(&c, '\0');
	bool atoms = strstr(c.p, "=?") == NULL;
	for (const unsigned char *p = (const unsigned char *)c.p; *p; p++)
		if (!isalnum(*p) && strchr(" !#$%&'*+-/=?^_`{|}~", *p) == NULL)
			atoms = false;
	if (!ascii) {
		sender_header_text(out, c.p);
	} else if (atoms) {
		buf_adds(out, c.p);
	} else {
		buf_addc(out, '"');
		for (const char *p = c.p; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_addc(out, '\\');
			buf_addc(out, *p);
		}
		buf_addc(out, '"');
	}
	buf_free(&c);
}

/* The left part of a Message-ID: a UUID's characters only. */
static bool
id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > 64)
		return false;
	for (const char *p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

int
sender_mail_build(const struct sender_mail *m, struct buf *out, char *why, size_t n)
{
	if (!sender_addr_ok(m->to)) {
		snprintf(why, n, "the recipient is not an address that can be sent to");
		return -1;
	}
	if (!id_ok(m->id) || !sender_addr_ok(m->from->addr)) {
		snprintf(why, n, "the sender's address or the notification id is not usable");
		return -1;
	}
	char date[40];
	sender_mail_date(m->date, date);
	buf_adds(out, "From: ");
	if (m->from->name[0] != '\0') {
		display_name(out, m->from->name);
		buf_printf(out, " <%s>\r\n", m->from->addr);
	} else {
		buf_printf(out, "%s\r\n", m->from->addr);
	}
	buf_printf(out, "To: %s\r\n", m->to);
	if (m->subject != NULL) {
		buf_adds(out, "Subject: ");
		sender_header_text(out, m->subject);
		buf_adds(out, "\r\n");
	}
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "Message-ID: <%s@%s>\r\n", m->id, m->from->domain);
	buf_adds(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n");
	sender_qp(out, m->body);
	buf_adds(out, "\r\n");
	return 0;
}

/* ---- SMS and WhatsApp ---- */

void
sender_form_value(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			buf_addc(out, (char)*p);
		} else {
			buf_addc(out, '%');
			buf_addc(out, hex[*p >> 4]);
			buf_addc(out, hex[*p & 15]);
		}
	}
}

void
sender_twilio_form(struct buf *out, const char *to, const char *from, const char *body)
{
	buf_adds(out, "To=");
	sender_form_value(out, to);
	buf_adds(out, "&From=");
	sender_form_value(out, from);
	buf_adds(out, "&Body=");
	sender_form_value(out, body);
}

size_t
sender_digits(const char *phone, char *out, size_t n)
{
	size_t k = 0;
	for (const char *p = phone ? phone : ""; *p; p++) {
		if (!isdigit((unsigned char)*p))
			continue;
		if (k + 1 >= n || k >= 15)
			return out[0] = '\0', 0;
		out[k++] = *p;
	}
	out[k] = '\0';
	return k;
}

void
sender_meta_json(struct buf *out, const char *digits, const char *body)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_open(&w);
	jw_kstr(&w, "messaging_product", "whatsapp");
	jw_kstr(&w, "recipient_type", "individual");
	jw_kstr(&w, "to", digits);
	jw_kstr(&w, "type", "text");
	jw_key(&w, "text");
	jw_obj_open(&w);
	jw_kbool(&w, "preview_url", false);
	jw_kstr(&w, "body", body);
	jw_obj_close(&w);
	jw_obj_close(&w);
}

int
sender_wa_template_parse(const char *s, char name[128], char lang[16])
{
	const char *colon = s ? strchr(s, ':') : NULL;
	if (colon == NULL)
		return -1;
	size_t nn = (size_t)(colon - s), nl = strlen(colon + 1);
	if (nn == 0 || nn >= 128 || nl < 2 || nl >= 16 ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != nn ||
	    strspn(colon + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") != nl)
		return -1;
	memcpy(name, s, nn);
	name[nn] = '\0';
	memcpy(lang, colon + 1, nl + 1);
	return 0;
}

void
sender_meta_template_json(struct buf *out, const char *digits, const char *name,
    const char *lang, const char *body)
{
	struct buf one = { 0 };
	for (const char *c = body; *c != '\0'; c++) {
		bool space = (unsigned char)*c <= ' ' || *c == 0x7f;
		if (!space)
			buf_addc(&one, *c);
		else if (one.len > 0 && one.p[one.len - 1] != ' ')
			buf_addc(&one, ' ');
	}
	while (one.len > 0 && one.p[one.len - 1] == ' ')
		one.len--;
	buf_addc(&one, '\0');
	one.p[utf8_cut(one.p, 1000)] = '\0';
	struct jw w;
	jw_init(&w, out);
	jw_obj_open(&w);
	jw_kstr(&w, "messaging_product", "whatsapp");
	jw_kstr(&w, "recipient_type", "individual");
	jw_kstr(&w, "to", digits);
	jw_kstr(&w, "type", "template");
	jw_key(&w, "template");
	jw_obj_open(&w);
	jw_kstr(&w, "name", name);
	jw_key(&w, "language");
	jw_obj_open(&w);
	jw_kstr(&w, "code", lang);
	jw_obj_close(&w);
	jw_key(&w, "components");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kstr(&w, "type", "body");
	jw_key(&w, "parameters");
	jw_arr_open(&w);
	jw_obj_open(&w);
	jw_kstr(&w, "type", "text");
	jw_kstr(&w, "text", one.p);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_arr_close(&w);
	jw_obj_close(&w);
	jw_obj_close(&w);
	buf_free(&one);
}

/* A non-empty string of at most 128 bytes without control characters. */
static const char *
id_text(const struct jv *v)
{
	if (v == NULL || v->type != JV_STR || v->len == 0 || v->len > 128)
		return NULL;
	for (size_t i = 0; i < v->len; i++)
		if ((unsigned char)v->s[i] < 0x20 || v->s[i] == 0x7f)
			return NULL;
	return v->s;
}

const char *
sender_twilio_sid(const struct jv *answer)
{
	return id_text(json_get(answer, "sid"));
}

const char *
sender_meta_id(const struct jv *answer)
{
	const struct jv *msgs = json_get(answer, "messages");
	if (msgs == NULL || msgs->type != JV_ARR || msgs->n == 0)
		return NULL;
	return id_text(json_get(msgs->items[0], "id"));
}

/* s cut to max bytes (never inside a UTF-8 character), control
 * characters as spaces, appended to b. */
static void
add_clean(struct buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	size_t used = 0;
	while (p < end) {
		size_t k = *p < 0x80 ? 1 : json_utf8_seq(p, end);
		if (k == 0) k = 1;
		if (used + k > max)
			break;
		if (k == 1 && (*p < 0x20 || *p == 0x7f))
			buf_addc(b, ' ');
		else
			buf_add(b, p, k);
		used += k;
		p += k;
	}
}

const char *
sender_http_error(struct arena *a, long status, const char *body, const struct jv *answer)
{
	struct buf b = { 0 };
	buf_printf(&b, "HTTP %ld: ", status);
	const struct jv *err = json_get(answer, "error");
	const struct jv *src = err != NULL && err->type == JV_OBJ ? err : answer;
	const struct jv *code = json_get(src, "code");
	const char *msg = json_str(src, "message");
	if (msg != NULL) {
		if (code != NULL && code->type == JV_NUM)
			buf_printf(&b, "%s ", code->s);
		add_clean(&b, msg, 280);
	} else {
		add_clean(&b, body ? body : "", 200);
	}
	char *s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}

const char *
sender_smtp_error(struct arena *a, long code, const char *reply, const char *transport)
{
	struct buf b = { 0 };
	if (code > 0) {
		buf_printf(&b, "SMTP %ld: ", code);
		const char *r = reply ? reply : "";
		/* The reply line without its code ("550 " or "550-"). */
		if (strlen(r) >= 4 && isdigit((unsigned char)r[0]) && (r[3] == ' ' || r[3] == '-'))
			r += 4;
		add_clean(&b, r, 280);
	} else {
		buf_adds(&b, "SMTP: ");
		add_clean(&b, transport && *transport ? transport : "no reply", 280);
	}
	char *s = arena_strndup(a, b.p, b.len);
	buf_free(&b);
	return s;
}

void
sender_log_line(struct buf *out, const struct sender_logged *m)
{
	char ts[32];
	struct tm tm;
	gmtime_r(&m->at, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct jw w;
	jw_init(&w, out);
	jw_obj_open(&w);
	jw_kstr(&w, "ts", ts);
	jw_kstr(&w, "id", m->id);
	jw_kstr(&w, "userId", m->user_id);
	jw_kstr(&w, "type", m->type);
	jw_kstr(&w, "channel", m->channel);
	jw_kstr(&w, "to", m->to);
	if (m->subject != NULL)
		jw_kstr(&w, "subject", m->subject);
	jw_kstr(&w, "body", m->body);
	jw_obj_close(&w);
}
