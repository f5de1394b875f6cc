/* mechanisms.c: probing the host for the enforcement mechanisms (fanotify
 * permission events, Landlock, seccomp user notification, BPF-LSM, cgroup
 * sock_addr, the exec-kill path) and choosing one per rule. Each probe asks
 * the kernel itself; nothing is inferred from the kernel version. */
#include "policy/mechanisms.h"
#include "policy/labels.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/fanotify.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "policy/temporal.h"
#include "util/util.h"

static const char *const names[MECH_COUNT] = {"cgroup_sock_addr", "exec_kill",	     "fanotify",
					      "landlock",	  "seccomp_unotify", "bpf_lsm"};

const char *mechanism_name(enum mechanism m)
{
	return names[m];
}

static void set(struct host_mechanism *m, bool present, const char *fmt, const char *arg)
{
	m->present = present;
	snprintf(m->detail, sizeof(m->detail), fmt, arg);
}

/* FAN_CLASS_CONTENT with FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM on a private
 * file nobody else opens (a mount mark would stall every open meanwhile). */
static void probe_fanotify(struct host_mechanism *m)
{
	char path[] = "/tmp/proctor-fanotify-XXXXXX";
	int fd = (int)syscall(SYS_fanotify_init, FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	int tmp;

	if (fd < 0) {
		set(m, false, "fanotify_init(FAN_CLASS_CONTENT): %s", strerror(errno));
		return;
	}
	if ((tmp = mkstemp(path)) < 0) {
		set(m, false, "cannot create a probe file: %s", strerror(errno));
		close(fd);
		return;
	}
	if (syscall(SYS_fanotify_mark, fd, FAN_MARK_ADD, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM,
		    AT_FDCWD, path))
		set(m, false, "FAN_OPEN_PERM|FAN_OPEN_EXEC_PERM: %s", strerror(errno));
	else
		set(m, true, "FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM%s", "");
	unlink(path);
	close(tmp);
	close(fd);
}

static void probe_landlock(struct host_mechanisms *h)
{
	struct host_mechanism *m = &h->m[MECH_LANDLOCK];
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	char n[24];

	h->landlock_abi = abi > 0 ? (int)abi : 0;
	if (abi <= 0) {
		set(m, false, "landlock_create_ruleset: %s",
		    errno == EOPNOTSUPP ? "disabled at boot" : strerror(errno));
		return;
	}
	snprintf(n, sizeof(n), "%ld", abi);
	set(m, true, "ABI %s", n);
}

static void probe_seccomp(struct host_mechanism *m)
{
	struct seccomp_notif_sizes sizes;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes))
		set(m, false, "SECCOMP_GET_NOTIF_SIZES: %s", strerror(errno));
	else
		set(m, true, "SECCOMP_GET_NOTIF_SIZES%s", "");
}

static bool lsm_list_has_bpf(char *why, size_t len)
{
	const char *dir = "/sys/kernel/security", *file = "/sys/kernel/security/lsm";
	char buf[512], *tok, *save;

	if (access(file, R_OK) && mount("securityfs", dir, "securityfs", 0, NULL) &&
	    errno != EBUSY) {
		snprintf(why, len, "cannot mount securityfs on %s: %s", dir, strerror(errno));
		return false;
	}
	if (read_small_file(file, buf, sizeof(buf)) < 0) {
		snprintf(why, len, "cannot read %s: %s", file, strerror(errno));
		return false;
	}
	buf[strcspn(buf, "\n")] = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	snprintf(why, len, "bpf is not among the active LSMs (%s: %.60s)", file, buf);
	return false;
}

/* The kernel is the judge: load a trivial BPF_PROG_TYPE_LSM program
 * (return 0) at bpf_lsm_file_open. */
static bool lsm_prog_loads(char *why, size_t len)
{
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd;

	if (!btf) {
		snprintf(why, len, "no kernel BTF: %s", strerror(errno));
		return false;
	}
	id = btf__find_by_name_kind(btf, "bpf_lsm_file_open", BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		snprintf(why, len, "the kernel has no bpf_lsm_file_open hook");
		return false;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "pr_probe", "GPL", prog, 2, &opts);
	if (fd < 0) {
		snprintf(why, len, "loading a BPF_PROG_TYPE_LSM program: %s", strerror(-fd));
		return false;
	}
	close(fd);
	return true;
}

static void probe_bpf_lsm(struct host_mechanism *m)
{
	char why[sizeof(m->detail)];

	if (lsm_list_has_bpf(why, sizeof(why)) && lsm_prog_loads(why, sizeof(why)))
		set(m, true, "in the active LSMs, a program loads%s", "");
	else
		set(m, false, "%s", why);
}

static void apply_mask(struct host_mechanisms *h)
{
	const char *off = getenv("PROCTOR_MECHANISMS_OFF");
	char buf[256], *tok, *save;
	int i;

	if (!off)
		return;
	snprintf(buf, sizeof(buf), "%s", off);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (i = 0; i < MECH_COUNT; i++)
			if (!strcmp(tok, names[i]))
				set(&h->m[i], false, "turned off by PROCTOR_MECHANISMS_OFF%s", "");
}

