/* fanotify.c: the fanotify group of one session, its reader and decider
 * threads, and the fail mode (fanotify.h). Every permission event is
 * answered exactly once: by the reader (another process's open, a full
 * queue, the timeout) or by the decider, under f->mu. */
#include "enforce/fanotify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enforce/fan_rules.h"
#include "policy/labels.h"
#include "util/util.h"

#define FAN_QUEUE      256 /* the session's opens waiting for a decision */
#define FAN_VIOLATIONS 512 /* violations waiting for the app */

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_TAKEN };

struct slot {
	enum slot_state state;
	bool answered;
	int fd;
	uint32_t pid; /* the opening thread (FAN_REPORT_TID) */
	uint64_t mask;
	uint64_t t_ns; /* CLOCK_BOOTTIME at arrival */
};

struct fan {
	struct fan_rules rules;
	struct fan_kernel k;
	char cg_rel[4096]; /* the session's cgroup, as /proc/PID/cgroup shows it */
	int stop_fd;	   /* eventfd: the reader stops */
	bool stopping;
	unsigned stall_ms; /* $PROCTOR_TEST_POLICY_STALL_MS: the decider sleeps first */
	pthread_t reader, decider;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot q[FAN_QUEUE];
	struct fan_violation v[FAN_VIOLATIONS];
	int nv;
	struct fan_stats st;
};

bool fan_wanted(const struct policy *p)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if (fan_rule_applies(&p->rules[i]) || fan_cond_rule(&p->rules[i]))
			return true;
	return false;
}

/* The thread group of a thread, read while it waits for the answer. */
static uint32_t tgid_of(uint32_t tid)
{
	char path[64], buf[1024], *p;
	unsigned tgid;

	snprintf(path, sizeof(path), "/proc/%u/status", tid);
	if (read_small_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "\nTgid:")) &&
	    sscanf(p + 6, "%u", &tgid) == 1)
		return tgid;
	return tid;
}

/* The opener's label bits: the kernel's, keyed by its process. */
static uint16_t opener_labels(void *ctx, uint32_t tid)
{
	struct fan *f = ctx;

	return f->k.labels_of ? f->k.labels_of(f->k.ctx, tgid_of(tid)) : 0;
}

static uint64_t session_satisfied(void *ctx)
{
	struct fan *f = ctx;

	return f->k.satisfied ? f->k.satisfied(f->k.ctx) : 0;
}

static void respond(struct fan *f, int fd, bool allow)
{
	struct fanotify_response r = {.fd = fd, .response = allow ? FAN_ALLOW : FAN_DENY};

	(void)!write(f->rules.fd, &r, sizeof(r));
}

/* The relative cgroup path of cg_abs under its cgroup2 mount. */
static int cgroup_rel(const char *cg_abs, char *out, size_t outlen)
{
	FILE *m = fopen("/proc/mounts", "re");
	char dev[256], mnt[4096], fs[64];
	int rc = -1;

	if (!m)
		return -1;
	while (rc && fscanf(m, "%255s %4095s %63s %*[^\n]", dev, mnt, fs) == 3) {
		size_t n = strlen(mnt);
		if (!strcmp(fs, "cgroup2") && !strncmp(cg_abs, mnt, n) && cg_abs[n] == '/') {
			snprintf(out, outlen, "%s", cg_abs + n);
			rc = 0;
		}
	}
	fclose(m);
	return rc;
}

/* In the session's cgroup (or one below it)? Read from the kernel while the
 * opener waits for our answer, so it cannot have moved meanwhile. */
static bool in_session(const struct fan *f, uint32_t pid)
{
	char cg[4096];
	size_t n = strlen(f->cg_rel);

	if (proc_cgroup2_path(pid, cg, sizeof(cg)))
		return false;
	return !strncmp(cg, f->cg_rel, n) && (cg[n] == '/' || cg[n] == 0);
}

static void fill_task(struct fan_violation *v, uint32_t pid)
{
	char path[64], buf[1024], *p;

	v->pid = v->tid = pid;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) > 0 && (p = strrchr(buf, ')'))) {
		char *open = strchr(buf, '(');
		int ppid = 0;
		sscanf(p + 2, "%*c %d", &ppid);
		v->ppid = (uint32_t)ppid;
		if (open)
			snprintf(v->comm, sizeof(v->comm), "%.*s", (int)(p - open - 1), open + 1);
	}
	/* the opener's own user, not proctor's: "Uid:\treal\teffective..." */
	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) > 0) {
		if ((p = strstr(buf, "\nUid:")))
			sscanf(p + 5, "%*u %u", &v->uid);
		if ((p = strstr(buf, "\nGid:")))
			sscanf(p + 5, "%*u %u", &v->gid);
		if ((p = strstr(buf, "\nTgid:")))
			sscanf(p + 6, "%u", &v->pid);
	}
}

