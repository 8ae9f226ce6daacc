/* POST /internal/notification/events: the events the relay brings
 * (services.conf's consumes column), each made into one notification per
 * recipient and channel (README.md, "Who hears what").
 *
 * In two steps, so that no transaction is open while auth is asked:
 *
 *  1. The plan, outside any transaction: the recipients (the payload's
 *     userId, its sellerId), each one's contact and preferences (a user
 *     with no contact is looked up through auth's internal API,
 *     auth_user()), the channels they are reached on, and each message
 *     rendered from its template.  A payload that lacks a fact a template
 *     needs is a 400 (the relay retries, then parks the event dead, where
 *     an admin sees it); auth down is a 503 (the relay retries).
 *  2. One transaction: the inbox claim, the contacts learnt (from
 *     USER_REGISTERED, or from auth), one row per (event, user, channel)
 *     with INSERT ... ON CONFLICT DO NOTHING, commit.
 *
 * An event with no recipient (no userId or sellerId, a user auth does not
 * know, a user with no channel on) is acknowledged "ignored" and records
 * nothing. */
#include "notification.h"
#include "client_auth.h"
#include "events.h"
#include "log.h"
#include "logic.h"
#include "valid.h"
#include <string.h>

/* One recipient of an event. */
struct recipient {
	const char *user_id;        /* lower case */
	bool seller;                /* the reseller's messages, not the customer's */
	const char *email, *phone, *first_name;
	bool keep;                  /* a contact to store (learnt from the event or auth) */
	bool overwrite;             /* the event's (USER_REGISTERED): replaces what is stored */
	struct prefs prefs;
};

/* One notification row. */
struct note {
	const char *user_id, *channel, *recipient, *subject, *body;
};

#define RECIPIENTS_MAX 2
#define NOTES_MAX (RECIPIENTS_MAX * 3)

struct plan {
	struct recipient to[RECIPIENTS_MAX];
	size_t nto;
	struct note notes[NOTES_MAX];
	size_t nnotes;
	size_t nkeep;               /* contacts to store */
};

/* The payload's id at key: NULL when absent or null, the id in lower case,
 * or *bad after answering 400 for anything else. */
static const char *
payload_user(struct req *r, const struct event *ev, const char *key, bool *bad)
{
	const struct jv *v = json_get(ev->payload, key);
	if (v == NULL || v->type == JV_NULL)
		return NULL;
	if (v->type != JV_STR || !valid_uuid(v->s)) {
		reply_error(r, 400, "payload.%s must be a UUID or null", key);
		*bad = true;
		return NULL;
	}
	return arena_strlower(r->a, v->s);
}

/* A string member of the payload that may be absent or null: 0, or -1
 * after answering 400. */
static int
payload_text_or_reply(struct req *r, const struct event *ev, const char *key, const char **out)
{
	const struct jv *v = json_get(ev->payload, key);
	*out = NULL;
	if (v == NULL || v->type == JV_NULL)
		return 0;
	if (v->type != JV_STR) {
		reply_error(r, 400, "payload.%s must be a string or null", key);
		return -1;
	}
	*out = v->s[0] != '\0' ? v->s : NULL;
	return 0;
}

/* USER_REGISTERED carries the contact: t takes it from the payload. */
static int
contact_from_event(struct req *r, const struct event *ev, struct recipient *t)
{
	if (payload_text_or_reply(r, ev, "email", &t->email) != 0 ||
	    payload_text_or_reply(r, ev, "phone", &t->phone) != 0 ||
	    payload_text_or_reply(r, ev, "firstName", &t->first_name) != 0)
		return -1;
	t->keep = t->overwrite = true;
	return 0;
}

/* t's contact (stored, else from auth) and preferences.  1 to reach
 * them, 0 for a user auth does not know, -1 after answering. */
static int
recipient_load(struct req *r, const struct event *ev, struct recipient *t)
{
	PGresult *res = db_exec_or_reply(r, N(N_RECIPIENT), (const char *[]){ t->user_id });
	if (res == NULL)
		return -1;
	t->prefs = (struct prefs){ db_get_bool(res, 0, "p_email"), db_get_bool(res, 0, "p_sms"),
	    db_get_bool(res, 0, "p_whatsapp") };
	if (strcmp(ev->type, "USER_REGISTERED") == 0)
		return contact_from_event(r, ev, t) == 0 ? 1 : -1;
	if (db_get_bool(res, 0, "known")) {
		t->email = db_get(res, 0, "email");
		t->phone = db_get(res, 0, "phone");
		t->first_name = db_get(res, 0, "first_name");
		return 1;
	}
	struct auth_user u;
	switch (auth_user(r, t->user_id, &u)) {
	case CLIENT_OK:
		t->email = u.email;
		t->phone = u.phone;
		t->first_name = u.first_name;
		t->keep = true;
		return 1;
	case CLIENT_NOT_FOUND:
		log_warn("event %s (%s) names user %s, whom auth does not know: not told", ev->id,
		    ev->type, t->user_id);
		return 0;
	default:
		return -1;              /* 503 answered */
	}
}

