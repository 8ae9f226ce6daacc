/* POST /internal/notification/events fed by hand, as the relay sends it:
 * one row per (event, user, channel) however often and however
 * concurrently an event comes (the inbox, and the unique key in SQL when
 * the inbox forgets); an event with no recipient acknowledged with
 * nothing recorded; a channel turned off gets no row; a user with no
 * contact looked up through auth and kept; a payload that lacks a fact
 * refused whole; each event's messages with their facts; the route hidden
 * from the public port.  Users are made known through USER_REGISTERED
 * events (no auth), but for the lookup, which registers one. */
#include "notification.h"
#include "crypto.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PHONE "+919800000001"
/* An order or payout id where which one does not matter. */
#define OID   "6f1c1e9e-0000-4000-8000-00000000000a"

/* Posts event eid of type with payload: the HTTP status, and the answer's
 * status member ("applied", "duplicate", "ignored") into st. */
static long
send_event(const char *eid, const char *type, const char *payload, char st[32])
{
	struct resp rs;
	long code = t_event_send(&rs, "notification", "order", eid, type, payload);
	if (st != NULL)
		t_copy(st, 32, t_jstr(rs.json, "status"));
	if (code != 200)
		fprintf(stderr, "event %s %s: %ld %s\n", type, eid, code, rs.body);
	t_resp_free(&rs);
	return code;
}

/* Rows recorded for event eid. */
static long long
rows_of(const char *eid)
{
	return t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE event_id = $1",
	    eid, NULL);
}

static long long
inbox_of(const char *eid)
{
	return t_db_count(NOTIFY_DB, "SELECT count(*) FROM inbox WHERE event_id = $1", eid, NULL);
}

/* A user the service learns of from USER_REGISTERED (eid into eid when
 * not NULL), with a phone when phone is not NULL: its id into id. */
static void
contact_new(char id[37], const char *first, const char *phone, char *eid_out)
{
	char eid[37], payload[512], ph[40];
	crypto_uuid4(id);
	crypto_uuid4(eid);
	snprintf(ph, sizeof ph, phone != NULL ? "\"%s\"" : "null", phone);
	snprintf(payload, sizeof payload, "{\"userId\":\"%s\",\"email\":\"n-%.8s@example.com\","
	    "\"firstName\":\"%s\",\"lastName\":\"K\",\"phone\":%s,\"role\":\"CUSTOMER\"}", id, id,
	    first, ph);
	char st[32];
	T_EQ_INT(send_event(eid, "USER_REGISTERED", payload, st), 200);
	T_EQ_STR(st, "applied");
	if (eid_out != NULL)
		memcpy(eid_out, eid, 37);
}

/* ---- cases ---- */

/* The welcome from USER_REGISTERED: email and WhatsApp by default, no SMS;
 * the contact kept as the event gives it. */
static void
events_welcome_default_channels(void)
{
	char a[37], b[37];
	contact_new(a, "Ravi", PHONE, NULL);
	NOTES_ARE(a, "USER_REGISTERED", "EMAIL,WHATSAPP");
	char email[64];
	snprintf(email, sizeof email, "n-%.8s@example.com", a);
	NOTE_IS(a, "USER_REGISTERED", "EMAIL", "recipient", email);
	NOTE_IS(a, "USER_REGISTERED", "EMAIL", "subject", "Welcome, Ravi");
	NOTE_IS(a, "USER_REGISTERED", "WHATSAPP", "recipient", PHONE);
	NOTE_HAS(a, "USER_REGISTERED", "WHATSAPP", "body", "Hi Ravi, welcome");
	NOTE_IS(a, "USER_REGISTERED", "WHATSAPP", "subject", NULL);
	char *c = t_db_value(NOTIFY_DB, "SELECT email || '|' || phone || '|' || first_name "
	    "FROM contacts WHERE user_id = $1", a, NULL);
	char want[128];
	snprintf(want, sizeof want, "%s|%s|Ravi", email, PHONE);
	T_EQ_STR(c, want);
	free(c);
	/* No phone: email only. */
	contact_new(b, "Mina", NULL, NULL);
	NOTES_ARE(b, "USER_REGISTERED", "EMAIL");
}

