/* run_opts.c: the options of `proctor run` (usage text, parsing, the
 * checks that need no engine). */
#include "cli/run_opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "otlp/receiver.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/util.h"

static const char run_usage[] =
	"usage: proctor run [OPTIONS] -- CMD [ARGS...]\n"
	"  --agent NAME       attribution label (e.g. claude)\n"
	"  --project NAME     attribution label (e.g. shop)\n"
	"  --user USER        run CMD as USER (default: $SUDO_USER when set)\n"
	"  --db PATH|none     SQLite store (default $PROCTOR_DB or /var/lib/proctor/proctor.db);\n"
	"                     none: no store, only the --jsonl/--export/--config sinks\n"
	"  --jsonl PATH|-     also write JSON lines to PATH or stdout\n"
	"  --export URL       also export to URL (repeatable; see docs/SINKS.md)\n"
	"  --config FILE      pipeline configuration (sinks, filters, redaction)\n"
	"  --redact-rules FILE  also redact with the rules of a gitleaks TOML file\n"
	"  --metrics ADDR     serve Prometheus /metrics and /healthz on ADDR\n"
	"  --grace DURATION   record leftovers this long after CMD exits, then kill (5s)\n"
	"  --ringbuf-mb N     ring buffer size in MiB, a power of two (64)\n"
	"  --policy FILE      enforce the policy in FILE (see docs/POLICY.md)\n"
	"  --egress MODE      audit: evaluate the egress policy but let everything\n"
	"                     through (recorded BYPASSED); enforce (the default)\n"
	"  --flow-idle DUR    UDP flows end after this much silence (5s)\n"
	"  --on-recorder-loss freeze|kill|continue\n"
	"                     if this recorder dies (even kill -9), freeze (the default)\n"
	"                     or kill the session, or let it run unrecorded\n"
	"  --fail-closed      never lose an event: freeze CMD while the ring buffer is a\n"
	"                     quarter full, until the recorder has caught up\n"
	"  --capture-content  record model prompts and response text on llm.call\n"
	"                     (redacted; off by default; auth headers never)\n"
	"  --otlp-receiver ADDR  receive the agent's own OTLP telemetry (logs, metrics) on\n"
	"                     the loopback HOST:PORT (port 0: any free one), as agent.telemetry\n"
	"  --otlp-agent-env   point CMD's OTEL_* environment at the receiver\n"
	"  --standalone       record in this process even when a daemon runs\n"
	"  --daemon           record through `proctor daemon` ($PROCTOR_SOCKET); fail without it\n"
	"By default a run registers with the daemon when its socket answers and no option\n"
	"that configures an in-process engine is given (--db, --jsonl, --export, --config,\n"
	"--redact-rules, --metrics, --ringbuf-mb, --on-recorder-loss, --capture-content).\n";

/* --db none (or $PROCTOR_DB=none): no SQLite store. */
bool run_opts_no_store(const struct run_opts *o)
{
	return !strcmp(o->db ? o->db : store_default_path(), "none");
}

