/* The user object as the API answers it (json_user_put): users.c and
 * tokens.c both write it. */
#include "auth.h"

void
json_user_put(struct jw *w, const PGresult *res, int row)
{
	jw_obj_open(w);
	jw_kstr(w, "id", db_get(res, row, "id"));
	jw_kstr(w, "email", db_get(res, row, "email"));
	jw_kstr(w, "firstName", db_get(res, row, "first_name"));
	jw_kstr(w, "lastName", db_get(res, row, "last_name"));
	jw_kstr(w, "phone", db_get(res, row, "phone"));
	jw_key(w, "roles");
	jw_arr_open(w);
	jw_str(w, db_get(res, row, "role"));
	jw_arr_close(w);
	jw_kstr(w, "createdAt", db_get(res, row, "created_at"));
	jw_obj_close(w);
}