void mechanisms_probe(struct host_mechanisms *h)
{
	memset(h, 0, sizeof(*h));
	set(&h->m[MECH_CGROUP_SOCK_ADDR], true, "BPF_CGROUP_INET4/6_CONNECT, SENDMSG%s", "");
	set(&h->m[MECH_EXEC_KILL], true, "tp_btf/sched_process_exec + bpf_send_signal%s", "");
	probe_fanotify(&h->m[MECH_FANOTIFY]);
	probe_landlock(h);
	probe_seccomp(&h->m[MECH_SECCOMP_UNOTIFY]);
	probe_bpf_lsm(&h->m[MECH_BPF_LSM]);
	apply_mask(h);
	if (!h->m[MECH_LANDLOCK].present)
		h->landlock_abi = 0;
}

static bool has(const struct host_mechanisms *h, enum mechanism m)
{
	return h->m[m].present;
}

static void add(struct rule_plan *out, enum mechanism m)
{
	size_t n = strlen(out->mechanism);

	snprintf(out->mechanism + n, sizeof(out->mechanism) - n, "%s%s", n ? "+" : "", names[m]);
}

/* what cannot be blocked here, and why (the mechanism that would and its absence) */
static void lack(const struct host_mechanisms *h, struct rule_plan *out, const char *what,
		 enum mechanism m)
{
	size_t n = strlen(out->why);

	snprintf(out->why + n, sizeof(out->why) - n, "%s%s needs %s (%s)", n ? "; " : "", what,
		 names[m], h->m[m].detail);
}

/* The first present mechanism of a preference list, or none. */
static bool pick(const struct host_mechanisms *h, struct rule_plan *out, const char *what,
		 const enum mechanism *prefs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (has(h, prefs[i])) {
			if (!strstr(out->mechanism, names[prefs[i]]))
				add(out, prefs[i]);
			return true;
		}
	lack(h, out, what, prefs[0]);
	return false;
}

#define PICK(what, ...)                                                                            \
	pick(h, out, what, (const enum mechanism[]){__VA_ARGS__},                                  \
	     (int)(sizeof((const enum mechanism[]){__VA_ARGS__}) / sizeof(enum mechanism)))

/* A write_only_under glob Landlock takes: a tree (DIR, slash, globstar with
 * a literal DIR) or a literal path (src/enforce/landlock.c). */
static bool landlock_glob(const char *g)
{
	size_t n = strlen(g);

	if (n > 3 && !strcmp(g + n - 3, "/**"))
		n -= 3;
	return g[0] == '/' && strcspn(g, "*?[") >= n;
}

/* This build: write_only_under by Landlock, the opens of files.deny by
 * fanotify (src/enforce); create, delete, rename and metadata of files.deny
 * would need seccomp_unotify, which it does not use yet. */
static void plan_files(const struct host_mechanisms *h, const struct policy *p,
		       const struct policy_rule *r, struct rule_plan *out)
{
	unsigned opens = r->access & (POLICY_READ | POLICY_WRITE | POLICY_EXEC);
	unsigned ops =
		r->access & (POLICY_CREATE | POLICY_DELETE | POLICY_RENAME | POLICY_METADATA);
	size_t n;
	int i;

	if (r->kind == RULE_WRITE_ONLY_UNDER) {
		if (!has(h, MECH_LANDLOCK)) {
			PICK("writes", MECH_FANOTIFY);
			PICK("create, delete, rename", MECH_SECCOMP_UNOTIFY);
			return;
		}
		add(out, MECH_LANDLOCK);
		out->enforced = true;
		for (i = 0; i < r->object.paths.n; i++)
			if (!landlock_glob(p->globs[r->object.paths.first + i].expanded))
				out->enforced = false;
		return;
	}
	if (opens)
		out->enforced = PICK("read, write and exec opens", MECH_FANOTIFY);
	if (ops && PICK("create, delete, rename and metadata", MECH_SECCOMP_UNOTIFY)) {
		n = strlen(out->why);
		snprintf(out->why + n, sizeof(out->why) - n,
			 "%screate, delete, rename and metadata (seccomp_unotify is not used by "
			 "this build yet)",
			 n ? "; " : "");
	}
}

static void plan_exec(const struct host_mechanisms *h, const struct policy_object *o,
		      enum policy_rule_kind kind, struct rule_plan *out)
{
	if (kind == RULE_EXEC_ALLOW_ONLY)
		PICK("exec", MECH_LANDLOCK, MECH_FANOTIFY, MECH_EXEC_KILL);
	else if (o->argv.elem.n)
		PICK("exec by argv", MECH_EXEC_KILL);
	else
		PICK("exec", MECH_FANOTIFY, MECH_EXEC_KILL);
}

