/* syscall_table.h: which tail program handles which syscall, on entry or on
 * exit. Each hook family keeps its own table (src/sensor/hooks_<family>.c)
 * and lists it in syscall_table.c. Programs named in a table are loaded but
 * never attached: the dispatcher in bpf/syscalls.bpf.c tail-calls them. */
#ifndef PROCTOR_SYSCALL_TABLE_H
#define PROCTOR_SYSCALL_TABLE_H
#include <stdbool.h>

struct syscall_hook {
	int nr;           /* native syscall number (SYS_openat, ...) */
	const char *prog; /* BPF program name */
	bool on_exit;     /* sys_exit (result known) or sys_enter */
};

/* Tables end with {.prog = NULL}. */
extern const struct syscall_hook *const syscall_hook_tables[];

#endif
