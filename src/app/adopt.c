/* adopt.c: adopting a running process tree or a cgroup into a session
 * (see adopt.h for the choice: a tree moves into a fresh session cgroup, a
 * cgroup is tracked in place), with the records that say so. */
#include "app/adopt.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe/cgroup.h"
#include "util/util.h"

#define ADOPT_MAX_PROCS 65536

/* State and parent from /proc/PID/stat; -1 when the pid is gone. */
static int pid_stat(uint32_t pid, char *state, uint32_t *ppid)
{
	char path[64], buf[1024], *p;
	int pp = 0;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0 || !(p = strrchr(buf, ')')))
		return -1;
	if (sscanf(p + 2, "%c %d", state, &pp) != 2)
		return -1;
	*ppid = (uint32_t)pp;
	return 0;
}

static bool in_session_cgroup(const char *rel)
{
	return !strncmp(rel, "/proctor/", 9) || !strcmp(rel, "/proctor");
}

int adopt_check_pid(const struct app *a, uint32_t pid, char *err, size_t errlen)
{
	char cg[4096], state;
	uint32_t ppid;
	struct proc *p;

	if (!pid || pid_stat(pid, &state, &ppid)) {
		snprintf(err, errlen, "no process %u (it is gone, or never was)", pid);
		return -1;
	}
	if (state == 'Z' || state == 'X') {
		snprintf(err, errlen, "process %u has exited", pid);
		return -1;
	}
	if (pid == (uint32_t)getpid()) {
		snprintf(err, errlen, "process %u is this proctor", pid);
		return -1;
	}
	if (proc_cgroup2_path(pid, cg, sizeof(cg))) {
		snprintf(err, errlen, "process %u has no cgroup v2 membership", pid);
		return -1;
	}
	if (in_session_cgroup(cg)) {
		snprintf(err, errlen, "process %u is already in a session (cgroup %s)", pid, cg);
		return -1;
	}
	p = proctree_get((struct proctree *)&a->procs, pid);
	if (p && !p->exited && session_find(&a->pipeline.sessions, p->session_key)) {
		snprintf(err, errlen, "process %u is already in session %s", pid,
			 session_find(&a->pipeline.sessions, p->session_key)->id);
		return -1;
	}
	return 0;
}

/* A ".." component anywhere: the path would leave the hierarchy. */
static bool has_dotdot(const char *p)
{
	while ((p = strstr(p, "/.."))) {
		if (!p[3] || p[3] == '/')
			return true;
		p += 3;
	}
	return false;
}

int adopt_check_cgroup(struct adopt *ad, const char *cgroup, char *err, size_t errlen)
{
	size_t mlen, n;
	const char *rel = cgroup;
	struct stat sb;
	char procs[4200];

	memset(ad, 0, sizeof(*ad));
	if (cgroup2_mount(ad->mount, sizeof(ad->mount), err, errlen))
		return -1;
	mlen = strlen(ad->mount);
	if (!strncmp(cgroup, ad->mount, mlen) && (cgroup[mlen] == '/' || !cgroup[mlen]))
		rel = cgroup + mlen;
	if (*rel != '/' || has_dotdot(rel)) {
		snprintf(err, errlen,
			 "--cgroup %s: give a cgroup as a path in %s or as in /proc/PID/cgroup "
			 "(e.g. /system.slice/foo.service)",
			 cgroup, ad->mount);
		return -1;
	}
	snprintf(ad->cg_rel, sizeof(ad->cg_rel), "%s", rel);
	while ((n = strlen(ad->cg_rel)) > 1 && ad->cg_rel[n - 1] == '/')
		ad->cg_rel[n - 1] = 0;
	if (!strcmp(ad->cg_rel, "/")) {
		snprintf(err, errlen, "--cgroup %s is the root cgroup: that is the whole host",
			 cgroup);
		return -1;
	}
	snprintf(ad->cg_abs, sizeof(ad->cg_abs), "%s%s", ad->mount, ad->cg_rel);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", ad->cg_abs);
	if (stat(ad->cg_abs, &sb) || !S_ISDIR(sb.st_mode) || access(procs, F_OK)) {
		snprintf(err, errlen, "--cgroup %s: no such cgroup (%s)", cgroup, ad->cg_abs);
		return -1;
	}
	if (in_session_cgroup(ad->cg_rel)) {
		snprintf(err, errlen, "--cgroup %s is already a proctor session's", cgroup);
		return -1;
	}
	return 0;
}

