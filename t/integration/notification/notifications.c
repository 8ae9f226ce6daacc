/* GET /notifications (own, newest first, filters and paging, an admin's
 * userId, another's 403), GET /notifications/:id (own or admin, another's
 * 404) and the admin's POST /notifications/:id/retry (FAILED -> PENDING
 * with the attempts kept, 409 otherwise).  The rows are written straight
 * into notification_db, as the consumer will write them. */
#include "notification.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A notification of user with type, channel and status, created `ago`
 * seconds ago, with attempts; its id (malloc'd) or NULL.  A PENDING one is
 * due tomorrow: the stack's sender (workers/sender.c) would send one due
 * now at once, and these cases read them as they were written. */
static char *
note_insert(const char *user, const char *type, const char *channel, const char *status,
    int ago, int attempts)
{
	char ago_s[16], att[16];
	snprintf(ago_s, sizeof ago_s, "%d", ago);
	snprintf(att, sizeof att, "%d", attempts);
	char *id = t_db_write_value(NOTIFY_DB,
	    "INSERT INTO notifications (user_id, type, channel, recipient, subject, body, "
	    "status, attempts, last_error, event_id, created_at, sent_at, next_attempt_at) "
	    "VALUES ($1, $2, $3, "
	    "CASE $3 WHEN 'EMAIL' THEN 'n@example.com' ELSE '+919800000001' END, "
	    "CASE $3 WHEN 'EMAIL' THEN 'Your order' END, 'Body of ' || $2, $4, $5::int, "
	    "CASE $4 WHEN 'FAILED' THEN '550 mailbox unavailable' END, gen_random_uuid(), "
	    "now() - make_interval(secs => $6::int), "
	    "CASE $4 WHEN 'SENT' THEN now() END, "
	    "now() + CASE $4 WHEN 'PENDING' THEN interval '1 day' ELSE interval '0' END) "
	    "RETURNING id",
	    user, type, channel, status, att, ago_s, NULL);
	t_check(id != NULL, __FILE__, __LINE__, "notification inserted");
	return id;
}

/* GET url as tok: 200 with total and the data's ids in order (ids[n]). */
static void
list_is(const char *url, const char *tok, long long total, const char *const *ids, size_t n)
{
	struct resp rs;
	t_get(&rs, url, tok);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "total", -1), total);
		T_EQ_INT((long long)t_jlen(rs.json, "data"), (long long)n);
		for (size_t i = 0; i < n && i < t_jlen(rs.json, "data"); i++) {
			char path[32];
			snprintf(path, sizeof path, "data.%zu.id", i);
			T_EQ_STR(t_jstr(rs.json, path), ids[i]);
		}
	}
	t_resp_free(&rs);
}

static void
list_own_newest_first(void)
{
	char a[37], b[37], url[160];
	char *ta = user_new(ROLE_CUSTOMER, a), *tb = user_new(ROLE_CUSTOMER, b);
	char *n1 = note_insert(a, "ORDER_CREATED", "EMAIL", "SENT", 30, 1);
	char *n2 = note_insert(a, "ORDER_PAID", "SMS", "PENDING", 20, 0);
	char *n3 = note_insert(a, "ORDER_PAID", "EMAIL", "FAILED", 10, 6);
	char *m1 = note_insert(b, "ORDER_CREATED", "EMAIL", "SENT", 5, 1);
	T_REQUIRE(n1 && n2 && n3 && m1);
	list_is("/notifications", ta, 3, (const char *[]){ n3, n2, n1 }, 3);
	list_is("/notifications", tb, 1, (const char *[]){ m1 }, 1);
	/* Naming oneself is the same list. */
	snprintf(url, sizeof url, "/notifications?userId=%s", a);
	list_is(url, ta, 3, (const char *[]){ n3, n2, n1 }, 3);
	/* The page's members, as the sender will fill them. */
	struct resp rs;
	t_get(&rs, "/notifications?take=1", ta);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "skip", -1), 0);
		T_EQ_INT(t_jint(rs.json, "take", -1), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.userId"), a);
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "ORDER_PAID");
		T_EQ_STR(t_jstr(rs.json, "data.0.channel"), "EMAIL");
		T_EQ_STR(t_jstr(rs.json, "data.0.recipient"), "n@example.com");
		T_EQ_STR(t_jstr(rs.json, "data.0.subject"), "Your order");
		T_EQ_STR(t_jstr(rs.json, "data.0.status"), "FAILED");
		T_EQ_INT(t_jint(rs.json, "data.0.attempts", -1), 6);
		T_EQ_STR(t_jstr(rs.json, "data.0.lastError"), "550 mailbox unavailable");
		T_JSON_EQ(&rs, "data.0.sentAt", "null");
		T_ASSERT(t_jstr(rs.json, "data.0.eventId") != NULL);
		T_ASSERT(t_jstr(rs.json, "data.0.createdAt") != NULL);
	}
	t_resp_free(&rs);
	free(ta); free(tb); free(n1); free(n2); free(n3); free(m1);
}

