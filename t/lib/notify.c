/* The Twilio and WhatsApp stand-in from a test (t/lib/notify.h,
 * t/notify-stub/README.md). */
#include "notify.h"
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
stub_url(char *out, size_t n, const char *path)
{
	const char *port = t_env("NOTIFY_STUB_PORT");
	snprintf(out, n, "http://127.0.0.1:%s%s", port ? port : "0", path);
	return out;
}

long
t_notify_post(struct resp *rs, const char *path, const char *json)
{
	char url[300];
	return t_http(rs, "POST", stub_url(url, sizeof url, path), NULL,
	    json ? "application/json" : NULL, json, json ? strlen(json) : 0, (char *)NULL);
}

long
t_notify_get(struct resp *rs, const char *path)
{
	char url[300];
	return t_get(rs, stub_url(url, sizeof url, path), NULL);
}

bool
t_notify_fault(const char *provider, const char *members)
{
	char body[400];
	struct resp rs;
	snprintf(body, sizeof body, "{\"provider\":\"%s\"%s}", provider, members ? members : "");
	bool ok = t_notify_post(&rs, "/_stub/fault", body) == 200;
	if (!ok)
		fprintf(stderr, "notify-stub: fault %s -> %ld %s\n", body, rs.status, rs.body);
	t_resp_free(&rs);
	return ok;
}

bool
t_notify_reset(void)
{
	struct resp rs;
	bool ok = t_notify_post(&rs, "/_stub/reset", NULL) == 200;
	t_resp_free(&rs);
	return ok;
}

long
t_notify_messages(struct resp *rs, const char *provider)
{
	char path[80];
	snprintf(path, sizeof path, "/_stub/messages?provider=%s", provider);
	if (t_notify_get(rs, path) != 200)
		return -1;
	return t_jint(rs->json, "total", -1);
}

long
t_notify_wait(const char *provider, long n, double secs)
{
	double until = t_now() + secs;
	long total;
	for (;;) {
		struct resp rs;
		total = t_notify_messages(&rs, provider);
		t_resp_free(&rs);
		if (total < 0 || total >= n || t_now() >= until)
			return total;
		t_sleep_ms(50);
	}
}

/* "name=<value percent-encoded>" appended to form (with & between). */
static void
form_add(char *form, size_t cap, const char *name, const char *value)
{
	char *e = curl_easy_escape(NULL, value, 0);
	size_t n = strlen(form);
	snprintf(form + n, cap - n, "%s%s=%s", n ? "&" : "", name, e ? e : "");
	curl_free(e);
}

char *
t_twilio_basic(char *out, size_t n)
{
	const char *sid = t_env("TWILIO_ACCOUNT_SID"), *token = t_env("TWILIO_AUTH_TOKEN");
	char plain[200], b64[300];
	int k = snprintf(plain, sizeof plain, "%s:%s", sid ? sid : "", token ? token : "");
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, k);
	snprintf(out, n, "Authorization: Basic %s", b64);
	return out;
}

long
t_twilio_send(struct resp *rs, const char *to, const char *body)
{
	const char *base = t_env("TWILIO_API_BASE"), *sid = t_env("TWILIO_ACCOUNT_SID");
	const char *from = t_env("TWILIO_FROM");
	char url[300], auth[330];
	size_t cap = 64 + 3 * (strlen(body) + (to ? strlen(to) : 0) + (from ? strlen(from) : 0));
	char *form = calloc(1, cap);
	if (form == NULL)
		return 0;
	if (to != NULL)
		form_add(form, cap, "To", to);
	form_add(form, cap, "From", from ? from : "");
	form_add(form, cap, "Body", body);
	snprintf(url, sizeof url, "%s/Accounts/%s/Messages.json", base ? base : "", sid ? sid : "");
	t_twilio_basic(auth, sizeof auth);
	long st = t_http(rs, "POST", url, NULL, "application/x-www-form-urlencoded", form,
	    strlen(form), auth, (char *)NULL);
	free(form);
	return st;
}

long
t_whatsapp_send(struct resp *rs, const char *json)
{
	const char *base = t_env("WHATSAPP_API_BASE"), *phone = t_env("WHATSAPP_PHONE_NUMBER_ID");
	const char *token = t_env("WHATSAPP_TOKEN");
	char url[300];
	snprintf(url, sizeof url, "%s/%s/messages", base ? base : "", phone ? phone : "");
	return t_http(rs, "POST", url, token, "application/json", json, strlen(json),
	    (char *)NULL);
}
