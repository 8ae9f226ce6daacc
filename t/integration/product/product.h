/* it_product: the product service through the gateway.  One file per
 * concern, run in this order:
 *
 *	categories.c     categories
 *	products.c       reading products (list, paging, sort, search, visibility)
 *	create.c         POST /products
 *	update.c         PATCH and DELETE /products/:id
 *	events.c         the outbox events of product writes
 *	reservations.c   the internal lookup, reservations and releases
 *	cache.c          the per-worker response cache after every kind of write
 *
 * main.c holds the tokens the cases share and the helpers below. */
#ifndef IT_PRODUCT_H
#define IT_PRODUCT_H
#include "../../lib/t.h"
#include "../../lib/http.h"
#include <stdbool.h>
#include <stddef.h>

#define DB "PRODUCT_DATABASE_URL"
#define GHOST "5f0c1a9e-0000-4000-8000-00000000dead"

extern char *admin;          /* minted ADMIN */
extern char *customer;       /* minted CUSTOMER */
extern char *reseller;       /* minted RESELLER */
extern char *real_customer;  /* a registered CUSTOMER's own token */

/* Every role, anonymous first; admin last. */
struct role_tok {
	const char *name;
	char **tok;
};
#define NROLES 5
extern const struct role_tok roles[NROLES];
#define ROLE_TOK(i) (roles[i].tok ? *roles[i].tok : NULL)

/* One expected value: the JSON text at path ("\"name\"", "7", "1500.10"). */
struct want {
	const char *path;
	const char *text;
};

/* A product made by mkprod: its id, first variant, slug and name. */
struct prod {
	char *id, *variant, *slug, *name;
};

long del(struct resp *rs, const char *url, const char *token);
/* Formats into a static ring of buffers (a few live at once). */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
/* INTERNAL_URL + path. */
const char *iurl(const char *path);
/* A word of lower-case letters only, unique per run and call ("zq" +
 * time, pid and counter in base 26): safe in slugs and in text search. */
char *word(char *out, size_t n, const char *prefix);
char *xdup(const char *s);
/* A new UUID, malloc'd. */
char *uuid(void);
/* Creates a category (admin) with the given JSON body; returns its id
 * (malloc'd) or NULL; *slug gets its slug when not NULL. */
char *cat_post(const char *body, char **slug);
/* A category with a unique name; its id (malloc'd) or NULL. */
char *cat_new(void);
void prod_free(struct prod *p);
/* POST /products {"name":<unique>,"basePrice":price[,"categoryId":cat]<extra>}
 * (extra: ",\"stock\":5" or ""); fills p (id, first variant, slug, name). */
bool mkprod(struct prod *p, const char *cat, const char *price, const char *extra);
long get_product(struct resp *rs, const char *id, const char *token);
long long products_named(const char *name);
/* POST INTERNAL_URL/internal/product/reservations; items is a JSON array. */
long reserve(struct resp *rs, const char *order, const char *items);
/* One variant's reservation for order: 200 or 409 (anything else printed). */
long reserve1(const char *order, const char *variant, int qty);
long release(struct resp *rs, const char *order);
/* Every role but admin is refused a write: anonymous 401, the rest 403. */
void write_refused(const char *method, const char *url, const char *json);

extern const struct t_suite product_categories_suite, product_products_suite,
    product_create_suite, product_update_suite, product_events_suite,
    product_reservations_suite, product_cache_suite;

#endif
