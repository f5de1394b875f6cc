/* session.h: one recorded session (one `proctor run`, later one watched
 * agent or container lifetime): identity, attribution labels and counters. */
#ifndef PROCTOR_SESSION_H
#define PROCTOR_SESSION_H
#include <stddef.h>
#include <stdint.h>

#include "model/container.h"
#include "proctor/abi.h"

struct egress_policy;
struct policy;

struct session {
	char id[40];  /* "20261122T150434-3f2a9c", printable and sortable */
	uint64_t key; /* kernel-side key in tracked_cgroups */
	char agent[64];
	char project[128];
	char user[64]; /* the user CMD runs as */
	char host[256];
	char **argv; /* NULL-terminated command */
	int argc;
	char cgroup_path[4096];
	uint64_t cgroup_id;
	uint64_t start_ns, end_ns; /* wall clock */
	int exit_code;		   /* -1 while running */
	int exit_signal;	   /* 0 unless killed */
	uint64_t events;
	uint64_t drops; /* kernel + user space, any reason */
	uint64_t kernel_drops;
	uint64_t processes;
	uint64_t user_drops;			   /* decode errors, limits, sink losses */
	char drops_detail[512];			   /* JSON object: kernel losses by event type */
	const struct egress_policy *egress_policy; /* rule names of net.flow; NULL: none */
	const struct policy *policy;		   /* v2 rules of policy.violation; NULL: none */
	/* How the session began: "run" (launched by proctor), "watch"
	 * (adopted while running), "auto" (adopted by a rule); adopted_ns is
	 * the wall time tracking began for an adopted one (0 for run): nothing
	 * before it is claimed. */
	char origin[8];
	uint64_t adopted_ns;
	/* An auto-adopted session's first process: its exit is the session's
	 * exit status (0: none, the launcher reports the status). */
	uint32_t root_pid;
	/* The container the session is (watch --container); id "" for none.
	 * Every record of the session carries its container.* / k8s.* fields. */
	struct container container;
};

/* Fill id/key from the clock and randomness; agent/project may be NULL. */
void session_init(struct session *s, const char *agent, const char *project);

/* The sessions one process records at once, by kernel key. Adding beyond
 * SESSION_TABLE_MAX fails (-ENOSPC) and is counted in refused. Every
 * record looks its session up by key (session_find), so the keys are
 * indexed: an open-addressing table of slots into s[] (linear probing,
 * twice the size, deletion by backward shift), no scan per record. */
#define SESSION_TABLE_MAX  PR_MAX_SESSIONS /* one limit, in the ABI */
#define SESSION_INDEX_SIZE (2 * SESSION_TABLE_MAX)
struct session_table {
	struct session *s[SESSION_TABLE_MAX];
	size_t n;
	uint64_t refused;
	/* key -> 1 + its position in s[]; 0: an empty slot */
	uint16_t index[SESSION_INDEX_SIZE];
};
int session_add(struct session_table *t, struct session *s);
void session_remove(struct session_table *t, const struct session *s);
/* NULL when t is NULL or holds no session with that key. */
struct session *session_find(const struct session_table *t, uint64_t key);

#endif
