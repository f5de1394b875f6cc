/* hook.c: `proctor hook claude-code`, a Claude Code command hook, and
 * `proctor hook codex` (Codex speaks the same protocol; its apply_patch
 * edits are judged as writes of the files they name).
 * PreToolUse: the tool input on stdin is judged by the session's policy
 * before the tool runs (policy/static_eval.h); a denial is answered with
 * hookSpecificOutput.permissionDecision "deny" and the rule's reason, so the
 * agent learns why instead of retrying. PostToolUse (PostToolUseFailure for
 * a failed tool): the violations the kernel recorded during the tool call
 * go back as additionalContext. The session is found from the hook's own
 * cgroup; its policy and violations from the session's feedback feed
 * (cli/hook_feed.h). Outside a session: a
 * message, exit 0, no decision. Malformed input: denied when the policy
 * enforces anything (fail closed), else no decision. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/hook_feed.h"
#include "policy/policy.h"
#include "policy/static_eval.h"
#include "util/strbuf.h"
#include "util/util.h"

/* How long PostToolUse waits for the recorder to catch up with it. */
#define HOOK_WAIT_MS 3000

static const char usage[] =
	"usage: proctor hook claude-code|codex           (the hook: reads its JSON on stdin)\n"
	"       proctor hook install claude-code [--managed]\n"
	"       proctor hook install codex\n"
	"       proctor hook uninstall claude-code [--managed] | codex\n";

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
	if (!strcmp(tool, "apply_patch")) { /* Codex: the patch body in command */
		if (!(s = json_string_value(json_object_get(ti, "command")))) {
			snprintf(why, whylen, "apply_patch without a command");
			return -1;
		}
		return se_eval_patch(p, s, strlen(s), cwd, v, why, whylen);
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
		snprintf(err, errlen, "%.900s: cannot read the policy", file);
		free(text);
		return -1;
	}
	rc = policy_load_env(file, text, (size_t)n, env, p, err, errlen);
	free(text);
	return rc;
}

/* PostToolUse: wait until the recorder has this hook's own exec (so every
 * violation before it is in the feed), then report the tool call's. */
static void post_tool_use(const char *id, const char *event)
{
	struct feed f;
	char err[512], line[6000];
	int rc = feed_wait_hook(id, getpid(), HOOK_WAIT_MS, &f, err, sizeof(err));
	json_t *vs, *v, *o;
	struct strbuf sb = {0};
	size_t i;
	char *s;

	if (rc < 0) {
		if (rc == -ENOENT)
			fprintf(stderr, "proctor hook: session %s has no policy: no decision\n",
				id);
		else
			fprintf(stderr, "proctor hook: %s\n", err);
		return;
	}
	if (rc == 1)
		fprintf(stderr,
			"proctor hook: the recorder did not catch up within %d ms; "
			"violations of this tool call may be missing\n",
			HOOK_WAIT_MS);
	vs = feed_violations(&f, getpid());
	if (json_array_size(vs)) {
		sb_printf(&sb, "proctor: %zu policy violation%s during this tool call:",
			  json_array_size(vs), json_array_size(vs) == 1 ? "" : "s");
		json_array_foreach(vs, i, v)
		{
			feed_describe(v, line, sizeof(line));
			sb_printf(&sb, "\n- %s", line);
		}
		o = json_pack("{s:{s:s,s:s}}", "hookSpecificOutput", "hookEventName", event,
			      "additionalContext", sb_cstr(&sb));
		s = json_dumps(o, JSON_COMPACT);
		printf("%s\n", s ? s : "");
		free(s);
		json_decref(o);
	}
	sb_free(&sb);
	json_decref(vs);
	feed_free(&f);
}

/* The policy file: the one the feed names (written by proctor), else
 * $PROCTOR_POLICY (a session whose feed could not be made). */
static const char *policy_file(const char *id, char *ws, size_t wslen, char *buf, size_t len)
{
	struct feed f;
	char err[512];
	const char *env = getenv("PROCTOR_POLICY"), *wenv = getenv("PROCTOR_WORKSPACE");

	if (!feed_read(id, &f, err, sizeof(err)) && f.policy[0]) {
		snprintf(buf, len, "%s", f.policy);
		snprintf(ws, wslen, "%s", f.workspace);
		feed_free(&f);
		return buf;
	}
	snprintf(ws, wslen, "%s", wenv ? wenv : "");
	return env && *env ? env : NULL;
}

static int run_hook(void)
{
	static struct policy p;
	struct policy_env env;
	struct se_verdict v;
	char id[64], err[1024], why[256], file_buf[4096], ws[1024];
	const char *ev, *file;
	json_error_t jerr;
	json_t *in;
	int rc;

	if (feed_own_session(id, sizeof(id))) {
		fprintf(stderr, "proctor hook: not inside a proctor session: no decision\n");
		return 0;
	}
	in = json_loadf(stdin, 0, &jerr);
	ev = json_string_value(json_object_get(in, "hook_event_name"));
	if (ev && (!strcmp(ev, "PostToolUse") || !strcmp(ev, "PostToolUseFailure"))) {
		post_tool_use(id, ev);
		json_decref(in);
		return 0;
	}
	if (!(file = policy_file(id, ws, sizeof(ws), file_buf, sizeof(file_buf)))) {
		fprintf(stderr, "proctor hook: session %s has no policy: no decision\n", id);
		json_decref(in);
		return 0;
	}
	policy_default_env(&env);
	if (*ws)
		snprintf(env.workspace, sizeof(env.workspace), "%s", ws);
	rc = load_policy(file, &env, &p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "proctor hook: %s\n", err);
		decide("deny",
		       "proctor: the session's policy cannot be read; denied (fail closed)");
		json_decref(in);
		return 0;
	}
	if (!json_is_object(in)) {
		fprintf(stderr, "proctor hook: malformed hook input: %s\n",
			in ? "not an object" : jerr.text);
		if (enforces_any(&p))
			decide("deny", "proctor: malformed hook input; the policy is enforced, so "
				       "this tool call is denied (fail closed)");
		json_decref(in);
		return 0;
	}
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
	if (argc == 2 && (!strcmp(argv[1], "claude-code") || !strcmp(argv[1], "codex")))
		return run_hook(); /* Codex speaks Claude Code's hook protocol */
	if (argc == 2 && !strcmp(argv[1], "barrier"))
		return 0; /* its exec marks a point in the feed (cli/hook_feed.h) */
	if (argc >= 2 && (!strcmp(argv[1], "install") || !strcmp(argv[1], "uninstall")))
		return hook_install(argc - 1, argv + 1, !strcmp(argv[1], "install"));
	fputs(usage, stderr);
	return EXIT_USAGE;
}
