/* container_state.c: a container's metadata from podman's own state at the
 * container's start (container_state.h): podman 4's bbolt file, podman 5's
 * SQLite database, containerd's bbolt metadata. */
#include "app/container_state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/podman_db.h"
#include "util/bolt.h"

#define STATE_DB_MAX (256u << 20)

static void take_label(json_t *labels, const char *key, char *out, size_t len, bool *found)
{
	json_t *v = key ? json_object_get(labels, key) : NULL;

	if (!json_is_string(v))
		return;
	snprintf(out, len, "%s", json_string_value(v));
	if (found)
		*found = true;
}

static void take_str(json_t *o, const char *key, char *out, size_t len)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (v)
		snprintf(out, len, "%s", v);
}

void container_cmd_free(struct container_cmd *cmd)
{
	int i;

	for (i = 0; i < cmd->argc; i++)
		free(cmd->argv[i]);
	free(cmd->argv);
	cmd->argv = NULL;
	cmd->argc = 0;
}

static void take_cmd(json_t *o, struct container_cmd *cmd)
{
	json_t *args = json_object_get(json_object_get(json_object_get(o, "spec"), "process"),
				       "args"),
	       *v;
	size_t i, n = json_array_size(args);

	if (!n || n > 4096 || !(cmd->argv = calloc(n + 1, sizeof(char *))))
		return;
	for (i = 0; i < n && json_is_string(v = json_array_get(args, i)); i++)
		if ((cmd->argv[i] = strdup(json_string_value(v))))
			cmd->argc = (int)i + 1;
		else
			break;
}

int container_state_parse(const char *id, const char *json, size_t len,
			  const struct container_labels *l, struct container_meta *m,
			  struct container_cmd *cmd, char *err, size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(json, len, 0, &je), *labels;
	const char *oid;

	if (!json_is_object(o)) {
		snprintf(err, errlen, "its configuration is not a JSON object: %s", je.text);
		json_decref(o);
		return -1;
	}
	oid = json_string_value(json_object_get(o, "id"));
	if (!oid || strcmp(oid, id)) {
		snprintf(err, errlen, "its configuration names another container (%.64s)",
			 oid ? oid : "none");
		json_decref(o);
		return -1;
	}
	take_str(o, "name", m->c.name, sizeof(m->c.name));
	take_str(o, "rootfsImageName", m->c.image, sizeof(m->c.image));
	if (!*m->c.image)
		take_str(o, "RawImageName", m->c.image, sizeof(m->c.image));
	labels = json_object_get(o, "labels");
	take_label(labels, l->agent, m->agent, sizeof(m->agent), &m->labelled);
	take_label(labels, l->project, m->project, sizeof(m->project), &m->labelled);
	take_label(labels, CONTAINER_LABEL_POD_NAME, m->c.pod_name, sizeof(m->c.pod_name), NULL);
	take_label(labels, CONTAINER_LABEL_POD_NAMESPACE, m->c.pod_namespace,
		   sizeof(m->c.pod_namespace), NULL);
	take_label(labels, CONTAINER_LABEL_POD_UID, m->c.pod_uid, sizeof(m->c.pod_uid), NULL);
	if (cmd && !cmd->argc)
		take_cmd(o, cmd);
	json_decref(o);
	return 0;
}

/* GRAPHROOT from BUNDLE = GRAPHROOT/DRIVER-containers/ID/userdata. */
static int graphroot(const char *id, const char *bundle, char *out, size_t len)
{
	char b[4096], *p;

	if (snprintf(b, sizeof(b), "%s", bundle) >= (int)sizeof(b) || *b != '/')
		return -1;
	if (!(p = strrchr(b, '/')) || strcmp(p, "/userdata"))
		return -1;
	*p = 0;
	if (!(p = strrchr(b, '/')) || strcmp(p + 1, id))
		return -1;
	*p = 0;
	if (!(p = strrchr(b, '/')) || strlen(p) < 12 || strcmp(p + strlen(p) - 11, "-containers"))
		return -1;
	*p = 0;
	return snprintf(out, len, "%s", *b ? b : "/") >= (int)len ? -1 : 0;
}

