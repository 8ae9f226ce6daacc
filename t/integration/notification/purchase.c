/* Through the gateway, the relay bringing the events: a registration's
 * welcome on the default channels (a name with CR/LF stays inside the
 * subject, a Devanagari name arrives byte for byte); the contract's whole
 * purchase (a reseller and a customer register with phones, the customer
 * orders two of a product from the reseller, pays through the Razorpay
 * stand-in, the admin ships and delivers, the reseller asks for a payout
 * and the admin approves it): the customer's and the reseller's rows, one
 * per event and channel, with the order id, the product and the amounts;
 * GET /notifications says the same.  Needs the stand-in
 * (RAZORPAY_STUB_PORT). */
#include "notification.h"
#include "../../lib/pay.h"
#include "../../lib/db.h"
#include "../../lib/notify.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A user registered through POST /auth/register with role, first name
 * (JSON text of a string) and phone: token and id into u, e-mail into
 * email.  False after recording why. */
static bool
register_user(const char *role, const char *first_json, const char *phone, struct t_user *u,
    char email[120])
{
	char name[80], body[600];
	struct resp rs;
	t_unique(name, sizeof name, "notify");
	snprintf(email, 120, "%s@example.com", name);
	snprintf(body, sizeof body, "{\"email\":\"%s\",\"password\":\"correct horse 1\","
	    "\"firstName\":%s,\"lastName\":\"User\",\"phone\":\"%s\",\"role\":\"%s\"}", email,
	    first_json, phone, role);
	t_post_json(&rs, "/auth/register", NULL, body);
	bool ok = T_STATUS(&rs, 201) && T_ASSERT(t_jstr(rs.json, "user.id") != NULL);
	u->token = ok ? strdup(t_jstr(rs.json, "accessToken")) : NULL;
	u->id = ok ? strdup(t_jstr(rs.json, "user.id")) : NULL;
	t_resp_free(&rs);
	return ok;
}

/* Waits for user's rows of each of types[0..n) on the channels want
 * ("EMAIL,WHATSAPP"), once each. */
static void
wait_each(const char *user, const char *const *types, size_t n, const char *want,
    const char *whose)
{
	for (size_t i = 0; i < n; i++)
		t_check(note_wait(user, types[i], want), __FILE__, __LINE__,
		    "the %s's %s on %s, once each", whose, types[i], want);
}

/* ---- registration ---- */

static void
purchase_register_welcome_per_channel(void)
{
	struct t_user u;
	char email[120];
	T_REQUIRE(register_user("CUSTOMER", "\"Asha\"", "+919812345678", &u, email));
	T_ASSERT(note_wait(u.id, "USER_REGISTERED", "EMAIL,WHATSAPP"));
	NOTE_IS(u.id, "USER_REGISTERED", "EMAIL", "recipient", email);
	NOTE_IS(u.id, "USER_REGISTERED", "EMAIL", "subject", "Welcome, Asha");
	NOTE_HAS(u.id, "USER_REGISTERED", "EMAIL", "body", email);
	NOTE_IS(u.id, "USER_REGISTERED", "WHATSAPP", "recipient", "+919812345678");
	/* The user's own list says the same. */
	struct resp rs;
	t_get(&rs, "/notifications?type=USER_REGISTERED", u.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "total", -1), 2);
		T_EQ_STR(t_jstr(rs.json, "data.0.userId"), u.id);
		T_EQ_STR(t_jstr(rs.json, "data.0.type"), "USER_REGISTERED");
	}
	t_resp_free(&rs);
	t_user_free(&u);
}

/* CR/LF in a first name never starts a header line: the subject keeps
 * it on one line, and the body's greeting too. */
static void
purchase_register_crlf_name_one_line(void)
{
	struct t_user u;
	char email[120];
	T_REQUIRE(register_user("CUSTOMER", "\"Eve\\r\\nBcc: victim@example.com\"",
	    "+919812345679", &u, email));
	T_ASSERT(note_wait(u.id, "USER_REGISTERED", "EMAIL,WHATSAPP"));
	NOTE_IS(u.id, "USER_REGISTERED", "EMAIL", "subject",
	    "Welcome, Eve Bcc: victim@example.com");
	NOTE_HAS(u.id, "USER_REGISTERED", "EMAIL", "body", "Hi Eve Bcc: victim@example.com,\n");
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE user_id = $1 "
	    "AND (subject ~ '[\\r\\n]' OR body ~ '\\nBcc')", u.id, NULL), 0);
	/* As the API gives it. */
	struct resp rs;
	t_get(&rs, "/notifications?channel=EMAIL", u.token);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "data.0.subject"), "Welcome, Eve Bcc: victim@example.com");
	t_resp_free(&rs);
	t_user_free(&u);
}

