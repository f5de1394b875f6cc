/* mcp_tools.c: the tools of `proctor mcp` (cli/mcp.h): list_violations (what
 * the kernel stopped in this session, with rule and reason), explain_policy
 * (each rule: what it denies, its effect, mode and reason), check_action (a
 * shell command or a file read/write judged by the policy before trying it,
 * policy/static_eval.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/hook_feed.h"
#include "cli/mcp.h"
#include "policy/common.h"
#include "policy/static_eval.h"
#include "policy/labels.h"
#include "policy/temporal.h"
#include "util/strbuf.h"
#include "util/util.h"

#define RPC_INVALID_PARAMS -32602
#define MCP_WAIT_MS	   3000 /* for the recorder to catch up with a call */

void mcp_init(struct mcp *m)
{
	struct policy_env env;
	struct feed f;
	char err[1024];
	char *text = NULL;
	long n;

	memset(m, 0, sizeof(*m));
	if (feed_own_session(m->session, sizeof(m->session)))
		return;
	m->in_session = true;
	if (feed_read(m->session, &f, err, sizeof(err))) {
		snprintf(m->policy_error, sizeof(m->policy_error), "session %s has no policy",
			 m->session);
		return;
	}
	policy_default_env(&env);
	snprintf(env.workspace, sizeof(env.workspace), "%s", f.workspace);
	m->policy = calloc(1, sizeof(*m->policy));
	text = malloc((1u << 20) + 1);
	n = text ? read_small_file(f.policy, text, (1u << 20) + 1) : -1;
	if (!m->policy || n < 0 || n > (1l << 20)) {
		snprintf(m->policy_error, sizeof(m->policy_error), "cannot read the policy %.900s",
			 f.policy);
	} else if (!policy_load_env(f.policy, text, (size_t)n, &env, m->policy, err, sizeof(err))) {
		m->has_policy = true;
	} else {
		snprintf(m->policy_error, sizeof(m->policy_error), "%s", err);
	}
	free(text);
	feed_free(&f);
}

void mcp_free(struct mcp *m)
{
	free(m->policy);
	m->policy = NULL;
}

static json_t *schema(const char *props)
{
	return json_loads(props, 0, NULL);
}

json_t *mcp_tools_list(void)
{
	return json_pack(
		"[{s:s,s:s,s:o},{s:s,s:s,s:o},{s:s,s:s,s:o}]", "name", "list_violations",
		"description",
		"The policy violations the kernel recorded in this session so far: for each, the "
		"rule, its verdict (blocked, killed, notified, would_block), the mechanism that "
		"enforced it, the rule's reason and what was attempted.",
		"inputSchema", schema("{\"type\":\"object\",\"properties\":{}}"), "name",
		"explain_policy", "description",
		"This session's policy, rule by rule: what each rule denies, its effect and mode, "
		"and the reason it gives. With 'rule', only that rule.",
		"inputSchema",
		schema("{\"type\":\"object\",\"properties\":{\"rule\":{\"type\":\"string\","
		       "\"description\":\"a rule's name\"}}}"),
		"name", "check_action", "description",
		"Would the policy allow this? Give exactly one of 'command' (a shell command "
		"line), 'read' or 'write' (a file path); 'cwd' for relative paths. Answers "
		"allowed, or the denying rule and its reason. Advice: the kernel decides again "
		"when it runs.",
		"inputSchema",
		schema("{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"},"
		       "\"read\":{\"type\":\"string\"},\"write\":{\"type\":\"string\"},"
		       "\"cwd\":{\"type\":\"string\"}}}"));
}

static json_t *text_result(const char *text, bool is_error)
{
	return json_pack("{s:[{s:s,s:s}],s:b}", "content", "type", "text", "text", text, "isError",
			 is_error);
}

