/* proto.h: the daemon's control protocol, shared by the daemon and its
 * clients: one JSON object per message, each preceded by its length as a
 * 4-byte big-endian integer (at most PROTO_MAX_MSG bytes). The first
 * message on a connection is the client's hello; the daemon answers with
 * its own version or refuses, naming both (docs/DAEMON.md). */
#ifndef PROCTOR_DAEMON_PROTO_H
#define PROCTOR_DAEMON_PROTO_H
#include <jansson.h>
#include <stddef.h>

#define PROTO_VERSION	     1
#define PROTO_MAX_MSG	     (256 * 1024)
#define PROTO_DEFAULT_SOCKET "/run/proctor/proctor.sock"

/* $PROCTOR_SOCKET or the default. */
const char *proto_socket_path(void);
/* Send one message (the object is not consumed). 0 or a negative errno. */
int proto_send(int fd, const json_t *msg);
/* Receive one message (blocking). 0 with *out set, or -1 with err filled
 * ("connection closed" on EOF at a message boundary). */
int proto_recv(int fd, json_t **out, char *err, size_t errlen);
/* Decode one complete frame already read: the 4-byte header plus len bytes.
 * Split out so the fuzzer can reach it. */
json_t *proto_decode(const char *buf, size_t len, char *err, size_t errlen);
/* 0 when the versions match, else -1 with the refusal (naming both) in err. */
int proto_version_mismatch(int theirs, const char *their_release, int ours, char *err,
			   size_t errlen);

#endif