/* The same event again, five at once, and after its inbox row is gone:
 * one row per channel. */
static void
events_repeat_one_row_per_channel(void)
{
	char a[37], reg[37], eid[37], payload[300], st[32];
	contact_new(a, "Ravi", PHONE, reg);
	snprintf(payload, sizeof payload, "{\"userId\":\"%s\",\"email\":\"x@example.com\","
	    "\"firstName\":\"Other\",\"phone\":null}", a);
	T_EQ_INT(send_event(reg, "USER_REGISTERED", payload, st), 200);
	T_EQ_STR(st, "duplicate");
	NOTES_ARE(a, "USER_REGISTERED", "EMAIL,WHATSAPP");
	NOTE_IS(a, "USER_REGISTERED", "EMAIL", "subject", "Welcome, Ravi");
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":null,"
	    "\"notes\":\"AWB 7\"}", eid, a);
	char url[300], body[600];
	snprintf(url, sizeof url, "%s/internal/notification/events", t_env("INTERNAL_URL"));
	snprintf(body, sizeof body, "{\"eventId\":\"%s\",\"type\":\"ORDER_SHIPPED\",\"source\":"
	    "\"order\",\"aggregateId\":\"x\",\"attempt\":1,\"payload\":%s}", eid, payload);
	long status[5];
	t_http_parallel(5, "POST", url, NULL, "application/json", body, status, NULL);
	for (int i = 0; i < 5; i++)
		T_EQ_INT(status[i], 200);
	NOTES_ARE(a, "ORDER_SHIPPED", "EMAIL,WHATSAPP");
	T_EQ_INT(rows_of(eid), 2);
	/* Without its inbox row the event applies again: the unique key
	 * keeps it to one row per channel. */
	T_EQ_INT(t_db_write(NOTIFY_DB, "DELETE FROM inbox WHERE event_id = $1", eid, NULL), 1);
	T_EQ_INT(send_event(eid, "ORDER_SHIPPED", payload, st), 200);
	T_EQ_STR(st, "applied");
	T_EQ_INT(rows_of(eid), 2);
	NOTE_HAS(a, "ORDER_SHIPPED", "EMAIL", "body", "AWB 7");
}

/* No userId or sellerId, a user auth does not know, a type not ours:
 * 200 "ignored", nothing recorded (not even the inbox). */
static void
events_no_recipient_ignored(void)
{
	char eid[37], nobody[37], payload[400], st[32];
	crypto_uuid4(nobody);
	struct {
		const char *type, *fmt;
	} cases[] = {
		{ "ORDER_SHIPPED", "{\"orderId\":\"" OID "\",\"userId\":null,\"sellerId\":null}" },
		{ "ORDER_PAID", "{\"orderId\":\"" OID "\",\"totalPaise\":100,\"commissionPaise\":0}" },
		{ "PAYOUT_STATUS_CHANGED", "{\"payoutId\":\"" OID "\",\"sellerId\":null,\"status\":"
		  "\"APPROVED\",\"amountPaise\":100}" },
		{ "ORDER_SHIPPED", "{\"orderId\":\"" OID "\",\"userId\":\"@P\"}" },
		{ "PAYMENT_SUCCESS", "{\"orderId\":\"" OID "\",\"userId\":\"@P\"}" },
		/* The reseller does not hear of a shipment. */
		{ "ORDER_SHIPPED", "{\"orderId\":\"" OID "\",\"userId\":null,\"sellerId\":\"@P\"}" },
	};
	for (size_t i = 0; i < T_NCASES(cases); i++) {
		t_subst(payload, sizeof payload, cases[i].fmt, nobody);
		crypto_uuid4(eid);
		T_EQ_INT(send_event(eid, cases[i].type, payload, st), 200);
		t_check(st[0] != '\0' && strcmp(st, "ignored") == 0, __FILE__, __LINE__,
		    "%s %s: %s", cases[i].type, payload, st);
		T_EQ_INT(rows_of(eid), 0);
		T_EQ_INT(inbox_of(eid), 0);
	}
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM contacts WHERE user_id = $1", nobody,
	    NULL), 0);
}

