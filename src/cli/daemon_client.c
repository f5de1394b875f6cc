/* daemon_client.c: connect to `proctor daemon` and talk its protocol
 * (daemon/proto.h) for `run`, `status` and the tests' clients. */
#include "cli/daemon_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/proto.h"

int daemon_answer(int fd, json_t **rep, char *err, size_t errlen)
{
	const char *e;

	if (proto_recv(fd, rep, err, errlen))
		return -1;
	if (json_is_true(json_object_get(*rep, "ok")))
		return 0;
	e = json_string_value(json_object_get(*rep, "error"));
	snprintf(err, errlen, "%s", e ? e : "the daemon refused the request");
	json_decref(*rep);
	*rep = NULL;
	return -1;
}

int daemon_request(int fd, json_t *req, json_t **rep, char *err, size_t errlen)
{
	int rc = proto_send(fd, req);

	json_decref(req);
	if (rc) {
		snprintf(err, errlen, "cannot send to the daemon: %s", strerror(-rc));
		return -1;
	}
	return daemon_answer(fd, rep, err, errlen);
}

int daemon_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char why[1024];
	json_t *rep;
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "no proctor daemon answers on %s: %s", path, strerror(e));
		return e == ENOENT || e == ECONNREFUSED ? -e : -1;
	}
	if (daemon_request(fd,
			   json_pack("{s:s,s:i,s:s}", "op", "hello", "version", PROTO_VERSION,
				     "proctor", PROCTOR_VERSION),
			   &rep, why, sizeof(why))) {
		close(fd);
		snprintf(err, errlen, "the proctor daemon on %s refused: %s", path, why);
		return -1;
	}
	json_decref(rep);
	return fd;
}

int daemon_resume(const char *path, const char *session, char *err, size_t errlen)
{
	json_t *rep = NULL;
	int fd = daemon_connect(path, err, errlen);

	if (fd < 0)
		return fd;
	if (daemon_request(fd, json_pack("{s:s,s:s}", "op", "session.resume", "session", session),
			   &rep, err, errlen)) {
		close(fd);
		return -1;
	}
	json_decref(rep);
	return fd;
}
