/* GET and PATCH /notifications/preferences: the caller's channels
 * (defaults email on, SMS off, WhatsApp on). */
#include "notification.h"

enum { P_EMAIL, P_SMS, P_WHATSAPP, P__MAX };
static const struct field prefs_fields[P__MAX] = {
	[P_EMAIL]    = { "email", F_BOOL, 0, 0, 0, NULL },
	[P_SMS]      = { "sms", F_BOOL, 0, 0, 0, NULL },
	[P_WHATSAPP] = { "whatsapp", F_BOOL, 0, 0, 0, NULL },
};

static void
prefs_reply(struct req *r, const PGresult *res)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "email", db_get_bool(res, 0, "email"));
	jw_kbool(&w, "sms", db_get_bool(res, 0, "sms"));
	jw_kbool(&w, "whatsapp", db_get_bool(res, 0, "whatsapp"));
	jw_obj_close(&w);
	reply_w(r, 200);
}

void
preferences_get(struct req *r)
{
	PGresult *res = db_exec_or_reply(r, N(N_PREFS_GET), (const char *[]){ r->user.sub });
	if (res != NULL)
		prefs_reply(r, res);
}

static const char *
flag(const struct fval *f)
{
	return f->set ? (f->b ? "true" : "false") : NULL;
}

void
preferences_patch(struct req *r)
{
	struct fval f[P__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, prefs_fields, P__MAX, f, NULL) != 0)
		return;
	bool any = false;
	for (size_t i = 0; i < P__MAX; i++) {
		/* null is not a boolean: a channel is on or off. */
		if (!f[i].set && json_get(body, prefs_fields[i].name) != NULL) {
			reply_error(r, 400, "%s must be a boolean", prefs_fields[i].name);
			return;
		}
		any = any || f[i].set;
	}
	if (!any) {
		reply_error(r, 400, "give email, sms or whatsapp to change");
		return;
	}
	PGresult *res = db_exec_or_reply(r, N(N_PREFS_SET), (const char *[]){ r->user.sub,
	    flag(&f[P_EMAIL]), flag(&f[P_SMS]), flag(&f[P_WHATSAPP]) });
	if (res != NULL)
		prefs_reply(r, res);
}
