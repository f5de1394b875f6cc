/* tls_gate.c: the TLS gate (tls_gate.h): fanotify permission events on TLS
 * library files and executables, answered after a tracked opener's uprobes
 * are in place. The thread never opens a path (it would wait for itself):
 * the offsets are learned when a file is marked, the event's own fd names
 * the file, and the tracking check reads BPF maps and /proc. */
#include "app/tls_gate.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/cgroup.h"
#include "probe/maps.h"
#include "probe/tls.h"
#include "util/util.h"

/* Where the system's TLS libraries are (merged /usr: /lib is /usr/lib). */
static const char *const lib_globs[] = {
	"/usr/lib/libssl.so*",
	"/usr/lib/*/libssl.so*",
	"/usr/local/lib/libssl.so*",
	"/usr/local/lib/*/libssl.so*",
	"/usr/lib64/libssl.so*",
	"/usr/lib/libgnutls.so*",
	"/usr/lib/*/libgnutls.so*",
	"/usr/local/lib/libgnutls.so*",
	"/usr/local/lib/*/libgnutls.so*",
	"/usr/lib64/libgnutls.so*",
};

static char cgroup_root[4096]; /* the cgroup2 mount, for the cgroup check */

static int find_file(struct tls_gate *g, uint64_t dev, uint64_t ino)
{
	int i;

	for (i = 0; i < g->nfiles; i++)
		if (g->files[i].dev == dev && g->files[i].ino == ino)
			return i;
	return -1;
}

void tls_gate_add(struct tls_gate *g, const char *path, enum pr_tls_lib lib, bool exec)
{
	char err[512];
	struct stat st;

	if (!g->probe || g->fan_fd < 0 || stat(path, &st) || !S_ISREG(st.st_mode))
		return;
	pthread_mutex_lock(&g->lock);
	if (find_file(g, st.st_dev, st.st_ino) >= 0 || g->nfiles == TLS_GATE_FILES)
		goto out;
	/* learned before it is marked: the thread finds the offsets remembered
	 * (BoringSSL's were located before: tls_sigs.h) */
	if (lib == PR_TLS_LIB_BORINGSSL ? !probe_tls_known(g->probe, st.st_dev, st.st_ino)
					: probe_tls_learn(g->probe, path, lib, err, sizeof(err)))
		goto out;
	if (fanotify_mark(g->fan_fd, FAN_MARK_ADD, exec ? FAN_OPEN_EXEC_PERM : FAN_OPEN_PERM,
			  AT_FDCWD, path))
		goto out;
	g->files[g->nfiles].dev = st.st_dev;
	g->files[g->nfiles].ino = st.st_ino;
	g->files[g->nfiles++].lib = (uint8_t)lib;
out:
	pthread_mutex_unlock(&g->lock);
}

/* pid's session, by lineage or by its cgroup (a process's first exec, before
 * the kernel gave it a lineage): 0 when it is not tracked. */
static uint64_t tracked(struct tls_gate *g, uint32_t pid)
{
	char rel[4096], abs[8192];
	uint64_t key = 0;
	struct stat st;

	if (!probe_task_session(g->probe, (pid_t)pid, &key) && key)
		return key;
	if (!cgroup_root[0] || proc_cgroup2_path(pid, rel, sizeof(rel)))
		return 0;
	snprintf(abs, sizeof(abs), "%s%s", cgroup_root, rel);
	if (stat(abs, &st) || probe_tracked_session(g->probe, st.st_ino, &key))
		return 0;
	return key;
}

