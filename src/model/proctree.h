/* proctree.h: the live process table in user space: pid -> executable,
 * parent, session. Fed by process events and by seeding from /proc; read by
 * the decoders to fill process.executable.path on every event. */
#ifndef PROCTOR_PROCTREE_H
#define PROCTOR_PROCTREE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct proc {
	uint32_t pid; /* 0 = free slot */
	uint32_t ppid;
	uint64_t session_key;
	uint64_t start_ns;
	char *exe;
	bool exited;
};

struct proctree {
	struct proc *slots;
	size_t cap, count;
};

int proctree_init(struct proctree *t);
void proctree_free(struct proctree *t);
struct proc *proctree_get(struct proctree *t, uint32_t pid);
/* Upper bound on live entries (pid_max is at most 4M; a host never has that
 * many processes alive in tracked sessions). Beyond it upsert returns NULL
 * and callers go without the cached executable. */
#define PROCTREE_MAX_ENTRIES (1u << 20)

/* Find or insert; NULL when out of memory or full. */
struct proc *proctree_upsert(struct proctree *t, uint32_t pid);
int proctree_set_exe(struct proc *p, const char *exe);
void proctree_remove(struct proctree *t, uint32_t pid);
/* Drop every entry of a session (at session end). */
void proctree_forget_session(struct proctree *t, uint64_t session_key);

/* The pids in /proc whose cgroup v2 path is CGPATH or under it (e.g.
 * "/proctor/2026..."). Calls fn for each; returns count. */
int proctree_scan_cgroup(const char *cgpath, void (*fn)(void *ctx, uint32_t pid), void *ctx);

#endif
