/* paths.h: what a path is to a security reviewer, two different things
 * named apart:
 *   - credential paths: keys, cloud and cluster credentials, .env files,
 *     service-account tokens (globs; `proctor tree` marks their reads);
 *   - escape paths: procsys and container paths (core_pattern, /proc/PID/mem,
 *     /proc/sysrq-trigger, runtime sockets, /proc/1/root, release_agent...),
 *     whose open is also a security.escape. The file decoder puts the
 *     category in file.sensitive_category (the spec's field name). */
#ifndef PROCTOR_PATHS_H
#define PROCTOR_PATHS_H
#include <stdbool.h>

/* NULL-terminated list of globs (fnmatch/SQLite GLOB syntax). */
extern const char *const credential_path_globs[];
bool path_is_credential(const char *path);
/* The credential path's file.sensitive_category (ssh, cloud, kube, env,
 * token, gpg, system), or NULL for any other path. */
const char *credential_path_category(const char *path);
/* The escape categories (procsys, container): a file record carrying one
 * implies a security.escape. */
bool sensitive_category_is_escape(const char *category);

/* "procsys", "container" or NULL, for the path or else the path as
 * requested. writes: the access can modify the file. */
const char *escape_path_category(const char *path, const char *requested, bool writes);

#endif
