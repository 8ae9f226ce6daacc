/* common/razorpay.c: the checkout and webhook signatures against every
 * vector in spec/razorpay-facts.md (P1-P4, N1, W1, W2, W3 with and without
 * its trailing LF, the empty body), the refusals (unset secret, missing or
 * wrong-case signature), and the entity readers (notes may be [], amounts
 * are integer paise only).
 *
 * W2 and W3 are the exact bytes of the SDK tests: their lengths and W3's
 * SHA-256 are checked first, so a reformatted literal fails loudly instead
 * of passing with a different vector. */
#include "../lib/t.h"
#include "arena.h"
#include "crypto.h"
#include "json.h"
#include "razorpay.h"
#include <string.h>

/* razorpay-go resources/verify_payment_test.go: one line, 778 bytes. */
static const char W2[] =
	"{\"entity\":\"event\",\"account_id\":\"acc_HVFD0PFnHPAzKj\",\"event\":\""
	"payment.authorized\",\"contains\":[\"payment\"],\"payload\":{\"payment\""
	":{\"entity\":{\"id\":\"pay_JUEM4c0pSLpFEW\",\"entity\":\"payment\",\"amo"
	"unt\":12300,\"currency\":\"INR\",\"status\":\"authorized\",\"order_id\":"
	"\"order_JUELuT6cFaHkvd\",\"invoice_id\":null,\"international\":false,\"m"
	"ethod\":\"netbanking\",\"amount_refunded\":0,\"refund_status\":null,\"ca"
	"ptured\":false,\"description\":\"#JUELZ1z1EC0pwi\",\"card_id\":null,\"ba"
	"nk\":\"SBIN\",\"wallet\":null,\"vpa\":null,\"email\":\"prathmesh.bijjarg"
	"i@razorpay.com\",\"contact\":\"+917411714931\",\"notes\":[],\"fee\":null"
	",\"tax\":null,\"error_code\":null,\"error_description\":null,\"error_sou"
	"rce\":null,\"error_step\":null,\"error_reason\":null,\"acquirer_data\":{"
	"\"bank_transaction_id\":\"6416615\"},\"created_at\":1652339804}}},\"crea"
	"ted_at\":1652339806}";

/* razorpay-python tests/mocks/fake_payment_authorized_webhook.json: 971
 * bytes, two-space indent, LF endings, one trailing LF. */
static const char W3[] =
	"{\n"
	"  \"event\": \"payment.authorized\",\n"
	"  \"entity\": \"event\",\n"
	"  \"contains\": [\n"
	"    \"payment\"\n"
	"  ],\n"
	"  \"payload\": {\n"
	"    \"payment\": {\n"
	"      \"entity\": {\n"
	"        \"id\": \"pay_6koWN7bvxujzxM\",\n"
	"        \"entity\": \"payment\",\n"
	"        \"amount\": 1000000,\n"
	"        \"currency\": \"INR\",\n"
	"        \"status\": \"captured\",\n"
	"        \"order_id\": \"order_100000000order\",\n"
	"        \"international\": false,\n"
	"        \"method\": \"card\",\n"
	"        \"amount_refunded\": 0,\n"
	"        \"refund_status\": null,\n"
	"        \"captured\": true,\n"
	"        \"description\": \"random description\",\n"
	"        \"card_id\": \"card_6koWNAT6LASUqy\",\n"
	"        \"bank\": null,\n"
	"        \"wallet\": null,\n"
	"        \"vpa\": null,\n"
	"        \"email\": \"a@b.com\",\n"
	"        \"contact\": \"+919999999999\",\n"
	"        \"notes\": {\n"
	"          \"merchant_order_id\": \"random order id\"\n"
	"        },\n"
	"        \"fee\": 23000,\n"
	"        \"service_tax\": 3000,\n"
	"        \"error_code\": null,\n"
	"        \"error_description\": null,\n"
	"        \"created_at\": 1479978483\n"
	"      }\n"
	"    }\n"
	"  },\n"
	"  \"created_at\": 1400826760\n"
	"}\n";

#define P_SECRET "EnLs21M47BllR3X8PSFtjtbd"

/* ---- checkout signatures (B.2) ---- */

