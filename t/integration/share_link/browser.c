/* it_share_link: the share page in a real browser, Debian's headless
 * Chromium: a screenshot of GET /share/:code (a PNG of the window's size
 * with something drawn in it), and the page's text read back from the
 * browser (--dump-dom: the document as Chromium parsed it), checked for the
 * product's name and price and for no script element.
 *
 * Without /usr/bin/chromium the case is skipped with a message, unless CI
 * is set: under CI the browser must be there (.ci/run installs it). */
#include "../../lib/t.h"
#include "../../lib/http.h"
#include "share_link.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHROMIUM "/usr/bin/chromium"

/* Runs Chromium headless on url with what (--screenshot=<file>,
 * --dump-dom) and a fresh profile under dir (its messages into
 * dir/chromium.log); its stdout into out (n bytes).  Its exit status, or
 * -1. */
static int
chromium(const char *dir, const char *profile, const char *what, const char *url, char *out,
    size_t n)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "timeout 60 %s --headless --no-sandbox --disable-gpu "
	    "--disable-quic --no-first-run --disable-background-networking "
	    "--disable-component-update --disable-sync --user-data-dir='%s/%s' "
	    "--window-size=1200,800 %s '%s' 2>>'%s/chromium.log'", CHROMIUM, dir, profile, what,
	    url, dir);
	return t_shell(cmd, out, n);
}

/* The PNG at path: true when it is one, 1200x800, of more than a blank
 * page's size.  Says what it found otherwise. */
static bool
png_ok(const char *path)
{
	unsigned char h[24];
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return T_FAIL("no screenshot at %s", path);
	size_t got = fread(h, 1, sizeof h, f);
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fclose(f);
	uint32_t w = got == sizeof h ? (uint32_t)h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19] : 0;
	uint32_t ht = got == sizeof h ? (uint32_t)h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23] : 0;
	return t_check(got == sizeof h && memcmp(h, "\x89PNG\r\n\x1a\n", 8) == 0 && w == 1200 &&
	    ht == 800 && size > 8000, __FILE__, __LINE__,
	    "screenshot %s: %ld bytes, %ux%u, expected a 1200x800 PNG of more than 8000 bytes",
	    path, size, (unsigned)w, (unsigned)ht);
}

static void
browser_screenshot_and_text(void)
{
	const char *ci = getenv("CI");
	if (access(CHROMIUM, X_OK) != 0) {
		if (ci == NULL || ci[0] == '\0') {
			printf("\n    SKIPPED: %s is absent (apt-get install chromium); "
			    "with CI set this case fails instead\n", CHROMIUM);
			return;
		}
		T_FAIL("CI=%s and %s is absent: the browser test must run", ci, CHROMIUM);
		return;
	}
	char name[120], body[400], extra[200];
	t_unique(name, sizeof name, "Browser Kurta");
	snprintf(body, sizeof body, "{\"name\":\"%s\",\"description\":\"Seen in Chromium.\","
	    "\"basePrice\":200000.00,\"stock\":5}", name);
	char *prod_id = t_create("/products", admin, body);
	T_REQUIRE(prod_id != NULL);
	struct link l;
	snprintf(extra, sizeof extra, "\"productId\":\"%s\",\"sellerPrice\":249999.50,", prod_id);
	free(prod_id);
	T_REQUIRE(link_create(&seller_a, extra, &l) == 0);

	char dir[] = "/tmp/it-share-browser.XXXXXX", url[300], what[300], out[65536];
	T_REQUIRE(mkdtemp(dir) != NULL);
	snprintf(url, sizeof url, "%s/share/%s", t_env("BASE_URL"), l.code);
	/* One start of the browser for both: the screenshot, and the
	 * document on stdout. */
	snprintf(what, sizeof what, "--screenshot='%s/page.png' --dump-dom", dir);
	double t0 = t_now();
	T_EQ_INT(chromium(dir, "profile", what, url, out, sizeof out), 0);
	char png[200];
	snprintf(png, sizeof png, "%s/page.png", dir);
	png_ok(png);
	char want[300];
	snprintf(want, sizeof want, "<h1>%s</h1>", name);
	if (!T_ASSERT(strstr(out, want) != NULL) ||
	    !T_ASSERT(strstr(out, "<p class=\"price\">\u20b92,49,999.50</p>") != NULL))
		printf("    (the browser's document: %.1500s)\n", out);
	T_ASSERT(strstr(out, "Seen in Chromium.") != NULL);
	T_ASSERT(!t_contains(out, "<script"));
	printf("\n    (Chromium: screenshot and text in %.1f s)\n", t_now() - t0);

	char cmd[200], ignore[8];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	t_shell(cmd, ignore, sizeof ignore);
}

static const struct t_case cases[] = {
	T_CASE(browser_screenshot_and_text),
};

const struct t_suite share_link_browser_suite = T_SUITE("browser", cases);
