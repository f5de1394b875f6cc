// execve of a denied program from a second thread: the kernel makes the
// caller the leader (de_thread) before sched_process_exec, so the hook
// kills the new image all the same. Blocked.
// setup: cp /usr/bin/touch $WORK/denied
// build: -lpthread
// policy: {exec: {deny: [{path: "$WORK/denied", name: no-denied}]}}
// expect: {"type": "policy.violation", "policy.rule": "no-denied", "policy.verdict": "blocked", "process.command_args": ["denied", "$WORK/ran"]}
// expect: {"type": "process.exec", "process.command_args": ["/bin/echo", "not-ran"]}
// expect-not: {"type": "process.exec", "process.command_args": ["/bin/echo", "ran"]}
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static char exe[4096], out[4096];

static void *run(void *arg)
{
	(void)arg;
	execl(exe, "denied", out, (char *)NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	pid_t pid;

	if (argc < 2)
		return 2;
	snprintf(exe, sizeof(exe), "%s/denied", argv[1]);
	snprintf(out, sizeof(out), "%s/ran", argv[1]);
	pid = fork();
	if (pid == 0) {
		pthread_create(&t, NULL, run, NULL);
		pthread_join(t, NULL);
		_exit(1);
	}
	waitpid(pid, NULL, 0);
	execl("/bin/echo", "/bin/echo", access(out, F_OK) ? "not-ran" : "ran", (char *)NULL);
	return 1;
}