static void
signature_p1_node_go_java(void)
{
	T_ASSERT(rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"));
}

static void
signature_p2_python(void)
{
	T_ASSERT(rzp_signature_ok("key_secret", "fake_order_id", "fake_payment_id",
	    "b2335e3b0801106b84a7faff035df56ecffde06918c9ddd1f0fafbb37a51cc89"));
}

/* P3 (subscription: payment_id first) is the same HMAC over "a|b". */
static void
signature_p3_subscription_order(void)
{
	T_ASSERT(rzp_signature_ok(P_SECRET, "pay_IDZNwZZFtnjyym", "sub_ID6MOhgkcoHj9I",
	    "601f383334975c714c91a7d97dd723eb56520318355863dcf3821c0d07a17693"));
}

/* P4 (payment link) is an HMAC of the raw four-part string. */
static void
signature_p4_payment_link_raw(void)
{
	const char *m = "plink_IH3cNucfVEgV68|TSsd1989|paid|pay_IH3d0ara9bSsjQ";
	T_ASSERT(rzp_webhook_ok(P_SECRET, m, strlen(m),
	    "07ae18789e35093e51d0a491eb9922646f3f82773547e5b0f67ee3f2d3bf7d5b"));
}

static void
signature_bad_n1(void)
{
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "sddsfdsfs"));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "test_signature"));
}

static void
signature_bad_swapped_ids(void)
{
	/* payment_id|order_id is the classic mistake (razorpay-node#105). */
	T_ASSERT(!rzp_signature_ok(P_SECRET, "pay_IH4NVgf4Dreq1l", "order_IEIaMR65cu6nz3",
	    "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"));
}

static void
signature_bad_wrong_secret(void)
{
	/* The PHP SDK's P1 signature (another, unknown secret). */
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "97f18ee6577a33ca7c37b949912de807b379afb3f39ccb571ffd76017463f8e5"));
	T_ASSERT(!rzp_signature_ok("another", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"));
}

static void
signature_bad_upper_case_or_truncated(void)
{
	/* Every SDK writes lower-case hex and compares it exactly. */
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "0D4E745A1838664AD6C9C9902212A32D627D68E917290B0AD5F08FF4561BC50F"));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50"));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f0"));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l",
	    " 0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f"));
}

static void
signature_bad_missing_parts(void)
{
	const char *sig = "0d4e745a1838664ad6c9c9902212a32d627d68e917290b0ad5f08ff4561bc50f";
	T_ASSERT(!rzp_signature_ok(NULL, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", sig));
	T_ASSERT(!rzp_signature_ok("", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", sig));
	T_ASSERT(!rzp_signature_ok(P_SECRET, NULL, "pay_IH4NVgf4Dreq1l", sig));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "", "pay_IH4NVgf4Dreq1l", sig));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", NULL, sig));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "", sig));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", NULL));
	T_ASSERT(!rzp_signature_ok(P_SECRET, "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", ""));
}

/* ---- webhook signatures (B.3) ---- */

static void
webhook_w1_node_java(void)
{
	const char *b = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}";
	T_EQ_INT(strlen(b), 25);
	T_ASSERT(rzp_webhook_ok("123456", b, strlen(b),
	    "2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"));
	T_ASSERT(!rzp_webhook_ok("123456", b, strlen(b), "sdfafds"));
}

static void
webhook_w2_go_778_bytes(void)
{
	T_EQ_INT(sizeof W2 - 1, 778);
	T_ASSERT(rzp_webhook_ok("123456", W2, sizeof W2 - 1,
	    "ea962f3a2a8090aa14ef10fc178306edcb46ee7ccadae8afe2275cda26f3d2a6"));
	/* One byte more or less is another message. */
	T_ASSERT(!rzp_webhook_ok("123456", W2, sizeof W2 - 2,
	    "ea962f3a2a8090aa14ef10fc178306edcb46ee7ccadae8afe2275cda26f3d2a6"));
	T_ASSERT(!rzp_webhook_ok("123456", W2, sizeof W2,
	    "ea962f3a2a8090aa14ef10fc178306edcb46ee7ccadae8afe2275cda26f3d2a6"));
}

static void
webhook_w3_python_971_bytes_with_lf(void)
{
	char sha[65];
	T_EQ_INT(sizeof W3 - 1, 971);
	crypto_sha256_hex(W3, sizeof W3 - 1, sha);
	T_EQ_STR(sha, "9cc0236491299f34a154292eaed46d94b010f44b22095c034f884ca6a1862bef");
	T_ASSERT(rzp_webhook_ok("key_secret", W3, sizeof W3 - 1,
	    "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9"));
}

