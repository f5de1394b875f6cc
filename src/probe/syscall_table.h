/* syscall_table.h: which tail program handles which syscall, on entry or on
 * exit, and the routing rule that places them in the dispatcher's prog
 * arrays. The table is generated from include/proctor/syscalls.h (the one
 * syscall table); programs named in it are loaded but never attached: the
 * dispatcher in bpf/dispatch/syscalls.bpf.c tail-calls them. */
#ifndef PROCTOR_SYSCALL_TABLE_H
#define PROCTOR_SYSCALL_TABLE_H
#include <stdbool.h>
#include <stddef.h>

#include "proctor/syscalls.h"

struct syscall_hook {
	int nr;		    /* native syscall number; < 0: this architecture lacks it */
	const char *prog;   /* BPF program name */
	bool on_exit;	    /* sys_exit (result known) or sys_enter */
	bool chains;	    /* ends with PR_CHAIN_*: another family may hook this syscall too */
	const char *family; /* file, security, net */
};

/* Every route of PR_SYSCALL_ROUTES, in order; ends with {.prog = NULL}. */
extern const struct syscall_hook syscall_hooks[];
/* The ia32 routes (PR_IA32_SYSCALLS and PR_IA32_MUX at sys_exit,
 * PR_IA32_ENTER_SYSCALLS at sys_enter): nr is the i386 number; empty off
 * x86_64. Ends with {.prog = NULL}. */
extern const struct syscall_hook ia32_hooks[];
/* Both, as a NULL-terminated list of tables. */
extern const struct syscall_hook *const syscall_hook_tables[];

/* Where the routing rule puts a hook. */
enum syscall_slot {
	SLOT_ABSENT, /* the syscall does not exist on this architecture */
	SLOT_TAIL,   /* sys_enter_tails / sys_exit_tails */
	SLOT_CHAIN,  /* sys_enter_chain / sys_exit_chain, behind a chaining first */
};

/* The routing rule: slot[i] for hooks[i], i < n (hooks: syscall_hooks, or
 * a test's table). The
 * first claimant of (syscall, direction) goes in the dispatcher's array, a
 * second one in the chain array, and only when the first chains to it.
 * Anything else is refused: -1 with a message in err. */
int syscall_route_plan(const struct syscall_hook *hooks, enum syscall_slot *slot, size_t n,
		       char *err, size_t errlen);

/* Routes the rule can accept: per syscall, two directions of first + chained. */
#define SYSCALL_ROUTES_MAX (PR_SYSCALL_COUNT * 4)

/* Number of routes in syscall_hooks. */
size_t syscall_hook_count(void);

/* The name of native syscall nr, or NULL when the table does not list it. */
const char *syscall_name(long nr);

#endif
