/* decode_process.c: process.exec, process.fork, process.exit,
 * process.cgroup_change and the internal cgroup-add record; keeps the user-space process table
 * current. */
#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "proctor/abi_security.h"
#include "probe/syscall_table.h"
#include "util/shquote.h"
#include "util/strbuf.h"
#include "util/util.h"

#define MAX_ARGS 1024

/* Shell-style command line (util/shquote.h), in the record's arena. */
const char *decode_command_line(struct record *r, const char *const *argv, uint32_t n)
{
	struct strbuf sb = STRBUF_INIT;
	const char *out;

	sh_join_argv(&sb, argv, n);
	out = record_strdup(r, sb_cstr(&sb));
	sb_free(&sb);
	return out;
}

/* A failed execve/execveat: the caller keeps its image, so the process
 * table is left alone; exe is the path as passed. */
static enum decode_result decode_exec_failed(struct decode_ctx *c, const struct pr_exec *e,
					     const char *path, const char *const *argv,
					     uint32_t argc, struct record *r)
{
	const char *en = errno_name_of(e->err);

	decode_common(c, &e->hdr, "process.exec", r);
	record_add_str_ref(r, "event.outcome", "failure");
	record_add_str(r, "error.code", en ? en : "EUNKNOWN");
	record_add_str_ref(r, "process.exec.path", path);
	if (e->hdr.flags & PR_EXEC_IA32)
		record_add_str_ref(r, "process.exec.syscall_abi", "ia32");
	record_add_strv(r, "process.command_args", argv, argc);
	record_add_str_ref(r, "process.command_line", decode_command_line(r, argv, argc));
	record_add_bool(r, "process.args_truncated",
			(e->hdr.flags & PR_EXEC_ARGS_TRUNC) || argc == MAX_ARGS);
	if (e->hdr.flags & PR_EXEC_EXE_TRUNC)
		record_add_bool(r, "process.path_truncated", true);
	if (e->old_tid != e->hdr.pid)
		record_add_int(r, "process.exec.thread_id", e->old_tid);
	return DECODE_OK;
}

static void add_outcome(struct record *r, long ret)
{
	const char *en;

	if (ret >= 0) {
		record_add_str_ref(r, "event.outcome", "success");
		return;
	}
	record_add_str_ref(r, "event.outcome", "failure");
	en = errno_name_of(ret);
	record_add_str(r, "error.code", en ? en : "EUNKNOWN");
}

static enum decode_result decode_exec(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_exec *e = data;
	const char *p = e->data, *end = (const char *)data + len;
	const char *exe, *cwd, *argv[MAX_ARGS];
	uint32_t argc = 0;
	struct proc *pr;

	if ((size_t)e->exe_len + e->cwd_len + e->args_size > len - sizeof(*e))
		return DECODE_BAD;
	exe = decode_str(r, p, e->exe_len);
	p += e->exe_len;
	cwd = decode_str(r, p, e->cwd_len);
	p += e->cwd_len;
	end = p + e->args_size;
	while (p < end && argc < MAX_ARGS) {
		size_t n = strnlen(p, (size_t)(end - p));
		argv[argc++] = record_strndup(r, p, n);
		p += n + 1;
	}

	if (e->hdr.flags & PR_EXEC_FAILED)
		return decode_exec_failed(c, e, exe, argv, argc, r);
	if (!proctree_get(c->procs, e->hdr.pid))
		decode_count_process(c, e->hdr.session_key);
	if ((pr = proctree_upsert(c->procs, e->hdr.pid))) {
		pr->ppid = e->hdr.ppid;
		pr->session_key = e->hdr.session_key;
		pr->exited = false;
		proctree_set_exe(pr, exe);
	}
	decode_common(c, &e->hdr, "process.exec", r);
	record_add_str_ref(r, "event.outcome", "success");
	record_add_strv(r, "process.command_args", argv, argc);
	record_add_str_ref(r, "process.command_line", decode_command_line(r, argv, argc));
	record_add_str_ref(r, "process.working_directory", cwd);
	record_add_bool(r, "process.args_truncated",
			(e->hdr.flags & PR_EXEC_ARGS_TRUNC) || argc == MAX_ARGS);
	record_add_int(r, "process.args_bytes", e->args_total);
	if (e->hdr.flags & (PR_EXEC_EXE_TRUNC | PR_EXEC_CWD_TRUNC))
		record_add_bool(r, "process.path_truncated", true);
	if (e->ruid != e->hdr.uid)
		record_add_int(r, "process.real_user.id", e->ruid);
	if (e->old_tid != e->hdr.pid)
		record_add_int(r, "process.exec.thread_id", e->old_tid);
	return DECODE_OK;
}