static void
webhook_w3_without_trailing_lf(void)
{
	T_EQ_INT(W3[sizeof W3 - 2], '\n');
	T_ASSERT(rzp_webhook_ok("key_secret", W3, sizeof W3 - 2,
	    "0971cde1d9216765d9aa72c766aef4a913fedfd2d36cc05cbca5de1ef90c12e4"));
	/* Each signature verifies its own bytes only. */
	T_ASSERT(!rzp_webhook_ok("key_secret", W3, sizeof W3 - 2,
	    "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9"));
	T_ASSERT(!rzp_webhook_ok("key_secret", W3, sizeof W3 - 1,
	    "0971cde1d9216765d9aa72c766aef4a913fedfd2d36cc05cbca5de1ef90c12e4"));
}

static void
webhook_bad_empty_body(void)
{
	T_ASSERT(!rzp_webhook_ok("key_secret", "", 0, "test_signature"));
	T_ASSERT(!rzp_webhook_ok("key_secret", NULL, 0, "test_signature"));
}

/* The original skipped the check when the secret was unset. */
static void
webhook_bad_secret_unset(void)
{
	const char *b = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}";
	char sig[65];
	crypto_hmac_sha256_hex("", 0, b, strlen(b), sig);
	T_ASSERT(!rzp_webhook_ok(NULL, b, strlen(b), sig));
	T_ASSERT(!rzp_webhook_ok("", b, strlen(b), sig));
}

static void
webhook_bad_signature_missing(void)
{
	const char *b = "{\"a\":1,\"b\":2,\"c\":{\"d\":3}}";
	T_ASSERT(!rzp_webhook_ok("123456", b, strlen(b), NULL));
	T_ASSERT(!rzp_webhook_ok("123456", b, strlen(b), ""));
	/* A "sha256=" prefix is not Razorpay's format. */
	T_ASSERT(!rzp_webhook_ok("123456", b, strlen(b),
	    "sha256=2fe04e22977002e6c7cb553adab8b460cb9e2a4970d5953cb27a8472752e3bbc"));
}

/* The raw bytes, not a re-serialisation: W3 parsed and written back
 * compactly has another signature. */
static void
webhook_bad_reserialised_body(void)
{
	struct arena *a = arena_new(4096);
	char err[128];
	struct jv *v = json_parse(a, W3, sizeof W3 - 1, err, sizeof err);
	T_REQUIRE(v != NULL);
	T_EQ_STR(rzp_str(v, "event"), "payment.authorized");
	const char *compact = "{\"event\":\"payment.authorized\"}";
	T_ASSERT(!rzp_webhook_ok("key_secret", compact, strlen(compact),
	    "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9"));
	arena_free(a);
}

/* ---- ids and keys ---- */

static void
ids_and_keys(void)
{
	T_ASSERT(rzp_id_ok("order_IEIaMR65cu6nz3"));
	T_ASSERT(rzp_id_ok("pay_IH4NVgf4Dreq1l"));
	T_ASSERT(!rzp_id_ok(""));
	T_ASSERT(!rzp_id_ok(NULL));
	T_ASSERT(!rzp_id_ok("order_1/../refunds"));
	T_ASSERT(!rzp_id_ok("order_1?x=1"));
	T_ASSERT(!rzp_id_ok("pay-1"));
	T_ASSERT(!rzp_id_ok("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")); /* 65 */
	T_ASSERT(rzp_idem_key_ok("rfnd-key_0123"));
	T_ASSERT(!rzp_idem_key_ok("short-key"));       /* 9 characters */
	T_ASSERT(!rzp_idem_key_ok("has space in it"));
	T_ASSERT(!rzp_idem_key_ok(NULL));
}

/* ---- entities ---- */

static void
entity_payment_w2_notes_array(void)
{
	struct arena *a = arena_new(4096);
	char err[128];
	struct jv *v = json_parse(a, W2, sizeof W2 - 1, err, sizeof err);
	T_REQUIRE(v != NULL);
	struct rzp_payment p;
	T_REQUIRE(rzp_payment_read(rzp_get(v, "payload.payment.entity"), &p) == 0);
	T_EQ_STR(p.id, "pay_JUEM4c0pSLpFEW");
	T_EQ_STR(p.order_id, "order_JUELuT6cFaHkvd");
	T_EQ_STR(p.status, "authorized");
	T_EQ_STR(p.currency, "INR");
	T_EQ_INT(p.amount, 12300);
	T_EQ_STR(p.method, "netbanking");
	T_EQ_STR(rzp_method_name(p.method), "NETBANKING");
	T_ASSERT(p.error == NULL);   /* null */
	/* "notes": [] does not matter: nothing reads notes. */
	T_ASSERT(json_get(rzp_get(v, "payload.payment.entity"), "notes")->type == JV_ARR);
	arena_free(a);
}

