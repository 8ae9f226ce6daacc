/* Order reads: GET /orders (a page, filtered and limited to what the caller
 * may see), GET /orders/:id (buyer, seller or admin) and the internal
 * GET /internal/order/orders/:id (no ownership check). */
#include "order.h"
#include "valid.h"
#include <string.h>
#include <strings.h>

/* GET /orders?skip=&take=&userId=&sellerId=&status= */
enum { Q_SKIP, Q_TAKE, Q_USER, Q_SELLER, Q_STATUS, Q__MAX };
const struct qparam orders_list_query[Q__MAX + 1] = {
	[Q_SKIP] = QP_SKIP,
	[Q_TAKE] = QP_TAKE(20),
	[Q_USER] = { "userId", QP_UUID, 0, 0, 0, NULL },
	[Q_SELLER] = { "sellerId", QP_UUID, 0, 0, 0, NULL },
	[Q_STATUS] = { "status", QP_ENUM, 0, 0, 0, order_status_names },
};

static bool
is_self(const struct req *r, const char *id)
{
	return id != NULL && strcasecmp(id, r->user.sub) == 0;
}

void
orders_list(struct req *r)
{
	int64_t skip = r->q[Q_SKIP].i, take = r->q[Q_TAKE].i;
	const char *user = r->q[Q_USER].s, *seller = r->q[Q_SELLER].s;
	const char *status = r->q[Q_STATUS].s;

	/* Who sees what: an admin everything; a customer their own orders
	 * (filtered by seller if they like); a reseller the orders they bought
	 * or sold, and filters naming anyone else are refused. */
	const char *visible = NULL;
	switch (r->user.role) {
	case ROLE_ADMIN:
		break;
	case ROLE_CUSTOMER:
		if (user != NULL && !is_self(r, user)) {
			reply_error(r, 403, "you may only list your own orders");
			return;
		}
		user = r->user.sub;
		break;
	case ROLE_RESELLER:
		if ((user != NULL && !is_self(r, user)) || (seller != NULL && !is_self(r, seller))) {
			reply_error(r, 403, "you may only list orders you bought or sold");
			return;
		}
		visible = r->user.sub;
		break;
	default:
		reply_error(r, 403, "this action requires another role");
		return;
	}

	PGresult *res = db_exec_or_reply(r, S(S_ORDER_LIST), (const char *[]){
	    user, seller, status, visible, db_int(r, skip), db_int(r, take) });
	if (res == NULL)
		return;
	struct order *v;
	size_t n = orders_read(r, res, &v);
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "data");
	jw_arr_open(&w);
	for (size_t i = 0; i < n; i++)
		json_order_put(&w, &v[i], NULL);
	jw_arr_close(&w);
	jw_kint(&w, "total", PQntuples(res) > 0 ? db_get_ll(res, 0, "total_count") : 0);
	jw_kint(&w, "skip", skip);
	jw_kint(&w, "take", take);
	jw_obj_close(&w);
	reply_w(r, 200);
}

void
orders_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id == NULL)
		return;
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_GET), (const char *[]){ id });
	if (res == NULL)
		return;
	struct order *o;
	if (orders_read(r, res, &o) != 1) {
		reply_error(r, 404, "order %s not found", id);
		return;
	}
	if (r->user.role != ROLE_ADMIN && !is_self(r, o->user_id) && !is_self(r, o->seller_id)) {
		reply_error(r, 403, "you may only access your own orders");
		return;
	}
	PGresult *h = db_exec_or_reply(r, S(S_HISTORY_GET), (const char *[]){ id });
	if (h == NULL)
		return;
	struct jw w;
	req_writer(r, &w);
	json_order_put(&w, o, h);
	reply_w(r, 200);
}

void
orders_internal_get(struct req *r)
{
	const char *id = param_uuid_or_reply(r, "id");
	if (id != NULL)
		order_reply(r, id, 200);
}

enum { X_IDS, X__MAX };
static const struct field exist_fields[X__MAX] = {
	[X_IDS] = { "ids", F_ARRAY, F_REQUIRED, 1, ORDER_EXIST_MAX, NULL },
};

/* Which of up to ORDER_EXIST_MAX ids are orders: the product service's
 * reaper asks before it releases a reservation no order owns. */
void
orders_internal_exist(struct req *r)
{
	struct fval f[X__MAX];
	struct jv *body = req_json_or_reply(r);
	if (body == NULL || fields_or_reply(r, body, exist_fields, X__MAX, f, NULL) != 0)
		return;
	const struct jv *ids = f[X_IDS].v;
	const char **v = arena_alloc(r->a, ids->n * sizeof *v);
	for (size_t i = 0; i < ids->n; i++) {
		if (ids->items[i]->type != JV_STR || !valid_uuid(ids->items[i]->s)) {
			reply_error(r, 400, "ids[%zu] must be a UUID", i);
			return;
		}
		v[i] = ids->items[i]->s;
	}
	PGresult *res = db_exec_or_reply(r, S(S_ORDER_EXISTS),
	    (const char *[]){ db_uuid_array(r, v, ids->n) });
	if (res == NULL)
		return;
	struct jw w;
	req_writer(r, &w);
	jw_obj_open(&w);
	jw_key(&w, "existing");
	jw_arr_open(&w);
	for (int i = 0; i < PQntuples(res); i++)
		jw_str(&w, db_get(res, i, "id"));
	jw_arr_close(&w);
	jw_obj_close(&w);
	reply_w(r, 200);
}
