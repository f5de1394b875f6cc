/* fanotify.h: files.deny, and the label rules `deny: {open|write: GLOB}`,
 * enforced with fanotify permission events (FAN_OPEN_PERM,
 * FAN_OPEN_EXEC_PERM) for one session. At start the
 * literal directory of each rule's glob is walked: its directories get a
 * mark for their children's opens, its matching files an inode mark (so a
 * hard link, a rename or a symlink reaches the same mark) and an entry in
 * the decision cache (device, inode -> rule). A reader thread answers the
 * opens of processes outside the session at once and queues the session's;
 * a decider thread decides each from the event's own fd (fstat, then the
 * path the kernel resolved), never from what the agent passed. Fail mode:
 * an open not decided within the timeout is answered by the reader: denied
 * when a rule is enforced (fail closed), allowed in audit (fail open).
 * Violations are queued for the app to record (fan_take). */
#ifndef PROCTOR_ENFORCE_FANOTIFY_H
#define PROCTOR_ENFORCE_FANOTIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/policy.h"

#define FAN_TIMEOUT_MS_DEFAULT 1000 /* $PROCTOR_POLICY_TIMEOUT_MS */
#define FAN_MAX_MARKS	       4096 /* directories and files marked per session */

struct fan;

struct fan_violation {
	uint32_t pid, tid, ppid;
	uint32_t uid, gid; /* effective, from /proc/PID/status while the opener waits */
	char comm[16];
	uint64_t ts_ns;	 /* CLOCK_BOOTTIME */
	int rule;	 /* index in the policy; -1: undecided within the timeout */
	bool exec;	 /* FAN_OPEN_EXEC_PERM */
	bool denied;	 /* the open failed (EPERM) */
	bool write;	 /* decided by a label write rule: the open writes */
	uint16_t labels; /* the opener's label bits, as the kernel held them */
	char path[4096];
};

struct fan_stats {
	uint64_t untracked; /* opens of other processes, allowed at once */
	uint64_t decided;   /* the session's opens decided */
	uint64_t cached;    /* of those, by the (device, inode) cache */
	uint64_t timed_out; /* answered by the fail mode */
	uint64_t lost;	    /* violations beyond the queue (counted, not recorded) */
	int marks;
	unsigned timeout_ms;
	bool fail_closed;
};

/* True if p has files.deny or conditional file rules this engine enforces. */
bool fan_wanted(const struct policy *p);
/* What the conditional rules read from the kernel while an opener waits:
 * the label bits of process tgid (0: none) and the session's temporal
 * satisfied bits. Either may be NULL (read as 0). */
struct fan_kernel {
	uint16_t (*labels_of)(void *ctx, uint32_t tgid);
	uint64_t (*satisfied)(void *ctx);
	void *ctx;
};
/* Start for the session whose cgroup is cg_abs. NULL with err: more than
 * FAN_MAX_MARKS marks, no fanotify. (A glob with no literal directory,
 * "**" first, is left to the session's mount marks: fan_mark_mounts.) */
struct fan *fan_start(const struct policy *p, const char *cg_abs, const struct fan_kernel *k,
		      char *err, size_t errlen);
/* Whether f's rules need the session's own mounts marked (a bare label
 * rule `deny: open|write`, a glob with a leading wildcard): the launcher
 * puts its child into a new mount namespace (a copy of its own), and
 * fan_mark_mounts marks every mount of it, before the command runs, so
 * the session's opens are seen and no other process's. */
bool fan_needs_mounts(const struct fan *f);
/* Mark (FAN_MARK_MOUNT, the opens the rules need) every mount of process pid's mount
 * namespace but the kernel's pseudo file systems (proc, sysfs, ...). 0, or
 * -1 with err. */
int fan_mark_mounts(struct fan *f, uint32_t pid, char *err, size_t errlen);
/* Stop the threads (pending opens are answered first), close the group. */
void fan_stop(struct fan *f);
/* Move up to max queued violations to out; returns how many. */
int fan_take(struct fan *f, struct fan_violation *out, int max);
void fan_get_stats(struct fan *f, struct fan_stats *st);

#endif
