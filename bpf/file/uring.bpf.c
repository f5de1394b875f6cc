/* uring.bpf.c: io_uring submissions and completions of a tracked process:
 * reads/writes/splices into the I/O summaries, opens and namespace
 * operations as file.open / file.metadata (names stashed at submission),
 * CONNECT as net.connect; the other network operations go to the network
 * family (net/uring.bpf.c). Semantics: docs/EVENTS-file.md. */
#include "file/io.h"
#include "lib/addr.h"
#include "net/net.h"

#define IOU_READV		 1
#define IOU_WRITEV		 2
#define IOU_READ_FIXED		 4
#define IOU_WRITE_FIXED		 5
#define IOU_CONNECT		 16
#define IOU_OPENAT		 18
#define IOU_CLOSE		 19
#define IOU_READ		 22
#define IOU_WRITE		 23
#define IOU_OPENAT2		 28
#define IOU_SPLICE		 30
#define IOU_TEE			 33
#define IOU_SPLICE_F_FD_IN_FIXED (1u << 31)
#define IOU_RENAMEAT		 35
#define IOU_UNLINKAT		 36
#define IOU_MKDIRAT		 37
#define IOU_SYMLINKAT		 38
#define IOU_LINKAT		 39
#define IOU_READ_MULTISHOT	 49
#define IOU_FSETXATTR		 41
#define IOU_SETXATTR		 42
#define IOU_FTRUNCATE		 55
#define IOU_READV_FIXED		 60
#define IOU_WRITEV_FIXED	 61
#define IOU_FIXED_FILE		 1ull  /* REQ_F_FIXED_FILE */
#define IOU_CQE_SKIP		 64ull /* REQ_F_CQE_SKIP */

/* Operations whose names are stashed at submission. */
static __always_inline int uring_is_named_op(__u32 op)
{
	return op == IOU_OPENAT || op == IOU_OPENAT2 || op == IOU_UNLINKAT || op == IOU_MKDIRAT ||
	       op == IOU_RENAMEAT || op == IOU_LINKAT || op == IOU_SYMLINKAT ||
	       op == IOU_SETXATTR || op == IOU_FSETXATTR || op == IOU_CONNECT;
}

static __always_inline int uring_is_read(__u32 op)
{
	return op == IOU_READ || op == IOU_READV || op == IOU_READ_FIXED ||
	       op == IOU_READ_MULTISHOT || op == IOU_READV_FIXED;
}

static __always_inline int uring_is_write(__u32 op)
{
	return op == IOU_WRITE || op == IOU_WRITEV || op == IOU_WRITE_FIXED ||
	       op == IOU_WRITEV_FIXED;
}

static __always_inline void stash_name(char *dst, struct filename *fn)
{
	const char *p = BPF_CORE_READ(fn, name);

	dst[0] = 0;
	if (p)
		bpf_probe_read_kernel_str(dst, PR_PATH_CAP, p);
}

/* Copy what the completion will need; the request's own copy of the
 * pathname is freed by then. */
static __always_inline void uring_stash_names(struct io_kiocb *req, __u32 op)
{
	__u32 zero = 0;
	__u64 key = (__u64)req;
	struct uring_stash *st = bpf_map_lookup_elem(&file_uring_tmp, &zero);

	if (!st)
		return;
	st->name[0] = st->name2[0] = 0;
	st->file_slot = 0;
	st->flags = st->mode = st->resolve = 0;
	st->dfd = st->dfd2 = PR_AT_FDCWD;
	st->op_flags = 0;
	st->hflags = 0;
	if (op == IOU_OPENAT || op == IOU_OPENAT2) {
		struct io_open *o = (void *)req;
		st->dfd = BPF_CORE_READ(o, dfd);
		st->file_slot = BPF_CORE_READ(o, file_slot);
		st->flags = BPF_CORE_READ(o, how.flags);
		st->mode = BPF_CORE_READ(o, how.mode);
		st->resolve = BPF_CORE_READ(o, how.resolve);
		stash_name(st->name, BPF_CORE_READ(o, filename));
	} else if (op == IOU_UNLINKAT) {
		struct io_unlink *u = (void *)req;
		st->dfd = BPF_CORE_READ(u, dfd);
		st->op_flags = BPF_CORE_READ(u, flags);
		stash_name(st->name, BPF_CORE_READ(u, filename));
	} else if (op == IOU_MKDIRAT) {
		struct io_mkdir *m = (void *)req;
		st->dfd = BPF_CORE_READ(m, dfd);
		st->mode = BPF_CORE_READ(m, mode);
		stash_name(st->name, BPF_CORE_READ(m, filename));
	} else if (op == IOU_CONNECT) {
		/* the peer sockaddr, from the caller's memory, and the fd */
		struct io_connect *cn = (void *)req;
		void *ua = BPF_CORE_READ(cn, addr);
		st->dfd = BPF_CORE_READ(req, cqe.fd);
		st->op_flags = BPF_CORE_READ(cn, addr_len);
		if (bpf_probe_read_user(st->name, 112, ua) && bpf_probe_read_user(st->name, 28, ua))
			st->op_flags = 0;
	} else if (op == IOU_SETXATTR || op == IOU_FSETXATTR) {
		struct io_xattr *x = (void *)req;
		struct xattr_name *kn = BPF_CORE_READ(x, ctx.kname);
		st->mode = BPF_CORE_READ(x, ctx.size);
		st->op_flags = BPF_CORE_READ(x, ctx.flags);
		if (op == IOU_SETXATTR)
			stash_name(st->name, BPF_CORE_READ(x, filename));
		if (kn)
			bpf_probe_read_kernel_str(st->name2, PR_XATTR_NAME_CAP, kn->name);
	} else { /* RENAMEAT, LINKAT, SYMLINKAT share struct io_rename's layout */
		struct io_rename *r = (void *)req;
		st->dfd = BPF_CORE_READ(r, old_dfd);
		st->dfd2 = BPF_CORE_READ(r, new_dfd);
		st->op_flags = BPF_CORE_READ(r, flags);
		stash_name(st->name, BPF_CORE_READ(r, oldpath));
		stash_name(st->name2, BPF_CORE_READ(r, newpath));
	}
	bpf_map_update_elem(&file_uring_stash, &key, st, BPF_ANY);
}

