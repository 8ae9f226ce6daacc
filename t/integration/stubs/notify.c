/* The Twilio and WhatsApp stand-in (t/notify-stub/): each provider's call
 * as the sender makes it, the provider's answers and error bodies, and
 * the faults of /_stub/fault (fail N, refuse, hang). */
#include "stubs.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A number nobody else uses this run: "+9197<8 digits>" (E.164) into out,
 * and the same without the plus (WhatsApp's form) into digits. */
static void
number_new(char out[20], char digits[20])
{
	static int n;
	snprintf(out, 20, "+9197%04d%04d", (int)(getpid() % 10000), ++n % 10000);
	snprintf(digits, 20, "%s", out + 1);
}

/* A provider's total and call count now. */
static void
counts(const char *provider, long *total, long *calls)
{
	struct resp rs;
	*total = t_notify_messages(&rs, provider);
	*calls = t_jint(rs.json, "calls", -1);
	t_resp_free(&rs);
}

/* Waits until the provider had no call for 300 ms (at most 10 s), so that
 * a fault set next is not used up by a sender of the stack. */
static void
notify_quiet(const char *provider)
{
	long total, calls, last = -2;
	double until = t_now() + 10;
	for (counts(provider, &total, &calls); calls != last && t_now() < until;
	    counts(provider, &total, &calls)) {
		last = calls;
		t_sleep_ms(300);
	}
}

/* The provider's message with id: its JSON (put it back with
 * json_object_put), or NULL. */
static struct json_object *
message_of(const char *provider, const char *id)
{
	struct resp rs;
	struct json_object *found = NULL;
	t_notify_messages(&rs, provider);
	size_t n = t_jlen(rs.json, "data");
	for (size_t i = 0; i < n && found == NULL; i++) {
		char path[40];
		snprintf(path, sizeof path, "data.%zu", i);
		struct json_object *m = t_jget(rs.json, path);
		if (id != NULL && t_jstr(m, "id") != NULL && strcmp(t_jstr(m, "id"), id) == 0)
			found = json_object_get(m);
	}
	t_resp_free(&rs);
	return found;
}

/* The JSON member at path is null (present, not absent). */
static bool
is_null(struct json_object *o, const char *path)
{
	const char *dot = strrchr(path, '.');
	struct json_object *parent = dot ? NULL : o, *v = NULL;
	if (dot != NULL) {
		char head[80];
		snprintf(head, sizeof head, "%.*s", (int)(dot - path), path);
		parent = t_jget(o, head);
	}
	return parent != NULL && json_object_object_get_ex(parent, dot ? dot + 1 : path, &v) &&
	    v == NULL;
}

static bool
all_hex(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* A WhatsApp text message to digits into out; returns out. */
static char *
wa_text(char *out, size_t n, const char *digits, const char *text)
{
	snprintf(out, n, "{\"messaging_product\":\"whatsapp\",\"to\":\"%s\",\"type\":\"text\","
	    "\"text\":{\"body\":\"%s\"}}", digits, text);
	return out;
}

#define BODY_UTF8 "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87 " \
	"Asha, order #A1 paid: \xe2\x82\xb9" "1,500.00 & more"

/* ---- Twilio ---- */

static void
twilio_send_201_shape(void)
{
	char to[20], digits[20], date[40];
	struct resp rs;
	number_new(to, digits);
	t_twilio_send(&rs, to, BODY_UTF8);
	if (!T_STATUS(&rs, 201)) {
		t_resp_free(&rs);
		return;
	}
	const char *sid = t_jstr(rs.json, "sid");
	T_ASSERT(sid != NULL && strncmp(sid, "SM", 2) == 0 && all_hex(sid + 2, 32));
	T_EQ_STR(t_jstr(rs.json, "status"), "queued");
	T_EQ_STR(t_jstr(rs.json, "to"), to);
	T_EQ_STR(t_jstr(rs.json, "from"), t_env("TWILIO_FROM"));
	T_EQ_STR(t_jstr(rs.json, "body"), BODY_UTF8);
	T_EQ_STR(t_jstr(rs.json, "num_segments"), "1");    /* a string, as Twilio's */
	T_EQ_STR(t_jstr(rs.json, "account_sid"), t_env("TWILIO_ACCOUNT_SID"));
	T_ASSERT(is_null(rs.json, "error_code"));
	/* RFC 2822: "Fri, 04 Dec 2026 08:10:11 +0000" */
	int d, y, hh, mm, ss;
	char wd[4], mon[4];
	snprintf(date, sizeof date, "%s", t_jstr(rs.json, "date_created") ? t_jstr(rs.json, "date_created") : "");
	T_ASSERT(sscanf(date, "%3[A-Za-z], %d %3s %d %d:%d:%d +0000", wd, &d, mon, &y, &hh, &mm, &ss) == 7 &&
	    wd[3] == '\0' && strlen(date) == 31);
	struct json_object *m = message_of("twilio", sid);
	T_ASSERT(m != NULL);
	if (m != NULL) {
		T_EQ_STR(t_jstr(m, "to"), to);
		T_EQ_STR(t_jstr(m, "from"), t_env("TWILIO_FROM"));
		T_EQ_STR(t_jstr(m, "body"), BODY_UTF8);
		T_ASSERT(t_jstr(m, "at") != NULL && strlen(t_jstr(m, "at")) == 24);
		json_object_put(m);
	}
	t_resp_free(&rs);
}

static void
twilio_bad_auth_401_20003(void)
{
	static const char want[] = "{\"code\":20003,\"message\":\"Authenticate\",\"more_info\":"
	    "\"https://www.twilio.com/docs/errors/20003\",\"status\":401}";
	char url[300];
	snprintf(url, sizeof url, "%s/Accounts/%s/Messages.json", t_env("TWILIO_API_BASE"),
	    t_env("TWILIO_ACCOUNT_SID"));
	static const char form[] = "To=%2B919700000001&From=%2B15005550006&Body=x";
	const char *auth[] = {
		"Authorization: Basic QUMwMDAwOndyb25n",            /* AC0000:wrong */
		"X-None: 1",                                        /* no Authorization */
		"Authorization: Bearer whatever",
	};
	long before, calls, after;
	counts("twilio", &before, &calls);
	for (size_t i = 0; i < sizeof auth / sizeof auth[0]; i++) {
		struct resp rs;
		t_http(&rs, "POST", url, NULL, "application/x-www-form-urlencoded", form,
		    strlen(form), auth[i], (char *)NULL);
		T_EQ_INT(rs.status, 401);
		T_EQ_STR(rs.body, want);
		t_resp_free(&rs);
	}
	/* our credentials on another account's path: Twilio's 404 */
	char ok[300];
	struct resp rs;
	snprintf(url, sizeof url, "%s/Accounts/AC%032d/Messages.json", t_env("TWILIO_API_BASE"), 7);
	t_http(&rs, "POST", url, NULL, "application/x-www-form-urlencoded", form, strlen(form),
	    t_twilio_basic(ok, sizeof ok), (char *)NULL);
	T_EQ_INT(rs.status, 404);
	T_EQ_INT(t_jint(rs.json, "code", 0), 20404);
	t_resp_free(&rs);
	counts("twilio", &after, &calls);
	T_EQ_INT(after, before);
}

static void
twilio_bad_input_400(void)
{
	static const struct { const char *to, *body; long code; } cases[] = {
		{ "98765", "x", 21211 },                  /* not E.164 */
		{ NULL, "x", 21211 },                     /* no To */
		{ "+91 97 0000 0001", "x", 21211 },
		{ "+919700000001", "", 21602 },           /* no Body */
	};
	long before, calls, after;
	counts("twilio", &before, &calls);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct resp rs;
		t_twilio_send(&rs, cases[i].to, cases[i].body);
		T_EQ_INT(rs.status, 400);
		T_EQ_INT(t_jint(rs.json, "code", 0), cases[i].code);
		T_EQ_INT(t_jint(rs.json, "status", 0), 400);
		T_ASSERT(t_contains(t_jstr(rs.json, "more_info"), "twilio.com/docs/errors/"));
		t_resp_free(&rs);
	}
	/* "+" not percent-encoded is a space in a form: the sender must encode it */
	char url[300], auth[300];
	snprintf(url, sizeof url, "%s/Accounts/%s/Messages.json", t_env("TWILIO_API_BASE"),
	    t_env("TWILIO_ACCOUNT_SID"));
	t_twilio_basic(auth, sizeof auth);
	static const char raw[] = "To=+919700000001&From=%2B15005550006&Body=x";
	struct resp rs;
	t_http(&rs, "POST", url, NULL, "application/x-www-form-urlencoded", raw, strlen(raw),
	    auth, (char *)NULL);
	T_EQ_INT(rs.status, 400);
	T_EQ_INT(t_jint(rs.json, "code", 0), 21211);
	t_resp_free(&rs);
	/* a body over 1,600 characters */
	char *big = malloc(1602);
	T_REQUIRE(big != NULL);
	memset(big, 'a', 1601);
	big[1601] = '\0';
	t_twilio_send(&rs, "+919700000001", big);
	T_EQ_INT(rs.status, 400);
	T_EQ_INT(t_jint(rs.json, "code", 0), 21617);
	t_resp_free(&rs);
	free(big);
	counts("twilio", &after, &calls);
	T_EQ_INT(after, before);                          /* nothing was accepted */
}

static void
twilio_fail_twice_500_then_201(void)
{
	char to[20], digits[20];
	number_new(to, digits);
	notify_quiet("twilio");
	long before, calls0, after, calls1;
	counts("twilio", &before, &calls0);
	T_REQUIRE(t_notify_fault("twilio", ",\"fail\":2,\"status\":500"));
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		t_twilio_send(&rs, to, "retry me");
		T_EQ_INT(rs.status, 500);
		T_EQ_INT(t_jint(rs.json, "code", 0), 20500);
		T_EQ_INT(t_jint(rs.json, "status", 0), 500);
		t_resp_free(&rs);
	}
	struct resp rs;
	t_twilio_send(&rs, to, "retry me");
	T_EQ_INT(rs.status, 201);
	t_resp_free(&rs);
	counts("twilio", &after, &calls1);
	T_EQ_INT(after - before, 1);
	T_EQ_INT(calls1 - calls0, 3);                     /* every attempt is counted */
}

