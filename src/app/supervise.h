/* supervise.h: no unrecorded agent (issue 15 §1). A tiny supervisor process,
 * forked by the recorder before the agent and living outside the session
 * cgroup, holds the read end of a pipe whose only writer is the recorder.
 * When the recorder dies, whatever the cause (kill -9 included), the kernel
 * closes the write end; the supervisor sees EOF without a "done" byte and
 * freezes or kills the session cgroup. It depends on nothing the dead
 * process would have had to do. */
#ifndef PROCTOR_SUPERVISE_H
#define PROCTOR_SUPERVISE_H
#include <stddef.h>
#include <sys/types.h>

enum recorder_loss {
	LOSS_FREEZE,   /* cgroup.freeze the session (the default): evidence kept, agent stopped */
	LOSS_KILL,     /* cgroup.kill the session */
	LOSS_CONTINUE, /* no supervisor: the agent carries on unrecorded */
};

struct supervisor {
	pid_t pid;    /* 0: none */
	int alive_fd; /* the recorder's end of the pipe */
};

/* "freeze", "kill" or "continue" -> *out; -1 for anything else. */
int recorder_loss_parse(const char *s, enum recorder_loss *out);
const char *recorder_loss_name(enum recorder_loss m);

/* Start the supervisor of the session cgroup @cg_abs (no-op for
 * LOSS_CONTINUE). Call before the agent is forked. */
int supervise_start(struct supervisor *sv, const char *cg_abs, enum recorder_loss mode, char *err,
		    size_t errlen);
/* The recorder ends normally: tell the supervisor and reap it. */
void supervise_stop(struct supervisor *sv);

#endif
