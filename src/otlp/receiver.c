/* receiver.c: the OTLP/HTTP receiver (receiver.h) on libmicrohttpd's own
 * thread: request bodies (bounded, gunzipped with zlib, bounded again) ->
 * telemetry.c -> the queue, each item stamped with the sending process
 * (peer.c, once per connection). */
#include "otlp/receiver.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "otlp/peer.h"
#include "util/strbuf.h"

struct conn_ctx {
	bool resolved, found;
	struct peer_proc proc;
};

struct req_ctx {
	struct strbuf body;
	bool too_big;
};

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned code, const char *ctype,
			     const char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", ctype);
	rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result fail(struct otlp_receiver *r, struct MHD_Connection *conn, unsigned code,
			    const char *msg)
{
	pthread_mutex_lock(&r->mu);
	r->bad_requests++;
	pthread_mutex_unlock(&r->mu);
	return reply(conn, code, "text/plain", msg, strlen(msg));
}

/* gzip -> out, at most OTLP_RECEIVER_MAX_BODY bytes. 0, or -1. */
static int gunzip(const struct strbuf *in, struct strbuf *out)
{
	z_stream z = {0};
	unsigned char buf[16384];
	int rc;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -1;
	z.next_in = (unsigned char *)in->buf;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = buf;
		z.avail_out = sizeof(buf);
		rc = inflate(&z, Z_NO_FLUSH);
		if ((rc != Z_OK && rc != Z_STREAM_END) ||
		    out->len + (sizeof(buf) - z.avail_out) > OTLP_RECEIVER_MAX_BODY ||
		    sb_append(out, buf, sizeof(buf) - z.avail_out)) {
			inflateEnd(&z);
			return -1;
		}
	} while (rc != Z_STREAM_END && (z.avail_in || !z.avail_out));
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

static struct conn_ctx *conn_of(struct MHD_Connection *conn, uint16_t our_port)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const union MHD_ConnectionInfo *ai =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct conn_ctx *c = ci ? ci->socket_context : NULL;
	uint16_t peer = 0;

	if (!c || c->resolved)
		return c;
	c->resolved = true;
	if (ai && ai->client_addr && ai->client_addr->sa_family == AF_INET)
		peer = ntohs(((const struct sockaddr_in *)ai->client_addr)->sin_port);
	else if (ai && ai->client_addr && ai->client_addr->sa_family == AF_INET6)
		peer = ntohs(((const struct sockaddr_in6 *)ai->client_addr)->sin6_port);
	c->found = peer && !peer_lookup(peer, our_port, &c->proc);
	return c;
}

static enum MHD_Result finish(struct otlp_receiver *r, struct MHD_Connection *conn,
			      struct req_ctx *q, enum tele_signal sig, bool json)
{
	const char *enc = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Encoding");
	struct strbuf plain = STRBUF_INIT;
	const struct strbuf *body = &q->body;
	struct tele_list got;
	struct tele_item *it;
	struct conn_ctx *c;
	char err[256], msg[300];
	enum MHD_Result rc;