static json_t *list_violations(struct mcp *m)
{
	struct feed f;
	char err[1024], line[6000];
	struct strbuf sb = {0};
	json_t *vs, *v, *res;
	size_t i;
	int rc = feed_sync(m->session, MCP_WAIT_MS, &f, err, sizeof(err));
	bool late = rc == 1; /* f holds what there is */

	if (late)
		rc = 0;
	if (rc == -ENOENT)
		return text_result("this session has no policy: nothing is enforced", false);
	if (rc)
		return text_result(err, true);
	vs = feed_violations(&f, 0);
	if (!json_array_size(vs))
		sb_printf(&sb, "no policy violations recorded in session %s so far", m->session);
	else
		sb_printf(&sb,
			  "%zu policy violation%s recorded in session %s:", json_array_size(vs),
			  json_array_size(vs) == 1 ? "" : "s", m->session);
	json_array_foreach(vs, i, v)
	{
		feed_describe(v, line, sizeof(line));
		sb_printf(&sb, "\n- %s", line);
	}
	res = text_result(sb_cstr(&sb), false);
	sb_free(&sb);
	json_decref(vs);
	feed_free(&f);
	return res;
}

static const char *kind_name(enum policy_rule_kind k)
{
	switch (k) {
	case RULE_FILE_DENY: return "files.deny";
	case RULE_WRITE_ONLY_UNDER: return "files.write_only_under";
	case RULE_EXEC_DENY: return "exec.deny";
	case RULE_EXEC_ALLOW_ONLY: return "exec.allow_only";
	case RULE_DECLASSIFY: return "declassify";
	default: return "rules";
	}
}

/* "denies running git commit ... unless a process running ... exited 0
 * after the last write of GLOB" */
static void explain_temporal(const struct policy *p, const struct policy_rule *r, const char *obj,
			     struct strbuf *sb)
{
	struct policy_object ok = {.op = OP_EXEC, .argv = r->succeeded};
	char ran[4096], after[4096];

	policy_object_text(p, &ok, ran, sizeof(ran));
	sb_printf(sb, "denies %s %s unless a process running %s exited 0",
		  r->object.op == OP_EXEC ? "running" : policy_op_name(r->object.op), obj, ran);
	if (r->after.op != OP_NONE) {
		policy_object_text(p, &r->after, after, sizeof(after));
		sb_printf(sb, " after the last %s of %s", policy_op_name(r->after.op), after);
	}
}

static void explain_rule(const struct policy *p, const struct policy_rule *r, struct strbuf *sb)
{
	char obj[4096], acc[128];

	policy_object_text(p, &r->object, obj, sizeof(obj));
	sb_printf(sb, "\n- '%s' (%s, line %d; effect %s, mode %s): ", r->name, kind_name(r->kind),
		  r->line, policy_effect_name(r->effect),
		  r->mode == PR_MODE_AUDIT ? "audit" : "enforce");
	switch (r->kind) {
	case RULE_FILE_DENY:
		policy_access_text(r->access, acc, sizeof(acc));
		sb_printf(sb, "denies %s access to %s", acc, obj);
		break;
	case RULE_WRITE_ONLY_UNDER:
		sb_printf(sb, "denies any write, create, delete or rename outside %s", obj);
		break;
	case RULE_EXEC_DENY: sb_printf(sb, "denies running %s", obj); break;
	case RULE_EXEC_ALLOW_ONLY:
		sb_printf(sb, "denies running any program outside %s", obj);
		break;
	default:
		if (policy_rule_temporal(r)) {
			explain_temporal(p, r, obj, sb);
			break;
		}
		if (r->kind == RULE_CONDITIONAL && policy_label_enforced(r)) {
			sb_printf(sb, "denies %s to a process labelled %s", obj,
				  p->labels[r->label].name);
			break;
		}
		sb_printf(sb, "%s (not enforced by this build)", obj);
		break;
	}
	sb_printf(sb, ". Reason: %s", r->reason);
}

