/* The share-link service's internal API, as its callers use it
 * (docs/internal-api.md, "share-link"; conventions in client.h). */
#ifndef CLIENT_SHARE_LINK_H
#define CLIENT_SHARE_LINK_H
#include "client.h"
#include <stdbool.h>
#include <stdint.h>

/* A link as GET /internal/share-link/links/:id answers it. */
struct share_link {
	const char *id;            /* lower case */
	const char *seller_id;     /* lower case */
	const char *product_id;    /* lower case, or NULL: any product */
	bool has_price;
	int64_t seller_price;      /* paise, when has_price */
	bool active;
	bool expires;
	int64_t expires_ms;        /* when expires: ms since the epoch */
};
/* Link id into *l.  CLIENT_OK (the caller still checks l->active and the
 * expiry against its clock), CLIENT_NOT_FOUND (unknown or inactive),
 * CLIENT_GONE (expired) or CLIENT_DOWN. */
enum client_rc share_link_get(struct req *r, const char *id, struct share_link *l);
/* The answer for link id into *l.  NULL, or why it does not check. */
const char *share_link_read(struct arena *a, const struct jv *answer, const char *id,
    struct share_link *l);

#endif
