/* daemon.c: `proctor daemon`: option parsing; the daemon itself is
 * src/daemon/. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/proto.h"
#include "store/store.h"
#include "util/util.h"

#define MAX_EXPORTS 16

static const char daemon_usage[] =
	"usage: proctor daemon [OPTIONS]\n"
	"  one recording engine for the host, in the foreground; `proctor run` registers\n"
	"  its sessions with it (docs/DAEMON.md)\n"
	"  --socket PATH        control socket (default $PROCTOR_SOCKET or " PROTO_DEFAULT_SOCKET
	")\n"
	"  --socket-group GROUP let members of GROUP use the socket (default: root only)\n"
	"  --db PATH|none       SQLite store (default $PROCTOR_DB or /var/lib/proctor/proctor.db)\n"
	"  --jsonl PATH|-       also write JSON lines\n"
	"  --export URL         also export to URL (repeatable)\n"
	"  --config FILE        daemon configuration: options, auto-adoption rules (default\n"
	"                       " DAEMON_CONFIG_DEFAULT " when present)\n"
	"  --pipeline FILE      pipeline configuration (sinks, filters, redaction)\n"
	"  --metrics ADDR       serve /metrics and /healthz on ADDR\n"
	"  --ringbuf-mb N       ring buffer size in MiB, a power of two (64)\n";

/* Options the command line left unset, from the config file. */
static void apply_config(struct daemon_opts *o, const struct daemon_config *c, const char **db)
{
	if (!o->socket_path && *c->socket)
		o->socket_path = c->socket;
	if (!o->socket_group && *c->socket_group)
		o->socket_group = c->socket_group;
	if (!*db && *c->db)
		*db = c->db;
	if (!o->config && *c->pipeline)
		o->config = c->pipeline;
	if (!o->metrics && *c->metrics)
		o->metrics = c->metrics;
	if (!o->ringbuf_bytes && c->ringbuf_mb)
		o->ringbuf_bytes = c->ringbuf_mb << 20;
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, 0, 's'},
		{"socket-group", required_argument, 0, 'G'},
		{"db", required_argument, 0, 'd'},
		{"jsonl", required_argument, 0, 'j'},
		{"export", required_argument, 0, 'e'},
		{"config", required_argument, 0, 'c'},
		{"metrics", required_argument, 0, 'm'},
		{"ringbuf-mb", required_argument, 0, 'r'},
		{"pipeline", required_argument, 0, 'p'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	static const char *exports[MAX_EXPORTS];
	static struct daemon_config cfg;
	struct daemon_opts o = {.socket_path = NULL, .cfg = &cfg};
	const char *db = NULL, *config = NULL;
	char err[4800];
	uint64_t mb;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o.socket_path = optarg; break;
		case 'G': o.socket_group = optarg; break;
		case 'd': db = optarg; break;
		case 'j': o.sinks.jsonl = optarg; break;
		case 'c': config = optarg; break;
		case 'p': o.config = optarg; break;
		case 'm': o.metrics = optarg; break;
		case 'e':
			if (o.sinks.nexports >= MAX_EXPORTS) {
				err_msg("too many --export (max %d)", MAX_EXPORTS);
				return EXIT_USAGE;
			}
			exports[o.sinks.nexports++] = optarg;
			break;
		case 'r':
			if (parse_u64(optarg, &mb) || !mb || mb > 1024 || (mb & (mb - 1))) {
				err_msg("--ringbuf-mb: '%s' is not a power of two from 1 to 1024",
					optarg);
				return EXIT_USAGE;
			}
			o.ringbuf_bytes = (uint32_t)(mb << 20);
			break;
		case 'h': fputs(daemon_usage, stdout); return 0;
		case ':':
			err_msg("option '%s' needs a value\n%s", argv[optind - 1], daemon_usage);
			return EXIT_USAGE;
		default:
			err_msg("unknown option '%s'\n%s", argv[optind - 1], daemon_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		err_msg("unexpected argument '%s'\n%s", argv[optind], daemon_usage);
		return EXIT_USAGE;
	}
	/* the file first, whole; the command line overrides it */
	daemon_config_defaults(&cfg);
	if (!config && !access(DAEMON_CONFIG_DEFAULT, F_OK))
		config = DAEMON_CONFIG_DEFAULT;
	if (config && daemon_config_load(&cfg, config, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_USAGE;
	}
	apply_config(&o, &cfg, &db);
	if (!o.socket_path)
		o.socket_path = proto_socket_path();
	if (geteuid() != 0) {
		err_msg("proctor daemon needs root to load its BPF programs");
		return EXIT_SETUP;
	}
	if (!db)
		db = store_default_path();
	o.sinks.store = strcmp(db, "none") ? db : NULL;
	o.sinks.exports = exports;
	return daemon_main(&o);
}
