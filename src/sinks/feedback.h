/* feedback.h: the policy feedback feed, the one channel by which a session's
 * policy violations reach the agent's hooks and MCP server (`proctor hook`,
 * `proctor mcp`), which run as the agent's user and cannot read the store.
 * Written by the feedback sink (feedback.c) for each session with a policy:
 * FEEDBACK_DIR/<session id>.jsonl, owned by root, readable by the session
 * user's group, removed at the session's end. Lines (docs/POLICY.md):
 *   {"feed":1,"session":ID,"policy":ABS_PATH,"workspace":DIR}   first
 *   {"t":NS,"violation":{...the policy.violation record...}}
 *   {"t":NS,"hook":PID}   the exec of a `proctor hook` in the session
 * Within one write the violations come before the hook lines, so a reader
 * that sees its own hook line sees every violation recorded before it. */
#ifndef PROCTOR_SINK_FEEDBACK_H
#define PROCTOR_SINK_FEEDBACK_H

#define FEEDBACK_DIR "/run/proctor-feedback"
#define FEEDBACK_URL "feedback:" FEEDBACK_DIR

#endif
