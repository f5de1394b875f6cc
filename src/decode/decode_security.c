/* decode_security.c: security.privilege and security.memexec records ->
 * spec fields (docs/EVENTS-security.md), the helpers the security decoders
 * share (decode_security.h) and the family's decoder table; security.escape
 * is decoded in decode_escape.c. The kernel sends raw ids, capability masks
 * and protections; the names are made here. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proctor/abi_security.h"
#include "decode/decode_security.h"
#include "util/util.h"

/* ---- shared ------------------------------------------------------------ */

void sec_add_outcome(struct record *r, int64_t ret)
{
	const char *name;

	if (ret < 0 && ret >= -4095) {
		record_add_str_ref(r, "event.outcome", "failure");
		name = errno_name_of(ret);
		record_add_str(r, "error.code", name ? name : "EUNKNOWN");
	} else {
		record_add_str_ref(r, "event.outcome", "success");
	}
}

void sec_add_sb(struct record *r, const char *key, struct strbuf *sb)
{
	record_add_str(r, key, sb_cstr(sb));
	sb_reset(sb);
}

void sec_put_bits(struct strbuf *sb, uint64_t v, const struct bitname *t, size_t n)
{
	size_t i;
	int first = 1;

	for (i = 0; i < n; i++) {
		if (!(v & t[i].bit))
			continue;
		sb_printf(sb, "%s%s", first ? "" : "|", t[i].name);
		v &= ~t[i].bit;
		first = 0;
	}
	if (first && !v)
		sb_putc(sb, '0');
	else if (v)
		sb_printf(sb, "%s0x%" PRIx64, first ? "" : "|", v);
}

/* ---- security.privilege ------------------------------------------------ */

static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static const char *const priv_op_names[] = {
	[PR_PRIV_SETUID] = "setuid",	   [PR_PRIV_SETGID] = "setgid",
	[PR_PRIV_SETREUID] = "setreuid",   [PR_PRIV_SETREGID] = "setregid",
	[PR_PRIV_SETRESUID] = "setresuid", [PR_PRIV_SETRESGID] = "setresgid",
	[PR_PRIV_SETFSUID] = "setfsuid",   [PR_PRIV_SETFSGID] = "setfsgid",
	[PR_PRIV_SETGROUPS] = "setgroups", [PR_PRIV_CAPSET] = "capset",
};

/* "uid=1000" when real, effective and saved agree, else all three. */
static void put_ids(struct strbuf *sb, const char *p, uint32_t r, uint32_t e, uint32_t s)
{
	if (r == e && e == s)
		sb_printf(sb, "%sid=%u", p, r);
	else
		sb_printf(sb, "%sid=%u,e%sid=%u,s%sid=%u", p, r, p, e, p, s);
}

static void put_groups(struct strbuf *sb, const struct pr_cred_snap *c)
{
	uint32_t i, n = c->ngroups < PR_SEC_GROUPS_CAP ? c->ngroups : PR_SEC_GROUPS_CAP;

	sb_puts(sb, "groups=");
	for (i = 0; i < n; i++)
		sb_printf(sb, "%s%u", i ? "," : "", c->groups[i]);
	if (c->ngroups > n)
		sb_printf(sb, ",...(%u)", c->ngroups);
}

static void put_caps(struct strbuf *sb, const struct pr_cred_snap *c)
{
	sb_printf(sb, "cap_eff=0x%" PRIx64 ",cap_prm=0x%" PRIx64 ",cap_inh=0x%" PRIx64,
		  (uint64_t)c->cap_eff, (uint64_t)c->cap_prm, (uint64_t)c->cap_inh);
}

static const struct bitname secbit_names[] = {
	{1 << 0, "SECBIT_NOROOT"},
	{1 << 1, "SECBIT_NOROOT_LOCKED"},
	{1 << 2, "SECBIT_NO_SETUID_FIXUP"},
	{1 << 3, "SECBIT_NO_SETUID_FIXUP_LOCKED"},
	{1 << 4, "SECBIT_KEEP_CAPS"},
	{1 << 5, "SECBIT_KEEP_CAPS_LOCKED"},
	{1 << 6, "SECBIT_NO_CAP_AMBIENT_RAISE"},
	{1 << 7, "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED"},
	{1 << 8, "SECBIT_EXEC_RESTRICT_FILE"},
	{1 << 9, "SECBIT_EXEC_RESTRICT_FILE_LOCKED"},
	{1 << 10, "SECBIT_EXEC_DENY_INTERACTIVE"},
	{1 << 11, "SECBIT_EXEC_DENY_INTERACTIVE_LOCKED"},
};