/* The parent's syscall that made the task: only the fork family is named
 * (io_uring worker threads, for one, are made from other syscalls). */
static const char *fork_syscall_name(uint32_t nr)
{
	long n = nr;

	if (n == PR_NR_clone || n == PR_NR_clone3 || n == PR_NR_fork || n == PR_NR_vfork)
		return syscall_name(n);
	return NULL;
}

static enum decode_result decode_fork(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_fork *e = data;
	bool thread = e->hdr.flags & PR_FORK_THREAD;
	const char *sc = fork_syscall_name(e->syscall_nr);
	struct proc *child, *parent;

	(void)len;
	if (!thread)
		decode_count_process(c, e->hdr.session_key);
	if (!thread && (child = proctree_upsert(c->procs, e->hdr.pid))) {
		parent = proctree_get(c->procs, e->hdr.ppid);
		child->ppid = e->hdr.ppid;
		child->session_key = e->hdr.session_key;
		child->start_ns = e->hdr.ts_ns;
		child->exited = false;
		proctree_set_exe(child, parent && parent->exe ? parent->exe : "");
	}
	decode_common(c, &e->hdr, "process.fork", r);
	record_add_str_ref(r, "event.outcome", "success");
	record_add_bool(r, "process.thread", thread);
	if (sc)
		record_add_str_ref(r, "process.fork.syscall", sc);
	if (e->hdr.flags & PR_FORK_VFORK)
		record_add_bool(r, "process.fork.vfork", true);
	if (e->clone_flags)
		record_add_int(r, "process.fork.clone_flags", (int64_t)e->clone_flags);
	record_add_int(r, "process.parent_tid", e->parent_tid);
	return DECODE_OK;
}

static enum decode_result decode_exit(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_exit *e = data;
	int sig = e->exit_code & 0x7f;
	const char *sname;

	(void)len;
	decode_common(c, &e->hdr, "process.exit", r);
	record_add_int(r, "process.exit.code", sig ? 128 + sig : (int)((e->exit_code >> 8) & 0xff));
	if (sig && (sname = signal_name(sig)))
		record_add_str(r, "process.exit.signal", sname);
	if (e->exit_code & 0x80)
		record_add_bool(r, "process.exit.core_dumped", true);
	if (e->start_ns && e->hdr.ts_ns >= e->start_ns)
		record_add_int(r, "process.duration_ms",
			       (int64_t)((e->hdr.ts_ns - e->start_ns) / 1000000));
	proctree_mark_exited(c->procs, e->hdr.pid);
	return DECODE_OK;
}

static const char *const cgroup_relations[] = {
	[PR_CGROUP_OWN] = "own_session",
	[PR_CGROUP_UNTRACKED] = "untracked",
	[PR_CGROUP_OTHER] = "other_session",
};

/* A tracked process moved to another cgroup; it stays in its own session
 * (the header's), whatever the new cgroup is. */
static enum decode_result decode_cgroup_change(struct decode_ctx *c, const void *data, size_t len,
					       struct record *r)
{
	const struct pr_cgroup_change *e = data;
	const struct session *other;

	if (e->path_len > len - sizeof(*e) || e->relation >= ARRAY_SIZE(cgroup_relations))
		return DECODE_BAD;
	decode_common(c, &e->hdr, "process.cgroup_change", r);
	record_add_str_ref(r, "event.outcome", "success");
	record_add_int(r, "process.cgroup.id", (int64_t)e->new_cgroup_id);
	record_add_int(r, "process.cgroup.previous_id", (int64_t)e->old_cgroup_id);
	record_add_str_ref(r, "process.cgroup.path",
			   e->path_len ? decode_str(r, e->data, e->path_len) : "");
	record_add_str_ref(r, "process.cgroup.relation", cgroup_relations[e->relation]);
	if (e->relation == PR_CGROUP_OTHER &&
	    (other = session_find(c->sessions, e->new_session_key)))
		record_add_str(r, "process.cgroup.session", other->id);
	return DECODE_OK;
}

