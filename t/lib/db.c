#include "db.h"
#include "http.h"
#include "t.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Up to 16 text parameters from ap (NULL-terminated) into params. */
static int
params_of(va_list ap, const char *params[16])
{
	int n = 0;
	for (const char *p; n < 16 && (p = va_arg(ap, const char *)) != NULL; )
		params[n++] = p;
	return n;
}

static PGresult *
query(const char *url_env, const char *sql, int n, const char *const *params,
    PGconn **connp, bool write)
{
	*connp = NULL;
	const char *url = t_env(url_env);
	if (url == NULL)
		return NULL;
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { url, "5", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	*connp = c;
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "could not connect to %s: %s", url_env, PQerrorMessage(c));
		return NULL;
	}
	PGresult *r = PQexec(c, write ? "SELECT 1" : "SET default_transaction_read_only = on");
	PQclear(r);
	r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "could not run \"%s\": %s", sql, PQerrorMessage(c));
		PQclear(r);
		return NULL;
	}
	return r;
}

/* The first cell of the query's result (malloc'd), or NULL. */
static char *
value_of(const char *url_env, const char *sql, int n, const char *const *params, bool write)
{
	PGconn *c;
	PGresult *r = query(url_env, sql, n, params, &c, write);
	char *v = NULL;
	if (r != NULL && PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
		v = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

long long
t_db_write(const char *url_env, const char *sql, ...)
{
	const char *params[16];
	va_list ap;
	va_start(ap, sql);
	int n = params_of(ap, params);
	va_end(ap);
	PGconn *c;
	PGresult *r = query(url_env, sql, n, params, &c, true);
	long long rows = r != NULL ? strtoll(PQcmdTuples(r), NULL, 10) : -1;
	PQclear(r);
	PQfinish(c);
	return rows;
}

char *
t_db_write_value(const char *url_env, const char *sql, ...)
{
	const char *params[16];
	va_list ap;
	va_start(ap, sql);
	int n = params_of(ap, params);
	va_end(ap);
	return value_of(url_env, sql, n, params, true);
}

char *
t_db_value(const char *url_env, const char *sql, ...)
{
	const char *params[16];
	va_list ap;
	va_start(ap, sql);
	int n = params_of(ap, params);
	va_end(ap);
	return value_of(url_env, sql, n, params, false);
}

long long
t_db_count(const char *url_env, const char *sql, ...)
{
	const char *params[16];
	va_list ap;
	va_start(ap, sql);
	int n = params_of(ap, params);
	va_end(ap);
	char *v = value_of(url_env, sql, n, params, false);
	long long count = v != NULL ? strtoll(v, NULL, 10) : -1;
	free(v);
	return count;
}

bool
t_db_wait(const char *url_env, const char *want, long ms, const char *sql, ...)
{
	const char *params[16];
	va_list ap;
	va_start(ap, sql);
	int n = params_of(ap, params);
	va_end(ap);
	double end = t_now() + (double)ms / 1000.0;
	for (;;) {
		char *v = value_of(url_env, sql, n, params, false);
		bool ok = v != NULL && strcmp(v, want) == 0, late = t_now() >= end;
		if (!ok && late)
			printf("    %s read %s, not %s\n", sql, v ? v : "nothing", want);
		free(v);
		if (ok || late)
			return ok;
		t_sleep_ms(50);
	}
}

/* ---- held transactions ---- */

PGconn *
t_db_hold(const char *url_env, const char *sql, ...)
{
	const char *url = t_env(url_env);
	if (url == NULL)
		return NULL;
	const char *params[16];
	va_list ap;
	va_start(ap, sql);
	int n = params_of(ap, params);
	va_end(ap);
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { url, "5", NULL };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	PGresult *r = NULL;
	if (PQstatus(c) == CONNECTION_OK) {
		PQclear(PQexec(c, "BEGIN"));
		r = PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	}
	if (r == NULL || (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)) {
		fprintf(stderr, "could not hold \"%s\": %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	return c;
}

void
t_db_hold_end(PGconn *c)
{
	if (c == NULL)
		return;
	PQclear(PQexec(c, "ROLLBACK"));
	PQfinish(c);
}

bool
t_db_wait_blocked(const char *url_env, const char *like, int want, long ms)
{
	double end = t_now() + (double)ms / 1000.0;
	do {
		long long n = t_db_count(url_env, "SELECT count(*) FROM pg_stat_activity WHERE "
		    "datname = current_database() AND wait_event_type = 'Lock' "
		    "AND query LIKE $1", like ? like : "%", (char *)NULL);
		if (want == 0 ? n == 0 : n >= want)
			return true;
		t_sleep_ms(20);
	} while (t_now() < end);
	return false;
}

long long
t_db_kill_blocked(const char *url_env, const char *like)
{
	return t_db_count(url_env, "WITH v AS MATERIALIZED (SELECT pid FROM pg_stat_activity "
	    "WHERE datname = current_database() AND wait_event_type = 'Lock' "
	    "AND pid <> pg_backend_pid() AND query LIKE $1) "
	    "SELECT count(*) FROM v WHERE pg_terminate_backend(v.pid)", like ? like : "%",
	    (char *)NULL);
}