static void put_secbits(struct strbuf *sb, uint64_t bits)
{
	sb_puts(sb, "securebits=");
	sec_put_bits(sb, bits, secbit_names, ARRAY_SIZE(secbit_names));
}

static const char *cap_name(uint64_t cap)
{
	return cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

/* The prctl operations: PR_CAP_AMBIENT by its arg2. */
static const char *prctl_op_name(const struct pr_sec_priv *e)
{
	switch (e->op) {
	case PR_PRIV_CAP_AMBIENT:
		return e->args[1] == 2	 ? "cap_ambient_raise"
		       : e->args[1] == 3 ? "cap_ambient_lower"
		       : e->args[1] == 4 ? "cap_ambient_clear_all"
					 : NULL;
	case PR_PRIV_SECUREBITS: return "set_securebits";
	case PR_PRIV_KEEPCAPS: return "set_keepcaps";
	case PR_PRIV_NO_NEW_PRIVS: return "set_no_new_privs";
	}
	return NULL;
}

/* One side (before or after) of a privilege change, by operation. */
static void put_side(struct strbuf *sb, uint16_t op, const char *exec_op,
		     const struct pr_cred_snap *c, const struct pr_cred_snap *other)
{
	switch (op) {
	case PR_PRIV_SETUID:
	case PR_PRIV_SETREUID:
	case PR_PRIV_SETRESUID: put_ids(sb, "u", c->uid, c->euid, c->suid); return;
	case PR_PRIV_SETGID:
	case PR_PRIV_SETREGID:
	case PR_PRIV_SETRESGID: put_ids(sb, "g", c->gid, c->egid, c->sgid); return;
	case PR_PRIV_SETFSUID: sb_printf(sb, "fsuid=%u", c->fsuid); return;
	case PR_PRIV_SETFSGID: sb_printf(sb, "fsgid=%u", c->fsgid); return;
	case PR_PRIV_SETGROUPS: put_groups(sb, c); return;
	case PR_PRIV_CAPSET: put_caps(sb, c); return;
	case PR_PRIV_CAP_AMBIENT: sb_printf(sb, "cap_amb=0x%" PRIx64, (uint64_t)c->cap_amb); return;
	case PR_PRIV_SECUREBITS:
	case PR_PRIV_KEEPCAPS: put_secbits(sb, c->secbits & PR_CRED_SECBITS); return;
	case PR_PRIV_NO_NEW_PRIVS:
		sb_printf(sb, "no_new_privs=%d", !!(c->secbits & PR_CRED_NNP));
		return;
	}
	/* exec: the ids that changed, else the capabilities */
	if (!strcmp(exec_op, "capabilities_exec")) {
		put_caps(sb, c);
		return;
	}
	if (c->euid != other->euid || !strcmp(exec_op, "setuid_exec"))
		put_ids(sb, "u", c->uid, c->euid, c->suid);
	if (c->egid != other->egid) {
		if (sb->len)
			sb_putc(sb, ' ');
		put_ids(sb, "g", c->gid, c->egid, c->sgid);
	}
}

static void put_req_id(struct strbuf *sb, const char *name, uint64_t v)
{
	if ((uint32_t)v == (uint32_t)-1)
		sb_printf(sb, "%s=-1", name);
	else
		sb_printf(sb, "%s=%u", name, (uint32_t)v);
}

static void put_requested(struct strbuf *sb, const struct pr_sec_priv *e)
{
	const __u64 *a = e->args;

	switch (e->op) {
	case PR_PRIV_SETUID: put_req_id(sb, "uid", a[0]); break;
	case PR_PRIV_SETGID: put_req_id(sb, "gid", a[0]); break;
	case PR_PRIV_SETFSUID: put_req_id(sb, "fsuid", a[0]); break;
	case PR_PRIV_SETFSGID: put_req_id(sb, "fsgid", a[0]); break;
	case PR_PRIV_SETREUID:
	case PR_PRIV_SETRESUID:
		put_req_id(sb, "ruid", a[0]);
		put_req_id((sb_putc(sb, ','), sb), "euid", a[1]);
		if (e->op == PR_PRIV_SETRESUID)
			put_req_id((sb_putc(sb, ','), sb), "suid", a[2]);
		break;
	case PR_PRIV_SETREGID:
	case PR_PRIV_SETRESGID:
		put_req_id(sb, "rgid", a[0]);
		put_req_id((sb_putc(sb, ','), sb), "egid", a[1]);
		if (e->op == PR_PRIV_SETRESGID)
			put_req_id((sb_putc(sb, ','), sb), "sgid", a[2]);
		break;
	case PR_PRIV_SETGROUPS: sb_printf(sb, "count=%d", (int)a[0]); break;
	case PR_PRIV_CAPSET:
		sb_printf(sb, "cap_eff=0x%llx,cap_prm=0x%llx,cap_inh=0x%llx", a[0], a[1], a[2]);
		break;
	case PR_PRIV_CAP_AMBIENT:
		if (a[1] == 4)
			sb_puts(sb, "clear_all");
		else if (cap_name(a[2]))
			sb_printf(sb, "cap=%s", cap_name(a[2]));
		else
			sb_printf(sb, "cap=%llu", a[2]);
		break;
	case PR_PRIV_SECUREBITS: put_secbits(sb, a[1]); break;
	case PR_PRIV_KEEPCAPS: sb_printf(sb, "keepcaps=%llu", a[1]); break;
	case PR_PRIV_NO_NEW_PRIVS: sb_printf(sb, "no_new_privs=%llu", a[1]); break;
	}
}

static void add_caps_gained(struct record *r, uint64_t before, uint64_t after)
{
	const char *names[64];
	uint64_t gained = after & ~before;
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < 64 && gained; i++) {
		if (!(gained & (1ULL << i)))
			continue;
		names[n++] = i < ARRAY_SIZE(cap_names) ? cap_names[i] : "CAP_UNKNOWN";
		gained &= ~(1ULL << i);
	}
	if (n)
		record_add_strv(r, "privilege.capabilities_gained", names, n);
}

