/* liveness.h: which recorders are alive (issue 15 §7). A standalone
 * recorder holds an flock on /run/proctor/live/<session> for the session's
 * life. A file nobody holds names a session whose recorder died (kill -9,
 * OOM): `sessions`/`tree` call it crashed at once, and the next run marks it
 * crashed in the store with its real counts (store_mark_crashed) and removes
 * what it left behind: its cgroup once empty, its control socket, the file.
 * Sessions without a file (the daemon's) are never judged here. */
#ifndef PROCTOR_APP_LIVENESS_H
#define PROCTOR_APP_LIVENESS_H
#include <stdbool.h>

#define PROCTOR_LIVE_DIR "/run/proctor/live"

/* Hold the session's file; the fd (close-on-exec), or -1 (not fatal). */
int liveness_hold(const char *session);
/* A normal end: the file goes, then the lock. */
void liveness_release(int fd, const char *session);
/* The session's recorder held its file and is gone. */
bool liveness_crashed(const char *session);
/* Mark the crashed sessions of the store at db crashed and clean up after
 * them; how many, or -1 (the store cannot be opened: the run reports that). */
int liveness_repair(const char *db);

#endif