static void
purchase_register_devanagari_name_intact(void)
{
	struct t_user u;
	char email[120];
	const char *name = "\u0905\u0928\u0928\u094d\u092f\u093e";     /* अनन्या */
	char json[64], want[80];
	snprintf(json, sizeof json, "\"%s\"", name);
	T_REQUIRE(register_user("RESELLER", json, "+919812345680", &u, email));
	T_ASSERT(note_wait(u.id, "USER_REGISTERED", "EMAIL,WHATSAPP"));
	snprintf(want, sizeof want, "Welcome, %s", name);
	NOTE_IS(u.id, "USER_REGISTERED", "EMAIL", "subject", want);
	snprintf(want, sizeof want, "Hi %s, welcome", name);
	NOTE_HAS(u.id, "USER_REGISTERED", "WHATSAPP", "body", want);
	struct resp rs;
	t_get(&rs, "/notifications?channel=EMAIL", u.token);
	snprintf(want, sizeof want, "Welcome, %s", name);
	if (T_STATUS(&rs, 200))
		T_EQ_STR(t_jstr(rs.json, "data.0.subject"), want);
	t_resp_free(&rs);
	t_user_free(&u);
}

/* ---- the whole purchase ---- */

struct buyer {
	struct t_user c, s;            /* customer, reseller */
	char order[64], product[200];
	char cphone[16], sphone[16];   /* "+9198........", this run's own */
};

/* Order two at 1500.00 from the reseller, pay through the stand-in, wait
 * for PAID, ship with a note, deliver. */
static bool
purchase_run(struct buyer *b)
{
	char *prod = t_product_new(admin, "notify-kurta", "\"basePrice\":1000.00,\"stock\":50",
	    NULL);
	if (!T_ASSERT(prod != NULL))
		return false;
	char body[600];
	snprintf(body, sizeof body, "{\"sellerId\":\"%s\",\"shippingAddress\":\"1 MG Road, "
	    "Bengaluru\",\"items\":[{\"productId\":\"%s\",\"quantity\":2,\"sellerPrice\":1500.00}]}",
	    b->s.id, prod);
	free(prod);
	struct resp rs;
	t_post_json(&rs, "/orders", b->c.token, body);
	bool ok = T_STATUS(&rs, 201) && T_JSON_EQ(&rs, "total", "3000.00") &&
	    T_JSON_EQ(&rs, "commission", "300.00");
	t_copy(b->order, sizeof b->order, t_jstr(rs.json, "id"));
	t_copy(b->product, sizeof b->product, t_jstr(rs.json, "items.0.productName"));
	t_resp_free(&rs);
	struct t_checkout co;
	char pay[64], url[120];
	if (!ok || !t_checkout(b->c.token, b->order, &co) ||
	    !t_stub_pay(co.rzp_order, "captured", 0, pay, NULL))
		return false;
	t_hook_ok("payment.captured", pay, "", NULL);
	snprintf(url, sizeof url, "/orders/%s", b->order);
	if (!T_ASSERT(t_wait_json(NULL, url, b->c.token, "status", "PAID", 20)))
		return false;
	t_order_status_set(&rs, admin, b->order, "SHIPPED", "AWB 42 by BlueDart");
	ok = T_STATUS(&rs, 200);
	t_resp_free(&rs);
	t_order_status_set(&rs, admin, b->order, "DELIVERED", NULL);
	ok = T_STATUS(&rs, 200) && ok;
	t_resp_free(&rs);
	return ok;
}

