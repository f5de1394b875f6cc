/* proctree.h: the one process table in user space: pid -> name, parent,
 * executable, session, recent opens. Fed by process events, by seeding from
 * /proc and by the Enrich stage (names and parents seen in records, and
 * ancestors read from /proc); read by the decoders to fill
 * process.executable.path and by Enrich for process.parent.chain. */
#ifndef PROCTOR_PROCTREE_H
#define PROCTOR_PROCTREE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Names of the files a process opened lately, by the kernel's open fold key
 * (pr_file_open.agg_id): folded repeats and most I/O summaries carry the key
 * instead of the path. The kernel names a record by a key only while the key
 * is in the process's table of PR_FILE_OPEN_SLOTS (16), i.e. among its last
 * 16 emitted opens; the ring keeps twice that, so a name is never missing
 * unless the open record itself was lost (counted as a drop). */
#define PROC_OPEN_NAMES 32
struct proc_open_name {
	uint64_t key;
	char *path, *requested;
};

struct proc {
	uint32_t pid; /* 0 = free slot */
	uint32_t ppid;
	char name[16]; /* comm, as last seen in a record or /proc; "" unknown */
	uint64_t session_key;
	uint64_t start_ns;
	char *exe;
	bool exited;
	uint32_t opens_next;
	struct proc_open_name *opens; /* ring of PROC_OPEN_NAMES, NULL until used */
};

/* Exited processes stay known this long (in exits), so records the kernel
 * emits for them after process.exit (file summaries flushed at exit, flows)
 * still carry their executable, whatever order the hooks run in. */
#define PROCTREE_EXITED_KEEP 4096

struct proctree {
	struct proc *slots;
	size_t cap, count;
	uint32_t exited[PROCTREE_EXITED_KEEP]; /* ring of recently exited pids */
	size_t exited_next;
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
/* Find, or learn name and parent from /proc/PID/stat (a process outside
 * the sessions, e.g. an ancestor in a parent chain); NULL when neither. */
struct proc *proctree_get_or_read(struct proctree *t, uint32_t pid);
int proctree_set_exe(struct proc *p, const char *exe);
/* Remember / look up the name of an open by its fold key. */
int proc_open_name_put(struct proc *p, uint64_t key, const char *path, const char *requested);
const struct proc_open_name *proc_open_name_get(const struct proc *p, uint64_t key);
void proctree_remove(struct proctree *t, uint32_t pid);
/* A process exited: keep it for late records, forget it PROCTREE_EXITED_KEEP
 * exits later (unless its pid was reused meanwhile). */
void proctree_mark_exited(struct proctree *t, uint32_t pid);
/* Drop every entry of a session (at session end). */
void proctree_forget_session(struct proctree *t, uint64_t session_key);

/* The pids in /proc whose cgroup v2 path is CGPATH or under it (e.g.
 * "/proctor/2026..."). Calls fn for each; returns count. */
int proctree_scan_cgroup(const char *cgpath, void (*fn)(void *ctx, uint32_t pid), void *ctx);

#endif
