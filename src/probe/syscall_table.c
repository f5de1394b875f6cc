/* syscall_table.c: the list of per-family syscall hook tables. */
#include "probe/syscall_table.h"

#include <stddef.h>

static const struct syscall_hook no_hooks[] = {{.prog = NULL}};
extern const struct syscall_hook file_hooks[];
extern const struct syscall_hook security_hooks[];
extern const struct syscall_hook network_hooks[];

const struct syscall_hook *const syscall_hook_tables[] = {
	no_hooks, file_hooks, security_hooks, network_hooks, NULL,
};
