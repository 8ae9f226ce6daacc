/* common/config.c: the duration and size parsers behind JWT_EXPIRES_IN,
 * REFRESH_TOKEN_EXPIRES_IN and BODY_MAX, and config_load's refusals. */
#include "../lib/t.h"
#include "config.h"
#include <stdlib.h>

static void
config_parse_duration_values(void)
{
	T_EQ_INT(config_parse_duration("900"), 900);
	T_EQ_INT(config_parse_duration("90s"), 90);
	T_EQ_INT(config_parse_duration("15m"), 900);
	T_EQ_INT(config_parse_duration("12h"), 43200);
	T_EQ_INT(config_parse_duration("7d"), 604800);
}

static void
config_parse_duration_bad(void)
{
	const char *bad[] = { "", "0", "-5", "15x", "m", "15 m", " 15m", "15mm",
	    "1.5h", "99999999999999999999", "36600d", "3153600001", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_check(config_parse_duration(bad[i]) == -1, __FILE__, __LINE__,
		    "config_parse_duration(\"%s\") = %ld", bad[i] ? bad[i] : "(null)",
		    config_parse_duration(bad[i]));
}

static void
config_parse_size_values(void)
{
	T_EQ_INT(config_parse_size("1m"), 1048576);
	T_EQ_INT(config_parse_size("1M"), 1048576);
	T_EQ_INT(config_parse_size("512k"), 524288);
	T_EQ_INT(config_parse_size("65536"), 65536);
}

static void
config_parse_size_bad(void)
{
	const char *bad[] = { "", "k", "-1", "1g", "1 m", "2048m", "1.5m", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_check(config_parse_size(bad[i]) == 0, __FILE__, __LINE__,
		    "config_parse_size(\"%s\") = %zu", bad[i] ? bad[i] : "(null)",
		    config_parse_size(bad[i]));
}

static void
config_load_refuses_short_secret(void)
{
	setenv("JWT_SECRET", "0123456789abcdef0123456789abcde", 1);  /* 31 bytes */
	T_EQ_INT(config_load("auth"), -1);
	unsetenv("JWT_SECRET");
	T_EQ_INT(config_load("auth"), -1);
}

static void
config_load_reads_service_url(void)
{
	setenv("JWT_SECRET", "0123456789abcdef0123456789abcdef", 1);
	setenv("SHARE_LINK_DATABASE_URL", "postgresql:///share_link_db", 1);
	unsetenv("JWT_EXPIRES_IN");
	unsetenv("REFRESH_TOKEN_EXPIRES_IN");
	unsetenv("BODY_MAX");
	T_EQ_INT(config_load("share-link"), 0);
	T_EQ_STR(cfg.database_url, "postgresql:///share_link_db");
	T_EQ_INT(cfg.jwt_secret_len, 32);
	T_EQ_INT(cfg.access_ttl, 900);
	T_EQ_INT(cfg.refresh_ttl, 7 * 86400);
	T_EQ_INT(cfg.body_max, 1048576);
	setenv("JWT_EXPIRES_IN", "soon", 1);
	T_EQ_INT(config_load("share-link"), -1);
	unsetenv("JWT_EXPIRES_IN");
	setenv("BODY_MAX", "lots", 1);
	T_EQ_INT(config_load("share-link"), -1);
	unsetenv("BODY_MAX");
}

static const struct t_case cases[] = {
	T_CASE(config_parse_duration_values),
	T_CASE(config_parse_duration_bad),
	T_CASE(config_parse_size_values),
	T_CASE(config_parse_size_bad),
	T_CASE(config_load_refuses_short_secret),
	T_CASE(config_load_reads_service_url),
};

int
main(void)
{
	return t_run("config", cases, T_NCASES(cases), NULL, NULL);
}
