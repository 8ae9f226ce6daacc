/* common/router.c: declared query parameters (router_query_or_reply).
 *
 * Behaviour pinned here: every type's parse and its 400 message (the ones
 * the handlers gave when they parsed by hand); an empty value counts as
 * none; the first occurrence of a name wins; undeclared parameters are
 * ignored; values are URL-decoded; the first bad parameter in declaration
 * order is the one named; QP_OWNER gives an admin the id asked for (or
 * NULL) and anyone else their own id, another's being 403; r->q is cleared
 * on every call; a list longer than REQ_MAX_QUERY is a 500. */
#include "../lib/t.h"
#include "router.h"
#include <stdio.h>
#include <string.h>

#define ME "0A1B2C3D-0000-4000-8000-00000000BEEF"
#define ME_LOWER "0a1b2c3d-0000-4000-8000-00000000beef"
#define OTHER "5f0c1a9e-0000-4000-8000-00000000dead"

static const char *const statuses[] = { "PENDING", "PAID", "SHIPPED", "DELIVERED",
	"CANCELLED", NULL };

enum { Q_SKIP, Q_TAKE, Q_USER, Q_STATUS, Q_ACTIVE, Q_TEXT, Q_SELLER, Q_GRACE, Q__MAX };
static const struct qparam decl[Q__MAX + 1] = {
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
	[Q_USER] = { "userId", QP_UUID, 0, 0, 0, NULL },
	[Q_STATUS] = { "status", QP_ENUM, 0, 0, 0, statuses },
	[Q_ACTIVE] = { "isActive", QP_BOOL, 0, 0, 0, NULL },
	[Q_TEXT] = { "q", QP_TEXT, 0, 100, 0, NULL },
	[Q_SELLER] = { "sellerId", QP_OWNER, 0, 0, 0, NULL },
	[Q_GRACE] = { "graceSeconds", QP_INT, 0, 2592000, 300, NULL },
};

static struct req r;

static int
setup(void)
{
	memset(&r, 0, sizeof r);
	r.a = arena_new(16 * 1024);
	return r.a == NULL;
}

static int
teardown(void)
{
	buf_free(&r.out);
	arena_free(r.a);
	return 0;
}

/* A fresh request with query string qs from a caller of role `role`
 * (sub ME), checked against d.  The return of router_query_or_reply. */
static int
run_as(const char *qs, enum role role, const struct qparam *d)
{
	struct arena *a = r.a;
	struct buf out = r.out;
	arena_reset(a);
	buf_reset(&out);
	memset(&r, 0, sizeof r);
	r.a = a;
	r.out = out;
	r.path = "/test";
	r.query = qs;
	r.authed = true;
	r.user.role = role;
	snprintf(r.user.sub, sizeof r.user.sub, "%s", ME);
	return router_query_or_reply(&r, d);
}

static int
run(const char *qs)
{
	return run_as(qs, ROLE_ADMIN, decl);
}

/* The answer is status with exactly this message. */
static bool
answered(int status, const char *message, const char *file, int line)
{
	char want[300];
	snprintf(want, sizeof want, "\"message\":\"%s\"", message);
	const char *body = r.out.p ? r.out.p : "";
	return t_check(r.status == status && strstr(body, want) != NULL, file, line,
	    "query \"%s\": got %d %s, expected %d with %s", r.query, r.status, body, status,
	    want);
}
#define REFUSED(qs, status, message) do { \
	T_EQ_INT(run(qs), -1); \
	answered((status), (message), __FILE__, __LINE__); \
} while (0)
#define ACCEPTED(qs) do { \
	int rc_ = run(qs); \
	t_check(rc_ == 0 && r.status == 0, __FILE__, __LINE__, "query \"%s\": %d %d %s", \
	    (qs), rc_, r.status, r.out.p ? r.out.p : ""); \
} while (0)

static void
query_absent_gives_defaults(void)
{
	ACCEPTED("");
	T_EQ_INT(r.q[Q_SKIP].i, 0);
	T_EQ_INT(r.q[Q_TAKE].i, 20);
	T_EQ_INT(r.q[Q_GRACE].i, 300);
	T_ASSERT(!r.q[Q_SKIP].set && !r.q[Q_TAKE].set && !r.q[Q_STATUS].set);
	T_EQ_STR(r.q[Q_USER].s, NULL);
	T_EQ_STR(r.q[Q_STATUS].s, NULL);
	T_EQ_STR(r.q[Q_ACTIVE].s, NULL);
	T_EQ_STR(r.q[Q_TEXT].s, NULL);
	T_EQ_STR(r.q[Q_SELLER].s, NULL);     /* an admin: everyone's */
}

