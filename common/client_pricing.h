/* The pricing service's internal API, as its callers use it
 * (docs/internal-api.md, "pricing"; conventions in client.h). */
#ifndef CLIENT_PRICING_H
#define CLIENT_PRICING_H
#include "client.h"
#include <stddef.h>
#include <stdint.h>

/* ---- POST /internal/pricing/quote ---- */

/* One line to price: the caller fills the "in" members (the base price
 * and the product's facts as the product service gave them). */
struct pricing_quote_item {
	const char *product_id;    /* in */
	const char *variant_id;    /* in */
	const char *category_id;   /* in: or NULL */
	const char *currency;      /* in: three capital letters */
	int64_t quantity;          /* in */
	int64_t seller_price;      /* in: paise */
	int64_t base_price;        /* in: the variant's price, paise */
	int64_t subtotal;          /* seller_price * quantity, paise */
	int64_t commission;        /* the line's share of the rounded commission, paise */
	int64_t rate_bps;          /* the line's rule's rate, basis points (1000 = 10 %) */
};

/* The quote's totals: the lines add up to them. */
struct pricing_quote {
	const char *currency;
	int64_t subtotal, commission, total;   /* paise */
};

/* Prices items[0..n) (the seller prices checked against the base prices
 * and the markup caps, the commission rounded once and split across the
 * lines).  CLIENT_OK with the "out" members and *q; CLIENT_REFUSED with
 * the callee's 400, 404 or 409 in *ref (a 400 names the line:
 * "items[0].sellerPrice must be at least 1000.00 ..."); CLIENT_DOWN. */
enum client_rc pricing_quote(struct req *r, struct pricing_quote_item *items, size_t n,
    struct pricing_quote *q, struct client_refusal *ref);
/* The answer into items[0..n) and *q.  NULL, or why it does not check
 * (another line, quantity or price than asked, totals that are not the
 * sums of the lines, another currency). */
const char *pricing_quote_read(struct arena *a, const struct jv *answer,
    struct pricing_quote_item *items, size_t n, struct pricing_quote *q);

/* ---- POST /internal/pricing/catalog ---- */

/* Pushes a product snapshot (JSON text) to pricing's copy of the catalog.
 * Best effort: answers nothing; a failure is logged (the relayed PRODUCT_*
 * event brings the same snapshot).  0, or -1 when it failed. */
int pricing_catalog_push(struct req *r, const char *snapshot);

#endif
