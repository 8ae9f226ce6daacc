/* POST /internal/share-link/jobs/expire: the expiry job (cron/README.md).
 *
 * Deactivates every active link whose expiresAt has passed (marked
 * expired_at: a later expiresAt brings it back, links.c), and deletes
 * visitor rows past the hour, which no longer decide whether a click
 * counts.  Both are idempotent; two runs at once are harmless (the update
 * takes each link once, the delete skips nothing it must keep).  Answers
 * {"job":"expire","expired":n,"visitorsPurged":m,"more":bool}; "more": the
 * purge stopped at its batch limit, the next run goes on. */
#include "share_link.h"
#include "log.h"
#include <stdio.h>
#include <stdlib.h>

/* Visitor rows deleted per run; one statement, so the lock is short. */
#define PURGE_BATCH 50000

void
jobs_expire(struct req *r)
{
	if (r->body_len > 0) {
		reply_error(r, 400, "this job takes no body");
		return;
	}
	PGresult *res = db_exec_or_reply(r, S(S_JOB_EXPIRE), NULL);
	if (res == NULL)
		return;
	int expired = PQntuples(res);
	char batch[16];
	snprintf(batch, sizeof batch, "%d", PURGE_BATCH);
	res = db_exec_or_reply(r, S(S_JOB_PURGE_VISITORS), (const char *[]){ batch });
	if (res == NULL)
		return;
	long purged = atol(PQcmdTuples(res));
	if (expired > 0 || purged > 0)
		log_info("expiry job: %d links expired, %ld visitor rows purged", expired, purged);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "job", "expire");
	jw_kint(&w, "expired", expired);
	jw_kint(&w, "visitorsPurged", purged);
	jw_kbool(&w, "more", purged >= PURGE_BATCH);
	jw_obj_close(&w);
	reply_w(r, 200);
}
