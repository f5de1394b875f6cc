/* policy_records.c: policy.violation records for the files rules, which are
 * decided outside the ring buffer: fanotify decisions (queued by the
 * engine's threads, taken on each drain) and Landlock denials (the kernel's
 * failed-open or failed-metadata record of a write outside the allowed
 * trees, mapped to the write_only_under rule; in audit mode the successful
 * write is what would have been denied). docs/EVENTS-policy.md. */
#include "app/policy_records.h"

#include <string.h>

#include "policy/labels.h"
#include "proctor/abi_policy.h"

static const char *effect_name(enum policy_effect e)
{
	return e == POLICY_KILL ? "kill" : e == POLICY_BLOCK ? "block" : "notify";
}

static const char *verdict_of(const struct policy_rule *r, bool denied)
{
	if (r->mode == PR_MODE_AUDIT)
		return "would_block";
	if (r->effect == POLICY_NOTIFY)
		return "notified";
	if (!denied)
		return "would_block";
	return r->effect == POLICY_KILL ? "killed" : "blocked";
}

/* labels: the process's label names (policy.labels), n of them */
static void add_rule(struct record *r, const struct policy_rule *rule, bool denied,
		     const char *mechanism, const char **labels, int n)
{
	const char *one = rule->name;

	record_add_str(r, "policy.rule", rule->name);
	record_add_str(r, "policy.reason", rule->reason);
	record_add_str_ref(r, "policy.effect", effect_name(rule->effect));
	record_add_str_ref(r, "policy.verdict", verdict_of(rule, denied));
	record_add_str_ref(r, "policy.mechanism", mechanism);
	record_add_str_ref(r, "policy.mode", rule->mode == PR_MODE_AUDIT ? "audit" : "enforce");
	record_add_strv(r, "policy.labels", labels, (uint32_t)n);
	record_add_strv(r, "policy.matched_rules", &one, 1);
}

static void emit_fan(struct app *a, const struct enforce_session *es, const struct fan_violation *v)
{
	struct record *r = pipeline_record(&a->pipeline);
	const char *labels[16];
	int nlabels = 0;
	struct pr_hdr h = {.type = PR_EV_POLICY_FILE,
			   .ts_ns = v->ts_ns,
			   .session_key = es->key,
			   .pid = v->pid,
			   .tid = v->tid,
			   .labels = v->labels,
			   .ppid = v->ppid,
			   .uid = v->uid,
			   .gid = v->gid};

	memcpy(h.comm, v->comm, sizeof(h.comm));
	r->session_key = es->key;
	r->pid = v->pid;
	decode_common(&a->dctx, &h, "policy.violation", r);
	policy_label_names(es->p, v->labels, labels, &nlabels);
	if (v->rule >= 0) {
		add_rule(r, &es->p->rules[v->rule], v->denied, "fanotify", labels, nlabels);
	} else {
		record_add_str_ref(r, "policy.rule", "fail-closed");
		record_add_str_ref(r, "policy.reason",
				   "proctor did not decide this open in time; an enforced policy "
				   "fails closed");
		record_add_str_ref(r, "policy.effect", "block");
		record_add_str_ref(r, "policy.verdict", "blocked");
		record_add_str_ref(r, "policy.mechanism", "fanotify");
		record_add_str_ref(r, "policy.mode", "enforce");
		record_add_strv(r, "policy.labels", labels, (uint32_t)nlabels);
		record_add_strv(r, "policy.matched_rules", NULL, 0);
		record_add_bool(r, "policy.undecidable", true);
	}
	record_add_str_ref(r, "policy.access", v->exec ? "exec" : v->write ? "write" : "open");
	record_add_str(r, "file.path", v->path);
	pipeline_commit(&a->pipeline, r);
}

void app_policy_drain(struct app *a)
{
	struct fan_violation v[32];
	size_t i;
	int n, k;

	for (i = 0; i < PR_MAX_SESSIONS; i++) {
		const struct enforce_session *es = &a->enforce.s[i];
		if (!es->key || !es->fan)
			continue;
		while ((n = fan_take(es->fan, v, 32)) > 0)
			for (k = 0; k < n; k++)
				emit_fan(a, es, &v[k]);
	}
}

static bool has_flag(const struct record *r, const char *flag)
{
	const struct field *f = record_get(r, "file.flags");
	uint32_t i;

	for (i = 0; f && f->kind == FIELD_STRV && i < f->sv.n; i++)
		if (!strcmp(f->sv.v[i], flag))
			return true;
	return false;
}

