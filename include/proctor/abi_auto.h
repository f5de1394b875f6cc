/* abi_auto.h: auto-adoption of known agents (docs/DAEMON.md). The daemon
 * fills auto_agents (bpf/lib/maps.h) with the executable names of its
 * rules; the one exec program (bpf/lifecycle/auto.bpf.c) tracks an
 * untracked task whose new image has such a name at once, under a
 * provisional session key the kernel makes, and marks its process.exec
 * with PR_EXEC_AUTO; user space creates the session under that key. */
#ifndef PROCTOR_ABI_AUTO_H
#define PROCTOR_ABI_AUTO_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PR_AUTO_NAME_LEN  32 /* basename of an executable, NUL-padded */
#define PR_AUTO_MAX_RULES 64

/* auto_agents: key (the basename, zero-padded) -> the rule's index. */
struct pr_auto_key {
	char name[PR_AUTO_NAME_LEN];
};
_Static_assert(sizeof(struct pr_auto_key) == 32, "pr_auto_key layout");

/* Session keys the kernel makes for an auto-adopted task have this bit set
 * (user space keys never do: session_init clears it). */
#define PR_AUTO_KEY_BIT (1ull << 63)

/* process.exec flag: this exec started an auto-adopted session. */
#define PR_EXEC_AUTO 0x100

#endif /* PROCTOR_ABI_AUTO_H */
