/* container_state.h: a container's metadata at its start, from what the
 * runtime wrote before the container's first instruction, read without the
 * runtime's help: an OCI hook runs while podman holds the container's lock,
 * so `podman inspect` from the hook (or from the daemon it asks) would wait
 * for itself. Podman 4 keeps name, image and labels in its bbolt state
 * (GRAPHROOT/libpod/bolt_state.db, bucket ctr/ID, key config), podman 5
 * the same JSON in SQLite (GRAPHROOT/db.sql, ContainerConfig.JSON of the
 * container's ID; store/podman_db.h), unless a bbolt state exists; the bundle
 * path of the OCI state (GRAPHROOT/DRIVER-containers/ID/userdata) says
 * where GRAPHROOT is. Nothing here is anything the container can change:
 * the database is root's, and refused when anyone else could write it. */
#ifndef PROCTOR_CONTAINER_STATE_H
#define PROCTOR_CONTAINER_STATE_H
#include <stddef.h>

#include "app/container_inspect.h"

struct container_labels {
	const char *agent, *project; /* the label keys that attribute */
};

/* The container's command (its OCI spec's process.args), malloc'd; argv
 * NULL and argc 0 when unknown. */
struct container_cmd {
	char **argv;
	int argc;
};

/* Fill m (name, image, agent, project, the CRI pod labels, labelled) and,
 * when cmd is not NULL, cmd, from podman's state for container id with OCI
 * bundle path bundle. m->c.id and runtime are the caller's. 0, or -1 with err. */
int container_state_podman(const char *id, const char *bundle, const struct container_labels *l,
			   struct container_meta *m, struct container_cmd *cmd, char *err,
			   size_t errlen);
/* The same from podman's state under GRAPHROOT (the cgroup fallback, which
 * has no bundle path: the configured storage root). */
int container_state_podman_root(const char *id, const char *graphroot,
				const struct container_labels *l, struct container_meta *m,
				struct container_cmd *cmd, char *err, size_t errlen);
/* The same from a container configuration's JSON (podman's ContainerConfig);
 * pure, for the fuzzer and the OCI annotations. */
int container_state_parse(const char *id, const char *json, size_t len,
			  const struct container_labels *l, struct container_meta *m,
			  struct container_cmd *cmd, char *err, size_t errlen);
void container_cmd_free(struct container_cmd *cmd);

/* containerd (ctr, CRI): fill m (image, agent, project, labelled, the CRI
 * pod labels; name: the CRI container name, else the id) from containerd's
 * bbolt metadata under ROOT (/var/lib/containerd:
 * io.containerd.metadata.v1.bolt/meta.db, bucket v1/NS/containers/ID,
 * its labels in the bucket labels), written at `ctr create` / `ctr run`
 * before the task's cgroup exists. 0, or -1 with err. */
int container_state_containerd(const char *root, const char *ns, const char *id,
			       const struct container_labels *l, struct container_meta *m,
			       char *err, size_t errlen);

#endif
