/* The product service: categories, products, variants, images, stock. */
#ifndef PRODUCT_H
#define PRODUCT_H
#include "db.h"
#include "json.h"
#include "req.h"
#include "router.h"
#include "valid.h"

enum product_stmt {
	S_CAT_LIST, S_CAT_GET, S_CAT_INSERT, S_CAT_UPDATE, S_CAT_UNLINK_DELETED,
	S_CAT_DELETE, S_CAT_EXISTS,
	S_PRODUCT_LIST_NEWEST, S_PRODUCT_LIST_PRICE_ASC, S_PRODUCT_LIST_PRICE_DESC,
	S_PRODUCT_LIST_SEARCH, S_PRODUCT_COUNT,
	S_PRODUCT_DOC, S_PRODUCT_DOC_BY_SLUG, S_PRODUCT_SLUG_TAKEN,
	S_PRODUCT_INSERT, S_PRODUCT_UPDATE, S_PRODUCT_DELETE, S_PRODUCT_EVENT, S_PRODUCT_SNAPSHOT,
	S_PRODUCT_CARD,
	S_VARIANT_INSERT, S_VARIANT_UPDATE, S_VARIANT_REMOVE, S_VARIANT_COUNT,
	S_IMAGE_INSERT, S_IMAGE_UPDATE, S_IMAGE_REMOVE, S_IMAGE_CLEAR_PRIMARY,
	S_LOOKUP, S_VARIANTS_OF,
	S_RES_ATOMIC, S_RES_SHORT, S_RES_GET,
	S_RES_RELEASE, S_RES_LOCK_LINES, S_RES_GIVE_BACK,
	S_RES_TOUCH, S_RES_STALE, S_RES_REAP,
	S__MAX
};
extern const struct stmt product_stmts[S__MAX];
#define S(id) (&product_stmts[id])

/* categories.c */
void categories_list(struct req *r);
void categories_get(struct req *r);
void categories_create(struct req *r);
void categories_update(struct req *r);
void categories_delete(struct req *r);

/* products.c (reads) */
void products_list(struct req *r);
extern const struct qparam products_list_query[];
void products_get(struct req *r);
void products_get_by_slug(struct req *r);

/* GET /internal/product/products/:id/card: what a page showing the
 * product needs (the share page, fcgi/share-link/page.c). */
void products_card(struct req *r);

/* catalog_write.c */
void products_create(struct req *r);
void products_update(struct req *r);
void products_delete(struct req *r);

/* stock.c (internal API) */
void stock_lookup(struct req *r);
void stock_reserve(struct req *r);
void stock_release(struct req *r);
/* Inside the open transaction, after the reservation of order was marked
 * RELEASED: its lines' stock goes back (rows locked in id order); *back
 * gets the products (for products_changed after the commit).  0, or -1
 * answered. */
int  stock_give_back_in_tx(struct req *r, const char *order, PGresult **back);
/* Drops the pool's cached documents of the products in back. */
void products_changed(const PGresult *back);
/* POST /internal/product/jobs/reap-reservations (reap.c) */
void reap_reservations(struct req *r);
void stock_variants(struct req *r);
void stock_snapshot(struct req *r);   /* GET /internal/product/products/:id/snapshot */
void stock_events(struct req *r);

/* cache.c: catalog read responses (freshness: see cache.c). */
void cache_init(void);
void cache_free(void);
/* Answers from the cache (true) or leaves r unanswered (false). */
bool cache_reply(struct req *r, const char *key);
/* Keeps a 200 body; product names the product a document shows (NULL for
 * lists and other composite answers, which any catalog change makes stale). */
void cache_store(const char *key, const char *product, const struct buf *body);
/* After a committed change that does not NOTIFY (stock moved by a
 * reservation or a release): the pool drops that product's documents and
 * every list. */
void cache_product_changed(const char *product);

/* slug.c: "Red Shirt, XL!" -> "red-shirt-xl"; "" when nothing is left. */
char *slug_from(struct arena *a, const char *name);
bool slug_valid(const char *s);
/* base + "-" + suffix, base cut so that the whole fits SLUG_MAX (80). */
char *slug_with_suffix(struct arena *a, const char *base, const char *suffix);

/* Answers 200/201 with a document that PostgreSQL built (first row,
 * column "doc"), or 404 with msg when there is no row. */
void reply_doc(struct req *r, const PGresult *res, int status, const char *msg);

/* GET /internal/<service>/audit's statement (audit.c) */
extern const struct stmt product_audit;

#endif
