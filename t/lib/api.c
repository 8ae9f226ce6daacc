#include "api.h"
#include "http.h"
#include "t.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- tokens and users ---- */

char *
t_mint(const char *sub, const char *email, enum role role, enum token_type typ,
    long ttl, long age, const char *key)
{
	if (key == NULL && (key = t_env("JWT_SECRET")) == NULL)
		return NULL;
	struct principal p;
	memset(&p, 0, sizeof p);
	snprintf(p.sub, sizeof p.sub, "%s", sub);
	snprintf(p.email, sizeof p.email, "%s", email ? email : "");
	p.role = role;
	p.typ = typ;
	if (typ == TOKEN_REFRESH) {
		crypto_uuid4(p.jti);
		crypto_uuid4(p.fam);
	}
	return token_issue(&p, ttl, time(NULL) - age, (const unsigned char *)key, strlen(key));
}

char *
t_token(enum role role, const char *email)
{
	char sub[40];
	snprintf(sub, sizeof sub, "00000000-0000-4000-8000-%012ld", (long)getpid());
	return t_mint(sub, email, role, TOKEN_ACCESS, 3600, 0, NULL);
}

struct t_user
t_register(const char *role, const char *prefix)
{
	char email[120], body[300];
	struct resp rs;
	struct t_user u = { NULL, NULL };
	t_unique(email, sizeof email, prefix);
	snprintf(body, sizeof body, "{\"email\":\"%s@example.com\",\"password\":\"correct horse 1\","
	    "\"firstName\":\"Test\",\"lastName\":\"User\",\"role\":\"%s\"}", email, role);
	t_post_json(&rs, "/auth/register", NULL, body);
	const char *tok = t_jstr(rs.json, "accessToken"), *id = t_jstr(rs.json, "user.id");
	if (rs.status == 201 && tok != NULL && id != NULL) {
		u.token = strdup(tok);
		u.id = strdup(id);
	} else {
		fprintf(stderr, "%s: could not register a %s: %ld %s\n", prefix, role, rs.status,
		    rs.body);
	}
	t_resp_free(&rs);
	return u;
}

void
t_user_free(struct t_user *u)
{
	free(u->token);
	free(u->id);
	u->token = u->id = NULL;
}

char *
t_create(const char *url, const char *token, const char *json)
{
	struct resp rs;
	t_post_json(&rs, url, token, json);
	char *id = NULL;
	if (t_check_status(&rs, 201, __FILE__, __LINE__) && t_jstr(rs.json, "id") != NULL)
		id = strdup(t_jstr(rs.json, "id"));
	t_resp_free(&rs);
	return id;
}

/* ---- the catalog and orders ---- */

char *
t_product_new(const char *token, const char *prefix, const char *members, char **variant)
{
	char name[80];
	t_unique(name, sizeof name, prefix);
	size_t n = strlen(name) + strlen(members) + 16;
	char *body = malloc(n);
	if (body == NULL)
		return NULL;
	snprintf(body, n, "{\"name\":\"%s\"%s%s}", name, members[0] ? "," : "", members);
	struct resp rs;
	t_post_json(&rs, "/products", token, body);
	free(body);
	char *id = NULL;
	if (t_check_status(&rs, 201, __FILE__, __LINE__) && t_jstr(rs.json, "id") != NULL) {
		id = strdup(t_jstr(rs.json, "id"));
		if (variant != NULL) {
			const char *v = t_jstr(rs.json, "variants.0.id");
			*variant = v ? strdup(v) : NULL;
		}
	}
	t_resp_free(&rs);
	return id;
}

long long
t_stock(const char *variant)
{
	return t_db_count("PRODUCT_DATABASE_URL", "SELECT stock FROM variants WHERE id = $1",
	    variant, (char *)NULL);
}

long long
t_product_stock(const char *product)
{
	char url[120];
	struct resp rs;
	snprintf(url, sizeof url, "/products/%s", product);
	t_get(&rs, url, NULL);
	long long n = rs.status == 200 ? t_jint(rs.json, "variants.0.stock", -1) : -1;
	t_resp_free(&rs);
	return n;
}

long
t_order_status_set(struct resp *rs, const char *token, const char *id, const char *status,
    const char *notes)
{
	char url[120], body[300];
	snprintf(url, sizeof url, "/orders/%s/status", id);
	if (notes != NULL)
		snprintf(body, sizeof body, "{\"status\":\"%s\",\"notes\":\"%s\"}", status, notes);
	else
		snprintf(body, sizeof body, "{\"status\":\"%s\"}", status);
	return t_send_json(rs, "PATCH", url, token, body);
}

/* ---- the internal listener: events and jobs ---- */

long
t_event_send(struct resp *rs, const char *service, const char *source, const char *event_id,
    const char *type, const char *payload)
{
	char url[300];
	snprintf(url, sizeof url, "%s/internal/%s/events", t_env("INTERNAL_URL"), service);
	size_t n = strlen(payload) + strlen(event_id) + strlen(type) + strlen(source) + 200;
	char *body = malloc(n);
	if (body == NULL)
		return 0;
	snprintf(body, n, "{\"eventId\":\"%s\",\"type\":\"%s\",\"source\":\"%s\","
	    "\"aggregateId\":\"x\",\"occurredAt\":\"2026-01-01T00:00:00.000Z\",\"attempt\":1,"
	    "\"payload\":%s}", event_id, type, source, payload);
	long st = t_send_json(rs, "POST", url, NULL, body);
	free(body);
	return st;
}

long
t_event_post(struct resp *rs, const char *service, const char *event_id, const char *type,
    const char *payload)
{
	return t_event_send(rs, service, "order", event_id, type, payload);
}

long
t_job_post(struct resp *rs, const char *service, const char *job, const char *body)
{
	char url[300];
	snprintf(url, sizeof url, "%s/internal/%s/jobs/%s", t_env("INTERNAL_URL"), service, job);
	if (body == NULL)
		return t_http(rs, "POST", url, NULL, NULL, NULL, 0, (char *)NULL);
	return t_send_json(rs, "POST", url, NULL, body);
}
