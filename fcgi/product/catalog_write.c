/* Admin writes: POST /products (with nested variants and images, in one
 * transaction), PATCH /products/:id (partial; variants and images can be
 * added, changed and removed), DELETE /products/:id (soft). */
#include "product.h"
#include "client_pricing.h"
#include "crypto.h"
#include "log.h"
#include "money.h"
#include "outbox.h"
#include <string.h>

static const char *const currencies[] = { "INR", NULL };

enum { P_NAME, P_DESC, P_BASE, P_CAT, P_SLUG, P_ACTIVE, P_CURRENCY, P_STOCK,
	P_VARIANTS, P_IMAGES, P_RM_VARIANTS, P_RM_IMAGES, P__MAX };
static const struct field create_fields[] = {
	[P_NAME] = { "name", F_STRING, F_REQUIRED | F_TRIM, 1, 200, NULL },
	[P_DESC] = { "description", F_STRING, F_TRIM, 0, 10000, NULL },
	[P_BASE] = { "basePrice", F_MONEY, F_REQUIRED, 1, 0, NULL },
	[P_CAT] = { "categoryId", F_UUID, 0, 0, 0, NULL },
	[P_SLUG] = { "slug", F_STRING, F_TRIM, 1, 80, NULL },
	[P_ACTIVE] = { "isActive", F_BOOL, 0, 0, 0, NULL },
	[P_CURRENCY] = { "currency", F_ENUM, 0, 0, 0, currencies },
	[P_STOCK] = { "stock", F_INT, 0, 0, 1000000000, NULL },
	[P_VARIANTS] = { "variants", F_ARRAY, 0, 0, 100, NULL },
	[P_IMAGES] = { "images", F_ARRAY, 0, 0, 20, NULL },
};
#define CREATE_NFIELDS (P_IMAGES + 1)
static const struct field patch_fields[P__MAX] = {
	[P_NAME] = { "name", F_STRING, F_TRIM, 1, 200, NULL },
	[P_DESC] = { "description", F_STRING, F_TRIM, 0, 10000, NULL },
	[P_BASE] = { "basePrice", F_MONEY, 0, 1, 0, NULL },
	[P_CAT] = { "categoryId", F_UUID, 0, 0, 0, NULL },
	[P_SLUG] = { "slug", F_STRING, F_TRIM, 1, 80, NULL },
	[P_ACTIVE] = { "isActive", F_BOOL, 0, 0, 0, NULL },
	[P_CURRENCY] = { "currency", F_ENUM, 0, 0, 0, currencies },
	[P_STOCK] = { "stock", F_INT, 0, 0, 1000000000, NULL },
	[P_VARIANTS] = { "variants", F_ARRAY, 0, 0, 100, NULL },
	[P_IMAGES] = { "images", F_ARRAY, 0, 0, 20, NULL },
	[P_RM_VARIANTS] = { "removeVariantIds", F_ARRAY, 0, 0, 100, NULL },
	[P_RM_IMAGES] = { "removeImageIds", F_ARRAY, 0, 0, 20, NULL },
};

enum { V_ID, V_SKU, V_PRICE, V_STOCK, V_OPTIONS, V__MAX };
static const struct field variant_fields[V__MAX] = {
	[V_ID] = { "id", F_UUID, 0, 0, 0, NULL },
	[V_SKU] = { "sku", F_STRING, F_TRIM, 1, 64, NULL },
	[V_PRICE] = { "price", F_MONEY, 0, 1, 0, NULL },
	[V_STOCK] = { "stock", F_INT, 0, 0, 1000000000, NULL },
	[V_OPTIONS] = { "optionValues", F_ARRAY, 0, 0, 10, NULL },
};

enum { O_NAME, O_VALUE, O__MAX };
static const struct field option_fields[O__MAX] = {
	[O_NAME] = { "optionName", F_STRING, F_REQUIRED | F_TRIM, 1, 50, NULL },
	[O_VALUE] = { "value", F_STRING, F_REQUIRED | F_TRIM, 1, 100, NULL },
};