/* The file in slot idx of the ring's registered-file table (low bits of
 * file_ptr are flags: FFS_NOWAIT, FFS_ISREG). */
static __always_inline struct file *uring_fixed_file(struct io_kiocb *req, __u32 idx)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(req, ctx);
	struct io_rsrc_node **nodes = BPF_CORE_READ(ctx, file_table.data.nodes);
	struct io_rsrc_node *node = NULL;

	if (idx >= BPF_CORE_READ(ctx, file_table.data.nr))
		return NULL;
	bpf_probe_read_kernel(&node, sizeof(node), &nodes[idx]);
	if (!node)
		return NULL;
	return (struct file *)(BPF_CORE_READ(node, file_ptr) & ~3ul);
}

/* A request submitted with IOSQE_CQE_SKIP_SUCCESS posts no completion when
 * it succeeds, so it is counted at submission: one operation, the requested
 * length as bytes (vectored requests: 0), flagged as unconfirmed. */
static __always_inline void uring_count_unconfirmed(struct io_slot *sl, struct io_kiocb *req,
						    __u32 op)
{
	struct io_rw *rw = (void *)req;
	__u64 len = 0;

	if (op != IOU_READV && op != IOU_WRITEV && op != IOU_READV_FIXED && op != IOU_WRITEV_FIXED)
		len = BPF_CORE_READ(rw, len);
	if (uring_is_write(op)) {
		__sync_fetch_and_add(&sl->wr_bytes, len);
		__sync_fetch_and_add(&sl->wr_ops, 1);
		__sync_fetch_and_add(&sl->wr_uring, 1);
		__sync_fetch_and_add(&sl->wr_unconf, 1);
	} else {
		__sync_fetch_and_add(&sl->rd_bytes, len);
		__sync_fetch_and_add(&sl->rd_ops, 1);
		__sync_fetch_and_add(&sl->rd_uring, 1);
		__sync_fetch_and_add(&sl->rd_unconf, 1);
	}
}

static __always_inline int uring_open_done(struct pr_tracked *tr, struct uring_stash *st, __u32 op,
					   long res)
{
	struct open_req q = {
		.name = st->name,
		.dirfd = st->dfd,
		.flags = st->flags,
		.mode = st->mode,
		.resolve = st->resolve,
		.syscall = op,
		.hflags = PR_FILE_IO_URING | st->hflags,
		.name_user = 0,
	};

	/* A fixed-file open returns 0, not an fd: report the name only. */
	if (st->file_slot && res >= 0)
		res = 0x7fffffff;
	file_open_record(tr, &q, res);
	return 0;
}

