/* map.bpf.c: tls.map: a tracked process mapped a TLS library executable
 * (the file's name starts "libssl" or "libgnutls"). Called from the file family's mmap
 * exit (file/io.bpf.c), after the tracked check, so an untracked process
 * never gets here. User space attaches the tls uprobes for that process
 * alone (src/probe/tls.c). Records: docs/EVENTS-llm.md. */
#include "tls/tls.h"
#include "lib/consts.h"

/* The file name names a TLS library this build hooks: libssl*, libgnutls*. */
static __always_inline bool tls_lib_name(struct file *f)
{
	char n[16] = {};
	const unsigned char *p = BPF_CORE_READ(f, f_path.dentry, d_name.name);

	if (!p || bpf_probe_read_kernel_str(n, 10, p) < 0)
		return false;
	if (n[0] != 'l' || n[1] != 'i' || n[2] != 'b')
		return false;
	if (n[3] == 's' && n[4] == 's' && n[5] == 'l')
		return true;
	return n[3] == 'g' && n[4] == 'n' && n[5] == 'u' && n[6] == 't' && n[7] == 'l' &&
	       n[8] == 's';
}

__noinline int tls_mmap_exit(struct pr_tracked *tr, int fd, __u64 prot, __u64 addr)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pr_tls_map *e;
	struct inode *ino;
	struct file *f;

	if (!tr || !(prot & PR_PROT_EXEC))
		return 0;
	f = fd_file(t, fd);
	if (!f || !tls_lib_name(f))
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	if (!ino)
		return 0;
	e = ev_reserve(sizeof(*e), PR_EV_TLS_MAP, tr);
	if (!e)
		return 0; /* counted by ev_reserve */
	fill_hdr(&e->hdr, t, PR_EV_TLS_MAP, sizeof(*e), tr);
	e->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->ino = BPF_CORE_READ(ino, i_ino);
	e->addr = addr;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP); /* the hook waits on user space: no batching */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
