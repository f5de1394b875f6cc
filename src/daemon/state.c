/* state.c: the daemon's record of its live sessions on disk (daemon.h):
 * SOCKET.sessions/ID.json holds what the kernel's pinned maps do not: the
 * session's identity, attribution, command, cgroup and its client's pid. */
#include "daemon/daemon.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

static void file_of(const struct daemon *d, const char *id, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.json", d->state_dir, id);
}

int daemon_state_save(const struct daemon *d, const struct dsession *s)
{
	const struct session *x = &s->ses;
	char path[512], tmp[520], key[24];
	json_t *argv = json_array(), *j;
	int i, rc;

	for (i = 0; i < x->argc; i++)
		json_array_append_new(argv, json_string(x->argv[i]));
	snprintf(key, sizeof(key), "%016llx", (unsigned long long)x->key);
	j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:I,s:I,s:s,s:s,s:i}", "id", x->id, "key", key,
		      "agent", x->agent, "project", x->project, "user", x->user, "argv", argv,
		      "start_ns", (json_int_t)x->start_ns, "cgroup_id", (json_int_t)x->cgroup_id,
		      "cg_abs", s->cg_abs, "cg_rel", s->cg_rel, "client_pid", (int)s->client_pid);
	if (!j)
		return -1;
	if (x->fail_closed) /* so is the session taken back */
		json_object_set_new(j, "fail_closed", json_true());
	if (s->policy) /* installed again by the daemon that takes it back */
		json_object_set(j, "policy", s->policy->req);
	mkdir(d->state_dir, 0700);
	file_of(d, x->id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	rc = json_dump_file(j, tmp, JSON_COMPACT) || rename(tmp, path) ? -1 : 0;
	json_decref(j);
	if (rc)
		err_msg("cannot save session state %s: %s", path, strerror(errno));
	return rc;
}

void daemon_state_remove(const struct daemon *d, const struct dsession *s)
{
	char path[512];

	file_of(d, s->ses.id, path, sizeof(path));
	unlink(path);
}

static void copy_field(char *dst, size_t len, json_t *j, const char *key)
{
	const char *v = json_string_value(json_object_get(j, key));

	snprintf(dst, len, "%s", v ? v : "");
}

/* A session from its file; NULL when the file is not one of ours. */
static struct dsession *parse_state(json_t *j)
{
	struct dsession *s = calloc(1, sizeof(*s));
	json_t *argv = json_object_get(j, "argv");
	const char *key = json_string_value(json_object_get(j, "key"));
	size_t i, n = json_array_size(argv);

	if (!s || !key || !json_is_string(json_object_get(j, "id")) || !n)
		goto fail;
	s->ses.exit_code = -1;
	copy_field(s->ses.id, sizeof(s->ses.id), j, "id");
	copy_field(s->ses.agent, sizeof(s->ses.agent), j, "agent");
	copy_field(s->ses.project, sizeof(s->ses.project), j, "project");
	copy_field(s->ses.user, sizeof(s->ses.user), j, "user");
	copy_field(s->cg_abs, sizeof(s->cg_abs), j, "cg_abs");
	copy_field(s->cg_rel, sizeof(s->cg_rel), j, "cg_rel");
	snprintf(s->ses.cgroup_path, sizeof(s->ses.cgroup_path), "%s", s->cg_abs);
	s->ses.key = strtoull(key, NULL, 16);
	s->ses.start_ns = (uint64_t)json_integer_value(json_object_get(j, "start_ns"));
	s->ses.cgroup_id = (uint64_t)json_integer_value(json_object_get(j, "cgroup_id"));
	s->client_pid = (pid_t)json_integer_value(json_object_get(j, "client_pid"));
	s->ses.fail_closed = json_is_true(json_object_get(j, "fail_closed"));
	if (json_is_object(json_object_get(j, "policy")))
		s->policy_req = json_incref(json_object_get(j, "policy"));
	snprintf(s->ses.origin, sizeof(s->ses.origin), "run");
	gethostname(s->ses.host, sizeof(s->ses.host) - 1);
	if (!(s->ses.argv = calloc(n + 1, sizeof(char *))))
		goto fail;
	for (i = 0; i < n; i++) {
		const char *a = json_string_value(json_array_get(argv, i));
		if (!a || !(s->ses.argv[i] = strdup(a)))
			goto fail;
		s->ses.argc = (int)i + 1;
	}
	if (!*s->cg_abs || !*s->cg_rel || !s->ses.key)
		goto fail;
	return s;
fail:
	if (s) {
		for (i = 0; s->ses.argv && i < (size_t)s->ses.argc; i++)
			free(s->ses.argv[i]);
		free(s->ses.argv);
		json_decref(s->policy_req);
		free(s);
	}
	return NULL;
}

void daemon_state_foreach(struct daemon *d, void (*fn)(struct daemon *d, struct dsession *s))
{
	char path[512];
	struct dirent *e;
	struct dsession *s;
	json_error_t je;
	json_t *j;
	DIR *dir = opendir(d->state_dir);
	size_t n;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", d->state_dir, e->d_name);
		j = json_load_file(path, 0, &je);
		s = j ? parse_state(j) : NULL;
		json_decref(j);
		if (!s) {
			err_msg("%s: not a session's state, removed", path);
			unlink(path);
			continue;
		}
		fn(d, s);
	}
	closedir(dir);
}

void daemon_state_clear(const struct daemon *d)
{
	char path[512];
	struct dirent *e;
	DIR *dir = opendir(d->state_dir);

	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", d->state_dir, e->d_name);
			unlink(path);
		}
	closedir(dir);
	rmdir(d->state_dir);
}
