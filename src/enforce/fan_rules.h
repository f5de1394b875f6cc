/* fan_rules.h: the files.deny rules the fanotify engine enforces
 * (fanotify.h): their marks, the (device, inode) decision cache, and one
 * decision. Used by the decider thread only, once the marks are set. */
#ifndef PROCTOR_ENFORCE_FAN_RULES_H
#define PROCTOR_ENFORCE_FAN_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforce/fanotify.h"
#include "policy/policy.h"

#define FAN_CACHE_SLOTS 8192 /* a power of two, above FAN_MAX_MARKS */

struct fan_cache_entry {
	uint64_t dev, ino;
	int rule;
	bool used;
};

struct fan_rules {
	const struct policy *p;
	int fd; /* the fanotify group */
	int nmarks;
	struct fan_cache_entry cache[FAN_CACHE_SLOTS];
};

/* A files.deny rule that fanotify enforces (read, write or exec opens). */
bool fan_rule_applies(const struct policy_rule *r);
/* enforce block/kill 3, notify 2, audit 1. */
int fan_rule_rank(const struct policy_rule *r);
/* Mark every rule's objects on fr->fd. 0, or -1 with err. */
int fan_rules_mark(struct fan_rules *fr, char *err, size_t errlen);
/* The deciding rule for an open of fd (mask: FAN_OPEN_PERM or
 * FAN_OPEN_EXEC_PERM), or -1: allowed. path gets the resolved path. */
int fan_rules_decide(struct fan_rules *fr, int fd, uint64_t mask, char *path, size_t pathlen,
		     bool *cached);

#endif