static void
twilio_fault_429_and_503_bodies(void)
{
	notify_quiet("twilio");
	static const struct { int status; long code; } faults[] = { { 429, 20429 }, { 503, 20503 } };
	for (size_t i = 0; i < 2; i++) {
		char f[60];
		snprintf(f, sizeof f, ",\"fail\":1,\"status\":%d", faults[i].status);
		T_REQUIRE(t_notify_fault("twilio", f));
		struct resp rs;
		t_twilio_send(&rs, "+919700000002", "x");
		T_EQ_INT(rs.status, faults[i].status);
		T_EQ_INT(t_jint(rs.json, "code", 0), faults[i].code);
		t_resp_free(&rs);
	}
}

static void
twilio_refuse_400_every_time(void)
{
	char to[20], digits[20], ok[20];
	number_new(to, digits);
	number_new(ok, digits);
	char f[80];
	snprintf(f, sizeof f, ",\"refuse\":\"%s\"", to);
	T_REQUIRE(t_notify_fault("twilio", f));
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		t_twilio_send(&rs, to, "refused");
		T_EQ_INT(rs.status, 400);
		T_EQ_INT(t_jint(rs.json, "code", 0), 21211);
		T_ASSERT(t_contains(t_jstr(rs.json, "message"), to));
		t_resp_free(&rs);
	}
	struct resp rs;
	T_EQ_INT(t_twilio_send(&rs, ok, "fine"), 201);
	t_resp_free(&rs);
}

