/* The share-link service: a reseller's links to the shop (optionally to one
 * product at their own price), their clicks and the orders placed through
 * them, on share_link_db.
 *
 * A link's code is random and URL-safe; GET /share-links/:code is public
 * and counts one click per visitor per link per hour.  Conversions and
 * revenue come from the order and payment services' events.  An expired
 * link is answered 410 at read time; the expiry job (jobs.c, run by cron)
 * also deactivates it.  Money is int64 paise.  The rules are logic.c's
 * (plain functions, unit-tested); the handlers do the I/O. */
#ifndef SHARE_LINK_H
#define SHARE_LINK_H
#include "db.h"
#include "json.h"
#include "req.h"
#include "router.h"
#include "logic.h"
#include <stdbool.h>
#include <stdint.h>

enum share_link_stmt {
	S_LINK_INSERT,
	S_LINK_BY_CODE,
	S_LINK_BY_ID,
	S_LINK_LIST,
	S_LINK_UPDATE,
	S_LINK_CLICK,
	S_LINK_STATS,
	S_ORDER_CREATED,
	S_ORDER_PAID,
	S_ORDER_CANCELLED,
	S_ORDER_REFUNDED,
	S_JOB_EXPIRE,
	S_JOB_PURGE_VISITORS,
	S__MAX
};
extern const struct stmt share_link_stmts[S__MAX];
#define S(id) (&share_link_stmts[id])

/* Timestamps leave as ISO 8601 UTC with milliseconds. */
#define ISO(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/* A link's columns, as every statement returning a link reads them;
 * "expired" is decided by the database's clock. */
#define LINK_COLS \
	"l.id, l.code, l.seller_id, l.product_id, l.seller_price, l.currency, " \
	"l.is_active, " ISO("l.expires_at") " AS expires_at, " \
	"(l.expires_at IS NOT NULL AND l.expires_at <= now()) AS expired, " \
	ISO("l.created_at") " AS created_at, " ISO("l.updated_at") " AS updated_at"

/* ---- links.c: the link document, create, list, change ---- */

/* Writes row of a LINK_COLS result as the link document (with its url);
 * json_link_members writes its members into an object the caller opened. */
void json_link_put(struct jw *w, const PGresult *res, int row);
void json_link_members(struct jw *w, const PGresult *res, int row);
/* The link S_LINK_BY_ID or S_LINK_BY_CODE finds for key when it can be
 * used (ordered through, visited), or NULL after answering 404 (unknown or
 * inactive), 410 (expired) or 503. */
PGresult *live_link_or_reply(struct req *r, enum share_link_stmt s, const char *key);
/* Reads SHARE_BASE_URL; 0, or -1 when it is not an http(s) URL. */
int links_config(void);

void links_create(struct req *r);          /* POST /share-links */
void links_list(struct req *r);            /* GET /share-links */
extern const struct qparam links_list_query[];
void links_update(struct req *r);          /* PATCH /share-links/:id */
void links_delete(struct req *r);          /* DELETE /share-links/:id */
void links_internal_get(struct req *r);    /* GET /internal/share-link/links/:id */

/* ---- visits.c: the public page of a link ---- */
void links_visit(struct req *r);           /* GET /share-links/:code */
/* Counts the visit of r to link (row 0 of a LINK_COLS result) as a click
 * when it is one: one per visitor per link per hour, not the seller's
 * own.  0, or -1 after answering 503/500. */
int link_click_or_reply(struct req *r, const PGresult *link);

/* ---- page.c: the share page, HTML ---- */
void links_page(struct req *r);            /* GET /share/:code */
/* Reads STOREFRONT_URL; 0, or -1 when it is set and not a template
 * link_storefront_ok accepts. */
int page_config(void);
/* The share url of a link with code (SHARE_BASE_URL, "/", code), in a's
 * memory (links.c). */
const char *link_url(struct arena *a, const char *code);

/* ---- stats.c ---- */
void links_stats(struct req *r);           /* GET /share-links/:code/stats */
void share_link_events(struct req *r);     /* POST /internal/share-link/events */

/* POST /internal/share-link/jobs/expire (jobs.c). */
void jobs_expire(struct req *r);

/* GET /internal/<service>/audit's statement (audit.c) */
extern const struct stmt share_link_audit;

#endif
