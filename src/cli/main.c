/* main.c: `proctor` entry point: global flags and subcommand dispatch. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/util.h"

static const char usage[] =
	"usage: proctor [-v] COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  run [OPTIONS] -- CMD [ARGS...]   run CMD under the recorder\n"
	"  watch --pid PID | --cgroup PATH  adopt a running process tree or cgroup\n"
	"  sessions [--json]               list recorded sessions\n"
	"  tree [SESSION]                  process tree of a session (default: latest)\n"
	"  log [SESSION] [--type T] [--pid P] [--path GLOB] [--host H] [--escape] [--json]\n"
	"                                  events of a session\n"
	"  bypass SESSION DURATION         let a running session's egress through\n"
	"  policy check FILE               validate a policy; the mechanism of each rule here\n"
	"  hook claude-code|codex          the agent's hook: PreToolUse denies by the policy,\n"
	"                                  PostToolUse reports the kernel's violations\n"
	"  hook install|uninstall claude-code [--managed] | codex   the agent's hook settings\n"
	"  mcp                             MCP server (stdio): violations, the policy explained\n"
	"  daemon [OPTIONS]                one engine for the host; `run` registers with it\n"
	"  status [--json]                 the daemon's health and live sessions\n"
	"  oci-hook [--socket PATH]        the container runtime's hook: labelled containers\n"
	"  verify [SESSION|--all]          check the store's hash chains and signed checkpoints\n"
	"  serve [--listen HOST:PORT]      the HTTP API (docs/API.md)\n"
	"  token create|list|revoke        the API's bearer tokens\n"
	"  report [SESSION] [--format html|md]  a self-contained incident report\n"
	"  version                         print the version\n"
	"\n"
	"Every command takes --db PATH (default $PROCTOR_DB or /var/lib/proctor/proctor.db).\n"
	"See `proctor COMMAND --help` and docs/CLI.md.\n";

int main(int argc, char **argv)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			verbose++;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("proctor %s\n", PROCTOR_VERSION);
			return 0;
		} else {
			fprintf(stderr, "proctor: unknown option '%s'\n%s", argv[i], usage);
			return EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	argc -= i;
	argv += i;
	if (!strcmp(argv[0], "run"))
		return cmd_run(argc, argv);
	if (!strcmp(argv[0], "watch"))
		return cmd_watch(argc, argv);
	if (!strcmp(argv[0], "sessions"))
		return cmd_sessions(argc, argv);
	if (!strcmp(argv[0], "tree"))
		return cmd_tree(argc, argv);
	if (!strcmp(argv[0], "log"))
		return cmd_log(argc, argv);
	if (!strcmp(argv[0], "bypass"))
		return cmd_bypass(argc, argv);
	if (!strcmp(argv[0], "policy"))
		return cmd_policy(argc, argv);
	if (!strcmp(argv[0], "hook"))
		return cmd_hook(argc, argv);
	if (!strcmp(argv[0], "mcp"))
		return cmd_mcp(argc, argv);
	if (!strcmp(argv[0], "daemon"))
		return cmd_daemon(argc, argv);
	if (!strcmp(argv[0], "status"))
		return cmd_status(argc, argv);
	if (!strcmp(argv[0], "oci-hook"))
		return cmd_oci_hook(argc, argv);
	if (!strcmp(argv[0], "verify"))
		return cmd_verify(argc, argv);
	if (!strcmp(argv[0], "serve"))
		return cmd_serve(argc, argv);
	if (!strcmp(argv[0], "report"))
		return cmd_report(argc, argv);
	if (!strcmp(argv[0], "token"))
		return cmd_token(argc, argv);
	if (!strcmp(argv[0], "version")) {
		printf("proctor %s\n", PROCTOR_VERSION);
		return 0;
	}
	if (!strcmp(argv[0], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "proctor: unknown command '%s'\n%s", argv[0], usage);
	return EXIT_USAGE;
}
