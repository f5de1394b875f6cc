/* labels.bpf.c: information-flow labels kept in the kernel (docs/POLICY.md
 * "labels"). Per process (label_procs, by tgid) and per inode (label_inodes:
 * files, pipes and sockets). Decided on the kernel's own objects: the file
 * an fd names after an open, read or write returned, and the executable at
 * exec. Propagation: opening for reading a file a source glob matches (its
 * resolved path through the session's source DFA) or a labelled inode
 * labels the process, as does reading a labelled inode (a pipe, a socket, a
 * file); a labelled process writing (or opening for writing) labels the
 * inode, except for the labels its program declassifies; a new process
 * inherits its parent's labels, an exec keeps them. The first time a
 * process gets a label is one record (PR_EV_POLICY_LABEL). */
#include "lib/path.h"
#include "policy/labels.h"
#include "policy/policy.h"
#include "proctor/syscalls.h"

#define LBL_PATH_OFF ((__u32)sizeof(struct pr_policy_label))

struct dfa_walk {
	__u32 off, len, st, base, base_start;
};

static long dfa_step(__u64 i, void *arg)
{
	struct dfa_walk *w = arg;
	struct pr_scratch *s = scratch_get();
	__u8 c;

	if (!s || i >= w->len)
		return 1;
	c = s->buf[(w->off + i) & SCRATCH_MASK];
	if (!c)
		return 1;
	w->st = dfa_next(w->st, c);
	if (w->base_start)
		w->base = c == '/' ? w->base_start : dfa_next(w->base, c);
	return 0;
}

/* The path of f into scratch at LBL_PATH_OFF; its length, NUL included. */
static __always_inline __u32 put_label_path(struct file *f)
{
	return path_put_global((__u64)&f->f_path, LBL_PATH_OFF) & 0x1fff;
}

/* The label bits the DFA from start accepts for the path in scratch (and,
 * with base_start, for its basename in *base). */
static __always_inline __u16 path_accept(__u32 start, __u32 len, __u32 base_start, __u16 *base)
{
	struct dfa_walk w = {.off = LBL_PATH_OFF, .len = len, .st = start};

	w.base_start = base_start;
	w.base = base_start;
	bpf_loop(PR_PATH_CAP, dfa_step, &w, 0);
	if (base)
		*base = (__u16)dfa_accept(w.base);
	return (__u16)dfa_accept(w.st);
}

static __always_inline void inode_key(struct pr_inode_key *k, __u64 session_key, struct file *f)
{
	k->session_key = session_key;
	k->ino = BPF_CORE_READ(f, f_inode, i_ino);
	k->dev = BPF_CORE_READ(f, f_inode, i_sb, s_dev);
	k->_pad = 0;
}

static __always_inline __u16 inode_labels(const struct pr_inode_key *k)
{
	__u16 *v = bpf_map_lookup_elem(&label_inodes, k);

	return v ? *v : 0;
}

/* Add bits to the process's labels; the bits it did not have yet. */
static __always_inline __u32 proc_gain(__u64 session_key, __u32 tgid, __u64 bits)
{
	struct pr_label_proc *lp = bpf_map_lookup_elem(&label_procs, &tgid), n = {};
	__u64 old;

	if (!lp) {
		n.session_key = session_key;
		n.labels = bits;
		if (!bpf_map_update_elem(&label_procs, &tgid, &n, BPF_NOEXIST))
			return bits;
		if (!(lp = bpf_map_lookup_elem(&label_procs, &tgid))) {
			count_drop(PR_EV_POLICY_LABEL, session_key);
			return 0;
		}
	}
	if ((lp->labels & bits) == bits)
		return 0;
	old = __sync_fetch_and_or(&lp->labels, bits);
	return (__u32)(bits & ~old);
}

/* The process got new labels: one record, naming the file (its path is in
 * scratch when path_len). */
static __always_inline void gain_record(struct pr_tracked *tr, __u32 gained, __u8 cause,
					const struct pr_inode_key *k, long fd, __u32 path_len)
{
	struct pr_scratch *s = scratch_get();
	struct pr_policy_label *e;
	__u32 size;

	if (!s)
		return;
	e = (void *)s->buf;
	path_len &= PR_PATH_CAP - 1 + PR_PATH_CAP;
	if (path_len > PR_PATH_CAP)
		path_len = PR_PATH_CAP;
	size = LBL_PATH_OFF + path_len;
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_POLICY_LABEL, size, tr);
	e->gained = (__u16)gained;
	e->cause = cause;
	e->_pad = 0;
	e->path_len = path_len;
	e->ino = k->ino;
	e->dev = k->dev;
	e->fd = (__u32)fd;
	ev_output(s, size, PR_EV_POLICY_LABEL, tr);
}