struct call {
	const char *to;
	long status;
	double secs;
};

static void *
twilio_call(void *arg)
{
	struct call *c = arg;
	struct resp rs;
	double t0 = t_now();
	c->status = t_twilio_send(&rs, c->to, "slow");
	c->secs = t_now() - t0;
	t_resp_free(&rs);
	return NULL;
}

/* hangMs holds each call in its own worker: three hanging calls at once
 * end together, and WhatsApp meanwhile answers at once. */
static void
twilio_hang_holds_only_its_worker(void)
{
	enum { N = 3 };
	char to[N][20], digits[20], wa[20];
	struct call c[N];
	pthread_t th[N];
	notify_quiet("twilio");
	T_REQUIRE(t_notify_fault("twilio", ",\"hangMs\":1500"));
	double t0 = t_now();
	for (int i = 0; i < N; i++) {
		number_new(to[i], digits);
		c[i] = (struct call){ .to = to[i] };
		T_REQUIRE(pthread_create(&th[i], NULL, twilio_call, &c[i]) == 0);
	}
	t_sleep_ms(200);
	char body[200];
	number_new(wa, digits);                        /* a fresh number for WhatsApp */
	wa_text(body, sizeof body, digits, "not held");
	struct resp rs;
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	t_check(rs.secs < 0.5, __FILE__, __LINE__, "WhatsApp took %.2f s", rs.secs);
	t_resp_free(&rs);
	for (int i = 0; i < N; i++)
		pthread_join(th[i], NULL);
	double all = t_now() - t0;
	T_ASSERT(t_notify_fault("twilio", ",\"hangMs\":0"));
	for (int i = 0; i < N; i++) {
		T_EQ_INT(c[i].status, 201);
		t_check(c[i].secs >= 1.4, __FILE__, __LINE__, "call %d took %.2f s", i, c[i].secs);
	}
	t_check(all < 2.8, __FILE__, __LINE__, "three held calls took %.2f s together", all);
}

