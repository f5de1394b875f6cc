/* escape.h: the Escape stage: an open or metadata change on a procsys or
 * container path is also a sandbox-escape attempt. From such a file record
 * the stage derives the security.escape that goes out next to it. It runs
 * after enrich and redact of the source and before the rate limit, which
 * decides on the source and its escape together. */
#ifndef PROCTOR_ESCAPE_H
#define PROCTOR_ESCAPE_H
#include <stdbool.h>

#include "model/record.h"

/* Fill out (reset first) with the escape src implies; false (out left
 * reset) when src implies none. out must not be src. */
bool escape_derive(const struct record *src, struct record *out);

#endif
