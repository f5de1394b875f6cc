/* shquote.h: the one way proctor joins an argv into a shell-style command
 * line (process.command_line): arguments holding anything but safe
 * characters are single-quoted, a quote inside becomes '\''. */
#ifndef PROCTOR_SHQUOTE_H
#define PROCTOR_SHQUOTE_H
#include <stddef.h>

#include "util/strbuf.h"

/* Append argv[0..n) to out, space-separated, quoted where needed. */
int sh_join_argv(struct strbuf *out, const char *const *argv, size_t n);

#endif