int adopt_check_container(struct adopt *ad, const char *ref, struct container_meta *m, char *err,
			  size_t errlen)
{
	char cg[4096];
	struct container parsed;

	if (container_inspect(ref, m, err, errlen))
		return -1;
	if (!m->pid || proc_cgroup2_path(m->pid, cg, sizeof(cg))) {
		snprintf(err, errlen, "container '%s' (%.12s) is not running", ref, m->c.id);
		return -1;
	}
	if (!container_from_cgroup(cg, &parsed) || strcmp(parsed.id, m->c.id)) {
		snprintf(err, errlen,
			 "container '%s' (%.12s): its cgroup v2 path %s does not name it (a "
			 "cgroup v1 runtime?); adopt its processes with --pid %u",
			 ref, m->c.id, cg, m->pid);
		return -1;
	}
	if (*parsed.pod_uid) /* the kubepods path names the pod; else the CRI label */
		snprintf(m->c.pod_uid, sizeof(m->c.pod_uid), "%s", parsed.pod_uid);
	return adopt_check_cgroup(ad, cg, err, errlen);
}

/* A user-space record of session s about pid (session.adopt, process.adopt):
 * the common fields like a kernel record's, then the caller's. */
static struct record *begin_record(struct app *a, struct session *s, uint32_t pid, const char *type)
{
	struct record *r = pipeline_record(&a->pipeline);
	struct pr_hdr h = {.pid = pid, .tid = pid, .session_key = s->key};
	char path[64], comm[64] = "";
	struct proc *p = pid ? proctree_get(&a->procs, pid) : NULL;
	long n;

	if (pid) {
		snprintf(path, sizeof(path), "/proc/%u/comm", pid);
		if ((n = read_small_file(path, comm, sizeof(comm))) > 0 && comm[n - 1] == '\n')
			comm[n - 1] = 0;
	}
	snprintf(h.comm, sizeof(h.comm), "%s", comm);
	h.ppid = p ? p->ppid : 0;
	h.ts_ns = now_boottime_ns();
	r->session_key = s->key;
	r->pid = pid;
	decode_common(&a->dctx, &h, type, r);
	return r;
}

static void record_session_adopt(struct app *a, struct session *s, const struct adopt *ad)
{
	struct record *r = begin_record(a, s, ad->root, "session.adopt");

	record_add_str_ref(r, "session.origin", s->origin);
	record_add_str_ref(r, "session.adopt.cgroup", ad->cg_rel);
	if (ad->root)
		record_add_int(r, "session.adopt.pid", ad->root);
	record_add_int(r, "session.adopt.moved", (int64_t)ad->nmoves);
	pipeline_commit(&a->pipeline, r);
}

static void record_moves(struct app *a, struct session *s, const struct adopt *ad)
{
	size_t i;

	for (i = 0; i < ad->nmoves; i++) {
		struct record *r = begin_record(a, s, ad->moves[i].pid, "process.adopt");
		record_add_str_ref(r, "process.cgroup.previous", ad->moves[i].from);
		record_add_str_ref(r, "process.cgroup.path", ad->cg_rel);
		pipeline_commit(&a->pipeline, r);
	}
}

static bool moved(const struct adopt *ad, uint32_t pid)
{
	size_t i;

	for (i = 0; i < ad->nmoves; i++)
		if (ad->moves[i].pid == pid)
			return true;
	return false;
}

/* Move one process; 1 when it is gone meanwhile or was born in the
 * session cgroup (neither is an error, nor a move). */
