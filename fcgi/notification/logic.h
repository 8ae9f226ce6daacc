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

#endif
