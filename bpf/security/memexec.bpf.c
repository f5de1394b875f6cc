/* memexec.bpf.c: security.memexec: mmap/mprotect/pkey_mprotect making memory
 * executable when anonymous (or memfd/unlinked-file backed) or writable and
 * executable, mprotect making a written private file mapping executable,
 * shmat(SHM_EXEC), and, from the exec lifecycle program, an executable stack and
 * the exec of a memfd or an unlinked file. Repeats are aggregated per
 * process (first occurrence, count at exit). Semantics:
 * docs/EVENTS-security.md. */
#include "security/security.h"
#include "lifecycle/lifecycle.h"
#include "security/memexec.h"

/* Aggregate, then emit the first occurrence of its kind. Anonymous memory
 * aggregates under one key; a named file W+X mapping per inode. */
static __always_inline void mem_report(struct task_struct *t, struct pr_tracked *tr, __u16 op,
				       __u16 prot, __u32 mflags, __u32 map_flags, long ret,
				       __u64 addr, __u64 len, struct file *f)
{
	__s32 err = ret < 0 && ret >= -4095 ? (__s32)ret : 0;
	__u64 a0 =
		prot | (__u64)(mflags & (PR_MEM_ANON | PR_MEM_MEMFD | PR_MEM_WRITTEN | PR_MEM_IA32))
			       << 16;
	__u64 a1 = (mflags & PR_MEM_ANON) ? 0 : (__u64)BPF_CORE_READ(f, f_inode);
	__u64 count = agg_hit(t->tgid, PR_AGG_MEMEXEC, op, err, 0, a0, a1, a0, PR_AGG_ANY);

	if (count > 1)
		return;
	mem_emit(t, tr, op, prot, mflags, map_flags, err, addr, len, 1,
		 f ? (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name) : NULL, 0);
}

/* Classify a file-backed executable mapping: memfd or unlinked files count
 * as anonymous (code with no file on disk). */
static __always_inline __u32 file_mem_flags(struct file *f)
{
	if (!f || !file_nlink_zero(f))
		return 0;
	return PR_MEM_ANON | (file_is_memfd(f) ? PR_MEM_MEMFD : 0);
}

/* The protection that takes effect: under personality(READ_IMPLIES_EXEC)
 * readable memory is executable without PROT_EXEC being asked for. Returns 0
 * when the memory does not become executable. */
static __always_inline __u32 effective_prot(__u32 prot)
{
	if (prot & PR_PROT_EXEC)
		return prot;
	if (!(prot & PR_PROT_READ) ||
	    !(bpf_get_current_task_btf()->personality & PR_READ_IMPLIES_EXEC))
		return 0;
	return prot | PR_PROT_EXEC | PR_MEM_PROT_IMPLIED;
}

/* mmap(addr, len, prot, flags, fd, off) returned ret; abi: PR_MEM_IA32 or 0. */
static __always_inline int mmap_args(struct pr_tracked *tr, const struct pr_sysargs *a, long ret,
				     __u32 abi)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct file *f = NULL;
	__u32 prot, flags, mflags;

	prot = effective_prot(a->a[2]);
	if (!prot)
		return 0;
	flags = a->a[3];
	if (flags & PR_MAP_ANONYMOUS) {
		mflags = PR_MEM_ANON;
	} else {
		f = fd_file(t, (int)a->a[4]);
		mflags = file_mem_flags(f);
		if (!(mflags & PR_MEM_ANON) && !(prot & PR_PROT_WRITE))
			return 0; /* ordinary code loading */
	}
	mem_report(t, tr, PR_MEM_MMAP, prot, mflags | abi, flags, ret,
		   ret >= 0 ? (__u64)ret : a->a[0], a->a[1], f);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_mmap_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct pr_sysargs a;

	if (!tr || !effective_prot(PR_ARG3_DIRECT(regs)))
		return 0;
	sysargs_native(regs, &a);
	return mmap_args(tr, &a, ret, 0);
}

/* mprotect(addr, len, prot) (pkey_mprotect: op) returned ret. */
static __always_inline int mprotect_args(struct pr_tracked *tr, const struct pr_sysargs *a,
					 long ret, __u16 op, __u32 abi)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct vma_info vi;
	struct file *f;
	__u64 addr = a->a[0];
	__u32 prot, mflags;

	prot = effective_prot(a->a[2]);
	if (!prot)
		return 0;
	task_vma_at(t, addr, &vi);
	f = (struct file *)vi.file;
	if (vi.found && !f)
		mflags = PR_MEM_ANON;
	else
		mflags = file_mem_flags(f);
	/* A private file mapping with copied-on-write pages holds bytes the
	 * file does not: written by the process (a data page, text patched
	 * after mprotect RW) or through /proc/PID/mem or ptrace. ld.so's code
	 * mappings are never written, so they stay quiet. */
	if (!(mflags & PR_MEM_ANON) && f && vi.cow && !(vi.flags & PR_VM_SHARED))
		mflags |= PR_MEM_WRITTEN;
	if (!(mflags & (PR_MEM_ANON | PR_MEM_WRITTEN)) && !(prot & PR_PROT_WRITE))
		return 0; /* a file mapping made executable again, nothing written */
	mem_report(t, tr, op, prot, mflags | abi, 0, ret, addr, a->a[1], f);
	return 0;
}