static void
entity_payment_bad_amounts(void)
{
	static const char *const bad[] = {
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\",\"amount\":123.5}",
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\",\"amount\":-1}",
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\",\"amount\":\"100\"}",
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\",\"amount\":1e3}",
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\"}",
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"amount\":100}",
		"{\"status\":\"captured\",\"currency\":\"INR\",\"amount\":100}",
		"{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\","
		    "\"amount\":99999999999999999999}",
	};
	struct arena *a = arena_new(4096);
	char err[128];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct jv *v = json_parse(a, bad[i], strlen(bad[i]), err, sizeof err);
		struct rzp_payment p;
		t_check(v != NULL && rzp_payment_read(v, &p) != 0, __FILE__, __LINE__,
		    "rzp_payment_read accepted %s", bad[i]);
	}
	const char *ok = "{\"id\":\"pay_1\",\"status\":\"captured\",\"currency\":\"INR\","
	    "\"amount\":300000,\"order_id\":\"order_1\",\"method\":\"upi\","
	    "\"error_description\":\"\"}";
	struct jv *v = json_parse(a, ok, strlen(ok), err, sizeof err);
	struct rzp_payment p;
	T_REQUIRE(v != NULL && rzp_payment_read(v, &p) == 0);
	T_EQ_INT(p.amount, 300000);
	T_EQ_STR(rzp_method_name(p.method), "UPI");
	T_ASSERT(p.error == NULL);   /* "" reads as absent */
	T_ASSERT(rzp_method_name("emi") == NULL);
	arena_free(a);
}

static void
entity_refund(void)
{
	const char *s = "{\"id\":\"rfnd_FP8QHiV938haTz\",\"entity\":\"refund\",\"amount\":500100,"
	    "\"currency\":\"INR\",\"payment_id\":\"pay_FCXKPFtYfPXJPy\",\"notes\":[],"
	    "\"receipt\":null,\"acquirer_data\":{\"arn\":null},\"created_at\":1597078866,"
	    "\"batch_id\":null,\"status\":\"processed\",\"speed_processed\":\"normal\"}";
	struct arena *a = arena_new(4096);
	char err[128];
	struct jv *v = json_parse(a, s, strlen(s), err, sizeof err);
	struct rzp_refund f;
	T_REQUIRE(v != NULL && rzp_refund_read(v, &f) == 0);
	T_EQ_STR(f.id, "rfnd_FP8QHiV938haTz");
	T_EQ_STR(f.payment_id, "pay_FCXKPFtYfPXJPy");
	T_EQ_STR(f.status, "processed");
	T_EQ_INT(f.amount, 500100);
	arena_free(a);
}

static const struct t_case cases[] = {
	T_CASE(signature_p1_node_go_java),
	T_CASE(signature_p2_python),
	T_CASE(signature_p3_subscription_order),
	T_CASE(signature_p4_payment_link_raw),
	T_CASE(signature_bad_n1),
	T_CASE(signature_bad_swapped_ids),
	T_CASE(signature_bad_wrong_secret),
	T_CASE(signature_bad_upper_case_or_truncated),
	T_CASE(signature_bad_missing_parts),
	T_CASE(webhook_w1_node_java),
	T_CASE(webhook_w2_go_778_bytes),
	T_CASE(webhook_w3_python_971_bytes_with_lf),
	T_CASE(webhook_w3_without_trailing_lf),
	T_CASE(webhook_bad_empty_body),
	T_CASE(webhook_bad_secret_unset),
	T_CASE(webhook_bad_signature_missing),
	T_CASE(webhook_bad_reserialised_body),
	T_CASE(ids_and_keys),
	T_CASE(entity_payment_w2_notes_array),
	T_CASE(entity_payment_bad_amounts),
	T_CASE(entity_refund),
};

int
main(void)
{
	return t_run("razorpay", cases, T_NCASES(cases), NULL, NULL);
}
