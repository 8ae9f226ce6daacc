/* it_share_link: the expiry job (cron): expired links deactivated and kept
 * a 410, visitor rows past the hour purged; the cron runner. */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* POSTs the expiry job on the internal listener. */
static long
expiry_job(struct resp *rs, const char *body)
{
	return t_job_post(rs, "share-link", "expire", body);
}

/* A link's isActive as its owner reads it: 1, 0, or -1. */
static int
active_of(const char *id)
{
	char *v = t_db_value(LINK_DB, "SELECT is_active::text FROM share_links WHERE id = $1", id,
	    (char *)NULL);
	int a = v == NULL ? -1 : strcmp(v, "true") == 0;
	free(v);
	return a;
}

/* The expiry job (cron): an expired link is deactivated and stays a 410,
 * a later expiresAt brings it back; links not expired and links their
 * owner deactivated are left alone; visitor rows past the hour go. */
static void
expiry_job_deactivates_and_purges(void)
{
	char exp[40], extra[200];
	struct link a, b, c, d;
	iso_in(exp, sizeof exp, 2);
	snprintf(extra, sizeof extra, "\"expiresAt\":\"%s\",", exp);
	T_REQUIRE(link_create(&seller_a, extra, &a) == 0);
	T_REQUIRE(link_create(&seller_a, extra, &d) == 0);
	T_REQUIRE(link_create(&seller_a, "", &b) == 0);
	iso_in(exp, sizeof exp, 3600);
	snprintf(extra, sizeof extra, "\"expiresAt\":\"%s\",", exp);
	T_REQUIRE(link_create(&seller_a, extra, &c) == 0);
	struct resp rs;
	char url[120];
	snprintf(url, sizeof url, "/share-links/%s", d.id);
	t_http(&rs, "DELETE", url, seller_a.token, NULL, NULL, 0, (char *)NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	/* b: a visitor counted two hours ago, and one now. */
	T_EQ_INT(t_db_write(LINK_DB, "INSERT INTO share_link_visitors (link_id, visitor, "
	    "counted_at) VALUES ($1, repeat('ab', 32), now() - interval '2 hours')", b.id,
	    (char *)NULL), 1);
	visit(&rs, b.code, "ua-expiry-job");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_sleep_ms(3100);

	expiry_job(&rs, NULL);
	if (T_STATUS(&rs, 200)) {
		T_EQ_STR(t_jstr(rs.json, "job"), "expire");
		T_ASSERT(t_jint(rs.json, "expired", -1) >= 1);
		T_ASSERT(t_jint(rs.json, "visitorsPurged", -1) >= 1);
		T_JSON_EQ(&rs, "more", "false");
	}
	t_resp_free(&rs);
	T_EQ_INT(active_of(a.id), 0);
	T_EQ_INT(active_of(b.id), 1);
	T_EQ_INT(active_of(c.id), 1);
	T_EQ_INT(active_of(d.id), 0);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_links WHERE id IN ($1, $2) "
	    "AND expired_at IS NOT NULL", a.id, d.id, (char *)NULL), 1);
	T_EQ_INT(t_db_count(LINK_DB, "SELECT count(*) FROM share_link_visitors WHERE link_id = $1",
	    b.id, (char *)NULL), 1);
	/* Deactivated by expiry, it is still "expired" to visitors and orders. */
	visit(&rs, a.code, "ua-expiry-job");
	T_ERROR(&rs, 410, "expired");
	t_resp_free(&rs);
	/* A second run finds nothing to do. */
	expiry_job(&rs, NULL);
	if (T_STATUS(&rs, 200)) {
		T_JSON_EQ(&rs, "expired", "0");
		T_JSON_EQ(&rs, "visitorsPurged", "0");
	}
	t_resp_free(&rs);
	/* A later expiresAt brings an expired link back, not one its owner
	 * deactivated. */
	snprintf(extra, sizeof extra, "{\"expiresAt\":\"%s\"}", exp);
	link_patch(&rs, seller_a.token, a.id, extra);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "true");
	t_resp_free(&rs);
	visit(&rs, a.code, "ua-expiry-job");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	link_patch(&rs, seller_a.token, d.id, extra);
	if (T_STATUS(&rs, 200))
		T_JSON_EQ(&rs, "isActive", "false");
	t_resp_free(&rs);
	visit(&rs, d.code, "ua-expiry-job");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);

	/* It takes no body, and the public port does not have it. */
	expiry_job(&rs, "{\"limit\":5}");
	T_ERROR(&rs, 400, "no body");
	t_resp_free(&rs);
	t_send_json(&rs, "POST", "/internal/share-link/jobs/expire", admin, "{}");
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
}

/* cron/job.c, the runner cron calls: the job's answer and exit 0; another
 * answer 1, a bad name 2, no listener 3. */
static void
cron_job_runner(void)
{
	char out[2048], env[400];
	snprintf(env, sizeof env, "INTERNAL_URL='%s'", t_env("INTERNAL_URL"));
	T_EQ_INT(t_cron_job(env, "share-link expire", out, sizeof out), 0);
	T_ASSERT(strstr(out, "\"job\":\"expire\"") != NULL);
	T_EQ_INT(t_cron_job(env, "share-link no-such-job", out, sizeof out), 1);
	T_EQ_INT(t_cron_job(env, "'share-link' '../x'", out, sizeof out), 2);
	T_EQ_INT(t_cron_job(env, "share-link", out, sizeof out), 2);
	T_EQ_INT(t_cron_job("INTERNAL_URL=http://127.0.0.1:9", "share-link expire", out, sizeof out),
	    3);
}

static const struct t_case cases[] = {
	T_CASE(expiry_job_deactivates_and_purges),
	T_CASE(cron_job_runner),
};

const struct t_suite share_link_expiry_suite = T_SUITE("expiry", cases);
