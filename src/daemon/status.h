/* status.h: the daemon's `status` answer (see docs/DAEMON.md). */
#ifndef PROCTOR_DAEMON_STATUS_H
#define PROCTOR_DAEMON_STATUS_H
#include <jansson.h>

struct daemon;
/* Sample events/s (a 1 s window); called from the loop. */
void daemon_note_rate(struct daemon *d);
json_t *daemon_status_json(struct daemon *d);

#endif
