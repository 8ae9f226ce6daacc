/* Reading the JSON bodies the suites get (json-c, never the server's own
 * parser): lookups by dotted path ("user.email", "user.roles.0"), the
 * exact text of a value (money as the server wrote it), money as paise. */
#ifndef T_JSON_H
#define T_JSON_H
#include <json-c/json.h>
#include <stddef.h>

/* The value at path; NULL or fallback when absent or of another type. */
struct json_object *t_jget(struct json_object *o, const char *path);
const char *t_jstr(struct json_object *o, const char *path);
long long t_jint(struct json_object *o, const char *path, long long fallback);
size_t t_jlen(struct json_object *o, const char *path);   /* array length, 0 */
/* The exact JSON text of the value at path ("3000.00", "true", "\"a/b\"",
 * "null" for a null member, "(absent)" for a missing one), to compare
 * money as the server wrote it.  Owned by o. */
const char *t_jtext(struct json_object *o, const char *path);
/* The number at path as paise (money_parse: "3000.00", 3000.5, 3000), or
 * -1 when it is absent, a string or not an amount. */
long long t_jpaise(struct json_object *o, const char *path);

/* The JSON text at path of a response is want ("1500.00"). */
#define T_JSON_EQ(rs, path, want) T_EQ_STR(t_jtext((rs)->json, (path)), (want))

#endif
