/* common/client_*.c: the typed clients of the internal API.
 *
 * First their readers, fed the answers each callee gives (the contract's
 * shapes, docs/internal-api.md) and what a broken or other callee could
 * give instead: missing members, wrong types, other ids, prices that do
 * not add up.  Then the calls themselves against a libfcgi responder
 * standing in for every callee (INTERNAL_FCGI_DIR: <svc>.sock links to
 * one socket): the request each client sends, its status mapping (404,
 * 410, 4xx refusals passed back unanswered; 5xx, a malformed answer and a
 * dead socket answered 503 naming the callee), and the reservation given
 * back after a malformed answer.
 *
 * JSON below is written with ' for " (j() swaps them). */
#include "../lib/t.h"
#include "arena.h"
#include "client_auth.h"
#include "client_order.h"
#include "client_outbox.h"
#include "client_pricing.h"
#include "client_product.h"
#include "client_share_link.h"
#include "req.h"
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define P1 "11111111-1111-4111-8111-111111111111"
#define P2 "22222222-2222-4222-8222-222222222222"
#define V1 "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define V2 "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
#define C1 "cccccccc-cccc-4ccc-8ccc-cccccccccccc"
#define U1 "dddddddd-dddd-4ddd-8ddd-dddddddddddd"
#define L1 "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee"

static struct req r;
static char dir[64];
static pid_t child;

/* text with ' for ", parsed into r's arena; NULL when it does not parse. */
static const struct jv *
j(const char *text)
{
	char *s = arena_strdup(r.a, text);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	char err[64];
	return json_parse(r.a, s, strlen(s), err, sizeof err);
}

/* ---- product_lookup_read ---- */

#define LOOKUP_ITEM(pid, vid, extra) \
	"{'productId':'" pid "','variantId':'" vid "','found':true,'name':'Kurta'," \
	"'isActive':true,'basePrice':1000.00,'price':1200.50,'currency':'INR','stock':3" extra "}"

static void
lookup_read_ok(void)
{
	struct product_item it[3] = { { .product_id = P1 }, { .product_id = P2, .variant = V2 },
	    { .product_id = P1 } };
	const struct jv *a = j("{'items':[" LOOKUP_ITEM(P1, V1, ",'categoryId':'" C1 "'") ","
	    "{'productId':'" P2 "','variantId':'" V2 "','found':true,'name':null,'isActive':false,"
	    "'basePrice':5.00,'price':0.15,'categoryId':null},"
	    "{'productId':'" P1 "','variantId':null,'found':false}]}");
	T_EQ_STR(product_lookup_read(r.a, a, it, 3), NULL);
	T_ASSERT(it[0].found && it[0].active);
	T_EQ_STR(it[0].variant_id, V1);
	T_EQ_STR(it[0].name, "Kurta");
	T_EQ_STR(it[0].category_id, C1);
	T_EQ_STR(it[0].currency, "INR");
	T_EQ_INT(it[0].base_price, 100000);
	T_EQ_INT(it[0].price, 120050);
	/* No name, no category, no currency (INR), not on sale. */
	T_ASSERT(it[1].found && !it[1].active);
	T_EQ_STR(it[1].name, NULL);
	T_EQ_STR(it[1].category_id, NULL);
	T_EQ_STR(it[1].currency, "INR");
	T_EQ_INT(it[1].price, 15);
	T_ASSERT(!it[2].found);
	T_EQ_STR(it[2].variant_id, NULL);
	/* Ids come back lower case. */
	const struct jv *up = j("{'items':[{'productId':'11111111-1111-4111-8111-111111111111',"
	    "'variantId':'AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA','found':true,'isActive':true,"
	    "'basePrice':1,'price':1}]}");
	T_EQ_STR(product_lookup_read(r.a, up, it, 1), NULL);
	T_EQ_STR(it[0].variant_id, V1);
}

/* The reason product_lookup_read gives for one answer item, asked for P1
 * (variant V1 when ask_variant). */
static const char *
lookup_why(const char *item, bool ask_variant)
{
	struct product_item it = { .product_id = P1, .variant = ask_variant ? V1 : NULL };
	return product_lookup_read(r.a, j(arena_printf(r.a, "{'items':[%s]}", item)), &it, 1);
}

static void
lookup_read_bad_items(void)
{
	T_EQ_STR(lookup_why("'x'", false), "items[0]: item is not an object");
	T_EQ_STR(lookup_why("{'productId':'" P1 "'}", false), "items[0]: item has no boolean found");
	T_EQ_STR(lookup_why("{'found':'true'}", false), "items[0]: item has no boolean found");
	T_EQ_STR(lookup_why(LOOKUP_ITEM(P2, V1, ""), false),
	    "items[0]: item is not the product asked for");
	T_EQ_STR(lookup_why(LOOKUP_ITEM(P1, V2, ""), true),
	    "items[0]: item is not the variant asked for");
	T_EQ_STR(lookup_why(LOOKUP_ITEM(P1, "v1", ""), false), "items[0]: item has no variantId");
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'basePrice':1,'price':1}", false), "items[0]: item has no boolean isActive");
	T_EQ_STR(lookup_why(LOOKUP_ITEM(P1, V1, ",'categoryId':'toys'"), false),
	    "items[0]: item has a malformed name or categoryId");
	T_EQ_STR(lookup_why(LOOKUP_ITEM(P1, V1, ",'categoryId':7"), false),
	    "items[0]: item has a malformed name or categoryId");
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,'name':1,"
	    "'isActive':true,'basePrice':1,'price':1}", false),
	    "items[0]: item has a malformed name or categoryId");
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'basePrice':1,'price':1,'currency':'inr'}", false),
	    "items[0]: item has a malformed currency");
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'basePrice':1,'price':1,'currency':356}", false),
	    "items[0]: item has a malformed currency");
	const char *no_price = "items[0]: item has no valid basePrice and price";
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'price':1}", false), no_price);
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'basePrice':1,'price':'1.00'}", false), no_price);
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'basePrice':1,'price':1.005}", false), no_price);
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'basePrice':1,'price':0}", false), no_price);
	T_EQ_STR(lookup_why("{'productId':'" P1 "','variantId':'" V1 "','found':true,"
	    "'isActive':true,'basePrice':1,'price':1e3}", false), no_price);
}