/* ---- WhatsApp ---- */

static void
whatsapp_text_200_shape(void)
{
	char to[20], digits[20], body[300];
	number_new(to, digits);
	snprintf(body, sizeof body, "{\"messaging_product\":\"whatsapp\",\"recipient_type\":"
	    "\"individual\",\"to\":\"%s\",\"type\":\"text\",\"text\":{\"body\":\"%s\"}}", digits,
	    BODY_UTF8);
	struct resp rs;
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	T_EQ_STR(t_jstr(rs.json, "messaging_product"), "whatsapp");
	T_EQ_STR(t_jstr(rs.json, "contacts.0.input"), digits);
	T_EQ_STR(t_jstr(rs.json, "contacts.0.wa_id"), digits);
	const char *id = t_jstr(rs.json, "messages.0.id");
	T_ASSERT(id != NULL && strncmp(id, "wamid.", 6) == 0 && strlen(id) > 20);
	struct json_object *m = message_of("whatsapp", id);
	T_ASSERT(m != NULL);
	if (m != NULL) {
		T_EQ_STR(t_jstr(m, "to"), digits);
		T_EQ_STR(t_jstr(m, "from"), t_env("WHATSAPP_PHONE_NUMBER_ID"));
		T_EQ_STR(t_jstr(m, "body"), BODY_UTF8);
		T_EQ_STR(t_jstr(m, "type"), "text");
		json_object_put(m);
	}
	/* two calls, two ids */
	char first[100];
	t_copy(first, sizeof first, id);
	t_resp_free(&rs);
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	T_ASSERT(t_jstr(rs.json, "messages.0.id") && strcmp(t_jstr(rs.json, "messages.0.id"), first) != 0);
	t_resp_free(&rs);
}

static void
whatsapp_template_200(void)
{
	char to[20], digits[20], body[500];
	number_new(to, digits);
	snprintf(body, sizeof body, "{\"messaging_product\":\"whatsapp\",\"to\":\"%s\","
	    "\"type\":\"template\",\"template\":{\"name\":\"order_update\",\"language\":"
	    "{\"code\":\"en\"},\"components\":[{\"type\":\"body\",\"parameters\":[{\"type\":"
	    "\"text\",\"text\":\"A1\"},{\"type\":\"text\",\"text\":\"1,500.00\"}]}]}}", digits);
	struct resp rs;
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	struct json_object *m = message_of("whatsapp", t_jstr(rs.json, "messages.0.id"));
	T_ASSERT(m != NULL);
	if (m != NULL) {
		T_EQ_STR(t_jstr(m, "type"), "template");
		T_EQ_STR(t_jstr(m, "body"), "order_update: A1 | 1,500.00");
		json_object_put(m);
	}
	t_resp_free(&rs);
}