/* Hook a tracked opener before its open goes on. */
static void decide(struct tls_gate *g, const struct fanotify_event_metadata *m)
{
	char path[64], err[512];
	struct stat st;
	int i, lib;

	if (m->pid <= 0 || m->pid == getpid() || fstat(m->fd, &st) || !tracked(g, (uint32_t)m->pid))
		return;
	pthread_mutex_lock(&g->lock);
	i = find_file(g, st.st_dev, st.st_ino);
	lib = i < 0 ? -1 : g->files[i].lib;
	pthread_mutex_unlock(&g->lock);
	if (lib < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", m->fd);
	if (probe_tls_attach(g->probe, (uint32_t)m->pid, path, (enum pr_tls_lib)lib, PROBE_TLS_GATE,
			     NULL, err, sizeof(err)) < 0)
		g->failed++;
	else
		g->hooked++;
}

/* Answer every permission event in buf (an unanswered one would hang its
 * opener until the group closes). */
static void answer_all(struct tls_gate *g, const char *buf, ssize_t n)
{
	const struct fanotify_event_metadata *m = (const void *)buf;

	for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
		if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0)
			continue;
		if (m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM)) {
			struct fanotify_response r = {.fd = m->fd, .response = FAN_ALLOW};

			decide(g, m);
			g->opens++;
			if (write(g->fan_fd, &r, sizeof(r)) != sizeof(r))
				g->failed++;
		}
		close(m->fd);
	}
}

static void *gate_main(void *arg)
{
	struct tls_gate *g = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	struct pollfd pf[2] = {{.fd = g->fan_fd, .events = POLLIN},
			       {.fd = g->stop_fd, .events = POLLIN}};
	ssize_t n;

	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		while ((n = read(g->fan_fd, buf, sizeof(buf))) > 0)
			answer_all(g, buf, n);
	}
	return NULL;
}

static void mark_system_libraries(struct tls_gate *g)
{
	size_t i, k;

	for (i = 0; i < sizeof(lib_globs) / sizeof(lib_globs[0]); i++) {
		glob_t gl;

		if (glob(lib_globs[i], 0, NULL, &gl))
			continue;
		for (k = 0; k < gl.gl_pathc; k++) {
			enum probe_tls_kind kind = probe_tls_inspect(gl.gl_pathv[k]);

			if (kind == PROBE_TLS_OPENSSL)
				tls_gate_add(g, gl.gl_pathv[k], PR_TLS_LIB_OPENSSL, false);
			else if (kind == PROBE_TLS_GNUTLS)
				tls_gate_add(g, gl.gl_pathv[k], PR_TLS_LIB_GNUTLS, false);
		}
		globfree(&gl);
	}
}

/* The thread takes no signal: the caller's signalfd (SIGCHLD, SIGTERM) must
 * get them all, and a thread that existed before the caller blocked them
 * would take them by default. */
static int start_thread(struct tls_gate *g)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&g->thread, NULL, gate_main, g);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void tls_gate_start(struct tls_gate *g, struct probe *p)
{
	char err[256];

	memset(g, 0, sizeof(*g));
	g->fan_fd = g->stop_fd = -1;
	g->probe = p;
	pthread_mutex_init(&g->lock, NULL);
	if (cgroup2_mount(cgroup_root, sizeof(cgroup_root), err, sizeof(err)))
		cgroup_root[0] = 0;
	g->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
				  O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (g->fan_fd < 0) {
		snprintf(g->error, sizeof(g->error), "fanotify: %s", strerror(errno));
		return;
	}
	if ((g->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(g->error, sizeof(g->error), "eventfd: %s", strerror(errno));
		tls_gate_stop(g);
		return;
	}
	/* running first: marking inspects files (another name of a marked one) */
	if (start_thread(g)) {
		snprintf(g->error, sizeof(g->error), "no thread for the TLS gate");
		tls_gate_stop(g);
		return;
	}
	g->running = true;
	mark_system_libraries(g);
}

void tls_gate_stop(struct tls_gate *g)
{
	uint64_t one = 1;

	if (!g->probe) /* never started */
		return;
	if (g->running) {
		if (write(g->stop_fd, &one, sizeof(one)) != sizeof(one))
			pthread_cancel(g->thread);
		pthread_join(g->thread, NULL);
		g->running = false;
	}
	if (g->fan_fd >= 0)
		close(g->fan_fd); /* whatever still waits is allowed by the kernel */
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	g->fan_fd = g->stop_fd = -1;
}
