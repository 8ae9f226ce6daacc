/* it_stubs: the notification providers' stand-ins themselves, before any
 * sender leans on them (t/smtp/README.md, t/notify-stub/README.md):
 *
 *   smtp.c     the SMTP server through libcurl and over a raw socket
 *   notify.c   Twilio's and Meta's APIs, their errors and the /_stub/ control
 *
 * Faults are global to a stand-in, so the cases that inject one first wait
 * until nothing else (a sender of the stack) is sending. */
#ifndef IT_STUBS_H
#define IT_STUBS_H
#include "../../lib/t.h"
#include "../../lib/notify.h"

extern const struct t_suite stubs_smtp_suite, stubs_notify_suite;

#endif