static void
query_empty_values_are_absent(void)
{
	ACCEPTED("skip=&take=&userId=&status=&isActive=&q=&sellerId=&graceSeconds");
	T_EQ_INT(r.q[Q_SKIP].i, 0);
	T_EQ_INT(r.q[Q_TAKE].i, 20);
	T_EQ_INT(r.q[Q_GRACE].i, 300);
	T_ASSERT(!r.q[Q_TAKE].set && !r.q[Q_USER].set && !r.q[Q_TEXT].set);
	T_EQ_STR(r.q[Q_STATUS].s, NULL);
	T_EQ_STR(r.q[Q_SELLER].s, NULL);
}

static void
query_int_in_bounds(void)
{
	ACCEPTED("skip=1000000&take=100");
	T_EQ_INT(r.q[Q_SKIP].i, 1000000);
	T_EQ_INT(r.q[Q_TAKE].i, 100);
	T_ASSERT(r.q[Q_SKIP].set && r.q[Q_TAKE].set);
	ACCEPTED("skip=0&take=1&graceSeconds=0");
	T_EQ_INT(r.q[Q_TAKE].i, 1);
	T_EQ_INT(r.q[Q_GRACE].i, 0);
	ACCEPTED("take=007");
	T_EQ_INT(r.q[Q_TAKE].i, 7);
}