int run_opts_parse(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		{"agent", required_argument, 0, 'a'},
		{"project", required_argument, 0, 'p'},
		{"user", required_argument, 0, 'u'},
		{"db", required_argument, 0, 'd'},
		{"jsonl", required_argument, 0, 'j'},
		{"export", required_argument, 0, 'e'},
		{"config", required_argument, 0, 'c'},
		{"redact-rules", required_argument, 0, 'R'},
		{"metrics", required_argument, 0, 'm'},
		{"grace", required_argument, 0, 'g'},
		{"ringbuf-mb", required_argument, 0, 'r'},
		{"policy", required_argument, 0, 'P'},
		{"egress", required_argument, 0, 'E'},
		{"flow-idle", required_argument, 0, 'I'},
		{"on-recorder-loss", required_argument, 0, 'L'},
		{"fail-closed", no_argument, 0, 'F'},
		{"capture-content", no_argument, 0, 'C'},
		{"otlp-receiver", required_argument, 0, 'O'},
		{"otlp-agent-env", no_argument, 0, 'T'},
		{"standalone", no_argument, 0, 'S'},
		{"daemon", no_argument, 0, 'D'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	int c, i, rc, family;
	uint64_t mb;
	char host[64];

	memset(o, 0, sizeof(*o));
	o->grace_ns = 5000000000ull;
	o->egress_mode = -1;
	o->flow_idle_ns = 5000000000ull;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o->agent = optarg; break;
		case 'p': o->project = optarg; break;
		case 'u': o->user = optarg; break;
		case 'd': o->db = optarg; break;
		case 'j': o->jsonl = optarg; break;
		case 'c': o->config = optarg; break;
		case 'R': o->redact_rules = optarg; break;
		case 'm':
			/* HOST:PORT, [V6]:PORT, :PORT or PORT; the host is resolved later */
			if ((rc = parse_port(strrchr(optarg, ':') ? strrchr(optarg, ':') + 1
								  : optarg,
					     &(uint16_t){0}))) {
				err_msg("--metrics: '%s' %s", optarg,
					rc == -ERANGE ? "has a port out of range (1-65535)"
						      : "is not HOST:PORT");
				return -1;
			}
			o->metrics = optarg;
			break;
		case 'e':
			if (o->nexports >= MAX_EXPORTS) {
				err_msg("too many --export (max %d)", MAX_EXPORTS);
				return -1;
			}
			o->exports[o->nexports++] = optarg;
			break;
		case 'g':
			if ((rc = parse_duration_ns(optarg, &o->grace_ns))) {
				err_msg("--grace: '%s' %s", optarg,
					rc == -ERANGE ? "is out of range"
						      : "is not a duration (e.g. 5s, 500ms)");
				return -1;
			}
			break;
		case 'r':
			if (parse_u64(optarg, &mb) || !mb || mb > 1024 || (mb & (mb - 1))) {
				err_msg("--ringbuf-mb: '%s' is not a power of two from 1 to 1024",
					optarg);
				return -1;
			}
			o->ringbuf_bytes = (uint32_t)(mb << 20);
			break;
		case 'P': o->policy = optarg; break;
		case 'L':
			if (recorder_loss_parse(optarg, &o->on_loss)) {
				err_msg("--on-recorder-loss: '%s' is not freeze, kill or continue",
					optarg);
				return -1;
			}
			break;
		case 'E':
			if (!strcmp(optarg, "audit"))
				o->egress_mode = PR_MODE_AUDIT;
			else if (!strcmp(optarg, "enforce"))
				o->egress_mode = PR_MODE_ENFORCE;
			else {
				err_msg("--egress: '%s' is not audit or enforce", optarg);
				return -1;
			}
			break;
		case 'I':
			if ((rc = parse_duration_ns(optarg, &o->flow_idle_ns)) ||
			    !o->flow_idle_ns) {
				err_msg("--flow-idle: '%s' %s", optarg,
					rc == -ERANGE ? "is out of range"
						      : "is not a duration (e.g. 5s)");
				return -1;
			}
			break;
		case 'F': o->fail_closed = true; break;
		case 'C': o->capture_content = true; break;
		case 'O':
			if (otlp_receiver_parse_addr(optarg, host, sizeof(host), &(uint16_t){0},
						     &family)) {
				err_msg("--otlp-receiver: '%s' is not a loopback HOST:PORT",
					optarg);
				return -1;
			}
			o->otlp_receiver = optarg;
			break;
		case 'T': o->otlp_agent_env = true; break;
		case 'S': o->mode = RUN_STANDALONE; break;
		case 'D': o->mode = RUN_DAEMON; break;
		case 'h': fputs(run_usage, stdout); exit(0);
		case ':':
			err_msg("option '%s' needs a value\n%s", argv[optind - 1], run_usage);
			return -1;
		default: err_msg("unknown option '%s'\n%s", argv[optind - 1], run_usage); return -1;
		}
		/* attribution, grace, the per-run policy and fail-closed go to
		 * the daemon too */
		for (i = 0; longopts[i].name && !strchr("apugPEIF", c); i++)
			if (longopts[i].val == c && c != 'S' && c != 'D' && !o->engine_opt)
				o->engine_opt = longopts[i].name;
	}
	if (o->mode == RUN_DAEMON && o->engine_opt) {
		err_msg("--%s configures an in-process engine: the daemon's own options set its "
			"sinks (drop --daemon or --%s)",
			o->engine_opt, o->engine_opt);
		return -1;
	}
	if (o->otlp_agent_env && !o->otlp_receiver) {
		err_msg("--otlp-agent-env needs --otlp-receiver ADDR");
		return -1;
	}
	if (optind >= argc) {
		err_msg("no command given\n%s", run_usage);
		return -1;
	}
	o->cmd = argv + optind;
	o->cmdc = argc - optind;
	if (run_opts_no_store(o) && !o->jsonl && !o->nexports && !o->config) {
		err_msg(NO_SINK_MSG);
		return -1;
	}
	return 0;
}
