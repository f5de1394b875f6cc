/* renameat2(RENAME_EXCHANGE) swaps two files atomically (a config swapped
 * for a malicious one): one file.metadata rename with both paths and flags.
 * setup: echo a > $WORK/good && echo b > $WORK/evil
 * expect: {"type": "file.metadata", "file.operation": "rename", "file.path": "$WORK/evil", "file.target_path": "$WORK/good", "file.rename_flags": ["RENAME_EXCHANGE"], "file.syscall": "renameat2", "event.outcome": "success"}
 * expect: {"type": "file.metadata", "file.operation": "rename", "file.path": "$WORK/good", "file.target_path": "$WORK/nothere/x", "file.rename_flags": ["RENAME_NOREPLACE"], "event.outcome": "failure", "error.code": "ENOENT"}
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	int rc = syscall(SYS_renameat2, AT_FDCWD, "evil", AT_FDCWD, "good", 2 /* EXCHANGE */);
	syscall(SYS_renameat2, AT_FDCWD, "good", AT_FDCWD, "nothere/x", 1 /* NOREPLACE */);
	return rc ? 1 : 0;
}