/* Under f->mu. */
static void add_violation(struct fan *f, const struct slot *s, int rule, bool denied,
			  const struct fan_opener *who, const char *path)
{
	struct fan_violation *v;

	if (f->nv == FAN_VIOLATIONS) {
		f->st.lost++;
		return;
	}
	v = &f->v[f->nv++];
	memset(v, 0, sizeof(*v));
	fill_task(v, s->pid);
	v->ts_ns = now_boottime_ns();
	v->rule = rule;
	v->exec = s->mask & FAN_OPEN_EXEC_PERM;
	v->denied = denied;
	v->write = who && who->write;
	if (who && who->labels_read)
		v->labels = who->labels;
	else if (f->rules.p->nlabels && f->k.labels_of)
		v->labels = f->k.labels_of(f->k.ctx, v->pid);
	snprintf(v->path, sizeof(v->path), "%s", path);
}

/* Under f->mu: answer an undecided open by the fail mode. */
static void fail_mode(struct fan *f, struct slot *s)
{
	char path[4096] = "", link[64];
	ssize_t n;

	f->st.timed_out++;
	if (f->st.fail_closed) { /* before the answer, while the opener waits */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", s->fd);
		if ((n = readlink(link, path, sizeof(path) - 1)) > 0)
			path[n] = 0;
		add_violation(f, s, -1, true, NULL, path);
	}
	respond(f, s->fd, !f->st.fail_closed);
	s->answered = true;
}

static void expire(struct fan *f, uint64_t now)
{
	uint64_t limit = (uint64_t)f->st.timeout_ms * 1000000ull;
	int i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < FAN_QUEUE; i++) {
		struct slot *s = &f->q[i];
		if (s->state == SLOT_FREE || s->answered || now - s->t_ns < limit)
			continue;
		fail_mode(f, s);
		if (s->state == SLOT_QUEUED) { /* the decider never took it */
			close(s->fd);
			s->state = SLOT_FREE;
		}
	}
	pthread_mutex_unlock(&f->mu);
}

static void enqueue(struct fan *f, const struct fanotify_event_metadata *m)
{
	int i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < FAN_QUEUE && f->q[i].state != SLOT_FREE; i++)
		;
	if (i == FAN_QUEUE) { /* the decider is far behind: the fail mode now */
		struct slot s = {.fd = m->fd, .pid = (uint32_t)m->pid, .mask = m->mask};
		fail_mode(f, &s);
		close(m->fd);
	} else {
		f->q[i] = (struct slot){.state = SLOT_QUEUED,
					.fd = m->fd,
					.pid = (uint32_t)m->pid,
					.mask = m->mask,
					.t_ns = now_boottime_ns()};
		pthread_cond_signal(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
}

static void read_events(struct fan *f)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	const struct fanotify_event_metadata *m;
	ssize_t len;

	while ((len = read(f->rules.fd, buf, sizeof(buf))) > 0) {
		for (m = (const void *)buf; FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
			if (m->vers != FANOTIFY_METADATA_VERSION || m->fd < 0)
				continue;
			if (!(m->mask & (FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM))) {
				close(m->fd);
			} else if (!in_session(f, (uint32_t)m->pid)) {
				respond(f, m->fd, true);
				close(m->fd);
				__atomic_add_fetch(&f->st.untracked, 1, __ATOMIC_RELAXED);
			} else {
				enqueue(f, m);
			}
		}
	}
}

static void *reader_main(void *arg)
{
	struct fan *f = arg;
	struct pollfd pf[2] = {{.fd = f->rules.fd, .events = POLLIN},
			       {.fd = f->stop_fd, .events = POLLIN}};

	for (;;) {
		int n = poll(pf, 2, 10);
		if (n > 0 && (pf[0].revents & POLLIN))
			read_events(f);
		expire(f, now_boottime_ns());
		if (pf[1].revents & POLLIN)
			break;
	}
	return NULL;
}

