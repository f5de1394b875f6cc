/* decode_escape.c: security.escape records -> spec fields
 * (docs/EVENTS-security.md): the category and syscall names, and the
 * one-line escape.detail made from the raw syscall arguments and strings
 * the kernel sends; ia32 syscalls flagged at entry. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "proctor/abi_security.h"
#include "decode/decode_security.h"
#include "util/util.h"

/* ---- security.escape --------------------------------------------------- */

static const struct bitname ns_flags[] = {
	{0x00020000, "CLONE_NEWNS"},  {0x02000000, "CLONE_NEWCGROUP"}, {0x04000000, "CLONE_NEWUTS"},
	{0x08000000, "CLONE_NEWIPC"}, {0x10000000, "CLONE_NEWUSER"},   {0x20000000, "CLONE_NEWPID"},
	{0x40000000, "CLONE_NEWNET"}, {0x00000080, "CLONE_NEWTIME"},
};
#define NS_MASK 0x7e0200a0ULL

static const struct bitname mount_flags[] = {
	{1, "MS_RDONLY"},	   {2, "MS_NOSUID"},	       {4, "MS_NODEV"},
	{8, "MS_NOEXEC"},	   {16, "MS_SYNCHRONOUS"},     {32, "MS_REMOUNT"},
	{64, "MS_MANDLOCK"},	   {128, "MS_DIRSYNC"},	       {256, "MS_NOSYMFOLLOW"},
	{1024, "MS_NOATIME"},	   {2048, "MS_NODIRATIME"},    {4096, "MS_BIND"},
	{8192, "MS_MOVE"},	   {16384, "MS_REC"},	       {32768, "MS_SILENT"},
	{1 << 16, "MS_POSIXACL"},  {1 << 17, "MS_UNBINDABLE"}, {1 << 18, "MS_PRIVATE"},
	{1 << 19, "MS_SLAVE"},	   {1 << 20, "MS_SHARED"},     {1 << 21, "MS_RELATIME"},
	{1 << 22, "MS_KERNMOUNT"}, {1 << 23, "MS_I_VERSION"},  {1 << 24, "MS_STRICTATIME"},
	{1 << 25, "MS_LAZYTIME"},
};

static const char *const bpf_cmds[] = {
	"BPF_MAP_CREATE",	 "BPF_MAP_LOOKUP_ELEM",
	"BPF_MAP_UPDATE_ELEM",	 "BPF_MAP_DELETE_ELEM",
	"BPF_MAP_GET_NEXT_KEY",	 "BPF_PROG_LOAD",
	"BPF_OBJ_PIN",		 "BPF_OBJ_GET",
	"BPF_PROG_ATTACH",	 "BPF_PROG_DETACH",
	"BPF_PROG_TEST_RUN",	 "BPF_PROG_GET_NEXT_ID",
	"BPF_MAP_GET_NEXT_ID",	 "BPF_PROG_GET_FD_BY_ID",
	"BPF_MAP_GET_FD_BY_ID",	 "BPF_OBJ_GET_INFO_BY_FD",
	"BPF_PROG_QUERY",	 "BPF_RAW_TRACEPOINT_OPEN",
	"BPF_BTF_LOAD",		 "BPF_BTF_GET_FD_BY_ID",
	"BPF_TASK_FD_QUERY",	 "BPF_MAP_LOOKUP_AND_DELETE_ELEM",
	"BPF_MAP_FREEZE",	 "BPF_BTF_GET_NEXT_ID",
	"BPF_MAP_LOOKUP_BATCH",	 "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
	"BPF_MAP_UPDATE_BATCH",	 "BPF_MAP_DELETE_BATCH",
	"BPF_LINK_CREATE",	 "BPF_LINK_UPDATE",
	"BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
	"BPF_ENABLE_STATS",	 "BPF_ITER_CREATE",
	"BPF_LINK_DETACH",	 "BPF_PROG_BIND_MAP",
	"BPF_TOKEN_CREATE",
};

