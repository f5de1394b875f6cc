/* hooks_security.c: the security family's syscall routing (programs in
 * bpf/security.bpf.c). Privilege syscalls and execve/execveat snapshot the
 * thread's credentials on entry; everything else is exit-only. */
#include <stddef.h>
#include <sys/syscall.h>

#include "probe/syscall_table.h"

/* clang-format off */
#define ENTER(nr) {nr, "tail_sec_cred_enter", false}
#define EXIT(nr, name) {nr, "tail_sec_" name "_exit", true}

const struct syscall_hook security_hooks[] = {
	/* security.privilege */
	ENTER(SYS_setuid),         EXIT(SYS_setuid, "setuid"),
	ENTER(SYS_setgid),         EXIT(SYS_setgid, "setgid"),
	ENTER(SYS_setreuid),       EXIT(SYS_setreuid, "setreuid"),
	ENTER(SYS_setregid),       EXIT(SYS_setregid, "setregid"),
	ENTER(SYS_setresuid),      EXIT(SYS_setresuid, "setresuid"),
	ENTER(SYS_setresgid),      EXIT(SYS_setresgid, "setresgid"),
	ENTER(SYS_setfsuid),       EXIT(SYS_setfsuid, "setfsuid"),
	ENTER(SYS_setfsgid),       EXIT(SYS_setfsgid, "setfsgid"),
	ENTER(SYS_setgroups),      EXIT(SYS_setgroups, "setgroups"),
	ENTER(SYS_capset),         EXIT(SYS_capset, "capset"),
	{SYS_execve, "tail_sec_execve_enter", false}, EXIT(SYS_execve, "exec"),
	{SYS_execveat, "tail_sec_execveat_enter", false}, EXIT(SYS_execveat, "exec"),
	/* security.memexec */
	EXIT(SYS_mmap, "mmap"),
	EXIT(SYS_mprotect, "mprotect"),
	EXIT(SYS_pkey_mprotect, "pkey_mprotect"),
	{SYS_exit_group, "tail_sec_exit_group_enter", false}, /* aggregation summaries */
	/* security.escape */
	EXIT(SYS_unshare, "unshare"),
	EXIT(SYS_setns, "setns"),
	EXIT(SYS_clone, "clone"),
	EXIT(SYS_clone3, "clone3"),
	EXIT(SYS_seccomp, "seccomp"),
	EXIT(SYS_prctl, "prctl"),
	EXIT(SYS_ptrace, "ptrace"),
	EXIT(SYS_process_vm_readv, "process_vm"),
	EXIT(SYS_process_vm_writev, "process_vm"),
	EXIT(SYS_init_module, "init_module"),
	EXIT(SYS_finit_module, "finit_module"),
	EXIT(SYS_delete_module, "delete_module"),
	EXIT(SYS_mount, "mount"),
	EXIT(SYS_umount2, "umount2"),
	EXIT(SYS_pivot_root, "pivot_root"),
	EXIT(SYS_move_mount, "move_mount"),
	EXIT(SYS_fsopen, "fsopen"),
	EXIT(SYS_fsmount, "fsmount"),
	EXIT(SYS_open_tree, "open_tree"),
	EXIT(SYS_mount_setattr, "mount_setattr"),
	EXIT(SYS_bpf, "bpf"),
	EXIT(SYS_perf_event_open, "perf_event_open"),
	EXIT(SYS_io_uring_setup, "io_uring_setup"),
	{.prog = NULL},
};
/* clang-format on */
