/* decode_file.h: helpers of the file-family decoder (decode_file.c) that
 * unit tests reach directly: lexical path resolution and flag naming
 * (path classification is model/paths.h). */
#ifndef PROCTOR_DECODE_FILE_H
#define PROCTOR_DECODE_FILE_H
#include <stdbool.h>
#include <stdint.h>

#include "model/record.h"

/* Absolute, lexically clean path of name relative to dir (dir ignored when
 * name is absolute; "." and empty components dropped, ".." pops one
 * component, never above "/"). A relative name without dir is returned
 * cleaned but relative. Allocated in the record's arena. */
const char *file_path_resolve(struct record *r, const char *dir, const char *name);

/* O_* names of open flags (O_RDONLY/O_WRONLY/O_RDWR first); returns count. */
uint32_t file_open_flag_names(uint64_t flags, const char **out, uint32_t max);
/* "read", "write", "read_write" or "none" (O_PATH, or access mode 3). */
const char *file_access_name(uint64_t flags);

#endif