/* A channel turned off gets no row; all off: nothing. */
static void
events_channel_off_no_row(void)
{
	char a[37], eid[37], payload[300], st[32];
	contact_new(a, "Ravi", PHONE, NULL);
	char *tok = t_mint(a, "off@example.com", ROLE_CUSTOMER, TOKEN_ACCESS, 3600, 0, NULL);
	struct resp rs;
	t_send_json(&rs, "PATCH", "/notifications/preferences", tok,
	    "{\"whatsapp\":false,\"sms\":true}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\"}", eid, a);
	T_EQ_INT(send_event(eid, "ORDER_SHIPPED", payload, st), 200);
	NOTES_ARE(a, "ORDER_SHIPPED", "EMAIL,SMS");
	NOTE_IS(a, "ORDER_SHIPPED", "SMS", "recipient", PHONE);
	NOTE_IS(a, "ORDER_SHIPPED", "SMS", "subject", NULL);
	t_send_json(&rs, "PATCH", "/notifications/preferences", tok,
	    "{\"email\":false,\"sms\":false}");
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\","
	    "\"sellerId\":null,\"commissionPaise\":0,\"currency\":\"INR\"}", eid, a);
	T_EQ_INT(send_event(eid, "ORDER_DELIVERED", payload, st), 200);
	T_EQ_STR(st, "ignored");
	T_EQ_INT(rows_of(eid), 0);
	NOTES_ARE(a, "ORDER_DELIVERED", "");
	free(tok);
}

/* A user the service has no contact for is looked up through auth's
 * internal API, told, and the answer kept. */
static void
events_no_contact_looked_up_in_auth(void)
{
	struct t_user u = t_register("CUSTOMER", "notify-lookup");
	T_REQUIRE(u.id != NULL);
	struct resp rs;
	t_get(&rs, "/auth/me", u.token);
	char email[160];
	t_copy(email, sizeof email, t_jstr(rs.json, "email"));
	t_resp_free(&rs);
	/* The relay's USER_REGISTERED first, then the contact is lost. */
	T_ASSERT(note_wait(u.id, "USER_REGISTERED", "EMAIL"));
	T_EQ_INT(t_db_write(NOTIFY_DB, "DELETE FROM contacts WHERE user_id = $1", u.id, NULL), 1);
	char eid[37], payload[300], st[32];
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\"}", eid, u.id);
	T_EQ_INT(send_event(eid, "ORDER_SHIPPED", payload, st), 200);
	T_EQ_STR(st, "applied");
	NOTES_ARE(u.id, "ORDER_SHIPPED", "EMAIL");
	NOTE_IS(u.id, "ORDER_SHIPPED", "EMAIL", "recipient", email);
	NOTE_HAS(u.id, "ORDER_SHIPPED", "EMAIL", "body", "Hi Test,");
	char *c = t_db_value(NOTIFY_DB, "SELECT email || '|' || coalesce(phone, '-') || '|' || "
	    "first_name FROM contacts WHERE user_id = $1", u.id, NULL);
	char want[200];
	snprintf(want, sizeof want, "%s|-|Test", email);
	T_EQ_STR(c, want);
	free(c);
	t_user_free(&u);
}

/* A payload that lacks what its messages say, or names a user badly: 400
 * and nothing recorded, so that the relay retries (and parks it dead). */
