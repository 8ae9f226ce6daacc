#include "json.h"
#include "money.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *
t_jget(struct json_object *o, const char *path)
{
	char seg[128];
	const char *p = path;
	while (o != NULL && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof seg)
			return NULL;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (json_object_is_type(o, json_type_object)) {
			struct json_object *next = NULL;
			if (!json_object_object_get_ex(o, seg, &next))
				return NULL;
			o = next;
		} else if (json_object_is_type(o, json_type_array)) {
			char *end;
			long i = strtol(seg, &end, 10);
			if (*end != '\0' || i < 0 || (size_t)i >= json_object_array_length(o))
				return NULL;
			o = json_object_array_get_idx(o, (size_t)i);
		} else {
			return NULL;
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return o;
}

const char *
t_jstr(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

long long
t_jint(struct json_object *o, const char *path, long long fallback)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL && json_object_is_type(v, json_type_int) ?
	    (long long)json_object_get_int64(v) : fallback;
}

size_t
t_jlen(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	return v != NULL && json_object_is_type(v, json_type_array) ?
	    json_object_array_length(v) : 0;
}

const char *
t_jtext(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	if (v != NULL)
		return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE);
	/* json-c holds null as NULL: tell a null member from a missing one. */
	char parent[256];
	const char *dot = strrchr(path, '.');
	struct json_object *p = o;
	if (dot != NULL) {
		snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
		p = t_jget(o, parent);
	}
	const char *key = dot ? dot + 1 : path;
	return p != NULL && json_object_is_type(p, json_type_object) &&
	    json_object_object_get_ex(p, key, NULL) ? "null" : "(absent)";
}


long long
t_jpaise(struct json_object *o, const char *path)
{
	struct json_object *v = t_jget(o, path);
	if (v == NULL || json_object_is_type(v, json_type_string))
		return -1;
	const char *s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	int64_t paise;
	return money_parse(s, strlen(s), &paise) == MONEY_OK ? (long long)paise : -1;
}