static void
lookup_read_bad_shape(void)
{
	struct product_item it[2] = { { .product_id = P1 }, { .product_id = P1 } };
	const char *size = "answer has no items array of the size asked for";
	T_EQ_STR(product_lookup_read(r.a, NULL, it, 1), size);
	T_EQ_STR(product_lookup_read(r.a, j("[]"), it, 1), size);
	T_EQ_STR(product_lookup_read(r.a, j("{'items':{}}"), it, 1), size);
	T_EQ_STR(product_lookup_read(r.a, j("{'items':[]}"), it, 1), size);
	T_EQ_STR(product_lookup_read(r.a, j("{'items':[" LOOKUP_ITEM(P1, V1, "") "]}"), it, 2),
	    size);
	/* The second item's reason names it. */
	T_EQ_STR(product_lookup_read(r.a, j("{'items':[" LOOKUP_ITEM(P1, V1, "") ",{}]}"), it, 2),
	    "items[1]: item has no boolean found");
}

/* ---- product_reserve_read ---- */

#define RES_LINE(pid, vid, qty, extra) \
	"{'productId':'" pid "','variantId':'" vid "','name':'Kurta','categoryId':null," \
	"'price':1000.00,'currency':'INR','quantity':" qty extra "}"

static void
reserve_read_ok(void)
{
	struct product_reserve_line l[2] = { { .product_id = P1, .quantity = 2 },
	    { .product_id = P2, .variant = V2, .quantity = 1 } };
	const struct jv *a = j("{'orderId':'" U1 "','status':'RESERVED','items':[],'lines':["
	    RES_LINE(P1, V1, "2", "") ",{'productId':'" P2 "','variantId':'" V2 "','name':null,"
	    "'categoryId':'" C1 "','price':0.15,'currency':'INR','quantity':1}]}");
	T_EQ_STR(product_reserve_read(r.a, a, l, 2), NULL);
	T_EQ_STR(l[0].variant_id, V1);
	T_EQ_STR(l[0].name, "Kurta");
	T_EQ_STR(l[0].category_id, NULL);
	T_EQ_STR(l[0].currency, "INR");
	T_EQ_INT(l[0].price, 100000);
	T_EQ_STR(l[1].name, NULL);
	T_EQ_STR(l[1].category_id, C1);
	T_EQ_INT(l[1].price, 15);
}

static const char *
reserve_why(const char *line, const char *variant, int64_t qty)
{
	struct product_reserve_line l = { .product_id = P1, .variant = variant, .quantity = qty };
	return product_reserve_read(r.a, j(arena_printf(r.a, "{'lines':[%s]}", line)), &l, 1);
}

static void
reserve_read_bad(void)
{
	T_EQ_STR(reserve_why("null", NULL, 2), "lines[0]: line is not an object");
	T_EQ_STR(reserve_why(RES_LINE(P2, V1, "2", ""), NULL, 2),
	    "lines[0]: line is not the product asked for");
	T_EQ_STR(reserve_why(RES_LINE(P1, V1, "2", ""), V2, 2),
	    "lines[0]: line has no variantId or another one");
	T_EQ_STR(reserve_why("{'productId':'" P1 "','price':1,'currency':'INR','quantity':2}",
	    NULL, 2), "lines[0]: line has no variantId or another one");
	T_EQ_STR(reserve_why(RES_LINE(P1, V1, "3", ""), NULL, 2),
	    "lines[0]: line has another quantity");
	T_EQ_STR(reserve_why(RES_LINE(P1, V1, "2.0", ""), NULL, 2),
	    "lines[0]: line has another quantity");
	T_EQ_STR(reserve_why("{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'categoryId':'x','price':1,'currency':'INR'}", NULL, 2),
	    "lines[0]: line has a malformed name or categoryId");
	T_EQ_STR(reserve_why("{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'price':1}", NULL, 2), "lines[0]: line has no currency");
	T_EQ_STR(reserve_why("{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'price':-1.00,'currency':'INR'}", NULL, 2), "lines[0]: line has no valid price");
	struct product_reserve_line l[2] = { { .product_id = P1, .quantity = 2 } };
	T_EQ_STR(product_reserve_read(r.a, j("{'lines':[" RES_LINE(P1, V1, "2", "") "]}"), l, 2),
	    "answer has no lines array of the size asked for");
	T_EQ_STR(product_reserve_read(r.a, j("{'items':[]}"), l, 1),
	    "answer has no lines array of the size asked for");
}

/* ---- product_variants_read ---- */

static void
variants_read(void)
{
	struct product_variant *v;
	size_t n = 9;
	T_EQ_STR(product_variants_read(r.a, j("{'productId':'" P1 "','variants':["
	    "{'variantId':'" V1 "','price':1000.00,'isDefault':true,'stock':0},"
	    "{'variantId':'" V2 "','price':1200.10,'isDefault':false,'stock':12}]}"), &v, &n),
	    NULL);
	T_REQUIRE(n == 2);
	T_EQ_STR(v[0].id, V1);
	T_ASSERT(v[0].is_default && !v[1].is_default);
	T_EQ_INT(v[1].price, 120010);
	T_EQ_INT(v[1].stock, 12);
	T_EQ_STR(product_variants_read(r.a, j("{'variants':[]}"), &v, &n), NULL);
	T_EQ_INT(n, 0);

	T_EQ_STR(product_variants_read(r.a, j("{'variants':{}}"), &v, &n),
	    "answer has no variants array");
	T_EQ_STR(product_variants_read(r.a, j("{'variants':[{'variantId':'" V1 "','price':'1',"
	    "'isDefault':true,'stock':0}]}"), &v, &n), "variants[0] is malformed");
	T_EQ_STR(product_variants_read(r.a, j("{'variants':[{'variantId':'" V1 "','price':1,"
	    "'isDefault':true,'stock':-1}]}"), &v, &n), "variants[0] is malformed");
	T_EQ_STR(product_variants_read(r.a, j("{'variants':[{'variantId':'" V1 "','price':1,"
	    "'isDefault':1,'stock':0}]}"), &v, &n), "variants[0] is malformed");
	T_EQ_STR(product_variants_read(r.a, j("{'variants':[7]}"), &v, &n),
	    "variants[0] is malformed");
}

