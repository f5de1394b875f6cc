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

#define TOOLCALL_PENDING  32   /* tool calls waiting for their spawn */
#define TOOLCALL_IDS	  256  /* linked tool calls remembered (a ring) */
#define TOOLCALL_PIDS	  8192 /* processes linked at once (open addressing) */
#define TOOLCALL_FINDINGS 32   /* intent mismatches waiting for their record */
#define INTENT_SEEN	  16   /* distinct mismatches recorded per tool call; more counted */

/* What a linked tool call declared, and what it was already told for
 * (toolcall_intent.c). */
struct toolcall_intent {
	uint64_t session_key;
	uint32_t root_pid;   /* the linked spawn */
	bool ended;	     /* the spawn exited: a linked process seen since outlived it */
	uint8_t declared;    /* INTENT_DECLARED_* */
	char creds[32];	     /* credential categories its tools read (ssh,token,...) */
	char command[512];   /* the declared command */
	char workspace[256]; /* the spawn's working directory */
	uint32_t seen[INTENT_SEEN];
	int nseen;
};

#define INTENT_DECLARED_NET  1 /* the command names a network tool, a URL or an address */
#define INTENT_DECLARED_PRIV 2 /* the command names sudo, su, doas, ... */

enum intent_reason {
	INTENT_NETWORK,
	INTENT_SENSITIVE_READ,
	INTENT_WRITE_OUTSIDE,
	INTENT_OUTLIVED,
	INTENT_PRIVILEGE,
	INTENT_REASONS
};

/* A mismatch found while a record was being decoded: made into an
 * intent.mismatch record once that record is committed. */
struct toolcall_finding {
	struct pr_hdr h; /* the process that did it */
	uint16_t id;	 /* index into ids */
	uint8_t reason;	 /* enum intent_reason */
	char observed[320];
};

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
	struct toolcall_pid *pids;	/* TOOLCALL_PIDS; NULL until the first tool call */
	uint32_t npids;			/* live entries */
	uint32_t used;			/* live and removed: the table is rebuilt past 3/4 */
	uint64_t linked, refused;	/* spawns linked; processes not linked: table full */
	struct toolcall_intent *intent; /* TOOLCALL_IDS, beside ids */
	struct toolcall_finding findings[TOOLCALL_FINDINGS];
	int nfindings;
	uint64_t mismatches[INTENT_REASONS]; /* intent.mismatch records made, by reason */
	uint64_t mismatches_lost; /* not made: over INTENT_SEEN per tool call, or the queue full */
};

void toolcalls_free(struct toolcalls *t);
/* A Bash-like tool call came from agent_pid. */
void toolcalls_expect(struct toolcalls *t, uint64_t session_key, uint32_t agent_pid, const char *id,
		      const char *command);
/* Every decoded record, before commit: links a matching exec, inherits at
 * fork, and adds gen_ai.tool.call.id to the records of linked processes. */
void toolcalls_note(struct toolcalls *t, struct proctree *procs, const struct pr_hdr *h,
		    struct record *r);
/* After a record is committed: a linked process that exited is forgotten;
 * after its spawn's exit, a tool call's processes are told outliving it. */
void toolcalls_exited(struct toolcalls *t, const struct pr_hdr *h);

/* toolcall_intent.c: declared versus observed, per linked tool call. */
const char *intent_reason_name(enum intent_reason why);
/* The spawn of tool call id (index) was linked: what its command declares. */
void intent_start(struct toolcalls *t, uint16_t id, const struct pr_hdr *h, const struct record *r,
		  const char *command);
/* A record of a process linked to tool call id: a finding when it does
 * more than the command declared. */
void intent_check(struct toolcalls *t, uint16_t id, const struct pr_hdr *h, const struct record *r);

#endif
