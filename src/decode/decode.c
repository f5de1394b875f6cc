/* decode.c: header validation, dispatch by type and the common fields. */
#include "decode/decode.h"

#include <stddef.h>
#include <string.h>

#include "model/session.h"

static const struct decoder *const decoder_tables[] = {
	process_decoders,
	file_decoders,
	security_decoders,
	network_decoders,
	policy_decoders,
	label_decoders,
};

const struct decoder *decoder_for(uint16_t type)
{
	size_t t;
	const struct decoder *d;

	for (t = 0; t < sizeof(decoder_tables) / sizeof(decoder_tables[0]); t++)
		for (d = decoder_tables[t]; d->fn; d++)
			if (d->type == type)
				return d;
	return NULL;
}

enum decode_result decode_event(struct decode_ctx *c, const void *data, size_t len,
				struct record *r)
{
	const struct pr_hdr *h = data;
	const struct decoder *d;

	if (len < sizeof(*h) || h->size > len || h->size < sizeof(*h))
		return DECODE_BAD;
	d = decoder_for(h->type);
	if (!d || h->size < d->min_size)
		return DECODE_BAD;
	r->session_key = h->session_key;
	r->cgroup_id = h->cgroup_id;
	r->pid = h->pid;
	return d->fn(c, data, h->size, r);
}

const char *decode_str(struct record *r, const char *s, size_t max)
{
	return record_strndup(r, s, strnlen(s, max));
}

/* The container.* and k8s.* fields of a containerised session (docs/EVENTS.md);
 * unknown ones are left out. */
static void add_container(struct record *r, const struct container *k)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
		{"container.id", offsetof(struct container, id)},
		{"container.name", offsetof(struct container, name)},
		{"container.runtime", offsetof(struct container, runtime)},
		{"container.image.name", offsetof(struct container, image)},
		{"k8s.pod.name", offsetof(struct container, pod_name)},
		{"k8s.pod.uid", offsetof(struct container, pod_uid)},
		{"k8s.namespace.name", offsetof(struct container, pod_namespace)},
	};
	size_t i;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *v = (const char *)k + fields[i].off;
		if (*v)
			record_add_str_ref(r, fields[i].key, v);
	}
}

void decode_common(struct decode_ctx *c, const struct pr_hdr *h, const char *type_name,
		   struct record *r)
{
	struct session *s = session_find(c->sessions, h->session_key);
	struct proc *p = c->procs ? proctree_get(c->procs, h->pid) : NULL;

	record_begin(r, h->type, type_name, h->ts_ns + c->wall_offset_ns);
	record_add_str_ref(r, "session", s ? s->id : "");
	record_add_str_ref(r, "agent", s ? s->agent : "");
	record_add_str_ref(r, "project", s ? s->project : "");
	if (s && s->container.id[0])
		add_container(r, &s->container);
	record_add_str_ref(r, "host.name", c->host ? c->host : "");
	record_add_int(r, "process.pid", h->pid);
	record_add_int(r, "process.tid", h->tid);
	record_add_int(r, "process.parent_pid", h->ppid);
	record_add_str_ref(r, "process.name", decode_str(r, h->comm, sizeof(h->comm)));
	record_add_str(r, "process.executable.path", p && p->exe ? p->exe : "");
	record_add_int(r, "process.user.id", h->uid);
	record_add_int(r, "process.group.id", h->gid);
	decode_process_labels(c, h, r); /* decode_labels.c */
}

void decode_count_process(struct decode_ctx *c, uint64_t session_key)
{
	struct session *s = session_find(c->sessions, session_key);
	if (s)
		s->processes++;
}

const struct egress_policy *decode_egress_policy(const struct decode_ctx *c, const struct pr_hdr *h)
{
	const struct session *s = session_find(c->sessions, h->session_key);

	return s ? s->egress_policy : NULL;
}