/* ---- pricing_quote_read ---- */

static void
quote_items(struct pricing_quote_item *it)
{
	/* The brief's example and a second line at 0.15 (0.15 + 0.25 at 10 %). */
	it[0] = (struct pricing_quote_item){ .product_id = P1, .variant_id = V1,
	    .currency = "INR", .quantity = 2, .seller_price = 150000, .base_price = 100000 };
	it[1] = (struct pricing_quote_item){ .product_id = P2, .variant_id = V2,
	    .currency = "INR", .quantity = 1, .seller_price = 25, .base_price = 15 };
}

#define QUOTE_LINE1 "{'productId':'" P1 "','variantId':'" V1 "','productName':'Kurta'," \
	"'basePrice':1000.00,'sellerPrice':1500.00,'quantity':2,'subtotal':3000.00," \
	"'commission':300.00,'commissionRate':10.00}"
#define QUOTE_LINE2 "{'productId':'" P2 "','variantId':'" V2 "','productName':null," \
	"'basePrice':0.15,'sellerPrice':0.25,'quantity':1,'subtotal':0.25,'commission':0.03," \
	"'commissionRate':10.00}"

static void
quote_read_ok(void)
{
	struct pricing_quote_item it[2];
	struct pricing_quote q;
	quote_items(it);
	T_EQ_STR(pricing_quote_read(r.a, j("{'subtotal':3000.25,'commission':300.03,"
	    "'total':3000.25,'currency':'INR','items':[" QUOTE_LINE1 "," QUOTE_LINE2 "]}"), it, 2,
	    &q), NULL);
	T_EQ_INT(it[0].subtotal, 300000);
	T_EQ_INT(it[0].commission, 30000);
	T_EQ_INT(it[0].rate_bps, 1000);
	T_EQ_INT(it[1].subtotal, 25);
	T_EQ_INT(it[1].commission, 3);
	T_EQ_STR(q.currency, "INR");
	T_EQ_INT(q.subtotal, 300025);
	T_EQ_INT(q.commission, 30003);
	T_EQ_INT(q.total, 300025);
}

/* The reason for a one-line answer for the brief's line (line: the
 * item; totals: the members before "items"). */
static const char *
quote_why(const char *totals, const char *line)
{
	struct pricing_quote_item it[2];
	struct pricing_quote q;
	quote_items(it);
	return pricing_quote_read(r.a, j(arena_printf(r.a, "{%s'items':[%s]}", totals, line)),
	    it, 1, &q);
}

#define TOTALS "'subtotal':3000.00,'commission':300.00,'total':3000.00,'currency':'INR',"

static void
quote_read_bad(void)
{
	T_EQ_STR(quote_why(TOTALS, QUOTE_LINE1), NULL);
	T_EQ_STR(quote_why(TOTALS, QUOTE_LINE2), "items[0]: item is not the product asked for");
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V2 "'}"),
	    "items[0]: item is not the variant asked for");
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':3}"),
	    "items[0]: item has another quantity");
	const char *prices = "items[0]: item has missing, other or malformed prices";
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'basePrice':999.99,'sellerPrice':1500.00,'subtotal':3000.00,'commission':300.00,"
	    "'commissionRate':10.00}"), prices);
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'basePrice':1000.00,'sellerPrice':1500.00,'subtotal':3000.00,'commission':300.00}"),
	    prices);
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'basePrice':1000.00,'sellerPrice':1500.00,'subtotal':'3000.00','commission':300.00,"
	    "'commissionRate':10.00}"), prices);
	const char *sums = "items[0]: item prices do not add up";
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'basePrice':1000.00,'sellerPrice':1500.00,'subtotal':3000.01,'commission':300.00,"
	    "'commissionRate':10.00}"), sums);
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'basePrice':1000.00,'sellerPrice':1500.00,'subtotal':3000.00,'commission':3000.01,"
	    "'commissionRate':10.00}"), sums);
	T_EQ_STR(quote_why(TOTALS, "{'productId':'" P1 "','variantId':'" V1 "','quantity':2,"
	    "'basePrice':1000.00,'sellerPrice':1500.00,'subtotal':3000.00,'commission':300.00,"
	    "'commissionRate':100.01}"), sums);
	T_EQ_STR(quote_why("'subtotal':3000.00,'commission':300.00,'total':3000.00,'currency':'USD',",
	    QUOTE_LINE1), "answer in another currency");
	T_EQ_STR(quote_why("'subtotal':3000.00,'total':3000.00,'currency':'INR',", QUOTE_LINE1),
	    "answer has no valid totals");
	T_EQ_STR(quote_why("'subtotal':3000.00,'commission':300.01,'total':3000.00,"
	    "'currency':'INR',", QUOTE_LINE1), "answer totals are not the sums of its lines");
	T_EQ_STR(quote_why("'subtotal':3000.00,'commission':300.00,'total':2999.99,"
	    "'currency':'INR',", QUOTE_LINE1), "answer totals are not the sums of its lines");
	T_EQ_STR(quote_why(TOTALS, QUOTE_LINE1 "," QUOTE_LINE1),
	    "answer has no items array of the size asked for");
}

