/* exec.bpf.c: the one sched_process_exec program. For a tracked process it
 * flushes the file family's state of the old image, emits process.exec
 * (exe, cwd, argv) and then lets the security family judge the new image
 * (credentials gained, executable stack, memfd exec), then the policy family
 * its exec rules (bpf/policy/exec.bpf.c), in that order. */
#include "lib/path.h"
#include "lifecycle/auto.h"
#include "lifecycle/lifecycle.h"

/* process.exec: data = exe\0 cwd\0 argv. */
static __always_inline void proc_exec_record(struct task_struct *p, pid_t old_pid,
					     struct linux_binprm *bprm, struct pr_tracked *tr,
					     __u16 extra_flags)
{
	struct pr_scratch *s;
	struct pr_exec *e;
	struct file *file;
	struct fs_struct *fs;
	struct mm_struct *mm;
	__u32 off, trunc = 0, flags = extra_flags;
	__u64 start, end, len;
	int n;

	s = scratch_get();
	if (!s)
		return;
	e = (void *)s->buf;
	off = sizeof(*e);

	file = BPF_CORE_READ(bprm, file);
	n = read_path(s, off, &file->f_path, &trunc);
	if (trunc)
		flags |= PR_EXEC_EXE_TRUNC;
	e->exe_len = n;
	off += n;

	trunc = 0;
	fs = BPF_CORE_READ(p, fs);
	n = read_path(s, off, &fs->pwd, &trunc);
	if (trunc)
		flags |= PR_EXEC_CWD_TRUNC;
	e->cwd_len = n;
	off += n;

	mm = BPF_CORE_READ(p, mm);
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	len = end > start ? end - start : 0;
	e->args_total = len;
	if (len > PR_ARGV_CAP) {
		len = PR_ARGV_CAP;
		flags |= PR_EXEC_ARGS_TRUNC;
	}
	off &= SCRATCH_MASK;
	if (bpf_probe_read_user(&s->buf[off], len, (void *)start))
		len = 0;
	e->args_size = len;
	off += len;

	e->old_tid = old_pid;
	e->ruid = BPF_CORE_READ(p, cred, uid.val);
	e->err = 0;
	fill_hdr(&e->hdr, p, PR_EV_PROC_EXEC, off, tr);
	e->hdr.flags = flags;
	ev_output(s, off, PR_EV_PROC_EXEC, tr);
}

/* The file being run: with an interpreter (a #! script), bprm->executable is
 * the script and bprm->file the interpreter. Read by CO-RE, so it reaches
 * the security family's global function as a plain number. */
static __always_inline __u64 exec_file(struct linux_binprm *bprm)
{
	struct file *f = NULL;

	if (bpf_core_field_exists(bprm->executable))
		f = BPF_CORE_READ(bprm, executable);
	if (!f)
		f = BPF_CORE_READ(bprm, file);
	return (__u64)f;
}

/* The name a #! script was run by (bprm->filename, a kernel copy), or 0:
 * for a script the kernel has replaced bprm->interp with the interpreter's. */
static __always_inline __u64 script_name(struct linux_binprm *bprm)
{
	const char *f = BPF_CORE_READ(bprm, filename), *i = BPF_CORE_READ(bprm, interp);

	return f != i ? (__u64)f : 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u64 cg = task_cgroup_id(p);
	struct pr_tracked *tr = tracked_task_in(p, cg);
	struct pr_lineage *l;
	__u16 auto_flag = 0;

	if (!tr) {
		/* a known agent started outside any session: its own session */
		if (!(tr = auto_adopt_exec(p, bprm, cg, &auto_flag)))
			return 0;
	}
	/* a task that entered its session cgroup without forking there (the
	 * command of `proctor run`, an adopted process) is tied to the session
	 * from its first exec on */
	if ((l = lineage_ensure(p, tr, cg)))
		tr = &l->tr;
	file_flush_exec(tr);
	proc_exec_record(p, old_pid, bprm, tr, auto_flag);
	sec_priv_exec(tr, old_pid);
	sec_memexec_exec(tr, old_pid, exec_file(bprm));
	policy_exec_check(tr, (__u64)BPF_CORE_READ(bprm, file), exec_file(bprm), script_name(bprm));
	label_exec(tr, (__u64)BPF_CORE_READ(bprm, file));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
