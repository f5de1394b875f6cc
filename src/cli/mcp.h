/* mcp.h: `proctor mcp`, an MCP server over stdio (JSON-RPC 2.0, one message
 * per line) with tools that list the session's policy violations, explain
 * its policy, and check an action against it. The session comes from the
 * server's own cgroup, its policy and violations from the session's feed
 * (cli/hook_feed.h). mcp_handle is the whole protocol without I/O (the fuzz
 * target drives it). */
#ifndef PROCTOR_MCP_H
#define PROCTOR_MCP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

#define MCP_MAX_LINE (1u << 20) /* a longer message is refused */

struct mcp {
	bool in_session; /* the server runs inside a proctor session */
	char session[64];
	bool has_policy; /* the policy loaded (policy valid) */
	char policy_error[1100];
	struct policy *policy;
};

/* Find the session and load its policy (never fails: what is missing is
 * said by the tools). */
void mcp_init(struct mcp *m);
void mcp_free(struct mcp *m);

/* One message (len bytes, not NUL-terminated) -> the response to write, or
 * NULL for a notification. Malformed input gets a JSON-RPC error. */
json_t *mcp_handle(struct mcp *m, const char *msg, size_t len);

/* The tools (mcp_tools.c). */
json_t *mcp_tools_list(void);
/* A tools/call result, or NULL with *code and msg for a JSON-RPC error. */
json_t *mcp_tools_call(struct mcp *m, const char *name, json_t *args, int *code, char *msg,
		       size_t msglen);

#endif