/* ---- auth_user_read, order_get_read, order_exists_read ---- */

static void
auth_user_read_cases(void)
{
	struct auth_user u;
	T_EQ_STR(auth_user_read(r.a, j("{'id':'DDDDDDDD-dddd-4ddd-8ddd-dddddddddddd',"
	    "'email':'a@example.com','firstName':'A','lastName':null,'phone':null,"
	    "'role':'RESELLER'}"), U1, &u), NULL);
	T_EQ_STR(u.id, U1);
	T_EQ_STR(u.role, "RESELLER");
	T_EQ_STR(u.email, "a@example.com");
	T_EQ_STR(u.first_name, "A");
	T_EQ_STR(u.last_name, NULL);
	const char *idrole = "user answer without id or role";
	T_EQ_STR(auth_user_read(r.a, j("{'id':'" P1 "','role':'ADMIN'}"), U1, &u), idrole);
	T_EQ_STR(auth_user_read(r.a, j("{'id':'" U1 "'}"), U1, &u), idrole);
	T_EQ_STR(auth_user_read(r.a, j("{'id':'" U1 "','role':1}"), U1, &u), idrole);
	T_EQ_STR(auth_user_read(r.a, j("{'id':'" U1 "','role':'ROOT'}"), U1, &u),
	    "user answer with an unknown role");
	T_EQ_STR(auth_user_read(r.a, j("{'id':'" U1 "','role':'ADMIN','email':1}"), U1, &u),
	    "user answer with a member that is not a string");
	T_EQ_STR(auth_user_read(r.a, j("['" U1 "']"), U1, &u), "user answer is not an object");
	T_EQ_STR(auth_user_read(r.a, NULL, U1, &u), "user answer is not an object");
}

static void
order_read_cases(void)
{
	struct order_info o;
	T_EQ_STR(order_get_read(j("{'id':'" U1 "','userId':'" P1 "','status':'PENDING',"
	    "'currency':'INR','subtotal':3000.00,'total':3000.10,'items':[]}"), U1, &o), NULL);
	T_EQ_STR(o.id, U1);
	T_EQ_STR(o.user_id, P1);
	T_EQ_STR(o.status, "PENDING");
	T_EQ_INT(o.total, 300010);
	T_EQ_STR(order_get_read(j("{'userId':'" P1 "','status':'PAID','total':1}"), U1, &o), NULL);
	T_EQ_STR(o.currency, "INR");
	const char *usable = "order answer has no usable total or currency";
	T_EQ_STR(order_get_read(j("{'userId':'" P1 "','status':'PAID','total':'1.00'}"), U1, &o),
	    usable);
	T_EQ_STR(order_get_read(j("{'userId':'" P1 "','status':'PAID','total':1,"
	    "'currency':'inr'}"), U1, &o), usable);
	T_EQ_STR(order_get_read(j("{'userId':'" P1 "','status':'PAID','total':1,"
	    "'currency':1}"), U1, &o), usable);
	T_EQ_STR(order_get_read(j("{'status':'PAID','total':1}"), U1, &o),
	    "order answer has no userId or status");
	T_EQ_STR(order_get_read(j("[]"), U1, &o), "order answer is not an object");

	const char *ids[] = { U1, P1, P2 };
	bool ex[3];
	T_EQ_STR(order_exists_read(j("{'existing':['" P2 "','DDDDDDDD-DDDD-4DDD-8DDD-DDDDDDDDDDDD']}"),
	    ids, 3, ex), NULL);
	T_ASSERT(ex[0] && !ex[1] && ex[2]);
	T_EQ_STR(order_exists_read(j("{'existing':[]}"), ids, 3, ex), NULL);
	T_ASSERT(!ex[0] && !ex[1] && !ex[2]);
	T_EQ_STR(order_exists_read(j("{'orders':[]}"), ids, 3, ex), "answer has no existing array");
	T_EQ_STR(order_exists_read(j("{'existing':[1]}"), ids, 3, ex),
	    "answer has an id that is not a string");
}

/* ---- share_link_read ---- */

static void
share_link_read_cases(void)
{
	struct share_link l;
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','code':'abcdefghijkl','sellerId':'" U1
	    "','productId':'" P1 "','sellerPrice':1500.00,'currency':'INR','isActive':true,"
	    "'expiresAt':'2030-01-01T00:00:00.000Z'}"), L1, &l), NULL);
	T_EQ_STR(l.seller_id, U1);
	T_EQ_STR(l.product_id, P1);
	T_ASSERT(l.has_price && l.active && l.expires);
	T_EQ_INT(l.seller_price, 150000);
	T_EQ_INT(l.expires_ms, 1893456000000LL);
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'" U1 "','productId':null,"
	    "'sellerPrice':null,'isActive':false,'expiresAt':null}"), L1, &l), NULL);
	T_ASSERT(l.product_id == NULL && !l.has_price && !l.active && !l.expires);

	const char *core = "link answer without id, sellerId or isActive";
	T_EQ_STR(share_link_read(r.a, j("{'id':'" P1 "','sellerId':'" U1 "','isActive':true}"),
	    L1, &l), core);
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'u1','isActive':true}"),
	    L1, &l), core);
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'" U1 "','isActive':'yes'}"),
	    L1, &l), core);
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'" U1 "','isActive':true,"
	    "'productId':5}"), L1, &l), "link answer with a malformed productId");
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'" U1 "','isActive':true,"
	    "'sellerPrice':'1500.00'}"), L1, &l), "link answer with a malformed sellerPrice");
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'" U1 "','isActive':true,"
	    "'expiresAt':'2030-02-30T00:00:00Z'}"), L1, &l), "link answer with a malformed expiresAt");
	T_EQ_STR(share_link_read(r.a, j("{'id':'" L1 "','sellerId':'" U1 "','isActive':true,"
	    "'expiresAt':1893456000}"), L1, &l), "link answer with a malformed expiresAt");
	T_EQ_STR(share_link_read(r.a, j("'" L1 "'"), L1, &l), "link answer is not an object");
}

