/* ctl.c: the egress control endpoint (see session.h): a root-only UNIX
 * socket per session, one request line and one reply line; requests from
 * inside the session are refused. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "egress/session.h"
#include "probe/cgroup.h"
#include "probe/probe.h"
#include "util/util.h"

/* Is the process at the other end of c inside this session (its cgroup, or
 * one below it)? Such requests are refused: the agent must not be able to
 * lift its own policy. Unknown counts as inside. */
static bool peer_in_session(struct egress_session *es, int c)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char rel[4096], mnt[1024], err[256], cg[5200];
	uint64_t id, key;

	if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &len) || cr.pid <= 0)
		return true;
	if (proc_cgroup2_path((uint32_t)cr.pid, rel, sizeof(rel)))
		return true;
	if (cgroup2_mount(mnt, sizeof(mnt), err, sizeof(err)))
		return true;
	snprintf(cg, sizeof(cg), "%s%s", mnt, rel);
	if (cgroup_id(cg, &id))
		return true;
	return !probe_tracked_session(es->probe, id, &key) && key == es->session_key;
}

void egress_ctl_serve(struct egress_session *es)
{
	struct timeval tv = {.tv_usec = 200000};
	char req[256], reply[256], id[64], until[40];
	unsigned long long ns;
	ssize_t n;
	int c, rc;

	while ((c = accept4(es->ctl_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = read(c, req, sizeof(req) - 1);
		req[n > 0 ? n : 0] = 0;
		if (peer_in_session(es, c)) {
			snprintf(reply, sizeof(reply),
				 "error refused: the request comes from "
				 "inside the session\n");
		} else if (sscanf(req, "bypass %63s %llu", id, &ns) != 2) {
			snprintf(reply, sizeof(reply), "error unknown request\n");
		} else if (strcmp(id, es->session_id)) {
			snprintf(reply, sizeof(reply), "error not session %s\n", id);
		} else if ((rc = egress_bypass(es, ns))) {
			snprintf(reply, sizeof(reply), "error %s\n",
				 rc == -ENOENT ? "the session has no egress policy"
					       : strerror(-rc));
		} else {
			fmt_rfc3339(now_realtime_ns() + ns, until, sizeof(until));
			snprintf(reply, sizeof(reply), "ok %s\n", until);
			fprintf(stderr, "proctor: egress bypass until %s\n", until);
		}
		(void)!write(c, reply, strlen(reply));
		close(c);
	}
}

int egress_ctl_listen(struct egress_session *es, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (mkdir_p(PROCTOR_CTL_DIR, 0700)) {
		snprintf(err, errlen, "cannot create %s: %s", PROCTOR_CTL_DIR, strerror(errno));
		return -1;
	}
	snprintf(es->ctl_path, sizeof(es->ctl_path), "%s/%s.sock", PROCTOR_CTL_DIR, es->session_id);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", es->ctl_path);
	unlink(es->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(es->ctl_path, 0600) ||
	    listen(fd, 8)) {
		snprintf(err, errlen, "control socket %s: %s", es->ctl_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	es->ctl_fd = fd;
	return 0;
}

int egress_ctl_request(const char *session_id, const char *line, char *reply, size_t len)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	ssize_t n;
	size_t got = 0;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", PROCTOR_CTL_DIR, session_id);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		close(fd);
		return -e;
	}
	if (write(fd, line, strlen(line)) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	while (got + 1 < len && (n = read(fd, reply + got, len - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = 0;
	close(fd);
	return 0;
}
