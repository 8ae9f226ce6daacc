/* `auth create-admin`: creates an ADMIN (or promotes an existing user and
 * sets its password).  Reads ADMIN_EMAIL and ADMIN_PASSWORD from the
 * environment: a password never appears on a command line. */
#include "auth.h"
#include "config.h"
#include "valid.h"
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char admin_upsert[] =
    "INSERT INTO users (email, password_hash, role) VALUES ($1, $2, 'ADMIN') "
    "ON CONFLICT (email) DO UPDATE SET role = 'ADMIN', "
    "password_hash = EXCLUDED.password_hash, updated_at = now() "
    "RETURNING id, (xmax = 0) AS created";

int
admin_cli(int argc, char **argv)
{
	if (strcmp(argv[1], "create-admin") != 0 || argc != 2) {
		fprintf(stderr, "usage: ADMIN_EMAIL=... ADMIN_PASSWORD=... %s create-admin\n",
		    argv[0]);
		return 2;
	}
	const char *email_in = getenv("ADMIN_EMAIL"), *pw = getenv("ADMIN_PASSWORD");
	struct arena *a = arena_new(4096);
	int rc = 1;
	char *email = email_in ? valid_email(a, email_in) : NULL;
	if (email == NULL) {
		fprintf(stderr, "create-admin: ADMIN_EMAIL must be a valid email address\n");
		goto out;
	}
	if (pw == NULL || strlen(pw) < 8 || strlen(pw) > 128) {
		fprintf(stderr, "create-admin: ADMIN_PASSWORD must be 8 to 128 characters\n");
		goto out;
	}
	if (cfg.database_url == NULL) {
		fprintf(stderr, "create-admin: AUTH_DATABASE_URL is not set\n");
		goto out;
	}
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(pw, hash) != 0)
		goto out;
	PGconn *c = PQconnectdb(cfg.database_url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "create-admin: could not connect: %s", PQerrorMessage(c));
		PQfinish(c);
		goto out;
	}
	const char *p[] = { email, hash };
	PGresult *res = PQexecParams(c, admin_upsert, 2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
		printf("%s admin %s (id %s)\n",
		    PQgetvalue(res, 0, 1)[0] == 't' ? "created" : "updated", email,
		    PQgetvalue(res, 0, 0));
		rc = 0;
	} else {
		fprintf(stderr, "create-admin: %s", PQresultErrorMessage(res));
	}
	PQclear(res);
	PQfinish(c);
out:
	arena_free(a);
	return rc;
}