static const char *ptrace_req(uint64_t r)
{
	switch (r) {
	case 0: return "PTRACE_TRACEME";
	case 1: return "PTRACE_PEEKTEXT";
	case 2: return "PTRACE_PEEKDATA";
	case 3: return "PTRACE_PEEKUSER";
	case 4: return "PTRACE_POKETEXT";
	case 5: return "PTRACE_POKEDATA";
	case 6: return "PTRACE_POKEUSER";
	case 12: return "PTRACE_GETREGS";
	case 13: return "PTRACE_SETREGS";
	case 14: return "PTRACE_GETFPREGS";
	case 15: return "PTRACE_SETFPREGS";
	case 16: return "PTRACE_ATTACH";
	case 0x4204: return "PTRACE_GETREGSET";
	case 0x4205: return "PTRACE_SETREGSET";
	case 0x4206: return "PTRACE_SEIZE";
	}
	return NULL;
}

static const char *perf_type(uint32_t t)
{
	static const char *const n[] = {"PERF_TYPE_HARDWARE",	"PERF_TYPE_SOFTWARE",
					"PERF_TYPE_TRACEPOINT", "PERF_TYPE_HW_CACHE",
					"PERF_TYPE_RAW",	"PERF_TYPE_BREAKPOINT"};
	return t < ARRAY_SIZE(n) ? n[t] : NULL;
}

struct esc_ctx {
	const struct pr_sec_escape *e;
	struct record *r;
	struct strbuf *sb;
	bool summary;
};

/* String argument k as sent ("" when absent), truncation marked "...". */
static void put_str(struct esc_ctx *x, const char *key, int k)
{
	const struct pr_sec_escape *e = x->e;
	size_t n = e->str_len[k] ? strnlen(e->str[k], e->str_len[k]) : 0;

	if (x->sb->len)
		sb_putc(x->sb, ' ');
	sb_printf(x->sb, "%s=", key);
	if (!e->str_len[k]) {
		sb_puts(x->sb, "NULL");
		return;
	}
	sb_append(x->sb, e->str[k], n);
	if (e->hdr.flags & (PR_SEC_STR0_TRUNC << k))
		sb_puts(x->sb, "...");
}

