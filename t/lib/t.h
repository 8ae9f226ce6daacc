/* The test harness shared by every suite under t/: a CUnit runner that
 * exits non-zero on any failure, assertions that print what they saw, and
 * small helpers (unique names, base64url).
 *
 * A suite is a table of cases run by t_run:
 *
 *	static const struct t_case cases[] = { T_CASE(money_parse_plain), ... };
 *	int main(void) { return t_run("money", cases, T_NCASES(cases), NULL, NULL); }
 *
 * A binary built from several files (t/integration/<service>/) runs one
 * table per file with t_run_suites: each file ends with
 *
 *	const struct t_suite product_cache_suite = T_SUITE("cache", cases);
 *
 * and the service's main.c lists them in the order they run.
 *
 * T_ONLY=name (comma-separated list) in the environment runs only those
 * cases; a name of a table (T_ONLY=cache) runs all of its cases. */
#ifndef T_H
#define T_H
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stddef.h>

struct t_case {
	const char *name;
	void (*fn)(void);
};
#define T_CASE(fn) { #fn, fn }
#define T_NCASES(a) (sizeof (a) / sizeof (a)[0])

/* Runs the suite; returns the process exit status: 0 only when every
 * assertion passed and init/cleanup succeeded.  init/clean may be NULL. */
int t_run(const char *suite, const struct t_case *cases, size_t n,
    int (*init)(void), int (*clean)(void));

/* One file's table of cases in a binary of several (a CUnit suite each). */
struct t_suite {
	const char *name;
	const struct t_case *cases;
	size_t n;
};
#define T_SUITE(name, cases) { (name), (cases), T_NCASES(cases) }

/* t_run over several tables, in order: init runs once before the first
 * case, clean once after the last; when init fails no case runs. */
int t_run_suites(const char *binary, const struct t_suite *const *suites, size_t ns,
    int (*init)(void), int (*clean)(void));

/* Records one assertion with a formatted description (shown on failure).
 * Returns ok.  Outside a case (in a suite's setup, where CUnit records
 * nothing) a failure is printed instead; the setup then fails itself. */
bool t_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define T_ASSERT(cond) \
	t_check((cond) ? true : false, __FILE__, __LINE__, "%s", #cond)
/* Fails and leaves the test function (void) when cond is false. */
#define T_REQUIRE(cond) \
	do { if (!T_ASSERT(cond)) return; } while (0)
#define T_EQ_INT(a, b) \
	t_check_int((long long)(a), (long long)(b), #a, __FILE__, __LINE__)
#define T_EQ_STR(a, b) \
	t_check_str((a), (b), #a, __FILE__, __LINE__)
#define T_FAIL(...) t_check(false, __FILE__, __LINE__, __VA_ARGS__)

bool t_check_int(long long got, long long want, const char *expr,
    const char *file, int line);
/* NULL equals only NULL. */
bool t_check_str(const char *got, const char *want, const char *expr,
    const char *file, int line);

/* "prefix-<pid>-<time>-<counter>": unique per run and per call; returns
 * out. */
char *t_unique(char *out, size_t n, const char *prefix);
/* base64url without padding of data[0..n) into out (4n/3+4 bytes). */
char *t_b64url(const void *data, size_t n, char *out);
/* Case-insensitive substring test; false when either is NULL. */
bool t_contains(const char *hay, const char *needle);
/* tmpl with every "@P" replaced by id, into out of n bytes; returns out. */
char *t_subst(char *out, size_t n, const char *tmpl, const char *id);
/* src (NULL: "") into dst of n bytes, cut to fit; returns dst. */
char *t_copy(char *dst, size_t n, const char *src);

/* A monotonic clock in seconds, and a sleep of ms milliseconds. */
double t_now(void);
void t_sleep_ms(long ms);

#endif