static int move_one(struct adopt *ad, uint32_t pid)
{
	char from[4096];
	struct adopt_move *m;
	size_t n = strlen(ad->cg_rel);

	if (proc_cgroup2_path(pid, from, sizeof(from)) ||
	    (!strncmp(from, ad->cg_rel, n) && (!from[n] || from[n] == '/')))
		return 1;
	if (ad->nmoves >= ADOPT_MAX_PROCS) {
		errno = E2BIG;
		return -1;
	}
	if (!(m = realloc(ad->moves, (ad->nmoves + 1) * sizeof(*m))))
		return -1;
	ad->moves = m;
	if (cgroup_move(ad->cg_abs, (pid_t)pid))
		return errno == ESRCH ? 1 : -1;
	m[ad->nmoves].pid = pid;
	m[ad->nmoves].from = strdup(from);
	ad->nmoves++;
	return 0;
}

/* One pass over /proc: move every child of a moved process not moved yet.
 * Returns how many moved, or -1. A child forked before its parent moved
 * is in /proc by then, so passes until one moves nothing catch them all;
 * one forked after is born in the session cgroup. */
static int move_children(struct adopt *ad)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	uint32_t pid, ppid, self = (uint32_t)getpid();
	int n = 0, rc;
	char state;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (uint32_t)strtoul(de->d_name, NULL, 10);
		if (pid == self || moved(ad, pid) || pid_stat(pid, &state, &ppid) ||
		    !moved(ad, ppid))
			continue;
		if ((rc = move_one(ad, pid)) < 0) {
			closedir(d);
			return -1;
		}
		n += rc == 0;
	}
	closedir(d);
	return n;
}

static void move_back(struct adopt *ad)
{
	char to[8200];
	size_t i;

	for (i = ad->nmoves; i-- > 0;) {
		snprintf(to, sizeof(to), "%s%s", ad->mount, ad->moves[i].from);
		cgroup_move(to, (pid_t)ad->moves[i].pid);
	}
}

static void free_moves(struct adopt *ad)
{
	size_t i;

	for (i = 0; i < ad->nmoves; i++)
		free(ad->moves[i].from);
	free(ad->moves);
	ad->moves = NULL;
	ad->nmoves = 0;
}

static int move_tree(struct adopt *ad, uint32_t pid, char *err, size_t errlen)
{
	int rc = move_one(ad, pid), pass = 0;

	if (rc) {
		snprintf(err, errlen, "cannot move process %u into %s: %s", pid, ad->cg_abs,
			 rc > 0 ? "it has exited" : strerror(errno));
		return -1;
	}
	while ((rc = move_children(ad)) > 0 && ++pass < 1000)
		;
	if (rc < 0) {
		snprintf(err, errlen, "cannot move the descendants of %u into %s: %s", pid,
			 ad->cg_abs, strerror(errno));
		return -1;
	}
	return 0;
}

/* Registration shared by both targets: the session's identity, the app's
 * session (tracking and seeding), then the adoption records. */
static int register_adopted(struct app *a, struct session *s, struct adopt *ad, char *err,
			    size_t errlen)
{
	if (!strcmp(s->origin, "run")) /* session_init's; the daemon's containers say "auto" */
		snprintf(s->origin, sizeof(s->origin), "watch");
	snprintf(s->cgroup_path, sizeof(s->cgroup_path), "%s", ad->cg_abs);
	if (cgroup_id(ad->cg_abs, &s->cgroup_id)) {
		snprintf(err, errlen, "cannot stat cgroup %s: %s", ad->cg_abs, strerror(errno));
		return -1;
	}
	s->adopted_ns = now_realtime_ns();
	if (app_add_session(a, s, ad->cg_rel, 0, err, errlen)) {
		probe_untrack_session(&a->probe, s->key);
		session_remove(&a->pipeline.sessions, s);
		return -1;
	}
	record_session_adopt(a, s, ad);
	record_moves(a, s, ad);
	return 0;
}

int app_adopt_pid(struct app *a, struct session *s, uint32_t pid, struct adopt *ad, char *err,
		  size_t errlen)
{
	memset(ad, 0, sizeof(*ad));
	ad->root = pid;
	if (cgroup2_mount(ad->mount, sizeof(ad->mount), err, errlen) ||
	    cgroup_create(ad->mount, s->id, ad->cg_abs, sizeof(ad->cg_abs), ad->cg_rel,
			  sizeof(ad->cg_rel), err, errlen))
		return -1;
	ad->owns_cgroup = true;
	if (move_tree(ad, pid, err, errlen) || register_adopted(a, s, ad, err, errlen)) {
		move_back(ad);
		free_moves(ad);
		cgroup_remove(ad->cg_abs);
		return -1;
	}
	return 0;
}

