/* receiver.h: the OTLP/HTTP receiver for an agent's own telemetry
 * (libmicrohttpd, loopback only): POST /v1/logs and /v1/metrics, protobuf
 * (application/x-protobuf) or JSON (application/json), gzip or not. Each
 * request's items carry the sending process (peer.h), resolved once per
 * connection while it is open; the owner takes them from its own thread
 * (otlp_receiver_take). Bad bodies get 400 with a message. */
#ifndef PROCTOR_OTLP_RECEIVER_H
#define PROCTOR_OTLP_RECEIVER_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otlp/telemetry.h"

#define OTLP_RECEIVER_MAX_BODY	(4u << 20)
#define OTLP_RECEIVER_MAX_QUEUE 65536 /* items waiting for the owner; beyond: 503 */

struct otlp_receiver {
	struct MHD_Daemon *mhd;
	uint16_t port;	   /* bound (the requested one, or the kernel's pick for :0) */
	char host[64];	   /* as bound: "127.0.0.1", "::1" */
	char endpoint[96]; /* http://HOST:PORT, for OTEL_EXPORTER_OTLP_ENDPOINT */
	pthread_mutex_t mu;
	struct tele_list queue;
	/* Counters (under mu). */
	uint64_t requests, items, bad_requests, unattributed, refused_full;
};

/* addr: HOST:PORT with HOST a loopback address (127.0.0.0/8, ::1 as [::1],
 * localhost); PORT 0 picks a free one. 0, or -1 with err. */
int otlp_receiver_start(struct otlp_receiver *r, const char *addr, char *err, size_t errlen);
/* Move the queued items to out (appended). */
void otlp_receiver_take(struct otlp_receiver *r, struct tele_list *out);
void otlp_receiver_stop(struct otlp_receiver *r);
/* Parse HOST:PORT as start does (for usage errors before anything starts). */
int otlp_receiver_parse_addr(const char *addr, char *host, size_t hostlen, uint16_t *port,
			     int *family);

#endif
