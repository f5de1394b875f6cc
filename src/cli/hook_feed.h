/* hook_feed.h: how `proctor hook` and `proctor mcp` learn their session and
 * its violations: the session from the caller's own cgroup (never from
 * anything the agent passes), the violations and the policy's path from the
 * session's feedback feed (sinks/feedback.h), which root writes and the
 * agent's user can only read. */
#ifndef PROCTOR_HOOK_FEED_H
#define PROCTOR_HOOK_FEED_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The session id from /proc/self/cgroup (".../proctor/<id>[/...]"): 0, or
 * -1 outside any session. */
int feed_own_session(char *id, size_t idlen);

struct feed {
	char policy[4096];    /* the policy file proctor enforces ("" if unknown) */
	char workspace[1024]; /* its ${workspace} */
	json_t *lines;	      /* every line after the header, parsed */
};

/* Read the feed of session id: 0, -ENOENT when the session has none (no
 * policy), or -1 with err (unreadable, malformed header). */
int feed_read(const char *id, struct feed *f, char *err, size_t errlen);
void feed_free(struct feed *f);

/* Re-read until the exec of hook pid is in the feed (the recorder has
 * caught up with everything before it) or timeout_ms passed: 0, 1 on a
 * timeout (f holds what was there), or as feed_read. */
int feed_wait_hook(const char *id, pid_t pid, int timeout_ms, struct feed *f, char *err,
		   size_t errlen);

/* Run `proctor hook barrier` (a no-op whose exec is a hook line) and wait
 * for it as feed_wait_hook does: the feed as of now. */
int feed_sync(const char *id, int timeout_ms, struct feed *f, char *err, size_t errlen);

/* The violations recorded after the session's previous hook exec and up to
 * pid's own (the tool call between the two hooks): a new array. With pid 0,
 * every violation of the session. */
json_t *feed_violations(const struct feed *f, pid_t pid);

/* One violation as a line for the agent: rule, verdict, mechanism, reason,
 * what was attempted. */
void feed_describe(json_t *violation, char *buf, size_t len);

#endif