static __always_inline int uring_meta_done(struct pr_tracked *tr, struct uring_stash *st, __u32 op,
					   long res, struct file *f)
{
	struct meta_req q = {
		.name = st->name,
		.name2 = st->name2,
		.dirfd = st->dfd,
		.dirfd2 = st->dfd2,
		.objfd = -1,
		.syscall = op,
		.hflags = PR_FILE_IO_URING | st->hflags,
		.user = 0,
	};

	if (op == IOU_UNLINKAT) {
		q.op = (st->op_flags & PR_AT_REMOVEDIR) ? PR_META_RMDIR : PR_META_UNLINK;
		q.name2 = NULL;
	} else if (op == IOU_MKDIRAT) {
		q.op = PR_META_MKDIR;
		q.arg = st->mode;
		q.name2 = NULL;
	} else if (op == IOU_RENAMEAT) {
		q.op = PR_META_RENAME;
		q.arg = st->op_flags;
	} else if (op == IOU_LINKAT) {
		q.op = PR_META_LINK;
		q.arg = st->op_flags;
	} else if (op == IOU_SETXATTR || op == IOU_FSETXATTR) {
		q.op = PR_META_SETXATTR;
		q.xattr = st->name2;
		q.name2 = NULL;
		q.arg = st->op_flags;
		q.arg2 = st->mode;
		if (op == IOU_FSETXATTR) {
			q.name = NULL;
			q.objfile = (__u64)f;
		}
	} else {
		q.op = PR_META_SYMLINK;
		q.name_raw = 1;
	}
	return file_meta_record(tr, &q, res);
}

static __always_inline void uring_record_unconfirmed(struct pr_tracked *tr, struct io_kiocb *req,
						     __u32 op)
{
	__u64 key = (__u64)req;
	struct uring_stash *st = bpf_map_lookup_elem(&file_uring_stash, &key);

	if (!st || op == IOU_CONNECT) /* a skipped connect success: only the flow shows */
		return;
	st->hflags = PR_FILE_UNCONFIRMED;
	if (op == IOU_OPENAT || op == IOU_OPENAT2)
		uring_open_done(tr, st, op, 0x7fffffff); /* no fd to look up: name only */
	else
		uring_meta_done(tr, st, op, 0, NULL);
	st->hflags = 0;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(file_uring_submit, struct io_kiocb *req)
{
	struct pr_tracked *tr = tracked_current();
	struct task_struct *t;
	struct io_table *tb;
	struct io_slot *sl;
	struct file *f;
	__u64 rflags;
	__u32 op;
	int fd;

	if (!tr)
		return 0;
	op = BPF_CORE_READ(req, opcode);
	t = bpf_get_current_task_btf();
	if (uring_is_named_op(op)) {
		uring_stash_names(req, op);
		/* IOSQE_CQE_SKIP_SUCCESS: success posts no completion. Record
		 * the request now, unconfirmed; a failure still completes and
		 * is recorded then. */
		if (BPF_CORE_READ(req, flags) & IOU_CQE_SKIP)
			uring_record_unconfirmed(tr, req, op);
		return 0;
	}
	if (net_uring_op(op))
		return net_uring_submit(tr, URING_REQ_ARG(ctx, 0), op);
	if (op == IOU_CLOSE) {
		struct io_close *c = (void *)req;
		if (BPF_CORE_READ(c, file_slot))
			return 0;
		fd = BPF_CORE_READ(c, fd);
		tb = io_table_get(BPF_CORE_READ(t, tgid), 0);
		if (tb)
			io_flush(t, tr, tb, FLUSH_RANGE, fd, fd, PR_FLUSH_URING_CLOSE);
		return 0;
	}
	/* Reads/writes on a plain fd: create the slot now, while the fd is
	 * known, so that close(fd) finds it; completions add the bytes. */
	if (!uring_is_read(op) && !uring_is_write(op))
		return 0;
	rflags = BPF_CORE_READ(req, flags);
	fd = BPF_CORE_READ(req, cqe.fd);
	if (rflags & IOU_FIXED_FILE) {
		/* a registered file: completions name it (req->file); only a
		 * request that will not complete must be resolved now */
		if (!(rflags & IOU_CQE_SKIP))
			return 0;
		f = uring_fixed_file(req, fd);
		fd = -1;
	} else {
		f = fd_file(t, fd);
	}
	if (!f) {
		if (rflags & IOU_CQE_SKIP) /* e.g. a slot filled by a linked open */
			count_drop(uring_is_write(op) ? PR_EV_FILE_WRITE : PR_EV_FILE_READ,
				   tr->session_key);
		return 0;
	}
	if (!io_type_ok(f))
		return 0;
	tb = io_table_get(t->tgid, 1);
	if (!tb)
		return 0;
	sl = io_slot_get(t, tr, tb, fd, f, fd < 0, bpf_ktime_get_boot_ns());
	if (rflags & IOU_CQE_SKIP)
		uring_count_unconfirmed(sl, req, op);
	return 0;
}

/* io_uring CONNECT makes no connect(2): record it as net.connect in the
 * network family's ABI (struct pr_net), syscall = io_uring_enter, with the
 * peer from the sockaddr copied at submission and, once connected, the local
 * end from the socket. Policy and flows are the network family's cgroup
 * hooks' business (they run for io_uring connects too). */
static __always_inline void uring_connect_done(struct pr_tracked *tr, struct uring_stash *st,
					       struct io_kiocb *req, long res)
{
	struct file *f = BPF_CORE_READ(req, file);
	struct socket *so = f ? BPF_CORE_READ(f, private_data) : NULL;
	struct sock *sk = so ? BPF_CORE_READ(so, sk) : NULL;
	struct pr_net *e;

	e = ev_reserve(sizeof(*e), PR_EV_NET_CONNECT, tr);
	if (!e)
		return;
	__builtin_memset(&e->ret, 0, sizeof(*e) - sizeof(e->hdr));
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_NET_CONNECT, sizeof(*e), tr);
	e->ret = res;
	e->fd = st->dfd;
	e->syscall = PR_NR_io_uring_enter;
	sk_info(e, sk);
	put_sockaddr(e, st->name, st->op_flags, true, false);
	if (res == 0 && (e->family == PR_AF_INET || e->family == PR_AF_INET6))
		sk_local_addr(e, sk);
	ev_submit(e);
}

