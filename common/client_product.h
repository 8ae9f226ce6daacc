/* The product service's internal API, as its callers use it
 * (docs/internal-api.md, "product"; conventions in client.h). */
#ifndef CLIENT_PRODUCT_H
#define CLIENT_PRODUCT_H
#include "client.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- POST /internal/product/lookup ---- */

/* Most items in one lookup (the callee's limit). */
#define PRODUCT_LOOKUP_MAX 100

/* One item looked up: the caller fills product_id and variant. */
struct product_item {
	const char *product_id;    /* in: a UUID */
	const char *variant;       /* in: the variant asked for, or NULL: the default one */
	bool found;                /* exists, not deleted, the variant one of its live ones */
	bool active;               /* on sale */
	const char *variant_id;    /* the variant priced, lower case */
	const char *name;          /* or NULL */
	const char *category_id;   /* lower case, or NULL */
	const char *currency;      /* three capital letters ("INR" when not given) */
	int64_t base_price;        /* the product's base price, paise, > 0 */
	int64_t price;             /* the variant's price, paise, > 0: what a seller
	                              price is checked against */
};
/* Looks items[0..n) up in one call (n <= PRODUCT_LOOKUP_MAX).  CLIENT_OK
 * (items[i].found false for an unknown one) or CLIENT_DOWN. */
enum client_rc product_lookup(struct req *r, struct product_item *items, size_t n);
/* The answer into items[0..n) (the "in" members set).  NULL, or why it
 * does not check ("items[1]: item has no boolean found"). */
const char *product_lookup_read(struct arena *a, const struct jv *answer,
    struct product_item *items, size_t n);

/* ---- POST /internal/product/reservations, .../release ---- */

/* One line to reserve: the caller fills product_id, variant, quantity;
 * the rest is the line resolved under the reservation's row locks. */
struct product_reserve_line {
	const char *product_id;    /* in */
	const char *variant;       /* in: or NULL: the product's default variant */
	int64_t quantity;          /* in */
	const char *variant_id;    /* the variant reserved, lower case */
	const char *name;          /* the product's name, or NULL */
	const char *category_id;   /* lower case, or NULL */
	const char *currency;      /* three capital letters */
	int64_t price;             /* the variant's price, paise, > 0 */
};
/* Reserves lines[0..n) for order_id, all or none.  CLIENT_OK;
 * CLIENT_REFUSED with the callee's 404 or 409 in *ref (its message names
 * the line: "items[1]: insufficient stock for variant ..."); CLIENT_DOWN
 * (503 answered).  After CLIENT_DOWN the reservation, which a timeout or
 * a malformed answer may hide, has been released. */
enum client_rc product_reserve(struct req *r, const char *order_id,
    struct product_reserve_line *lines, size_t n, struct client_refusal *ref);
/* The answer's "lines" into lines[0..n).  NULL, or why it does not
 * check. */
const char *product_reserve_read(struct arena *a, const struct jv *answer,
    struct product_reserve_line *lines, size_t n);
/* Gives order_id's reserved stock back.  Best effort: answers nothing, a
 * failure is logged for an operator (404, nothing reserved, is fine). */
void product_release(struct req *r, const char *order_id);

/* ---- GET /internal/product/products/:id/variants ---- */

struct product_variant {
	const char *id;            /* lower case */
	int64_t price;             /* paise, > 0 */
	bool is_default;
	int64_t stock;
};
/* The product's live variants in position order into *out (arena-owned)
 * and *n.  CLIENT_OK, CLIENT_NOT_FOUND (unknown or deleted product) or
 * CLIENT_DOWN. */
enum client_rc product_variants(struct req *r, const char *id,
    struct product_variant **out, size_t *n);
const char *product_variants_read(struct arena *a, const struct jv *answer,
    struct product_variant **out, size_t *n);

/* ---- GET /internal/product/products/:id/card ---- */

/* What a page showing a product needs (the share page). */
struct product_card {
	const char *product_id;    /* lower case */
	const char *name;
	const char *slug;          /* [a-z0-9-], never empty */
	const char *description;   /* or NULL */
	bool active;               /* on sale */
	int64_t base_price;        /* paise, > 0 */
	int64_t price;             /* the default variant's price, paise, > 0 */
	const char *currency;      /* three capital letters */
	const char *image_url;     /* the primary image (else the first), http(s); or NULL */
	const char *image_alt;     /* or NULL */
};
/* Product id's card into *card (strings arena-owned).  CLIENT_OK,
 * CLIENT_NOT_FOUND (unknown or deleted product) or CLIENT_DOWN. */
enum client_rc product_card(struct req *r, const char *id, struct product_card *card);
/* The answer into *card, for product id.  NULL, or why it does not check. */
const char *product_card_read(struct arena *a, const struct jv *answer, const char *id,
    struct product_card *card);

/* ---- GET /internal/product/products/:id/snapshot ---- */

/* The product's snapshot (the payload of its PRODUCT_* events, which its
 * consumer, fcgi/pricing/catalog.c, reads) into *snapshot: a JSON object.
 * CLIENT_OK, CLIENT_NOT_FOUND (never existed) or CLIENT_DOWN. */
enum client_rc product_snapshot(struct req *r, const char *id, const struct jv **snapshot);

#endif
