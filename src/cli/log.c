/* log.c: `proctor log [SESSION] [--type T] [--pid P] [--path GLOB] [--host H] [--escape]
 *  [--json]`:
 * a session's events in order, as JSON lines (the contract) or one readable
 * line each. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/util.h"

static const char log_usage[] = "usage: proctor log [SESSION] [--type PREFIX] [--pid PID] [--path "
				"GLOB] [--host NAME] [--escape] [--json] [--db PATH]";
static int print_json(void *ctx, const char *json, const char *summary)
{
	(void)ctx, (void)summary;
	puts(json);
	return 0;
}

/* Text: time, pid, comm, type, summary, pulled from the JSON by key. */
static void json_value(const char *json, const char *key, char *out, size_t len)
{
	char pat[96];
	const char *p, *e;
	size_t n;

	out[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!(p = strstr(json, pat)))
		return;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		for (e = p; *e && *e != '"'; e++)
			if (*e == '\\' && e[1])
				e++;
	} else {
		for (e = p; *e && *e != ',' && *e != '}'; e++)
			;
	}
	n = (size_t)(e - p) < len - 1 ? (size_t)(e - p) : len - 1;
	memcpy(out, p, n);
	out[n] = 0;
}

static int print_text(void *ctx, const char *json, const char *summary)
{
	char time[40], type[40], pid[16], comm[40];
	struct strbuf *sb = ctx, v = STRBUF_INIT;

	json_value(json, "time", time, sizeof(time));
	json_value(json, "type", type, sizeof(type));
	json_value(json, "process.pid", pid, sizeof(pid));
	json_value(json, "process.name", comm, sizeof(comm));
	/* HH:MM:SS.mmm */
	/* Every value is shown visibly escaped: a hostile name cannot start a
	 * line or reach the terminal as a control sequence. */
	sb_reset(sb);
	sb_printf(sb, "%.12s ", time[0] ? time + 11 : "");
	sb_printf(sb, "%7s ", sb_visible(&v, pid));
	sb_printf(sb, "%-15s ", sb_visible(&v, comm));
	sb_printf(sb, "%-18s ", sb_visible(&v, type));
	sb_puts(sb, sb_visible(&v, summary));
	sb_putc(sb, '\n');
	fputs(sb_cstr(sb), stdout);
	sb_free(&v);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},
		{"db", required_argument, 0, 'd'},
		{"type", required_argument, 0, 't'},
		{"pid", required_argument, 0, 'p'},
		{"path", required_argument, 0, 'P'},
		{"help", no_argument, 0, 'h'},
		{"escape", no_argument, 0, 'e'},
		{"host", required_argument, 0, 'H'},
		{0},
	};
	struct store_event_filter f = {0};
	struct strbuf line = STRBUF_INIT;
	const char *db = NULL;
	bool json = false;
	struct store st;
	char id[64];
	int c, pid, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'd': db = optarg; break;
		case 't': f.type_prefix = optarg; break;
		case 'P': f.path_glob = optarg; break;
		case 'e': f.type_prefix = "security.escape"; break; /* escape attempts only */
		case 'H': f.host = optarg; break;
		case 'p':
			if (parse_int(optarg, &pid) || pid <= 0) {
				err_msg("log: --pid '%s' is not a process id", optarg);
				return EXIT_USAGE;
			}
			f.pid = pid;
			break;
		case 'h':
			puts("usage: proctor log [SESSION] [--type PREFIX] [--pid PID] [--path "
			     "GLOB]"
			     " [--host NAME] [--escape] [--json] [--db PATH]");
			return 0;
		case ':':
			err_msg("%s: option '%s' needs a value\n%s", argv[0], argv[optind - 1],
				log_usage);
			return EXIT_USAGE;
		default:
			err_msg("log: unknown option '%s'\n%s", argv[optind - 1], log_usage);
			return EXIT_USAGE;
		}
	}
	if ((rc = cli_open_session(argc, argv, db, &st, id, sizeof(id))))
		return rc;
	f.session = id;
	rc = store_foreach_event(&st, &f, json ? print_json : print_text, &line);
	sb_free(&line);
	if (rc)
		err_msg("reading events: %s", store_errmsg(&st));
	store_close(&st);
	return rc ? 1 : 0;
}