static void
events_bad_payload_400(void)
{
	char a[37], eid[37], payload[300];
	contact_new(a, "Ravi", PHONE, NULL);
	struct {
		const char *type, *fmt, *mention;
	} cases[] = {
		{ "ORDER_PAID", "{\"orderId\":\"" OID "\",\"userId\":\"@P\"}", "totalPaise" },
		{ "ORDER_PAID", "{\"orderId\":\"" OID "\",\"userId\":\"@P\",\"totalPaise\":\"3000.00\"}",
		  "totalPaise" },
		{ "ORDER_SHIPPED", "{\"userId\":\"@P\"}", "orderId" },
		{ "PAYOUT_STATUS_CHANGED", "{\"payoutId\":\"" OID "\",\"sellerId\":\"@P\",\"status\":"
		  "\"LOST\",\"amountPaise\":100}", "status" },
		{ "ORDER_SHIPPED", "{\"orderId\":\"" OID "\",\"userId\":\"@P-x\"}", "userId" },
		{ "ORDER_CREATED", "{\"orderId\":\"" OID "\",\"userId\":null,\"sellerId\":7,\"x\":\"@P\"}",
		  "sellerId" },
		{ "USER_REGISTERED", "{\"userId\":\"@P\",\"email\":5}", "email" },
	};
	for (size_t i = 0; i < T_NCASES(cases); i++) {
		crypto_uuid4(eid);
		t_subst(payload, sizeof payload, cases[i].fmt, a);
		struct resp rs;
		t_event_send(&rs, "notification", "order", eid, cases[i].type, payload);
		T_ERROR(&rs, 400, cases[i].mention);
		t_resp_free(&rs);
		T_EQ_INT(rows_of(eid), 0);
		T_EQ_INT(inbox_of(eid), 0);
	}
	/* The envelope itself. */
	char url[300];
	snprintf(url, sizeof url, "%s/internal/notification/events", t_env("INTERNAL_URL"));
	struct resp rs;
	t_send_json(&rs, "POST", url, NULL, "{\"eventId\":\"nope\",\"type\":\"ORDER_PAID\","
	    "\"source\":\"order\",\"payload\":{}}");
	T_ERROR(&rs, 400, "eventId");
	t_resp_free(&rs);
}