static void
purchase_customer_rows(const struct buyer *b)
{
	const char *c = b->c.id;
	static const char *const types[] = { "ORDER_CREATED", "ORDER_PAID", "ORDER_SHIPPED",
		"ORDER_DELIVERED" };
	/* The customer turned SMS on after the welcome. */
	wait_each(c, types, T_NCASES(types), "EMAIL,SMS,WHATSAPP", "customer");
	char want[400];
	snprintf(want, sizeof want, "Order %s placed: \u20b93,000.00", b->order);
	NOTE_IS(c, "ORDER_CREATED", "EMAIL", "subject", want);
	snprintf(want, sizeof want, "Items: %s \u00d7 2\nTotal: \u20b93,000.00", b->product);
	NOTE_HAS(c, "ORDER_CREATED", "EMAIL", "body", want);
	NOTE_HAS(c, "ORDER_CREATED", "WHATSAPP", "body", "Hi Asha, your order");
	snprintf(want, sizeof want, "Payment received for order %s", b->order);
	NOTE_IS(c, "ORDER_PAID", "EMAIL", "subject", want);
	NOTE_HAS(c, "ORDER_PAID", "EMAIL", "body", "payment of \u20b93,000.00");
	snprintf(want, sizeof want, "Order %s has shipped", b->order);
	NOTE_IS(c, "ORDER_SHIPPED", "EMAIL", "subject", want);
	NOTE_HAS(c, "ORDER_SHIPPED", "WHATSAPP", "body", "AWB 42 by BlueDart");
	snprintf(want, sizeof want, "Order %s delivered", b->order);
	NOTE_IS(c, "ORDER_DELIVERED", "EMAIL", "subject", want);
	NOTE_IS(c, "ORDER_DELIVERED", "WHATSAPP", "recipient", b->cphone);
	NOTE_IS(c, "ORDER_DELIVERED", "SMS", "recipient", b->cphone);
}

static void
purchase_reseller_rows(const struct buyer *b)
{
	const char *s = b->s.id;
	static const char *const types[] = { "ORDER_CREATED", "ORDER_PAID", "ORDER_DELIVERED" };
	wait_each(s, types, T_NCASES(types), "EMAIL,WHATSAPP", "reseller");
	/* The customer's rows of the shipment exist: its event is applied. */
	NOTES_ARE(s, "ORDER_SHIPPED", "");
	char want[400];
	snprintf(want, sizeof want, "A sale through you: order %s", b->order);
	NOTE_IS(s, "ORDER_CREATED", "EMAIL", "subject", want);
	snprintf(want, sizeof want, "%s \u00d7 2", b->product);
	NOTE_HAS(s, "ORDER_CREATED", "EMAIL", "body", want);
	NOTE_HAS(s, "ORDER_CREATED", "EMAIL", "body", "commission of \u20b9300.00");
	char pending[200];
	snprintf(pending, sizeof pending, "Commission pending: \u20b9300.00 for order %s",
	    b->order);
	NOTE_IS(s, "ORDER_PAID", "EMAIL", "subject", pending);
	snprintf(want, sizeof want, "Commission on its way: \u20b9300.00 for order %s", b->order);
	NOTE_IS(s, "ORDER_DELIVERED", "EMAIL", "subject", want);
	NOTE_IS(s, "ORDER_PAID", "WHATSAPP", "recipient", b->sphone);
	NOTE_HAS(s, "ORDER_PAID", "WHATSAPP", "body", "Hi Ravi, order");
	/* GET /notifications agrees: the reseller's order messages. */
	struct resp rs;
	t_get(&rs, "/notifications?type=ORDER_PAID&channel=EMAIL", b->s.token);
	if (T_STATUS(&rs, 200)) {
		T_EQ_INT(t_jint(rs.json, "total", -1), 1);
		T_EQ_STR(t_jstr(rs.json, "data.0.subject"), pending);
	}
	t_resp_free(&rs);
}

/* The reseller asks for 100.00 of the delivered commission; the admin
 * approves: a row per status and channel. */
static void
purchase_payout_rows(const struct buyer *b)
{
	char url[160];
	snprintf(url, sizeof url, "/wallets/%s", b->s.id);
	T_REQUIRE(t_wait_json(NULL, url, b->s.token, "availableBalance", "300.00", 20));
	snprintf(url, sizeof url, "/wallets/%s/payouts", b->s.id);
	char *payout = t_create(url, b->s.token, "{\"amount\":100.00,\"bankAccount\":"
	    "\"HDFC0001234 000123456789\"}");
	T_REQUIRE(payout != NULL);
	snprintf(url, sizeof url, "/wallets/payouts/%s", payout);
	struct resp rs;
	t_send_json(&rs, "PATCH", url, admin, "{\"status\":\"APPROVED\"}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	T_ASSERT(note_wait(b->s.id, "PAYOUT_STATUS_CHANGED", "EMAIL,EMAIL,WHATSAPP,WHATSAPP"));
	static const char *const subjects[] = { "Payout requested: \u20b9100.00",
		"Payout approved: \u20b9100.00" };
	for (size_t i = 0; i < T_NCASES(subjects); i++)
		T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE user_id = $1 "
		    "AND type = 'PAYOUT_STATUS_CHANGED' AND channel = 'EMAIL' AND subject = $2 "
		    "AND body LIKE '%' || $3 || '%'", b->s.id, subjects[i], payout, NULL), 1);
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE user_id = $1 "
	    "AND type = 'PAYOUT_STATUS_CHANGED' AND channel = 'WHATSAPP' AND body = "
	    "'Hi Ravi, your payout of ' || $2 || ' is approved. It is paid to your bank account "
	    "at the next settlement.'", b->s.id, "\u20b9100.00", NULL), 1);
	/* The customer hears of no payout. */
	NOTES_ARE(b->c.id, "PAYOUT_STATUS_CHANGED", "");
	free(payout);
}

