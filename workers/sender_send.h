/* The sender's providers: the settings of each channel's provider, and an
 * outlet per channel that makes one attempt at one notification: email
 * over SMTP (libcurl, one connection kept), SMS through Twilio's Messages
 * API and WhatsApp through Meta's Cloud API (common/httpc.h, a handle of
 * the outlet's own), or, for a channel with no provider configured, one
 * JSON line in NOTIFY_LOG_FILE.  An outlet belongs to one thread. */
#ifndef SENDER_SEND_H
#define SENDER_SEND_H
#include <stdbool.h>
#include <stddef.h>
#include "arena.h"
#include "sender_rules.h"

enum channel { CH_EMAIL, CH_SMS, CH_WHATSAPP, CH__MAX };
/* "EMAIL", "SMS", "WHATSAPP": the table's values. */
extern const char *const channel_names[CH__MAX];

/* Every provider's settings, read once (README.md, "Configuration").
 * Secrets stay here and in the outlets: never logged, never stored. */
struct providers {
	const char *smtp_url, *smtp_user, *smtp_password, *smtp_from;
	const char *smtp_ca_file;   /* SMTP_CA_FILE: the CAs a TLS server is checked against; NULL: the system's */
	struct sender_from from;
	const char *twilio_base, *twilio_sid, *twilio_token, *twilio_from;
	const char *wa_base, *wa_phone_id, *wa_token;
	char wa_template[128], wa_lang[16];   /* WHATSAPP_TEMPLATE; "": text messages */
	const char *log_file;
	long timeout_ms;
};
/* From the environment.  0, or -1 with why (a provider configured in
 * part, a From without an address, an id that cannot go in a URL). */
int providers_load(struct providers *p, char *why, size_t n);
/* Whether the channel has its provider (else it goes to the log). */
bool provider_configured(const struct providers *p, enum channel ch);
/* "SMTP", "Twilio", "Meta", or "the log file". */
const char *provider_name(const struct providers *p, enum channel ch);

/* One notification as claimed. */
struct note {
	const char *id, *user_id, *type, *recipient, *subject, *body;
	enum channel ch;
	long attempts;   /* this attempt's number: 1 for the first */
};

/* What one attempt came to; the strings are in the attempt's arena. */
struct outcome {
	enum sender_verdict verdict;
	const char *provider_id;   /* SV_SENT: the provider's id for it, or NULL */
	const char *error;         /* otherwise: for last_error and the log */
};

struct outlet;
/* A channel's sending end (its curl handle or its log file).  Make outlets
 * before starting threads (libcurl's global setup). */
struct outlet *outlet_new(const struct providers *p, enum channel ch);
void outlet_free(struct outlet *o);
/* One attempt at n (which must be of the outlet's channel). */
void outlet_send(struct outlet *o, struct arena *a, const struct note *n, struct outcome *out);

#endif
