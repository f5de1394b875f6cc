/* syscall_table.c: the routing table, the routing rule and syscall names,
 * all generated from include/proctor/syscalls.h. */
#include "probe/syscall_table.h"

#include <stdio.h>

#include "proctor/abi.h"

#define PR_DIR_ENTER false
#define PR_DIR_EXIT  true

const struct syscall_hook syscall_hooks[] = {
#define ROUTE(name, fam, dir, prog, ch) {PR_NR_##name, #prog, PR_DIR_##dir, ch, #fam},
	PR_SYSCALL_ROUTES(ROUTE)
#undef ROUTE
		{.prog = NULL},
};

/* ia32 syscalls routed by their i386 number (x86_64 only). */
const struct syscall_hook ia32_hooks[] = {
#if defined(__x86_64__)
#define IA32_EXIT(name, i386_name, i386, prog)	{i386, #prog, true, false, "ia32"},
#define IA32_ENTER(name, i386_name, i386, prog) {i386, #prog, false, false, "ia32"},
	PR_IA32_SYSCALLS(IA32_EXIT) PR_IA32_MUX(IA32_EXIT) PR_IA32_ENTER_SYSCALLS(IA32_ENTER)
		PR_IA32_ENTER_ALSO(IA32_ENTER)
#undef IA32_EXIT
#undef IA32_ENTER
#endif
			{.prog = NULL},
};

const struct syscall_hook *const syscall_hook_tables[] = {syscall_hooks, ia32_hooks, NULL};

size_t syscall_hook_count(void)
{
	return sizeof(syscall_hooks) / sizeof(syscall_hooks[0]) - 1;
}

int syscall_route_plan(const struct syscall_hook *hooks, enum syscall_slot *slot, size_t n,
		       char *err, size_t errlen)
{
	const struct syscall_hook *owner[2][PR_SYSCALL_SLOTS] = {{0}};
	bool chained[2][PR_SYSCALL_SLOTS] = {{0}};
	const struct syscall_hook *h, *first;
	size_t i;

	for (i = 0; i < n && hooks[i].prog; i++) {
		h = &hooks[i];
		slot[i] = SLOT_ABSENT;
		if (h->nr < 0)
			continue;
		if (h->nr >= PR_SYSCALL_SLOTS) {
			snprintf(err, errlen, "syscall %d of '%s' is out of range", h->nr, h->prog);
			return -1;
		}
		first = owner[h->on_exit][h->nr];
		if (!first) {
			owner[h->on_exit][h->nr] = h;
			slot[i] = SLOT_TAIL;
		} else if (first->chains && !chained[h->on_exit][h->nr]) {
			chained[h->on_exit][h->nr] = true;
			slot[i] = SLOT_CHAIN;
		} else {
			snprintf(err, errlen, "syscall %d (%s) is claimed by both '%s' and '%s'%s",
				 h->nr, h->on_exit ? "exit" : "enter", first->prog, h->prog,
				 first->chains ? " (and a chained program already)"
					       : ": the first must chain (.chains)");
			return -1;
		}
	}
	return 0;
}

const char *syscall_name(long nr)
{
	switch (nr) {
#define NAME(name, x86_64, arm64)                                                                  \
	case PR_NR_##name: return #name;
		PR_SYSCALLS(NAME)
#undef NAME
	}
	return NULL;
}
