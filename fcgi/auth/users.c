/* POST /auth/register, POST /auth/login, GET /auth/me */
#include "auth.h"
#include "log.h"
#include "outbox.h"
#include "valid.h"
#include <string.h>

static const char *const register_roles[] = { "CUSTOMER", "RESELLER", "ADMIN", NULL };

enum { R_EMAIL, R_PASSWORD, R_FIRST, R_LAST, R_PHONE, R_ROLE, R__MAX };
static const struct field register_fields[R__MAX] = {
	[R_EMAIL] = { "email", F_EMAIL, F_REQUIRED, 0, 254, NULL },
	[R_PASSWORD] = { "password", F_STRING, F_REQUIRED, 8, 128, NULL },
	[R_FIRST] = { "firstName", F_STRING, F_TRIM, 0, 100, NULL },
	[R_LAST] = { "lastName", F_STRING, F_TRIM, 0, 100, NULL },
	[R_PHONE] = { "phone", F_PHONE, 0, 0, 0, NULL },
	[R_ROLE] = { "role", F_ENUM, 0, 0, 0, register_roles },
};

enum { L_EMAIL, L_PASSWORD, L__MAX };
static const struct field login_fields[L__MAX] = {
	[L_EMAIL] = { "email", F_EMAIL, F_REQUIRED, 0, 254, NULL },
	[L_PASSWORD] = { "password", F_STRING, F_REQUIRED, 1, 128, NULL },
};

void
users_register(struct req *r)
{
	struct fval f[R__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, register_fields, R__MAX, f, NULL) != 0)
		return;
	const char *role = f[R_ROLE].set ? f[R_ROLE].s : "CUSTOMER";
	if (strcmp(role, "ADMIN") == 0 && !(r->authed && r->user.role == ROLE_ADMIN)) {
		reply_error(r, 403, "role ADMIN can only be granted by an admin");
		return;
	}
	const char *email = f[R_EMAIL].s;
	/* Spare the scrypt run for an address that is taken; the unique index
	 * still decides under a race. */
	PGresult *res = db_exec_or_reply(r, S(S_USER_EXISTS), (const char *[]){ email });
	if (res == NULL)
		return;
	if (PQntuples(res) > 0) {
		reply_error(r, 409, "email is already registered");
		return;
	}
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(f[R_PASSWORD].s, hash) != 0) {
		reply_error(r, 500, "internal server error");
		return;
	}
	if (db_begin(r) != 0)
		return;
	const char *p[] = { email, hash, f[R_FIRST].s, f[R_LAST].s, f[R_PHONE].s, role };
	enum db_err err;
	PGresult *user = db_exec(r, S(S_USER_INSERT), p, &err);
	if (user == NULL) {
		if (err == DB_UNIQUE)
			reply_error(r, 409, "email is already registered");
		else if (err == DB_DOWN)
			reply_error(r, 503, "database unavailable, try again shortly");
		else
			reply_error(r, 500, "internal server error");
		return;
	}
	struct buf ev = { 0 };
	struct jw w;
	jw_init(&w, &ev);
	jw_obj_open(&w);
	jw_kstr(&w, "userId", db_get(user, 0, "id"));
	jw_kstr(&w, "email", email);
	jw_kstr(&w, "firstName", f[R_FIRST].s);
	jw_kstr(&w, "lastName", f[R_LAST].s);
	jw_kstr(&w, "phone", f[R_PHONE].s);
	jw_kstr(&w, "role", role);
	jw_obj_close(&w);
	const char *eid = outbox_put(r, "USER_REGISTERED", db_get(user, 0, "id"), &ev);
	buf_free(&ev);
	if (eid == NULL || tokens_issue_pair(r, user, 0, NULL) != 0 || db_commit(r) != 0)
		return;
	reply_w(r, 201);
}

void
users_login(struct req *r)
{
	struct fval f[L__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, login_fields, L__MAX, f, NULL) != 0)
		return;
	PGresult *user = db_exec_or_reply(r, S(S_USER_BY_EMAIL), (const char *[]){ f[L_EMAIL].s });
	if (user == NULL)
		return;
	/* An unknown email costs one scrypt run too, and gets the same answer. */
	const char *stored = PQntuples(user) == 1 ? db_get(user, 0, "password_hash") : NULL;
	if (!password_verify(f[L_PASSWORD].s, stored)) {
		reply_error(r, 401, "invalid email or password");
		return;
	}
	if (db_begin(r) != 0)
		return;
	if (tokens_issue_pair(r, user, 0, NULL) != 0 || db_commit(r) != 0)
		return;
	reply_w(r, 200);
}

void
users_me(struct req *r)
{
	PGresult *res = db_exec_or_reply(r, S(S_USER_BY_ID), (const char *[]){ r->user.sub });
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 401, "user no longer exists");
		return;
	}
	struct jw w;
	req_writer(r, &w);
	json_user_put(&w, res, 0);
	reply_w(r, 200);
}

void
users_internal_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_USER_BY_ID), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "user %s not found", id);
		return;
	}
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "id", db_get(res, 0, "id"));
	jw_kstr(&w, "email", db_get(res, 0, "email"));
	jw_kstr(&w, "firstName", db_get(res, 0, "first_name"));
	jw_kstr(&w, "lastName", db_get(res, 0, "last_name"));
	jw_kstr(&w, "phone", db_get(res, 0, "phone"));
	jw_kstr(&w, "role", db_get(res, 0, "role"));
	jw_obj_close(&w);
	reply_w(r, 200);
}
