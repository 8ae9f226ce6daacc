/* it_wallet: the wallet service through the gateway and its internal
 * listener.  One file per concern, run in this order:
 *
 *	wallets.c   GET /wallets/:sellerId (shape, ownership)
 *	events.c    the events it consumes; the ledger; an order end to end
 *	payouts.c   payouts
 *	jobs.c      the release and settle jobs, the cron runner
 *
 * main.c holds the users the cases share and the helpers below.  Each case
 * uses its own fresh reseller (seller_new), so balances start at zero. */
#ifndef IT_WALLET_H
#define IT_WALLET_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include <stdbool.h>

#define WALLET_DB "WALLET_DATABASE_URL"

extern char *admin;
extern struct t_user customer;

/* A fresh reseller (registered through auth; its token is real), freed at
 * the end. */
struct t_user seller_new(void);
/* A new UUID into out; returns out. */
char *uuid(char out[37]);
/* Posts an event as the relay does; event_id NULL: a new one. */
long event_post(struct resp *rs, const char *event_id, const char *type, const char *payload);
/* Posts an event and checks the acknowledgement's status. */
void event_expect(const char *event_id, const char *type, const char *payload,
    const char *status);
/* ORDER_PAID of order for seller (paise), applied. */
void paid(const char *order, const char *seller, long long commission, long long total);
/* An order event of type (ORDER_DELIVERED, ORDER_CANCELLED ...) answered
 * with status. */
void order_fact(const char *type, const char *order, const char *seller, const char *status);
/* PAYMENT_REFUNDED of order (refunded_paise so far, full or not) answered
 * with status. */
void refunded(const char *order, long long refunded_paise, bool full, const char *status);
long wallet_get(struct resp *rs, const char *seller, const char *token);

/* Checks the wallet's balances as JSON text: pending, available, earnings,
 * owed. */
#define T_WALLET(seller, p, a, e, o) \
	wallet_check_at((seller), (p), (a), (e), (o), __FILE__, __LINE__)
void wallet_check_at(const char *seller, const char *p, const char *a, const char *e,
    const char *o, const char *file, int line);
/* Ledger rows of type for seller. */
long long tx_count(const char *seller, const char *type);
/* The available balance is the sum of its ledger rows; owed is the sum of
 * the OWED rows less the deductions; nothing is negative. */
void ledger_consistent(const char *seller);

long payout_post(struct resp *rs, const char *seller, const char *token, const char *json);
long payout_patch(struct resp *rs, const char *id, const char *token, const char *json);
/* A payout of u with request body json (201 checked); its id (malloc'd)
 * or NULL. */
char *payout_new_body(const struct t_user *u, const char *json);
/* A payout of amount ("100.00") for u; its id (malloc'd) or NULL. */
char *payout_new(const struct t_user *u, const char *amount);
/* A reseller whose available balance is commission (paise) from one
 * delivered order. */
struct t_user seller_with_available(long long commission);

extern const struct t_suite wallet_wallets_suite, wallet_events_suite,
    wallet_payouts_suite, wallet_jobs_suite;

#endif
