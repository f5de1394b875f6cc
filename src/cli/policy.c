/* policy.c: `proctor policy check FILE [--agent PROGRAM]`: validate a policy
 * file and print, per rule, the mechanism that will enforce it on this host
 * (probed now), whether this build enforces it yet, which rules can only be
 * notify here and why, conflicts and rules that would block proctor or the
 * agent. Exit 0 for a valid file, 2 for an invalid one or bad arguments. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "policy/check.h"
#include "policy/mechanisms.h"
#include "policy/policy.h"
#include "util/util.h"

static const char usage[] =
	"usage: proctor policy check FILE [--agent PROGRAM]\n"
	"  validate FILE and show, per rule, the mechanism that will enforce it on this host;\n"
	"  --agent PROGRAM: also warn if a rule would block the agent's own binary\n";

struct counts {
	int rules, enforced, pending, notify_only;
};

static void print_plan(struct counts *n, int line, const char *name, const struct rule_plan *pl,
		       int mode)
{
	printf("  line %d: %s: %s%s%s: %s%s%s\n", line, name,
	       pl->notify_only ? "notify only: " : "", pl->notify_only ? pl->why : pl->mechanism,
	       mode == PR_MODE_AUDIT ? " (audit)" : "",
	       pl->enforced ? "enforced" : "not enforced by this build yet",
	       !pl->notify_only && pl->why[0] ? "; notify only for: " : "",
	       !pl->notify_only ? pl->why : "");
	n->rules++;
	n->enforced += pl->enforced;
	n->pending += !pl->enforced;
	n->notify_only += pl->notify_only;
}

static void print_host(const struct host_mechanisms *h)
{
	int i;

	printf("host mechanisms:\n");
	for (i = 0; i < MECH_COUNT; i++)
		printf("  %-17s %-4s %s\n", mechanism_name(i), h->m[i].present ? "yes" : "no",
		       h->m[i].detail);
}

static void print_rules(const struct policy *p, const struct host_mechanisms *h, struct counts *n)
{
	const struct egress_policy *e = &p->egress;
	struct rule_plan pl;
	char name[POLICY_RULE_NAME + 16];
	int i;

	printf("rules:\n");
	mechanisms_plan_egress(h, &pl);
	if (e->present) {
		snprintf(name, sizeof(name), "egress %s", policy_rule_name(e, PR_RULE_DEFAULT));
		print_plan(n, e->line, name, &pl, e->mode);
	}
	for (i = 0; e->present && i < e->nrules; i++) {
		snprintf(name, sizeof(name), "egress %s", e->rules[i].name);
		print_plan(n, e->rules[i].line, name, &pl, e->mode);
	}
	for (i = 0; i < p->nlabels; i++) {
		mechanisms_plan_label(h, &pl);
		snprintf(name, sizeof(name), "label %s", p->labels[i].name);
		print_plan(n, p->labels[i].line, name, &pl, PR_MODE_ENFORCE);
	}
	for (i = 0; i < p->nrules; i++) {
		mechanisms_plan_rule(h, p, &p->rules[i], &pl);
		print_plan(n, p->rules[i].line, p->rules[i].name, &pl, p->rules[i].mode);
	}
}

static void on_note(void *ctx, int line, int col, const char *kind, const char *msg)
{
	printf("%s:%d:%d: %s: %s\n", (const char *)ctx, line, col, kind, msg);
}

/* PROGRAM as the kernel would resolve it: a path, or found in $PATH. */
static char *resolve_program(const char *prog)
{
	char buf[PATH_MAX], *path, *dir, *save;

	if (strchr(prog, '/'))
		return realpath(prog, NULL);
	if (!(path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin")))
		return NULL;
	for (dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, prog);
		if (!access(buf, X_OK)) {
			free(path);
			return realpath(buf, NULL);
		}
	}
	free(path);
	return NULL;
}

static void print_refusal(const struct policy *p)
{
	char buf[64];
	const char *names = policy_unenforced_sections(p, buf, sizeof(buf));

	if (names)
		printf("proctor run --policy refuses this file: this build does not enforce %s "
		       "yet\n",
		       names);
}

static int check(const char *file, const char *agent)
{
	static struct policy p;
	struct host_mechanisms h;
	struct policy_target targets[2] = {{"proctor's own binary", NULL}, {"the agent", NULL}};
	struct counts n = {0};
	char err[1024], *self = realpath("/proc/self/exe", NULL), *agent_path = NULL;

	if (agent && !(agent_path = resolve_program(agent))) {
		err_msg("--agent %s: not found", agent);
		free(self);
		return EXIT_USAGE;
	}
	if (policy_load_file(file, &p, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(self);
		free(agent_path);
		return EXIT_USAGE;
	}
	targets[0].path = self;
	targets[1].path = agent_path;
	mechanisms_probe(&h);
	printf("%s: valid\n", file);
	print_host(&h);
	print_rules(&p, &h, &n);
	policy_check(&p, targets, 2, on_note, (void *)file);
	printf("%d rules: %d enforced, %d not enforced by this build yet, %d notify only on this "
	       "host\n",
	       n.rules, n.enforced, n.pending, n.notify_only);
	print_refusal(&p);
	free(self);
	free(agent_path);
	return 0;
}

int cmd_policy(int argc, char **argv)
{
	const char *file = NULL, *agent = NULL;
	int i;

	if (argc < 2 || strcmp(argv[1], "check")) {
		fputs(usage, argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr);
		return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--agent") && i + 1 < argc)
			agent = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return fputs(usage, stdout), 0;
		else if (argv[i][0] == '-' || file)
			return fprintf(stderr, "proctor: policy check: unexpected '%s'\n%s",
				       argv[i], usage),
			       EXIT_USAGE;
		else
			file = argv[i];
	}
	if (!file)
		return fputs(usage, stderr), EXIT_USAGE;
	return check(file, agent);
}
