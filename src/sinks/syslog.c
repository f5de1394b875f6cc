/* syslog.c: the syslog sinks: syslog+udp:// (one datagram per message),
 * syslog+tcp:// (RFC 6587 octet counting) and syslog+tls:// (octet counting
 * over TLS, RFC 5425; OpenSSL, verifying the server unless ?insecure=1).
 * Options: ?format=cef, ?facility=NAME|N, ?max=BYTES (default 8192 for UDP),
 * ?ca=FILE, ?servername=NAME. Delivery goes through netsink (spool, retry).
 * Syslog has no application-level acknowledgement: what the kernel accepted
 * before a receiver died can be lost; use an HTTP sink when that matters. */
#include <errno.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sinks/netsink.h"
#include "sinks/syslog_fmt.h"
#include "util/util.h"

enum transport { T_UDP, T_TCP, T_TLS };

struct syslog_sink {
	enum transport t;
	struct syslog_opts o;
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	char ca[256], servername[256];
	int insecure;
	struct strbuf msg, frame;
};

static void disconnect(struct syslog_sink *sl)
{
	if (sl->ssl) {
		SSL_shutdown(sl->ssl);
		SSL_free(sl->ssl);
		sl->ssl = NULL;
	}
	if (sl->fd >= 0)
		close(sl->fd);
	sl->fd = -1;
}

static int connect_to(struct netsink *ns, struct syslog_sink *sl, char *err, size_t errlen)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char port[16];
	int rc, fd = -1;

	hints.ai_socktype = sl->t == T_UDP ? SOCK_DGRAM : SOCK_STREAM;
	snprintf(port, sizeof(port), "%d",
		 ns->url.port	  ? ns->url.port
		 : sl->t == T_TLS ? 6514
				  : 514);
	rc = getaddrinfo(ns->url.host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%.200s: %s", ns->display, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		{
			struct timeval tv = {2, 0};
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "%.200s: connect: %s", ns->display, strerror(errno));
		return -1;
	}
	sl->fd = fd;
	if (sl->t != T_TLS)
		return 0;
	sl->ssl = SSL_new(sl->ctx);
	if (!sl->ssl)
		goto tls_fail;
	SSL_set_fd(sl->ssl, fd);
	SSL_set_tlsext_host_name(sl->ssl, sl->servername[0] ? sl->servername : ns->url.host);
	if (!sl->insecure)
		SSL_set1_host(sl->ssl, sl->servername[0] ? sl->servername : ns->url.host);
	if (SSL_connect(sl->ssl) != 1)
		goto tls_fail;
	return 0;
tls_fail:
	snprintf(err, errlen, "%.200s: TLS handshake failed: %s", ns->display,
		 ERR_reason_error_string(ERR_get_error()) ? ERR_reason_error_string(ERR_get_error())
							  : "error");
	ERR_clear_error();
	disconnect(sl);
	return -1;
}