enum { I_ID, I_URL, I_ALT, I_PRIMARY, I_POSITION, I__MAX };
static const struct field image_fields[I__MAX] = {
	[I_ID] = { "id", F_UUID, 0, 0, 0, NULL },
	[I_URL] = { "url", F_URL, 0, 0, 2048, NULL },
	[I_ALT] = { "altText", F_STRING, F_TRIM, 0, 200, NULL },
	[I_PRIMARY] = { "isPrimary", F_BOOL, 0, 0, 0, NULL },
	[I_POSITION] = { "position", F_INT, 0, 0, 1000, NULL },
};

struct variant_in {
	struct fval f[V__MAX];
	const char *options;   /* JSON text or NULL */
};
struct image_in {
	struct fval f[I__MAX];
};

static const char *
tf(bool b)
{
	return b ? "true" : "false";
}

/* Validates variants[]; with_id: PATCH (an id updates, none creates). */
static struct variant_in *
variants_or_reply(struct req *r, const struct fval *arr, bool with_id, size_t *n)
{
	*n = arr->set ? arr->v->n : 0;
	struct variant_in *vs = arena_alloc(r->a, (*n + 1) * sizeof *vs);
	for (size_t i = 0; i < *n; i++) {
		const char *pfx = arena_printf(r->a, "variants[%zu].", i);
		if (fields_or_reply(r, arr->v->items[i], variant_fields, V__MAX, vs[i].f, pfx) != 0)
			return NULL;
		if (!with_id && vs[i].f[V_ID].set) {
			reply_error(r, 400, "%sid is not an allowed field", pfx);
			return NULL;
		}
		if (!vs[i].f[V_OPTIONS].set)
			continue;
		const struct jv *opts = vs[i].f[V_OPTIONS].v;
		struct buf b = { 0 };
		struct jw w;
		jw_init(&w, &b);
		jw_arr_open(&w);
		for (size_t k = 0; k < opts->n; k++) {
			struct fval o[O__MAX];
			const char *opfx = arena_printf(r->a, "%soptionValues[%zu].", pfx, k);
			if (fields_or_reply(r, opts->items[k], option_fields, O__MAX, o, opfx) != 0) {
				buf_free(&b);
				return NULL;
			}
			jw_obj_open(&w);
			jw_kstr(&w, "optionName", o[O_NAME].s);
			jw_kstr(&w, "value", o[O_VALUE].s);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		vs[i].options = arena_strdup(r->a, b.p);
		buf_free(&b);
	}
	return vs;
}

static struct image_in *
images_or_reply(struct req *r, const struct fval *arr, bool with_id, size_t *n)
{
	*n = arr->set ? arr->v->n : 0;
	struct image_in *is = arena_alloc(r->a, (*n + 1) * sizeof *is);
	int primaries = 0;
	for (size_t i = 0; i < *n; i++) {
		const char *pfx = arena_printf(r->a, "images[%zu].", i);
		if (fields_or_reply(r, arr->v->items[i], image_fields, I__MAX, is[i].f, pfx) != 0)
			return NULL;
		if (!with_id && is[i].f[I_ID].set) {
			reply_error(r, 400, "%sid is not an allowed field", pfx);
			return NULL;
		}
		if (!is[i].f[I_ID].set && !is[i].f[I_URL].set) {
			reply_error(r, 400, "%surl is required", pfx);
			return NULL;
		}
		if (is[i].f[I_PRIMARY].set && is[i].f[I_PRIMARY].b)
			primaries++;
	}
	if (primaries > 1) {
		reply_error(r, 400, "images may have at most one isPrimary image");
		return NULL;
	}
	return is;
}

/* Validates an array of UUID strings. */
static const char **
ids_or_reply(struct req *r, const struct fval *arr, const char *name, size_t *n)
{
	*n = arr->set ? arr->v->n : 0;
	const char **ids = arena_alloc(r->a, (*n + 1) * sizeof *ids);
	for (size_t i = 0; i < *n; i++) {
		const struct jv *v = arr->v->items[i];
		if (v->type != JV_STR || !valid_uuid(v->s)) {
			reply_error(r, 400, "%s[%zu] must be a UUID", name, i);
			return NULL;
		}
		ids[i] = v->s;
	}
	return ids;
}

/* Answers a failed write inside the transaction. */
static void
write_failed(struct req *r, enum db_err err, const char *what)
{
	const char *con = db_constraint();
	if (err == DB_UNIQUE && strstr(con, "sku"))
		reply_error(r, 409, "%ssku is already in use", what);
	else if (err == DB_UNIQUE && strstr(con, "slug"))
		reply_error(r, 409, "slug is already in use");
	else if (err == DB_UNIQUE && strstr(con, "primary"))
		reply_error(r, 409, "a product may have only one primary image");
	else if (err == DB_FK)
		reply_error(r, 400, "categoryId does not name an existing category");
	else if (err == DB_CHECK)
		reply_error(r, 400, "%svalue is out of range", what);
	else if (err == DB_DOWN)
		reply_error(r, 503, "database unavailable, try again shortly");
	else
		reply_error(r, 500, "internal server error");
}

/* Runs stmt (id, product id) for each id inside the open transaction.
 * 0, or -1 after answering (400 for an id that is not one of the
 * product's). */
static int
remove_or_reply(struct req *r, const struct stmt *stmt, const char *pid,
    const char **ids, size_t n, const char *field, const char *what)
{
	enum db_err err;
	for (size_t i = 0; i < n; i++) {
		PGresult *x = db_exec(r, stmt, (const char *[]){ ids[i], pid }, &err);
		if (x == NULL) {
			write_failed(r, err, "");
			return -1;
		}
		if (PQntuples(x) == 0) {
			reply_error(r, 400, "%s[%zu] does not name %s of this product", field, i,
			    what);
			return -1;
		}
	}
	return 0;
}

static const char *
product_slug_or_reply(struct req *r, const struct fval *f)
{
	if (f[P_SLUG].set) {
		if (!slug_valid(f[P_SLUG].s)) {
			reply_error(r, 400, "slug must be lower-case letters and digits "
			    "separated by single hyphens");
			return NULL;
		}
		return f[P_SLUG].s;
	}
	char *slug = slug_from(r->a, f[P_NAME].s);
	if (slug[0] == '\0')
		slug = "product";
	PGresult *res = db_exec_or_reply(r, S(S_PRODUCT_SLUG_TAKEN), (const char *[]){ slug });
	if (res == NULL)
		return NULL;
	if (PQntuples(res) > 0) {
		char suffix[9];
		crypto_token(suffix, 8);
		for (char *p = suffix; *p; p++)
			if (*p == '-' || *p == '_' || (*p >= 'A' && *p <= 'Z'))
				*p = (char)('a' + (*p & 15));
		slug = slug_with_suffix(r->a, slug, suffix);
	}
	return slug;
}

static int
variant_write(struct req *r, const char *pid, const struct variant_in *v, size_t i,
    bool is_default)
{
	enum db_err err;
	const struct fval *f = v->f;
	const char *what = arena_printf(r->a, "variants[%zu].", i);
	const char *price = f[V_PRICE].set ? db_int(r, f[V_PRICE].i) : NULL;
	const char *stock = f[V_STOCK].set ? db_int(r, f[V_STOCK].i) : NULL;
	PGresult *res;
	if (f[V_ID].set) {
		res = db_exec(r, S(S_VARIANT_UPDATE), (const char *[]){ f[V_ID].s, pid,
		    f[V_SKU].s, price, stock, v->options }, &err);
		if (res != NULL && PQntuples(res) == 0) {
			reply_error(r, 400, "%sid does not name a variant of this product", what);
			return -1;
		}
	} else {
		res = db_exec(r, S(S_VARIANT_INSERT), (const char *[]){ pid, f[V_SKU].s, price,
		    stock ? stock : "0", v->options, tf(is_default), NULL }, &err);
	}
	if (res == NULL) {
		write_failed(r, err, what);
		return -1;
	}
	return 0;
}

static int
image_write(struct req *r, const char *pid, const struct image_in *im, size_t i,
    bool with_position)
{
	enum db_err err;
	const struct fval *f = im->f;
	const char *what = arena_printf(r->a, "images[%zu].", i);
	const char *primary = f[I_PRIMARY].set ? tf(f[I_PRIMARY].b) : NULL;
	const char *pos = f[I_POSITION].set ? db_int(r, f[I_POSITION].i) :
	    with_position ? db_int(r, (long long)i) : NULL;
	PGresult *res;
	if (f[I_ID].set) {
		res = db_exec(r, S(S_IMAGE_UPDATE), (const char *[]){ f[I_ID].s, pid,
		    f[I_URL].s, f[I_ALT].s, primary, pos }, &err);
		if (res != NULL && PQntuples(res) == 0) {
			reply_error(r, 400, "%sid does not name an image of this product", what);
			return -1;
		}
	} else {
		res = db_exec(r, S(S_IMAGE_INSERT), (const char *[]){ pid, f[I_URL].s,
		    f[I_ALT].s, primary, pos }, &err);
	}
	if (res == NULL) {
		write_failed(r, err, what);
		return -1;
	}
	return 0;
}

/* Writes the event, commits, and answers with the product document. */
static void
finish(struct req *r, const char *pid, const char *type, int status)
{
	PGresult *ev = db_exec_or_reply(r, S(S_PRODUCT_EVENT), (const char *[]){ pid });
	if (ev == NULL)
		return;
	struct buf payload = { 0 };
	buf_adds(&payload, db_get(ev, 0, "doc"));
	const char *eid = outbox_put(r, type, pid, &payload);
	buf_free(&payload);
	if (eid == NULL || db_commit(r) != 0)
		return;
	/* Pricing's copy sees the write at once (the relayed event is the
	 * fallback). */
	pricing_catalog_push(r, db_get(ev, 0, "doc"));
	PGresult *doc = db_exec_or_reply(r, S(S_PRODUCT_DOC), (const char *[]){ pid, "true" });
	if (doc != NULL)
		reply_doc(r, doc, status, "product not found");
}

void
products_create(struct req *r)
{
	struct fval f[P__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, create_fields, CREATE_NFIELDS, f, NULL) != 0)
		return;
	size_t nv, ni;
	struct variant_in *vs = variants_or_reply(r, &f[P_VARIANTS], false, &nv);
	if (vs == NULL)
		return;
	struct image_in *is = images_or_reply(r, &f[P_IMAGES], false, &ni);
	if (is == NULL)
		return;
	if (nv > 0 && f[P_STOCK].set) {
		reply_error(r, 400, "stock is set per variant when variants are given");
		return;
	}
	const char *slug = product_slug_or_reply(r, f);
	if (slug == NULL || db_begin(r) != 0)
		return;
	enum db_err err;
	PGresult *res = db_exec(r, S(S_PRODUCT_INSERT), (const char *[]){ f[P_NAME].s, slug,
	    f[P_DESC].s, db_int(r, f[P_BASE].i), f[P_CURRENCY].s, f[P_CAT].s,
	    f[P_ACTIVE].set ? tf(f[P_ACTIVE].b) : NULL }, &err);
	if (res == NULL) {
		write_failed(r, err, "");
		return;
	}
	const char *pid = db_get(res, 0, "id");
	if (nv == 0) {
		/* Every order line needs a variant to hold its stock. */
		struct variant_in def;
		memset(&def, 0, sizeof def);
		def.f[V_STOCK] = f[P_STOCK];
		if (variant_write(r, pid, &def, 0, true) != 0)
			return;
	}
	for (size_t i = 0; i < nv; i++)
		if (variant_write(r, pid, &vs[i], i, i == 0) != 0)
			return;
	for (size_t i = 0; i < ni; i++)
		if (image_write(r, pid, &is[i], i, true) != 0)
			return;
	finish(r, pid, "PRODUCT_CREATED", 201);
}