/* What the sender delivered for the purchase: every row SENT; the
 * customer's and the reseller's mailboxes at the SMTP stand-in, their
 * WhatsApp texts at Meta's and the customer's SMS at Twilio's hold exactly
 * their rows, each once. */
static void
purchase_delivered(const struct buyer *b, const char *ce, const char *se)
{
	T_ASSERT(delivered_all_sent(b->c.id));
	T_ASSERT(delivered_all_sent(b->s.id));
	delivered_mailbox(b->c.id, ce);
	delivered_mailbox(b->s.id, se);
	/* Welcome, placed, paid, shipped, delivered; welcome, sale, commission
	 * pending, on its way, payout requested and approved. */
	T_EQ_INT(t_smtp_find(ce, 0, NULL, 0), 5);
	T_EQ_INT(t_smtp_find(se, 0, NULL, 0), 6);
	delivered_texts(b->c.id, "whatsapp", "WHATSAPP", b->cphone + 1);
	delivered_texts(b->s.id, "whatsapp", "WHATSAPP", b->sphone + 1);
	delivered_texts(b->c.id, "twilio", "SMS", b->cphone);
	delivered_texts(b->s.id, "twilio", "SMS", b->sphone);
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE user_id = $1 "
	    "AND channel = 'SMS'", b->c.id, NULL), 4);
	/* GET /notifications agrees: every one SENT. */
	struct resp rs;
	t_get(&rs, "/notifications?status=SENT&take=100", b->c.token);
	if (T_STATUS(&rs, 200))
		T_EQ_INT(t_jint(rs.json, "total", -1), 5 + 4 + 5);
	t_resp_free(&rs);
}

static void
purchase_customer_and_reseller_then_payout(void)
{
	struct buyer b;
	memset(&b, 0, sizeof b);
	char ce[120], se[120];
	unsigned salt = (unsigned)getpid() * 7919u + (unsigned)time(NULL);
	snprintf(b.cphone, sizeof b.cphone, "+9198%08u", salt % 100000000u);
	snprintf(b.sphone, sizeof b.sphone, "+9197%08u", salt % 100000000u);
	T_REQUIRE(register_user("RESELLER", "\"Ravi\"", b.sphone, &b.s, se));
	T_REQUIRE(register_user("CUSTOMER", "\"Asha\"", b.cphone, &b.c, ce));
	/* The customer turns SMS on once the welcome is recorded. */
	T_REQUIRE(note_wait(b.c.id, "USER_REGISTERED", "EMAIL,WHATSAPP"));
	struct resp rs;
	t_send_json(&rs, "PATCH", "/notifications/preferences", b.c.token, "{\"sms\":true}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	if (purchase_run(&b)) {
		purchase_customer_rows(&b);
		NOTE_IS(b.c.id, "ORDER_PAID", "EMAIL", "recipient", ce);
		purchase_reseller_rows(&b);
		NOTE_IS(b.s.id, "ORDER_PAID", "EMAIL", "recipient", se);
		purchase_payout_rows(&b);
		purchase_delivered(&b, ce, se);
	}
	t_user_free(&b.c);
	t_user_free(&b.s);
}

static const struct t_case cases[] = {
	T_CASE(purchase_register_welcome_per_channel),
	T_CASE(purchase_register_crlf_name_one_line),
	T_CASE(purchase_register_devanagari_name_intact),
	T_CASE(purchase_customer_and_reseller_then_payout),
};

const struct t_suite notification_purchase_suite = T_SUITE("purchase", cases);