/* Track every cgroup below abs (top-down: one made meanwhile under a
 * tracked one joins in the kernel). */
static int track_below(struct app *a, uint64_t key, const char *abs)
{
	DIR *d = opendir(abs);
	struct dirent *de;
	char path[8200];
	uint64_t id;
	int rc = 0;

	if (!d)
		return 0; /* removed meanwhile */
	while (!rc && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", abs, de->d_name);
		if (cgroup_id(path, &id))
			continue;
		if (!(rc = probe_track_cgroup(&a->probe, id, key)))
			rc = track_below(a, key, path);
	}
	closedir(d);
	return rc;
}

int app_adopt_cgroup(struct app *a, struct session *s, struct adopt *ad, char *err, size_t errlen)
{
	uint64_t id;
	int rc;

	if (cgroup_id(ad->cg_abs, &id)) {
		snprintf(err, errlen, "cannot stat cgroup %s: %s", ad->cg_abs, strerror(errno));
		return -1;
	}
	if ((rc = probe_track_cgroup(&a->probe, id, s->key)) ||
	    (rc = track_below(a, s->key, ad->cg_abs))) {
		probe_untrack_session(&a->probe, s->key);
		snprintf(err, errlen, "cannot track cgroup %s: %s", ad->cg_abs, strerror(-rc));
		return -1;
	}
	return register_adopted(a, s, ad, err, errlen);
}

bool adopt_alive(const struct adopt *ad)
{
	return cgroup_populated(ad->cg_abs);
}

/* Survivors of an adopted tree go back to the cgroup they came from (the
 * root's, for one born in the session). */
static void return_survivors(struct adopt *ad, const char *abs)
{
	char path[8200], buf[65536], *line, *save;
	DIR *d;
	struct dirent *de;
	uint32_t pid;
	size_t i;

	snprintf(path, sizeof(path), "%s/cgroup.procs", abs);
	if (read_small_file(path, buf, sizeof(buf)) > 0)
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			const char *from = ad->moves[0].from;
			pid = (uint32_t)strtoul(line, NULL, 10);
			for (i = 0; i < ad->nmoves; i++)
				if (ad->moves[i].pid == pid)
					from = ad->moves[i].from;
			snprintf(path, sizeof(path), "%s%s", ad->mount, from);
			if (cgroup_move(path, (pid_t)pid))
				cgroup_move(ad->mount, (pid_t)pid);
		}
	if (!(d = opendir(abs)))
		return;
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", abs, de->d_name);
			return_survivors(ad, path);
		}
	closedir(d);
}

void app_release_adopted(struct app *a, struct session *s, struct adopt *ad)
{
	app_end_session(a, s);
	if (ad->owns_cgroup) {
		if (ad->nmoves)
			return_survivors(ad, ad->cg_abs);
		cgroup_remove(ad->cg_abs);
	}
	free_moves(ad);
}

int app_adopt_auto(struct app *a, struct session *s, uint32_t pid, char *err, size_t errlen)
{
	struct record *r;

	snprintf(s->origin, sizeof(s->origin), "auto");
	s->adopted_ns = now_realtime_ns();
	if (pipeline_add_session(&a->pipeline, s)) {
		snprintf(err, errlen, "too many sessions (at most %d at once)", SESSION_TABLE_MAX);
		return -1;
	}
	if (pipeline_session_begin(&a->pipeline, s)) {
		snprintf(err, errlen, "a sink could not record the session start");
		pipeline_remove_session(&a->pipeline, s);
		return -1;
	}
	r = begin_record(a, s, pid, "session.adopt");
	record_add_str_ref(r, "session.origin", s->origin);
	record_add_int(r, "session.adopt.pid", pid);
	pipeline_commit(&a->pipeline, r);
	return 0;
}

bool app_session_alive(const struct app *a, uint64_t session_key)
{
	const struct proctree *t = &a->procs;
	size_t i;

	for (i = 0; i < t->cap; i++)
		if (t->slots[i].pid && t->slots[i].session_key == session_key &&
		    !t->slots[i].exited)
			return true;
	return false;
}
