/* metrics.h: Prometheus /metrics and /healthz for long-running modes: the
 * pipeline's counters and each sink's delivery state. */
#ifndef PROCTOR_APP_METRICS_H
#define PROCTOR_APP_METRICS_H
#include <stddef.h>
#include <stdint.h>

#include "pipeline/pipeline.h"

/* Serve Prometheus /metrics and /healthz on ADDR ("127.0.0.1:9464"). */
int metrics_start(const char *addr, struct pipeline *p, char *err, size_t errlen);
void metrics_stop(void);
/* /healthz is 503 when a sink's spool holds more than spool_bytes (default
 * METRICS_SPOOL_LIMIT_MB MiB), or the ring buffer lost events in the last
 * minute. */
#define METRICS_SPOOL_LIMIT_MB 256
void metrics_set_spool_limit(uint64_t spool_bytes);
/* The /metrics text (Prometheus exposition format 0.0.4). */
struct strbuf;
int metrics_render(struct pipeline *p, struct strbuf *sb);

#endif
