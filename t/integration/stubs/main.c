/* it_stubs: the suite's setup and its tables (stubs.h). */
#include "stubs.h"
#include <curl/curl.h>

static int
suite_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	t_retry_429 = false;           /* a 429 here is an injected fault, not nginx */
	static const char *const need[] = { "SMTP_STUB_PORT", "SMTP_STUB_DIR", "SMTP_URL",
		"SMTP_USER", "SMTP_PASSWORD", "NOTIFY_STUB_PORT", "TWILIO_API_BASE",
		"TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "WHATSAPP_API_BASE",
		"WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TOKEN", NULL };
	for (const char *const *n = need; *n; n++)
		if (t_env(*n) == NULL)
			return -1;
	if (t_smtp_ctl("XCTL RESET") != 250)
		return -1;
	struct resp rs;
	long st = t_notify_get(&rs, "/_stub/health");
	t_resp_free(&rs);
	return st == 200 ? 0 : -1;
}

static int
suite_clean(void)
{
	t_smtp_ctl("XCTL RESET");
	t_notify_fault("twilio", ",\"fail\":0,\"hangMs\":0");
	t_notify_fault("whatsapp", ",\"fail\":0,\"hangMs\":0");
	return 0;
}

int
main(void)
{
	static const struct t_suite *const suites[] = { &stubs_smtp_suite, &stubs_notify_suite };
	return t_run_suites("stubs", suites, sizeof suites / sizeof suites[0], suite_init,
	    suite_clean);
}