static enum decode_result decode_cgroup_add(struct decode_ctx *c, const void *data, size_t len,
					    struct record *r)
{
	(void)c, (void)data, (void)len, (void)r;
	return DECODE_INTERNAL;
}

static const char *const signal_relations[] = {
	[PR_SIG_SELF] = "self",
	[PR_SIG_SESSION] = "session",
	[PR_SIG_OUTSIDE] = "outside_session",
};

/* process.signal: the sender in the common fields, the target as passed and
 * as the kernel found it. The process table knows the full executable path
 * of targets in a session. */
static enum decode_result decode_signal(struct decode_ctx *c, const void *data, size_t len,
					struct record *r)
{
	const struct pr_signal *e = data;
	const char *sname = e->sig ? signal_name(e->sig) : "0";
	uint32_t nr = e->nr & ~(uint32_t)PR_SYSCALL_IA32;
	const char *sc = syscall_name(nr);
	const struct proc *tp;
	char num[16];

	(void)len;
	if (e->relation > PR_SIG_OUTSIDE)
		return DECODE_BAD;
	decode_common(c, &e->hdr, "process.signal", r);
	add_outcome(r, e->ret);
	if (!sname) {
		snprintf(num, sizeof(num), "%d", e->sig);
		sname = num;
	}
	record_add_str(r, "signal.name", sname);
	record_add_int(r, "signal.number", e->sig);
	if (sc)
		record_add_str_ref(r, "signal.syscall", sc);
	if (e->nr & PR_SYSCALL_IA32)
		record_add_str_ref(r, "signal.syscall_abi", "ia32");
	if (!(e->hdr.flags & PR_SIG_OTHER_TARGETS))
		record_add_int(r,
			       nr == PR_NR_pidfd_send_signal ? "signal.target.pidfd"
							     : "signal.target.requested",
			       e->target);
	if (e->target_pid)
		record_add_int(r, "signal.target.pid", e->target_pid);
	if (e->target_tid)
		record_add_int(r, "signal.target.tid", e->target_tid);
	if (e->target_comm[0])
		record_add_str(r, "signal.target.name",
			       decode_str(r, e->target_comm, sizeof(e->target_comm)));
	if (e->target_pid && (tp = proctree_get(c->procs, e->target_pid)) && tp->exe && *tp->exe)
		record_add_str(r, "signal.target.executable.path", tp->exe);
	else if (e->target_exe[0])
		record_add_str(r, "signal.target.executable.name",
			       decode_str(r, e->target_exe, sizeof(e->target_exe)));
	if (e->relation != PR_SIG_UNKNOWN) {
		record_add_str_ref(r, "signal.target.relation", signal_relations[e->relation]);
		record_add_bool(r, "signal.target.outside_session", e->relation == PR_SIG_OUTSIDE);
	}
	if (e->hdr.flags & PR_SEC_SUMMARY) {
		record_add_bool(r, "signal.summary", true);
		record_add_int(r, "signal.count", (int64_t)e->count);
		if (e->hdr.flags & PR_SIG_OTHER_TARGETS)
			record_add_bool(r, "signal.other_targets", true);
	}
	return DECODE_OK;
}

const struct decoder process_decoders[] = {
	{PR_EV_PROC_EXEC, "process.exec", sizeof(struct pr_exec), decode_exec},
	{PR_EV_PROC_FORK, "process.fork", sizeof(struct pr_fork), decode_fork},
	{PR_EV_PROC_EXIT, "process.exit", sizeof(struct pr_exit), decode_exit},
	{PR_EV_PROC_CGROUP, "process.cgroup_change", sizeof(struct pr_cgroup_change),
	 decode_cgroup_change},
	{PR_EV_PROC_SIGNAL, "process.signal", sizeof(struct pr_signal), decode_signal},
	{PR_EV_CGROUP_ADD, "cgroup.add", sizeof(struct pr_cgroup_add), decode_cgroup_add},
	{0},
};