/* Each event's messages, customer and reseller: the facts in them. */
static void
events_each_event_messages(void)
{
	char c[37], s[37], o[37], eid[37], payload[600], want[200], st[32];
	contact_new(c, "Asha", PHONE, NULL);
	contact_new(s, "Ravi", "+919800000002", NULL);
	crypto_uuid4(o);
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":"
	    "\"%s\",\"previousStatus\":\"PAID\",\"notes\":\"Out of stock\",\"shareLinkId\":null,"
	    "\"currency\":\"INR\",\"totalPaise\":250000}", o, c, s);
	T_EQ_INT(send_event(eid, "ORDER_CANCELLED", payload, st), 200);
	NOTES_ARE(c, "ORDER_CANCELLED", "EMAIL,WHATSAPP");
	NOTES_ARE(s, "ORDER_CANCELLED", "EMAIL,WHATSAPP");
	snprintf(want, sizeof want, "Order %s cancelled", o);
	NOTE_IS(c, "ORDER_CANCELLED", "EMAIL", "subject", want);
	NOTE_HAS(c, "ORDER_CANCELLED", "EMAIL", "body", "of \u20b92,500.00 has been cancelled. "
	    "Out of stock");
	snprintf(want, sizeof want, "Sale cancelled: order %s", o);
	NOTE_IS(s, "ORDER_CANCELLED", "EMAIL", "subject", want);
	NOTE_HAS(s, "ORDER_CANCELLED", "WHATSAPP", "body", "Hi Ravi, order");
	NOTE_IS(s, "ORDER_CANCELLED", "WHATSAPP", "recipient", "+919800000002");

	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"paymentId\":\"%s\",\"orderId\":\"%s\",\"userId\":"
	    "\"%s\",\"amountPaise\":250000,\"currency\":\"INR\",\"reason\":\"card declined\"}",
	    eid, o, c);
	T_EQ_INT(send_event(eid, "PAYMENT_FAILED", payload, st), 200);
	snprintf(want, sizeof want, "Payment for order %s failed", o);
	NOTE_IS(c, "PAYMENT_FAILED", "EMAIL", "subject", want);
	NOTE_HAS(c, "PAYMENT_FAILED", "EMAIL", "body", "\u20b92,500.00 for order");
	NOTE_HAS(c, "PAYMENT_FAILED", "EMAIL", "body", "did not go through: card declined.");

	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"paymentId\":\"%s\",\"orderId\":\"%s\",\"userId\":"
	    "\"%s\",\"refundId\":\"%s\",\"amountPaise\":100000,\"refundedPaise\":150000,"
	    "\"full\":false,\"currency\":\"INR\"}", eid, o, c, eid);
	T_EQ_INT(send_event(eid, "PAYMENT_REFUNDED", payload, st), 200);
	snprintf(want, sizeof want, "Refund of \u20b91,000.00 for order %s", o);
	NOTE_IS(c, "PAYMENT_REFUNDED", "EMAIL", "subject", want);
	NOTE_HAS(c, "PAYMENT_REFUNDED", "WHATSAPP", "body", "refunded in all: \u20b91,500.00");

	/* The reseller's commission in lakhs; a reseller buying from themself
	 * hears the customer's message once. */
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":"
	    "\"%s\",\"paymentId\":\"%s\",\"currency\":\"INR\",\"totalPaise\":150000000,"
	    "\"commissionPaise\":15000000}", o, c, s, eid);
	T_EQ_INT(send_event(eid, "ORDER_PAID", payload, st), 200);
	snprintf(want, sizeof want, "Commission pending: \u20b91,50,000.00 for order %s", o);
	NOTE_IS(s, "ORDER_PAID", "EMAIL", "subject", want);
	crypto_uuid4(eid);
	snprintf(payload, sizeof payload, "{\"orderId\":\"%s\",\"userId\":\"%s\",\"sellerId\":"
	    "\"%s\",\"paymentId\":\"%s\",\"currency\":\"INR\",\"totalPaise\":100,"
	    "\"commissionPaise\":0}", eid, s, s, eid);
	T_EQ_INT(send_event(eid, "ORDER_PAID", payload, st), 200);
	T_EQ_INT(rows_of(eid), 2);
	snprintf(want, sizeof want, "Payment received for order %s", eid);
	T_EQ_INT(t_db_count(NOTIFY_DB, "SELECT count(*) FROM notifications WHERE event_id = $1 "
	    "AND user_id = $2 AND subject = $3", eid, s, want, NULL), 1);
}

/* The consumer is on the internal listener only. */
static void
events_route_internal_only_404(void)
{
	char eid[37], body[300];
	crypto_uuid4(eid);
	snprintf(body, sizeof body, "{\"eventId\":\"%s\",\"type\":\"ORDER_SHIPPED\",\"source\":"
	    "\"order\",\"payload\":{}}", eid);
	struct resp rs;
	t_post_json(&rs, "/internal/notification/events", NULL, body);
	T_ERROR(&rs, 404, NULL);
	t_resp_free(&rs);
	T_EQ_INT(inbox_of(eid), 0);
}

static const struct t_case cases[] = {
	T_CASE(events_welcome_default_channels),
	T_CASE(events_repeat_one_row_per_channel),
	T_CASE(events_no_recipient_ignored),
	T_CASE(events_channel_off_no_row),
	T_CASE(events_no_contact_looked_up_in_auth),
	T_CASE(events_bad_payload_400),
	T_CASE(events_each_event_messages),
	T_CASE(events_route_internal_only_404),
};

const struct t_suite notification_events_suite = T_SUITE("events", cases);
