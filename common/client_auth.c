/* The auth service's client (client_auth.h): a user by id. */
#include "client_auth.h"
#include "token.h"
#include <string.h>
#include <strings.h>

const char *
auth_user_read(struct arena *a, const struct jv *answer, const char *id,
    struct auth_user *u)
{
	memset(u, 0, sizeof *u);
	if (answer == NULL || answer->type != JV_OBJ)
		return "user answer is not an object";
	bool bad = false;
	const char *got = client_str(answer, "id", &bad);
	u->role = client_str(answer, "role", &bad);
	if (got == NULL || strcasecmp(got, id) != 0 || u->role == NULL)
		return "user answer without id or role";
	if (role_parse(u->role) == ROLE_NONE)
		return "user answer with an unknown role";
	u->id = arena_strlower(a, got);
	u->email = client_str(answer, "email", &bad);
	u->first_name = client_str(answer, "firstName", &bad);
	u->last_name = client_str(answer, "lastName", &bad);
	u->phone = client_str(answer, "phone", &bad);
	if (bad)
		return "user answer with a member that is not a string";
	return NULL;
}

enum client_rc
auth_user(struct req *r, const char *id, struct auth_user *u)
{
	struct http_resp resp;
	const char *path = arena_printf(r->a, "/internal/auth/users/%s", id);
	int rc = http_internal(r, "GET", path, NULL, &resp);
	if (rc == 0 && resp.status == 404)
		return CLIENT_NOT_FOUND;
	if (rc != 0 || resp.status != 200)
		return client_down(r, "auth", rc, &resp);
	const char *why = auth_user_read(r->a, resp.json, id, u);
	return why != NULL ? client_malformed(r, "auth", why) : CLIENT_OK;
}