/* Inodes that carry data from a writer to a reader: regular files, pipes
 * and FIFOs, sockets. Not devices: /dev/null or a tty written by a
 * labelled process would label every later reader of them. */
static __always_inline bool carries_data(struct file *f)
{
	__u32 mode = BPF_CORE_READ(f, f_inode, i_mode) & PR_S_IFMT;

	return mode == PR_S_IFREG || mode == PR_S_IFIFO || mode == PR_S_IFSOCK;
}

/* The inode a write to the socket f reaches: for a connected UNIX socket
 * its peer's (the reader reads from the peer socket, another inode). */
static __always_inline void unix_peer_target(struct file *f, struct pr_inode_key *k)
{
	struct socket *sock = (struct socket *)BPF_CORE_READ(f, private_data), *ps;
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : NULL, *peer;
	struct socket_alloc *sa;

	if (!sk || BPF_CORE_READ(sk, __sk_common.skc_family) != 1 /* AF_UNIX */)
		return;
	peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	if (!peer || !(ps = BPF_CORE_READ(peer, sk_socket)))
		return;
	sa = (void *)ps - bpf_core_field_offset(struct socket_alloc, socket);
	k->ino = BPF_CORE_READ(sa, vfs_inode.i_ino);
	k->dev = BPF_CORE_READ(sa, vfs_inode.i_sb, s_dev);
}

/* A labelled process wrote to (or opened for writing) the inode. */
static __always_inline void label_write(__u64 session_key, __u32 tgid, struct file *f,
					struct pr_inode_key *k)
{
	struct pr_label_proc *lp = bpf_map_lookup_elem(&label_procs, &tgid);
	__u16 bits, *v;

	if (!lp || !(bits = (__u16)(lp->labels & ~lp->declassified)) || !carries_data(f))
		return;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & PR_S_IFMT) == PR_S_IFSOCK)
		unix_peer_target(f, k);
	v = bpf_map_lookup_elem(&label_inodes, k);
	if (v) {
		if ((*v & bits) != bits)
			*v |= bits; /* bits only grow: a lost race leaves a subset, retried next
				       write */
		return;
	}
	if (bpf_map_update_elem(&label_inodes, k, &bits, BPF_NOEXIST) &&
	    !bpf_map_lookup_elem(&label_inodes, k))
		count_drop(PR_EV_POLICY_LABEL, session_key);
}

static __always_inline bool is_regular(struct file *f)
{
	return (BPF_CORE_READ(f, f_inode, i_mode) & PR_S_IFMT) == PR_S_IFREG;
}

/* The process read from f: the inode's labels. */
static __always_inline void label_read(struct pr_tracked *tr, struct pr_label_policy *pol,
				       struct file *f, struct pr_inode_key *k, long fd,
				       bool sources)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, len = 0, gained;
	__u16 bits = inode_labels(k), src = 0;
	__u8 cause = PR_LABEL_READ;

	if (sources && pol->source_start && is_regular(f)) {
		len = put_label_path(f);
		if ((src = path_accept(pol->source_start, len, 0, NULL)))
			cause = PR_LABEL_SOURCE;
	}
	if (!(bits | src))
		return;
	if (!(gained = proc_gain(tr->session_key, tgid, bits | src)))
		return;
	if (!len && is_regular(f))
		len = put_label_path(f);
	gain_record(tr, gained, cause, k, fd, len);
}

__noinline int label_open(struct pr_tracked *tr, long fd, __u32 flags, bool repeat)
{
	struct pr_label_policy *pol;
	struct pr_inode_key k;
	struct file *f;
	__u32 acc = flags & 3;

	if (!tr || fd < 0 || !(pol = bpf_map_lookup_elem(&label_policy, &tr->session_key)))
		return 0;
	if (!(f = fd_file(bpf_get_current_task_btf(), fd)))
		return 0;
	inode_key(&k, tr->session_key, f);
	if (acc != PR_O_WRONLY)
		label_read(tr, pol, f, &k, fd, !repeat);
	if (acc != 0 || (flags & PR_O_TRUNC))
		label_write(tr->session_key, bpf_get_current_pid_tgid() >> 32, f, &k);
	return 0;
}

