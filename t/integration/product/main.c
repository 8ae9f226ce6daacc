/* The product service through the gateway: the suite it_product, one file
 * per concern (product.h lists them): categories, products with their
 * variants and images, the visibility rules per role, the outbox events,
 * the internal API (lookup, reservations, releases), reservations under
 * concurrency, and the per-worker response cache.
 *
 * Roles: anonymous (no token), CUSTOMER, RESELLER and ADMIN are minted with
 * t_token; one CUSTOMER is registered for real.  Money is compared as the
 * exact JSON text the server wrote ("1500.10"), never as a double.  Lists
 * are read per category (a category made by the case) so that rows other
 * cases made never count.  This file: the tokens and the helpers the
 * files share. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include "crypto.h"
#include "token.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *admin;          /* minted ADMIN */
char *customer;       /* minted CUSTOMER */
char *reseller;       /* minted RESELLER */
char *real_customer;  /* a registered CUSTOMER's own token */

/* Every role, anonymous first; admin last. */
const struct role_tok roles[NROLES] = {
	{ "anonymous", NULL }, { "customer", &customer }, { "registered customer", &real_customer },
	{ "reseller", &reseller }, { "admin", &admin },
};

long
del(struct resp *rs, const char *url, const char *token)
{
	return t_http(rs, "DELETE", url, token, NULL, NULL, 0, (char *)NULL);
}

/* Formats into a static ring of buffers (a few live at once). */
const char *
fmt(const char *f, ...)
{
	static char ring[8][4096];
	static int k;
	char *out = ring[k++ & 7];
	va_list ap;
	va_start(ap, f);
	vsnprintf(out, sizeof ring[0], f, ap);
	va_end(ap);
	return out;
}

/* INTERNAL_URL + path. */
const char *
iurl(const char *path)
{
	const char *base = getenv("INTERNAL_URL");
	return fmt("%s%s", base ? base : "", path);
}

/* A word of lower-case letters only, unique per run and call ("zq" +
 * time, pid and counter in base 26): safe in slugs and in text search. */
char *
word(char *out, size_t n, const char *prefix)
{
	static unsigned counter;
	unsigned long long parts[3] = { (unsigned long long)time(NULL),
		(unsigned long long)getpid(), counter++ };
	const int widths[3] = { 7, 5, 3 };
	size_t o = (size_t)snprintf(out, n, "%s", prefix);
	for (int p = 0; p < 3; p++) {
		unsigned long long v = parts[p];
		for (int i = 0; i < widths[p] && o + 1 < n; i++) {
			out[o++] = (char)('a' + v % 26);
			v /= 26;
		}
	}
	out[o < n ? o : n - 1] = '\0';
	return out;
}

char *
xdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *
uuid(void)
{
	char u[37];
	crypto_uuid4(u);
	return strdup(u);
}

/* Creates a category (admin) with the given JSON body; returns its id
 * (malloc'd) or NULL; *slug gets its slug when not NULL. */
char *
cat_post(const char *body, char **slug)
{
	struct resp rs;
	t_post_json(&rs, "/categories", admin, body);
	char *id = NULL;
	if (T_STATUS(&rs, 201)) {
		id = xdup(t_jstr(rs.json, "id"));
		if (slug != NULL)
			*slug = xdup(t_jstr(rs.json, "slug"));
	}
	t_resp_free(&rs);
	return id;
}

char *
cat_new(void)
{
	char name[64];
	word(name, sizeof name, "cat");
	return cat_post(fmt("{\"name\":\"Category %s\"}", name), NULL);
}

void
prod_free(struct prod *p)
{
	free(p->id);
	free(p->variant);
	free(p->slug);
	free(p->name);
	memset(p, 0, sizeof *p);
}

/* POST /products {"name":<unique>,"basePrice":price[,"categoryId":cat]<extra>}
 * (extra: ",\"stock\":5" or ""); fills p (id, first variant, slug, name). */
bool
mkprod(struct prod *p, const char *cat, const char *price, const char *extra)
{
	memset(p, 0, sizeof *p);
	char w[64], name[96];
	word(w, sizeof w, "zq");
	snprintf(name, sizeof name, "Test Product %s", w);
	const char *body = cat != NULL ?
	    fmt("{\"name\":\"%s\",\"basePrice\":%s,\"categoryId\":\"%s\"%s}", name, price, cat,
	        extra) :
	    fmt("{\"name\":\"%s\",\"basePrice\":%s%s}", name, price, extra);
	struct resp rs;
	t_post_json(&rs, "/products", admin, body);
	bool ok = T_STATUS(&rs, 201) && t_jstr(rs.json, "id") != NULL;
	if (ok) {
		p->id = xdup(t_jstr(rs.json, "id"));
		p->variant = xdup(t_jstr(rs.json, "variants.0.id"));
		p->slug = xdup(t_jstr(rs.json, "slug"));
		p->name = strdup(name);
	}
	t_resp_free(&rs);
	return ok;
}

long
get_product(struct resp *rs, const char *id, const char *token)
{
	return t_get(rs, fmt("/products/%s", id), token);
}

long long
products_named(const char *name)
{
	return t_db_count(DB, "SELECT count(*) FROM products WHERE name = $1", name, NULL);
}

/* POST INTERNAL_URL/internal/product/reservations; items is a JSON array. */
long
reserve(struct resp *rs, const char *order, const char *items)
{
	return t_post_json(rs, iurl("/internal/product/reservations"), NULL,
	    fmt("{\"orderId\":\"%s\",\"items\":%s}", order, items));
}

long
reserve1(const char *order, const char *variant, int qty)
{
	struct resp rs;
	long st = reserve(&rs, order, fmt("[{\"variantId\":\"%s\",\"quantity\":%d}]",
	    variant, qty));
	if (st != 200 && st != 409)
		printf("    reserve: %ld %s\n", st, rs.body);
	t_resp_free(&rs);
	return st;
}

long
release(struct resp *rs, const char *order)
{
	return t_post_json(rs, iurl(fmt("/internal/product/reservations/%s/release", order)),
	    NULL, "{}");
}

/* Every role but admin is refused a write: anonymous 401, the rest 403. */
void
write_refused(const char *method, const char *url, const char *json)
{
	struct resp rs;
	for (size_t i = 0; i < NROLES; i++) {
		if (roles[i].tok == &admin)
			continue;
		if (json != NULL)
			t_send_json(&rs, method, url, ROLE_TOK(i), json);
		else
			del(&rs, url, ROLE_TOK(i));
		if (!T_ERROR(&rs, roles[i].tok == NULL ? 401 : 403, NULL))
			printf("    (as %s)\n", roles[i].name);
		t_resp_free(&rs);
	}
}

static int
suite_init(void)
{
	admin = t_token(ROLE_ADMIN, "product-admin@example.com");
	customer = t_token(ROLE_CUSTOMER, "product-customer@example.com");
	reseller = t_token(ROLE_RESELLER, "product-reseller@example.com");
	struct t_user u = t_register("CUSTOMER", "product-customer");
	real_customer = u.token;
	free(u.id);
	return admin && customer && reseller && real_customer ? 0 : -1;
}

static int
suite_clean(void)
{
	free(admin);
	free(customer);
	free(reseller);
	free(real_customer);
	return 0;
}

/* The files' tables, in the order they run. */
static const struct t_suite *const suites[] = {
	&product_categories_suite,
	&product_products_suite,
	&product_create_suite,
	&product_update_suite,
	&product_events_suite,
	&product_reservations_suite,
	&product_cache_suite,
};

int
main(void)
{
	return t_run_suites("product", suites, T_NCASES(suites), suite_init, suite_clean);
}
