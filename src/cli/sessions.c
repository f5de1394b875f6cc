/* sessions.c: `proctor sessions [--json]`: one line (or JSON object) per
 * recorded session. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/session_json.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/util.h"

static const char sessions_usage[] = "usage: proctor sessions [--json] [--db PATH]";
static int print_json(void *ctx, const struct store_session_row *r)
{
	struct strbuf *sb = ctx;

	sb_reset(sb);
	session_row_json(sb, r, 0);
	sb_putc(sb, '\n');
	fputs(sb_cstr(sb), stdout);
	return 0;
}

static int print_text(void *ctx, const struct store_session_row *r)
{
	char start[40], dur[32] = "running", code[16] = "-";

	(void)ctx;
	fmt_rfc3339((uint64_t)r->start_ns, start, sizeof(start));
	start[19] = 0; /* seconds are enough here */
	if (r->end_ns) {
		fmt_duration((uint64_t)(r->end_ns - r->start_ns), dur, sizeof(dur));
		snprintf(code, sizeof(code), "%" PRId64, r->exit_code);
	}
	struct strbuf id = STRBUF_INIT, agent = STRBUF_INIT, project = STRBUF_INIT,
		      cmd = STRBUF_INIT, where = STRBUF_INIT;

	printf("%-22s %-19s %8s %4s %5" PRId64 " %7" PRId64 " %5" PRId64
	       "  %-10s %-10s %-6s %-16s %s\n",
	       sb_visible(&id, r->id), start, dur, code, r->processes, r->events, r->drops,
	       *r->agent ? sb_visible(&agent, r->agent) : "-",
	       *r->project ? sb_visible(&project, r->project) : "-", r->origin,
	       *r->pod ? sb_visible(&where, r->pod)
		       : (*r->container ? sb_visible(&where, r->container) : "-"),
	       sb_visible(&cmd, r->command_json));
	sb_free(&where);
	sb_free(&id);
	sb_free(&agent);
	sb_free(&project);
	sb_free(&cmd);
	return 0;
}

int cmd_sessions(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},
		{"db", required_argument, 0, 'd'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	const char *db = NULL;
	bool json = false;
	struct store st;
	struct strbuf sb = STRBUF_INIT;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'd': db = optarg; break;
		case 'h': puts("usage: proctor sessions [--json] [--db PATH]"); return 0;
		case ':':
			err_msg("%s: option '%s' needs a value\n%s", argv[0], argv[optind - 1],
				sessions_usage);
			return EXIT_USAGE;
		default:
			err_msg("sessions: unknown option '%s'\n%s", argv[optind - 1],
				sessions_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		err_msg("sessions: unexpected argument '%s'", argv[optind]);
		return EXIT_USAGE;
	}
	if (cli_open_store(&st, db))
		return EXIT_SETUP;
	if (!json)
		printf("%-22s %-19s %8s %4s %5s %7s %5s  %-10s %-10s %-6s %-16s %s\n", "SESSION",
		       "START", "DURATION", "EXIT", "PROCS", "EVENTS", "DROPS", "AGENT", "PROJECT",
		       "ORIGIN", "CONTAINER/POD", "COMMAND");
	rc = store_foreach_session(&st, json ? print_json : print_text, &sb);
	store_close(&st);
	sb_free(&sb);
	return rc ? 1 : 0;
}
