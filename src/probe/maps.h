/* maps.h: the only code that touches the skeleton's maps (skel->maps): the
 * dispatcher's routes, the ring buffer, the tracked cgroups, the kernel's
 * drop counters and the egress family's tables. Functions return 0 or a
 * negative errno unless they say otherwise. */
#ifndef PROCTOR_PROBE_MAPS_H
#define PROCTOR_PROBE_MAPS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proctor/abi.h"
#include "proctor/abi_net.h"
#include "proctor/abi_policy.h"
#include "proctor/abi_labels.h"
#include "proctor/abi_auto.h"
#include "proctor/abi_tls.h"

struct probe;

/* Syscall nr (on entry or exit) goes to prog_fd: in the dispatcher's array,
 * or in the chain array run after the first program. */
int probe_map_route(struct probe *s, bool on_exit, bool chain, uint32_t nr, int prog_fd);
int probe_map_route_ia32(struct probe *s, int prog_fd);
/* ia32 syscall nr -> prog_fd (sys_ia32_exit_tails / sys_ia32_enter_tails). */
int probe_map_route_ia32_nr(struct probe *s, bool on_exit, uint32_t nr, int prog_fd);
int probe_map_size_ringbuf(struct probe *s, uint32_t bytes);
int probe_map_ringbuf_fd(const struct probe *s);
/* The ring buffer's size (a pinned ring's, when one was re-opened). */
uint32_t probe_map_ringbuf_bytes(const struct probe *s);

int probe_track_cgroup(struct probe *s, uint64_t cgroup_id, uint64_t session_key);
/* Remove every tracked cgroup of the session; returns how many. */
int probe_untrack_session(struct probe *s, uint64_t session_key);
/* The session a cgroup is tracked for; -ENOENT when it is not. */
int probe_tracked_session(struct probe *s, uint64_t cgroup_id, uint64_t *session_key);

/* Kernel losses: total, and per event type when per_type != NULL. */
uint64_t probe_drops(struct probe *s, uint64_t per_type[PR_EV_MAX]);
uint64_t probe_session_drops(struct probe *s, uint64_t session_key);
/* The session ended and its count was read: its entry goes (the map holds
 * live sessions, and the few a late drop of a survivor made again). */
void probe_session_drops_forget(struct probe *s, uint64_t session_key);

/* The tls family's capture of a session (zeros and -ENOENT when none). */
int probe_tls_budget(struct probe *s, uint64_t session_key, struct pr_tls_budget *out);
/* The session ended: its entry goes (the map holds live sessions). */
void probe_tls_budget_forget(struct probe *s, uint64_t session_key);

/* The egress family's tables, per session. */
int probe_egress_set_policy(struct probe *s, uint64_t session_key,
			    const struct pr_egress_policy *kp);
/* Let the session's traffic through until until_ns (CLOCK_BOOTTIME);
 * -ENOENT when it has no policy loaded. */
int probe_egress_bypass(struct probe *s, uint64_t session_key, uint64_t until_ns);
/* Domain rule number rule matches hash (exactly, or as *.domain). */
int probe_egress_add_domain(struct probe *s, uint64_t session_key, uint64_t hash, int rule,
			    bool wildcard);
int probe_egress_add_resolver(struct probe *s, uint64_t session_key, const uint8_t addr[16]);
/* Forget the session's policy, domains, resolved addresses and resolvers. */
void probe_egress_forget(struct probe *s, uint64_t session_key);

/* The policy family's tables (abi_policy.h): DFA states first, then a
 * session's inodes, then its exec rules, which turn the hook on for it. */
int probe_policy_write_dfa(struct probe *s, uint32_t first, uint32_t n,
			   const struct pr_dfa_state *states);
int probe_policy_add_inode(struct probe *s, uint64_t session_key, uint64_t ino, uint32_t dev,
			   uint64_t bits);
int probe_policy_set_exec(struct probe *s, uint64_t session_key, const struct pr_exec_policy *kp);
/* The session's temporal rules (before its exec rules; satisfied starts 0). */
int probe_policy_set_temporal(struct probe *s, uint64_t session_key,
			      const struct pr_temporal_policy *tp);
/* The session's temporal satisfied bits as the kernel holds them now (0:
 * none). Safe from any thread. */
uint64_t probe_policy_temporal_satisfied(struct probe *s, uint64_t session_key);
void probe_policy_forget(struct probe *s, uint64_t session_key);

/* Information-flow labels (abi_labels.h): the session's label policy (its
 * DFA states written first, probe_policy_write_dfa), an inode's labels;
 * forget removes the policy and every process and inode of the session. */
int probe_label_set_policy(struct probe *s, uint64_t session_key, const struct pr_label_policy *kp);
int probe_label_add_inode(struct probe *s, uint64_t session_key, uint64_t ino, uint32_t dev,
			  uint16_t labels);
void probe_label_forget(struct probe *s, uint64_t session_key);
/* The label bits the kernel holds for process tgid of the session (0: none,
 * or a process of another session). Safe from any thread. */
uint16_t probe_label_of(struct probe *s, uint64_t session_key, uint32_t tgid);

/* Take (remove) up to max of the session's flows for which due() is true
 * into out; returns how many. *more: the scan stopped at max, call again. */
size_t probe_flows_take(struct probe *s, uint64_t session_key,
			bool (*due)(const struct pr_flow *f, void *ctx), void *ctx,
			struct pr_flow *out, size_t max, bool *more);
/* Flows of the session with this IP protocol still in the table. */
int probe_flows_count(struct probe *s, uint64_t session_key, uint8_t protocol);

/* Auto-adoption (abi_auto.h): replace the known agents' rules: rule i is
 * names[i], an executable's basename, or, when names[i] is "", the file
 * inodes[i]; n == 0 turns the exec check off. */
int probe_auto_set_rules(struct probe *s, const char *const *names,
			 const struct pr_auto_inode *inodes, size_t n);
/* A rule pinned by path whose path now names another file (an upgrade). */
int probe_auto_move_inode(struct probe *s, uint32_t rule, const struct pr_auto_inode *old,
			  const struct pr_auto_inode *now);
/* The session a live task belongs to by lineage (task_lineage, looked up by
 * pidfd), whatever its cgroup: 0 and *session_key, or -ENOENT (untracked,
 * or no lineage entry yet) or another negative errno. */
int probe_task_session(struct probe *s, pid_t pid, uint64_t *session_key);

#endif
