/* libFuzzer: money_parse on any bytes; what it accepts formats back to a
 * text that parses to the same paise. */
#include "money.h"
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	int64_t v, back;
	if (money_parse((const char *)data, size, &v) != MONEY_OK)
		return 0;
	if (v < 0 || v > MONEY_MAX)
		abort();
	char text[32];
	money_format(v, text, sizeof text);
	if (money_parse(text, strlen(text), &back) != MONEY_OK || back != v)
		abort();
	return 0;
}
