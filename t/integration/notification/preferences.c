/* GET and PATCH /notifications/preferences: the defaults (email on, SMS
 * off, WhatsApp on), each channel changed alone and kept, what is not a
 * boolean of the three refused with a 400, and no token a 401. */
#include "notification.h"
#include "crypto.h"
#include <stdlib.h>

#define URL "/notifications/preferences"

/* The caller's preferences are email, sms, whatsapp ("true"/"false"). */
static void
prefs_are(const char *token, const char *email, const char *sms, const char *whatsapp)
{
	struct resp rs;
	t_get(&rs, URL, token);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "email", email);
		T_JSON_EQ(&rs, "sms", sms);
		T_JSON_EQ(&rs, "whatsapp", whatsapp);
	}
	t_resp_free(&rs);
}

static void
prefs_defaults(void)
{
	char *tok = user_new(ROLE_CUSTOMER, NULL);
	prefs_are(tok, "true", "false", "true");
	free(tok);
}

static void
prefs_defaults_reseller_and_admin(void)
{
	char *tok = user_new(ROLE_RESELLER, NULL);
	prefs_are(tok, "true", "false", "true");
	prefs_are(admin, "true", "false", "true");
	free(tok);
}

/* PATCH body as tok: 200 with the three values as expected, which the
 * next GET agrees with. */
static void
patch_to(const char *tok, const char *body, const char *email, const char *sms,
    const char *whatsapp)
{
	struct resp rs;
	t_send_json(&rs, "PATCH", URL, tok, body);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "email", email);
		T_JSON_EQ(&rs, "sms", sms);
		T_JSON_EQ(&rs, "whatsapp", whatsapp);
	}
	t_resp_free(&rs);
	prefs_are(tok, email, sms, whatsapp);
}

static void
prefs_patch_each_channel(void)
{
	char id[37];
	char *tok = user_new(ROLE_CUSTOMER, id);
	patch_to(tok, "{\"email\":false}", "false", "false", "true");
	patch_to(tok, "{\"sms\":true}", "false", "true", "true");
	patch_to(tok, "{\"whatsapp\":false}", "false", "true", "false");
	patch_to(tok, "{\"email\":true,\"sms\":false,\"whatsapp\":true}", "true", "false", "true");
	/* One row for the user, as the answers say. */
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM preferences WHERE user_id = $1 "
	    "AND email AND NOT sms AND whatsapp", id, NULL), 1);
	free(tok);
}

static void
prefs_patch_is_per_user(void)
{
	char *a = user_new(ROLE_CUSTOMER, NULL), *b = user_new(ROLE_RESELLER, NULL);
	patch_to(a, "{\"sms\":true,\"whatsapp\":false}", "true", "true", "false");
	prefs_are(b, "true", "false", "true");
	free(a);
	free(b);
}

static void
prefs_patch_bad_400(void)
{
	static const char *const bodies[] = {
		"{}",                                 /* nothing to change */
		"{\"push\":true}",                    /* no such channel */
		"{\"email\":true,\"push\":true}",     /* one known, one not */
		"{\"email\":\"false\"}",              /* a string */
		"{\"sms\":1}",                        /* a number */
		"{\"whatsapp\":null}",                /* null is neither */
		"[]",                                 /* not an object */
		"{\"email\":true",                    /* not JSON */
	};
	char *tok = user_new(ROLE_CUSTOMER, NULL);
	for (size_t i = 0; i < T_NCASES(bodies); i++) {
		struct resp rs;
		t_send_json(&rs, "PATCH", URL, tok, bodies[i]);
		T_ERROR(&rs, 400, NULL);
		t_resp_free(&rs);
	}
	/* An empty body. */
	struct resp rs;
	t_http(&rs, "PATCH", URL, tok, "application/json", "", 0, NULL);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	/* Nothing was changed by any of them. */
	prefs_are(tok, "true", "false", "true");
	free(tok);
}

static void
prefs_unknown_key_names_it_400(void)
{
	char *tok = user_new(ROLE_CUSTOMER, NULL);
	struct resp rs;
	t_send_json(&rs, "PATCH", URL, tok, "{\"push\":true}");
	T_ERROR(&rs, 400, "push");
	t_resp_free(&rs);
	free(tok);
}

static void
prefs_no_token_401(void)
{
	struct resp rs;
	t_get(&rs, URL, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", URL, NULL, "{\"sms\":true}");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	/* Expired, and signed with another key. */
	char sub[37];
	crypto_uuid4(sub);
	char *old = t_mint(sub, "old@example.com", ROLE_CUSTOMER, TOKEN_ACCESS, 60, 3600, NULL);
	char *other = t_mint(sub, "k@example.com", ROLE_CUSTOMER, TOKEN_ACCESS, 3600, 0,
	    "another-key-another-key-another-key!");
	t_get(&rs, URL, old);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", URL, other, "{\"sms\":true}");
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM preferences WHERE user_id = $1",
	    sub, NULL), 0);
	free(old);
	free(other);
}

static const struct t_case cases[] = {
	T_CASE(prefs_defaults),
	T_CASE(prefs_defaults_reseller_and_admin),
	T_CASE(prefs_patch_each_channel),
	T_CASE(prefs_patch_is_per_user),
	T_CASE(prefs_patch_bad_400),
	T_CASE(prefs_unknown_key_names_it_400),
	T_CASE(prefs_no_token_401),
};

const struct t_suite notification_preferences_suite = T_SUITE("preferences", cases);
