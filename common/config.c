#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct config cfg;

const char *
config_str(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : def;
}

long
config_long(const char *name, long def)
{
	const char *v = getenv(name);
	if (v == NULL || v[0] == '\0')
		return def;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return def;
	return n;
}

long
config_parse_duration(const char *s)
{
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno != 0 || n <= 0)
		return -1;
	long mul = 1;
	if (*end == 's') mul = 1, end++;
	else if (*end == 'm') mul = 60, end++;
	else if (*end == 'h') mul = 3600, end++;
	else if (*end == 'd') mul = 86400, end++;
	/* At most 100 years, checked after the unit. */
	if (*end != '\0' || n > 100L * 365 * 86400 / mul)
		return -1;
	return n * mul;
}

size_t
config_parse_size(const char *s)
{
	if (s == NULL || !isdigit((unsigned char)s[0]))
		return 0;
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (errno != 0)
		return 0;
	unsigned long mul = 1;
	if (*end == 'k' || *end == 'K') mul = 1024, end++;
	else if (*end == 'm' || *end == 'M') mul = 1024 * 1024, end++;
	if (*end != '\0' || n > (1UL << 30) / mul)
		return 0;
	return n * mul;
}

int
config_load(const char *service)
{
	cfg.service = service;
	cfg.jwt_secret = config_str("JWT_SECRET", NULL);
	if (cfg.jwt_secret == NULL || strlen(cfg.jwt_secret) < 32) {
		fprintf(stderr, "%s: JWT_SECRET must be set and at least 32 bytes long\n",
		    service);
		return -1;
	}
	cfg.jwt_secret_len = strlen(cfg.jwt_secret);
	cfg.access_ttl = config_parse_duration(config_str("JWT_EXPIRES_IN", "15m"));
	cfg.refresh_ttl = config_parse_duration(config_str("REFRESH_TOKEN_EXPIRES_IN", "7d"));
	if (cfg.access_ttl < 0 || cfg.refresh_ttl < 0) {
		fprintf(stderr, "%s: JWT_EXPIRES_IN and REFRESH_TOKEN_EXPIRES_IN must be "
		    "durations like 15m or 7d\n", service);
		return -1;
	}
	cfg.body_max = config_parse_size(config_str("BODY_MAX", "1m"));
	if (cfg.body_max == 0) {
		fprintf(stderr, "%s: BODY_MAX must be a size like 1m or 65536\n", service);
		return -1;
	}
	/* AUTH_DATABASE_URL, SHARE_LINK_DATABASE_URL, ... */
	char name[64];
	config_service_var(service, "_DATABASE_URL", name, sizeof name);
	cfg.database_url = config_str(name, NULL);
	return 0;
}

void
config_service_var(const char *service, const char *suffix, char *out, size_t n)
{
	size_t i = 0;
	for (const char *p = service; *p && i < 40 && i + 1 < n; p++)
		out[i++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
	snprintf(out + i, n - i, "%s", suffix);
}