static void
list_filters_and_paging(void)
{
	char a[37];
	char *ta = user_new(ROLE_RESELLER, a);
	char *n1 = note_insert(a, "ORDER_CREATED", "EMAIL", "SENT", 40, 1);
	char *n2 = note_insert(a, "ORDER_CREATED", "WHATSAPP", "SENT", 30, 1);
	char *n3 = note_insert(a, "PAYOUT_STATUS_CHANGED", "EMAIL", "PENDING", 20, 0);
	char *n4 = note_insert(a, "PAYOUT_STATUS_CHANGED", "WHATSAPP", "FAILED", 10, 2);
	T_REQUIRE(n1 && n2 && n3 && n4);
	list_is("/notifications?status=SENT", ta, 2, (const char *[]){ n2, n1 }, 2);
	list_is("/notifications?channel=EMAIL", ta, 2, (const char *[]){ n3, n1 }, 2);
	list_is("/notifications?type=PAYOUT_STATUS_CHANGED", ta, 2,
	    (const char *[]){ n4, n3 }, 2);
	list_is("/notifications?type=ORDER_CREATED&channel=WHATSAPP&status=SENT", ta, 1,
	    (const char *[]){ n2 }, 1);
	list_is("/notifications?status=FAILED&channel=EMAIL", ta, 0, NULL, 0);
	list_is("/notifications?skip=1&take=2", ta, 4, (const char *[]){ n3, n2 }, 2);
	list_is("/notifications?skip=4", ta, 4, NULL, 0);
	free(ta); free(n1); free(n2); free(n3); free(n4);
}

static void
list_bad_query_400(void)
{
	static const char *const urls[] = {
		"/notifications?status=DELIVERED", "/notifications?channel=FAX",
		"/notifications?type=ORDER_LOST", "/notifications?take=0",
		"/notifications?take=101", "/notifications?skip=-1", "/notifications?skip=x",
		"/notifications?userId=not-a-uuid",
	};
	char *tok = user_new(ROLE_CUSTOMER, NULL);
	for (size_t i = 0; i < T_NCASES(urls); i++) {
		struct resp rs;
		t_get(&rs, urls[i], tok);
		T_ERROR(&rs, 400, NULL);
		t_resp_free(&rs);
	}
	free(tok);
}