/* t's messages on each of their channels into p.  0, or -1 after
 * answering. */
static int
recipient_notes(struct req *r, const struct event *ev, const struct recipient *t,
    struct plan *p)
{
	bool has_email = t->email != NULL && t->email[0] != '\0';
	bool has_phone = t->phone != NULL && t->phone[0] != '\0';
	unsigned chans = notify_channels(has_email, has_phone, t->prefs);
	for (unsigned ch = CH_EMAIL; ch <= CH_WHATSAPP; ch <<= 1) {
		const char *tmpl = (chans & ch) ? notify_template(ev->type, t->seller, ch) : NULL;
		if (tmpl == NULL)
			continue;
		struct notify_facts f = { r->a, ev->payload, t->first_name, NULL };
		struct notify_msg m;
		int rc = notify_message(tmpl, ch == CH_EMAIL, &f, &m);
		if (rc == -2) {
			reply_error(r, 400, "payload.%s is required for %s", f.missing, ev->type);
			return -1;
		}
		if (rc != 0) {
			log_err("template %s%s.%s does not render", ev->type, t->seller ? ".seller" : "",
			    notify_channel_file(ch));
			reply_error(r, 500, "internal server error");
			return -1;
		}
		p->notes[p->nnotes++] = (struct note){ t->user_id, notify_channel_name(ch),
		    ch == CH_EMAIL ? t->email : t->phone, m.subject, m.body };
	}
	return 0;
}

/* Step 1: who hears ev and what each is told.  0, or -1 after answering. */
static int
plan_or_reply(struct req *r, const struct event *ev, int who, struct plan *p)
{
	bool bad = false;
	const char *customer = (who & HEAR_CUSTOMER) ? payload_user(r, ev, "userId", &bad) : NULL;
	const char *seller = (who & HEAR_SELLER) ? payload_user(r, ev, "sellerId", &bad) : NULL;
	if (bad)
		return -1;
	/* A reseller buying from themself hears the customer's messages. */
	if (seller != NULL && customer != NULL && strcmp(seller, customer) == 0)
		seller = NULL;
	if (customer != NULL)
		p->to[p->nto++] = (struct recipient){ .user_id = customer };
	if (seller != NULL)
		p->to[p->nto++] = (struct recipient){ .user_id = seller, .seller = true };
	for (size_t i = 0; i < p->nto; i++) {
		struct recipient *t = &p->to[i];
		int rc = recipient_load(r, ev, t);
		if (rc < 0)
			return -1;
		p->nkeep += t->keep;
		if (rc == 1 && recipient_notes(r, ev, t, p) != 0)
			return -1;
	}
	return 0;
}

/* Step 2, inside the transaction.  0, or -1 after answering. */
static int
plan_store(struct req *r, const struct event *ev, const struct plan *p)
{
	for (size_t i = 0; i < p->nto; i++) {
		const struct recipient *t = &p->to[i];
		const char *q[] = { t->user_id, t->email, t->phone, t->first_name,
		    t->overwrite ? "true" : "false" };
		if (t->keep && db_exec_or_reply(r, N(N_CONTACT_PUT), q) == NULL)
			return -1;
	}
	for (size_t i = 0; i < p->nnotes; i++) {
		const struct note *n = &p->notes[i];
		const char *q[] = { n->user_id, ev->type, n->channel, n->recipient, n->subject,
		    n->body, ev->id };
		if (db_exec_or_reply(r, N(N_NOTE_INSERT), q) == NULL)
			return -1;
	}
	return 0;
}

void
notification_events(struct req *r)
{
	struct event ev;
	if (event_parse_or_reply(r, &ev) != 0)
		return;
	int who = notify_audience(ev.type);
	if (who < 0) {
		event_ack(r, &ev, "ignored");
		return;
	}
	struct plan p = { 0 };
	if (plan_or_reply(r, &ev, who, &p) != 0)
		return;
	if (p.nnotes == 0 && p.nkeep == 0) {
		event_ack(r, &ev, "ignored");
		return;
	}
	if (!event_begin_claimed(r, &ev) || plan_store(r, &ev, &p) != 0)
		return;
	if (db_commit(r) == 0)
		event_ack(r, &ev, "applied");
}