/* Under f->mu: the decider answers (unless the timeout did), frees the slot. */
static void finish(struct fan *f, struct slot *s, int rule, const struct fan_opener *who,
		   const char *path)
{
	const struct policy_rule *r = rule >= 0 ? &f->rules.p->rules[rule] : NULL;
	bool deny = r && r->mode != PR_MODE_AUDIT && r->effect != POLICY_NOTIFY;

	if (!s->answered) {
		if (r) /* first: the opener waits, so its /proc entry is still there */
			add_violation(f, s, rule, deny, who, path);
		respond(f, s->fd, !deny);
		s->answered = true;
		if (r && deny && r->effect == POLICY_KILL)
			kill((pid_t)s->pid, SIGKILL);
	}
	close(s->fd);
	s->state = SLOT_FREE;
}

static void *decider_main(void *arg)
{
	struct fan_opener who;
	struct fan *f = arg;
	char path[4096];
	bool cached;
	int i, rule;

	pthread_mutex_lock(&f->mu);
	for (;;) {
		for (i = 0; i < FAN_QUEUE && f->q[i].state != SLOT_QUEUED; i++)
			;
		if (i == FAN_QUEUE) {
			if (f->stopping)
				break;
			pthread_cond_wait(&f->cv, &f->mu);
			continue;
		}
		f->q[i].state = SLOT_TAKEN;
		pthread_mutex_unlock(&f->mu);
		if (f->stall_ms)
			usleep(f->stall_ms * 1000u);
		who = (struct fan_opener){.tid = f->q[i].pid,
					  .labels_of = opener_labels,
					  .satisfied = session_satisfied,
					  .ctx = f};
		rule = fan_rules_decide(&f->rules, f->q[i].fd, f->q[i].mask, &who, path,
					sizeof(path), &cached);
		pthread_mutex_lock(&f->mu);
		f->st.decided++;
		f->st.cached += cached;
		finish(f, &f->q[i], rule, &who, path);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

static unsigned env_ms(const char *name, unsigned dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	v = strtoul(s, &end, 10);
	return *end || v > 600000 ? dflt : (unsigned)v;
}

static bool any_enforced(const struct policy *p)
{
	int i;

	for (i = 0; i < p->nrules; i++)
		if ((fan_rule_applies(&p->rules[i]) || fan_cond_rule(&p->rules[i])) &&
		    fan_rule_rank(&p->rules[i]) == 3)
			return true;
	return false;
}

/* The threads take no signal: the process's signals stay with the thread
 * that reads them (a signalfd in `proctor run`). */
static int start_threads(struct fan *f)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&f->decider, NULL, decider_main, f);
	if (!rc && (rc = pthread_create(&f->reader, NULL, reader_main, f))) {
		pthread_mutex_lock(&f->mu);
		f->stopping = true;
		pthread_cond_signal(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->decider, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc ? -1 : 0;
}

struct fan *fan_start(const struct policy *p, const char *cg_abs, const struct fan_kernel *k,
		      char *err, size_t errlen)
{
	struct fan *f = calloc(1, sizeof(*f));

	if (!f) {
		snprintf(err, errlen, "out of memory for the fanotify engine");
		return NULL;
	}
	f->rules.p = p;
	f->k = *k;
	f->st.timeout_ms = env_ms("PROCTOR_POLICY_TIMEOUT_MS", FAN_TIMEOUT_MS_DEFAULT);
	f->stall_ms = env_ms("PROCTOR_TEST_POLICY_STALL_MS", 0);
	f->st.fail_closed = any_enforced(p);
	f->stop_fd = -1;
	if (cgroup_rel(cg_abs, f->cg_rel, sizeof(f->cg_rel))) {
		snprintf(err, errlen, "%s: not under a cgroup2 mount", cg_abs);
		goto fail;
	}
	/* FAN_REPORT_TID: the opening thread, whose /proc/TID/syscall is the open */
	f->rules.fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
				    O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (f->rules.fd < 0) {
		snprintf(err, errlen, "files.deny needs fanotify: fanotify_init: %s",
			 strerror(errno));
		goto fail;
	}
	if (fan_rules_mark(&f->rules, err, errlen))
		goto fail_fd;
	f->st.marks = f->rules.nmarks;
	if ((f->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail_fd;
	}
	pthread_mutex_init(&f->mu, NULL);
	pthread_cond_init(&f->cv, NULL);
	if (start_threads(f))
		goto fail_thread;
	return f;
fail_thread:
	snprintf(err, errlen, "cannot start the fanotify threads");
	close(f->stop_fd);
fail_fd:
	close(f->rules.fd);
fail:
	free(f);
	return NULL;
}

/* File systems whose opens carry no data a rule is about (and most of
 * which refuse permission marks): the kernel's views and controls. */
static bool pseudo_fs(const char *type)
{
	static const char *const names[] = {
		"proc",	  "sysfs",    "cgroup",	   "cgroup2",	  "devpts",
		"mqueue", "bpf",      "tracefs",   "debugfs",	  "securityfs",
		"pstore", "configfs", "fusectl",   "binfmt_misc", "efivarfs",
		"autofs", "nsfs",     "hugetlbfs", "rpc_pipefs",  "selinuxfs",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(type, names[i]))
			return true;
	return false;
}

/* A mountinfo field's octal escapes (\040 for a space) decoded in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 3;
		} else
			*o++ = *s;
	}
	*o = 0;
}

/* Mark one line of /proc/PID/mountinfo: the mount reached by its mount
 * point through the process's own root (its namespace's mounts). */
static int mark_mount(struct fan *f, uint32_t pid, char *line, char *err, size_t errlen)
{
	char *sep = strstr(line, " - "), *save, *mp, *type, path[4200];
	int i;

	if (!sep)
		return 0;
	*sep = 0;
	type = strtok_r(sep + 3, " ", &save);
	mp = strtok_r(line, " ", &save);
	for (i = 0; mp && i < 4; i++) /* id, parent, dev, root, then the mount point */
		mp = strtok_r(NULL, " ", &save);
	if (!mp || !type || pseudo_fs(type))
		return 0;
	unescape(mp);
	snprintf(path, sizeof(path), "/proc/%u/root%s", pid, mp);
	if (fanotify_mark(f->rules.fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
			  fan_rules_mount_mask(f->rules.p), AT_FDCWD, path)) {
		if (errno == ENOENT || errno == EACCES) /* a mount point hidden under another */
			return 0;
		snprintf(err, errlen, "fanotify_mark of the session's mount %s (%s): %s", mp, type,
			 strerror(errno));
		return -1;
	}
	f->st.marks++;
	return 0;
}

bool fan_needs_mounts(const struct fan *f)
{
	return f && fan_rules_need_mounts(f->rules.p);
}

int fan_mark_mounts(struct fan *f, uint32_t pid, char *err, size_t errlen)
{
	char path[64], *line = NULL;
	struct stat ns, own;
	size_t cap = 0;
	int rc = 0;
	FILE *in;

	snprintf(path, sizeof(path), "/proc/%u/ns/mnt", pid);
	if (stat(path, &ns) || stat("/proc/self/ns/mnt", &own) || ns.st_ino == own.st_ino) {
		snprintf(err, errlen,
			 "process %u has no mount namespace of its own (its marks "
			 "would hold every open of the host)",
			 pid);
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%u/mountinfo", pid);
	if (!(in = fopen(path, "re"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!rc && getline(&line, &cap, in) > 0) {
		line[strcspn(line, "\n")] = 0;
		rc = mark_mount(f, pid, line, err, errlen);
	}
	free(line);
	fclose(in);
	return rc;
}

void fan_stop(struct fan *f)
{
	uint64_t one = 1;

	if (!f)
		return;
	(void)!write(f->stop_fd, &one, sizeof(one));
	pthread_join(f->reader, NULL);
	pthread_mutex_lock(&f->mu);
	f->stopping = true;
	pthread_cond_signal(&f->cv);
	pthread_mutex_unlock(&f->mu);
	pthread_join(f->decider, NULL);
	close(f->rules.fd); /* the kernel allows whatever is still pending */
	close(f->stop_fd);
	pthread_mutex_destroy(&f->mu);
	pthread_cond_destroy(&f->cv);
	free(f);
}

int fan_take(struct fan *f, struct fan_violation *out, int max)
{
	int n;

	pthread_mutex_lock(&f->mu);
	n = f->nv < max ? f->nv : max;
	memcpy(out, f->v, (size_t)n * sizeof(*out));
	memmove(f->v, f->v + n, (size_t)(f->nv - n) * sizeof(*out));
	f->nv -= n;
	pthread_mutex_unlock(&f->mu);
	return n;
}

void fan_get_stats(struct fan *f, struct fan_stats *st)
{
	pthread_mutex_lock(&f->mu);
	*st = f->st;
	st->untracked = __atomic_load_n(&f->st.untracked, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&f->mu);
}
