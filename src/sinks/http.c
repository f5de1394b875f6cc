/* http.c: libcurl POST for the HTTP sinks, gzip via zlib, Retry-After. */
#include "sinks/http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <zlib.h>

#define REPLY_MAX (1u << 20)

struct http_client {
	CURL *curl;
	char ca[512];
	bool insecure;
	long timeout_ms;
	char userpwd[512];
	struct strbuf gz;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct http_client *http_new(const char *ca_file, bool insecure, long timeout_ms)
{
	struct http_client *h = calloc(1, sizeof(*h));

	pthread_once(&curl_once, curl_init_once);
	if (!h || !(h->curl = curl_easy_init())) {
		free(h);
		return NULL;
	}
	snprintf(h->ca, sizeof(h->ca), "%s", ca_file ? ca_file : "");
	h->insecure = insecure;
	h->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
	return h;
}

void http_free(struct http_client *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	explicit_bzero(h->userpwd, sizeof(h->userpwd));
	sb_free(&h->gz);
	free(h);
}

void http_set_userpwd(struct http_client *h, const char *user, const char *password)
{
	snprintf(h->userpwd, sizeof(h->userpwd), "%s:%s", user ? user : "",
		 password ? password : "");
}

void http_reply_free(struct http_reply *rep)
{
	sb_free(&rep->body);
}

int gzip_buf(const void *in, size_t len, struct strbuf *out)
{
	z_stream z = {0};
	int rc;

	sb_reset(out);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return -1;
	if (sb_grow(out, deflateBound(&z, len) + 32)) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->buf;
	z.avail_out = (uInt)(out->cap - 1);
	rc = deflate(&z, Z_FINISH);
	out->len = z.total_out;
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

uint64_t parse_retry_after(const char *v)
{
	char *end;
	unsigned long long s;
	struct tm tm = {0};
	time_t t, now = time(NULL);

	while (*v == ' ')
		v++;
	s = strtoull(v, &end, 10);
	if (end != v && (*end == 0 || *end == '\r' || *end == '\n' || *end == ' '))
		return s > 3600 ? 3600000 : s * 1000;
	if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
		t = timegm(&tm);
		return t > now ? (uint64_t)(t - now) * 1000 : 0;
	}
	return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct http_reply *rep = ud;
	size_t len = sz * n;
	if (rep->body.len + len <= REPLY_MAX)
		sb_append(&rep->body, p, len);
	return len;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct http_reply *rep = ud;
	size_t len = sz * n;
	char line[256];

	if (len > 12 && len < sizeof(line) && !strncasecmp(p, "Retry-After:", 12)) {
		memcpy(line, p + 12, len - 12);
		line[len - 12] = 0;
		rep->retry_after_ms = parse_retry_after(line);
	}
	return len;
}

int http_post(struct http_client *h, const char *url, const char *const *headers, const void *body,
	      size_t len, bool gz, struct http_reply *rep)
{
	struct curl_slist *hl = NULL;
	CURL *c = h->curl;
	CURLcode rc;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	if (gz) {
		if (gzip_buf(body, len, &h->gz)) {
			snprintf(rep->error, sizeof(rep->error), "gzip failed");
			return -1;
		}
		body = h->gz.buf;
		len = h->gz.len;
		hl = curl_slist_append(hl, "Content-Encoding: gzip");
	}
	for (i = 0; headers && headers[i]; i++)
		hl = curl_slist_append(hl, headers[i]);
	hl = curl_slist_append(hl, "Expect:");
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, rep);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, rep);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "proctor/" PROCTOR_VERSION);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->ca[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca);
	if (h->userpwd[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, h->userpwd);
	}
	if (h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	rc = curl_easy_perform(c);
	curl_slist_free_all(hl);
	if (rc != CURLE_OK) {
		snprintf(rep->error, sizeof(rep->error), "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rep->status);
	return 0;
}
