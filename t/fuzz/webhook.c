/* libFuzzer: the webhook path before any database work: the signature over
 * the raw bytes, then the parser and the payment/refund entity readers on
 * what a signed body may contain. */
#include "json.h"
#include "razorpay.h"
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	/* An unsigned body never verifies. */
	if (rzp_webhook_ok("whsec", data, size, "00"))
		abort();
	struct arena *a = arena_new(4096);
	char err[128];
	struct jv *root = json_parse(a, (const char *)data, size, err, sizeof err);
	if (root != NULL) {
		struct rzp_payment p;
		struct rzp_refund f;
		(void)rzp_payment_read(rzp_get(root, "payload.payment.entity"), &p);
		(void)rzp_refund_read(rzp_get(root, "payload.refund.entity"), &f);
	}
	arena_free(a);
	return 0;
}