static void
client_readers(void)
{
	int64_t v;
	T_EQ_INT(client_money(j("{'a':1500.10}"), "a", &v), 0);
	T_EQ_INT(v, 150010);
	T_EQ_INT(client_money(j("{'a':-1}"), "a", &v), -1);
	T_EQ_INT(client_money(j("{'a':null}"), "a", &v), -1);
	T_EQ_INT(client_int(j("{'a':-12}"), "a", -100, 100, &v), 0);
	T_EQ_INT(v, -12);
	T_EQ_INT(client_int(j("{'a':101}"), "a", -100, 100, &v), -1);
	T_EQ_INT(client_int(j("{'a':1.0}"), "a", 0, 100, &v), -1);
	T_EQ_INT(client_int(j("{'a':1234567890123456789}"), "a", 0, INT64_MAX, &v), -1);
	T_ASSERT(client_currency_ok("INR") && !client_currency_ok("INRS") &&
	    !client_currency_ok("In1") && !client_currency_ok(NULL));
}

/* ---- the calls, against a stand-in for every callee ---- */

/* The responder: logs each request (method, path, body) to <dir>/log and
 * answers with <dir>/next ("status\nbody"). */
static void
serve(int fd)
{
	FCGX_Request q;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&q, fd, 0) != 0)
		_exit(1);
	char path[128];
	while (FCGX_Accept_r(&q) >= 0) {
		const char *cl = FCGX_GetParam("CONTENT_LENGTH", q.envp);
		long want = cl && *cl ? atol(cl) : 0;
		snprintf(path, sizeof path, "%s/log", dir);
		FILE *log = fopen(path, "a");
		if (log == NULL)
			_exit(1);
		fprintf(log, "%s %s\n", FCGX_GetParam("REQUEST_METHOD", q.envp),
		    FCGX_GetParam("DOCUMENT_URI", q.envp));
		int c;
		for (long i = 0; i < want && (c = FCGX_GetChar(q.in)) != EOF; i++)
			fputc(c, log);
		fputc('\n', log);
		fclose(log);
		int status = 500;
		char body[8192] = "";
		snprintf(path, sizeof path, "%s/next", dir);
		FILE *f = fopen(path, "r");
		if (f != NULL) {
			if (fscanf(f, "%d\n", &status) != 1)
				status = 500;
			body[fread(body, 1, sizeof body - 1, f)] = '\0';
			fclose(f);
		}
		FCGX_FPrintF(q.out, "Status: %d X\r\nContent-Type: application/json\r\n\r\n%s",
		    status, body);
		FCGX_Detach(&q);
		FCGX_Finish_r(&q);
	}
	_exit(0);
}

static const char *const callees[] = { "product", "pricing", "auth", "order", "share-link",
    "wallet" };

/* <dir>/<name>.sock -> target. */
static int
link_sock(const char *name, const char *target)
{
	char at[128];
	snprintf(at, sizeof at, "%s/%s.sock", dir, name);
	unlink(at);
	return symlink(target, at);
}

static int
suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/rsb-clients-%d", (int)getpid());
	char sock[100];
	snprintf(sock, sizeof sock, "%s/callee", dir);
	if (mkdir(dir, 0700) != 0)
		return -1;
	int fd = FCGX_OpenSocket(sock, 16);
	if (fd < 0 || (child = fork()) < 0)
		return -1;
	if (child == 0)
		serve(fd);
	close(fd);
	for (size_t i = 0; i < sizeof callees / sizeof callees[0]; i++)
		if (link_sock(callees[i], "callee") != 0)
			return -1;
	/* A socket nobody listens on: a pool that died. */
	snprintf(sock, sizeof sock, "%s/dead", dir);
	int dfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock);
	if (dfd < 0 || bind(dfd, (struct sockaddr *)&sa, sizeof sa) != 0)
		return -1;
	close(dfd);
	setenv("INTERNAL_FCGI_DIR", dir, 1);
	setenv("INTERNAL_URL", "http://127.0.0.1:9", 1);
	memset(&r, 0, sizeof r);
	r.a = arena_new(16384);
	r.request_id = "unit-clients";
	return r.a == NULL;
}

static int
suite_clean(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (dir[0] != '\0' && system(cmd) != 0)
		return -1;
	buf_free(&r.out);
	buf_free(&r.headers);
	arena_free(r.a);
	return 0;
}

/* The next answer of every callee (' for "), the log emptied and no
 * answer of ours given yet. */
