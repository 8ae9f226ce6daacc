#include "t.h"
#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool
wanted(const char *name)
{
	const char *only = getenv("T_ONLY");
	if (only == NULL || only[0] == '\0')
		return true;
	size_t n = strlen(name);
	for (const char *p = only; *p; ) {
		const char *e = strchr(p, ',');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == n && strncmp(p, name, n) == 0)
			return true;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return false;
}

/* The binary's own setup and teardown around its CUnit suites: the first
 * suite's init runs it, the later ones fail when it failed, the last
 * suite's cleanup runs the teardown. */
static int (*run_init)(void), (*run_clean)(void);
static int init_rc;

static int
first_init(void)
{
	init_rc = run_init != NULL ? run_init() : 0;
	return init_rc;
}

static int
later_init(void)
{
	return init_rc;
}

static int
last_clean(void)
{
	return run_clean != NULL ? run_clean() : 0;
}

/* Adds the selected cases of s as one CUnit suite; how many, or -1. */
static long
add_suite(const char *binary, const struct t_suite *s, bool first, bool last)
{
	bool all = wanted(s->name);
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++)
		n += all || wanted(s->cases[i].name);
	if (n == 0)
		return 0;
	CU_pSuite cs = CU_add_suite(s->name, first ? first_init : later_init,
	    last ? last_clean : NULL);
	if (cs == NULL) {
		fprintf(stderr, "%s: could not add suite %s: %s\n", binary, s->name,
		    CU_get_error_msg());
		return -1;
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!all && !wanted(s->cases[i].name))
			continue;
		if (CU_add_test(cs, s->cases[i].name, s->cases[i].fn) == NULL) {
			fprintf(stderr, "%s: could not add test %s: %s\n", binary,
			    s->cases[i].name, CU_get_error_msg());
			return -1;
		}
	}
	return (long)n;
}

/* The index of the last table with a selected case, or ns. */
static size_t
last_selected(const struct t_suite *const *suites, size_t ns)
{
	for (size_t k = ns; k-- > 0; ) {
		if (wanted(suites[k]->name))
			return k;
		for (size_t i = 0; i < suites[k]->n; i++)
			if (wanted(suites[k]->cases[i].name))
				return k;
	}
	return ns;
}

int
t_run_suites(const char *binary, const struct t_suite *const *suites, size_t ns,
    int (*init)(void), int (*clean)(void))
{
	/* Keep our output and CUnit's in order when piped. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "%s: could not initialise CUnit: %s\n", binary, CU_get_error_msg());
		return 2;
	}
	run_init = init;
	run_clean = clean;
	size_t last = last_selected(suites, ns), added = 0;
	for (size_t k = 0; k < ns && k <= last; k++) {
		long n = add_suite(binary, suites[k], added == 0, k == last);
		if (n < 0) {
			CU_cleanup_registry();
			return 2;
		}
		added += (size_t)n;
	}
	if (added == 0) {
		fprintf(stderr, "%s: no test selected (T_ONLY=%s)\n", binary, getenv("T_ONLY"));
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_ErrorCode rc = CU_basic_run_tests();
	/* CU_basic_run_tests' return value ignores failed assertions. */
	unsigned failures = CU_get_number_of_failures();
	unsigned tests_failed = CU_get_number_of_tests_failed();
	unsigned suites_failed = CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	printf("\n%s: %s (%u failed assertions in %u tests, %u suite setup failures)\n",
	    binary, failures || suites_failed || rc != CUE_SUCCESS ? "FAIL" : "PASS",
	    failures, tests_failed, suites_failed);
	return failures != 0 || suites_failed != 0 || rc != CUE_SUCCESS;
}

int
t_run(const char *suite, const struct t_case *cases, size_t n,
    int (*init)(void), int (*clean)(void))
{
	const struct t_suite one = { suite, cases, n };
	const struct t_suite *const list[] = { &one };
	return t_run_suites(suite, list, 1, init, clean);
}

bool
t_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Outside a case (a suite's setup) CUnit cannot record it: say it;
	 * the setup's return value fails the suite. */
	if (CU_get_current_test() == NULL) {
		if (!ok)
			fprintf(stderr, "%s:%d: %s\n", file, line, msg);
		return ok;
	}
	/* CUnit copies the condition text into its failure record. */
	CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, msg, file, "",
	    CU_FALSE);
	return ok;
}

bool
t_check_int(long long got, long long want, const char *expr, const char *file, int line)
{
	return t_check(got == want, file, line, "%s == %lld, expected %lld", expr, got, want);
}

bool
t_check_str(const char *got, const char *want, const char *expr, const char *file,
    int line)
{
	bool ok = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	return t_check(ok, file, line, "%s == \"%.400s\", expected \"%.400s\"", expr,
	    got ? got : "(null)", want ? want : "(null)");
}

char *
t_unique(char *out, size_t n, const char *prefix)
{
	static unsigned counter;
	snprintf(out, n, "%s-%ld-%ld-%u", prefix, (long)getpid(), (long)time(NULL), ++counter);
	return out;
}

char *
t_b64url(const void *data, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = data;
	char *o = out;
	size_t i = 0;
	for (; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		*o++ = a[v >> 18 & 63];
		*o++ = a[v >> 12 & 63];
		*o++ = a[v >> 6 & 63];
		*o++ = a[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)p[i] << 16;
		*o++ = a[v >> 18 & 63];
		*o++ = a[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		*o++ = a[v >> 18 & 63];
		*o++ = a[v >> 12 & 63];
		*o++ = a[v >> 6 & 63];
	}
	*o = '\0';
	return out;
}

bool
t_contains(const char *hay, const char *needle)
{
	return hay != NULL && needle != NULL && strcasestr(hay, needle) != NULL;
}
double
t_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
t_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}


char *
t_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
	return dst;
}

char *
t_subst(char *out, size_t n, const char *tmpl, const char *id)
{
	size_t o = 0, idl = strlen(id);
	for (const char *t = tmpl; *t && o + 1 < n; ) {
		if (t[0] == '@' && t[1] == 'P' && o + idl + 1 < n) {
			memcpy(out + o, id, idl);
			o += idl;
			t += 2;
		} else {
			out[o++] = *t++;
		}
	}
	out[o] = '\0';
	return out;
}
