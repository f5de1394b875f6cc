/* serve.h: `proctor serve`: the HTTP API (/api/v1, docs/API.md) over
 * libmicrohttpd, bearer tokens scoped to projects, server-sent events. */
#ifndef PROCTOR_SERVE_H
#define PROCTOR_SERVE_H
#include <stdbool.h>
#include <stddef.h>

struct serve_opts {
	const char *listen; /* HOST:PORT, default 127.0.0.1:7070 */
	const char *db;
	const char *tls_cert, *tls_key; /* PEM files; required off loopback */
	bool insecure_http;
	/* for messages: the options that gave listen and the TLS files */
	const char *what, *tls_options; /* "--listen", "--tls-cert and --tls-key" */
};

/* The checks that need no file or socket: the address, TLS files in pairs,
 * TLS (or insecure_http) off loopback. 0, or -1 with err (a usage error). */
int serve_check_opts(const struct serve_opts *o, char *err, size_t errlen);
/* Serve until SIGINT or SIGTERM. Returns 0, or -1 with err. */
int serve_run(const struct serve_opts *o, char *err, size_t errlen);
/* Serve from background threads (which block every signal) until
 * serve_stop: the daemon's --api or its config's `serve:` (docs/DAEMON.md);
 * o must outlive it. NULL with err on failure. */
struct serve;
struct serve *serve_start(const struct serve_opts *o, char *err, size_t errlen);
void serve_stop(struct serve *s);

/* 0 when listen is HOST:PORT or [V6]:PORT with a port 1-65535 (syntax only:
 * listen.c; the host is resolved when the server binds). */
int serve_listen_check(const char *listen);

#endif
