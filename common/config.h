/* Configuration comes from the environment (scripts/stack.sh loads .env
 * under it).  config_load checks what every service needs and refuses to
 * start on a bad value. */
#ifndef CONFIG_H
#define CONFIG_H
#include <stdbool.h>
#include <stddef.h>

struct config {
	const char *service;       /* "auth", "product", ... */
	const char *jwt_secret;
	size_t jwt_secret_len;
	long access_ttl;           /* JWT_EXPIRES_IN, seconds */
	long refresh_ttl;          /* REFRESH_TOKEN_EXPIRES_IN, seconds */
	size_t body_max;           /* BODY_MAX, bytes */
	const char *database_url;  /* <SVC>_DATABASE_URL */
};

extern struct config cfg;

/* Returns 0, or -1 after printing why to stderr. */
int config_load(const char *service);
/* A service's variable name: ("share-link", "_DATABASE_URL") ->
 * "SHARE_LINK_DATABASE_URL" into out. */
void config_service_var(const char *service, const char *suffix, char *out, size_t n);
const char *config_str(const char *name, const char *def);
long config_long(const char *name, long def);
/* "900", "90s", "15m", "12h", "7d" -> seconds; -1 when invalid. */
long config_parse_duration(const char *s);
/* "1m", "512k", "1048576" -> bytes; 0 when invalid. */
size_t config_parse_size(const char *s);

#endif
