/* The tests' control API under /_stub/ (not a provider's; no auth: the
 * stand-in listens on loopback only).  Our error shape,
 * {"statusCode","message","error"}, 400 for bad input. */
#include "stub.h"
#include <stdio.h>
#include <string.h>

static const char *const providers[] = { "twilio", "whatsapp", NULL };

void
ctl_health(struct req *r)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "status", "ok");
	jw_kstr(&w, "service", "notify-stub");
	jw_obj_close(&w);
	reply_w(r, 200);
}

static void
put_fault(struct jw *w, enum ns_provider p, const struct ns_fault *f)
{
	jw_obj_open(w);
	jw_kstr(w, "provider", ns_provider_name(p));
	jw_kint(w, "fail", f->fail_left);
	jw_kint(w, "status", f->fail_left > 0 ? f->fail_status : 0);
	jw_key(w, "refuse");
	jw_arr_open(w);
	for (int i = 0; i < f->nrefuse; i++)
		jw_str(w, f->refuse[i]);
	jw_arr_close(w);
	jw_kint(w, "hangMs", f->hang_ms);
	jw_obj_close(w);
}

/* {"provider", "fail"?: N, "status"?: 400..599 (with fail; default 500),
 *  "refuse"?: "<to>", "hangMs"?: 0..NS_HANG_MAX}: the provider's fault now. */
void
ctl_fault(struct req *r)
{
	enum { F_PROVIDER, F_FAIL, F_STATUS, F_REFUSE, F_HANG, F__MAX };
	static const struct field fields[F__MAX] = {
		[F_PROVIDER] = { "provider", F_ENUM, F_REQUIRED, 0, 0, providers },
		[F_FAIL] = { "fail", F_INT, 0, 0, 100000, NULL },
		[F_STATUS] = { "status", F_INT, 0, 400, 599, NULL },
		[F_REFUSE] = { "refuse", F_STRING, 0, 1, NS_ADDR - 1, NULL },
		[F_HANG] = { "hangMs", F_INT, 0, 0, NS_HANG_MAX, NULL },
	};
	struct fval f[F__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, fields, F__MAX, f, NULL) != 0)
		return;
	if (f[F_STATUS].set && !f[F_FAIL].set) {
		reply_error(r, 400, "status goes with fail");
		return;
	}
	enum ns_provider p = strcmp(f[F_PROVIDER].s, "twilio") == 0 ? NS_TWILIO : NS_WHATSAPP;
	struct ns_state *s = ns_lock(r);
	struct ns_fault *ft = &s->fault[p];
	if (f[F_FAIL].set) {
		ft->fail_left = (int)f[F_FAIL].i;
		ft->fail_status = f[F_STATUS].set ? (int)f[F_STATUS].i : 500;
	}
	if (f[F_HANG].set)
		ft->hang_ms = (long)f[F_HANG].i;
	if (f[F_REFUSE].set) {
		int i = 0;
		while (i < ft->nrefuse && strcmp(ft->refuse[i], f[F_REFUSE].s) != 0)
			i++;
		if (i == NS_REFUSE) {
			reply_error(r, 400, "at most %d refused recipients", NS_REFUSE);
			return;
		}
		if (i == ft->nrefuse)
			snprintf(ft->refuse[ft->nrefuse++], NS_ADDR, "%s", f[F_REFUSE].s);
	}
	struct jw w;
	req_writer(r, &w);
	put_fault(&w, p, ft);
	reply_w(r, 200);
}

/* Faults cleared, messages and call counts forgotten (a body, if any, is
 * not read). */
void
ctl_reset(struct req *r)
{
	struct ns_state *s = ns_lock(r);
	memset(s->fault, 0, sizeof s->fault);
	memset(s->calls, 0, sizeof s->calls);
	s->nmsgs = 0;
	s->text_len = 0;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kbool(&w, "reset", true);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* ?provider=twilio|whatsapp: {"data":[{id,to,from,body,at,type}...],
 * "total", "calls"}, every accepted message in order. */
void
ctl_messages(struct req *r)
{
	if (!r->q[0].set) {
		reply_error(r, 400, "provider is required (twilio or whatsapp)");
		return;
	}
	enum ns_provider p = r->q[0].i == 0 ? NS_TWILIO : NS_WHATSAPP;
	struct ns_state *s = ns_lock(r);
	struct jw w;
	int total = 0;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "data");
	jw_arr_open(&w);
	for (int i = 0; i < s->nmsgs; i++) {
		const struct ns_msg *m = &s->msgs[i];
		if (m->provider != p)
			continue;
		char at[25];
		total++;
		jw_obj_open(&w);
		jw_kstr(&w, "id", m->id);
		jw_kstr(&w, "to", m->to);
		jw_kstr(&w, "from", m->from);
		jw_key(&w, "body");
		jw_strn(&w, s->text + m->body_off, m->body_len);
		jw_kstr(&w, "at", valid_time_format(m->at_ms, at));
		jw_kstr(&w, "type", m->type);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_kint(&w, "total", total);
	jw_kint(&w, "calls", (int64_t)s->calls[p]);
	jw_obj_close(&w);
	reply_w(r, 200);
}
