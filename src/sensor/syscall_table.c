/* syscall_table.c: the list of per-family syscall hook tables. */
#include "sensor/syscall_table.h"

#include <stddef.h>

static const struct syscall_hook no_hooks[] = {{.prog = NULL}};

const struct syscall_hook *const syscall_hook_tables[] = {
	no_hooks,
	NULL,
};