static void plan_conditional(const struct host_mechanisms *h, const struct policy_rule *r,
			     struct rule_plan *out)
{
	switch (r->object.op) {
	case OP_CONNECT: PICK("connect", MECH_CGROUP_SOCK_ADDR); break;
	case OP_EXEC:
		if (r->label >= 0) /* label rules: the exec hook (bpf/policy/labels.bpf.c) */
			PICK("exec", MECH_EXEC_KILL);
		else
			plan_exec(h, &r->object, r->kind, out);
		break;
	case OP_OPEN:
	case OP_WRITE: PICK("opens decided on labels and history", MECH_FANOTIFY); break;
	case OP_NONE: break;
	}
}

/* A fanotify rule no directory bounds is decided on the session's own
 * mounts, which only a standalone `proctor run` makes: say so. */
static void session_mounts(const struct policy *p, const struct policy_rule *r,
			   struct rule_plan *out)
{
	size_t n = strlen(out->mechanism);

	if (strstr(out->mechanism, "fanotify") && policy_rule_unbounded(p, r))
		snprintf(out->mechanism + n, sizeof(out->mechanism) - n,
			 " (the session's mounts, standalone)");
}

void mechanisms_plan_rule(const struct host_mechanisms *h, const struct policy *p,
			  const struct policy_rule *r, struct rule_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (r->effect == POLICY_NOTIFY) {
		snprintf(out->mechanism, sizeof(out->mechanism), "notify");
		out->notify_only = true;
		snprintf(out->why, sizeof(out->why),
			 "effect: notify (recorded and fed back, never blocked)");
		return;
	}
	if (r->kind == RULE_DECLASSIFY) {
		snprintf(out->mechanism, sizeof(out->mechanism), "label_tracking");
		out->enforced = policy_label_enforced(r); /* src/enforce/labels.c */
		return;
	}
	if (r->kind == RULE_EXEC_DENY || r->kind == RULE_EXEC_ALLOW_ONLY) {
		/* this build: the exec-kill hook (bpf/policy/exec.bpf.c), any host */
		out->enforced =
			PICK(r->object.argv.elem.n ? "exec by argv" : "exec", MECH_EXEC_KILL);
		if (!out->enforced) {
			snprintf(out->mechanism, sizeof(out->mechanism), "notify");
			out->notify_only = true;
		}
		return;
	}
	if (policy_rule_temporal_file(r)) {
		/* the fanotify engine, reading the kernel's per-session satisfied bit */
		out->enforced = PICK("opens unless succeeded", MECH_FANOTIFY);
		snprintf(out->mechanism, sizeof(out->mechanism), "%s",
			 out->enforced
				 ? (r->label >= 0 ? "label_tracking+fanotify (temporal: "
						    "satisfied bit kept by the kernel)"
						  : "fanotify (temporal: satisfied bit kept by the "
						    "kernel)")
				 : "notify");
		out->notify_only = !out->enforced;
		session_mounts(p, r, out);
		return;
	}
	if (policy_rule_temporal(r)) {
		/* the exec-kill hook, with the kernel's per-session satisfied bit */
		out->enforced = PICK("exec unless succeeded", MECH_EXEC_KILL);
		snprintf(out->mechanism, sizeof(out->mechanism), "%s",
			 out->enforced
				 ? (r->label >= 0
					    ? "label_tracking+exec_kill (temporal: "
					      "satisfied bit kept by the kernel)"
					    : "exec_kill (temporal: satisfied bit kept by the "
					      "kernel)")
				 : "notify");
		out->notify_only = !out->enforced;
		return;
	}
	if (r->kind == RULE_FILE_DENY || r->kind == RULE_WRITE_ONLY_UNDER) {
		plan_files(h, p, r, out); /* this build: Landlock and fanotify, not BPF-LSM */
	} else if (has(h, MECH_BPF_LSM) &&
		   !(r->kind == RULE_CONDITIONAL && r->object.op == OP_CONNECT)) {
		add(out, MECH_BPF_LSM);
		return;
	} else if (r->kind == RULE_EXEC_DENY || r->kind == RULE_EXEC_ALLOW_ONLY)
		plan_exec(h, &r->object, r->kind, out);
	else {
		if (r->label >= 0) /* the label is the kernel's label tracking */
			snprintf(out->mechanism, sizeof(out->mechanism), "label_tracking");
		plan_conditional(h, r, out);
		out->enforced = policy_label_enforced(r) && !out->why[0];
	}
	if (!out->mechanism[0]) {
		snprintf(out->mechanism, sizeof(out->mechanism), "notify");
		out->notify_only = true;
	}
	session_mounts(p, r, out);
}

void mechanisms_plan_egress(const struct host_mechanisms *h, struct rule_plan *out)
{
	memset(out, 0, sizeof(*out));
	add(out, MECH_CGROUP_SOCK_ADDR);
	out->enforced = has(h, MECH_CGROUP_SOCK_ADDR);
}

void mechanisms_plan_label(const struct host_mechanisms *h, struct rule_plan *out)
{
	(void)h;
	memset(out, 0, sizeof(*out));
	snprintf(out->mechanism, sizeof(out->mechanism), "label_tracking");
	out->enforced = true; /* bpf/policy/labels.bpf.c: tp_btf, any host */
}
