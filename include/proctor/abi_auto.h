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

/* auto_inodes: the file an agent is pinned by (a rule's `path`), as the
 * kernel sees it -> the rule's index. dev is the kernel's encoding of the
 * superblock's device (MAJOR << 20 | MINOR, not stat's). */
struct pr_auto_inode {
	__u64 ino;
	__u32 dev;
	__u32 _pad;
};
_Static_assert(sizeof(struct pr_auto_inode) == 16, "pr_auto_inode layout");

/* pr_auto_enabled: which of the two maps hold rules (0: none, no lookup). */
#define PR_AUTO_BY_NAME	 0x1
#define PR_AUTO_BY_INODE 0x2

/* Session keys the kernel makes for an auto-adopted task have this bit set
 * (user space keys never do: session_init clears it). */
#define PR_AUTO_KEY_BIT (1ull << 63)

/* process.exec flag: this exec started an auto-adopted session. */
#define PR_EXEC_AUTO 0x100
/* ... and bits 9-15 of its flags hold the index + 1 of the rule that
 * matched (0: not known), so user space attributes it by the kernel's
 * decision, not by a name it reads again. */
#define PR_EXEC_AUTO_RULE_SHIFT	 9
#define PR_EXEC_AUTO_RULE(flags) (((flags) >> PR_EXEC_AUTO_RULE_SHIFT) & 0x7f)
_Static_assert(PR_AUTO_MAX_RULES < 0x7f, "a rule's index + 1 fits in 7 bits");

#endif /* PROCTOR_ABI_AUTO_H */
