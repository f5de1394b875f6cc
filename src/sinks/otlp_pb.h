/* otlp_pb.h: the OTLP sink's protobuf encoding over protobuf-c (otlp_pb.c);
 * grouping, bodies and attribute selection are otlp_enc.c's. */
#ifndef PROCTOR_OTLP_PB_H
#define PROCTOR_OTLP_PB_H
#include <stddef.h>
#include <stdint.h>

#include "sinks/otlp_enc.h"

/* recs grouped as otlp_enc.c groups them: ng resources, first[g] the first
 * record of group g, grp[i] record i's group. 0, or -1 out of memory. */
int otlp_encode_pb(struct record *const *recs, size_t n, const size_t *first, const size_t *grp,
		   size_t ng, uint64_t observed, struct strbuf *out);
int64_t otlp_partial_rejected_pb(const void *body, size_t len, char *msg, size_t msglen);

#endif
