/* The notifications a user has: GET /notifications (the caller's own; an
 * admin may name another user), GET /notifications/:id (own, or an
 * admin; another's is a 404 like one that does not exist), and the
 * admin's POST /notifications/:id/retry (FAILED back to PENDING). */
#include "notification.h"
#include "log.h"

static const char *const statuses[] = { "PENDING", "SENT", "FAILED", NULL };
static const char *const channels[] = { "EMAIL", "SMS", "WHATSAPP", NULL };
/* The event types a notification comes from (services.conf's consumes). */
static const char *const types[] = { "USER_REGISTERED", "ORDER_CREATED", "ORDER_PAID",
	"ORDER_SHIPPED", "ORDER_DELIVERED", "ORDER_CANCELLED", "PAYMENT_FAILED",
	"PAYMENT_REFUNDED", "PAYOUT_STATUS_CHANGED", NULL };

static void
note_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "userId", db_get(res, row, "user_id"));
	jw_kstr(w, "type", db_get(res, row, "type"));
	jw_kstr(w, "channel", db_get(res, row, "channel"));
	jw_kstr(w, "recipient", db_get(res, row, "recipient"));
	jw_kstr(w, "subject", db_get(res, row, "subject"));
	jw_kstr(w, "body", db_get(res, row, "body"));
	jw_kstr(w, "status", db_get(res, row, "status"));
	jw_kint(w, "attempts", db_get_ll(res, row, "attempts"));
	jw_kstr(w, "lastError", db_get(res, row, "last_error"));
	jw_kstr(w, "providerMessageId", db_get(res, row, "provider_message_id"));
	jw_kstr(w, "eventId", db_get(res, row, "event_id"));
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_kstr(w, "sentAt", db_get(res, row, "sent_at"));
	jw_kstr(w, "nextAttemptAt", db_get(res, row, "next_attempt_at"));
	jw_obj_close(w);
}

static void
note_reply(struct req *r, const PGresult *res)
{
	struct jw w;
	req_writer(r, &w);
	note_put(&w, res, 0);
	reply_w(r, 200);
}

/* ---- GET /notifications ---- */

enum { Q_USER, Q_STATUS, Q_CHANNEL, Q_TYPE, Q_SKIP, Q_TAKE, Q__MAX };
const struct qparam notifications_list_query[Q__MAX + 1] = {
	[Q_USER] = { "userId", QP_OWNER, 0, 0, 0, NULL },
	[Q_STATUS] = { "status", QP_ENUM, 0, 0, 0, statuses },
	[Q_CHANNEL] = { "channel", QP_ENUM, 0, 0, 0, channels },
	[Q_TYPE] = { "type", QP_ENUM, 0, 0, 0, types },
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
};

void
notifications_list(struct req *r)
{
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	/* QP_OWNER gives anyone but an admin their own id; an admin who names
	 * nobody reads their own too. */
	const char *user = r->q[Q_USER].s != NULL ? r->q[Q_USER].s : r->user.sub;
	const char *p[] = { user, r->q[Q_STATUS].s, r->q[Q_CHANNEL].s, r->q[Q_TYPE].s,
	    db_int(r, skip), db_int(r, take) };
	PGresult *res = db_exec_or_reply(r, N(N_LIST), p);
	if (res != NULL)
		db_reply_page(r, res, note_put, skip, take);
}

/* ---- GET /notifications/:id ---- */

void
notifications_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	const char *owner = r->user.role == ROLE_ADMIN ? NULL : r->user.sub;
	PGresult *res = db_exec_or_reply(r, N(N_GET), (const char *[]){ id, owner });
	if (res == NULL)
		return;
	if (PQntuples(res) != 1) {
		reply_error(r, 404, "notification %s not found", id);
		return;
	}
	note_reply(r, res);
}

/* ---- POST /notifications/:id/retry (ADMIN) ---- */

void
notifications_retry(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, N(N_RETRY), (const char *[]){ id });
	if (res == NULL)
		return;
	if (PQntuples(res) == 1) {
		log_info("notification %s: FAILED -> PENDING by admin %s", id, r->user.sub);
		note_reply(r, res);
		return;
	}
	/* Not FAILED: say what it is, or that it is not there. */
	if ((res = db_exec_or_reply(r, N(N_GET), (const char *[]){ id, NULL })) == NULL)
		return;
	if (PQntuples(res) != 1)
		reply_error(r, 404, "notification %s not found", id);
	else
		reply_error(r, 409, "notification %s is %s: only a FAILED one can be retried", id,
		    db_get(res, 0, "status"));
}