static const char *exec_op_name(const struct pr_sec_priv *e)
{
	if (e->to.euid != e->from.euid)
		return "setuid_exec";
	if (e->to.egid != e->from.egid)
		return "setgid_exec";
	return "capabilities_exec";
}

static enum decode_result decode_priv(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_sec_priv *e = data;
	struct strbuf sb = STRBUF_INIT;
	const char *op;
	bool fs = e->op == PR_PRIV_SETFSUID || e->op == PR_PRIV_SETFSGID;

	(void)len;
	if (e->op == PR_PRIV_EXEC)
		op = exec_op_name(e);
	else if (e->op < ARRAY_SIZE(priv_op_names) && priv_op_names[e->op])
		op = priv_op_names[e->op];
	else if (!(op = prctl_op_name(e)))
		return DECODE_BAD;
	decode_common(c, &e->hdr, "security.privilege", r);
	record_add_str_ref(r, "privilege.operation", op);
	put_side(&sb, e->op, op, &e->from, &e->to);
	sec_add_sb(r, "privilege.from", &sb);
	put_side(&sb, e->op, op, &e->to, &e->from);
	sec_add_sb(r, "privilege.to", &sb);
	if (e->op != PR_PRIV_EXEC) {
		put_requested(&sb, e);
		sec_add_sb(r, "privilege.requested", &sb);
	}
	if (fs) {
		/* setfs[ug]id return the previous id and never fail: the call
		 * took effect when the id now equals the request. */
		uint32_t now = e->op == PR_PRIV_SETFSUID ? e->to.fsuid : e->to.fsgid;
		sec_add_outcome(r, now == (uint32_t)e->args[0] ? 0 : -EPERM);
	} else {
		sec_add_outcome(r, e->ret);
	}
	if (e->op == PR_PRIV_CAP_AMBIENT) /* the ambient set: kept across exec */
		add_caps_gained(r, e->from.cap_amb, e->to.cap_amb);
	else
		add_caps_gained(r, e->from.cap_prm, e->to.cap_prm);
	if (e->hdr.flags & PR_SEC_NO_SNAPSHOT)
		record_add_bool(r, "privilege.from_unknown", true);
	sb_free(&sb);
	return DECODE_OK;
}

