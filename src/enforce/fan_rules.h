/* fan_rules.h: the rules the fanotify engine enforces (fanotify.h):
 * files.deny, and the conditional file rules: label rules `if: {label}`
 * with `deny: {open|write: GLOB}` (decided from the opener's label bits in
 * the kernel) and temporal rules `deny: {open|write: GLOB}` with `unless`
 * (from the session's satisfied bits in the kernel), a write judged from
 * the open's flags; their marks, the (device, inode) decision cache, and
 * one decision. Used by the decider thread only, once the marks are set. */
#ifndef PROCTOR_ENFORCE_FAN_RULES_H
#define PROCTOR_ENFORCE_FAN_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce/fanotify.h"
#include "policy/policy.h"

#define FAN_CACHE_SLOTS 8192 /* a power of two, above FAN_MAX_MARKS */

#define FAN_COND_RULES 16 /* POLICY_LABEL_FILE_RULES + PR_TEMPORAL_RULES */

struct fan_cache_entry {
	uint64_t dev, ino;
	int rule;	 /* files.deny rule, -1: none */
	uint16_t crules; /* bit k: conditional file rule k covers this inode */
	bool used;
};

/* The opener of one permission event. The label bits, the satisfied bits
 * and the open's flags are read only when a conditional rule covers the
 * file. */
struct fan_opener {
	uint32_t tid;
	uint16_t (*labels_of)(void *ctx, uint32_t tid); /* the kernel's label bits */
	uint64_t (*satisfied)(void *ctx);		/* the session's temporal bits */
	void *ctx;
	uint16_t labels; /* out: read (labels_read) */
	bool labels_read;
	bool write; /* out: the deciding rule is a conditional write rule */
};

struct fan_rules {
	const struct policy *p;
	int fd; /* the fanotify group */
	int nmarks;
	int ncrules;
	int crule[FAN_COND_RULES];     /* conditional file rule k: index in p->rules */
	uint64_t cbit[FAN_COND_RULES]; /* a temporal one's satisfied bit (0: a label rule) */
	uint16_t bare;		       /* bit k: conditional rule k covers every regular file */
	struct fan_cache_entry cache[FAN_CACHE_SLOTS];
};

/* A files.deny rule that fanotify enforces (read, write or exec opens). */
bool fan_rule_applies(const struct policy_rule *r);
/* A label or temporal rule denying an open or a write of its globs. */
bool fan_cond_rule(const struct policy_rule *r);
/* enforce block/kill 3, notify 2, audit 1. */
int fan_rule_rank(const struct policy_rule *r);
/* Whether a rule is bounded by no literal directory (a bare label rule
 * `deny: open|write`, a glob with a leading wildcard): the session's own
 * mounts are marked then (fan_mark_mounts), each open of it decided. The
 * mask those marks need (0: none). */
unsigned fan_rules_mount_mask(const struct policy *p);
bool fan_rules_need_mounts(const struct policy *p);
/* Mark every rule's objects on fr->fd. 0, or -1 with err. */
int fan_rules_mark(struct fan_rules *fr, char *err, size_t errlen);
/* The deciding rule for an open of fd (mask: FAN_OPEN_PERM or
 * FAN_OPEN_EXEC_PERM) by who, or -1: allowed. path gets the resolved path. */
int fan_rules_decide(struct fan_rules *fr, int fd, uint64_t mask, struct fan_opener *who,
		     char *path, size_t pathlen, bool *cached);
/* Whether the open a task waits in, as /proc/TID/syscall shows it (text),
 * writes: O_WRONLY, O_RDWR, O_CREAT or O_TRUNC in the flags register of
 * open, openat, open_by_handle_at (native or ia32); creat writes; exec
 * does not. Anything else (openat2, whose flags are in memory the task
 * could change; io_uring; an unreadable file) counts as a write: fail
 * closed. */
bool fan_syscall_writes(const char *text);

#endif
