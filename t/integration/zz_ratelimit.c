/* nginx's rate limit on POST /auth/login and /auth/register.  Named to run
 * last: it exhausts the limit for this client address.
 *
 * A burst of concurrent logins with an invalid body (400: cheap, no scrypt)
 * must meet at least one 429 in the error JSON shape; nothing may answer
 * 5xx; GETs are not limited; the limit lifts again afterwards. */
#include "../lib/http.h"
#include "../lib/t.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BURST 400
#define PARALLEL 50

struct slot {
	CURL *h;
	char body[512];
	size_t len;
	char ctype[128];
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;
	size_t k = size * n, room = sizeof s->body - 1 - s->len;
	memcpy(s->body + s->len, p, k < room ? k : room);
	s->len += k < room ? k : room;
	s->body[s->len] = '\0';
	return k;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct slot *s = arg;
	size_t k = size * n;
	if (k > 13 && strncasecmp(p, "Content-Type:", 13) == 0)
		snprintf(s->ctype, sizeof s->ctype, "%.*s", (int)(k - 13), p + 13);
	return k;
}

struct tally {
	int total, s429, s400, s5xx, other, failed;
	char body429[512], ctype429[128];
	char odd[512];
};

static void
start(CURLM *m, struct slot *s, const char *url, struct curl_slist *hl)
{
	s->h = curl_easy_init();
	s->len = 0;
	s->body[0] = '\0';
	s->ctype[0] = '\0';
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, "{}");
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	curl_multi_add_handle(m, s->h);
}

/* n POSTs of "{}" to path, PARALLEL at a time. */
static void
burst(const char *path, int n, struct tally *t)
{
	memset(t, 0, sizeof *t);
	char url[1024];
	snprintf(url, sizeof url, "%s%s", getenv("BASE_URL"), path);
	struct curl_slist *hl = curl_slist_append(NULL, "Content-Type: application/json");
	CURLM *m = curl_multi_init();
	static struct slot slots[PARALLEL];
	int launched = 0, running = 0;
	for (int i = 0; i < PARALLEL && launched < n; i++, launched++)
		start(m, &slots[i], url, hl);
	do {
		curl_multi_perform(m, &running);
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct slot *s;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			long st = 0;
			if (msg->data.result == CURLE_OK)
				curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &st);
			t->total++;
			if (st == 0) t->failed++;
			else if (st == 429) {
				if (t->s429++ == 0) {
					snprintf(t->body429, sizeof t->body429, "%s", s->body);
					snprintf(t->ctype429, sizeof t->ctype429, "%s", s->ctype);
				}
			} else if (st == 400) t->s400++;
			else if (st >= 500) {
				if (t->s5xx++ == 0)
					snprintf(t->odd, sizeof t->odd, "%ld %.400s", st, s->body);
			} else {
				if (t->other++ == 0)
					snprintf(t->odd, sizeof t->odd, "%ld %.400s", st, s->body);
			}
			curl_multi_remove_handle(m, s->h);
			curl_easy_cleanup(s->h);
			s->h = NULL;
			if (launched < n) {
				start(m, s, url, hl);
				launched++;
				running++;
			}
		}
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running > 0);
	curl_multi_cleanup(m);
	curl_slist_free_all(hl);
	printf("    %s x%d: %d answered 429, %d 400, %d 5xx, %d other, %d failed\n", path, n,
	    t->s429, t->s400, t->s5xx, t->other, t->failed);
}

static void
check_burst(const struct tally *t, int line)
{
	t_check(t->s429 >= 1, __FILE__, line, "no 429 in a burst of %d", t->total);
	t_check(t->s5xx == 0 && t->failed == 0 && t->other == 0, __FILE__, line,
	    "unexpected answers in the burst: %s", t->odd);
	if (t->s429 == 0)
		return;
	t_check(strstr(t->ctype429, "application/json") != NULL, __FILE__, line,
	    "429 Content-Type:%s", t->ctype429);
	struct json_object *o = json_tokener_parse(t->body429);
	t_check(o != NULL && t_jint(o, "statusCode", -1) == 429 &&
	    t_jstr(o, "message") != NULL && t_jstr(o, "error") != NULL, __FILE__, line,
	    "429 body is not the error shape: %s", t->body429);
	if (o != NULL)
		json_object_put(o);
}

static void
login_burst_meets_429(void)
{
	struct tally t;
	burst("/auth/login", BURST, &t);
	check_burst(&t, __LINE__);
	/* GETs do not count against the limit. */
	struct resp rs;
	t_get(&rs, "/auth/health", NULL);
	T_STATUS(&rs, 200);
	t_resp_free(&rs);
}

static void
register_burst_meets_429(void)
{
	t_sleep_ms(3000);
	struct tally t;
	burst("/auth/register", BURST, &t);
	check_burst(&t, __LINE__);
}

static void
limit_lifts_afterwards(void)
{
	/* A few seconds later a login is answered by the service again. */
	double t0 = t_now();
	long st = 0;
	while (t_now() - t0 < 15.0) {
		struct resp rs;
		t_post_json(&rs, "/auth/login", NULL, "{}");
		st = rs.status;
		t_resp_free(&rs);
		if (st != 429)
			break;
		t_sleep_ms(500);
	}
	T_EQ_INT(st, 400);
}

static int
suite_init(void)
{
	t_retry_429 = false;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return t_env("BASE_URL") == NULL;
}

static const struct t_case cases[] = {
	T_CASE(login_burst_meets_429),
	T_CASE(register_burst_meets_429),
	T_CASE(limit_lifts_afterwards),
};

int
main(void)
{
	return t_run("ratelimit", cases, T_NCASES(cases), suite_init, NULL);
}
