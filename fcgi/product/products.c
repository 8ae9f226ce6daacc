/* Product reads: GET /products, /products/:id, /products/slug/:slug.
 * Non-admins see active products only; deleted products are never shown. */
#include "product.h"
#include <string.h>

static bool
is_admin(const struct req *r)
{
	return r->authed && r->user.role == ROLE_ADMIN;
}

void
products_list(struct req *r)
{
	const char *key = arena_printf(r->a, "list:%d:%s", is_admin(r), r->query);
	if (cache_reply(r, key))
		return;
	int64_t skip, take;
	if (query_int_or_reply(r, "skip", 0, 0, 1000000, &skip) != 0 ||
	    query_int_or_reply(r, "take", 10, 1, 100, &take) != 0)
		return;
	const char *cat = req_query(r, "categoryId");
	if (cat != NULL && cat[0] == '\0')
		cat = NULL;
	if (cat != NULL && !valid_uuid(cat)) {
		reply_error(r, 400, "categoryId must be a UUID");
		return;
	}
	const char *active = req_query(r, "isActive");
	if (active != NULL && active[0] == '\0')
		active = NULL;
	if (active != NULL && strcmp(active, "true") != 0 && strcmp(active, "false") != 0) {
		reply_error(r, 400, "isActive must be true or false");
		return;
	}
	if (!is_admin(r))
		active = "true";
	const char *q = req_query(r, "q");
	if (q != NULL && q[0] == '\0')
		q = NULL;
	if (q != NULL && strlen(q) > 100) {
		reply_error(r, 400, "q must be at most 100 characters");
		return;
	}
	const char *sort = req_query(r, "sort");
	const struct stmt *page;
	if (sort == NULL || sort[0] == '\0' || strcmp(sort, "newest") == 0) {
		sort = "newest";
		page = S(S_PRODUCT_LIST_NEWEST);
	} else if (strcmp(sort, "price_asc") == 0) {
		page = S(S_PRODUCT_LIST_PRICE_ASC);
	} else if (strcmp(sort, "price_desc") == 0) {
		page = S(S_PRODUCT_LIST_PRICE_DESC);
	} else {
		reply_error(r, 400, "sort must be one of newest, price_asc, price_desc");
		return;
	}
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