__noinline int label_io(struct pr_tracked *tr, long fd, __u32 dir)
{
	struct pr_label_policy *pol;
	struct pr_inode_key k;
	struct file *f;

	if (!tr || fd < 0 || !(pol = bpf_map_lookup_elem(&label_policy, &tr->session_key)))
		return 0;
	if (!(f = fd_file(bpf_get_current_task_btf(), fd)))
		return 0;
	inode_key(&k, tr->session_key, f);
	if (dir == PR_LABEL_IO_READ)
		label_read(tr, pol, f, &k, fd, false);
	else
		label_write(tr->session_key, bpf_get_current_pid_tgid() >> 32, f, &k);
	return 0;
}

__noinline int label_fork(__u32 parent_tgid, __u32 child_tgid)
{
	struct pr_label_proc *lp = bpf_map_lookup_elem(&label_procs, &parent_tgid), n;

	if (!lp || parent_tgid == child_tgid)
		return 0;
	n = *lp;
	if (bpf_map_update_elem(&label_procs, &child_tgid, &n, BPF_ANY))
		count_drop(PR_EV_POLICY_LABEL, n.session_key);
	return 0;
}

/* A label rule deny: exec that applies to a process with these labels,
 * whose executable's path is in scratch (len): SIGKILL from the exec (the
 * new image never runs) and one record. */
static __always_inline void exec_rules(struct pr_tracked *tr, struct pr_label_policy *pol,
				       __u32 labels, __u32 len)
{
	struct pr_scratch *s = scratch_get();
	struct pr_policy_label_exec *e;
	__u16 acc = 0;
	__u32 k, size;
	int hit = -1;
	bool kill = false;

	if (!s)
		return;
	if (pol->exec_path_start)
		acc = path_accept(pol->exec_path_start, len, 0, NULL);
	for (k = 0; k < PR_LABEL_EXECS; k++) {
		const struct pr_label_exec_rule *r = &pol->exec[k];
		if (k >= pol->nexec)
			break;
		if (!(r->labels & labels) || (r->by_path && !(acc & (1u << k))))
			continue;
		hit = k;
		kill = r->kill;
		break;
	}
	if (hit < 0)
		return;
	if (kill)
		bpf_send_signal(9);
	e = (void *)s->buf;
	len &= PR_PATH_CAP - 1 + PR_PATH_CAP;
	if (len > PR_PATH_CAP)
		len = PR_PATH_CAP;
	size = LBL_PATH_OFF + len;
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_POLICY_LABEL_EXEC, size, tr);
	e->hdr.flags = kill ? PR_LABEL_EXEC_KILLED : 0;
	e->rule = (__u16)hit;
	e->_pad = 0;
	e->exe_len = len;
	e->_reserved[0] = 0;
	e->_reserved[1] = 0;
	ev_output(s, size, PR_EV_POLICY_LABEL_EXEC, tr);
}

/* The new image declassifies the labels its executable's path (or
 * basename) matches; another program's writes carry every label again. */
__noinline int label_exec(struct pr_tracked *tr, __u64 exe)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, len;
	struct pr_label_policy *pol;
	struct pr_label_proc *lp, n = {};
	__u16 decl = 0, base = 0;

	if (!tr || !exe || !(pol = bpf_map_lookup_elem(&label_policy, &tr->session_key)))
		return 0;
	lp = bpf_map_lookup_elem(&label_procs, &tgid);
	if (pol->declass_path || pol->declass_base || (lp && (lp->labels & pol->exec_labels))) {
		len = put_label_path((struct file *)exe);
		decl = path_accept(pol->declass_path, len, pol->declass_base, &base) | base;
		if (lp && (lp->labels & pol->exec_labels))
			exec_rules(tr, pol, (__u32)lp->labels, len); /* label rules deny: exec */
	}
	if (lp) {
		lp->declassified = decl;
		return 0;
	}
	if (!decl)
		return 0;
	n.session_key = tr->session_key;
	n.declassified = decl;
	if (bpf_map_update_elem(&label_procs, &tgid, &n, BPF_NOEXIST))
		count_drop(PR_EV_POLICY_LABEL, tr->session_key);
	return 0;
}

__noinline int label_exit(__u32 tgid)
{
	bpf_map_delete_elem(&label_procs, &tgid);
	return 0;
}

/* recvfrom: a socket read (read/readv and recvmsg call label_io from
 * their own programs). */
SEC("tp_btf/sys_exit")
int BPF_PROG(tail_label_recvfrom, struct pt_regs *regs, long ret)
{
	struct pr_tracked *tr = tracked_current();

	if (tr && ret > 0)
		label_io(tr, (int)PR_ARG1(regs), PR_LABEL_IO_READ);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
