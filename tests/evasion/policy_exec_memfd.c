// A denied program copied into a memfd and run with execveat(AT_EMPTY_PATH):
// a new inode that no exec.deny path names, so a path deny alone cannot
// catch it; exec.allow_only does, since the memfd is outside every allowed
// glob (its path walks to "/", as in process.exec). Blocked by allow_only
// (the path rule alone: not caught).
// setup: cp /usr/bin/touch $WORK/denied
// policy: {exec: {deny: [{path: "$WORK/denied", name: no-denied}], allow_only: ["/usr/**", "/tmp/**", "/var/tmp/**"]}}
// expect: {"type": "policy.violation", "policy.rule": "exec.allow_only", "policy.verdict": "blocked", "policy.matched_rules": ["exec.allow_only"], "process.name": "memfd:copy", "process.executable.path": "/", "process.command_args": ["denied", "$WORK/ran"]}
// expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "not-ran"]}
// expect-not: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char exe[4096], out[4096];
	char *args[] = {"denied", out, NULL}, *env[] = {NULL};
	struct stat st;
	int src, mfd;
	pid_t pid;

	if (argc < 2)
		return 2;
	snprintf(exe, sizeof(exe), "%s/denied", argv[1]);
	snprintf(out, sizeof(out), "%s/ran", argv[1]);
	src = open(exe, O_RDONLY);
	mfd = memfd_create("copy", MFD_CLOEXEC);
	if (src < 0 || mfd < 0 || fstat(src, &st) || sendfile(mfd, src, NULL, st.st_size) < 0)
		return 3;
	pid = fork();
	if (pid == 0) {
		syscall(SYS_execveat, mfd, "", args, env, AT_EMPTY_PATH);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	execl("/bin/echo", "/bin/echo", access(out, F_OK) ? "not-ran" : "ran", (char *)NULL);
	return 1;
}
