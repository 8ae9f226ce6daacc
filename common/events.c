#include "events.h"
#include "valid.h"
#include <stdlib.h>

const struct stmt events_stmts[] = {
	{ "event_claim",
	  "INSERT INTO inbox (event_id, type) VALUES ($1, $2) "
	  "ON CONFLICT (event_id) DO NOTHING RETURNING event_id", 2, false },
};
const size_t events_nstmts = sizeof events_stmts / sizeof events_stmts[0];

enum { E_ID, E_TYPE, E_SOURCE, E_AGG, E_AT, E_ATTEMPT, E_PAYLOAD, E__MAX };
static const struct field envelope[E__MAX] = {
	[E_ID] = { "eventId", F_UUID, F_REQUIRED, 0, 0, NULL },
	[E_TYPE] = { "type", F_STRING, F_REQUIRED, 1, 64, NULL },
	[E_SOURCE] = { "source", F_STRING, F_REQUIRED, 1, 64, NULL },
	[E_AGG] = { "aggregateId", F_STRING, 0, 0, 200, NULL },
	[E_AT] = { "occurredAt", F_STRING, 0, 0, 64, NULL },
	[E_ATTEMPT] = { "attempt", F_INT, 0, 0, 1000000, NULL },
	[E_PAYLOAD] = { "payload", F_OBJECT, F_REQUIRED, 0, 0, NULL },
};

int
event_parse_or_reply(struct req *r, struct event *ev)
{
	struct fval f[E__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, envelope, E__MAX, f, NULL) != 0)
		return -1;
	ev->id = f[E_ID].s;
	ev->type = f[E_TYPE].s;
	ev->source = f[E_SOURCE].s;
	ev->aggregate_id = f[E_AGG].s;
	ev->payload = f[E_PAYLOAD].v;
	return 0;
}

int
event_claim(struct req *r, const struct event *ev)
{
	PGresult *res = db_exec_or_reply(r, &events_stmts[0], (const char *[]){ ev->id, ev->type });
	if (res == NULL)
		return -1;
	return PQntuples(res) == 1 ? 1 : 0;
}

bool
event_begin_claimed(struct req *r, const struct event *ev)
{
	if (db_begin(r) != 0)
		return false;
	int claimed = event_claim(r, ev);
	if (claimed <= 0) {
		if (claimed == 0)
			event_ack(r, ev, "duplicate");
		return false;
	}
	return true;
}

void
event_ack(struct req *r, const struct event *ev, const char *status)
{
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "eventId", ev->id);
	jw_kstr(&w, "status", status);
	jw_obj_close(&w);
	reply_w(r, 200);
}

const char *
event_str(const struct event *ev, const char *key)
{
	const struct jv *v = json_get(ev->payload, key);
	return v != NULL && v->type == JV_STR ? v->s : NULL;
}

int64_t
event_int(const struct event *ev, const char *key)
{
	const struct jv *v = json_get(ev->payload, key);
	if (v == NULL || v->type != JV_NUM)
		return -1;
	char *end;
	long long n = strtoll(v->s, &end, 10);
	return *end == '\0' ? n : -1;
}