static void put_kv(struct esc_ctx *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put_kv(struct esc_ctx *x, const char *key, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (x->sb->len)
		sb_putc(x->sb, ' ');
	sb_printf(x->sb, "%s=%s", key, buf);
}

static void put_ns(struct esc_ctx *x, const char *key, uint64_t flags)
{
	if (x->sb->len)
		sb_putc(x->sb, ' ');
	sb_printf(x->sb, "%s=", key);
	sec_put_bits(x->sb, flags & NS_MASK, ns_flags, ARRAY_SIZE(ns_flags));
}

static bool aux_ok(const struct pr_sec_escape *e)
{
	return e->hdr.flags & PR_SEC_AUX_VALID;
}

static void esc_namespace(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;

	if (nr == SYS_setns) {
		if (e->args[1])
			put_ns(x, "nstype", e->args[1]);
		else
			put_kv(x, "nstype", "any");
		put_str(x, "target", 0);
	} else if (nr == SYS_clone3) {
		put_ns(x, "flags", aux_ok(e) ? e->aux[0] : 0);
	} else {
		put_ns(x, "flags", e->args[0]);
	}
	if ((nr == SYS_clone || nr == SYS_clone3) && e->ret > 0)
		record_add_int(x->r, "escape.child_pid", e->ret);
}

static void esc_seccomp(struct esc_ctx *x, long nr)
{
	static const char *const ops[] = {"SECCOMP_SET_MODE_STRICT", "SECCOMP_SET_MODE_FILTER",
					  "SECCOMP_GET_ACTION_AVAIL", "SECCOMP_GET_NOTIF_SIZES"};
	const struct pr_sec_escape *e = x->e;

	if (nr == SYS_prctl) {
		put_kv(x, "op", "PR_SET_SECCOMP");
		put_kv(x, "mode", "%s",
		       e->args[1] == 1	 ? "SECCOMP_MODE_STRICT"
		       : e->args[1] == 2 ? "SECCOMP_MODE_FILTER"
					 : "unknown");
		return;
	}
	if (e->args[0] < ARRAY_SIZE(ops))
		put_kv(x, "op", "%s", ops[e->args[0]]);
	else
		put_kv(x, "op", "%llu", e->args[0]);
	put_kv(x, "flags", "0x%llx", e->args[1]);
	if (e->args[0] == 1 && aux_ok(e))
		put_kv(x, "filter_len", "%u", (unsigned)(e->aux[0] & 0xffff));
}

static void esc_ptrace(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;
	const char *req;

	if (nr == SYS_ptrace) {
		req = ptrace_req(e->args[0]);
		if (req)
			put_kv(x, "request", "%s", req);
		else
			put_kv(x, "request", "%llu", e->args[0]);
		/* a summary of peeks/pokes counts every target of the request */
		if (e->args[0] != 0 && !x->summary) {
			put_kv(x, "pid", "%d", (int)e->args[1]);
			record_add_int(x->r, "escape.target_pid", (int)e->args[1]);
		}
		return;
	}
	if (x->summary && e->args[0] == PR_AGG_ANY) {
		put_kv(x, "pid", "other"); /* targets past the per-target slots */
		return;
	}
	put_kv(x, "pid", "%d", (int)e->args[0]);
	record_add_int(x->r, "escape.target_pid", (int)e->args[0]);
	if (!x->summary && e->ret >= 0)
		put_kv(x, "bytes", "%" PRId64, (int64_t)e->ret);
}

/* pidfd_getfd(pidfd, targetfd, flags): str 0 "pidfd:PID", str 1 the file */
static void esc_pidfd_getfd(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;
	int pid;

	(void)nr;
	if (e->str_len[0] && sscanf(e->str[0], "pidfd:%d", &pid) == 1) {
		put_kv(x, "pid", "%d", pid);
		record_add_int(x->r, "escape.target_pid", pid);
	} else {
		put_kv(x, "pidfd", "%d", (int)e->args[0]);
	}
	put_kv(x, "fd", "%d", (int)e->args[1]);
	record_add_int(x->r, "escape.target_fd", (int)e->args[1]);
	if (e->ret >= 0 && e->str_len[1]) {
		put_str(x, "file", 1);
		record_add_str(x->r, "escape.file.name",
			       decode_str(x->r, e->str[1], e->str_len[1]));
	}
}

/* recvmsg with SCM_RIGHTS from outside the session: args 0 the socket fd,
 * 1 the first descriptor received, 2 how many, 3 the sender's pid; str 0 the
 * first received file. */
static void esc_scm_rights(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;

	(void)nr;
	if (e->args[3]) {
		put_kv(x, "pid", "%d", (int)e->args[3]);
		record_add_int(x->r, "escape.target_pid", (int)e->args[3]);
	}
	put_kv(x, "socket_fd", "%d", (int)e->args[0]);
	put_kv(x, "fds", "%d", (int)e->args[2]);
	put_kv(x, "fd", "%d", (int)e->args[1]);
	record_add_int(x->r, "escape.received_fds", (int)e->args[2]);
	record_add_int(x->r, "escape.new_fd", (int)e->args[1]);
	if (e->str_len[0]) {
		put_str(x, "file", 0);
		record_add_str(x->r, "escape.file.name",
			       decode_str(x->r, e->str[0], e->str_len[0]));
	}
}

static void esc_module(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;

	if (nr == SYS_init_module) {
		put_kv(x, "len", "%llu", e->args[1]);
		put_str(x, "params", 0);
	} else if (nr == SYS_finit_module) {
		put_str(x, "file", 0);
		put_str(x, "params", 1);
		put_kv(x, "flags", "0x%llx", e->args[2]);
	} else {
		put_str(x, "name", 0);
		put_kv(x, "flags", "0x%llx", e->args[1]);
	}
}

static void esc_mount(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;

	if (nr == SYS_mount) {
		put_str(x, "source", 0);
		put_str(x, "target", 1);
		put_str(x, "fstype", 2);
		if (x->sb->len)
			sb_putc(x->sb, ' ');
		sb_puts(x->sb, "flags=");
		sec_put_bits(x->sb, e->args[3] & 0xffffffffULL, mount_flags,
			     ARRAY_SIZE(mount_flags));
	} else if (nr == SYS_umount2) {
		put_str(x, "target", 0);
		put_kv(x, "flags", "0x%llx", e->args[1]);
	} else if (nr == SYS_pivot_root) {
		put_str(x, "new_root", 0);
		put_str(x, "put_old", 1);
	} else if (nr == SYS_move_mount) {
		put_str(x, "from", 0);
		put_str(x, "to", 1);
		put_kv(x, "flags", "0x%llx", e->args[4]);
	} else if (nr == SYS_fsopen) {
		put_str(x, "fstype", 0);
	} else if (nr == SYS_fsmount) {
		put_kv(x, "fd", "%d", (int)e->args[0]);
		put_kv(x, "flags", "0x%llx", e->args[1]);
	} else if (nr == SYS_open_tree || nr == SYS_mount_setattr) {
		put_str(x, "path", 0);
		put_kv(x, "flags", "0x%llx", e->args[2]);
	}
}

static void esc_bpf(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;
	uint64_t cmd = e->args[0];

	(void)nr;
	if (cmd < ARRAY_SIZE(bpf_cmds))
		put_kv(x, "cmd", "%s", bpf_cmds[cmd]);
	else
		put_kv(x, "cmd", "%" PRIu64, cmd);
	if (x->summary || !aux_ok(e))
		return;
	if (cmd == 5)
		put_kv(x, "prog_type", "%u", (unsigned)e->aux[0]);
	else if (cmd == 0)
		put_kv(x, "map_type", "%u", (unsigned)e->aux[0]);
}

static void esc_perf(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;
	const char *t;

	(void)nr;
	if (aux_ok(e)) {
		t = perf_type((uint32_t)e->aux[0]);
		if (t)
			put_kv(x, "type", "%s", t);
		else
			put_kv(x, "type", "%u", (uint32_t)e->aux[0]);
		put_kv(x, "config", "0x%llx", e->aux[1]);
	}
	put_kv(x, "pid", "%d", (int)e->args[1]);
	put_kv(x, "cpu", "%d", (int)e->args[2]);
}

static void esc_io_uring(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;

	(void)nr;
	put_kv(x, "entries", "%u", (unsigned)e->args[0]);
	if (aux_ok(e))
		put_kv(x, "flags", "0x%x", (unsigned)e->aux[1]);
}

/* A terminal by device number (major << 20 | minor, the kernel's dev_t):
 * named as the kernel names it for the common drivers. */
static void tty_dev_name(char *out, size_t n, uint64_t dev)
{
	unsigned major = (unsigned)(dev >> 20), minor = (unsigned)(dev & 0xfffff);

	if (major >= 136 && major <= 143)
		snprintf(out, n, "pts%u", (major - 136) * 256 + minor);
	else if (major == 4 && minor < 64)
		snprintf(out, n, "tty%u", minor);
	else if (major == 4)
		snprintf(out, n, "ttyS%u", minor - 64);
	else
		snprintf(out, n, "dev:%u:%u", major, minor);
}

/* ioctl(fd, TIOCSTI, &c): one injected byte per successful call. The first
 * record of a (tty, result) names the tty (str 0, the kernel's name); the
 * summary carries the device number (args[0]) and the total. */
static void esc_tty(struct esc_ctx *x, long nr)
{
	const struct pr_sec_escape *e = x->e;
	const char *tty = NULL;
	char name[32];

	(void)nr;
	put_kv(x, "cmd", "TIOCSTI");
	if (!x->summary) {
		put_kv(x, "fd", "%d", (int)e->args[0]);
		if (e->str_len[0])
			tty = decode_str(x->r, e->str[0], e->str_len[0]);
	} else if (e->args[0] && e->args[0] != PR_AGG_ANY) {
		tty_dev_name(name, sizeof(name), e->args[0]);
		tty = name;
	}
	if (tty) {
		put_kv(x, "tty", "%s", tty);
		record_add_str(x->r, "escape.tty", tty);
	}
	record_add_int(x->r, "escape.injected_bytes", e->ret == 0 ? (int64_t)e->count : 0);
}

struct esc_sys {
	long nr;
	const char *name, *category;
	void (*detail)(struct esc_ctx *x, long nr);
};

static const struct esc_sys esc_table[] = {
	{SYS_unshare, "unshare", "namespace", esc_namespace},
	{SYS_setns, "setns", "namespace", esc_namespace},
	{SYS_clone, "clone", "namespace", esc_namespace},
	{SYS_clone3, "clone3", "namespace", esc_namespace},
	{SYS_seccomp, "seccomp", "seccomp", esc_seccomp},
	{SYS_prctl, "prctl", "seccomp", esc_seccomp},
	{SYS_ptrace, "ptrace", "ptrace", esc_ptrace},
	{SYS_process_vm_readv, "process_vm_readv", "ptrace", esc_ptrace},
	{SYS_process_vm_writev, "process_vm_writev", "ptrace", esc_ptrace},
	{SYS_pidfd_getfd, "pidfd_getfd", "ptrace", esc_pidfd_getfd},
	{SYS_recvmsg, "recvmsg", "ptrace", esc_scm_rights},
	{SYS_init_module, "init_module", "module", esc_module},
	{SYS_finit_module, "finit_module", "module", esc_module},
	{SYS_delete_module, "delete_module", "module", esc_module},
	{SYS_mount, "mount", "mount", esc_mount},
	{SYS_umount2, "umount2", "mount", esc_mount},
	{SYS_pivot_root, "pivot_root", "mount", esc_mount},
	{SYS_move_mount, "move_mount", "mount", esc_mount},
	{SYS_fsopen, "fsopen", "mount", esc_mount},
	{SYS_fsmount, "fsmount", "mount", esc_mount},
	{SYS_open_tree, "open_tree", "mount", esc_mount},
	{SYS_mount_setattr, "mount_setattr", "mount", esc_mount},
	{SYS_bpf, "bpf", "bpf", esc_bpf},
	{SYS_perf_event_open, "perf_event_open", "perf_event", esc_perf},
	{SYS_io_uring_setup, "io_uring_setup", "io_uring", esc_io_uring},
	{SYS_ioctl, "ioctl", "tty", esc_tty},
};

/* ia32 (int $0x80) syscalls worth naming; numbers from the i386 table.
 * Escape-relevant ones keep their category, the rest are "syscall_abi". */
static const struct {
	long nr;
	const char *name, *category;
} ia32_table[] = {
	{1, "exit", "syscall_abi"},
	{2, "fork", "syscall_abi"},
	{3, "read", "syscall_abi"},
	{4, "write", "syscall_abi"},
	{5, "open", "syscall_abi"},
	{6, "close", "syscall_abi"},
	{11, "execve", "syscall_abi"},
	{21, "mount", "mount"},
	{23, "setuid", "syscall_abi"},
	{26, "ptrace", "ptrace"},
	{46, "setgid", "syscall_abi"},
	{52, "umount2", "mount"},
	{102, "socketcall", "syscall_abi"},
	{120, "clone", "syscall_abi"},
	{128, "init_module", "module"},
	{129, "delete_module", "module"},
	{172, "prctl", "syscall_abi"},
	{190, "vfork", "syscall_abi"},
	{208, "setresuid32", "syscall_abi"},
	{213, "setuid32", "syscall_abi"},
	{214, "setgid32", "syscall_abi"},
	{217, "pivot_root", "mount"},
	{295, "openat", "syscall_abi"},
	{310, "unshare", "namespace"},
	{336, "perf_event_open", "perf_event"},
	{346, "setns", "namespace"},
	{347, "process_vm_readv", "ptrace"},
	{348, "process_vm_writev", "ptrace"},
	{350, "finit_module", "module"},
	{354, "seccomp", "seccomp"},
	{357, "bpf", "bpf"},
	{359, "socket", "syscall_abi"},
	{362, "connect", "syscall_abi"},
	{425, "io_uring_setup", "io_uring"},
	{428, "open_tree", "mount"},
	{429, "move_mount", "mount"},
	{430, "fsopen", "mount"},
	{432, "fsmount", "mount"},
	{435, "clone3", "syscall_abi"},
};

/* An ia32 syscall from a tracked process (first use in the process). */
static enum decode_result decode_ia32(struct decode_ctx *c, const struct pr_sec_escape *e,
				      struct record *r)
{
	const char *name = NULL, *category = "syscall_abi";
	char buf[32], detail[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ia32_table); i++) {
		if (ia32_table[i].nr == (long)e->nr) {
			name = ia32_table[i].name;
			category = ia32_table[i].category;
		}
	}
	if (!name) {
		snprintf(buf, sizeof(buf), "ia32:%u", e->nr);
		name = buf;
	}
	snprintf(detail, sizeof(detail),
		 "ia32 syscall %u (int $0x80) from a tracked process; args 0x%llx 0x%llx 0x%llx",
		 e->nr, (unsigned long long)e->args[0], (unsigned long long)e->args[1],
		 (unsigned long long)e->args[2]);
	decode_common(c, &e->hdr, "security.escape", r);
	record_add_str_ref(r, "escape.category", category);
	record_add_str(r, "escape.syscall", name);
	record_add_str(r, "escape.detail", detail);
	record_add_str_ref(r, "escape.abi", "ia32");
	record_add_int(r, "escape.count", (int64_t)e->count);
	return DECODE_OK;
}

