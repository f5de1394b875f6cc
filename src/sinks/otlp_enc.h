/* otlp_enc.h: records -> OTLP ExportLogsServiceRequest (opentelemetry-proto
 * v1 logs), as protobuf or as OTLP/JSON (camelCase keys, int64 as strings,
 * enums as integers). One ResourceLogs per session/container (resource
 * attributes service.name, host.name, proctor.session/agent/project,
 * container.id); every other field becomes a LogRecord attribute under its
 * semantic-convention name. Also parses the partial-success response. */
#ifndef PROCTOR_OTLP_ENC_H
#define PROCTOR_OTLP_ENC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/record.h"
#include "util/strbuf.h"

enum otlp_encoding { OTLP_PROTOBUF, OTLP_JSON };

int otlp_encode(struct record *const *recs, size_t n, enum otlp_encoding enc, uint64_t observed_ns,
		struct strbuf *out);
/* Rejected count from an ExportLogsServiceResponse body (0 when none or
 * unparsable); msg gets error_message. */
int64_t otlp_partial_rejected(const void *body, size_t len, enum otlp_encoding enc, char *msg,
			      size_t msglen);
int otlp_severity_number(const struct record *r);
void otlp_body(const struct record *r, struct strbuf *out);
/* A field left out of a LogRecord's attributes (resource keys, time, severity). */
bool otlp_skip_attr(const char *k);

#endif