/* A write the write_only_under rule judges: an open for writing (or one that
 * creates), or a metadata change Landlock governs. */
static bool is_write(const struct record *r)
{
	const char *acc, *op;

	if (r->type == PR_EV_FILE_OPEN) {
		acc = record_get_str(r, "file.access");
		return (acc && (!strcmp(acc, "write") || !strcmp(acc, "read_write"))) ||
		       has_flag(r, "O_CREAT") || has_flag(r, "O_TRUNC");
	}
	if (r->type == PR_EV_FILE_META && (op = record_get_str(r, "file.operation")))
		return !strcmp(op, "unlink") || !strcmp(op, "rmdir") || !strcmp(op, "rename") ||
		       !strcmp(op, "link") || !strcmp(op, "symlink") || !strcmp(op, "mkdir") ||
		       !strcmp(op, "mknod") || !strcmp(op, "truncate");
	return false;
}

/* Landlock refuses with EACCES, and a link or rename that would move a file
 * across its trees with EXDEV. */
static bool landlock_errno(const struct record *r, const char *code)
{
	const char *op = record_get_str(r, "file.operation");

	if (!strcmp(code, "EACCES"))
		return true;
	return !strcmp(code, "EXDEV") && op && (!strcmp(op, "link") || !strcmp(op, "rename"));
}

bool app_policy_landlock_note(struct app *a, const struct record *r, struct landlock_denial *d)
{
	struct enforce_session *es = enforce_session(&a->enforce, r->session_key);
	const char *path, *outcome, *code, *s, *op;
	int64_t v;
	bool denied;

	if (!es || es->landlock.rule < 0 || !is_write(r))
		return false;
	/* a link or rename also writes where it takes the file from */
	if (!(path = record_get_str(r, "file.path")))
		return false;
	op = record_get_str(r, "file.operation");
	if (!landlock_outside(&es->landlock, path) &&
	    (!op || (strcmp(op, "link") && strcmp(op, "rename")) ||
	     !(s = record_get_str(r, "file.target_path")) ||
	     !landlock_outside(&es->landlock, (path = s))))
		return false;
	outcome = record_get_str(r, "event.outcome");
	code = record_get_str(r, "error.code");
	if (es->landlock.audit) {
		if (outcome && strcmp(outcome, "success"))
			return false; /* failed for its own reasons */
		denied = false;
	} else {
		if (!outcome || strcmp(outcome, "failure") || !code || !landlock_errno(r, code))
			return false;
		denied = true;
	}
	memset(d, 0, sizeof(*d));
	d->denied = denied;
	d->session_key = r->session_key;
	d->rule = es->landlock.rule;
	d->time_ns = r->time_ns;
	d->pid = r->pid;
	if (record_get_int(r, "process.tid", &v))
		d->tid = (uint32_t)v;
	if (record_get_int(r, "process.parent_pid", &v))
		d->ppid = (uint32_t)v;
	if ((s = record_get_str(r, "process.name")))
		snprintf(d->comm, sizeof(d->comm), "%s", s);
	snprintf(d->path, sizeof(d->path), "%s", path);
	snprintf(d->op, sizeof(d->op), "%s",
		 r->type == PR_EV_FILE_OPEN ? "open" : record_get_str(r, "file.operation"));
	return true;
}

void app_policy_landlock_emit(struct app *a, const struct landlock_denial *d)
{
	struct enforce_session *es = enforce_session(&a->enforce, d->session_key);
	struct record *r;
	struct pr_hdr h = {.type = PR_EV_POLICY_FILE,
			   .ts_ns = d->time_ns - a->dctx.wall_offset_ns,
			   .session_key = d->session_key,
			   .pid = d->pid,
			   .tid = d->tid,
			   .ppid = d->ppid};

	if (!es)
		return;
	r = pipeline_record(&a->pipeline);
	memcpy(h.comm, d->comm, sizeof(h.comm));
	r->session_key = d->session_key;
	r->pid = d->pid;
	decode_common(&a->dctx, &h, "policy.violation", r);
	add_rule(r, &es->p->rules[d->rule], d->denied, "landlock", NULL, 0);
	record_add_str(r, "policy.access", d->op);
	record_add_str(r, "file.path", d->path);
	pipeline_commit(&a->pipeline, r);
}
