/* The wallet's scheduled jobs (cron/README.md), internal listener only.
 *
 * POST /internal/wallet/jobs/release: every commission whose hold has
 * passed (delivered COMMISSION_HOLD_DAYS ago) becomes available, less what
 * the wallet owes, through order_reconcile (events.c).  One transaction
 * per order; the order row is taken FOR UPDATE SKIP LOCKED, so two runs at
 * once (or a run and an event for the same order) never release one twice.
 * At most RELEASE_MAX orders or JOBS_RUN_SECONDS a run; "more": the next run
 * goes on.  {"job":"release","released":n,"more":bool}
 *
 * POST /internal/wallet/jobs/settle: approved payouts are paid by a bank
 * settlement file.  First, in one statement, up to SETTLE_MAX APPROVED
 * payouts become COMPLETED with a new batch id (skipping rows another run
 * holds); then each batch whose file is not yet written gets
 * <WALLET_SETTLEMENT_DIR>/settlement-<batch>.csv, written to a temporary
 * file, fsynced and renamed into place, and is marked written (its text
 * cells guarded against spreadsheet formulas, wallet_csv_text in logic.c).  Why a
 * payout cannot be paid twice: it leaves APPROVED, and gets its batch,
 * before any file names it, and a file holds exactly one batch's payouts;
 * if the run dies before the file is written, the next run writes that
 * batch's file (the same name, the same rows), and a rewrite after a crash
 * between the rename and the mark replaces the file rather than adding
 * one.  The cost of that order is the opposite failure: a batch marked
 * COMPLETED whose file could not be written (disk full) is retried by every
 * run and logged until it is.
 * {"job":"settle","completed":n,"files":["settlement-<batch>.csv",...]}
 *
 * With RAZORPAYX_ACCOUNT_NUMBER set, approved payouts go out through
 * RazorpayX Payouts instead (razorpayx.c). */
#include "wallet.h"
#include "clock.h"
#include "config.h"
#include "crypto.h"
#include "log.h"
#include "money.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RELEASE_MAX 1000
#define SETTLE_MAX 500
#define FILES_MAX 20

static char settle_dir[512];

int
jobs_config(void)
{
	const char *var = config_str("VAR_DIR", "var");
	char def[512];
	snprintf(def, sizeof def, "%s/settlements", var);
	const char *d = config_str("WALLET_SETTLEMENT_DIR", def);
	if (d[0] == '\0' || strlen(d) >= sizeof settle_dir - 64) {
		fprintf(stderr, "wallet: WALLET_SETTLEMENT_DIR must be a directory path of at most "
		    "%zu characters\n", sizeof settle_dir - 64);
		return -1;
	}
	snprintf(settle_dir, sizeof settle_dir, "%s", d);
	return 0;
}

void
jobs_release(struct req *r)
{
	if (r->body_len > 0) {
		reply_error(r, 400, "this job takes no body");
		return;
	}
	double end = mono_s() + JOBS_RUN_SECONDS;
	int n = 0;
	bool more = false;
	for (;;) {
		if (n >= RELEASE_MAX || mono_s() > end) {
			more = true;
			break;
		}
		if (db_begin(r) != 0)
			return;
		PGresult *res = db_exec_or_reply(r, W(W_JOB_RELEASE_NEXT), NULL);
		if (res == NULL)
			return;
		if (PQntuples(res) == 0)
			break;
		if (order_reconcile(r, res) != 0 || db_commit(r) != 0)
			return;
		n++;
	}
	if (n > 0)
		log_info("release job: %d commissions released", n);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_kstr(&w, "job", "release");
	jw_kint(&w, "released", n);
	jw_kbool(&w, "more", more);
	jw_obj_close(&w);
	reply_w(r, 200);
}

/* The file of a batch's payouts (res), atomically at settle_dir/name.
 * 0, or -1 (logged). */
