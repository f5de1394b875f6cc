/* failclosed.c: fail-closed recording (failclosed.h): the watcher that
 * freezes the fail-closed sessions while the reader is behind (or the store
 * holds a batch it cannot write: a full disk), the thaw once it has caught
 * up, and the counts of both. */
#include "app/failclosed.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "app/app.h"
#include "probe/cgroup.h"
#include "util/util.h"

void fail_closed_init(struct fail_closed *fc)
{
	memset(fc, 0, sizeof(*fc));
	pthread_mutex_init(&fc->lock, NULL);
	fc->ep = -1;
}

void fail_closed_set_ring(struct fail_closed *fc, uint64_t ring_bytes)
{
	fc->high = ring_bytes / 4;
	fc->low = ring_bytes / 16;
}

void fail_closed_destroy(struct fail_closed *fc)
{
	if (fc->running) {
		pthread_mutex_lock(&fc->lock);
		fc->stop = true;
		pthread_mutex_unlock(&fc->lock);
		pthread_join(fc->watcher, NULL);
		fc->running = false;
	}
	if (fc->ep >= 0)
		close(fc->ep);
	fc->ep = -1;
}

/* The recorder is behind: the ring over its high mark, or a sink holding
 * what it cannot write yet (the store on a full disk). */
static bool behind(struct app *r, uint64_t pending)
{
	return pending > r->fc.high || pipeline_sinks_blocked(&r->pipeline);
}

/* Under the lock. */
static void freeze_locked(struct app *r, uint64_t pending)
{
	struct fail_closed *fc = &r->fc;
	uint64_t now = now_monotonic_ns();
	size_t i;
	int rc;

	if (fc->frozen || !fc->n || !behind(r, pending))
		return;
	for (i = 0; i < fc->n; i++) {
		if ((rc = cgroup_freeze(fc->s[i]->cgroup_path, true))) {
			if (!fc->errors++)
				err_msg("warning: --fail-closed: cannot freeze %s: %s",
					fc->s[i]->cgroup_path, strerror(-rc));
			continue;
		}
		fc->s[i]->freezes++;
	}
	fc->frozen = true;
	fc->since_ns = now;
	r->pipeline.stats.freezes++;
	r->pipeline.stats.frozen_since_ns = now;
}

static void thaw_locked(struct app *r)
{
	struct fail_closed *fc = &r->fc;
	uint64_t now = now_monotonic_ns();
	size_t i;

	for (i = 0; i < fc->n; i++) {
		cgroup_freeze(fc->s[i]->cgroup_path, false);
		fc->s[i]->frozen_ns += now - fc->since_ns;
	}
	r->pipeline.stats.frozen_ns += now - fc->since_ns;
	r->pipeline.stats.frozen_since_ns = 0;
	fc->frozen = false;
}

static void *watch_ring(void *arg)
{
	struct app *r = arg;
	struct fail_closed *fc = &r->fc;
	struct epoll_event ev;
	bool stop = false;

	while (!stop) {
		(void)epoll_wait(fc->ep, &ev, 1, fc->n ? 5 : 100);
		pthread_mutex_lock(&fc->lock);
		stop = fc->stop;
		freeze_locked(r, probe_pending_bytes(&r->probe));
		pthread_mutex_unlock(&fc->lock);
	}
	return NULL;
}

static int start_watcher(struct app *r, char *err, size_t errlen)
{
	struct fail_closed *fc = &r->fc;
	/* edge-triggered: one event per kernel wake-up, not one per poll */
	struct epoll_event ev = {.events = EPOLLIN | EPOLLET};
	int rc;

	if ((fc->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(fc->ep, EPOLL_CTL_ADD, probe_fd(&r->probe), &ev)) {
		snprintf(err, errlen, "--fail-closed: epoll on the ring buffer: %s",
			 strerror(errno));
		return -1;
	}
	if ((rc = pthread_create(&fc->watcher, NULL, watch_ring, r))) {
		snprintf(err, errlen, "--fail-closed: starting the watcher: %s", strerror(rc));
		return -1;
	}
	fc->running = true;
	return 0;
}

int fail_closed_add(struct app *r, struct session *s, char *err, size_t errlen)
{
	struct fail_closed *fc = &r->fc;

	if (!s->fail_closed)
		return 0;
	if (!fc->running && start_watcher(r, err, errlen))
		return -1;
	pthread_mutex_lock(&fc->lock);
	if (fc->n < SESSION_TABLE_MAX)
		fc->s[fc->n++] = s;
	pthread_mutex_unlock(&fc->lock);
	return 0;
}

void fail_closed_check(struct app *r, uint64_t pending)
{
	struct fail_closed *fc = &r->fc;

	if (!fc->n || !behind(r, pending))
		return;
	pthread_mutex_lock(&fc->lock);
	freeze_locked(r, pending);
	pthread_mutex_unlock(&fc->lock);
}

void fail_closed_after_drain(struct app *r)
{
	struct fail_closed *fc = &r->fc;

	if (!fc->frozen || probe_pending_bytes(&r->probe) > fc->low ||
	    pipeline_sinks_blocked(&r->pipeline))
		return;
	/* what was read is not yet released when the release is deferred */
	pipeline_flush(&r->pipeline);
	pthread_mutex_lock(&fc->lock);
	if (fc->frozen && probe_pending_bytes(&r->probe) <= fc->low &&
	    !pipeline_sinks_blocked(&r->pipeline))
		thaw_locked(r);
	pthread_mutex_unlock(&fc->lock);
}

void fail_closed_end_session(struct app *r, struct session *s)
{
	struct fail_closed *fc = &r->fc;
	size_t i;

	pthread_mutex_lock(&fc->lock);
	for (i = 0; i < fc->n; i++) {
		if (fc->s[i] != s)
			continue;
		if (fc->frozen) {
			cgroup_freeze(s->cgroup_path, false);
			s->frozen_ns += now_monotonic_ns() - fc->since_ns;
		}
		fc->s[i] = fc->s[--fc->n];
		break;
	}
	pthread_mutex_unlock(&fc->lock);
}
