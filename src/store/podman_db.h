/* podman_db.h: podman 5's own state database (GRAPHROOT/db.sql, SQLite),
 * read-only: the one SQL of src/store over a schema that is not proctor's.
 * Podman 5 keeps each container's configuration, the same JSON podman 4
 * kept in bbolt (bucket ctr/ID, key config), in table ContainerConfig
 * (ID TEXT PRIMARY KEY, Name TEXT UNIQUE, PodID TEXT, JSON TEXT), written at
 * `podman create`, before the container's cgroup exists. */
#ifndef PROCTOR_STORE_PODMAN_DB_H
#define PROCTOR_STORE_PODMAN_DB_H
#include <stddef.h>

/* The configuration JSON of container id in the database at path
 * (malloc'd, *len bytes, NUL-terminated). 0; 1 when the database has no
 * such container; -1 with err when it cannot be read. Never writes. */
int podman_db_container_config(const char *path, const char *id, char **json, size_t *len,
			       char *err, size_t errlen);

#endif
