/* cgroup.bpf.c: session scope in the kernel: a cgroup created under a
 * tracked one joins its session before any process can enter it, a removed
 * cgroup leaves tracked_cgroups, and a tracked process that moves to another
 * cgroup keeps its session (lineage) and is recorded as having moved. */
#include "lib/emit.h"

/* A cgroup made under a tracked one (an agent or container runtime nesting)
 * joins the same session. Only the v2 hierarchy (hierarchy_id 0) counts. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle_cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	struct cgroup_subsys_state *pcss;
	struct pr_tracked *ptr, child;
	struct pr_cgroup_add *e;
	struct cgroup *pcg;
	__u64 pid, id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	pcss = BPF_CORE_READ(cgrp, self.parent);
	if (!pcss)
		return 0;
	pcg = container_of(pcss, struct cgroup, self);
	pid = BPF_CORE_READ(pcg, kn, id);
	ptr = bpf_map_lookup_elem(&tracked_cgroups, &pid);
	if (!ptr)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	child.session_key = ptr->session_key;
	child.depth = ptr->depth + 1;
	child.flags = ptr->flags;
	pr_track_filter[track_filter_slot(id)] = 1; /* before the id becomes tracked */
	bpf_map_update_elem(&tracked_cgroups, &id, &child, BPF_ANY);

	e = ev_reserve(sizeof(*e), PR_EV_CGROUP_ADD, ptr);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, bpf_get_current_task_btf(), PR_EV_CGROUP_ADD, sizeof(*e), ptr);
	e->new_cgroup_id = id;
	e->parent_cgroup_id = pid;
	ev_submit(e);
	return 0;
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle_cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	__u64 id;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return 0;
	id = BPF_CORE_READ(cgrp, kn, id);
	bpf_map_delete_elem(&tracked_cgroups, &id);
	return 0;
}

/* process.cgroup_change: data = the new cgroup's path. */
static __always_inline void cgroup_change_record(struct task_struct *t, const char *path,
						 struct pr_lineage *l, __u64 old, __u64 id,
						 const struct pr_tracked *dst)
{
	struct pr_cgroup_change *e;
	struct pr_scratch *s = scratch_get();
	long n = 0;

	if (!s) {
		count_drop(PR_EV_PROC_CGROUP, l->tr.session_key);
		return;
	}
	e = (void *)s->buf;
	if (path) {
		n = bpf_probe_read_kernel_str(e->data, PR_CGROUP_CHANGE_PATH_CAP, path);
		if (n < 0)
			n = 0;
	}
	e->old_cgroup_id = old;
	e->new_cgroup_id = id;
	e->relation = !dst				     ? PR_CGROUP_UNTRACKED
		      : dst->session_key == l->tr.session_key ? PR_CGROUP_OWN
							      : PR_CGROUP_OTHER;
	e->new_session_key = dst ? dst->session_key : 0;
	e->path_len = n;
	fill_hdr(&e->hdr, t, PR_EV_PROC_CGROUP, sizeof(*e) + n, &l->tr);
	ev_output(s, sizeof(*e) + (n & (PR_CGROUP_CHANGE_PATH_CAP - 1)), PR_EV_PROC_CGROUP, &l->tr);
}

/* A task was moved into @dst (all its threads when @threadgroup). A task
 * with a lineage entry keeps its session: @dst's filter slot is set so that
 * the tracked check (lib/task.h) looks it up there, and the move is
 * recorded. A task without one that enters a session cgroup is tied to that
 * session from now on. Runs after the move, once per write to
 * cgroup.procs / cgroup.threads: rare, so the cost here does not matter. */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(handle_cgroup_attach, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct pr_tracked *dtr;
	struct pr_lineage *l;
	__u64 id, old;

	if (!dst || !task || BPF_CORE_READ(dst, root, hierarchy_id) != 0)
		return 0;
	id = BPF_CORE_READ(dst, kn, id);
	dtr = bpf_map_lookup_elem(&tracked_cgroups, &id);
	l = task_lineage_of(task);
	if (!l) {
		if (dtr)
			lineage_ensure(task, dtr, id);
		return 0;
	}
	pr_track_filter[track_filter_slot(id)] = 1; /* a no-op for a session cgroup */
	old = l->cgroup_id;
	l->cgroup_id = id;
	if (old != id)
		cgroup_change_record(task, path, l, old, id, dtr);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
