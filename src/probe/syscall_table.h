/* syscall_table.h: which tail program handles which syscall, on entry or on
 * exit. Each hook family keeps its own table (src/probe/hooks_<family>.c)
 * and lists it in syscall_table.c. Programs named in a table are loaded but
 * never attached: the dispatcher in bpf/syscalls.bpf.c tail-calls them. One
 * program per syscall and direction, unless the first one registered chains:
 * then a second family's program for the same syscall runs after it. */
#ifndef PROCTOR_SYSCALL_TABLE_H
#define PROCTOR_SYSCALL_TABLE_H
#include <stdbool.h>

struct syscall_hook {
	int nr;		  /* native syscall number (SYS_openat, ...) */
	const char *prog; /* BPF program name */
	bool on_exit;	  /* sys_exit (result known) or sys_enter */
	bool chains;	  /* ends with PR_CHAIN_*: another family may hook this syscall too */
};

/* Tables end with {.prog = NULL}. */
extern const struct syscall_hook *const syscall_hook_tables[];

#endif
