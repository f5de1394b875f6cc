/* path.h: the in-kernel path walker (dentries and mounts, with bpf_loop) and
 * put_path(), which writes a struct path's absolute path into scratch. */
#ifndef PROCTOR_BPF_PATH_H
#define PROCTOR_BPF_PATH_H

#include "lib/emit.h"

/* Pass 1: climb from the dentry to the root, crossing mounts, collecting
 * component names leaf first. */
static long path_walk_up(__u64 i, void *arg)
{
	struct pr_scratch *s = scratch_get();
	struct path_walk *w;
	struct dentry *d, *parent;
	struct mount *mnt, *mp;

	if (!s)
		return 1;
	w = &s->walk;
	d = w->d;
	mnt = w->mnt;
	parent = BPF_CORE_READ(d, d_parent);
	if (d == w->mnt_root || d == parent) {
		mp = BPF_CORE_READ(mnt, mnt_parent);
		if (mnt == mp)
			return 1; /* the root of the namespace */
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->mnt_root = BPF_CORE_READ(mp, mnt.mnt_root);
		return 0;
	}
	if (w->n >= PR_PATH_DEPTH) {
		w->trunc = 1;
		return 1;
	}
	s->names[w->n & (PR_PATH_DEPTH - 1)] = BPF_CORE_READ(d, d_name.name);
	w->n++;
	w->d = parent;
	return 0;
}

/* Pass 2: write "/name" for each component, root first. */
static long path_write_down(__u64 i, void *arg)
{
	struct pr_scratch *s = scratch_get();
	struct path_walk *w;
	long r;

	if (!s)
		return 1;
	w = &s->walk;
	if (i >= w->n)
		return 1;
	if (w->pos - w->off > PR_PATH_CAP - 256 - 2) {
		w->trunc = 1;
		return 1;
	}
	s->buf[w->pos & SCRATCH_MASK] = '/';
	w->pos++;
	r = bpf_probe_read_kernel_str(&s->buf[w->pos & SCRATCH_MASK], 256,
				      s->names[(w->n - 1 - i) & (PR_PATH_DEPTH - 1)]);
	if (r > 1)
		w->pos += r - 1;
	return 0;
}

/* Write the absolute path of @path at s->buf[off], NUL-terminated. Walks at
 * most PR_PATH_DEPTH components across mounts; on overflow keeps the leaf
 * components and sets *trunc. Returns bytes written including the NUL. */
static __always_inline int read_path(struct pr_scratch *s, __u32 off, const struct path *path,
				     __u32 *trunc)
{
	struct vfsmount *vfsmnt = BPF_CORE_READ(path, mnt);
	struct path_walk *w = &s->walk;
	__u32 pos;

	w->d = BPF_CORE_READ(path, dentry);
	w->mnt = container_of(vfsmnt, struct mount, mnt);
	w->mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
	w->n = 0;
	w->off = off;
	w->pos = off;
	w->trunc = 0;
	bpf_loop(PR_PATH_DEPTH + 16, path_walk_up, NULL, 0);
	bpf_loop(PR_PATH_DEPTH, path_write_down, NULL, 0);
	pos = w->pos;
	if (pos == off) {
		s->buf[pos & SCRATCH_MASK] = '/';
		pos++;
	}
	s->buf[pos & SCRATCH_MASK] = 0;
	*trunc = w->trunc;
	return (pos - off + 1) & (PR_PATH_CAP * 2 - 1);
}

/* Absolute path of a struct path at scratch->buf[off]: bytes written (NUL
 * included) | 0x10000 when cut. A global function (lib/path.bpf.c), so
 * that the verifier checks the path walk once, not once per caller path. */
int path_put_global(__u64 path, __u32 off);

/* put_path: the walk, with truncation reported as trunc_flag in *hflags. */
static __always_inline __u32 put_path(struct pr_scratch *s, __u32 off, const struct path *p,
				      __u16 *hflags, __u16 trunc_flag)
{
	int r = path_put_global((__u64)p, off);

	if (r & 0x10000)
		*hflags |= trunc_flag;
	return r & 0x1fff;
}

#endif /* PROCTOR_BPF_PATH_H */
