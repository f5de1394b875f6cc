/* liveness.c: recorder liveness files and the repair of crashed sessions
 * (liveness.h). */
#include "app/liveness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "egress/session.h"
#include "probe/cgroup.h"
#include "store/store.h"
#include "util/util.h"

static void live_path(const char *session, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", PROCTOR_LIVE_DIR, session);
}

int liveness_hold(const char *session)
{
	char path[512];
	int fd;

	mkdir("/run/proctor", 0755);
	mkdir(PROCTOR_LIVE_DIR, 0700);
	live_path(session, path, sizeof(path));
	fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		dbg_msg("liveness file %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void liveness_release(int fd, const char *session)
{
	char path[512];

	if (fd < 0)
		return;
	live_path(session, path, sizeof(path));
	unlink(path);
	close(fd);
}

bool liveness_crashed(const char *session)
{
	char path[512];
	bool free_lock;
	int fd;

	live_path(session, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false; /* no file: not ours to judge, or ended */
	free_lock = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return free_lock;
}

struct repair {
	char ids[64][64];
	int n;
};

static int collect(void *ctx, const struct store_session_row *r)
{
	struct repair *rp = ctx;

	if (!r->end_ns && rp->n < 64 && liveness_crashed(r->id)) {
		snprintf(rp->ids[rp->n], sizeof(rp->ids[0]), "%s", r->id);
		rp->n++;
	}
	return 0;
}

/* What the dead recorder left: the socket, the cgroup once empty (a frozen
 * one still holds the agent: evidence, left to the user), the file. */
static void clean_up(const char *id)
{
	char path[512], mnt[4096], cg[4600], err[256];

	snprintf(path, sizeof(path), "%s/%s.sock", PROCTOR_CTL_DIR, id);
	unlink(path);
	if (!cgroup2_mount(mnt, sizeof(mnt), err, sizeof(err))) {
		snprintf(cg, sizeof(cg), "%s/proctor/%s", mnt, id);
		if (!cgroup_populated(cg))
			cgroup_remove(cg);
	}
	live_path(id, path, sizeof(path));
	unlink(path);
}

int liveness_repair(const char *db)
{
	struct repair rp = {.n = 0};
	struct store st;
	char err[512];
	int i, done = 0;

	if (store_open_rw(&st, db, err, sizeof(err)))
		return -1;
	store_foreach_session(&st, collect, &rp);
	for (i = 0; i < rp.n; i++) {
		if (store_mark_crashed(&st, rp.ids[i])) {
			err_msg("warning: marking session %s crashed: %s", rp.ids[i],
				store_errmsg(&st));
			continue;
		}
		clean_up(rp.ids[i]);
		err_msg("session %s: its recorder died; marked crashed", rp.ids[i]);
		done++;
	}
	store_close(&st);
	return done;
}