static __always_inline int mprotect_exit(struct pt_regs *regs, long ret, __u16 op)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct pr_sysargs a;

	if (!tr || !effective_prot(PR_ARG3_DIRECT(regs)))
		return 0;
	sysargs_native(regs, &a);
	return mprotect_args(tr, &a, ret, op, 0);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_mprotect_exit, struct pt_regs *regs, long ret)
{
	return mprotect_exit(regs, ret, PR_MEM_MPROTECT);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_pkey_mprotect_exit, struct pt_regs *regs, long ret)
{
	return mprotect_exit(regs, ret, PR_MEM_PKEY_MPROTECT);
}

/* The same calls made through the ia32 ABI, after the file family's part
 * (security/memexec.h). */
__noinline int sec_memexec_ia32(struct pr_tracked *tr, const struct pr_sysargs *a, long ret)
{
	if (!tr || !a)
		return 0;
	switch (a->nr) {
	case PR_NR_mmap: return mmap_args(tr, a, ret, PR_MEM_IA32);
	case PR_NR_mprotect: return mprotect_args(tr, a, ret, PR_MEM_MPROTECT, PR_MEM_IA32);
	case PR_NR_pkey_mprotect:
		return mprotect_args(tr, a, ret, PR_MEM_PKEY_MPROTECT, PR_MEM_IA32);
	}
	return 0;
}

/* shmat(id, addr, flags): a System V segment attached with SHM_EXEC is
 * executable shared memory with no file on disk. The result is the address. */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_sec_shmat_exit, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = sec_tracked_syscall();
	struct task_struct *t;
	struct vma_info vi;
	__u32 flags = PR_ARG3_DIRECT(regs);
	__u16 prot = PR_PROT_READ | PR_PROT_EXEC;

	if (!tr || !(flags & PR_SHM_EXEC))
		return 0;
	if (!(flags & PR_SHM_RDONLY))
		prot |= PR_PROT_WRITE;
	t = bpf_get_current_task_btf();
	vi.file = vi.size = 0;
	if (ret >= 0)
		task_vma_at(t, (__u64)ret, &vi);
	mem_report(t, tr, PR_MEM_SHMAT, prot, PR_MEM_ANON, PR_MAP_SHARED, ret,
		   ret >= 0 ? (__u64)ret : PR_ARG2(regs), vi.size, (struct file *)vi.file);
	return 0;
}

/* ---- exec: credential change and memfd execution ----------------------- */

/* The new image's stack is writable and executable (PT_GNU_STACK RWE, e.g.
 * `-z execstack`): code can be written and run there without any mmap or
 * mprotect call. */
static __always_inline void exec_stack(struct task_struct *p, struct pr_tracked *tr)
{
	struct vma_info v;

	task_vma_at(p, BPF_CORE_READ(p, mm, start_stack), &v);
	if ((v.flags & (PR_VM_WRITE | PR_VM_EXEC)) != (PR_VM_WRITE | PR_VM_EXEC))
		return;
	mem_emit(p, tr, PR_MEM_EXEC_STACK, PR_PROT_READ | PR_PROT_WRITE | PR_PROT_EXEC, PR_MEM_ANON,
		 0, 0, 0, 0, 1, NULL, 0);
}

/* The exec lifecycle program's security.memexec part; exec_file is the file
 * run (with an interpreter, the script: e.g. a #! script in a memfd). */
__noinline int sec_memexec_exec(struct pr_tracked *tr, __u32 old_tid, __u64 exec_file)
{
	struct task_struct *p = bpf_get_current_task_btf();
	struct file *f = (struct file *)exec_file;
	struct memfd_name *mn;
	__u32 key = old_tid;

	if (!tr)
		return 0;
	exec_stack(p, tr);
	if (f && file_is_memfd(f)) {
		mem_emit(p, tr, PR_MEM_MEMFD_EXEC, PR_PROT_READ | PR_PROT_EXEC,
			 PR_MEM_ANON | PR_MEM_MEMFD, 0, 0, 0, 0, 1,
			 (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name), 0);
		mn = bpf_map_lookup_elem(&sec_exec_memfd, &key);
	} else if (f && file_nlink_zero(f)) {
		/* O_TMPFILE or deleted before the exec: no file on disk either */
		mem_emit(p, tr, PR_MEM_UNLINKED_EXEC, PR_PROT_READ | PR_PROT_EXEC, PR_MEM_ANON, 0,
			 0, 0, 0, 1, (const char *)BPF_CORE_READ(f, f_path.dentry, d_name.name), 0);
		mn = bpf_map_lookup_elem(&sec_exec_memfd, &key);
	} else if ((mn = bpf_map_lookup_elem(&sec_exec_memfd, &key))) {
		/* a #! script in a memfd: the interpreter runs, the memfd is gone */
		mem_emit(p, tr, PR_MEM_MEMFD_EXEC, PR_PROT_READ | PR_PROT_EXEC,
			 PR_MEM_ANON | PR_MEM_MEMFD, 0, 0, 0, 0, 1, mn->name, 0);
	}
	if (mn)
		bpf_map_delete_elem(&sec_exec_memfd, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
