/* daemon_client.h: the client side of the daemon's control socket:
 * connect, hello (version handshake), one request and its answer. */
#ifndef PROCTOR_DAEMON_CLIENT_H
#define PROCTOR_DAEMON_CLIENT_H
#include <jansson.h>
#include <stddef.h>

/* Connect to path and say hello. Returns the fd, -ENOENT/-ECONNREFUSED
 * when no daemon answers there (err filled), or -1 with err for any other
 * failure (refused handshake, other version, no permission). */
int daemon_connect(const char *path, char *err, size_t errlen);
/* Send req (consumed) and read the answer; an answer with "ok": false is
 * -1 with its "error" in err. */
int daemon_request(int fd, json_t *req, json_t **rep, char *err, size_t errlen);
/* Read one answer (e.g. the end of a session). */
int daemon_answer(int fd, json_t **rep, char *err, size_t errlen);

/* Connect again after the daemon went away and take session back (the
 * new daemon re-adopted it from the pinned state): the fd, or < 0. */
int daemon_resume(const char *path, const char *session, char *err, size_t errlen);

#endif