static int send_all(struct syslog_sink *sl, const char *p, size_t n)
{
	while (n) {
		ssize_t w;
		if (sl->ssl) {
			int k = SSL_write(sl->ssl, p, (int)n);
			w = k > 0 ? k : -1;
		} else {
			w = send(sl->fd, p, n, MSG_NOSIGNAL);
		}
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A stream peer that closed on us shows up as readable EOF. */
static bool peer_closed(int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};
	char c;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
	return false;
}

static void syslog_send(struct netsink *ns, struct record *const *recs, size_t n,
			struct send_result *res)
{
	struct syslog_sink *sl = ns->priv;
	size_t i;

	if (sl->fd >= 0 && sl->t != T_UDP && peer_closed(sl->fd))
		disconnect(sl);
	if (sl->fd < 0 && connect_to(ns, sl, res->msg, sizeof(res->msg))) {
		res->st = SEND_RETRY;
		return;
	}
	sb_reset(&sl->frame);
	for (i = 0; i < n; i++) {
		syslog_format(recs[i], &sl->o, &sl->msg);
		if (sl->t == T_UDP) {
			if (send(sl->fd, sl->msg.buf, sl->msg.len, MSG_NOSIGNAL) < 0)
				goto fail;
			continue;
		}
		sb_printf(&sl->frame, "%zu ", sl->msg.len);
		sb_append(&sl->frame, sl->msg.buf, sl->msg.len);
	}
	if (sl->t != T_UDP && send_all(sl, sl->frame.buf, sl->frame.len))
		goto fail;
	res->st = SEND_OK;
	return;
fail:
	snprintf(res->msg, sizeof(res->msg), "%.200s: send: %s", ns->display, strerror(errno));
	disconnect(sl);
	res->st = SEND_RETRY;
}

static int syslog_open(struct netsink *ns, char *err, size_t errlen)
{
	struct syslog_sink *sl = calloc(1, sizeof(*sl));
	const char *v;
	uint64_t max;

	if (!sl)
		return -1;
	sl->fd = -1;
	sl->t = !strcmp(ns->url.scheme, "syslog+udp")	? T_UDP
		: !strcmp(ns->url.scheme, "syslog+tcp") ? T_TCP
							: T_TLS;
	sl->o.facility = 13;
	sl->o.max_len = sl->t == T_UDP ? 8192 : 0;
	sl->o.compact = sl->t == T_UDP; /* every field once: a datagram has a limit */
	ns->priv = sl;
	if ((v = sink_url_param(&ns->url, "format"))) {
		if (strcmp(v, "cef") && strcmp(v, "json") && strcmp(v, "rfc5424"))
			goto bad;
		sl->o.cef = !strcmp(v, "cef");
	}
	if ((v = sink_url_param(&ns->url, "facility")) &&
	    (sl->o.facility = syslog_facility_parse(v)) < 0)
		goto bad;
	if ((v = sink_url_param(&ns->url, "max"))) {
		if (parse_size(v, &max) || max < 480)
			goto bad;
		sl->o.max_len = (size_t)max;
	}
	if ((v = sink_url_param(&ns->url, "ca")))
		snprintf(sl->ca, sizeof(sl->ca), "%s", v);
	if ((v = sink_url_param(&ns->url, "servername")))
		snprintf(sl->servername, sizeof(sl->servername), "%s", v);
	sl->insecure = (v = sink_url_param(&ns->url, "insecure")) && strcmp(v, "0");
	if (sl->t == T_TLS) {
		sl->ctx = SSL_CTX_new(TLS_client_method());
		if (!sl->ctx)
			goto tls;
		SSL_CTX_set_min_proto_version(sl->ctx, TLS1_2_VERSION);
		SSL_CTX_set_verify(sl->ctx, sl->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
		if (sl->ca[0] ? SSL_CTX_load_verify_locations(sl->ctx, sl->ca, NULL) != 1
			      : SSL_CTX_set_default_verify_paths(sl->ctx) != 1)
			goto tls;
	}
	return 0;
bad:
	snprintf(err, errlen, "%.200s: bad option '%s'", ns->display, v);
	free(sl);
	ns->priv = NULL;
	return -1;
tls:
	snprintf(err, errlen, "%.200s: TLS setup failed (ca=%s)", ns->display,
		 sl->ca[0] ? sl->ca : "system");
	if (sl->ctx)
		SSL_CTX_free(sl->ctx);
	free(sl);
	ns->priv = NULL;
	return -1;
}

static void syslog_close(struct netsink *ns)
{
	struct syslog_sink *sl = ns->priv;
	if (!sl)
		return;
	disconnect(sl);
	if (sl->ctx)
		SSL_CTX_free(sl->ctx);
	sb_free(&sl->msg);
	sb_free(&sl->frame);
	free(sl);
}

static const char *const syslog_params[] = {"format",	  "facility", "max", "ca",
					    "servername", "insecure", NULL};

static const struct netsink_ops syslog_net_ops = {
	.name = "syslog",
	.open = syslog_open,
	.send = syslog_send,
	.close = syslog_close,
	.max_batch = 200,
	.params = syslog_params,
};

#define SYSLOG_SINK(var, scheme_str)                                                               \
	static int var##_open(struct sink *s, const char *rest, char *err, size_t errlen)          \
	{                                                                                          \
		return netsink_open(s, scheme_str, rest, &syslog_net_ops, err, errlen);            \
	}                                                                                          \
	const struct sink_ops var = {                                                              \
		.scheme = scheme_str,                                                              \
		.open = var##_open,                                                                \
		NETSINK_SINK_OPS,                                                                  \
	}

SYSLOG_SINK(syslog_udp_sink_ops, "syslog+udp");
SYSLOG_SINK(syslog_tcp_sink_ops, "syslog+tcp");
SYSLOG_SINK(syslog_tls_sink_ops, "syslog+tls");
