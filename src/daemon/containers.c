/* containers.c: the daemon's labelled containers, adopted at their start
 * by the OCI hook (containers.h). */
#include "daemon/containers.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/container_state.h"
#include "daemon/daemon.h"
#include "probe/cgroup.h"
#include "util/util.h"

#define CONTAINERS_CHECK_NS	100000000ull   /* how often ended containers are looked for */
#define CONTAINERS_NEVER_RAN_NS 30000000000ull /* a cgroup nothing ever ran in: given up */

static void free_session(struct container_session *cs)
{
	int i;

	for (i = 0; i < cs->ses.argc; i++)
		free(cs->ses.argv[i]);
	free(cs->ses.argv);
	free(cs);
}

/* The hook file: the runtime runs `exe oci-hook --socket S` at createRuntime
 * for every container (podman's hooks.d format, version 1.0.0). */
static int install_hook(struct daemon_containers *dc, const char *socket, char *err, size_t errlen)
{
	char exe[4096], tmp[4300];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	json_t *j;
	int rc;

	if (n <= 0) {
		snprintf(err, errlen, "cannot find this executable: %s", strerror(errno));
		return -1;
	}
	exe[n] = 0;
	if (mkdir_p(dc->cfg->hooks_dir, 0755)) {
		snprintf(err, errlen, "cannot create the OCI hooks directory %s: %s",
			 dc->cfg->hooks_dir, strerror(errno));
		return -1;
	}
	snprintf(dc->hook_file, sizeof(dc->hook_file), "%s/proctor.json", dc->cfg->hooks_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", dc->hook_file);
	j = json_pack("{s:s,s:{s:s,s:[s,s,s,s]},s:{s:b},s:[s]}", "version", "1.0.0", "hook", "path",
		      exe, "args", "proctor", "oci-hook", "--socket", socket, "when", "always", 1,
		      "stages", "createRuntime");
	rc = j ? json_dump_file(j, tmp, JSON_COMPACT) : -1;
	json_decref(j);
	if (rc || rename(tmp, dc->hook_file)) {
		snprintf(err, errlen, "cannot install the OCI hook %s: %s", dc->hook_file,
			 strerror(errno));
		unlink(tmp);
		*dc->hook_file = 0;
		return -1;
	}
	return 0;
}

void daemon_containers_dir(const char *socket, char *out, size_t len)
{
	snprintf(out, len, "%.180s.containers", socket);
}

int daemon_containers_start(struct daemon_containers *dc, struct app *app,
			    const struct daemon_config *cfg, const char *cg_mount,
			    const char *socket, char *err, size_t errlen)
{
	memset(dc, 0, sizeof(*dc));
	dc->app = app;
	dc->cfg = cfg;
	dc->cgw.fd = -1;
	daemon_containers_dir(socket, dc->saved_dir, sizeof(dc->saved_dir));
	if (!cfg->auto_containers)
		return 0;
	if (*cfg->hooks_dir && install_hook(dc, socket, err, errlen))
		return -1;
	return cgwatch_open(&dc->cgw, cg_mount, err, errlen);
}

/* The labels (of a runtime other than podman, or set with --annotation)
 * from the bundle's OCI config, and the container's command. */
static void from_oci_config(const char *bundle, const struct container_labels *l,
			    struct container_meta *m, struct session *s)
{
	char path[4200];
	json_t *cfg, *ann, *args, *v;
	size_t i, n;

	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (!(cfg = json_load_file(path, 0, NULL)))
		return;
	ann = json_object_get(cfg, "annotations");
	if (!*m->agent && json_is_string(v = json_object_get(ann, l->agent))) {
		snprintf(m->agent, sizeof(m->agent), "%s", json_string_value(v));
		m->labelled = true;
	}
	if (!*m->project && json_is_string(v = json_object_get(ann, l->project))) {
		snprintf(m->project, sizeof(m->project), "%s", json_string_value(v));
		m->labelled = true;
	}
	args = json_object_get(json_object_get(cfg, "process"), "args");
	n = s->argc ? 0 : json_array_size(args); /* podman's state gave it already */
	if (n && n < 4096 && (s->argv = calloc(n + 1, sizeof(char *))))
		for (i = 0; i < n && json_is_string(v = json_array_get(args, i)); i++)
			if ((s->argv[i] = strdup(json_string_value(v))))
				s->argc = (int)i + 1;
	json_decref(cfg);
}

static bool valid_id(const char *id)
{
	size_t i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return false;
	return i == CONTAINER_ID_LEN;
}

static bool containerd_name(const char *s, size_t n);
/* A containerd task bundle, STATE/io.containerd.runtime.v2.task/NS/ID
 * (root's; the shim makes it before runc runs the hooks), of container id:
 * fills ns, c->id and runtime. Its cgroup (linux.cgroupsPath, /NS/ID by
 * default) may be any whose last component is the id. */
static bool containerd_bundle(const struct daemon_containers *dc, const char *bundle,
			      const char *id, const char *cg, char *ns, struct container *c)
{
	char tasks[2200], real[4096], rtasks[4096], *rest, *slash;
	const char *leaf = strrchr(cg, '/');
	struct stat sb;
	size_t n;

	snprintf(tasks, sizeof(tasks), "%s/io.containerd.runtime.v2.task",
		 dc->cfg->containerd_state);
	if (!leaf || strcmp(leaf + 1, id) || !realpath(bundle, real) || !realpath(tasks, rtasks))
		return false;
	n = strlen(rtasks);
	if (strncmp(real, rtasks, n) || real[n] != '/')
		return false;
	rest = real + n + 1;
	if (!(slash = strchr(rest, '/')) || strchr(slash + 1, '/') || strcmp(slash + 1, id) ||
	    !containerd_name(rest, (size_t)(slash - rest)) || stat(real, &sb) ||
	    !S_ISDIR(sb.st_mode) || sb.st_uid != 0)
		return false;
	memcpy(ns, rest, (size_t)(slash - rest));
	ns[slash - rest] = 0;
	memset(c, 0, sizeof(*c));
	snprintf(c->runtime, sizeof(c->runtime), "containerd");
	snprintf(c->id, sizeof(c->id), "%s", id);
	return true;
}

/* The container the state names: its id, init pid, bundle and cgroup,
 * checked against each other. A podman (docker, CRI) container is named by
 * its cgroup; a containerd one (ctr's ids are names) by the shim's task
 * bundle and the last component of its cgroup (ns set, else ""). */
static int check_state(const struct daemon_containers *dc, json_t *state, const char **id,
		       uint32_t *pid, const char **bundle, char *cg, size_t cglen,
		       struct container *parsed, char *ns, char *err, size_t errlen)
{
	json_int_t p = json_integer_value(json_object_get(state, "pid"));

	*ns = 0;
	*id = json_string_value(json_object_get(state, "id"));
	*bundle = json_string_value(json_object_get(state, "bundle"));
	if (!*id || !(valid_id(*id) || containerd_name(*id, strlen(*id))) || !*bundle || p <= 0 ||
	    p > INT32_MAX) {
		snprintf(err, errlen,
			 "container.start: the state needs id (64 hex digits, or a containerd "
			 "name), pid and bundle");
		return -1;
	}
	*pid = (uint32_t)p;
	if (proc_cgroup2_path(*pid, cg, cglen)) {
		snprintf(err, errlen, "container %.12s: its init (pid %u) is gone", *id, *pid);
		return -1;
	}
	if (container_from_cgroup(cg, parsed) && !strcmp(parsed->id, *id))
		return 0;
	if (containerd_name(*id, strlen(*id)) &&
	    containerd_bundle(dc, *bundle, *id, cg, ns, parsed))
		return 0;
	*ns = 0;
	snprintf(err, errlen, "container %.12s: pid %u's cgroup %.2048s is not its", *id, *pid, cg);
	return -1;
}

static void set_user(struct session *s, uint32_t pid)
{
	char path[64], buf[2048], *p;
	struct passwd *pw;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	if (read_small_file(path, buf, sizeof(buf)) > 0 && (p = strstr(buf, "\nUid:")) &&
	    (pw = getpwuid((uid_t)strtoul(p + 5, NULL, 10))))
		snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
}

static int adopt(struct daemon_containers *dc, struct container_session *cs,
		 const struct container_meta *m, const char *cg, uint32_t pid, char *err,
		 size_t errlen)
{
	char **argv = cs->ses.argv; /* the command, read before the attribution */
	int argc = cs->ses.argc;

	if (dc->n >= CONTAINERS_MAX_SESSIONS) {
		snprintf(err, errlen, "too many container sessions (at most %d)",
			 CONTAINERS_MAX_SESSIONS);
		return -1;
	}
	if (adopt_check_cgroup(&cs->ad, cg, err, errlen))
		return -1;
	session_init(&cs->ses, *m->agent ? m->agent : NULL, *m->project ? m->project : NULL);
	cs->ses.argv = argv;
	cs->ses.argc = argc;
	snprintf(cs->ses.origin, sizeof(cs->ses.origin), "auto");
	cs->ses.container = m->c;
	cs->ses.root_pid = pid;
	set_user(&cs->ses, pid);
	return app_adopt_cgroup(dc->app, &cs->ses, &cs->ad, err, errlen);
}

static struct container_session *adopted(const struct daemon_containers *dc, const char *id)
{
	size_t i;

	for (i = 0; i < dc->n; i++)
		if (!strcmp(dc->s[i]->ses.container.id, id))
			return dc->s[i];
	return NULL;
}

static bool was_ignored(const struct daemon_containers *dc, const char *id)
{
	size_t i;

	for (i = 0; i < CONTAINERS_IGNORED_KEEP; i++)
		if (!strcmp(dc->ignored_ids[i], id))
			return true;
	return false;
}

static void ignore(struct daemon_containers *dc, const char *id)
{
	if (was_ignored(dc, id))
		return;
	snprintf(dc->ignored_ids[dc->ignored_next], sizeof(dc->ignored_ids[0]), "%s", id);
	dc->ignored_next = (dc->ignored_next + 1) % CONTAINERS_IGNORED_KEEP;
	dc->ignored++;
}

static void note_adopted(struct daemon_containers *dc, struct container_session *cs, uint64_t t0,
			 const char *how)
{
	const struct container *c = &cs->ses.container;

	dc->s[dc->n++] = cs;
	dc->started++;
	containers_saved_write(dc->saved_dir, cs);
	cs->adopted_mono_ns = now_monotonic_ns();
	dc->last_adopt_ns = cs->adopted_mono_ns - t0;
	fprintf(stderr,
		"proctor: session %s: adopted %s container %s (%.12s, agent %s) %s in %.1f ms\n",
		cs->ses.id, c->runtime, *c->name ? c->name : "?", c->id, cs->ses.agent, how,
		(double)dc->last_adopt_ns / 1e6);
}

int daemon_container_start(struct daemon_containers *dc, json_t *state,
			   const struct session **session, const char **why, char *err,
			   size_t errlen)
{
	const struct container_labels l = {dc->cfg->agent_label, dc->cfg->project_label};
	uint64_t t0 = now_monotonic_ns();
	struct container_session *cs;
	struct container_meta m;
	struct container_cmd cmd = {0};
	const char *id, *bundle;
	char cg[4096], e2[1024] = "", ns[CONTAINER_ID_LEN + 1];
	uint32_t pid;

	*session = NULL;
	*why = NULL;
	memset(&m, 0, sizeof(m));
	if (!dc->cfg->auto_containers) {
		*why = "container auto-adoption is off";
		return 0;
	}
	if (check_state(dc, state, &id, &pid, &bundle, cg, sizeof(cg), &m.c, ns, err, errlen))
		return -1;
	if ((cs = adopted(dc, id))) { /* the cgroup fallback saw it first */
		*session = &cs->ses;
		cs->seen_alive = true;
		return 0;
	}
	if (was_ignored(dc, id)) {
		*why = "it has no attribution label";
		return 0;
	}
	if (!(cs = calloc(1, sizeof(*cs))))
		return -1;
	cs->ses.exit_code = -1;
	if (!strcmp(m.c.runtime, "podman") &&
	    container_state_podman(id, bundle, &l, &m, &cmd, e2, sizeof(e2)))
		dbg_msg("container %.12s: %s", id, e2); /* the annotations may still say */
	else if (*ns && container_state_containerd(dc->cfg->containerd_root, ns, id, &l, &m, e2,
						   sizeof(e2)))
		dbg_msg("containerd container %s: %s", id, e2);
	cs->ses.argv = cmd.argv;
	cs->ses.argc = cmd.argc;
	from_oci_config(bundle, &l, &m, &cs->ses);
	if (!m.labelled) {
		ignore(dc, id);
		*why = "it has no attribution label";
		free_session(cs);
		return 0;
	}
	if (adopt(dc, cs, &m, cg, pid, err, errlen)) {
		dc->refused++;
		free_session(cs);
		return -1;
	}
	cs->seen_alive = true;
	note_adopted(dc, cs, t0, "at its start (OCI hook)");
	*session = &cs->ses;
	return 0;
}

/* A containerd id (ctr's are names: [A-Za-z0-9][A-Za-z0-9._-]*), or a
 * namespace's name. */
static bool containerd_name(const char *s, size_t n)
{
	size_t i;

	if (!n || n > CONTAINER_ID_LEN ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* A new cgroup /NS/ID (containerd's default cgroups path under cgroupfs)
 * whose task bundle STATE/io.containerd.runtime.v2.task/NS/ID the shim has
 * made: a containerd container. Fills ns, c->id, runtime and bundle. */
static bool containerd_cgroup(const struct daemon_containers *dc, const char *rel, char *ns,
			      struct container *c, char *bundle, size_t blen)
{
	const char *id = strchr(rel + 1, '/');
	struct stat sb;
	size_t nl;

	if (*rel != '/' || !id || strchr(id + 1, '/') ||
	    !containerd_name(rel + 1, (size_t)(id - rel - 1)) ||
	    !containerd_name(id + 1, strlen(id + 1)))
		return false;
	nl = (size_t)(id - rel - 1);
	memcpy(ns, rel + 1, nl);
	ns[nl] = 0;
	snprintf(bundle, blen, "%s/io.containerd.runtime.v2.task/%s/%s", dc->cfg->containerd_state,
		 ns, id + 1);
	if (stat(bundle, &sb) || !S_ISDIR(sb.st_mode) || sb.st_uid != 0)
		return false;
	memset(c, 0, sizeof(*c));
	snprintf(c->runtime, sizeof(c->runtime), "containerd");
	snprintf(c->id, sizeof(c->id), "%s", id + 1);
	return true;
}

/* What the fallback reads of a new container cgroup's runtime: 0 with m
 * and cmd (podman's state; containerd's metadata and task bundle), or -1
 * (not a container this knows, or its state said nothing). */
static int fallback_meta(struct daemon_containers *dc, const char *rel, struct container_meta *m,
			 struct container_cmd *cmd, struct session *s)
{
	const struct container_labels l = {dc->cfg->agent_label, dc->cfg->project_label};
	char err[1024], ns[CONTAINER_ID_LEN + 1], bundle[2200];

	if (container_from_cgroup(rel, &m->c) && !strcmp(m->c.runtime, "podman")) {
		if (adopted(dc, m->c.id) || was_ignored(dc, m->c.id))
			return -1;
		if (!container_state_podman_root(m->c.id, dc->cfg->podman_storage, &l, m, cmd, err,
						 sizeof(err)))
			return 0;
	} else if (containerd_cgroup(dc, rel, ns, &m->c, bundle, sizeof(bundle))) {
		if (adopted(dc, m->c.id) || was_ignored(dc, m->c.id))
			return -1;
		if (!container_state_containerd(dc->cfg->containerd_root, ns, m->c.id, &l, m, err,
						sizeof(err))) {
			from_oci_config(bundle, &l, m, s); /* the command, annotations */
			return 0;
		}
	} else
		return -1;
	dbg_msg("new container cgroup %s: %s", rel, err);
	return -1;
}

/* The fallback: a new cgroup that names a podman or containerd container.
 * Its config was written at `podman create` (`ctr run`), before the
 * cgroup; nothing runs in the cgroup yet, or only the runtime's init. */
static void on_new_cgroup(void *ctx, const char *rel)
{
	struct daemon_containers *dc = ctx;
	uint64_t t0 = now_monotonic_ns();
	struct container_session *cs;
	struct container_cmd cmd = {0};
	struct container_meta m;
	struct session tmp = {0};
	char err[1024];

	memset(&m, 0, sizeof(m));
	if (fallback_meta(dc, rel, &m, &cmd, &tmp))
		return;
	if (tmp.argc) { /* containerd's command, from its bundle */
		container_cmd_free(&cmd);
		cmd.argv = tmp.argv;
		cmd.argc = tmp.argc;
	}
	if (!m.labelled || !(cs = calloc(1, sizeof(*cs)))) {
		if (!m.labelled)
			ignore(dc, m.c.id);
		container_cmd_free(&cmd);
		return;
	}
	cs->ses.exit_code = -1;
	cs->ses.argv = cmd.argv;
	cs->ses.argc = cmd.argc;
	if (adopt(dc, cs, &m, rel, 0, err, sizeof(err))) {
		err_msg("container %.12s (cgroup %s): %s", m.c.id, rel, err);
		dc->refused++;
		free_session(cs);
		return;
	}
	note_adopted(dc, cs, t0, "when its cgroup appeared (no OCI hook yet)");
}

int daemon_containers_fd(const struct daemon_containers *dc)
{
	return dc->cgw.fd;
}

void daemon_containers_on_cgroups(struct daemon_containers *dc)
{
	if (dc->cgw.fd >= 0)
		cgwatch_read(&dc->cgw, on_new_cgroup, dc);
}

static void end_one(struct daemon_containers *dc, size_t i)
{
	struct container_session *cs = dc->s[i];

	app_release_adopted(dc->app, &cs->ses, &cs->ad);
	containers_saved_remove(dc->saved_dir, cs->ses.id);
	dc->s[i] = dc->s[--dc->n];
	dc->ended++;
	free_session(cs);
}

void daemon_containers_tick(struct daemon_containers *dc)
{
	uint64_t now = now_monotonic_ns();
	size_t i;

	if (!dc->n || now < dc->next_check_ns)
		return;
	dc->next_check_ns = now + CONTAINERS_CHECK_NS;
	for (i = dc->n; i-- > 0;) {
		struct container_session *cs = dc->s[i];
		/* a recorded process counts as seen alive: a container adopted by
		 * the cgroup fallback can start and end between two checks */
		if (!cs->gone && adopt_alive(&cs->ad))
			cs->seen_alive = true;
		else if (cs->seen_alive || cs->ses.processes ||
			 now - cs->adopted_mono_ns > CONTAINERS_NEVER_RAN_NS)
			end_one(dc, i);
	}
}

void daemon_containers_end_all(struct daemon_containers *dc)
{
	while (dc->n)
		end_one(dc, dc->n - 1);
	if (dc->cgw.fd >= 0)
		cgwatch_close(&dc->cgw);
	if (*dc->saved_dir)
		containers_saved_clear(dc->saved_dir);
}

void daemon_containers_let_go(struct daemon_containers *dc)
{
	if (dc->cgw.fd >= 0)
		cgwatch_close(&dc->cgw);
}

void daemon_containers_free(struct daemon_containers *dc)
{
	while (dc->n)
		free_session(dc->s[--dc->n]);
}

/* Frozen by the previous daemon's watchdog (watchdog.h): registered again,
 * so it runs on, recorded. */
static void thaw_if_marked(const struct daemon_containers *dc, const struct container_session *cs)
{
	char mark[4400];

	snprintf(mark, sizeof(mark), "%s/%s" WATCHDOG_FROZEN_SUFFIX, dc->saved_dir, cs->ses.id);
	if (access(mark, F_OK))
		return;
	if (!cs->gone && cgroup_freeze(cs->ad.cg_abs, false))
		err_msg("warning: container session %s: cannot thaw %s: %s", cs->ses.id,
			cs->ad.cg_abs, strerror(errno));
	unlink(mark);
}

/* A saved session: registered again under its key (the kernel has tracked
 * its cgroup all along), its counts from the store, no second
 * session.adopt. One whose cgroup is gone ended in the gap: it is closed at
 * the next check, with what the ring buffered. */
static void resume_one(void *ctx, struct container_session *cs)
{
	struct daemon_containers *dc = ctx;
	uint64_t id = 0;
	char err[512];

	cs->gone = cgroup_id(cs->ad.cg_abs, &id) || id != cs->ses.cgroup_id;
	daemon_stored_counts(dc->resume_store, &cs->ses);
	if (dc->n >= CONTAINERS_MAX_SESSIONS ||
	    app_resume_session(dc->app, &cs->ses, cs->ad.cg_rel, err, sizeof(err))) {
		err_msg("container session %s of the previous daemon: %s", cs->ses.id,
			dc->n >= CONTAINERS_MAX_SESSIONS ? "too many sessions" : err);
		containers_saved_remove(dc->saved_dir, cs->ses.id);
		free_session(cs);
		return;
	}
	cs->seen_alive = true;
	cs->adopted_mono_ns = now_monotonic_ns();
	thaw_if_marked(dc, cs);
	dc->s[dc->n++] = cs;
	dc->resumed++;
	dbg_msg("session %s: took back %s container %s (%.12s)%s", cs->ses.id,
		cs->ses.container.runtime, *cs->ses.container.name ? cs->ses.container.name : "?",
		cs->ses.container.id, cs->gone ? ", its cgroup is gone" : "");
}

void daemon_containers_resume(struct daemon_containers *dc, bool reopened, const char *store_path)
{
	char mount[4096], err[512];

	if (!reopened || cgroup2_mount(mount, sizeof(mount), err, sizeof(err))) {
		containers_saved_clear(dc->saved_dir); /* nothing of them survived */
		return;
	}
	dc->resume_store = store_path;
	containers_saved_foreach(dc->saved_dir, mount, resume_one, dc);
	dc->resume_store = NULL;
}