static void
list_another_users_403_admin_may(void)
{
	char a[37], url[160];
	char *ta = user_new(ROLE_CUSTOMER, a), *tb = user_new(ROLE_RESELLER, NULL);
	char *n1 = note_insert(a, "ORDER_SHIPPED", "EMAIL", "SENT", 10, 1);
	T_REQUIRE(n1 != NULL);
	snprintf(url, sizeof url, "/notifications?userId=%s", a);
	struct resp rs;
	t_get(&rs, url, tb);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	list_is(url, admin, 1, (const char *[]){ n1 }, 1);
	/* An admin who names nobody reads their own: none. */
	list_is("/notifications?type=ORDER_SHIPPED", admin, 0, NULL, 0);
	t_get(&rs, "/notifications", NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(ta); free(tb); free(n1);
}

static void
get_own_or_admin_else_404(void)
{
	char a[37], url[160];
	char *ta = user_new(ROLE_CUSTOMER, a), *tb = user_new(ROLE_CUSTOMER, NULL);
	char *n1 = note_insert(a, "PAYMENT_REFUNDED", "WHATSAPP", "SENT", 10, 1);
	T_REQUIRE(n1 != NULL);
	snprintf(url, sizeof url, "/notifications/%s", n1);
	const char *readers[] = { ta, admin };
	for (size_t i = 0; i < 2; i++) {
		struct resp rs;
		t_get(&rs, url, readers[i]);
		if (T_STATUS(&rs, 200)) {
			T_EQ_STR(t_jstr(rs.json, "id"), n1);
			T_EQ_STR(t_jstr(rs.json, "userId"), a);
			T_EQ_STR(t_jstr(rs.json, "channel"), "WHATSAPP");
			T_EQ_STR(t_jstr(rs.json, "recipient"), "+919800000001");
			T_JSON_EQ(&rs, "subject", "null");
			T_ASSERT(t_jstr(rs.json, "sentAt") != NULL);
		}
		t_resp_free(&rs);
	}
	struct resp rs;
	t_get(&rs, url, tb);                        /* another's: as if not there */
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/notifications/6f1c1e9e-0000-4000-8000-000000000000", admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	t_get(&rs, "/notifications/12345", ta);
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	t_get(&rs, url, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	free(ta); free(tb); free(n1);
}

static long
retry(struct resp *rs, const char *id, const char *tok)
{
	char url[160];
	snprintf(url, sizeof url, "/notifications/%s/retry", id);
	return t_http(rs, "POST", url, tok, NULL, NULL, 0, NULL);
}

/* The stack's sender (workers/sender.c), its supervisor and its child,
 * stopped (SIGSTOP) while a case looks at a row it would send at once,
 * and continued after (SIGCONT). */
static void
sender_pause(bool pause)
{
	pid_t pid = t_stack_pid("sender"), kids[T_MAXKIDS];
	if (pid <= 0)
		return;   /* no sender deployed */
	int n = t_children(pid, kids), sig = pause ? SIGSTOP : SIGCONT;
	kill(pid, sig);
	for (int i = 0; i < n; i++)
		kill(kids[i], sig);
}

static void
retry_failed_back_to_pending(void)
{
	char a[37];
	char *ta = user_new(ROLE_CUSTOMER, a);
	char *n1 = note_insert(a, "ORDER_PAID", "EMAIL", "FAILED", 3600, 6);
	T_REQUIRE(n1 != NULL);
	struct resp rs;
	sender_pause(true);
	retry(&rs, n1, admin);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "id"), n1);
		T_EQ_STR(t_jstr(rs.json, "status"), "PENDING");
		T_EQ_INT(t_jint(rs.json, "attempts", -1), 6);
		T_EQ_STR(t_jstr(rs.json, "lastError"), "550 mailbox unavailable");
	}
	t_resp_free(&rs);
	/* Due now for the sender, its attempts kept. */
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE id = $1 "
	    "AND status = 'PENDING' AND attempts = 6 AND next_attempt_at <= now()", n1, NULL), 1);
	/* A second retry finds it PENDING. */
	retry(&rs, n1, admin);
	T_ERROR(&rs, 409, "PENDING");
	t_resp_free(&rs);
	sender_pause(false);
	free(ta); free(n1);
}

static void
retry_not_failed_409_others_403(void)
{
	char a[37];
	char *ta = user_new(ROLE_CUSTOMER, a), *tr = user_new(ROLE_RESELLER, NULL);
	char *sent = note_insert(a, "ORDER_PAID", "SMS", "SENT", 10, 1);
	char *pending = note_insert(a, "ORDER_PAID", "WHATSAPP", "PENDING", 10, 0);
	char *failed = note_insert(a, "ORDER_PAID", "EMAIL", "FAILED", 10, 1);
	T_REQUIRE(sent && pending && failed);
	struct resp rs;
	retry(&rs, sent, admin);
	T_ERROR(&rs, 409, "SENT");
	t_resp_free(&rs);
	retry(&rs, pending, admin);
	T_ERROR(&rs, 409, "PENDING");
	t_resp_free(&rs);
	/* The owner and a reseller may not; the row stays FAILED. */
	retry(&rs, failed, ta);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	retry(&rs, failed, tr);
	T_ERROR(&rs, 403, NULL);
	t_resp_free(&rs);
	retry(&rs, failed, NULL);
	T_ERROR(&rs, 401, NULL);
	t_resp_free(&rs);
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE id = ANY "
	    "(ARRAY[$1, $2, $3]::uuid[]) AND status = CASE id WHEN $1::uuid THEN 'SENT' "
	    "WHEN $2::uuid THEN 'PENDING' ELSE 'FAILED' END", sent, pending, failed, NULL), 3);
	retry(&rs, "6f1c1e9e-0000-4000-8000-000000000000", admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	free(ta); free(tr); free(sent); free(pending); free(failed);
}

static const struct t_case cases[] = {
	T_CASE(list_own_newest_first),
	T_CASE(list_filters_and_paging),
	T_CASE(list_bad_query_400),
	T_CASE(list_another_users_403_admin_may),
	T_CASE(get_own_or_admin_else_404),
	T_CASE(retry_failed_back_to_pending),
	T_CASE(retry_not_failed_409_others_403),
};

const struct t_suite notification_notifications_suite = T_SUITE("notifications", cases);
