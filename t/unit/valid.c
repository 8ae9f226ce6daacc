/* common/valid.c's field tables without a request: valid_fields checks a
 * parsed object against declared fields and gives the exact message that
 * fields_or_reply answers as a 400. */
#include "../lib/t.h"
#include "json.h"
#include "money.h"
#include "valid.h"
#include <string.h>

static const char *const roles[] = { "CUSTOMER", "RESELLER", NULL };

enum { V_EMAIL, V_NAME, V_ID, V_ROLE, V_AMOUNT, V_QTY, V_ON, V_ITEMS, V_META, V_PHONE,
	V_URL, V_AT, V__MAX };
static const struct field fields[V__MAX] = {
	[V_EMAIL] = { "email", F_EMAIL, F_REQUIRED, 0, 254, NULL },
	[V_NAME] = { "name", F_STRING, F_TRIM, 2, 5, NULL },
	[V_ID] = { "id", F_UUID, 0, 0, 0, NULL },
	[V_ROLE] = { "role", F_ENUM, 0, 0, 0, roles },
	[V_AMOUNT] = { "amount", F_MONEY, 0, 100, 500000, NULL },
	[V_QTY] = { "quantity", F_INT, 0, 1, 99, NULL },
	[V_ON] = { "on", F_BOOL, 0, 0, 0, NULL },
	[V_ITEMS] = { "items", F_ARRAY, 0, 1, 2, NULL },
	[V_META] = { "meta", F_OBJECT, 0, 0, 0, NULL },
	[V_PHONE] = { "phone", F_PHONE, 0, 0, 0, NULL },
	[V_URL] = { "url", F_URL, 0, 0, 0, NULL },
	[V_AT] = { "at", F_TIME, 0, 0, 0, NULL },
};

static struct arena *A;
static struct fval f[V__MAX];
static char msg[512];

/* valid_fields over the JSON text, with prefix; the message on failure, or
 * "" when it passed. */
static const char *
check(const char *json, const char *prefix)
{
	char err[64];
	const struct jv *obj = json_parse(A, json, strlen(json), err, sizeof err);
	msg[0] = '\0';
	if (obj == NULL)
		return "(unparsable test input)";
	if (valid_fields(A, obj, fields, V__MAX, f, prefix, msg, sizeof msg) == 0)
		return "";
	return msg;
}

static void
valid_fields_all_good_normalized(void)
{
	T_EQ_STR(check("{\"email\":\" A@Example.COM \",\"name\":\"  Ann  \","
	    "\"id\":\"6F1C1A5E-0000-4000-8000-00000000000A\",\"role\":\"RESELLER\","
	    "\"amount\":\"1500.10\",\"quantity\":3,\"on\":true,\"items\":[1],\"meta\":{},"
	    "\"phone\":\"+919876543210\",\"url\":\"https://example.com/x\","
	    "\"at\":\"2026-12-31T23:59:59.5+05:30\"}", NULL), "");
	T_EQ_STR(f[V_EMAIL].s, "a@example.com");
	T_EQ_STR(f[V_NAME].s, "Ann");
	T_EQ_STR(f[V_ID].s, "6f1c1a5e-0000-4000-8000-00000000000a");
	T_EQ_INT(f[V_AMOUNT].i, 150010);
	T_EQ_INT(f[V_QTY].i, 3);
	T_ASSERT(f[V_ON].set && f[V_ON].b);
	T_EQ_STR(f[V_AT].s, "2026-12-31T18:29:59.500Z");
	T_ASSERT(f[V_ITEMS].set && f[V_ITEMS].v->n == 1);
}

static void
valid_fields_absent_and_null_not_set(void)
{
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"name\":null}", NULL), "");
	T_ASSERT(f[V_EMAIL].set);
	T_ASSERT(!f[V_NAME].set && !f[V_QTY].set);
}

static void
valid_fields_bad_shape_and_keys(void)
{
	T_EQ_STR(check("[]", NULL), "body must be an object");
	T_EQ_STR(check("[]", "items[0]"), "items[0] must be an object");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"isAdmin\":true}", NULL),
	    "isAdmin is not an allowed field");
	T_EQ_STR(check("{\"name\":\"Ann\"}", NULL), "email is required");
	T_EQ_STR(check("{\"email\":null}", "items[2]."), "items[2].email is required");
}

static void
valid_fields_bad_strings(void)
{
	T_EQ_STR(check("{\"email\":5}", NULL), "email must be a string");
	T_EQ_STR(check("{\"email\":\"a@b\"}", NULL), "email must be a valid email address");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"name\":\" A \"}", NULL),
	    "name must be at least 2 characters");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"name\":\"Ann-Marie\"}", NULL),
	    "name must be at most 5 characters");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"id\":\"nope\"}", "items[1]."),
	    "items[1].id must be a UUID");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"role\":\"ADMIN\"}", NULL),
	    "role must be one of CUSTOMER, RESELLER");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"phone\":\"12ab\"}", NULL),
	    "phone must be a phone number of 7 to 15 digits, optionally starting with +");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"url\":\"ftp://x\"}", NULL),
	    "url must be an http or https URL");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"at\":\"2026-02-29T00:00:00Z\"}", NULL),
	    "at must be an ISO 8601 date-time such as 2026-12-31T23:59:59.000Z");
}

static void
valid_fields_bad_numbers(void)
{
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"amount\":true}", NULL),
	    "amount must be a number");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"amount\":1.005}", NULL),
	    "amount must have at most two decimal places");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"amount\":0.99}", NULL),
	    "amount must be at least 1.00");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"amount\":5000.01}", NULL),
	    "amount must be at most 5000.00");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"quantity\":1.5}", NULL),
	    "quantity must be an integer");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"quantity\":100}", NULL),
	    "quantity must be between 1 and 99");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"on\":1}", NULL),
	    "on must be a boolean");
}

static void
valid_fields_bad_containers(void)
{
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"items\":{}}", NULL),
	    "items must be an array");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"items\":[]}", NULL),
	    "items must have at least 1 items");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"items\":[1,2,3]}", NULL),
	    "items must have at most 2 items");
	T_EQ_STR(check("{\"email\":\"a@example.com\",\"meta\":[]}", NULL),
	    "meta must be an object");
}

static void
valid_int_values(void)
{
	int64_t v = 0;
	T_ASSERT(valid_int("0", &v) && v == 0);
	T_ASSERT(valid_int("-42", &v) && v == -42);
	T_ASSERT(valid_int("9223372036854775807", &v) && v == INT64_MAX);
	const char *bad[] = { "", "-", "1.0", "1e3", " 1", "1 ", "+1", "0x10",
	    "9223372036854775808" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_check(!valid_int(bad[i], &v), __FILE__, __LINE__, "valid_int(\"%s\")", bad[i]);
}

static int
setup(void)
{
	A = arena_new(0);
	return 0;
}

static int
teardown(void)
{
	arena_free(A);
	return 0;
}

static const struct t_case cases[] = {
	T_CASE(valid_fields_all_good_normalized),
	T_CASE(valid_fields_absent_and_null_not_set),
	T_CASE(valid_fields_bad_shape_and_keys),
	T_CASE(valid_fields_bad_strings),
	T_CASE(valid_fields_bad_numbers),
	T_CASE(valid_fields_bad_containers),
	T_CASE(valid_int_values),
};

int
main(void)
{
	return t_run("valid", cases, T_NCASES(cases), setup, teardown);
}
