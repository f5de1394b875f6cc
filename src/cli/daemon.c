/* daemon.c: `proctor daemon`: option parsing; the daemon itself is
 * src/daemon/. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/metrics.h"
#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/proto.h"
#include "serve/serve.h"
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
	"  --api ADDR           serve the HTTP API and web UI (/api/v1, docs/API.md) from\n"
	"                       the store, live sessions included; off loopback with\n"
	"                       --api-tls-cert PEM --api-tls-key PEM\n"
	"  --ringbuf-mb N       ring buffer size in MiB, a power of two (64)\n"
	"  --pin-dir DIR        bpffs directory of the pinned programs and maps\n"
	"                       (/sys/fs/bpf/proctor); a restart re-opens them\n"
	"  --on-daemon-loss M   if the daemon dies (even kill -9): continue (default):\n"
	"                       sessions run on, recorded into the pinned ring; freeze:\n"
	"                       every session (containers too) is frozen until a daemon\n"
	"                       takes it back; kill: every session is killed\n"
	"  --healthz-spool-mb N /healthz is 503 when a sink's spool holds more (256)\n"
	"  --stop-sessions      on SIGTERM, end every session and remove the pins\n"
	"                       (default: live sessions keep running, recorded)\n";

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
		{"pin-dir", required_argument, 0, 'P'},
		{"stop-sessions", no_argument, 0, 'S'},
		{"on-daemon-loss", required_argument, 0, 'L'},
		{"healthz-spool-mb", required_argument, 0, 'H'},
		{"api", required_argument, 0, 'A'},
		{"api-tls-cert", required_argument, 0, 'C'},
		{"api-tls-key", required_argument, 0, 'K'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	static const char *exports[MAX_EXPORTS];
	static struct daemon_config cfg;
	struct daemon_opts o = {.socket_path = NULL, .cfg = &cfg, .on_loss = LOSS_CONTINUE};
	static struct serve_opts api = {.what = "--api",
					.tls_options = "--api-tls-cert and --api-tls-key"};
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
		case 'P': o.pin_dir = optarg; break;
		case 'S': o.stop_sessions = true; break;
		case 'A': api.listen = optarg; break;
		case 'C': api.tls_cert = optarg; break;
		case 'K': api.tls_key = optarg; break;
		case 'H': {
			char *end;
			unsigned long long mb = strtoull(optarg, &end, 10);
			if (!*optarg || *end || *optarg == '-' || mb > (1ull << 20)) {
				err_msg("--healthz-spool-mb: '%s' is not a number of MiB from 0 "
					"to 1048576",
					optarg);
				return EXIT_USAGE;
			}
			metrics_set_spool_limit(mb << 20);
			break;
		}
		case 'L':
			if (recorder_loss_parse(optarg, &o.on_loss)) {
				err_msg("--on-daemon-loss: '%s' is not freeze, kill or continue",
					optarg);
				return EXIT_USAGE;
			}
			break;
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
	if (api.listen || api.tls_cert || api.tls_key) {
		api.db = o.sinks.store;
		if (!api.listen || !api.db) {
			err_msg(!api.db ? "--api serves the store: it needs one (not --db none)"
					: "--api-tls-cert and --api-tls-key need --api ADDR");
			return EXIT_USAGE;
		}
		if (serve_check_opts(&api, err, sizeof(err))) {
			err_msg("%s", err);
			return EXIT_USAGE;
		}
		o.api = &api;
	}
	o.sinks.exports = exports;
	return daemon_main(&o);
}
