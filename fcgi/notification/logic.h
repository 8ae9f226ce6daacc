/* The notification service's rules as plain functions over plain data:
 * who hears of an event, which channels a user is reached on, amounts as
 * the messages write them, and templates rendered with every value
 * escaped for where it goes.  No request, no database: the consumer
 * (events.c) calls these and does the I/O; t/unit/notification_logic.c
 * calls them directly. */
#ifndef NOTIFICATION_LOGIC_H
#define NOTIFICATION_LOGIC_H
#include "json.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Who hears of an event (fcgi/notification/README.md, "Who hears what"). */
#define HEAR_CUSTOMER 0x1    /* the payload's userId */
#define HEAR_SELLER   0x2    /* the payload's sellerId */
/* The audience of event type, or -1 for a type the service does not
 * handle (acknowledged as ignored). */
int notify_audience(const char *type);

/* The channels, as a mask. */
#define CH_EMAIL    0x1
#define CH_SMS      0x2
#define CH_WHATSAPP 0x4
struct prefs {
	bool email, sms, whatsapp;
};
#define PREFS_DEFAULT ((struct prefs){ .email = true, .sms = false, .whatsapp = true })
/* A user's channels: email with an address, SMS and WhatsApp with a phone
 * number, each unless turned off. */
unsigned notify_channels(bool has_email, bool has_phone, struct prefs p);
/* "EMAIL", "SMS", "WHATSAPP" for one channel bit; "email", "sms",
 * "whatsapp" as the templates' file names spell them.  NULL otherwise. */
const char *notify_channel_name(unsigned ch);
const char *notify_channel_file(unsigned ch);

/* paise as the messages write it: "₹1,500.00", grouped the Indian way
 * ("₹1,50,000.00", "₹1,00,00,000.00"), "-₹5.00" below zero.  Writes at
 * most n bytes with the NUL; returns out. */
char *notify_money(char *out, size_t n, int64_t paise);

/* Where a rendered value goes: a header line (the subject; no control
 * character at all) or a body (a value adds no line: CR, LF and the other
 * control characters but tab become a space). */
enum render_to { RENDER_HEADER, RENDER_BODY };
/* Appends tmpl to out with each "{{name}}" replaced by value(arg, name),
 * escaped for to; a value that is NULL renders as nothing.  The
 * template's own text is copied as it is.  0, or -1 for a placeholder
 * value() does not know (it returns the sentinel NOTIFY_UNKNOWN) or one
 * left open ("{{name"). */
extern const char NOTIFY_UNKNOWN[];
int notify_render(struct buf *out, const char *tmpl,
    const char *(*value)(void *arg, const char *name), void *arg, enum render_to to);

/* ---- templates and messages ---- */

/* The templates of fcgi/notification/templates/, compiled in (the
 * Makefile's gen/notify_templates.h): name is the file's without ".txt"
 * ("ORDER_PAID.seller.email"). */
struct notify_template {
	const char *name;
	const char *text;
};
extern const struct notify_template notify_templates[];
extern const size_t notify_ntemplates;
/* The template for an event type, the recipient's side (the seller's
 * variant, "<TYPE>.seller.<channel>", or the customer's, "<TYPE>.<channel>")
 * and one channel bit; NULL when there is none (the channel is not used). */
const char *notify_template(const char *type, bool seller, unsigned ch);

/* A payout's status as its messages say it ("requested", "approved", ...)
 * and the sentence that follows; NULL for a status that is not one. */
const char *notify_payout_word(const char *status);
const char *notify_payout_note(const char *status);

/* An amount in currency: INR (or NULL) as notify_money writes it, another
 * currency as "USD 1500.00". */
char *notify_amount(char *out, size_t n, int64_t paise, const char *currency);

/* What a message is rendered from: the event's payload and its recipient.
 * A placeholder takes its value from the payload (orderId, payoutId,
 * email; total, subtotal, commission, amount, refunded from the *Paise
 * members in the payload's currency; items from items[] as "Name × 2";
 * status and statusNote from a payout's status; reason and notes, which
 * may be absent) or from the recipient (firstName, "there" without one). */
struct notify_facts {
	struct arena *a;            /* where values and the message are kept */
	const struct jv *payload;   /* the event's payload object */
	const char *first_name;     /* the recipient's, or NULL */
	const char *missing;        /* out: the payload member a template needed and lacked */
};
/* A rendered message (arena memory). */
struct notify_msg {
	const char *subject;        /* email only, else NULL */
	const char *body;           /* trailing blanks and newlines cut */
};
/* Renders tmpl with f's facts into m; email: tmpl starts with a
 * "Subject: " line and a blank line, the subject rendered for a header (no
 * control character survives), the rest for a body.  0; -1 for a fault of
 * the template (an unknown placeholder, an email template without its
 * subject); -2 when the payload lacks a fact the template needs
 * (f->missing names the member). */
int notify_message(const char *tmpl, bool email, struct notify_facts *f, struct notify_msg *m);

#endif
