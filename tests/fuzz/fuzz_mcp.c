/* fuzz_mcp.c: libFuzzer target for `proctor mcp`'s protocol: any bytes as
 * one JSON-RPC message to mcp_handle, with a session and a policy loaded
 * (the tools run on whatever arguments arrive; no feed exists, so
 * list_violations says so). `make fuzz-mcp`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/mcp.h"

static const char policy_text[] =
	"files:\n  deny:\n    - path: \"~/.ssh/**\"\n  write_only_under: [\"${workspace}/**\"]\n"
	"exec:\n  deny:\n    - argv: [git, push, \"--force*\", \"**\"]\n    - path: /usr/bin/tee\n"
	"egress:\n  default: deny\n  allow:\n    - domain: api.anthropic.com\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mcp m;
	static struct policy p;
	static const struct policy_env env = {.home = "/home/u", .workspace = "/work/ws"};
	char err[1024];
	json_t *rep;

	if (!m.policy) {
		if (policy_load_env("fuzz.yaml", policy_text, strlen(policy_text), &env, &p, err,
				    sizeof(err)))
			abort();
		m.policy = &p;
		m.has_policy = true;
		m.in_session = true;
		strcpy(m.session, "fuzz-session-without-a-feed");
	}
	rep = mcp_handle(&m, (const char *)data, size);
	if (rep) {
		char *s = json_dumps(rep, JSON_COMPACT);
		if (!s)
			abort(); /* every answer serializes */
		free(s);
		json_decref(rep);
	}
	return 0;
}