static void explain_egress(const struct egress_policy *e, struct strbuf *sb)
{
	int i;

	sb_printf(sb, "\n- egress (mode %s): connections are %s by default",
		  e->mode == PR_MODE_AUDIT ? "audit" : "enforce",
		  e->default_deny ? "denied" : "allowed");
	for (i = 0; i < e->nrules; i++)
		sb_printf(sb, "; %s", e->rules[i].name);
}

static json_t *explain_policy(struct mcp *m, json_t *args, int *code, char *msg, size_t msglen)
{
	const struct policy *p = m->policy;
	const char *want = json_string_value(json_object_get(args, "rule"));
	struct strbuf sb = {0};
	json_t *res;
	int i, n = 0;

	if (json_object_get(args, "rule") && !want) {
		snprintf(msg, msglen, "'rule' must be a string");
		return NULL;
	}
	if (!m->has_policy)
		return text_result(m->policy_error, false);
	sb_printf(&sb, "the policy %s of session %s", p->file, m->session);
	if (!want && p->egress.present)
		explain_egress(&p->egress, &sb);
	for (i = 0; i < p->nrules; i++) {
		if (want && strcmp(want, p->rules[i].name))
			continue;
		explain_rule(p, &p->rules[i], &sb);
		n++;
	}
	if (want && !n) {
		sb_free(&sb);
		snprintf(msg, msglen, "no rule named '%.200s'", want);
		*code = RPC_INVALID_PARAMS;
		return NULL;
	}
	res = text_result(sb_cstr(&sb), false);
	sb_free(&sb);
	return res;
}

static json_t *check_action(struct mcp *m, json_t *args, int *code, char *msg, size_t msglen)
{
	const char *cmd = json_string_value(json_object_get(args, "command"));
	const char *rd = json_string_value(json_object_get(args, "read"));
	const char *wr = json_string_value(json_object_get(args, "write"));
	const char *cwd = json_string_value(json_object_get(args, "cwd"));
	struct se_verdict v;
	char why[256], out[5400];
	const struct policy_rule *r;

	*code = RPC_INVALID_PARAMS;
	if ((!!cmd + !!rd + !!wr) != 1 || json_object_size(args) != 1u + !!cwd) {
		snprintf(msg, msglen,
			 "give exactly one of 'command', 'read' or 'write' (strings), "
			 "and optionally 'cwd'");
		return NULL;
	}
	if (!m->has_policy)
		return text_result(m->policy_error, false);
	if (!cwd || cwd[0] != '/')
		cwd = m->policy->env.workspace;
	if (cmd) {
		if (se_eval_shell(m->policy, cmd, strlen(cmd), cwd, getenv("PATH"), &v, why,
				  sizeof(why)))
			return text_result(why, true);
	} else {
		se_eval_file(m->policy, rd ? rd : wr, cwd, wr != NULL, &v);
	}
	if (v.rule < 0)
		return text_result("allowed by the policy (the kernel decides again when it runs)",
				   false);
	r = &m->policy->rules[v.rule];
	snprintf(out, sizeof(out), "denied by rule '%s': %s (%s)", r->name, r->reason, v.what);
	return text_result(out, false);
}

json_t *mcp_tools_call(struct mcp *m, const char *name, json_t *args, int *code, char *msg,
		       size_t msglen)
{
	*code = RPC_INVALID_PARAMS;
	if (!m->in_session && (!strcmp(name, "list_violations") ||
			       !strcmp(name, "explain_policy") || !strcmp(name, "check_action")))
		return text_result("proctor mcp is not running inside a proctor session", true);
	if (!strcmp(name, "list_violations"))
		return list_violations(m);
	if (!strcmp(name, "explain_policy"))
		return explain_policy(m, args, code, msg, msglen);
	if (!strcmp(name, "check_action"))
		return check_action(m, args, code, msg, msglen);
	snprintf(msg, msglen, "unknown tool: %.200s", name);
	return NULL;
}
