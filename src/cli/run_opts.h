/* run_opts.h: the options of `proctor run`, parsed in run_opts.c. */
#ifndef PROCTOR_CLI_RUN_OPTS_H
#define PROCTOR_CLI_RUN_OPTS_H
#include <stdbool.h>
#include <stdint.h>

#include "app/supervise.h"

#define MAX_EXPORTS 16
#define NO_SINK_MSG                                                                                \
	"--db none leaves nothing to record to: add --jsonl PATH|-, --export URL or a --config "   \
	"with sinks"

struct run_opts {
	const char *agent, *project, *user, *db, *jsonl, *config, *metrics, *policy, *redact_rules;
	int egress_mode; /* -1 policy's own, else PR_MODE_* */
	uint64_t flow_idle_ns;
	const char *exports[MAX_EXPORTS];
	int nexports;
	uint64_t grace_ns;
	uint32_t ringbuf_bytes;
	enum recorder_loss on_loss;
	bool fail_closed;	   /* freeze CMD while the reader is behind (app/failclosed.h) */
	bool capture_content;	   /* prompt and response text on llm.call (docs/EVENTS-llm.md) */
	const char *otlp_receiver; /* the agent's own telemetry: receiver address */
	bool otlp_agent_env;	   /* set OTEL_* for CMD to send there */
	char **cmd;
	int cmdc;
	int mode;		/* RUN_AUTO, RUN_STANDALONE, RUN_DAEMON */
	const char *engine_opt; /* the first option only the in-process engine takes */
};

enum { RUN_AUTO, RUN_STANDALONE, RUN_DAEMON };

/* --db none (or $PROCTOR_DB=none): no SQLite store. */
bool run_opts_no_store(const struct run_opts *o);
/* Parse argv (after "run"); -1 with the message printed on bad usage. */
int run_opts_parse(int argc, char **argv, struct run_opts *o);

#endif
