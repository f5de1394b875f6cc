/* sensitive.h: paths whose reads matter most to a security reviewer: keys,
 * cloud and cluster credentials, .env files, service-account tokens. */
#ifndef PROCTOR_SENSITIVE_H
#define PROCTOR_SENSITIVE_H
#include <stdbool.h>

/* NULL-terminated list of globs (fnmatch/SQLite GLOB syntax). */
extern const char *const sensitive_path_globs[];
bool path_is_sensitive(const char *path);

#endif