static void
whatsapp_bad_token_401_190(void)
{
	char url[300];
	snprintf(url, sizeof url, "%s/%s/messages", t_env("WHATSAPP_API_BASE"),
	    t_env("WHATSAPP_PHONE_NUMBER_ID"));
	static const char body[] = "{\"messaging_product\":\"whatsapp\",\"to\":\"919700000003\","
	    "\"type\":\"text\",\"text\":{\"body\":\"x\"}}";
	const char *tokens[] = { "EAAGnot-the-token", NULL };
	for (size_t i = 0; i < 2; i++) {
		struct resp rs;
		t_http(&rs, "POST", url, tokens[i], "application/json", body, strlen(body),
		    (char *)NULL);
		T_EQ_INT(rs.status, 401);
		T_EQ_STR(t_jstr(rs.json, "error.message"), "Invalid OAuth access token.");
		T_EQ_STR(t_jstr(rs.json, "error.type"), "OAuthException");
		T_EQ_INT(t_jint(rs.json, "error.code", 0), 190);
		T_ASSERT(t_jstr(rs.json, "error.fbtrace_id") != NULL);
		t_resp_free(&rs);
	}
}

static void
whatsapp_bad_body_400_100(void)
{
	static const char *const bodies[] = {
		"{\"messaging_product\":\"whatsapp\",\"to\":\"+919700000004\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}",
		"{\"to\":\"919700000004\",\"type\":\"text\",\"text\":{\"body\":\"x\"}}",
		"{\"messaging_product\":\"whatsapp\",\"to\":\"919700000004\",\"type\":\"text\",\"text\":{}}",
		"{\"messaging_product\":\"whatsapp\",\"to\":\"919700000004\",\"type\":\"image\"}",
		"{\"messaging_product\":\"whatsapp\",\"to\":\"919700000004\",\"type\":\"template\",\"template\":{\"name\":\"x\"}}",
		"not json",
	};
	long before, calls, after;
	counts("whatsapp", &before, &calls);
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct resp rs;
		t_whatsapp_send(&rs, bodies[i]);
		t_check(rs.status == 400 && t_jint(rs.json, "error.code", 0) == 100, __FILE__,
		    __LINE__, "%s -> %ld %s", bodies[i], rs.status, rs.body);
		t_resp_free(&rs);
	}
	/* another phone number id: Graph's unsupported post request */
	char url[300];
	snprintf(url, sizeof url, "%s/1234567/messages", t_env("WHATSAPP_API_BASE"));
	struct resp rs;
	t_http(&rs, "POST", url, t_env("WHATSAPP_TOKEN"), "application/json", bodies[0],
	    strlen(bodies[0]), (char *)NULL);
	T_EQ_INT(rs.status, 400);
	T_EQ_INT(t_jint(rs.json, "error.code", 0), 100);
	T_EQ_INT(t_jint(rs.json, "error.error_subcode", 0), 33);
	t_resp_free(&rs);
	counts("whatsapp", &after, &calls);
	T_EQ_INT(after, before);
}

static void
whatsapp_fail_twice_500_then_200(void)
{
	char to[20], digits[20], body[300];
	number_new(to, digits);
	wa_text(body, sizeof body, digits, "retry me");
	notify_quiet("whatsapp");
	long before, c0, after, c1;
	counts("whatsapp", &before, &c0);
	T_REQUIRE(t_notify_fault("whatsapp", ",\"fail\":2,\"status\":500"));
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		t_whatsapp_send(&rs, body);
		T_EQ_INT(rs.status, 500);
		T_EQ_INT(t_jint(rs.json, "error.code", 0), 1);
		T_ASSERT(json_object_get_boolean(t_jget(rs.json, "error.is_transient")));
		t_resp_free(&rs);
	}
	struct resp rs;
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	t_resp_free(&rs);
	counts("whatsapp", &after, &c1);
	T_EQ_INT(after - before, 1);
	T_EQ_INT(c1 - c0, 3);
	/* a 429 carries Graph's rate-limit code */
	T_REQUIRE(t_notify_fault("whatsapp", ",\"fail\":1,\"status\":429"));
	t_whatsapp_send(&rs, body);
	T_EQ_INT(rs.status, 429);
	T_EQ_INT(t_jint(rs.json, "error.code", 0), 130429);
	t_resp_free(&rs);
}

static void
whatsapp_refuse_131030(void)
{
	char to[20], digits[20], body[300], f[80];
	number_new(to, digits);
	snprintf(f, sizeof f, ",\"refuse\":\"%s\"", digits);
	T_REQUIRE(t_notify_fault("whatsapp", f));
	wa_text(body, sizeof body, digits, "no");
	for (int i = 0; i < 2; i++) {
		struct resp rs;
		t_whatsapp_send(&rs, body);
		T_EQ_INT(rs.status, 400);
		T_EQ_INT(t_jint(rs.json, "error.code", 0), 131030);
		T_EQ_STR(t_jstr(rs.json, "error.error_data.messaging_product"), "whatsapp");
		t_resp_free(&rs);
	}
}

