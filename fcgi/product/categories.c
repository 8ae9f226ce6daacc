/* /categories: public reads, admin writes. */
#include "product.h"
#include "crypto.h"

enum { C_NAME, C_SLUG, C_DESC, C__MAX };
static const struct field cat_fields[C__MAX] = {
	[C_NAME] = { "name", F_STRING, F_REQUIRED | F_TRIM, 1, 100, NULL },
	[C_SLUG] = { "slug", F_STRING, F_TRIM, 1, 80, NULL },
	[C_DESC] = { "description", F_STRING, F_TRIM, 0, 2000, NULL },
};
static const struct field cat_patch_fields[C__MAX] = {
	[C_NAME] = { "name", F_STRING, F_TRIM, 1, 100, NULL },
	[C_SLUG] = { "slug", F_STRING, F_TRIM, 1, 80, NULL },
	[C_DESC] = { "description", F_STRING, F_TRIM, 0, 2000, NULL },
};

void
categories_list(struct req *r)
{
	if (cache_reply(r, "categories"))
		return;
	PGresult *res = db_exec_or_reply(r, S(S_CAT_LIST), NULL);
	if (res == NULL)
		return;
	reply_doc(r, res, 200, "no categories");
	if (r->status == 200)
		cache_store("categories", NULL, &r->out);
}

void
categories_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_CAT_GET), (const char *[]){ id });
	if (res != NULL)
		reply_doc(r, res, 200, "category not found");
}

/* The explicit slug, checked; or one derived from the name, made unique. */
static const char *
category_slug_or_reply(struct req *r, const struct fval *f)
{
	if (f[C_SLUG].set) {
		if (!slug_valid(f[C_SLUG].s)) {
			reply_error(r, 400, "slug must be lower-case letters and digits "
			    "separated by single hyphens");
			return NULL;
		}
		return f[C_SLUG].s;
	}
	char *slug = slug_from(r->a, f[C_NAME].s);
	if (slug[0] == '\0')
		slug = "category";
	PGresult *res = db_exec_or_reply(r, S(S_CAT_EXISTS), (const char *[]){ NULL, slug });
	if (res == NULL)
		return NULL;
	if (PQntuples(res) > 0) {
		char suffix[7];
		crypto_token(suffix, 6);
		for (char *p = suffix; *p; p++)
			if (*p == '-' || *p == '_' || (*p >= 'A' && *p <= 'Z'))
				*p = (char)('a' + (*p & 15));
		slug = slug_with_suffix(r->a, slug, suffix);
	}
	return slug;
}

static void
reply_write_error(struct req *r, enum db_err err)
{
	if (err == DB_UNIQUE)
		reply_error(r, 409, "slug is already in use");
	else if (err == DB_DOWN)
		reply_error(r, 503, "database unavailable, try again shortly");
	else if (err == DB_CHECK)
		reply_error(r, 400, "category is invalid");
	else
		reply_error(r, 500, "internal server error");
}

void
categories_create(struct req *r)
{
	struct fval f[C__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, cat_fields, C__MAX, f, NULL) != 0)
		return;
	const char *slug = category_slug_or_reply(r, f);
	if (slug == NULL)
		return;
	enum db_err err;
	PGresult *res = db_exec(r, S(S_CAT_INSERT),
	    (const char *[]){ f[C_NAME].s, slug, f[C_DESC].s }, &err);
	if (res == NULL)
		reply_write_error(r, err);
	else
		reply_doc(r, res, 201, "category not found");
}

void
categories_update(struct req *r)
{
	struct fval f[C__MAX];
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, cat_patch_fields, C__MAX, f, NULL) != 0)
		return;
	if (f[C_SLUG].set && !slug_valid(f[C_SLUG].s)) {
		reply_error(r, 400, "slug must be lower-case letters and digits "
		    "separated by single hyphens");
		return;
	}
	enum db_err err;
	PGresult *res = db_exec(r, S(S_CAT_UPDATE),
	    (const char *[]){ id, f[C_NAME].s, f[C_SLUG].s, f[C_DESC].s }, &err);
	if (res == NULL)
		reply_write_error(r, err);
	else
		reply_doc(r, res, 200, "category not found");
}

void
categories_delete(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL || db_begin(r) != 0)
		return;
	/* Deleted products no longer hold their category. */
	if (db_exec_or_reply(r, S(S_CAT_UNLINK_DELETED), (const char *[]){ id }) == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_CAT_DELETE), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) == 0) {
		db_rollback(r);    /* the read below explains the refusal, outside it */
		PGresult *ex = db_exec_or_reply(r, S(S_CAT_GET), (const char *[]){ id });
		if (ex == NULL)
			return;
		if (PQntuples(ex) == 0)
			reply_error(r, 404, "category not found");
		else
			reply_error(r, 409, "category still has products");
		return;
	}
	if (db_commit(r) != 0)
		return;
	reply_doc(r, res, 200, "category not found");
}
