/* xcheck.h: the cross-check of what an agent's telemetry reports against
 * what the kernel's record saw, per session (pure, no I/O). Model calls: a
 * reported call (Claude Code's claude_code.api_request, Codex's
 * codex.sse_event of kind response.completed) matches an unmatched llm.call
 * of the session with the same input, output, cache-read and cache-creation
 * token counts. Tool calls: per tool name, the tool results reported
 * (claude_code.tool_result, codex.tool_result) against the llm.tool_call
 * records. Checked when the session ends, only for sessions that reported
 * something; each disagreement is one mismatch (docs/EVENTS-llm.md). */
#ifndef PROCTOR_OTLP_XCHECK_H
#define PROCTOR_OTLP_XCHECK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XC_CALLS    512 /* per side and session; beyond: counted in lost */
#define XC_TOOLS    32	/* tool names per session */
#define XC_SESSIONS 64

struct xc_call {
	int64_t in, out, cache_read, cache_creation; /* -1: not given */
	char model[64];
	bool matched;
};

struct xc_tool {
	char name[64];
	uint32_t kernel, reported;
};

struct xc_session {
	uint64_t key; /* 0: free */
	struct xc_call kernel[XC_CALLS], reported[XC_CALLS];
	unsigned nkernel, nreported;
	struct xc_tool tools[XC_TOOLS];
	unsigned ntools;
	bool reported_calls, reported_tools; /* the agent reported any */
	uint64_t lost; /* calls or tool names beyond the tables: not checked */
};

struct xcheck {
	struct xc_session *s[XC_SESSIONS];
	uint64_t lost_sessions;
	uint64_t lost_items; /* calls and tool names beyond a session's tables, not checked */
};

enum xc_reason { XC_REPORTED_UNSEEN, XC_UNREPORTED, XC_TOOL_COUNT };

struct xc_mismatch {
	enum xc_reason reason;
	const struct xc_call *call; /* the call, for the first two */
	const struct xc_tool *tool; /* the tool, for XC_TOOL_COUNT */
};

const char *xc_reason_name(enum xc_reason r);
/* What the kernel saw / the agent reported; model may be NULL. */
void xc_kernel_call(struct xcheck *x, uint64_t key, const struct xc_call *c);
void xc_kernel_tool(struct xcheck *x, uint64_t key, const char *name);
void xc_reported_call(struct xcheck *x, uint64_t key, const struct xc_call *c);
void xc_reported_tool(struct xcheck *x, uint64_t key, const char *name);
/* Run the check for a session, fn once per mismatch, then forget it.
 * Returns the number of mismatches. */
size_t xc_finish(struct xcheck *x, uint64_t key,
		 void (*fn)(void *ctx, uint64_t key, const struct xc_mismatch *m), void *ctx);
void xc_free(struct xcheck *x);

#endif