void
products_update(struct req *r)
{
	struct fval f[P__MAX];
	const char *pid = param_uuid_or_reply(r, "id");
	if (pid == NULL)
		return;
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, patch_fields, P__MAX, f, NULL) != 0)
		return;
	if (f[P_STOCK].set) {
		reply_error(r, 400, "stock is set per variant: use variants[].stock");
		return;
	}
	if (f[P_CURRENCY].set) {
		reply_error(r, 400, "currency cannot be changed");
		return;
	}
	if (f[P_SLUG].set && !slug_valid(f[P_SLUG].s)) {
		reply_error(r, 400, "slug must be lower-case letters and digits "
		    "separated by single hyphens");
		return;
	}
	size_t nv, ni, nrv, nri;
	struct variant_in *vs = variants_or_reply(r, &f[P_VARIANTS], true, &nv);
	struct image_in *is = vs ? images_or_reply(r, &f[P_IMAGES], true, &ni) : NULL;
	const char **rv = is ? ids_or_reply(r, &f[P_RM_VARIANTS], "removeVariantIds", &nrv) : NULL;
	const char **ri = rv ? ids_or_reply(r, &f[P_RM_IMAGES], "removeImageIds", &nri) : NULL;
	if (ri == NULL || db_begin(r) != 0)
		return;
	enum db_err err;
	PGresult *res = db_exec(r, S(S_PRODUCT_UPDATE), (const char *[]){ pid, f[P_NAME].s,
	    f[P_DESC].s, f[P_BASE].set ? db_int(r, f[P_BASE].i) : NULL, f[P_CAT].s,
	    f[P_SLUG].s, f[P_ACTIVE].set ? tf(f[P_ACTIVE].b) : NULL }, &err);
	if (res == NULL) {
		write_failed(r, err, "");
		return;
	}
	if (PQntuples(res) == 0) {
		reply_error(r, 404, "product not found");
		return;
	}
	if (remove_or_reply(r, S(S_VARIANT_REMOVE), pid, rv, nrv, "removeVariantIds",
	    "a variant") != 0)
		return;
	for (size_t i = 0; i < nv; i++)
		if (variant_write(r, pid, &vs[i], i, false) != 0)
			return;
	PGresult *cnt = db_exec_or_reply(r, S(S_VARIANT_COUNT), (const char *[]){ pid });
	if (cnt == NULL)
		return;
	if (db_get_ll(cnt, 0, "n") < 1) {
		reply_error(r, 409, "a product must keep at least one variant");
		return;
	}
	if (remove_or_reply(r, S(S_IMAGE_REMOVE), pid, ri, nri, "removeImageIds",
	    "an image") != 0)
		return;
	bool new_primary = false;
	for (size_t i = 0; i < ni; i++)
		new_primary |= is[i].f[I_PRIMARY].set && is[i].f[I_PRIMARY].b;
	if (new_primary &&
	    db_exec_or_reply(r, S(S_IMAGE_CLEAR_PRIMARY), (const char *[]){ pid }) == NULL)
		return;
	for (size_t i = 0; i < ni; i++)
		if (image_write(r, pid, &is[i], i, false) != 0)
			return;
	finish(r, pid, "PRODUCT_UPDATED", 200);
}

void
products_delete(struct req *r)
{
	const char *pid = param_uuid_or_reply(r, "id");
	if (pid == NULL || db_begin(r) != 0)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_PRODUCT_DELETE), (const char *[]){ pid });
	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(r, 404, "product not found");
		return;
	}
	PGresult *ev = db_exec_or_reply(r, S(S_PRODUCT_EVENT), (const char *[]){ pid });
	if (ev == NULL)
		return;
	struct buf payload = { 0 };
	buf_adds(&payload, db_get(ev, 0, "doc"));
	const char *eid = outbox_put(r, "PRODUCT_DELETED", pid, &payload);
	buf_free(&payload);
	if (eid == NULL || db_commit(r) != 0)
		return;
	pricing_catalog_push(r, db_get(ev, 0, "doc"));
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "id", pid);
	jw_kbool(&w, "deleted", true);
	jw_obj_close(&w);
	reply_w(r, 200);
}
