/* pidindex.h: find a session's process by pid in O(log n): the parent of a
 * process (the latest process with its ppid born no later than it, since
 * pids are reused within a session) and the process a per-pid note belongs
 * to (the latest with that pid). Used by `proctor tree`, `proctor report`
 * and the API's tree, which hold tens of thousands of processes. */
#ifndef PROCTOR_UTIL_PIDINDEX_H
#define PROCTOR_UTIL_PIDINDEX_H
#include <stddef.h>
#include <stdint.h>

struct pid_entry {
	int64_t pid, born;
	size_t idx; /* the caller's index */
};

struct pid_index {
	struct pid_entry *e;
	size_t n;
};

/* Index n processes; pid_of/born_of read the caller's i-th. -1 on ENOMEM. */
int pid_index_build(struct pid_index *ix, size_t n, int64_t (*pid_of)(const void *, size_t),
		    int64_t (*born_of)(const void *, size_t), const void *ctx);
void pid_index_free(struct pid_index *ix);
/* The caller's index of the latest process with pid born at or before
 * `before` (INT64_MAX: the latest of all) and other than `not` (SIZE_MAX:
 * any); -1 when there is none. */
long pid_index_find(const struct pid_index *ix, int64_t pid, int64_t before, size_t not );

#endif