/* SPLICE/TEE moved res bytes from splice_fd_in to the request's file (the
 * output). Pipes on either side are skipped by the type check. */
static __always_inline void uring_splice_done(struct task_struct *t, struct pr_tracked *tr,
					      struct io_kiocb *req, long res)
{
	struct io_splice *sp = (void *)req;
	struct file *in, *out = BPF_CORE_READ(req, file);
	__s32 fd_in = BPF_CORE_READ(sp, splice_fd_in);

	if (BPF_CORE_READ(sp, flags) & IOU_SPLICE_F_FD_IN_FIXED)
		in = uring_fixed_file(req, fd_in);
	else
		in = fd_file(t, fd_in);
	if (in)
		io_account(t, tr, -1, in, IO_READ, res, IO_KIND_URING);
	if (out)
		io_account(t, tr, -1, out, IO_WRITE, res, IO_KIND_URING);
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(file_uring_complete, struct io_ring_ctx *ring, void *reqp, struct io_uring_cqe *cqe)
{
	struct pr_tracked *tr = tracked_current();
	struct io_kiocb *req = reqp;
	struct uring_stash *st;
	struct task_struct *t;
	struct file *f;
	__u64 key = (__u64)reqp;
	__u32 op;
	long res;

	if (!tr || !req)
		return 0;
	op = BPF_CORE_READ(req, opcode);
	res = BPF_CORE_READ(cqe, res);
	t = bpf_get_current_task_btf();
	if (uring_is_read(op) || uring_is_write(op)) {
		if (res < 0)
			return 0;
		f = BPF_CORE_READ(req, file);
		if (f)
			io_account(t, tr, -1, f, uring_is_write(op), res, IO_KIND_URING);
		return 0;
	}
	if (net_uring_op(op))
		return net_uring_complete(tr, URING_REQ_ARG(ctx, 1), op, res);
	if (op == IOU_SPLICE || op == IOU_TEE) {
		if (res > 0)
			uring_splice_done(t, tr, req, res);
		return 0;
	}
	if (op == IOU_FTRUNCATE) {
		struct io_ftrunc *ft = (void *)req;
		struct meta_req q = {
			.objfd = -1,
			.objfile = (__u64)BPF_CORE_READ(ft, file),
			.arg = BPF_CORE_READ(ft, len),
			.syscall = op,
			.op = PR_META_TRUNCATE,
			.hflags = PR_FILE_IO_URING,
		};
		return file_meta_record(tr, &q, res);
	}
	if (uring_is_named_op(op)) {
		st = bpf_map_lookup_elem(&file_uring_stash, &key);
		if (!st) {
			/* Evicted from the stash: the event is lost, count it. A
			 * failure without a stash is a request rejected before
			 * submission (bad SQE): no name was ever known. */
			if (res >= 0)
				count_drop(op == IOU_OPENAT || op == IOU_OPENAT2 ? PR_EV_FILE_OPEN
					   : op == IOU_CONNECT			 ? PR_EV_NET_CONNECT
										 : PR_EV_FILE_META,
					   tr->session_key);
			return 0;
		}
		if (op == IOU_OPENAT || op == IOU_OPENAT2)
			uring_open_done(tr, st, op, res);
		else if (op == IOU_CONNECT)
			uring_connect_done(tr, st, req, res);
		else
			uring_meta_done(tr, st, op, res, BPF_CORE_READ(req, file));
		bpf_map_delete_elem(&file_uring_stash, &key);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
