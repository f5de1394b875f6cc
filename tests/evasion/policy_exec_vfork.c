// vfork, then execve of a denied program: the child shares the parent's
// memory until its exec, and the exec is judged like any other; the parent
// resumes when the killed child's exec completes. Blocked.
// setup: cp /usr/bin/touch $WORK/denied
// policy: {exec: {deny: [{path: "$WORK/denied", name: no-denied}]}}
// expect: {"type": "policy.violation", "policy.rule": "no-denied", "policy.verdict": "blocked", "process.command_args": ["denied", "$WORK/ran"]}
// expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "not-ran"]}
// expect-not: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char exe[4096], out[4096];
	pid_t pid;

	if (argc < 2)
		return 2;
	snprintf(exe, sizeof(exe), "%s/denied", argv[1]);
	snprintf(out, sizeof(out), "%s/ran", argv[1]);
	pid = vfork();
	if (pid == 0) {
		execl(exe, "denied", out, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	execl("/bin/echo", "/bin/echo", access(out, F_OK) ? "not-ran" : "ran", (char *)NULL);
	return 1;
}
