/* serve.c: `proctor serve`'s HTTP server: libmicrohttpd with a thread per
 * connection (bounded count, idle timeout against slow clients), TLS from
 * PEM files off loopback, bearer-token authentication, and the dispatch of
 * /healthz, /api/v1 (api.c) and the embedded web UI (assets.h). Each request opens the store
 * read-only for itself: SQLite connections are never shared between threads. */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve/assets.h"
#include "serve/req.h"
#include "util/parse.h"
#include "util/util.h"

#define CONNECTIONS_MAX 512
#define IDLE_TIMEOUT_S	10

unsigned req_error(struct req *r, unsigned status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sb_reset(&r->body);
	sb_puts(&r->body, "{\"error\":");
	sb_json_str(&r->body, msg);
	sb_puts(&r->body, "}\n");
	r->status = status;
	return status;
}

struct arg_check {
	const char *const *names;
	const char *bad;
	size_t bytes;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct arg_check *c = cls;
	size_t i;
	bool known = false;

	(void)kind;
	c->bytes += strlen(key) + (value ? strlen(value) : 0) + 2;
	for (i = 0; c->names && c->names[i]; i++)
		known |= !strcmp(c->names[i], key);
	if (!known && !c->bad)
		c->bad = key;
	return MHD_YES;
}

int req_check_args(struct req *r, const char *const *names)
{
	struct arg_check c = {.names = names};

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
	if (c.bytes > API_QUERY_MAX) {
		req_error(r, MHD_HTTP_URI_TOO_LONG, "query string longer than %d bytes",
			  API_QUERY_MAX);
		return -1;
	}
	if (c.bad) {
		req_error(r, MHD_HTTP_BAD_REQUEST, "unknown query parameter '%.64s'", c.bad);
		return -1;
	}
	return 0;
}

const char *req_arg(struct req *r, const char *name)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

int req_arg_i64(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_arg(r, name);
	uint64_t u;

	*out = 0;
	if (!v)
		return 0;
	if (parse_u64(v, &u) || u > INT64_MAX) {
		req_error(r, MHD_HTTP_BAD_REQUEST, "%s: expected a non-negative integer", name);
		return -1;
	}
	*out = (int64_t)u;
	return 0;
}

/* RFC 3339 (2026-12-07T00:00:00Z) or nanoseconds since the epoch. */
int req_arg_time(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_arg(r, name);
	uint64_t u;

	*out = 0;
	if (!v)
		return 0;
	if ((parse_u64(v, &u) && parse_rfc3339(v, &u)) || u > INT64_MAX) {
		req_error(r, MHD_HTTP_BAD_REQUEST,
			  "%s: expected RFC 3339 time or nanoseconds since the epoch", name);
		return -1;
	}
	*out = (int64_t)u;
	return 0;
}

/* Bearer token -> r->tok; 401 (one body for every failure: nothing says
 * whether a token exists or was revoked). */
static int authenticate(struct req *r)
{
	const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	int rc;

	if (!h || strncasecmp(h, "Bearer ", 7)) {
		req_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized");
		return -1;
	}
	rc = store_token_lookup(&r->st, h + 7, &r->tok);
	if (rc == -EIO) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store unavailable");
		return -1;
	}
	if (rc) {
		req_error(r, MHD_HTTP_UNAUTHORIZED, "unauthorized");
		return -1;
	}
	return 0;
}

static int open_store(struct req *r)
{
	char err[512];

	if (store_open_ro(&r->st, r->db, err, sizeof(err))) {
		dbg_msg("serve: %s", err);
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store unavailable: %s", err);
		return -1;
	}
	return 0;
}

static void healthz(struct req *r)
{
	sqlite3_stmt *q;
	int rc = SQLITE_ERROR;

	if (store_open_ro(&r->st, r->db, (char[256]){0}, 256) == 0 &&
	    sqlite3_prepare_v2(r->st.db, "SELECT count(*) FROM sessions", -1, &q, NULL) ==
		    SQLITE_OK) {
		rc = sqlite3_step(q);
		sqlite3_finalize(q);
	}
	if (rc != SQLITE_ROW) {
		req_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "store unavailable");
		return;
	}
	r->status = MHD_HTTP_OK;
	sb_puts(&r->body, "{\"status\":\"ok\"}\n");
}

/* The web UI: an exact path of the embedded files ("/" is index.html). */
static void find_asset(struct req *r, const char *url)
{
	const struct web_asset *a;

	if (!strcmp(url, "/"))
		url = "/index.html";
	for (a = web_assets; a->path; a++)
		if (!strcmp(a->path, url)) {
			r->asset = a;
			r->status = MHD_HTTP_OK;
			return;
		}
	req_error(r, MHD_HTTP_NOT_FOUND, "not found");
}

