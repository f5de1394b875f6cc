/* hook.c: `proctor hook claude-code`, a Claude Code command hook
 * (PreToolUse): the tool input on stdin is judged by the session's policy
 * before the tool runs (policy/static_eval.h); a denial is answered with
 * hookSpecificOutput.permissionDecision "deny" and the rule's reason, so the
 * agent learns why instead of retrying. The session is found from the
 * hook's own cgroup; its policy from $PROCTOR_POLICY, which `proctor run`
 * sets for the command. Outside a session: a message, exit 0, no decision.
 * Malformed input: denied when the policy enforces anything (fail closed),
 * else no decision. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "policy/policy.h"
#include "policy/static_eval.h"
#include "util/util.h"

static const char usage[] = "usage: proctor hook claude-code   (reads the hook's JSON on stdin)\n";

/* The session id from /proc/self/cgroup (".../proctor/<id>[/...]"), or -1. */
static int own_session(char *id, size_t idlen)
{
	char buf[4352], *p, *end;

	if (read_small_file("/proc/self/cgroup", buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; (p = strstr(p, "/proctor/")); p++) {
		p += strlen("/proctor/");
		end = p + strcspn(p, "/\n");
		if (end > p) {
			snprintf(id, idlen, "%.*s", (int)(end - p), p);
			return 0;
		}
	}
	return -1;
}

static void decide(const char *decision, const char *reason)
{
	json_t *o =
		json_pack("{s:{s:s,s:s,s:s}}", "hookSpecificOutput", "hookEventName", "PreToolUse",
			  "permissionDecision", decision, "permissionDecisionReason", reason);
	char *s = json_dumps(o, JSON_COMPACT);

	printf("%s\n", s ? s : "");
	free(s);
	json_decref(o);
}

static bool enforces_any(const struct policy *p)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].mode != PR_MODE_AUDIT && p->rules[i].effect != POLICY_NOTIFY)
			return true;
	return false;
}

static void deny(const struct policy *p, const struct se_verdict *v)
{
	const struct policy_rule *r = &p->rules[v->rule];
	char reason[5200];

	snprintf(reason, sizeof(reason), "proctor policy rule '%s': %s (%s)", r->name, r->reason,
		 v->what);
	decide("deny", reason);
}

/* Judge one tool call. -1 with why: input that cannot be judged. */
static int judge(const struct policy *p, json_t *in, struct se_verdict *v, char *why, size_t whylen)
{
	const char *tool = json_string_value(json_object_get(in, "tool_name"));
	const char *cwd = json_string_value(json_object_get(in, "cwd"));
	json_t *ti = json_object_get(in, "tool_input");
	const char *s;

	v->rule = -1;
	if (!tool || !json_is_object(ti)) {
		snprintf(why, whylen, "no tool_name or tool_input");
		return -1;
	}
	if (!cwd || cwd[0] != '/')
		cwd = p->env.workspace;
	if (!strcmp(tool, "Bash")) {
		if (!(s = json_string_value(json_object_get(ti, "command")))) {
			snprintf(why, whylen, "Bash without a command");
			return -1;
		}
		return se_eval_shell(p, s, strlen(s), cwd, getenv("PATH"), v, why, whylen);
	}
	if (!strcmp(tool, "Write") || !strcmp(tool, "Edit") || !strcmp(tool, "MultiEdit") ||
	    !strcmp(tool, "Read") || !strcmp(tool, "NotebookEdit")) {
		s = json_string_value(json_object_get(ti, "file_path"));
		if (!s)
			s = json_string_value(json_object_get(ti, "notebook_path"));
		if (!s) {
			snprintf(why, whylen, "%s without a file_path", tool);
			return -1;
		}
		se_eval_file(p, s, cwd, strcmp(tool, "Read") != 0, v);
	}
	return 0;
}

static int load_policy(const char *file, const struct policy_env *env, struct policy *p, char *err,
		       size_t errlen)
{
	size_t cap = 1u << 20;
	char *text = malloc(cap + 1);
	long n = text ? read_small_file(file, text, cap + 1) : -1;
	int rc;

	if (n < 0 || (size_t)n > cap) {
		snprintf(err, errlen, "%s: cannot read the policy", file);
		free(text);
		return -1;
	}
	rc = policy_load_env(file, text, (size_t)n, env, p, err, errlen);
	free(text);
	return rc;
}

static int pre_tool_use(void)
{
	static struct policy p;
	struct policy_env env;
	struct se_verdict v;
	const char *file = getenv("PROCTOR_POLICY"), *ws = getenv("PROCTOR_WORKSPACE");
	char id[64], err[1024], why[256];
	const char *ev;
	json_error_t jerr;
	json_t *in;
	int rc;

	if (own_session(id, sizeof(id))) {
		fprintf(stderr, "proctor hook: not inside a proctor session: no decision\n");
		return 0;
	}
	if (!file || !*file) {
		fprintf(stderr, "proctor hook: session %s has no policy: no decision\n", id);
		return 0;
	}
	policy_default_env(&env);
	if (ws && *ws)
		snprintf(env.workspace, sizeof(env.workspace), "%s", ws);
	rc = load_policy(file, &env, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "proctor hook: %s\n", err);
		decide("deny",
		       "proctor: the session's policy cannot be read; denied (fail closed)");
		return 0;
	}
	if (!(in = json_loadf(stdin, 0, &jerr)) || !json_is_object(in)) {
		fprintf(stderr, "proctor hook: malformed hook input: %s\n",
			in ? "not an object" : jerr.text);
		if (enforces_any(&p))
			decide("deny", "proctor: malformed hook input; the policy is enforced, so "
				       "this tool call is denied (fail closed)");
		json_decref(in);
		return 0;
	}
	ev = json_string_value(json_object_get(in, "hook_event_name"));
	if (ev && strcmp(ev, "PreToolUse")) {
		json_decref(in); /* only PreToolUse decides */
		return 0;
	}
	if (judge(&p, in, &v, why, sizeof(why))) {
		fprintf(stderr, "proctor hook: cannot judge this tool call: %s\n", why);
		if (enforces_any(&p))
			decide("deny", "proctor: this tool call cannot be checked against the "
				       "policy; denied (fail closed)");
	} else if (v.rule >= 0) {
		deny(&p, &v);
	}
	json_decref(in);
	return 0;
}

int cmd_hook(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "claude-code"))
		return pre_tool_use();
	fputs(usage, stderr);
	return EXIT_USAGE;
}
