#include "idem.h"
#include "crypto.h"
#include "db.h"
#include "config.h"
#include "log.h"
#include <string.h>

const struct stmt idem_stmts[] = {
	/* Claims the key with $4 as the id of what the request will create.
	 * A key older than 24 hours is claimed anew (and takes $4); one whose
	 * first request, the same request, died without an answer $5 seconds
	 * ago (IDEM_STALE_SECONDS) is claimed again but keeps its id, so the
	 * retry finds what the first attempt made.  reclaimed: that case. */
	{ "idem_claim",
	  "INSERT INTO idempotency_keys AS k (owner_id, key, request_hash, resource_id) "
	  "VALUES ($1, $2, $3, $4) ON CONFLICT (owner_id, key) DO UPDATE "
	  "SET request_hash = EXCLUDED.request_hash, status = NULL, response = NULL, "
	  "resource_id = CASE WHEN k.created_at < now() - interval '24 hours' "
	  "OR k.resource_id IS NULL THEN EXCLUDED.resource_id ELSE k.resource_id END, "
	  "created_at = now() "
	  "WHERE k.created_at < now() - interval '24 hours' "
	  "OR (k.status IS NULL AND k.request_hash = EXCLUDED.request_hash "
	  "AND k.created_at < now() - make_interval(secs => $5::int)) "
	  "RETURNING k.resource_id, k.resource_id <> $4::uuid AS reclaimed", 5, false },
	{ "idem_get",
	  "SELECT request_hash, status, response, resource_id FROM idempotency_keys "
	  "WHERE owner_id = $1 AND key = $2", 2, false },
	{ "idem_store",
	  "UPDATE idempotency_keys SET status = $3, response = $4 "
	  "WHERE owner_id = $1 AND key = $2", 4, false },
	{ "idem_free",
	  "DELETE FROM idempotency_keys WHERE owner_id = $1 AND key = $2 "
	  "AND status IS NULL", 2, false },
};
const size_t idem_nstmts = sizeof idem_stmts / sizeof idem_stmts[0];

static bool
key_valid(const char *k)
{
	size_t n = strlen(k);
	if (n == 0 || n > 255)
		return false;
	for (const char *p = k; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return true;
}

static long
stale_seconds(void)
{
	static long v = -1;
	if (v < 0)
		v = config_long("IDEM_STALE_SECONDS", 60);
	return v;
}

/* A retry of a request that has no stored answer: what the first attempt
 * made, if found() finds it, is the answer.  1 answered, 0 not found,
 * -1 answered an error. */
static int
replay_found(struct req *r, idem_found_fn found)
{
	if (found == NULL)
		return 0;
	int rc = found(r, r->idem_id);
	if (rc == 1)
		reply_header(r, "Idempotent-Replayed", "true");
	return rc;
}

/* The key is taken: replay, 422 or 409.  Returns 0 (answered). */
static int
replay_or_refuse(struct req *r, const char *key, const char *hash, idem_found_fn found)
{
	PGresult *prev = db_exec_or_reply(r, &idem_stmts[1], (const char *[]){ r->user.sub, key });
	if (prev == NULL)
		return -1;
	if (PQntuples(prev) != 1) {
		reply_error(r, 409, "a request with this Idempotency-Key is being processed; retry");
		return 0;
	}
	if (strcmp(db_get(prev, 0, "request_hash"), hash) != 0) {
		reply_error(r, 422, "Idempotency-Key was already used for a different request");
		return 0;
	}
	if (db_isnull(prev, 0, "status")) {
		/* Still running, or died after its work committed: what it
		 * made is its answer. */
		const char *id = db_get(prev, 0, "resource_id");
		if (id != NULL) {
			r->idem_id = arena_strdup(r->a, id);
			int rc = replay_found(r, found);
			if (rc != 0)
				return rc < 0 ? -1 : 0;
		}
		reply_error(r, 409, "a request with this Idempotency-Key is being processed; retry");
		return 0;
	}
	struct buf body = { 0 };
	const char *resp = db_get(prev, 0, "response");
	if (resp != NULL)
		buf_adds(&body, resp);
	reply_header(r, "Idempotent-Replayed", "true");
	reply_json(r, (int)db_get_ll(prev, 0, "status"), &body);
	buf_free(&body);
	r->idem_done = true;
	return 0;
}

int
idem_begin_found_or_reply(struct req *r, idem_found_fn found)
{
	char fresh[37];
	crypto_uuid4(fresh);
	r->idem_id = arena_strdup(r->a, fresh);
	const char *key = req_header(r, "HTTP_IDEMPOTENCY_KEY");
	if (key == NULL)
		return 1;
	if (!key_valid(key)) {
		reply_error(r, 400, "Idempotency-Key must be 1 to 255 visible ASCII characters");
		return -1;
	}
	if (!r->authed) {
		reply_error(r, 401, "Idempotency-Key needs an authenticated caller");
		return -1;
	}
	struct buf b = { 0 };
	buf_printf(&b, "%s\n%s\n", r->method, r->path);
	buf_add(&b, r->body, r->body_len);
	char hash[65];
	crypto_sha256_hex(b.p, b.len, hash);
	buf_free(&b);

	const char *p[] = { r->user.sub, key, hash, fresh, db_int(r, stale_seconds()) };
	PGresult *res = db_exec_or_reply(r, &idem_stmts[0], p);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1)
		return replay_or_refuse(r, key, hash, found);
	r->idem_key = arena_strdup(r->a, key);
	r->idem_id = arena_strdup(r->a, db_get(res, 0, "resource_id"));
	if (db_get_bool(res, 0, "reclaimed")) {
		log_warn("idempotency key of %s reclaimed after its first request died "
		    "unanswered; resource %s", r->user.sub, r->idem_id);
		int rc = replay_found(r, found);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	return 1;
}

int
idem_begin_or_reply(struct req *r)
{
	return idem_begin_found_or_reply(r, NULL);
}

static int
store(struct req *r)
{
	enum db_err err;
	const char *p[] = { r->user.sub, r->idem_key, db_int(r, r->status),
	    r->out.p ? r->out.p : "" };
	if (db_exec(r, &idem_stmts[2], p, &err) == NULL) {
		log_warn("could not store the idempotent response");
		return -1;
	}
	return 0;
}

int
idem_commit_or_reply(struct req *r)
{
	int status = r->status;
	if (r->idem_key != NULL && status >= 200 && status < 300 && store(r) != 0) {
		reply_reset(r);
		reply_error(r, 503, "could not record the answer, try again");
		return -1;
	}
	if (db_commit(r) != 0) {
		reply_reset(r);
		reply_error(r, 503, "could not commit, try again");
		return -1;
	}
	if (r->idem_key != NULL && status >= 200 && status < 300)
		r->idem_done = true;
	return 0;
}

void
idem_finish(struct req *r)
{
	if (r->idem_key == NULL || r->idem_done) {
		r->idem_key = NULL;
		return;
	}
	enum db_err err;
	if (r->status >= 200 && r->status < 500 && r->status != 409) {
		store(r);
	} else {
		/* A failure the client may retry: free the key. */
		if (db_exec(r, &idem_stmts[3], (const char *[]){ r->user.sub, r->idem_key }, &err) == NULL)
			log_warn("could not free an idempotency key");
	}
	r->idem_key = NULL;
}
