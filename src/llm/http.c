/* http.c: the HTTP/1.1 parser (http.h). Plain state machine over bytes;
 * the head is buffered whole (bounded), bodies stream through. */
#include "llm/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void http_init(struct http_parser *h, bool response)
{
	memset(h, 0, sizeof(*h));
	h->response = response;
	h->state = HTTP_START;
}

void http_reset(struct http_parser *h)
{
	http_init(h, h->response);
}

static void copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = 0;
}

static bool parse_u64(const char *s, size_t n, int base, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		int d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*out = v;
	return true;
}

/* "GET /path HTTP/1.1" or "HTTP/1.1 200 OK". */
static bool parse_start(struct http_msg *m, const char *l, size_t n)
{
	const char *sp = memchr(l, ' ', n), *sp2;
	uint64_t st;

	if (!sp)
		return false;
	if (m->response) {
		if (n < 12 || memcmp(l, "HTTP/1.", 7) || !parse_u64(sp + 1, 3, 10, &st))
			return false;
		m->status = (int)st;
		return true;
	}
	sp2 = memchr(sp + 1, ' ', n - (size_t)(sp + 1 - l));
	if (!sp2 || (size_t)(sp - l) >= sizeof(m->method) || (size_t)(l + n - (sp2 + 1)) < 8 ||
	    memcmp(sp2 + 1, "HTTP/1.", 7))
		return false;
	copy_value(m->method, sizeof(m->method), l, (size_t)(sp - l));
	copy_value(m->path, sizeof(m->path), sp + 1, (size_t)(sp2 - sp - 1));
	return true;
}

static bool header_is(const char *l, size_t n, const char *name)
{
	size_t k = strlen(name);
	return n > k && l[k] == ':' && !strncasecmp(l, name, k);
}

static bool parse_header(struct http_msg *m, const char *l, size_t n)
{
	const char *c = memchr(l, ':', n);
	size_t vn;
	const char *v;
	char num[32];
	uint64_t len;

	if (!c || c == l)
		return false;
	v = c + 1;
	vn = n - (size_t)(v - l);
	if (header_is(l, n, "host"))
		copy_value(m->host, sizeof(m->host), v, vn);
	else if (header_is(l, n, "content-type"))
		copy_value(m->content_type, sizeof(m->content_type), v, vn);
	else if (header_is(l, n, "content-length")) {
		copy_value(num, sizeof(num), v, vn);
		if (!parse_u64(num, strlen(num), 10, &len) || len > INT64_MAX)
			return false;
		m->content_length = (int64_t)len;
	} else if (header_is(l, n, "transfer-encoding")) {
		copy_value(num, sizeof(num), v, vn);
		if (strcasestr(num, "chunked"))
			m->chunked = true;
	}
	return true;
}

/* The whole head is in h->head (ends with an empty line). */
static bool parse_head(struct http_parser *h)
{
	const char *p = h->head, *end = h->head + h->hlen, *eol;
	bool first = true;

	memset(&h->msg, 0, sizeof(h->msg));
	h->msg.response = h->response;
	h->msg.content_length = -1;
	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p)))) {
		size_t n = (size_t)(eol - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (!n)
			break;
		if (first ? !parse_start(&h->msg, p, n) : !parse_header(&h->msg, p, n))
			return false;
		first = false;
		p = eol + 1;
	}
	return !first;
}

static void finish(struct http_parser *h, const struct http_cb *cb)
{
	if (cb->done)
		cb->done(cb->ctx, &h->msg);
	h->state = HTTP_START;
	h->hlen = 0;
}

static void start_body(struct http_parser *h, const struct http_cb *cb)
{
	const struct http_msg *m = &h->msg;

	if (cb->head)
		cb->head(cb->ctx, m);
	if (m->response && (m->status / 100 == 1 || m->status == 204 || m->status == 304)) {
		finish(h, cb);
		return;
	}
	if (m->chunked) {
		h->state = HTTP_CHUNK_LINE;
		h->llen = 0;
	} else if (m->content_length >= 0) {
		h->remain = (uint64_t)m->content_length;
		h->state = HTTP_BODY_LEN;
		if (!h->remain)
			finish(h, cb);
	} else if (m->response) {
		h->state = HTTP_BODY_EOF;
	} else {
		finish(h, cb); /* a request without a body */
	}
}