/* The whole file, if it is root's and nobody else may write it. */
static uint8_t *read_db(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat sb;
	uint8_t *buf = NULL;
	size_t n = 0;
	ssize_t r;

	if (fd < 0 || fstat(fd, &sb)) {
		snprintf(err, errlen, "cannot open the runtime's state %s: %s", path,
			 strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022) ||
	    (uint64_t)sb.st_size > STATE_DB_MAX) {
		snprintf(err, errlen, "the runtime's state %s is not a root-only file", path);
		goto out;
	}
	if (!(buf = malloc((size_t)sb.st_size + 1)))
		goto out;
	while (n < (size_t)sb.st_size &&
	       (r = pread(fd, buf + n, (size_t)sb.st_size - n, (off_t)n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	*len = n;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

static int lookup(const char *db, const char *id, const struct container_labels *l,
		  struct container_meta *m, struct container_cmd *cmd, char *err, size_t errlen)
{
	const char *p[2] = {"ctr", id}; /* libpod's bucket of containers, then its own */
	const uint8_t *val;
	size_t len = 0, vlen;
	uint8_t *buf = read_db(db, &len, err, errlen);
	int rc = -1;

	if (!buf)
		return -1;
	if (bolt_get(buf, len, p, 2, "config", &val, &vlen))
		snprintf(err, errlen, "podman's state %s has no configuration of container %.12s",
			 db, id);
	else
		rc = container_state_parse(id, (const char *)val, vlen, l, m, cmd, err, errlen);
	free(buf);
	return rc;
}

int container_state_podman(const char *id, const char *bundle, const struct container_labels *l,
			   struct container_meta *m, struct container_cmd *cmd, char *err,
			   size_t errlen)
{
	char root[4096];

	if (graphroot(id, bundle, root, sizeof(root))) {
		snprintf(err, errlen, "bundle %.2048s is not a podman container's", bundle);
		return -1;
	}
	return container_state_podman_root(id, root, l, m, cmd, err, errlen);
}

/* path, and its WAL when there is one, are root's and nobody else may
 * write them. */
static int root_only(const char *path, char *err, size_t errlen)
{
	char wal[4300];
	struct stat sb;
	int i;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	for (i = 0; i < 2; i++) {
		const char *p = i ? wal : path;
		if (lstat(p, &sb)) {
			if (i && errno == ENOENT)
				break;
			snprintf(err, errlen, "cannot open the runtime's state %s: %s", p,
				 strerror(errno));
			return -1;
		}
		if (!S_ISREG(sb.st_mode) || sb.st_uid != 0 || (sb.st_mode & 022)) {
			snprintf(err, errlen, "the runtime's state %s is not a root-only file", p);
			return -1;
		}
	}
	return 0;
}

/* Podman 5's SQLite state (store/podman_db.h). */
static int lookup_sqlite(const char *db, const char *id, const struct container_labels *l,
			 struct container_meta *m, struct container_cmd *cmd, char *err,
			 size_t errlen)
{
	char *json;
	size_t len;
	int rc;

	if (root_only(db, err, errlen) ||
	    podman_db_container_config(db, id, &json, &len, err, errlen))
		return -1;
	rc = container_state_parse(id, json, len, l, m, cmd, err, errlen);
	free(json);
	return rc;
}

/* Podman 4's bbolt state, read once more when it was read mid-write. */
static int lookup_bolt(const char *db, const char *id, const struct container_labels *l,
		       struct container_meta *m, struct container_cmd *cmd, char *err,
		       size_t errlen)
{
	if (!lookup(db, id, l, m, cmd, err, errlen))
		return 0;
	usleep(20000); /* read while podman committed a write: once more */
	return lookup(db, id, l, m, cmd, err, errlen);
}

/* As podman 5 chooses: its bbolt state while one exists (a host upgraded
 * from podman 4), else SQLite (GRAPHROOT/db.sql); a container the bbolt
 * state does not hold is looked up in SQLite too (database_backend =
 * "sqlite" set on such a host). */
int container_state_podman_root(const char *id, const char *graphroot,
				const struct container_labels *l, struct container_meta *m,
				struct container_cmd *cmd, char *err, size_t errlen)
{
	char bolt[4200], sql[4200];
	bool has_bolt, has_sql;

	snprintf(bolt, sizeof(bolt), "%s/libpod/bolt_state.db", graphroot);
	snprintf(sql, sizeof(sql), "%s/db.sql", graphroot);
	has_bolt = !access(bolt, F_OK);
	has_sql = !access(sql, F_OK);
	if ((has_bolt || !has_sql) && !lookup_bolt(bolt, id, l, m, cmd, err, errlen))
		return 0;
	if (!has_sql)
		return -1;
	return lookup_sqlite(sql, id, l, m, cmd, err, errlen);
}

/* A value of containerd's bucket of the container, as a string. */
static void take_bolt_str(const uint8_t *buf, size_t len, const char *const *p, size_t np,
			  const char *key, char *out, size_t outlen, bool *found)
{
	const uint8_t *val;
	size_t vlen;

	if (!key || bolt_get(buf, len, p, np, key, &val, &vlen))
		return;
	snprintf(out, outlen, "%.*s", (int)vlen, (const char *)val);
	if (found)
		*found = true;
}

int container_state_containerd(const char *root, const char *ns, const char *id,
			       const struct container_labels *l, struct container_meta *m,
			       char *err, size_t errlen)
{
	/* v1/NAMESPACE/containers/ID: its image; .../labels: its labels */
	const char *p[5] = {"v1", ns, "containers", id, "labels"};
	const uint8_t *val;
	char db[4200];
	size_t len = 0, vlen;
	uint8_t *buf;

	snprintf(db, sizeof(db), "%s/io.containerd.metadata.v1.bolt/meta.db", root);
	if (!(buf = read_db(db, &len, err, errlen)))
		return -1;
	/* every container has createdat; one made from a spec alone (ctr run
	 * --config) has no image or snapshotter */
	if (bolt_get(buf, len, p, 4, "image", &val, &vlen) &&
	    bolt_get(buf, len, p, 4, "snapshotter", &val, &vlen) &&
	    bolt_get(buf, len, p, 4, "createdat", &val, &vlen)) {
		snprintf(err, errlen,
			 "containerd's state %s has no container %.64s in namespace %s", db, id,
			 ns);
		free(buf);
		return -1;
	}
	take_bolt_str(buf, len, p, 4, "image", m->c.image, sizeof(m->c.image), NULL);
	take_bolt_str(buf, len, p, 5, l->agent, m->agent, sizeof(m->agent), &m->labelled);
	take_bolt_str(buf, len, p, 5, l->project, m->project, sizeof(m->project), &m->labelled);
	take_bolt_str(buf, len, p, 5, "io.kubernetes.pod.name", m->c.pod_name,
		      sizeof(m->c.pod_name), NULL);
	take_bolt_str(buf, len, p, 5, "io.kubernetes.pod.uid", m->c.pod_uid, sizeof(m->c.pod_uid),
		      NULL);
	take_bolt_str(buf, len, p, 5, "io.kubernetes.pod.namespace", m->c.pod_namespace,
		      sizeof(m->c.pod_namespace), NULL);
	take_bolt_str(buf, len, p, 5, "io.kubernetes.container.name", m->c.name, sizeof(m->c.name),
		      NULL);
	if (!*m->c.name) /* ctr's containers have an id only */
		snprintf(m->c.name, sizeof(m->c.name), "%s", id);
	free(buf);
	return 0;
}