static void
answer(int status, const char *body)
{
	reply_reset(&r);
	char path[128];
	snprintf(path, sizeof path, "%s/next", dir);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return;
	fprintf(f, "%d\n", status);
	for (const char *p = body; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/log", dir);
	if ((f = fopen(path, "w")) != NULL)
		fclose(f);
}

/* What the callees were sent since answer() (' for "), arena-owned. */
static const char *
sent(void)
{
	char path[128], buf[8192];
	snprintf(path, sizeof path, "%s/log", dir);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return "";
	buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
	fclose(f);
	for (char *p = buf; *p; p++)
		if (*p == '"')
			*p = '\'';
	return arena_strdup(r.a, buf);
}

/* Our answer: status and message. */
static void
check_answered(int status, const char *message)
{
	T_EQ_INT(r.status, status);
	buf_addc(&r.out, '\0');
	r.out.len--;
	if (message != NULL && !T_ASSERT(r.out.p != NULL && strstr(r.out.p, message) != NULL))
		T_FAIL("answered %s", r.out.p ? r.out.p : "(nothing)");
}

static void
call_product_lookup(void)
{
	struct product_item it = { .product_id = P1 };
	answer(200, "{'items':[" LOOKUP_ITEM(P1, V1, "") "]}");
	T_EQ_INT(product_lookup(&r, &it, 1), CLIENT_OK);
	T_EQ_STR(sent(), "POST /internal/product/lookup\n"
	    "{'items':[{'productId':'" P1 "','variantId':null}]}\n");
	T_ASSERT(it.found);
	T_EQ_INT(it.price, 120050);
	check_answered(0, NULL);

	answer(502, "<html>bad gateway</html>");
	T_EQ_INT(product_lookup(&r, &it, 1), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
	/* A refusal of our own request is the callee's fault here: 503. */
	answer(400, "{'statusCode':400,'message':'items[0].productId must be a UUID'}");
	T_EQ_INT(product_lookup(&r, &it, 1), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
	answer(200, "{'items':[]}");
	T_EQ_INT(product_lookup(&r, &it, 1), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
	answer(200, "not json");
	T_EQ_INT(product_lookup(&r, &it, 1), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
}

static void
call_product_reserve(void)
{
	struct product_reserve_line l = { .product_id = P1, .quantity = 2 };
	struct client_refusal ref = { 0 };
	answer(200, "{'orderId':'" U1 "','status':'RESERVED','items':[],'lines':["
	    RES_LINE(P1, V1, "2", "") "]}");
	T_EQ_INT(product_reserve(&r, U1, &l, 1, &ref), CLIENT_OK);
	T_EQ_STR(sent(), "POST /internal/product/reservations\n"
	    "{'orderId':'" U1 "','items':[{'productId':'" P1 "','quantity':2}]}\n");
	T_EQ_STR(l.variant_id, V1);
	check_answered(0, NULL);

	/* The callee's refusal comes back unanswered, with its message. */
	l.variant = V1;
	answer(409, "{'statusCode':409,'message':'items[0]: insufficient stock for variant "
	    V1 "','error':'Conflict'}");
	T_EQ_INT(product_reserve(&r, U1, &l, 1, &ref), CLIENT_REFUSED);
	T_EQ_INT(ref.status, 409);
	T_EQ_STR(ref.message, "items[0]: insufficient stock for variant " V1);
	T_ASSERT(strstr(sent(), "'variantId':'" V1 "','quantity':2") != NULL);
	check_answered(0, NULL);
	answer(404, "");
	T_EQ_INT(product_reserve(&r, U1, &l, 1, &ref), CLIENT_REFUSED);
	T_EQ_INT(ref.status, 404);
	T_EQ_STR(ref.message, "insufficient stock");

	/* A malformed answer may hide a reservation: 503, and it is given back. */
	answer(200, "{'lines':[]}");
	T_EQ_INT(product_reserve(&r, U1, &l, 1, &ref), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
	T_ASSERT(strstr(sent(), "POST /internal/product/reservations/" U1 "/release\n{}\n") != NULL);
	answer(500, "");
	T_EQ_INT(product_reserve(&r, U1, &l, 1, &ref), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
	T_ASSERT(strstr(sent(), "/release\n") != NULL);

	answer(404, "{'statusCode':404,'message':'no reservation'}");
	product_release(&r, U1);
	T_EQ_STR(sent(), "POST /internal/product/reservations/" U1 "/release\n{}\n");
	answer(500, "");
	product_release(&r, U1);   /* logged only */
	check_answered(0, NULL);
}

static void
call_product_variants_snapshot(void)
{
	struct product_variant *v;
	size_t n;
	answer(200, "{'productId':'" P1 "','variants':[{'variantId':'" V1 "','price':10.00,"
	    "'isDefault':true,'stock':1}]}");
	T_EQ_INT(product_variants(&r, P1, &v, &n), CLIENT_OK);
	T_EQ_STR(sent(), "GET /internal/product/products/" P1 "/variants\n\n");
	T_EQ_INT(n, 1);
	answer(404, "");
	T_EQ_INT(product_variants(&r, P1, &v, &n), CLIENT_NOT_FOUND);
	check_answered(0, NULL);
	answer(200, "{'variants':[{}]}");
	T_EQ_INT(product_variants(&r, P1, &v, &n), CLIENT_DOWN);
	check_answered(503, "product service unavailable");

	const struct jv *snap = NULL;
	answer(200, "{'productId':'" P1 "','version':3}");
	T_EQ_INT(product_snapshot(&r, P1, &snap), CLIENT_OK);
	T_EQ_STR(sent(), "GET /internal/product/products/" P1 "/snapshot\n\n");
	T_ASSERT(snap != NULL && json_get(snap, "version") != NULL);
	answer(404, "");
	T_EQ_INT(product_snapshot(&r, P1, &snap), CLIENT_NOT_FOUND);
	answer(200, "[]");
	T_EQ_INT(product_snapshot(&r, P1, &snap), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
}

static void
call_pricing(void)
{
	struct pricing_quote_item it[2];
	struct pricing_quote q;
	struct client_refusal ref;
	quote_items(it);
	it[0].category_id = C1;
	answer(200, "{" TOTALS "'items':[" QUOTE_LINE1 "]}");
	T_EQ_INT(pricing_quote(&r, it, 1, &q, &ref), CLIENT_OK);
	T_EQ_STR(sent(), "POST /internal/pricing/quote\n{'items':[{'productId':'" P1 "',"
	    "'variantId':'" V1 "','quantity':2,'sellerPrice':1500.00,'categoryId':'" C1 "',"
	    "'price':1000.00,'currency':'INR'}]}\n");
	T_EQ_INT(q.commission, 30000);
	check_answered(0, NULL);

	answer(400, "{'statusCode':400,'message':'items[0].sellerPrice must be at most 1100.00',"
	    "'error':'Bad Request'}");
	T_EQ_INT(pricing_quote(&r, it, 1, &q, &ref), CLIENT_REFUSED);
	T_EQ_INT(ref.status, 400);
	T_EQ_STR(ref.message, "items[0].sellerPrice must be at most 1100.00");
	check_answered(0, NULL);
	answer(409, "{}");
	T_EQ_INT(pricing_quote(&r, it, 1, &q, &ref), CLIENT_REFUSED);
	T_EQ_INT(ref.status, 409);
	T_EQ_STR(ref.message, "the items cannot be priced");
	answer(503, "{'statusCode':503,'message':'database unavailable, try again shortly'}");
	T_EQ_INT(pricing_quote(&r, it, 1, &q, &ref), CLIENT_DOWN);
	check_answered(503, "pricing service unavailable");
	answer(200, "{" TOTALS "'items':[" QUOTE_LINE2 "]}");
	T_EQ_INT(pricing_quote(&r, it, 1, &q, &ref), CLIENT_DOWN);
	check_answered(503, "pricing service unavailable");

	answer(200, "{'productId':'" P1 "','version':2,'applied':true}");
	T_EQ_INT(pricing_catalog_push(&r, "{\"productId\":\"" P1 "\"}"), 0);
	T_EQ_STR(sent(), "POST /internal/pricing/catalog\n{'productId':'" P1 "'}\n");
	answer(500, "");
	T_EQ_INT(pricing_catalog_push(&r, "{}"), -1);
	check_answered(0, NULL);
}

static void
call_auth_user(void)
{
	struct auth_user u;
	answer(200, "{'id':'" U1 "','email':'a@example.com','firstName':'A','lastName':'B',"
	    "'phone':null,'role':'CUSTOMER'}");
	T_EQ_INT(auth_user(&r, U1, &u), CLIENT_OK);
	T_EQ_STR(sent(), "GET /internal/auth/users/" U1 "\n\n");
	T_EQ_STR(u.role, "CUSTOMER");
	answer(404, "{'statusCode':404,'message':'user not found'}");
	T_EQ_INT(auth_user(&r, U1, &u), CLIENT_NOT_FOUND);
	check_answered(0, NULL);
	answer(200, "{'id':'" U1 "'}");
	T_EQ_INT(auth_user(&r, U1, &u), CLIENT_DOWN);
	check_answered(503, "auth service unavailable");
	/* Its pool died: a transport failure is the same 503. */
	answer(200, "{'id':'" U1 "','role':'CUSTOMER'}");
	T_REQUIRE(link_sock("auth", "dead") == 0);
	T_EQ_INT(auth_user(&r, U1, &u), CLIENT_DOWN);
	T_REQUIRE(link_sock("auth", "callee") == 0);
	check_answered(503, "auth service unavailable");
	T_EQ_STR(sent(), "");
}

static void
call_order(void)
{
	struct order_info o;
	answer(200, "{'id':'" U1 "','userId':'" P1 "','status':'PENDING','total':10.00}");
	T_EQ_INT(order_get(&r, U1, &o), CLIENT_OK);
	T_EQ_STR(sent(), "GET /internal/order/orders/" U1 "\n\n");
	T_EQ_INT(o.total, 1000);
	answer(404, "");
	T_EQ_INT(order_get(&r, U1, &o), CLIENT_NOT_FOUND);
	check_answered(0, NULL);
	answer(500, "");
	T_EQ_INT(order_get(&r, U1, &o), CLIENT_DOWN);
	check_answered(503, "order service unavailable, try again shortly");
	answer(200, "{'userId':'" P1 "'}");
	T_EQ_INT(order_get(&r, U1, &o), CLIENT_DOWN);
	check_answered(503, "order service unavailable, try again shortly");

	const char *ids[] = { U1, P1 };
	bool ex[2];
	answer(200, "{'existing':['" P1 "']}");
	T_EQ_INT(order_exists(&r, ids, 2, ex), CLIENT_OK);
	T_EQ_STR(sent(), "POST /internal/order/orders/exists\n{'ids':['" U1 "','" P1 "']}\n");
	T_ASSERT(!ex[0] && ex[1]);
	answer(200, "{}");
	T_EQ_INT(order_exists(&r, ids, 2, ex), CLIENT_DOWN);
	check_answered(503, "order service unavailable");
}

static void
call_share_link_and_outbox(void)
{
	struct share_link l;
	answer(200, "{'id':'" L1 "','sellerId':'" U1 "','productId':null,'isActive':true}");
	T_EQ_INT(share_link_get(&r, L1, &l), CLIENT_OK);
	T_EQ_STR(sent(), "GET /internal/share-link/links/" L1 "\n\n");
	T_EQ_STR(l.seller_id, U1);
	answer(410, "{'statusCode':410,'message':'share link has expired'}");
	T_EQ_INT(share_link_get(&r, L1, &l), CLIENT_GONE);
	answer(404, "");
	T_EQ_INT(share_link_get(&r, L1, &l), CLIENT_NOT_FOUND);
	check_answered(0, NULL);
	answer(200, "{'id':'" L1 "'}");
	T_EQ_INT(share_link_get(&r, L1, &l), CLIENT_DOWN);
	check_answered(503, "share-link service unavailable");

	const char *raw = NULL;
	answer(200, "[{'eventId':'" U1 "'}]");
	const struct jv *dead = outbox_dead_fetch(&r, "wallet", &raw);
	T_ASSERT(dead != NULL && dead->n == 1);
	T_EQ_STR(raw, "[{\"eventId\":\"" U1 "\"}]");
	T_EQ_STR(sent(), "GET /internal/wallet/outbox/dead\n\n");
	answer(200, "{}");
	T_ASSERT(outbox_dead_fetch(&r, "wallet", &raw) == NULL);
	answer(200, "{}");
	T_ASSERT(outbox_retry_send(&r, "order", U1));
	T_EQ_STR(sent(), "POST /internal/order/outbox/" U1 "/retry\n{}\n");
	answer(404, "");
	T_ASSERT(!outbox_retry_send(&r, "order", U1));
	/* No pool here and no gateway: nothing, and nothing answered. */
	T_ASSERT(outbox_dead_fetch(&r, "notification", &raw) == NULL);
	check_answered(0, NULL);
}

/* ---- product_card_read, product_card ---- */

#define CARD(extra) \
	"{'productId':'" P1 "','name':'Kurta <b>','slug':'kurta-b','description':'Cotton'," \
	"'isActive':true,'basePrice':1000.00,'price':1200.50,'currency':'INR'" extra "}"

static void
card_read_cases(void)
{
	struct product_card c;
	T_EQ_STR(product_card_read(r.a, j(CARD(",'image':{'url':'https://i.example/k.jpg',"
	    "'altText':'front'}")), P1, &c), NULL);
	T_EQ_STR(c.product_id, P1);
	T_EQ_STR(c.name, "Kurta <b>");
	T_EQ_STR(c.slug, "kurta-b");
	T_EQ_STR(c.description, "Cotton");
	T_ASSERT(c.active);
	T_EQ_INT(c.base_price, 100000);
	T_EQ_INT(c.price, 120050);
	T_EQ_STR(c.currency, "INR");
	T_EQ_STR(c.image_url, "https://i.example/k.jpg");
	T_EQ_STR(c.image_alt, "front");
	/* No image, no description, no alt text: NULLs. */
	T_EQ_STR(product_card_read(r.a, j("{'productId':'" P1 "','name':'K','slug':'k',"
	    "'description':null,'isActive':false,'basePrice':1,'price':1,'currency':'USD',"
	    "'image':null}"), P1, &c), NULL);
	T_ASSERT(c.description == NULL && c.image_url == NULL && !c.active);
	T_EQ_STR(product_card_read(r.a, j(CARD(",'image':{'url':'http://i.example/k.jpg'}")),
	    P1, &c), NULL);
	T_ASSERT(c.image_alt == NULL);

	static const struct { const char *answer, *why; } bad[] = {
		{ "[]", "card is not an object" },
		{ CARD(""), NULL },   /* placeholder: the same card for P2 below */
		{ "{'productId':'x','name':'K','slug':'k'}", "card is not the product asked for" },
		{ "{'productId':'" P1 "','slug':'k'}", "card has no name or no valid slug" },
		{ "{'productId':'" P1 "','name':'K','slug':'K B'}",
		  "card has no name or no valid slug" },
		{ "{'productId':'" P1 "','name':'K','slug':''}", "card has no name or no valid slug" },
		{ "{'productId':'" P1 "','name':'K','slug':'k','description':3,'isActive':true}",
		  "card has a malformed description or isActive" },
		{ "{'productId':'" P1 "','name':'K','slug':'k','isActive':'yes'}",
		  "card has a malformed description or isActive" },
		{ "{'productId':'" P1 "','name':'K','slug':'k','isActive':true,'currency':'inr'}",
		  "card has a malformed currency" },
		{ "{'productId':'" P1 "','name':'K','slug':'k','isActive':true,'currency':'INR',"
		  "'basePrice':1.005,'price':1}", "card has no valid basePrice and price" },
		{ "{'productId':'" P1 "','name':'K','slug':'k','isActive':true,'currency':'INR',"
		  "'basePrice':1,'price':0}", "card has no valid basePrice and price" },
		{ CARD(",'image':'https://i.example/k.jpg'"), "card has a malformed image" },
		{ CARD(",'image':{'url':'javascript:alert(1)'}"), "card has a malformed image" },
		{ CARD(",'image':{'altText':'front'}"), "card has a malformed image" },
		{ CARD(",'image':{'url':'https://i','altText':7}"), "card has a malformed image" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *id = bad[i].why == NULL ? P2 : P1;
		const char *why = bad[i].why ? bad[i].why : "card is not the product asked for";
		const char *got = product_card_read(r.a, j(bad[i].answer), id, &c);
		if (!T_EQ_STR(got, why))
			printf("    (answer %zu: %s)\n", i, bad[i].answer);
	}
}

static void
call_product_card(void)
{
	struct product_card c;
	answer(200, CARD(",'image':null"));
	T_EQ_INT(product_card(&r, P1, &c), CLIENT_OK);
	T_EQ_STR(sent(), "GET /internal/product/products/" P1 "/card\n\n");
	T_EQ_STR(c.slug, "kurta-b");
	check_answered(0, NULL);
	answer(404, "{'statusCode':404,'message':'product not found'}");
	T_EQ_INT(product_card(&r, P1, &c), CLIENT_NOT_FOUND);
	check_answered(0, NULL);
	answer(200, "{'productId':'" P2 "'}");
	T_EQ_INT(product_card(&r, P1, &c), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
	answer(503, "");
	T_EQ_INT(product_card(&r, P1, &c), CLIENT_DOWN);
	check_answered(503, "product service unavailable");
}

static const struct t_case cases[] = {
	T_CASE(client_readers),
	T_CASE(lookup_read_ok),
	T_CASE(lookup_read_bad_items),
	T_CASE(lookup_read_bad_shape),
	T_CASE(reserve_read_ok),
	T_CASE(reserve_read_bad),
	T_CASE(variants_read),
	T_CASE(quote_read_ok),
	T_CASE(quote_read_bad),
	T_CASE(auth_user_read_cases),
	T_CASE(order_read_cases),
	T_CASE(share_link_read_cases),
	T_CASE(call_product_lookup),
	T_CASE(call_product_reserve),
	T_CASE(call_product_variants_snapshot),
	T_CASE(card_read_cases),
	T_CASE(call_product_card),
	T_CASE(call_pricing),
	T_CASE(call_auth_user),
	T_CASE(call_order),
	T_CASE(call_share_link_and_outbox),
};

int
main(void)
{
	return t_run("clients", cases, T_NCASES(cases), suite_init, suite_clean);
}
