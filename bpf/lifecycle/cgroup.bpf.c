/* cgroup.bpf.c: session scope in the kernel: a cgroup created under a
 * tracked one joins its session before any process can enter it, and a
 * removed cgroup leaves tracked_cgroups. */
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

char LICENSE[] SEC("license") = "GPL";
