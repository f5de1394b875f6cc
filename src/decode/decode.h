/* decode.h: kernel records -> records (spec-named fields). Pure functions
 * of the kernel record and a small environment: the sessions (attribution,
 * the egress policy's rule names) and the process table. Each hook family
 * provides a table of decoders (decode_<family>.c); decode.c dispatches on
 * the record type after validating the header. */
#ifndef PROCTOR_DECODE_H
#define PROCTOR_DECODE_H
#include <stddef.h>
#include <stdint.h>

#include "model/proctree.h"
#include "model/record.h"
#include "model/session.h"
#include "net/dns.h"
#include "proctor/abi.h"

struct decode_ctx {
	const struct session_table *sessions; /* NULL: no attribution */
	struct proctree *procs;
	uint64_t wall_offset_ns;
	const char *host;
	struct dns_msg dns; /* the DNS decoder's scratch message */
};

enum decode_result {
	DECODE_OK = 0,	     /* record filled: commit it */
	DECODE_INTERNAL = 1, /* bookkeeping only, no record */
	DECODE_BAD = -1,     /* malformed: count as decode_error */
};

struct decoder {
	uint16_t type;
	const char *name; /* spec type name */
	size_t min_size;  /* fixed part of the kernel record */
	enum decode_result (*fn)(struct decode_ctx *c, const void *data, size_t len,
				 struct record *r);
};

/* Tables, each terminated by {0}. */
extern const struct decoder process_decoders[];
extern const struct decoder file_decoders[];
extern const struct decoder security_decoders[];
extern const struct decoder network_decoders[];
extern const struct decoder policy_decoders[];
extern const struct decoder label_decoders[];
/* Labels (decode_labels.c): process.labels of a labelled process; the name
 * of the label rule a flow's rule (PR_RULE_LABEL - k) names. */
void decode_process_labels(struct decode_ctx *c, const struct pr_hdr *h, struct record *r);
const char *decode_label_rule_name(struct decode_ctx *c, const struct pr_hdr *h, int rule);
/* policy.labels of a violation: the process's labels (empty list: none). */
void decode_policy_labels(struct decode_ctx *c, const struct pr_hdr *h, struct record *r);

const struct decoder *decoder_for(uint16_t type);
/* Validate and decode one ring-buffer record. */
enum decode_result decode_event(struct decode_ctx *c, const void *data, size_t len,
				struct record *r);

/* Common fields of every event (time, type, session, agent, project, host,
 * process.*). Call first in every decoder. */
void decode_common(struct decode_ctx *c, const struct pr_hdr *h, const char *type_name,
		   struct record *r);
/* A process joined the session (fork, seed, or first sight at exec). */
void decode_count_process(struct decode_ctx *c, uint64_t session_key);
/* The egress policy of the record's session, NULL when it has none. */
const struct egress_policy *decode_egress_policy(const struct decode_ctx *c,
						 const struct pr_hdr *h);
/* Shell-style command line; arguments with special characters quoted. */
const char *decode_command_line(struct record *r, const char *const *argv, uint32_t n);
/* Copy a kernel string field of at most max bytes (may lack a NUL). */
const char *decode_str(struct record *r, const char *s, size_t max);

#endif
