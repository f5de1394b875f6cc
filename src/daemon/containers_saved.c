/* containers_saved.c: the daemon's container sessions on disk
 * (containers.h): SOCKET.containers/ID.json, written when a labelled
 * container is adopted and removed when its session ends, holds what the
 * kernel's pinned maps do not (the session's identity, attribution,
 * command, container and cgroup), so a daemon that starts after a restart
 * or a kill -9 takes the session back instead of starting a second one. */
#include "daemon/containers.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/watchdog.h"
#include "probe/cgroup.h"
#include "util/util.h"

static void file_of(const char *dir, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.json", dir, id);
}

static json_t *container_json(const struct container *c)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "runtime", c->runtime, "id", c->id,
			 "name", c->name, "image", c->image, "pod_name", c->pod_name, "pod_uid",
			 c->pod_uid, "pod_namespace", c->pod_namespace);
}

int containers_saved_write(const char *dir, const struct container_session *cs)
{
	const struct session *x = &cs->ses;
	char path[4400], tmp[4410], key[24];
	json_t *argv = json_array(), *j;
	int i, rc;

	for (i = 0; i < x->argc; i++)
		json_array_append_new(argv, json_string(x->argv[i]));
	snprintf(key, sizeof(key), "%016llx", (unsigned long long)x->key);
	j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:s,s:i,s:o}", "id", x->id, "key", key,
		      "agent", x->agent, "project", x->project, "user", x->user, "argv", argv,
		      "start_ns", (json_int_t)x->start_ns, "adopted_ns", (json_int_t)x->adopted_ns,
		      "cgroup_id", (json_int_t)x->cgroup_id, "cg_rel", cs->ad.cg_rel, "root_pid",
		      (int)x->root_pid, "container", container_json(&x->container));
	if (!j)
		return -1;
	mkdir(dir, 0700);
	file_of(dir, x->id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rc = json_dump_file(j, tmp, JSON_COMPACT) || rename(tmp, path) ? -1 : 0;
	json_decref(j);
	if (rc)
		err_msg("cannot save container session state %s: %s", path, strerror(errno));
	return rc;
}

void containers_saved_remove(const char *dir, const char *id)
{
	char path[4400];

	file_of(dir, id, path, sizeof(path));
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s" WATCHDOG_FROZEN_SUFFIX, dir, id);
	unlink(path); /* the watchdog's mark (watchdog.h), if any */
}

static void copy_field(char *dst, size_t len, json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	snprintf(dst, len, "%s", v ? v : "");
}

static int parse_argv(struct session *s, json_t *argv)
{
	size_t i, n = json_array_size(argv);

	if (!n || !(s->argv = calloc(n + 1, sizeof(char *))))
		return -1;
	for (i = 0; i < n; i++) {
		const char *a = json_string_value(json_array_get(argv, i));
		if (!a || !(s->argv[i] = strdup(a)))
			return -1;
		s->argc = (int)i + 1;
	}
	return 0;
}

static void free_parsed(struct container_session *cs)
{
	int i;

	for (i = 0; i < cs->ses.argc; i++)
		free(cs->ses.argv[i]);
	free(cs->ses.argv);
	free(cs);
}

/* A session from its file; NULL when the file is not one of ours. */
static struct container_session *parse_saved(json_t *j, const char *mount)
{
	struct container_session *cs = calloc(1, sizeof(*cs));
	const char *key = json_string_value(json_object_get(j, "key"));
	json_t *c = json_object_get(j, "container");
	struct session *s;

	if (!cs)
		return NULL;
	s = &cs->ses;
	s->exit_code = -1;
	copy_field(s->id, sizeof(s->id), j, "id");
	copy_field(s->agent, sizeof(s->agent), j, "agent");
	copy_field(s->project, sizeof(s->project), j, "project");
	copy_field(s->user, sizeof(s->user), j, "user");
	copy_field(cs->ad.cg_rel, sizeof(cs->ad.cg_rel), j, "cg_rel");
	copy_field(s->container.runtime, sizeof(s->container.runtime), c, "runtime");
	copy_field(s->container.id, sizeof(s->container.id), c, "id");
	copy_field(s->container.name, sizeof(s->container.name), c, "name");
	copy_field(s->container.image, sizeof(s->container.image), c, "image");
	copy_field(s->container.pod_name, sizeof(s->container.pod_name), c, "pod_name");
	copy_field(s->container.pod_uid, sizeof(s->container.pod_uid), c, "pod_uid");
	copy_field(s->container.pod_namespace, sizeof(s->container.pod_namespace), c,
		   "pod_namespace");
	s->key = key ? strtoull(key, NULL, 16) : 0;
	s->start_ns = (uint64_t)json_integer_value(json_object_get(j, "start_ns"));
	s->adopted_ns = (uint64_t)json_integer_value(json_object_get(j, "adopted_ns"));
	s->cgroup_id = (uint64_t)json_integer_value(json_object_get(j, "cgroup_id"));
	s->root_pid = (uint32_t)json_integer_value(json_object_get(j, "root_pid"));
	snprintf(s->origin, sizeof(s->origin), "auto");
	gethostname(s->host, sizeof(s->host) - 1);
	snprintf(cs->ad.mount, sizeof(cs->ad.mount), "%s", mount);
	snprintf(cs->ad.cg_abs, sizeof(cs->ad.cg_abs), "%s%s", mount, cs->ad.cg_rel);
	snprintf(s->cgroup_path, sizeof(s->cgroup_path), "%s", cs->ad.cg_abs);
	if (!*s->id || !s->key || *cs->ad.cg_rel != '/' || !*s->container.id ||
	    parse_argv(s, json_object_get(j, "argv"))) {
		free_parsed(cs);
		return NULL;
	}
	return cs;
}

void containers_saved_foreach(const char *dir, const char *mount,
			      void (*fn)(void *ctx, struct container_session *cs), void *ctx)
{
	char path[4400];
	struct dirent *e;
	struct container_session *cs;
	json_t *j;
	DIR *d = opendir(dir);
	size_t n;

	if (!d)
		return;
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		j = json_load_file(path, 0, NULL);
		cs = j ? parse_saved(j, mount) : NULL;
		json_decref(j);
		if (!cs) {
			err_msg("%s: not a container session's state, removed", path);
			unlink(path);
			continue;
		}
		fn(ctx, cs);
	}
	closedir(d);
}

void containers_saved_clear(const char *dir)
{
	char path[4400];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}