static void
whatsapp_hang(void)
{
	char to[20], digits[20], body[300];
	number_new(to, digits);
	wa_text(body, sizeof body, digits, "slow");
	notify_quiet("whatsapp");
	T_REQUIRE(t_notify_fault("whatsapp", ",\"hangMs\":700"));
	struct resp rs;
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	t_check(rs.secs >= 0.65, __FILE__, __LINE__, "the call took %.2f s", rs.secs);
	t_resp_free(&rs);
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);           /* every call, until cleared */
	t_check(rs.secs >= 0.65, __FILE__, __LINE__, "the call took %.2f s", rs.secs);
	t_resp_free(&rs);
	T_ASSERT(t_notify_fault("whatsapp", ",\"hangMs\":0"));
	T_EQ_INT(t_whatsapp_send(&rs, body), 200);
	t_check(rs.secs < 0.5, __FILE__, __LINE__, "the call took %.2f s", rs.secs);
	t_resp_free(&rs);
}

/* ---- the control API ---- */

static void
control_bad_input_400(void)
{
	static const char *const bodies[] = {
		"{\"provider\":\"sms\"}", "{\"fail\":1}", "{\"provider\":\"twilio\",\"status\":500}",
		"{\"provider\":\"twilio\",\"fail\":1,\"status\":200}",
		"{\"provider\":\"twilio\",\"hangMs\":-1}", "{\"provider\":\"twilio\",\"other\":1}",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
		struct resp rs;
		t_notify_post(&rs, "/_stub/fault", bodies[i]);
		T_ERROR(&rs, 400, NULL);
		t_resp_free(&rs);
	}
	struct resp rs;
	t_notify_get(&rs, "/_stub/messages");
	T_ERROR(&rs, 400, "provider");
	t_resp_free(&rs);
	t_notify_get(&rs, "/_stub/messages?provider=email");
	T_ERROR(&rs, 400, "provider");
	t_resp_free(&rs);
	T_EQ_INT(t_notify_get(&rs, "/_stub/health"), 200);
	T_EQ_STR(t_jstr(rs.json, "service"), "notify-stub");
	t_resp_free(&rs);
}

/* Last: reset forgets the messages, the counts and every fault. */
static void
control_reset_forgets_all(void)
{
	char to[20], digits[20];
	number_new(to, digits);
	T_REQUIRE(t_notify_fault("twilio", ",\"fail\":5,\"status\":503,\"hangMs\":100"));
	char f[80];
	snprintf(f, sizeof f, ",\"refuse\":\"%s\"", to);
	T_REQUIRE(t_notify_fault("twilio", f));
	T_REQUIRE(t_notify_reset());
	long total, calls;
	counts("twilio", &total, &calls);
	T_EQ_INT(total, 0);
	T_EQ_INT(calls, 0);
	struct resp rs;
	T_EQ_INT(t_twilio_send(&rs, to, "after reset"), 201);
	t_check(rs.secs < 0.1 + 0.4, __FILE__, __LINE__, "took %.2f s", rs.secs);
	t_resp_free(&rs);
	T_EQ_INT(t_notify_wait("twilio", 1, 1), 1);
}

static const struct t_case cases[] = {
	T_CASE(twilio_send_201_shape),
	T_CASE(twilio_bad_auth_401_20003),
	T_CASE(twilio_bad_input_400),
	T_CASE(twilio_fail_twice_500_then_201),
	T_CASE(twilio_fault_429_and_503_bodies),
	T_CASE(twilio_refuse_400_every_time),
	T_CASE(twilio_hang_holds_only_its_worker),
	T_CASE(whatsapp_text_200_shape),
	T_CASE(whatsapp_template_200),
	T_CASE(whatsapp_bad_token_401_190),
	T_CASE(whatsapp_bad_body_400_100),
	T_CASE(whatsapp_fail_twice_500_then_200),
	T_CASE(whatsapp_refuse_131030),
	T_CASE(whatsapp_hang),
	T_CASE(control_bad_input_400),
	T_CASE(control_reset_forgets_all),
};

const struct t_suite stubs_notify_suite = T_SUITE("notify", cases);
