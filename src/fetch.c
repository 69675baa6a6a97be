/*
 * HTTP fetches with libcurl (the GnuTLS flavour): one easy handle per
 * fetch, bounded in time and size, only HTTP and HTTPS, never a proxy,
 * so that a URL in a certificate cannot make the probe read files or
 * speak other protocols.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fetch.h"
#include "tlsprobe.h"

#define DEFAULT_MAX (1024 * 1024)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static CURLcode init_rc = CURLE_FAILED_INIT;

static void init(void)
{
	init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct sink {
	uint8_t *buf;
	size_t len, cap, max;
	bool too_big;
	volatile sig_atomic_t *stop;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t add = size * n;
	uint8_t *b;

	if (s->len + add > s->max) {
		s->too_big = true;
		return 0;
	}
	if (s->len + add > s->cap) {
		size_t cap = s->cap ? s->cap : 16384;

		while (cap < s->len + add)
			cap *= 2;
		if (cap > s->max)
			cap = s->max;
		b = realloc(s->buf, cap);
		if (b == NULL)
			return 0;
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, p, add);
	s->len += add;
	return add;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn,
		       curl_off_t ut, curl_off_t un)
{
	struct sink *s = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return s->stop != NULL && *s->stop;
}

/* The URL's host, for sentences; "" when it has none. */
static void url_host(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *host = NULL;

	out[0] = '\0';
	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		tp_sanitize_into(out, n, host, strlen(host));
	curl_free(host);
	curl_url_cleanup(u);
}

static void setup(CURL *c, const char *url, const struct tp_fetch_opts *o,
		  struct sink *s, struct curl_slist *hdr, long ms)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
	curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->max);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tlsprobe/" TP_VERSION);
	if (o->post != NULL) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->post);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)o->post_len);
	}
	if (hdr != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
}

/* The answer's status and type; 0 when it is a 2xx. */
static int judge(CURL *c, CURLcode rc, struct sink *s, const char *host,
		 struct tp_fetch_result *res)
{
	char *type = NULL;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res->http_status);
	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK &&
	    type != NULL)
		tp_sanitize_into(res->content_type, sizeof(res->content_type),
				 type, strlen(type));
	if (s->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(res->why, sizeof(res->why), "%s sent more than %zu "
			 "bytes: not read", host, s->max);
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(res->why, sizeof(res->why), "%s: %s", host,
			 curl_easy_strerror(rc));
		return -1;
	}
	if (res->http_status < 200 || res->http_status > 299) {
		snprintf(res->why, sizeof(res->why), "%s answered HTTP %ld",
			 host, res->http_status);
		return -1;
	}
	return 0;
}

int tp_fetch(const char *url, const struct tp_fetch_opts *o,
	     struct tp_fetch_result *res)
{
	struct sink s = {.max = o->max_bytes ? o->max_bytes : DEFAULT_MAX,
			 .stop = o->stop};
	struct curl_slist *hdr = NULL;
	double left = o->deadline - tp_now_ms();
	char host[128], line[128];
	CURLcode rc;
	CURL *c;

	memset(res, 0, sizeof(*res));
	url_host(url, host, sizeof(host));
	if (left < 1) {
		snprintf(res->why, sizeof(res->why), "no time left to fetch "
			 "from %s", host[0] ? host : "the URL");
		return -1;
	}
	pthread_once(&once, init);
	if (init_rc != CURLE_OK || (c = curl_easy_init()) == NULL) {
		snprintf(res->why, sizeof(res->why), "libcurl could not "
			 "start: out of memory");
		return -1;
	}
	if (o->content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s",
			 o->content_type);
		hdr = curl_slist_append(NULL, line);
	}
	setup(c, url, o, &s, hdr, (long)left);
	rc = curl_easy_perform(c);
	if (judge(c, rc, &s, host[0] ? host : "the server", res) < 0) {
		free(s.buf);
	} else {
		/* an empty answer is an answer */
		res->body = s.buf != NULL ? s.buf : malloc(1);
		res->len = s.len;
		if (res->body == NULL)
			snprintf(res->why, sizeof(res->why), "out of memory");
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return res->body != NULL ? 0 : -1;
}
