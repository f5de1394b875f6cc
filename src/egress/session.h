/* session.h: the egress module: the network family's per-session control.
 * It takes a probe and an emit callback: it attaches the cgroup programs
 * (bpf/network.bpf.c) to a session cgroup (session.c), loads the session's
 * egress policy (parsed by src/policy/) into the kernel maps, hands idle UDP
 * flows and flows still open at the end to emit, runs the timed bypass and
 * its control socket (ctl.c), and keeps the per-session flow statistics
 * behind the run summary (stats.c). A session without a policy is still
 * recorded (verdict ALLOWED, policy.rule "none").
 *
 * Control endpoint: a UNIX stream socket PROCTOR_CTL_DIR/<session>.sock
 * (root only). Protocol: one request line, one reply line.
 *   "bypass <session> <nanoseconds>\n" -> "ok <until RFC 3339>\n" | "error <why>\n"
 * The session field lets a future daemon serve every session on one
 * socket with the same requests. */
#ifndef PROCTOR_EGRESS_SESSION_H
#define PROCTOR_EGRESS_SESSION_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model/record.h"
#include "model/session.h"
#include "policy/policy.h"

#define PROCTOR_CTL_DIR	 "/run/proctor/sessions"
#define EGRESS_MAX_LINKS 8
#define EGRESS_TOP_DEST	 16

struct probe;
struct bpf_link;

/* Hands a kernel record (a struct pr_flow taken from the flow table) to the
 * same path as ring-buffer records. */
typedef void (*egress_emit_fn)(void *ctx, const void *data, size_t len);

struct egress_dest {
	char name[PR_DOMAIN_CAP + 64]; /* domain or address:port */
	uint64_t flows, bytes_out, bytes_in, denied, bypassed;
};

/* A distinct (process, destination, rule) that was denied or bypassed. */
struct egress_refusal {
	char line[PR_DOMAIN_CAP + 2 * POLICY_RULE_NAME];
	uint8_t verdict;
	uint64_t count;
};

struct egress_stats {
	uint64_t flows, denied, bypassed, bytes_out, bytes_in;
	uint32_t ndest, nrefusals;
	uint64_t dest_dropped;	   /* flows to destinations beyond EGRESS_TOP_DEST */
	uint64_t refusals_dropped; /* refusals beyond EGRESS_TOP_DEST */
	struct egress_dest dest[EGRESS_TOP_DEST];
	struct egress_refusal refusals[EGRESS_TOP_DEST];
};

struct egress_session {
	struct probe *probe;
	egress_emit_fn emit;
	void *emit_ctx;
	struct session *session; /* its egress_policy points at policy */
	uint64_t session_key;
	char session_id[40];
	struct bpf_link *links[EGRESS_MAX_LINKS];
	int nlinks;
	bool has_policy;
	struct egress_policy policy;
	uint64_t udp_idle_ns;
	uint64_t last_sweep_ns;
	uint64_t bypass_until_ns; /* CLOCK_BOOTTIME */
	int ctl_fd;
	char ctl_path[108];
	struct egress_stats stats;
};

/* Attach to the session cgroup (before the command starts). */
int egress_attach(struct egress_session *es, struct probe *probe, egress_emit_fn emit, void *ctx,
		  const char *cg_abs, struct session *s, char *err, size_t errlen);
/* Load the policy into the kernel (may be NULL: record only). mode >= 0
 * (PR_MODE_*, from --egress) overrides the file's mode. */
int egress_set_policy(struct egress_session *es, const struct egress_policy *p, int mode, char *err,
		      size_t errlen);
/* One rule as the kernel matches it (also the label rules' except). */
void egress_kernel_rule(struct pr_egress_rule *k, const struct egress_rule *r);
/* Let traffic through (recorded BYPASSED) for dur_ns from now. */
int egress_bypass(struct egress_session *es, uint64_t dur_ns);
/* Periodic work: idle UDP flows (all flows when final), control requests. */
void egress_tick(struct egress_session *es, bool final);
/* TCP flows of the session the kernel has not closed yet. */
int egress_pending_tcp(struct egress_session *es);
/* Detach, forget the session's kernel state, close the control socket. */
void egress_detach(struct egress_session *es);

/* Control endpoint (ctl.c; the server side runs in egress_tick). */
int egress_ctl_listen(struct egress_session *es, char *err, size_t errlen);
void egress_ctl_serve(struct egress_session *es);
/* Client: send one request to a session; reply copied into reply. */
int egress_ctl_request(const char *session_id, const char *line, char *reply, size_t len);

/* Statistics (stats.c): count a decoded net.flow record of the session. */
void egress_note_flow(struct egress_session *es, const struct record *r);
void egress_print_summary(const struct egress_session *es, FILE *out);

#endif