static int
settle_write(const PGresult *res, const char *name)
{
	struct buf b = { 0 };
	buf_adds(&b, "payoutId,sellerId,amount,currency,bankAccount,notes\r\n");
	for (int i = 0; i < PQntuples(res); i++) {
		char amount[32];
		money_format(db_get_ll(res, i, "amount"), amount, sizeof amount);
		buf_printf(&b, "%s,%s,%s,%s,", db_get(res, i, "id"), db_get(res, i, "seller_id"),
		    amount, db_get(res, i, "currency"));
		wallet_csv_text(&b, db_get(res, i, "bank_account"));
		buf_addc(&b, ',');
		wallet_csv_text(&b, db_get(res, i, "notes"));
		buf_adds(&b, "\r\n");
	}
	char tmp[sizeof settle_dir + 128], path[sizeof settle_dir + 128];
	snprintf(path, sizeof path, "%s/%s", settle_dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", settle_dir, name, (long)getpid());
	int rc = -1, fd = -1;
	if (mkdir(settle_dir, 0700) != 0 && errno != EEXIST) {
		log_err("could not create %s: %s", settle_dir, strerror(errno));
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_err("could not create %s: %s", tmp, strerror(errno));
		goto out;
	}
	size_t off = 0;
	while (off < b.len) {
		ssize_t k = write(fd, b.p + off, b.len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			log_err("could not write %s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)k;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		log_err("could not write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		log_err("could not rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	int dfd = open(settle_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	buf_free(&b);
	return rc;
}

/* Writes the next batch whose file is missing: 1 written, 0 none left,
 * -1 after answering. */
static int
settle_next_file(struct req *r, struct jw *files)
{
	if (db_begin(r) != 0)
		return -1;
	PGresult *res = db_exec_or_reply(r, W(W_SETTLE_NEXT_FILE), NULL);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0)
		return 0;
	const char *batch = db_get(res, 0, "id");
	const char *name = arena_printf(r->a, "settlement-%s.csv", batch);
	if ((res = db_exec_or_reply(r, W(W_SETTLE_ROWS), (const char *[]){ batch })) == NULL)
		return -1;
	if (settle_write(res, name) != 0) {
		reply_error(r, 500, "could not write the settlement file of batch %s", batch);
		return -1;
	}
	const char *path = arena_printf(r->a, "%s/%s", settle_dir, name);
	if (db_exec_or_reply(r, W(W_SETTLE_WRITTEN), (const char *[]){ batch, path }) == NULL ||
	    db_commit(r) != 0)
		return -1;
	log_info("settlement file %s written: %d payouts", path, PQntuples(res));
	jw_str(files, name);
	return 1;
}

void
jobs_settle(struct req *r)
{
	if (r->body_len > 0) {
		reply_error(r, 400, "this job takes no body");
		return;
	}
	if (rzpx_enabled()) {
		rzpx_settle(r);
		return;
	}
	char batch[37], limit[16];
	crypto_uuid4(batch);
	snprintf(limit, sizeof limit, "%d", SETTLE_MAX);
	PGresult *res = db_exec_or_reply(r, W(W_SETTLE_CLAIM), (const char *[]){ batch, limit });
	if (res == NULL)
		return;
	int completed = PQntuples(res);
	if (completed > 0)
		log_info("settle job: %d payouts completed in batch %s", completed, batch);
	/* The files are written into a list kept apart from the answer, which
	 * is only started once every file is done. */
	struct buf names = { 0 };
	struct jw files;
	jw_init(&files, &names);
	jw_arr_open(&files);
	int rc = 1;
	for (int i = 0; i < FILES_MAX && rc == 1; i++)
		rc = settle_next_file(r, &files);
	jw_arr_close(&files);
	if (rc >= 0) {
		struct jw w;
		req_writer(r, &w);
		jw_obj_open(&w);
		jw_kstr(&w, "job", "settle");
		jw_kstr(&w, "via", "file");
		jw_kint(&w, "completed", completed);
		jw_key(&w, "files");
		jw_raw(&w, names.p);
		jw_kbool(&w, "more", completed >= SETTLE_MAX || rc == 1);
		jw_obj_close(&w);
		reply_w(r, 200);
	}
	buf_free(&names);
}