enum decode_result decode_escape(struct decode_ctx *c, const void *data, size_t len,
				 struct record *r)
{
	const struct pr_sec_escape *e = data;
	const struct esc_sys *sys = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct esc_ctx x = {.e = e, .r = r, .sb = &sb};
	size_t i;

	(void)len;
	if (e->hdr.flags & PR_SEC_IA32)
		return decode_ia32(c, e, r);
	for (i = 0; i < ARRAY_SIZE(esc_table); i++)
		if (esc_table[i].nr == (long)e->nr)
			sys = &esc_table[i];
	if (!sys)
		return DECODE_BAD;
	for (i = 0; i < PR_SEC_STRS; i++)
		if (e->str_len[i] > PR_SEC_STR_CAP)
			return DECODE_BAD;
	x.summary = e->hdr.flags & PR_SEC_SUMMARY;
	decode_common(c, &e->hdr, "security.escape", r);
	record_add_str_ref(r, "escape.category", sys->category);
	record_add_str_ref(r, "escape.syscall", sys->name);
	sys->detail(&x, sys->nr);
	record_add_str(r, "escape.detail", sb_cstr(&sb));
	sec_add_outcome(r, e->ret);
	record_add_int(r, "escape.count", (int64_t)e->count);
	if (x.summary)
		record_add_bool(r, "escape.summary", true);
	if (e->hdr.flags & (PR_SEC_STR0_TRUNC | PR_SEC_STR1_TRUNC | PR_SEC_STR2_TRUNC))
		record_add_bool(r, "escape.truncated", true);
	sb_free(&sb);
	return DECODE_OK;
}
