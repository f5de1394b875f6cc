/* decode_labels.c: information-flow labels on records (docs/EVENTS-policy.md):
 * process.labels of every record of a labelled process (the kernel puts the
 * process's label bits into each header), policy.label when a process
 * first gets a label (which file, why), and the policy.violation of a
 * connect a label rule decided (a copy of the flow, mechanism
 * cgroup_sock_addr). Label and rule names come from the session's policy. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "decode/decode.h"
#include "policy/labels.h"
#include "policy/policy.h"
#include "proctor/abi_labels.h"

static const struct policy *policy_of(struct decode_ctx *c, const struct pr_hdr *h)
{
	const struct session *s = session_find(c->sessions, h->session_key);

	return s ? s->policy : NULL;
}

static void add_labels(struct record *r, const char *key, const struct policy *p, unsigned bits)
{
	const char *names[PR_LABELS];
	int n = 0;

	if (p)
		policy_label_names(p, bits, names, &n);
	record_add_strv(r, key, names, (uint32_t)n);
}

void decode_process_labels(struct decode_ctx *c, const struct pr_hdr *h, struct record *r)
{
	if (h->labels)
		add_labels(r, "process.labels", policy_of(c, h), h->labels);
}

void decode_policy_labels(struct decode_ctx *c, const struct pr_hdr *h, struct record *r)
{
	add_labels(r, "policy.labels", policy_of(c, h), h->labels);
}

const char *decode_label_rule_name(struct decode_ctx *c, const struct pr_hdr *h, int rule)
{
	const struct policy *p = policy_of(c, h);
	int i = p ? policy_label_connect_rule(p, PR_RULE_LABEL - rule) : -1;

	return i >= 0 ? p->rules[i].name : "label rule";
}

static enum decode_result decode_label(struct decode_ctx *c, const void *data, size_t len,
				       struct record *r)
{
	const struct pr_policy_label *e = data;
	const struct policy *p = policy_of(c, &e->hdr);

	if (e->path_len > len - sizeof(*e) || !p || !e->gained)
		return DECODE_BAD;
	decode_common(c, &e->hdr, "policy.label", r);
	add_labels(r, "policy.labels", p, e->gained);
	record_add_str_ref(r, "policy.label.cause",
			   e->cause == PR_LABEL_SOURCE ? "source" : "read_labelled");
	if (e->path_len)
		record_add_str(r, "file.path", decode_str(r, e->data, e->path_len));
	record_add_int(r, "file.inode", (int64_t)e->ino);
	record_add_int(r, "file.fd", (int32_t)e->fd);
	return DECODE_OK;
}

static enum decode_result decode_net_violation(struct decode_ctx *c, const void *data, size_t len,
					       struct record *r)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	const struct pr_flow *f = data;
	const struct policy *p = policy_of(c, &f->hdr);
	const struct policy_rule *rule;
	char peer[INET6_ADDRSTRLEN], dom[PR_DOMAIN_CAP];
	int i;

	(void)len;
	if (!p || (i = policy_label_connect_rule(p, PR_RULE_LABEL - f->rule)) < 0)
		return DECODE_BAD;
	rule = &p->rules[i];
	decode_common(c, &f->hdr, "policy.violation", r);
	record_add_str(r, "policy.rule", rule->name);
	record_add_str(r, "policy.reason", rule->reason);
	record_add_str_ref(r, "policy.effect",
			   rule->effect == POLICY_NOTIFY ? "notify"
			   : rule->effect == POLICY_KILL ? "kill"
							 : "block");
	record_add_str_ref(r, "policy.verdict",
			   f->verdict == PR_VERDICT_DENIED ? "blocked"
			   : rule->mode == PR_MODE_AUDIT   ? "would_block"
							   : "notified");
	record_add_str_ref(r, "policy.mechanism", "cgroup_sock_addr");
	record_add_str_ref(r, "policy.mode", rule->mode == PR_MODE_AUDIT ? "audit" : "enforce");
	add_labels(r, "policy.labels", p, f->hdr.labels);
	if (f->family == 4 || !memcmp(f->peer, mapped, 12))
		inet_ntop(AF_INET, f->peer + 12, peer, sizeof(peer));
	else
		inet_ntop(AF_INET6, f->peer, peer, sizeof(peer));
	record_add_str(r, "network.peer.address", peer);
	record_add_int(r, "network.peer.port", f->peer_port);
	record_add_str_ref(r, "network.transport",
			   f->protocol == IPPROTO_TCP	? "tcp"
			   : f->protocol == IPPROTO_UDP ? "udp"
							: "raw");
	snprintf(dom, sizeof(dom), "%.*s", (int)sizeof(f->domain) - 1, f->domain);
	if (dom[0])
		record_add_str(r, "server.address", dom);
	return DECODE_OK;
}

static enum decode_result decode_exec_violation(struct decode_ctx *c, const void *data, size_t len,
						struct record *r)
{
	const struct pr_policy_label_exec *e = data;
	const struct policy *p = policy_of(c, &e->hdr);
	const struct policy_rule *rule;
	bool killed = e->hdr.flags & PR_LABEL_EXEC_KILLED;
	int i;

	if (e->exe_len > len - sizeof(*e) || !p || (i = policy_label_exec_rule(p, e->rule)) < 0)
		return DECODE_BAD;
	rule = &p->rules[i];
	decode_common(c, &e->hdr, "policy.violation", r);
	record_add_str(r, "policy.rule", rule->name);
	record_add_str(r, "policy.reason", rule->reason);
	record_add_str_ref(r, "policy.effect",
			   rule->effect == POLICY_NOTIFY ? "notify"
			   : rule->effect == POLICY_KILL ? "kill"
							 : "block");
	record_add_str_ref(r, "policy.verdict",
			   killed ? (rule->effect == POLICY_KILL ? "killed" : "blocked")
			   : rule->mode == PR_MODE_AUDIT ? "would_block"
							 : "notified");
	record_add_str_ref(r, "policy.mechanism", "exec_kill");
	record_add_str_ref(r, "policy.mode", rule->mode == PR_MODE_AUDIT ? "audit" : "enforce");
	add_labels(r, "policy.labels", p, e->hdr.labels);
	record_add_bool(r, "policy.killed", killed);
	record_set_str(r, "process.executable.path", decode_str(r, e->data, e->exe_len));
	return DECODE_OK;
}

const struct decoder label_decoders[] = {
	{PR_EV_POLICY_LABEL, "policy.label", sizeof(struct pr_policy_label), decode_label},
	{PR_EV_POLICY_NET, "policy.violation", sizeof(struct pr_flow), decode_net_violation},
	{PR_EV_POLICY_LABEL_EXEC, "policy.violation", sizeof(struct pr_policy_label_exec),
	 decode_exec_violation},
	{0},
};