/* Head bytes; returns bytes used. */
static size_t feed_head(struct http_parser *h, const char *p, size_t n, const struct http_cb *cb)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (h->hlen == sizeof(h->head)) {
			h->state = HTTP_BAD;
			return n;
		}
		h->head[h->hlen++] = p[i];
		if (p[i] != '\n')
			continue;
		if ((h->hlen >= 2 && h->head[h->hlen - 2] == '\n') ||
		    (h->hlen >= 4 && !memcmp(h->head + h->hlen - 4, "\r\n\r\n", 4))) {
			if (!parse_head(h)) {
				h->state = HTTP_BAD;
				return n;
			}
			start_body(h, cb);
			return i + 1;
		}
	}
	return n;
}

/* A chunk-size or trailer line; returns bytes used, *full when it ended. */
static size_t feed_line(struct http_parser *h, const char *p, size_t n, bool *full)
{
	size_t i;

	*full = false;
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			*full = true;
			return i + 1;
		}
		if (h->llen == sizeof(h->line) - 1) {
			h->state = HTTP_BAD;
			return n;
		}
		h->line[h->llen++] = p[i];
	}
	return n;
}

static void chunk_line(struct http_parser *h, const struct http_cb *cb)
{
	size_t n = h->llen;
	const char *semi;

	if (n && h->line[n - 1] == '\r')
		n--;
	if ((semi = memchr(h->line, ';', n)))
		n = (size_t)(semi - h->line);
	while (n && h->line[n - 1] == ' ')
		n--;
	h->llen = 0;
	if (!parse_u64(h->line, n, 16, &h->remain)) {
		h->state = HTTP_BAD;
		return;
	}
	h->state = h->remain ? HTTP_CHUNK_DATA : HTTP_TRAILER;
	(void)cb;
}

static size_t feed_body(struct http_parser *h, const char *p, size_t n, const struct http_cb *cb)
{
	size_t take = n < h->remain ? n : (size_t)h->remain;

	if (take && cb->body)
		cb->body(cb->ctx, p, take);
	h->remain -= take;
	if (!h->remain) {
		if (h->state == HTTP_BODY_LEN)
			finish(h, cb);
		else
			h->state = HTTP_CHUNK_END;
	}
	return take;
}

void http_feed(struct http_parser *h, const char *p, size_t n, const struct http_cb *cb)
{
	bool full;
	size_t used;

	while (n && h->state != HTTP_BAD) {
		switch (h->state) {
		case HTTP_START:
			h->hlen = 0;
			h->state = HTTP_HEAD;
			/* fallthrough */
		case HTTP_HEAD: used = feed_head(h, p, n, cb); break;
		case HTTP_BODY_LEN:
		case HTTP_CHUNK_DATA: used = feed_body(h, p, n, cb); break;
		case HTTP_CHUNK_LINE:
			used = feed_line(h, p, n, &full);
			if (full)
				chunk_line(h, cb);
			break;
		case HTTP_CHUNK_END:
			used = 1;
			if (*p == '\n')
				h->state = HTTP_CHUNK_LINE;
			else if (*p != '\r')
				h->state = HTTP_BAD;
			break;
		case HTTP_TRAILER:
			used = feed_line(h, p, n, &full);
			if (full) {
				bool empty = h->llen == 0 || (h->llen == 1 && h->line[0] == '\r');
				h->llen = 0;
				if (empty)
					finish(h, cb);
			}
			break;
		case HTTP_BODY_EOF:
			if (cb->body)
				cb->body(cb->ctx, p, n);
			used = n;
			break;
		default: return;
		}
		p += used;
		n -= used;
	}
}
