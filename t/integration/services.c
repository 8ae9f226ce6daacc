/* services.conf against the running stack: every service the file lists is
 * reachable where the file says.  A built service answers its health under
 * its first public prefix on both listeners, every other public prefix
 * reaches its pool, /internal/<name>/ reaches it on the internal listener
 * only, and its database URL names the file's database.  A service that is
 * not built answers a JSON 503 naming it on each of
 * its prefixes.
 *
 * Needs REPO (services.conf), BIN_DIR, BASE_URL, INTERNAL_URL and the
 * <SVC>_DATABASE_URLs (scripts/test.sh). */
#include "../lib/t.h"
#include "../lib/http.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_SVC 32
#define MAX_PREFIX 4

struct svc {
	char name[64];
	char prefix[MAX_PREFIX][64];
	int nprefix;
	char db[64];
};

static struct svc svcs[MAX_SVC];
static int nsvcs;

/* Reads services.conf's name, prefixes and database columns; 0, or -1
 * (after saying why). */
static int
services_read(void)
{
	char path[1024], line[4096], prefixes[512];
	snprintf(path, sizeof path, "%s/services.conf", t_env("REPO") ? t_env("REPO") : ".");
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		printf("cannot open %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof line, f) != NULL && nsvcs < MAX_SVC) {
		const char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		struct svc *s = &svcs[nsvcs++];
		if (sscanf(p, "%63s %511s %63s", s->name, prefixes, s->db) != 3) {
			printf("%s: a line without three fields: %s", path, line);
			fclose(f);
			return -1;
		}
		char *save = NULL;
		for (char *x = strtok_r(prefixes, ",", &save); x && s->nprefix < MAX_PREFIX;
		    x = strtok_r(NULL, ",", &save))
			snprintf(s->prefix[s->nprefix++], sizeof s->prefix[0], "%s", x);
	}
	fclose(f);
	return nsvcs > 0 ? 0 : -1;
}

static bool
built(const struct svc *s)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof p, "%.900s/%.63s", t_env("BIN_DIR"), s->name);
	return stat(p, &st) == 0;
}

/* GET base + path (base NULL: the public listener). */
static long
get(struct resp *rs, const char *base, const char *path)
{
	char url[1024];
	snprintf(url, sizeof url, "%s%s", base ? base : t_env("BASE_URL"), path);
	return t_get(rs, url, NULL);
}

static void
services_health_under_first_prefix(void)
{
	const char *bases[] = { NULL, t_env("INTERNAL_URL") };
	for (int i = 0; i < nsvcs; i++) {
		if (!built(&svcs[i]))
			continue;
		char path[128];
		snprintf(path, sizeof path, "%.63s/health", svcs[i].prefix[0]);
		for (int b = 0; b < 2; b++) {
			struct resp rs;
			get(&rs, bases[b], path);
			T_STATUS(&rs, 200);
			T_EQ_STR(t_jstr(rs.json, "service"), svcs[i].name);
			t_resp_free(&rs);
		}
	}
}

/* A pool's own answer (common/req.c) carries a charset; the gateway's
 * catch-all 404 (default_type application/json) does not. */
static void
services_every_prefix_reaches_its_pool(void)
{
	for (int i = 0; i < nsvcs; i++) {
		if (!built(&svcs[i]))
			continue;
		for (int k = 0; k < svcs[i].nprefix; k++) {
			struct resp rs;
			get(&rs, NULL, svcs[i].prefix[k]);
			const char *ct = t_header(&rs, "Content-Type");
			t_check(rs.status != 503 && ct != NULL && t_contains(ct, "charset=utf-8"),
			    __FILE__, __LINE__, "%s (%s): %ld %s: %.200s", rs.what, svcs[i].name,
			    rs.status, ct ? ct : "(no Content-Type)", rs.body);
			t_resp_free(&rs);
		}
	}
}

static void
services_internal_prefix_internal_only(void)
{
	for (int i = 0; i < nsvcs; i++) {
		if (!built(&svcs[i]))
			continue;
		char path[128];
		snprintf(path, sizeof path, "/internal/%.63s/outbox/dead", svcs[i].name);
		struct resp rs;
		get(&rs, t_env("INTERNAL_URL"), path);
		T_STATUS(&rs, 200);
		t_resp_free(&rs);
		get(&rs, NULL, path);
		T_ERROR(&rs, 404, NULL);
		t_resp_free(&rs);
	}
}

static void
services_database_from_file(void)
{
	for (int i = 0; i < nsvcs; i++) {
		if (!built(&svcs[i]))
			continue;
		char var[96];
		size_t n = 0;
		for (const char *c = svcs[i].name; *c && n < sizeof var - 14; c++)
			var[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
		snprintf(var + n, sizeof var - n, "_DATABASE_URL");
		char *db = t_db_value(var, "SELECT current_database()", NULL);
		T_EQ_STR(db, svcs[i].db);
		free(db);
	}
}

static void
services_not_built_503(void)
{
	int tried = 0;
	for (int i = 0; i < nsvcs; i++) {
		if (built(&svcs[i]))
			continue;
		char mention[96], path[128];
		snprintf(mention, sizeof mention, "%.63s service is not available", svcs[i].name);
		for (int k = 0; k < svcs[i].nprefix; k++) {
			struct resp rs;
			get(&rs, NULL, svcs[i].prefix[k]);
			T_ERROR(&rs, 503, mention);
			t_resp_free(&rs);
			get(&rs, t_env("INTERNAL_URL"), svcs[i].prefix[k]);
			T_ERROR(&rs, 503, mention);
			t_resp_free(&rs);
		}
		snprintf(path, sizeof path, "/internal/%.63s/health", svcs[i].name);
		struct resp rs;
		get(&rs, t_env("INTERNAL_URL"), path);
		T_ERROR(&rs, 503, mention);
		t_resp_free(&rs);
		tried++;
	}
	if (tried == 0)
		printf("(every service is built: nothing to check)\n");
}

static int
init(void)
{
	return services_read();
}

static const struct t_case cases[] = {
	T_CASE(services_health_under_first_prefix),
	T_CASE(services_every_prefix_reaches_its_pool),
	T_CASE(services_internal_prefix_internal_only),
	T_CASE(services_database_from_file),
	T_CASE(services_not_built_503),
};

int
main(void)
{
	return t_run("services", cases, T_NCASES(cases), init, NULL);
}