/* ---- security.memexec -------------------------------------------------- */

static void put_prot(char out[4], unsigned prot)
{
	out[0] = prot & 1 ? 'r' : '-';
	out[1] = prot & 2 ? 'w' : '-';
	out[2] = prot & 4 ? 'x' : '-';
	out[3] = 0;
}

static enum decode_result decode_memexec(struct decode_ctx *c, const void *data, size_t len,
					 struct record *r)
{
	const struct pr_sec_memexec *e = data;
	static const char *const ops[] = {
		[PR_MEM_MMAP] = "mmap",
		[PR_MEM_MPROTECT] = "mprotect",
		[PR_MEM_PKEY_MPROTECT] = "mprotect",
		[PR_MEM_MEMFD_EXEC] = "memfd_exec",
		[PR_MEM_UNLINKED_EXEC] = "unlinked_exec",
		[PR_MEM_EXEC_STACK] = "exec_stack",
		[PR_MEM_SHMAT] = "shmat",
	};
	char prot[4];

	if (e->op == 0 || e->op >= ARRAY_SIZE(ops) || e->path_len > len - sizeof(*e))
		return DECODE_BAD;
	decode_common(c, &e->hdr, "security.memexec", r);
	record_add_str_ref(r, "memory.operation", ops[e->op]);
	put_prot(prot, e->prot);
	record_add_str(r, "memory.protection", prot);
	record_add_bool(r, "memory.anonymous", e->mem_flags & PR_MEM_ANON);
	if (e->prot & PR_MEM_PROT_IMPLIED)
		record_add_bool(r, "memory.implied_exec", true); /* READ_IMPLIES_EXEC */
	if (e->op == PR_MEM_PKEY_MPROTECT)
		record_add_str_ref(r, "memory.syscall", "pkey_mprotect");
	if (e->mem_flags & PR_MEM_MEMFD)
		record_add_bool(r, "memory.memfd", true);
	if (e->mem_flags & PR_MEM_WRITTEN)
		record_add_bool(r, "memory.written", true);
	if (e->mem_flags & PR_MEM_IA32)
		record_add_str_ref(r, "memory.syscall_abi", "ia32");
	if ((e->mem_flags & PR_MEM_FILE) && e->path_len)
		record_add_str_ref(r, "file.name", decode_str(r, e->path, e->path_len));
	if (e->mem_flags & PR_MEM_PATH_TRUNC)
		record_add_bool(r, "file.name_truncated", true);
	if (!(e->hdr.flags & PR_SEC_SUMMARY) && e->op != PR_MEM_MEMFD_EXEC &&
	    e->op != PR_MEM_UNLINKED_EXEC && e->op != PR_MEM_EXEC_STACK) {
		record_add_int(r, "memory.address", (int64_t)e->addr);
		record_add_int(r, "memory.length", (int64_t)e->len);
	}
	if ((e->op == PR_MEM_MMAP || e->op == PR_MEM_SHMAT) && e->map_flags) {
		/* MAP_SHARED (1) or MAP_SHARED_VALIDATE (3); MAP_PRIVATE is 2 */
		record_add_bool(r, "memory.shared", (e->map_flags & 0x1) != 0);
	}
	record_add_int(r, "memory.count", (int64_t)e->count);
	if (e->hdr.flags & PR_SEC_SUMMARY)
		record_add_bool(r, "memory.summary", true);
	sec_add_outcome(r, e->err);
	return DECODE_OK;
}

const struct decoder security_decoders[] = {
	{PR_EV_SEC_PRIV, "security.privilege", sizeof(struct pr_sec_priv), decode_priv},
	{PR_EV_SEC_MEMEXEC, "security.memexec", sizeof(struct pr_sec_memexec), decode_memexec},
	{PR_EV_SEC_ESCAPE, "security.escape", sizeof(struct pr_sec_escape), decode_escape},
	{0},
};
