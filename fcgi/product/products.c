/* Product reads: GET /products, /products/:id, /products/slug/:slug.
 * Non-admins see active products only; deleted products are never shown.
 * And the internal card of a product (GET /internal/product/products/:id/card). */
#include "product.h"
#include <string.h>

static bool
is_admin(const struct req *r)
{
	return r->authed && r->user.role == ROLE_ADMIN;
}

/* GET /products?skip=&take=&categoryId=&isActive=&q=&sort= */
static const char *const sorts[] = { "newest", "price_asc", "price_desc", NULL };
static const enum product_stmt sort_stmts[] = { S_PRODUCT_LIST_NEWEST,
	S_PRODUCT_LIST_PRICE_ASC, S_PRODUCT_LIST_PRICE_DESC };
enum { Q_SKIP, Q_TAKE, Q_CAT, Q_ACTIVE, Q_TEXT, Q_SORT, Q__MAX };
const struct qparam products_list_query[Q__MAX + 1] = {
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(10),
	[Q_CAT] = { "categoryId", QP_UUID, 0, 0, 0, NULL },
	[Q_ACTIVE] = { "isActive", QP_BOOL, 0, 0, 0, NULL },
	[Q_TEXT] = { "q", QP_TEXT, 0, 100, 0, NULL },
	[Q_SORT] = { "sort", QP_ENUM, 0, 0, 0, sorts },     /* absent: newest */
};

void
products_list(struct req *r)
{
	const char *key = arena_printf(r->a, "list:%d:%s", is_admin(r), r->query);
	if (cache_reply(r, key))
		return;
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	const char *cat = r->q[Q_CAT].s, *active = r->q[Q_ACTIVE].s, *q = r->q[Q_TEXT].s;
	if (!is_admin(r))
		active = "true";
	const char *sort = sorts[r->q[Q_SORT].i];
	const struct stmt *page = S(sort_stmts[r->q[Q_SORT].i]);
	const char *sskip = db_int(r, skip), *stake = db_int(r, take);
	PGresult *docs = q != NULL ?
	    db_exec_or_reply(r, S(S_PRODUCT_LIST_SEARCH),
	        (const char *[]){ cat, active, sskip, stake, q, sort }) :
	    db_exec_or_reply(r, page, (const char *[]){ cat, active, sskip, stake });
	if (docs == NULL)
		return;
	PGresult *count = db_exec_or_reply(r, S(S_PRODUCT_COUNT),
	    (const char *[]){ cat, active, q });
	if (count == NULL)
		return;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "data");
	jw_raw(&w, db_get(docs, 0, "doc"));
	jw_kint(&w, "total", db_get_ll(count, 0, "n"));
	jw_kint(&w, "skip", skip);
	jw_kint(&w, "take", take);
	jw_obj_close(&w);
	reply_w(r, 200);
	cache_store(key, NULL, &r->out);
}

void
products_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	const char *key = arena_printf(r->a, "id:%d:%s", is_admin(r), id);
	if (cache_reply(r, key))
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PRODUCT_DOC),
	    (const char *[]){ id, is_admin(r) ? "true" : "false" });
	if (res == NULL)
		return;
	reply_doc(r, res, 200, "product not found");
	if (r->status == 200)
		cache_store(key, id, &r->out);
}

void
products_get_by_slug(struct req *r)
{
	const char *slug = req_param(r, "slug");
	if (slug == NULL || !slug_valid(slug)) {
		reply_error(r, 404, "product not found");
		return;
	}
	const char *key = arena_printf(r->a, "slug:%d:%s", is_admin(r), slug);
	if (cache_reply(r, key))
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PRODUCT_DOC_BY_SLUG),
	    (const char *[]){ slug, is_admin(r) ? "true" : "false" });
	if (res == NULL)
		return;
	reply_doc(r, res, 200, "product not found");
	if (r->status == 200)
		cache_store(key, NULL, &r->out);
}

/* The card of a product, inactive ones included (the caller shows that it
 * is not on sale); a deleted one is 404.  Cached like a document. */
void
products_card(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	const char *key = arena_printf(r->a, "card:%s", id);
	if (cache_reply(r, key))
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PRODUCT_CARD), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(r, 404, "product %s not found", id);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "productId", db_get(res, 0, "id"));
	jw_kstr(&w, "name", db_get(res, 0, "name"));
	jw_kstr(&w, "slug", db_get(res, 0, "slug"));
	jw_kstr(&w, "description", db_get(res, 0, "description"));   /* null when none */
	jw_kbool(&w, "isActive", db_get_bool(res, 0, "is_active"));
	jw_kmoney(&w, "basePrice", db_get_ll(res, 0, "base_price"));
	jw_kmoney(&w, "price", db_get_ll(res, 0, "price"));
	jw_kstr(&w, "currency", db_get(res, 0, "currency"));
	jw_key(&w, "image");
	if (db_isnull(res, 0, "image_url")) {
		jw_null(&w);
	} else {
		jw_obj_open(&w);
		jw_kstr(&w, "url", db_get(res, 0, "image_url"));
		jw_kstr(&w, "altText", db_get(res, 0, "image_alt"));
		jw_obj_close(&w);
	}
	jw_obj_close(&w);
	reply_w(r, 200);
	cache_store(key, id, &r->out);
}
