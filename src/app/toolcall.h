/* toolcall.h: tool call -> processes. A Bash-like llm.tool_call waits (per
 * session) for the agent's next exec whose command line holds the tool's
 * command, in a process descending from the agent; that process and every
 * descendant (forks after it) then carry gen_ai.tool.call.id on each of
 * their records. */
#ifndef PROCTOR_APP_TOOLCALL_H
#define PROCTOR_APP_TOOLCALL_H
#include <stdbool.h>
#include <stdint.h>

#include "model/proctree.h"
#include "model/record.h"
#include "proctor/abi.h"

#define TOOLCALL_PENDING 32   /* tool calls waiting for their spawn */
#define TOOLCALL_IDS	 256  /* linked tool calls remembered (a ring) */
#define TOOLCALL_PIDS	 8192 /* processes linked at once (open addressing) */

struct toolcall_pending {
	uint64_t session_key;
	uint32_t agent_pid;
	char id[128];
	char command[512];
};

struct toolcall_pid {
	uint32_t pid; /* 0 empty, UINT32_MAX removed */
	uint16_t id;  /* index into ids */
};

struct toolcalls {
	struct toolcall_pending pending[TOOLCALL_PENDING];
	int npending;
	char ids[TOOLCALL_IDS][128];
	int next_id;
	struct toolcall_pid *pids; /* TOOLCALL_PIDS; NULL until the first tool call */
	uint32_t npids;		   /* live entries */
	uint32_t used;		   /* live and removed: the table is rebuilt past 3/4 */
	uint64_t linked, refused;  /* spawns linked; processes not linked: table full */
};

void toolcalls_free(struct toolcalls *t);
/* A Bash-like tool call came from agent_pid. */
void toolcalls_expect(struct toolcalls *t, uint64_t session_key, uint32_t agent_pid, const char *id,
		      const char *command);
/* Every decoded record, before commit: links a matching exec, inherits at
 * fork, and adds gen_ai.tool.call.id to the records of linked processes. */
void toolcalls_note(struct toolcalls *t, struct proctree *procs, const struct pr_hdr *h,
		    struct record *r);
/* After a record is committed: a linked process that exited is forgotten. */
void toolcalls_exited(struct toolcalls *t, const struct pr_hdr *h);

#endif