	if (q->too_big)
		return fail(r, conn, MHD_HTTP_CONTENT_TOO_LARGE, "body over 4 MiB\n");
	if (enc && !strcasecmp(enc, "gzip")) {
		if (gunzip(&q->body, &plain)) {
			sb_free(&plain);
			return fail(r, conn, MHD_HTTP_BAD_REQUEST,
				    "Content-Encoding gzip: not gzip, or over 4 MiB inflated\n");
		}
		body = &plain;
	} else if (enc && strcasecmp(enc, "identity")) {
		return fail(r, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			    "Content-Encoding: only gzip or identity\n");
	}
	tele_list_init(&got);
	if (tele_parse(sig, json ? TELE_JSON : TELE_PROTOBUF, body->buf ? body->buf : "", body->len,
		       &got, err, sizeof(err))) {
		sb_free(&plain);
		snprintf(msg, sizeof(msg), "%s\n", err);
		return fail(r, conn,
			    strstr(err, "in one request") ? MHD_HTTP_CONTENT_TOO_LARGE
							  : MHD_HTTP_BAD_REQUEST,
			    msg);
	}
	sb_free(&plain);
	c = conn_of(conn, r->port);
	for (it = got.head; it; it = it->next)
		if (c && c->found) {
			it->pid = c->proc.pid;
			it->ppid = c->proc.ppid;
			it->uid = c->proc.uid;
			it->gid = c->proc.gid;
			memcpy(it->comm, c->proc.comm, sizeof(it->comm));
		}
	pthread_mutex_lock(&r->mu);
	r->requests++;
	if (r->queue.n + got.n > OTLP_RECEIVER_MAX_QUEUE) {
		r->refused_full += got.n;
		pthread_mutex_unlock(&r->mu);
		tele_list_free(&got);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "queue full\n", 11);
	}
	r->items += got.n;
	if (!(c && c->found))
		r->unattributed += got.n;
	if (got.head) {
		*r->queue.tail = got.head;
		r->queue.tail = got.tail;
		r->queue.n += got.n;
	}
	pthread_mutex_unlock(&r->mu);
	/* An empty Export*ServiceResponse: full success. */
	rc = json ? reply(conn, MHD_HTTP_OK, "application/json", "{}", 2)
		  : reply(conn, MHD_HTTP_OK, "application/x-protobuf", "", 0);
	return rc;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct otlp_receiver *r = cls;
	struct req_ctx *q = *con_cls;
	const char *ct;
	enum tele_signal sig;
	bool json;

	(void)version;
	if (!q) {
		if (!(q = calloc(1, sizeof(*q))))
			return MHD_NO;
		*con_cls = q;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_big && q->body.len + *upload_size <= OTLP_RECEIVER_MAX_BODY)
			sb_append(&q->body, upload, *upload_size);
		else
			q->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST"))
		return fail(r, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "POST only\n");
	if (!strcmp(url, "/v1/logs"))
		sig = TELE_LOGS;
	else if (!strcmp(url, "/v1/metrics"))
		sig = TELE_METRICS;
	else
		return fail(r, conn, MHD_HTTP_NOT_FOUND, "only /v1/logs and /v1/metrics\n");
	ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (ct && !strncasecmp(ct, "application/x-protobuf", 22))
		json = false;
	else if (ct && !strncasecmp(ct, "application/json", 16))
		json = true;
	else
		return fail(r, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
			    "Content-Type: application/x-protobuf or application/json\n");
	return finish(r, conn, q, sig, json);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req_ctx *q = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (q) {
		sb_free(&q->body);
		free(q);
		*con_cls = NULL;
	}
}

static void notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		   enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)conn;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		*socket_context = calloc(1, sizeof(struct conn_ctx));
	else {
		free(*socket_context);
		*socket_context = NULL;
	}
}

int otlp_receiver_start(struct otlp_receiver *r, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss = {0};
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
	sigset_t all, old;
	int family;

	memset(r, 0, sizeof(*r));
	tele_list_init(&r->queue);
	if (otlp_receiver_parse_addr(addr, r->host, sizeof(r->host), &r->port, &family)) {
		snprintf(err, errlen, "%s: expected HOST:PORT with a loopback HOST", addr);
		return -1;
	}
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(r->port);
		inet_pton(AF_INET, r->host, &s4->sin_addr);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(r->port);
		inet_pton(AF_INET6, r->host, &s6->sin6_addr);
		flags |= MHD_USE_IPv6;
	}
	pthread_mutex_init(&r->mu, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* its thread must not take our signals */
	r->mhd = MHD_start_daemon(flags, r->port, NULL, NULL, handler, r, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, 64u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_NOTIFY_COMPLETED,
				  completed, r, MHD_OPTION_NOTIFY_CONNECTION, notify, r,
				  MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!r->mhd) {
		snprintf(err, errlen, "%s: cannot listen (address in use?)", addr);
		pthread_mutex_destroy(&r->mu);
		return -1;
	}
	if ((di = MHD_get_daemon_info(r->mhd, MHD_DAEMON_INFO_BIND_PORT)) && di->port)
		r->port = di->port;
	snprintf(r->endpoint, sizeof(r->endpoint),
		 family == AF_INET6 ? "http://[%s]:%u" : "http://%s:%u", r->host, r->port);
	return 0;
}

void otlp_receiver_take(struct otlp_receiver *r, struct tele_list *out)
{
	if (!r->mhd)
		return;
	pthread_mutex_lock(&r->mu);
	if (r->queue.head) {
		*out->tail = r->queue.head;
		out->tail = r->queue.tail;
		out->n += r->queue.n;
		tele_list_init(&r->queue);
	}
	pthread_mutex_unlock(&r->mu);
}

void otlp_receiver_stop(struct otlp_receiver *r)
{
	if (!r->mhd)
		return;
	MHD_stop_daemon(r->mhd);
	r->mhd = NULL;
	tele_list_free(&r->queue);
	pthread_mutex_destroy(&r->mu);
}
