/* checkpointer.c: background WAL checkpoints for the SQLite sink (see
 * checkpointer.h). */
#include "store/checkpointer.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Frames (pages) in the WAL that wake the thread: SQLite's own default. */
#define CKPT_WAKE_FRAMES 1000
/* Frames past which the writer finishes the job itself (~64 MiB of WAL).
 * SQLite rewinds the WAL only when a write transaction starts after a
 * checkpoint has copied every frame; under a sustained flood the thread's
 * pass never ends before the writer's next batch, so the WAL would grow
 * for ever. The writer waits for the thread's pass and copies the rest
 * (about one batch), and its next transaction rewinds the WAL. */
#define CKPT_HARD_FRAMES 16384
/* The thread also checkpoints this often when nothing woke it. */
#define CKPT_PERIOD_MS 500

struct checkpointer {
	sqlite3 *db; /* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, wake, busy; /* busy: a checkpoint is running */
};

static void *ckpt_main(void *arg)
{
	struct checkpointer *c = arg;
	struct timespec ts;

	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		if (!c->wake) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += CKPT_PERIOD_MS * 1000000L;
			ts.tv_sec += ts.tv_nsec / 1000000000L;
			ts.tv_nsec %= 1000000000L;
			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		}
		if (c->stop)
			break;
		c->wake = false;
		c->busy = true;
		pthread_mutex_unlock(&c->mu);
		/* PASSIVE: never blocks the writer, copies what it can. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
		c->busy = false;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Called by SQLite on the writer's thread after each commit. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct checkpointer *c = arg;

	if (frames >= CKPT_HARD_FRAMES) {
		pthread_mutex_lock(&c->mu);
		while (c->busy)
			pthread_cond_wait(&c->cv, &c->mu);
		c->busy = true;
		pthread_mutex_unlock(&c->mu);
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&c->mu);
		c->busy = false;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return SQLITE_OK;
	}
	if (frames >= CKPT_WAKE_FRAMES) {
		pthread_mutex_lock(&c->mu);
		c->wake = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
	return SQLITE_OK;
}

struct checkpointer *checkpointer_start(sqlite3 *writer, const char *path)
{
	struct checkpointer *c = calloc(1, sizeof(*c));
	sigset_t all, old;
	int rc;

	if (!c)
		return NULL;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		sqlite3_close_v2(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, STORE_BUSY_MS);
	/* A connection that never read has no WAL open, and SQLite 3.40's
	 * checkpoint on it does nothing (later versions open it first): one
	 * read, finished, opens it. */
	sqlite3_exec(c->db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	/* The thread takes no signals: `proctor run` reads SIGCHLD and the
	 * forwarded ones from a signalfd, which only sees signals that every
	 * thread blocks. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->thread, NULL, ckpt_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		sqlite3_close_v2(c->db);
		free(c);
		return NULL;
	}
	/* Replaces the automatic checkpoint (which is itself a WAL hook). */
	sqlite3_wal_hook(writer, wal_hook, c);
	return c;
}

void checkpointer_stop(struct checkpointer *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	sqlite3_close_v2(c->db);
	free(c);
}
