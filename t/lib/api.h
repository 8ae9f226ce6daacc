/* Steps through the services' APIs that several suites take: tokens and
 * users, products and their stock, an order's status, events and jobs on
 * the internal listener (INTERNAL_URL).  The purchase path through the
 * Razorpay stand-in is in pay.h. */
#ifndef T_API_H
#define T_API_H
#include "token.h"

struct resp;

/* A token signed with JWT_SECRET (or with key when not NULL), issued
 * `age` seconds ago, valid for ttl seconds from then.  Refresh tokens get
 * random jti and fam.  malloc'd. */
char *t_mint(const char *sub, const char *email, enum role role, enum token_type typ,
    long ttl, long age, const char *key);
/* An access token of role for this run's own id
 * (00000000-0000-4000-8000-<pid>), valid for an hour: the admin (or the
 * unregistered customer or reseller) of a suite.  malloc'd. */
char *t_token(enum role role, const char *email);

/* A user registered through POST /auth/register with role ("CUSTOMER",
 * "RESELLER") and a unique e-mail starting with prefix: its access token
 * and id (malloc'd; t_user_free), or both NULL after printing why. */
struct t_user {
	char *token;
	char *id;
};
struct t_user t_register(const char *role, const char *prefix);
void t_user_free(struct t_user *u);

/* POSTs json to url as token and checks the answer is 201: the new
 * thing's "id" (malloc'd), or NULL after recording the failure. */
char *t_create(const char *url, const char *token, const char *json);

/* POST /products as token of {"name":"<unique, starting with prefix>",
 * members} (members: "\"basePrice\":1000.00,\"stock\":5"); checks the 201.
 * Its id and, when variant is not NULL, its first variant's (malloc'd), or
 * NULL after recording the failure. */
char *t_product_new(const char *token, const char *prefix, const char *members,
    char **variant);
/* A variant's stock in product_db, or -1. */
long long t_stock(const char *variant);
/* The stock of the product's first variant as GET /products/:id shows it,
 * or -1. */
long long t_product_stock(const char *product);

/* PATCH /orders/:id/status as token to status, with notes when not NULL. */
long t_order_status_set(struct resp *rs, const char *token, const char *id,
    const char *status, const char *notes);

/* Posts an event envelope to INTERNAL_URL/internal/<service>/events as the
 * relay does (attempt 1) from source ("order", "payment", ...); payload is
 * a JSON object.  t_event_post: from "order". */
long t_event_send(struct resp *rs, const char *service, const char *source,
    const char *event_id, const char *type, const char *payload);
long t_event_post(struct resp *rs, const char *service, const char *event_id,
    const char *type, const char *payload);

/* POST INTERNAL_URL/internal/<service>/jobs/<job>, with the JSON body
 * (NULL: none), as cron does. */
long t_job_post(struct resp *rs, const char *service, const char *job, const char *body);

#endif
