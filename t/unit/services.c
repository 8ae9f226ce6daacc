/* services.h, generated from services.conf by scripts/services.awk, against
 * the file itself: the relay's routing table holds exactly the file's
 * subscriptions (TYPE or TYPE?key per consumer), one row per event type,
 * and each service's health path (its first prefix + /health).
 * The file is $REPO/services.conf, or ./services.conf (make runs the units
 * from the top of the tree). */
#include "../lib/t.h"
#include "services.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct consumer {
	const char *name;
	const char *only_with;
};
static const struct {
	const char *type;
	struct consumer consumers[SERVICES_MAX_CONSUMERS];
} subs[] = { SERVICES_SUBSCRIPTIONS };
#define NSUBS (sizeof subs / sizeof subs[0])

/* The row of type in the generated table, or NULL. */
static const struct consumer *
row_of(const char *type)
{
	for (size_t i = 0; i < NSUBS; i++)
		if (strcmp(subs[i].type, type) == 0)
			return subs[i].consumers;
	return NULL;
}

/* Whether the table routes type to svc with the payload key (NULL: every
 * event). */
static bool
routed(const char *type, const char *svc, const char *key)
{
	const struct consumer *c = row_of(type);
	for (int i = 0; c != NULL && i < SERVICES_MAX_CONSUMERS && c[i].name != NULL; i++) {
		if (strcmp(c[i].name, svc) != 0)
			continue;
		if (key == NULL)
			return c[i].only_with == NULL;
		return c[i].only_with != NULL && strcmp(c[i].only_with, key) == 0;
	}
	return false;
}

static const struct { const char *name, *path; } health[] = { SERVICES_HEALTH };
#define NHEALTH (sizeof health / sizeof health[0])
static int health_seen;

/* The line's health row: the service's first prefix + /health, in the
 * file's order. */
static void
check_health(const char *name, const char *prefixes, int lineno)
{
	char want[300];
	snprintf(want, sizeof want, "%.*s/health", (int)strcspn(prefixes, ","), prefixes);
	int i = health_seen++;
	t_check(i < (int)NHEALTH && strcmp(health[i].name, name) == 0 &&
	    strcmp(health[i].path, want) == 0, __FILE__, __LINE__,
	    "services.conf:%d: %s's health row is not %s", lineno, name, want);
}

/* Checks every subscription of one services.conf line; returns how many
 * it has. */
static int
check_line(char *line, int lineno)
{
	char name[64], prefixes[256], db[64], pool[16], limits[256], consumes[1024];
	if (sscanf(line, "%63s %255s %63s %15s %255s %1023s", name, prefixes, db, pool,
	    limits, consumes) != 6) {
		T_FAIL("services.conf:%d: not six fields", lineno);
		return 0;
	}
	check_health(name, prefixes, lineno);
	if (strcmp(consumes, "-") == 0)
		return 0;
	int n = 0;
	char *save = NULL;
	for (char *s = strtok_r(consumes, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		char *key = strchr(s, '?');
		if (key != NULL)
			*key++ = '\0';
		t_check(routed(s, name, key), __FILE__, __LINE__,
		    "services.conf:%d: %s%s%s to %s is not in services.h", lineno, s,
		    key ? "?" : "", key ? key : "", name);
		n++;
	}
	return n;
}

static void
services_table_matches_file(void)
{
	const char *repo = getenv("REPO");
	char path[1024];
	snprintf(path, sizeof path, "%s/services.conf", repo != NULL ? repo : ".");
	FILE *f = fopen(path, "r");
	t_check(f != NULL, __FILE__, __LINE__, "cannot open %s", path);
	if (f == NULL)
		return;
	char line[4096];
	int lineno = 0, in_file = 0, in_table = 0;
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		size_t sp = strspn(line, " \t");
		if (line[sp] == '#' || line[sp] == '\n' || line[sp] == '\0')
			continue;
		in_file += check_line(line, lineno);
	}
	fclose(f);
	for (size_t i = 0; i < NSUBS; i++)
		for (int c = 0; c < SERVICES_MAX_CONSUMERS && subs[i].consumers[c].name; c++)
			in_table++;
	T_EQ_INT(in_table, in_file);   /* nothing routed that the file does not say */
	T_EQ_INT(health_seen, (int)NHEALTH);
	T_ASSERT(in_file > 0);
}

static void
services_table_one_row_per_type(void)
{
	for (size_t i = 0; i < NSUBS; i++) {
		T_ASSERT(subs[i].consumers[0].name != NULL);
		for (size_t j = i + 1; j < NSUBS; j++)
			t_check(strcmp(subs[i].type, subs[j].type) != 0, __FILE__, __LINE__,
			    "%s has two rows", subs[i].type);
	}
}

static const struct t_case cases[] = {
	T_CASE(services_table_matches_file),
	T_CASE(services_table_one_row_per_type),
};

int
main(void)
{
	return t_run("services", cases, T_NCASES(cases), NULL, NULL);
}
