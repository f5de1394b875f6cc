// Failed execs return to the caller and never reach sched_process_exec:
// not found, permission denied (no x bit), a bad format (a shebang-less
// script: ENOEXEC) and execveat of a relative name. Each is a process.exec
// with the outcome, the errno and the path and argv as passed. A $PATH
// walk's miss (execve("DIR/NAME", ["NAME"]) -> ENOENT) is not recorded.
// setup: printf 'echo hi\n' > $WORK/noshebang && chmod +x $WORK/noshebang && printf '#!/bin/sh\n' > $WORK/noexec && chmod 644 $WORK/noexec
// expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "ENOENT", "process.exec.path": "/nonexistent/probe-bin", "process.command_args": ["/nonexistent/probe-bin", "--version"]}
// expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "EACCES", "process.exec.path": "$WORK/noexec", "process.command_args": ["noexec"]}
// expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "ENOEXEC", "process.exec.path": "$WORK/noshebang", "process.command_args": ["noshebang", "a b"], "process.command_line": "noshebang 'a b'"}
// expect: {"type": "process.exec", "event.outcome": "failure", "error.code": "ENOENT", "process.exec.path": "missing-at", "process.command_args": ["missing-at"]}
// expect: {"type": "process.exec", "event.outcome": "success", "process.command_args": ["/bin/true"]}
// expect-not: {"type": "process.exec", "event.outcome": "failure", "process.command_args": ["probe-bin"]}
// expect-not: {"type": "process.exec", "event.outcome": "failure", "process.executable.path": "/nonexistent/probe-bin"}
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
	char *a1[] = {"/nonexistent/probe-bin", "--version", NULL};
	execve("/nonexistent/probe-bin", a1, env);
	/* a $PATH walk miss (argv[0] is the last component): not recorded */
	char *a6[] = {"probe-bin", NULL};
	execve("/nonexistent/probe-bin", a6, env);
	snprintf(p, sizeof(p), "%s/noexec", argv[1]);
	char *a2[] = {"noexec", NULL};
	execve(p, a2, env);
	snprintf(p, sizeof(p), "%s/noshebang", argv[1]);
	char *a3[] = {"noshebang", "a b", NULL};
	execve(p, a3, env);
	dfd = open(argv[1], O_PATH | O_DIRECTORY);
	char *a4[] = {"missing-at", NULL};
	syscall(SYS_execveat, dfd, "missing-at", a4, env, 0);
	char *a5[] = {"/bin/true", NULL};
	execve("/bin/true", a5, env);
	return 1;
}