static enum MHD_Result queue_asset(struct MHD_Connection *conn, const struct web_asset *a)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", a->type);
	MHD_add_response_header(resp, "Cache-Control",
				strncmp(a->path, "/assets/", 8) ? "no-cache" : "max-age=86400");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; style-src 'self' 'unsafe-inline'; "
				"frame-ancestors 'none'");
	ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void dispatch(struct req *r, const char *url)
{
	if (!strcmp(url, "/healthz")) {
		healthz(r);
		return;
	}
	if (strncmp(url, "/api/v1/", 8)) {
		find_asset(r, url);
		return;
	}
	if (open_store(r) || authenticate(r))
		return;
	api_route(r, url + 8);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_len, void **con_cls)
{
	struct req r = {.conn = conn, .db = cls, .content_type = "application/json"};
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version, (void)upload, (void)upload_len, (void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		req_error(&r, MHD_HTTP_METHOD_NOT_ALLOWED, "method %.16s not allowed", method);
	else
		dispatch(&r, url);
	store_close(&r.st);
	if (r.asset) {
		sb_free(&r.body);
		return queue_asset(conn, r.asset);
	}
	if (r.response) { /* a stream: its callback owns its own store */
		ret = MHD_queue_response(conn, MHD_HTTP_OK, r.response);
		MHD_destroy_response(r.response);
		sb_free(&r.body);
		return ret;
	}
	resp = MHD_create_response_from_buffer(r.body.len, r.body.buf ? r.body.buf : (char *)"",
					       MHD_RESPMEM_MUST_COPY);
	sb_free(&r.body);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r.content_type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (r.status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
	ret = MHD_queue_response(conn, r.status ? r.status : MHD_HTTP_INTERNAL_SERVER_ERROR, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* HOST:PORT or [V6]:PORT -> address; loopback says whether TLS may be off. */
static int parse_listen(const char *addr, struct sockaddr_storage *ss, bool *loopback)
{
	char host[256] = "", port[8];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = {0}, *res;
	size_t hl;

	if (!colon || (hl = (size_t)(colon - addr)) == 0 || hl >= sizeof(host) ||
	    strlen(colon + 1) >= sizeof(port))
		return -1;
	if (addr[0] == '[' && hl > 2 && addr[hl - 1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int)hl - 2, addr + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)hl, addr);
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (parse_port(port, &(uint16_t){0}))
		return -1;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res))
		return -1;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		*loopback = (ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	else
		*loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = calloc(1, 1 << 20);
	n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!buf || !n) {
		snprintf(err, errlen, "%s is empty", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (verbose)
		vfprintf(stderr, fmt, ap);
}

static struct MHD_Daemon *start(const struct serve_opts *o, struct sockaddr_storage *ss, char *cert,
				char *key)
{
	unsigned flags =
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cert)
		return MHD_start_daemon(
			flags | MHD_USE_TLS, 0, NULL, NULL, handler, (void *)o->db,
			MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss, MHD_OPTION_CONNECTION_LIMIT,
			CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
			MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_HTTPS_MEM_CERT, cert,
			MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, handler, (void *)o->db, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)ss, MHD_OPTION_CONNECTION_LIMIT, CONNECTIONS_MAX,
				MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
				MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL, MHD_OPTION_END);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
	return sig;
}

struct serve *serve_start(const struct serve_opts *o, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char *cert = NULL, *key = NULL;
	bool loopback = false;
	sigset_t set, old;

	if (parse_listen(o->listen, &ss, &loopback)) {
		snprintf(err, errlen, "--listen %s: expected HOST:PORT (port 1-65535)", o->listen);
		return NULL;
	}
	if (o->tls_cert || o->tls_key) {
		if (!o->tls_cert || !o->tls_key) {
			snprintf(err, errlen, "TLS needs both --tls-cert and --tls-key");
			return NULL;
		}
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			snprintf(err, errlen, "this libmicrohttpd has no TLS support");
			return NULL;
		}
		if (!(cert = read_pem(o->tls_cert, err, errlen)) ||
		    !(key = read_pem(o->tls_key, err, errlen))) {
			free(cert);
			return NULL;
		}
	} else if (!loopback && !o->insecure_http) {
		snprintf(err, errlen,
			 "--listen %s is not a loopback address: give --tls-cert and --tls-key, "
			 "or --insecure-http to serve tokens in clear text",
			 o->listen);
		return NULL;
	} else if (!loopback) {
		err_msg("warning: serving plain HTTP on %s: tokens and sessions cross the "
			"network unencrypted",
			o->listen);
	}
	/* the server's threads inherit a mask without SIGINT, SIGTERM and
	 * SIGPIPE: those stay with the caller's thread (sigwait, signalfd) */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	d = start(o, &ss, cert, key);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(cert);
	free(key);
	if (!d)
		snprintf(err, errlen, "--listen %s: cannot listen (address in use?)", o->listen);
	return (struct serve *)d;
}

void serve_stop(struct serve *s)
{
	if (!s)
		return;
	sse_shutdown();
	MHD_stop_daemon((struct MHD_Daemon *)s);
}

int serve_run(const struct serve_opts *o, char *err, size_t errlen)
{
	struct serve *s;
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (!(s = serve_start(o, err, errlen))) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return -1;
	}
	printf("proctor serve: listening on %s://%s (API: /api/v1; a token: proctor token "
	       "create --project P --read)\n",
	       o->tls_cert ? "https" : "http", o->listen);
	fflush(stdout);
	wait_for_signal();
	serve_stop(s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}
