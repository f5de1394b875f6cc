// clang-format off
/* A 32-bit program's failed execs (i386 execve 11, execveat 358, argv of
 * 32-bit pointers): not found, permission denied, a bad format and a
 * relative execveat, each a process.exec with the outcome, the errno and the
 * path and argv as passed, marked ia32. A $PATH walk miss is not recorded,
 * as for 64-bit callers; the final exec of /bin/true succeeds.
 * build: -m32
 * setup: printf 'echo hi\n' > $WORK/noshebang && chmod +x $WORK/noshebang && printf '#!/bin/sh\n' > $WORK/noexec && chmod 644 $WORK/noexec
 * expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "ENOENT", "process.exec.path": "/nonexistent/probe32", "process.command_args": ["/nonexistent/probe32", "--version", "x y"], "process.exec.syscall_abi": "ia32"}
 * expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "EACCES", "process.exec.path": "$WORK/noexec", "process.command_args": ["noexec"], "process.exec.syscall_abi": "ia32"}
 * expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "ENOEXEC", "process.exec.path": "$WORK/noshebang", "process.command_args": ["noshebang", "a b"], "process.exec.syscall_abi": "ia32"}
 * expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "ENOENT", "process.exec.path": "missing-at32", "process.command_args": ["missing-at32"], "process.exec.syscall_abi": "ia32"}
 * expect: {"type": "process.exec", "event.outcome": "success", "process.command_args": ["/bin/true"]}
 * expect-not: {"type": "process.exec", "event.outcome": "failure", "process.command_args": ["probe32"]}
 */
// clang-format on
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char p[4096];
	char *const env[] = {NULL};
	int dfd;

	if (argc < 2)
		return 2;
	char *a1[] = {"/nonexistent/probe32", "--version", "x y", NULL};
	syscall(SYS_execve, "/nonexistent/probe32", a1, env);
	/* a $PATH walk miss (argv[0] is the last component): not recorded */
	char *a6[] = {"probe32", NULL};
	syscall(SYS_execve, "/nonexistent/probe32", a6, env);
	snprintf(p, sizeof(p), "%s/noexec", argv[1]);
	char *a2[] = {"noexec", NULL};
	syscall(SYS_execve, p, a2, env);
	snprintf(p, sizeof(p), "%s/noshebang", argv[1]);
	char *a3[] = {"noshebang", "a b", NULL};
	syscall(SYS_execve, p, a3, env);
	dfd = open(argv[1], O_PATH | O_DIRECTORY);
	char *a4[] = {"missing-at32", NULL};
	syscall(SYS_execveat, dfd, "missing-at32", a4, env, 0);
	char *a5[] = {"/bin/true", NULL};
	syscall(SYS_execve, "/bin/true", a5, env);
	return 1;
}
