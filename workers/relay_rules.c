/* The relay's decisions (relay_rules.h). */
#include "relay_rules.h"
#include "services.h"   /* generated from services.conf */
#include <math.h>
#include <string.h>

/* Who consumes what: services.conf's "consumes" column, generated into
 * services.h (scripts/services.awk); a consumer that is not deployed is
 * skipped.  share-link acknowledges an order without a link as "ignored",
 * so most orders need not be sent to it at all (ORDER_PAID?shareLinkId). */
_Static_assert(SERVICES_MAX_CONSUMERS <= RELAY_MAX_CONSUMERS,
    "services.conf: an event type with more consumers than RELAY_MAX_CONSUMERS");
static const struct subscription subscriptions[] = { SERVICES_SUBSCRIPTIONS };

const struct subscription *
relay_subscription(const char *type)
{
	for (size_t k = 0; k < sizeof subscriptions / sizeof subscriptions[0]; k++)
		if (strcmp(subscriptions[k].type, type) == 0)
			return &subscriptions[k];
	return NULL;
}

bool
relay_deployed(const char *deployed, const char *svc)
{
	size_t n = strlen(svc);
	if (n == 0)
		return false;
	for (const char *p = deployed; (p = strstr(p, svc)) != NULL; p += n) {
		bool start = p == deployed || p[-1] == ' ' || p[-1] == ',';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == ',';
		if (start && end)
			return true;
	}
	return false;
}

size_t
relay_consumers(struct arena *a, const char *type, const char *payload,
    const char *deployed, const char *to[RELAY_MAX_CONSUMERS])
{
	const struct subscription *sub = relay_subscription(type);
	size_t n = 0;
	bool parsed = false;
	const struct jv *body = NULL;
	for (int c = 0; sub != NULL && c < RELAY_MAX_CONSUMERS &&
	    sub->consumers[c].name != NULL; c++) {
		const struct consumer *cons = &sub->consumers[c];
		if (!relay_deployed(deployed, cons->name))
			continue;
		if (cons->only_with != NULL) {
			if (!parsed) {
				char err[64];
				body = json_parse(a, payload, strlen(payload), err, sizeof err);
				parsed = true;
			}
			const struct jv *v = json_get(body, cons->only_with);
			if (v == NULL || v->type == JV_NULL)
				continue;
		}
		to[n++] = cons->name;
	}
	return n;
}

void
relay_envelope(const struct relay_event *ev, const char *source, struct buf *out)
{
	struct jw w;
	jw_init(&w, out);
	jw_obj_open(&w);
	jw_kstr(&w, "eventId", ev->event_id);
	jw_kstr(&w, "type", ev->type);
	jw_kstr(&w, "source", source);
	jw_kstr(&w, "aggregateId", ev->aggregate_id);
	jw_kstr(&w, "occurredAt", ev->occurred_at);
	jw_kint(&w, "attempt", ev->attempts + 1);
	jw_key(&w, "payload");
	jw_raw(&w, ev->payload);
	jw_obj_close(&w);
}

double
relay_backoff(long attempts, double max_s, unsigned char jitter)
{
	double d = 0.5 * pow(2.0, (double)(attempts < 30 ? attempts : 30));
	if (d > max_s)
		d = max_s;
	return d * (0.75 + 0.5 * (double)jitter / 255.0);
}

const char *
relay_status_after_failure(long attempts, long max_attempts)
{
	return attempts + 1 >= max_attempts ? "DEAD" : "PENDING";
}
