#include "idem.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include <string.h>

const struct stmt idem_stmts[] = {
	/* Claims the key; a key older than 24 hours, or one whose first
	 * request died without an answer a minute ago, is claimed anew. */
	{ "idem_claim",
	  "INSERT INTO idempotency_keys AS k (owner_id, key, request_hash) "
	  "VALUES ($1, $2, $3) ON CONFLICT (owner_id, key) DO UPDATE "
	  "SET request_hash = EXCLUDED.request_hash, status = NULL, response = NULL, "
	  "created_at = now() "
	  "WHERE k.created_at < now() - interval '24 hours' "
	  "OR (k.status IS NULL AND k.created_at < now() - interval '60 seconds') "
	  "RETURNING k.key", 3, false },
	{ "idem_get",
	  "SELECT request_hash, status, response FROM idempotency_keys "
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

int
idem_begin_or_reply(struct req *r)
{
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

	const char *p[] = { r->user.sub, key, hash };
	PGresult *res = db_exec_or_reply(r, &idem_stmts[0], p);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		r->idem_key = arena_strdup(r->a, key);
		return 1;
	}
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
	return 0;
}

void
idem_finish(struct req *r)
{
	if (r->idem_key == NULL)
		return;
	enum db_err err;
	if (r->status >= 200 && r->status < 500 && r->status != 409) {
		const char *p[] = { r->user.sub, r->idem_key, db_int(r, r->status),
		    r->out.p ? r->out.p : "" };
		if (db_exec(r, &idem_stmts[2], p, &err) == NULL)
			log_warn("could not store the idempotent response");
	} else {
		/* A failure the client may retry: free the key. */
		if (db_exec(r, &idem_stmts[3], (const char *[]){ r->user.sub, r->idem_key }, &err) == NULL)
			log_warn("could not free an idempotency key");
	}
	r->idem_key = NULL;
}