static void
query_int_bad_400(void)
{
	static const char *const bad[] = { "take=0", "take=101", "take=-1", "take=abc",
		"take=1.5", "take=10abc", "take=%2B5", "take=+5", "take=%205", "take=1e2",
		"take=99999999999999999999", "take=-", "take=0x10" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		REFUSED(bad[i], 400, "take must be an integer between 1 and 100");
	REFUSED("skip=-1", 400, "skip must be an integer between 0 and 1000000");
	REFUSED("skip=1000001", 400, "skip must be an integer between 0 and 1000000");
	REFUSED("graceSeconds=-5", 400, "graceSeconds must be an integer between 0 and 2592000");
}

static void
query_uuid_lowered_bad_400(void)
{
	ACCEPTED("userId=" ME);
	T_EQ_STR(r.q[Q_USER].s, ME_LOWER);
	T_ASSERT(r.q[Q_USER].set);
	REFUSED("userId=nope", 400, "userId must be a UUID");
	REFUSED("userId=" OTHER "0", 400, "userId must be a UUID");
	REFUSED("userId=5f0c1a9e_0000-4000-8000-00000000dead", 400, "userId must be a UUID");
}

static void
query_enum_exact_bad_400(void)
{
	ACCEPTED("status=PAID");
	T_EQ_STR(r.q[Q_STATUS].s, "PAID");
	T_EQ_INT(r.q[Q_STATUS].i, 1);
	ACCEPTED("status=CANCELLED");
	T_EQ_INT(r.q[Q_STATUS].i, 4);
	static const char *const bad[] = { "status=paid", "status=LOST", "status=PAID%20",
		"status=PENDINGX" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		REFUSED(bad[i], 400, "status must be one of PENDING, PAID, SHIPPED, DELIVERED, "
		    "CANCELLED");
}

static void
query_bool_bad_400(void)
{
	ACCEPTED("isActive=true");
	T_ASSERT(r.q[Q_ACTIVE].b);
	T_EQ_STR(r.q[Q_ACTIVE].s, "true");
	ACCEPTED("isActive=false");
	T_ASSERT(!r.q[Q_ACTIVE].b && r.q[Q_ACTIVE].set);
	T_EQ_STR(r.q[Q_ACTIVE].s, "false");
	REFUSED("isActive=maybe", 400, "isActive must be true or false");
	REFUSED("isActive=TRUE", 400, "isActive must be true or false");
	REFUSED("isActive=1", 400, "isActive must be true or false");
}

static void
query_text_decoded_bounded(void)
{
	ACCEPTED("q=cotton+shirt%21");
	T_EQ_STR(r.q[Q_TEXT].s, "cotton shirt!");
	char qs[160];
	snprintf(qs, sizeof qs, "q=%0100d", 0);
	ACCEPTED(qs);
	T_EQ_INT((long long)strlen(r.q[Q_TEXT].s), 100);
	snprintf(qs, sizeof qs, "q=%0101d", 0);
	REFUSED(qs, 400, "q must be at most 100 characters");
}

static void
query_first_occurrence_wins(void)
{
	ACCEPTED("take=5&take=abc");
	T_EQ_INT(r.q[Q_TAKE].i, 5);
	REFUSED("take=abc&take=5", 400, "take must be an integer between 1 and 100");
}

static void
query_undeclared_ignored(void)
{
	ACCEPTED("limit=abc&page=-1&foo&=x&&sort=random");
	T_EQ_INT(r.q[Q_TAKE].i, 20);
	ACCEPTED("takes=0&Take=0&skip_=x");
	T_EQ_INT(r.q[Q_TAKE].i, 20);
	T_EQ_INT(r.q[Q_SKIP].i, 0);
}

/* A value whose percent-encoding is broken reads as no value. */
static void
query_bad_encoding_is_absent(void)
{
	ACCEPTED("status=%zz&take=%0");
	T_EQ_STR(r.q[Q_STATUS].s, NULL);
	T_EQ_INT(r.q[Q_TAKE].i, 20);
	ACCEPTED("take=1%00");
	T_EQ_INT(r.q[Q_TAKE].i, 20);
}

static void
query_first_bad_in_declaration_order(void)
{
	REFUSED("take=0&skip=-1", 400, "skip must be an integer between 0 and 1000000");
	REFUSED("status=LOST&userId=nope", 400, "userId must be a UUID");
}

static void
query_owner_admin_chooses(void)
{
	ACCEPTED("sellerId=" OTHER);
	T_EQ_STR(r.q[Q_SELLER].s, OTHER);
	ACCEPTED("sellerId=" ME);
	T_EQ_STR(r.q[Q_SELLER].s, ME_LOWER);
	REFUSED("sellerId=xyz", 400, "sellerId must be a UUID");
}

static void
query_owner_others_get_their_own(void)
{
	static const enum role roles[] = { ROLE_RESELLER, ROLE_CUSTOMER };
	for (size_t i = 0; i < 2; i++) {
		T_EQ_INT(run_as("", roles[i], decl), 0);
		T_EQ_STR(r.q[Q_SELLER].s, ME_LOWER);
		T_EQ_INT(run_as("sellerId=" ME, roles[i], decl), 0);
		T_EQ_STR(r.q[Q_SELLER].s, ME_LOWER);
		T_EQ_INT(run_as("sellerId=" ME_LOWER, roles[i], decl), 0);
		T_EQ_STR(r.q[Q_SELLER].s, ME_LOWER);
		T_EQ_INT(run_as("sellerId=" OTHER, roles[i], decl), -1);
		answered(403, "sellerId must be your own id", __FILE__, __LINE__);
		T_EQ_INT(run_as("sellerId=nope", roles[i], decl), -1);
		answered(400, "sellerId must be a UUID", __FILE__, __LINE__);
	}
}

/* Nothing of one request's values survives into the next. */
static void
query_cleared_every_call(void)
{
	ACCEPTED("take=5&status=PAID&q=x");
	T_EQ_INT(run_as("", ROLE_ADMIN, NULL), 0);
	for (int i = 0; i < REQ_MAX_QUERY; i++)
		T_ASSERT(!r.q[i].set && r.q[i].s == NULL && r.q[i].i == 0 && !r.q[i].b);
	r.q[0].s = "stale";
	r.q[1].i = 99;
	T_EQ_INT(router_query_or_reply(&r, decl), 0);
	T_EQ_STR(r.q[0].s, NULL);
	T_EQ_INT(r.q[1].i, 20);
}

static void
query_too_many_declared_500(void)
{
	static const struct qparam nine[] = {
		QP_SKIP, QP_TAKE(1), { "a", QP_UUID, 0, 0, 0, NULL }, { "b", QP_UUID, 0, 0, 0, NULL },
		{ "c", QP_UUID, 0, 0, 0, NULL }, { "d", QP_UUID, 0, 0, 0, NULL },
		{ "e", QP_UUID, 0, 0, 0, NULL }, { "f", QP_UUID, 0, 0, 0, NULL },
		{ "g", QP_UUID, 0, 0, 0, NULL }, { NULL, QP_INT, 0, 0, 0, NULL },
	};
	T_EQ_INT(run_as("", ROLE_ADMIN, nine), -1);
	answered(500, "internal server error", __FILE__, __LINE__);
	T_EQ_INT(run_as("", ROLE_ADMIN, nine + 1), 0);   /* eight is the most */
}

static const struct t_case cases[] = {
	T_CASE(query_absent_gives_defaults),
	T_CASE(query_empty_values_are_absent),
	T_CASE(query_int_in_bounds),
	T_CASE(query_int_bad_400),
	T_CASE(query_uuid_lowered_bad_400),
	T_CASE(query_enum_exact_bad_400),
	T_CASE(query_bool_bad_400),
	T_CASE(query_text_decoded_bounded),
	T_CASE(query_first_occurrence_wins),
	T_CASE(query_undeclared_ignored),
	T_CASE(query_bad_encoding_is_absent),
	T_CASE(query_first_bad_in_declaration_order),
	T_CASE(query_owner_admin_chooses),
	T_CASE(query_owner_others_get_their_own),
	T_CASE(query_cleared_every_call),
	T_CASE(query_too_many_declared_500),
};

int
main(void)
{
	return t_run("query", cases, T_NCASES(cases), setup, teardown);
}
