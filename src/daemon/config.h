/* config.h: the daemon's configuration file (docs/DAEMON.md), default
 * /etc/proctor/daemon.yaml: daemon options and the auto-adoption rules.
 * Loaded strictly (util/yaml.h): unknown and duplicate keys are refused,
 * every error is "FILE:LINE:COL: reason", and a file that fails leaves the
 * caller's config untouched (it is parsed into a copy). */
#ifndef PROCTOR_DAEMON_CONFIG_H
#define PROCTOR_DAEMON_CONFIG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proctor/abi_auto.h"

#define DAEMON_CONFIG_DEFAULT "/etc/proctor/daemon.yaml"

/* A known agent: an executable basename, or the file at an absolute path
 * (matched by its inode: exe is then ""), and the session's attribution. */
struct daemon_agent_rule {
	char exe[PR_AUTO_NAME_LEN];
	char path[1024];
	char agent[64];
	char project[128];
};

struct daemon_config {
	char pipeline[4096]; /* the pipeline configuration file; "" none */
	char socket[108];
	char socket_group[64];
	char db[4096];
	char metrics[256];
	char otlp_receiver[256];  /* the agents' own OTLP telemetry (src/otlp); "" none */
	uint32_t ringbuf_mb;	  /* 0: the default */
	bool fail_closed;	  /* record every session fail-closed (app/failclosed.h) */
	bool auto_agents;	  /* auto-adopt known agents (default true) */
	struct daemon_serve {	  /* the HTTP API served by the daemon (serve.h) */
		char listen[256]; /* "" none */
		char tls_cert[4096], tls_key[4096];
		bool insecure_http;
	} serve;
	struct daemon_agent_rule agents[PR_AUTO_MAX_RULES];
	size_t nagents;
	/* labelled containers, adopted at their start by the OCI hook */
	bool auto_containers;	   /* default true */
	char agent_label[128];	   /* default proctor.agent */
	char project_label[128];   /* default proctor.project */
	char hooks_dir[4096];	   /* where the daemon installs its hook; "" none */
	char podman_storage[4096]; /* podman's graphroot, for the cgroup fallback */
	char containerd_root[1024], containerd_state[1024]; /* containerd's, the same */
};

/* The defaults: no options set, auto-adoption on, the built-in agents
 * (claude, codex, gemini, aider, openclaw). */
void daemon_config_defaults(struct daemon_config *c);
/* Parse text (name in messages) over c's current values; 0, or -1 with
 * err and c unchanged. */
int daemon_config_parse(struct daemon_config *c, const char *name, const char *text, size_t len,
			char *err, size_t errlen);
int daemon_config_load(struct daemon_config *c, const char *path, char *err, size_t errlen);
/* The rule by name for an executable path or basename; NULL: none. */
const struct daemon_agent_rule *daemon_config_agent(const struct daemon_config *c, const char *exe);

#endif
