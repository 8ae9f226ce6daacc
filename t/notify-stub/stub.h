/* notify-stub: the SMS and WhatsApp providers the tests run in place of
 * Twilio's Messages API (twilio.c) and Meta's WhatsApp Cloud API
 * (whatsapp.c), with a control API for tests under /_stub/ (control.c),
 * on common/'s server_main; t/notify-stub/README.md describes all three.
 *
 * State (the accepted messages, the faults, the call counts) lives in one
 * shared anonymous mapping made by the pool master before it forks
 * (state.c), guarded by one robust process-shared mutex that is never held
 * while a call hangs: a hanging call holds only its own worker. */
#ifndef NOTIFY_STUB_H
#define NOTIFY_STUB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "req.h"

#define NS_MSGS    8192        /* accepted messages kept, both providers */
#define NS_TEXT    (16 << 20)  /* their bodies, bytes */
#define NS_REFUSE  32          /* refused recipients per provider */
#define NS_ADDR    40          /* a number or sender as the provider sees it */
#define NS_HANG_MAX 120000     /* ms; the stand-in's nginx waits 130 s */

enum ns_provider { NS_TWILIO, NS_WHATSAPP, NS__MAX };

struct ns_msg {
	enum ns_provider provider;
	char id[64];               /* "SM" + 32 hex, "wamid." + ... */
	char to[NS_ADDR];
	char from[NS_ADDR];
	char type[12];             /* "sms", "text", "template" */
	int64_t at_ms;             /* epoch ms */
	size_t body_off, body_len; /* in ns_state.text */
};

/* What POST /_stub/fault set for one provider. */
struct ns_fault {
	int fail_left;             /* calls still to fail */
	int fail_status;
	long hang_ms;              /* every call sleeps this long first */
	char refuse[NS_REFUSE][NS_ADDR];
	int nrefuse;
};

struct ns_state {
	struct ns_fault fault[NS__MAX];
	uint64_t calls[NS__MAX];   /* every API request, answered how it may */
	int nmsgs;
	struct ns_msg msgs[NS_MSGS];
	size_t text_len;
	char text[NS_TEXT];
};

/* state.c */
/* Maps and initialises the shared state; once, in the master. */
int ns_init(void);
/* The state, locked until ns_unlock or the end of request r (the unlock
 * is deferred on r's arena). */
struct ns_state *ns_lock(struct req *r);
void ns_unlock(void);
const char *ns_provider_name(enum ns_provider p);
/* The prologue of every provider call: counts it, sleeps its hang (not
 * under the lock), uses up one injected failure.  The status that call
 * must answer instead (0: none). */
int ns_call_begin(struct req *r, enum ns_provider p);
/* POST /_stub/fault said to refuse to (as the provider sees it). */
bool ns_refused(struct req *r, enum ns_provider p, const char *to);
/* Records an accepted message; false when the stand-in is full. */
bool ns_msg_add(struct req *r, const struct ns_msg *m, const char *body, size_t len);
/* Random text: n characters of [0-9a-f] / the base64url alphabet. */
void ns_hex(char *out, size_t n);
/* "Thu, 24 Aug 2023 05:01:45 +0000" into out[40]. */
char *ns_rfc2822(int64_t ms, char out[40]);
int64_t ns_now_ms(void);
/* Whether h is "<scheme> <value>" with the scheme in any case and value
 * exactly want (constant time). */
bool ns_auth_is(const char *h, const char *scheme, const char *want);

/* twilio.c */
void tw_messages_create(struct req *r);
void tw_not_found(struct req *r);
/* Twilio's error body {"code","message","more_info","status"}. */
void tw_error(struct req *r, int status, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The body an injected failure of status gets. */
void tw_fault(struct req *r, int status);

/* whatsapp.c */
void wa_messages_create(struct req *r);
void wa_not_found(struct req *r);
void wa_fault(struct req *r, int status);

/* control.c */
void ctl_health(struct req *r);
void ctl_fault(struct req *r);
void ctl_reset(struct req *r);
void ctl_messages(struct req *r);

#endif
