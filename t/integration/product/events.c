/* it_product: the outbox events of product writes (created, updated,
 * deleted). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "product.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long
events(const char *id, const char *type)
{
	return t_db_count(DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND type = $2",
	    id, type, NULL);
}

static char *
last_payload(const char *id, const char *type, const char *key)
{
	return t_db_value(DB, "SELECT payload->>($3::text) FROM outbox WHERE aggregate_id = $1 AND "
	    "type = $2 ORDER BY id DESC LIMIT 1", id, type, key, NULL);
}

static void
events_outbox_created_updated_deleted(void)
{
	struct prod p;
	T_REQUIRE(mkprod(&p, NULL, "1500.10", ""));
	T_EQ_INT(events(p.id, "PRODUCT_CREATED"), 1);
	char *v = last_payload(p.id, "PRODUCT_CREATED", "basePricePaise");
	T_EQ_STR(v, "150010");
	free(v);
	v = last_payload(p.id, "PRODUCT_CREATED", "productId");
	T_EQ_STR(v, p.id);
	free(v);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 0);

	struct resp rs;
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"basePrice\":20.00}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 1);
	v = last_payload(p.id, "PRODUCT_UPDATED", "basePricePaise");
	T_EQ_STR(v, "2000");
	free(v);
	/* The variants travel with their prices in paise too. */
	v = t_db_value(DB, "SELECT payload->'variants'->0->>'pricePaise' FROM outbox WHERE "
	    "aggregate_id = $1 AND type = 'PRODUCT_UPDATED' ORDER BY id DESC LIMIT 1", p.id, NULL);
	T_EQ_STR(v, "2000");
	free(v);
	/* A variant change is an update too; a refused one writes nothing. */
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"variants\":[{\"id\":\"%s\",\"stock\":4}]}", p.variant));
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 2);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin,
	    fmt("{\"removeVariantIds\":[\"%s\"]}", p.variant));
	T_ERROR(&rs, 409, NULL);
	t_resp_free(&rs);
	t_send_json(&rs, "PATCH", fmt("/products/%s", p.id), admin, "{\"basePrice\":0}");
	T_ERROR(&rs, 400, NULL);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_UPDATED"), 2);

	del(&rs, fmt("/products/%s", p.id), admin);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_DELETED"), 1);
	v = last_payload(p.id, "PRODUCT_DELETED", "basePricePaise");
	T_EQ_STR(v, "2000");
	free(v);
	v = last_payload(p.id, "PRODUCT_DELETED", "deleted");
	T_EQ_STR(v, "true");
	free(v);
	del(&rs, fmt("/products/%s", p.id), admin);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	T_EQ_INT(events(p.id, "PRODUCT_DELETED"), 1);
	T_EQ_INT(t_db_count(DB, "SELECT count(*) FROM outbox WHERE aggregate_id = $1", p.id, NULL),
	    4);
	prod_free(&p);
}

static const struct t_case cases[] = {
	T_CASE(events_outbox_created_updated_deleted),
};

const struct t_suite product_events_suite = T_SUITE("events", cases);
