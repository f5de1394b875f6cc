// Signals leave a trace: a SIGTERM to a process outside the session (a
// monitor, started by setup), a SIGKILL through a pidfd to a child of the
// session, a thread-directed tgkill and an rt_sigqueueinfo to itself, a
// kill() of a pid that does not exist, and five kill(pid, 0) probes that
// aggregate into one record and a summary with the count.
// setup: sleep 60 >/dev/null 2>&1 & echo $! > $WORK/outside.pid
// expect: {"type": "process.signal", "signal.name": "SIGTERM", "signal.syscall": "kill", "signal.target.name": "sleep", "signal.target.executable.name": "sleep", "signal.target.relation": "outside_session", "signal.target.outside_session": true, "event.outcome": "success", "event.severity": "warning"}
// expect: {"type": "process.signal", "signal.name": "SIGKILL", "signal.syscall": "pidfd_send_signal", "signal.target.name": "sleep", "signal.target.executable.path": "/usr/bin/sleep", "signal.target.relation": "session", "signal.target.outside_session": false, "event.outcome": "success"}
// expect: {"type": "process.signal", "signal.name": "0", "signal.number": 0, "signal.syscall": "kill", "signal.target.relation": "session", "event.outcome": "success"}
// expect: {"type": "process.signal", "signal.name": "0", "signal.summary": true, "signal.count": 5, "signal.target.relation": "session"}
// expect: {"type": "process.signal", "signal.name": "SIGUSR1", "signal.syscall": "tgkill", "signal.target.relation": "self", "signal.target.outside_session": false, "event.outcome": "success"}
// expect: {"type": "process.signal", "signal.name": "SIGUSR2", "signal.syscall": "rt_sigqueueinfo", "signal.target.relation": "self", "event.outcome": "success"}
// expect: {"type": "process.signal", "signal.name": "SIGTERM", "signal.syscall": "kill", "signal.target.requested": 999999, "event.outcome": "failure", "error.code": "ESRCH"}
// expect-not: {"type": "process.signal", "signal.target.requested": 999999, "signal.target.relation": "~."}
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char p[4096];
	FILE *f;
	int outside = 0, i, pidfd;
	pid_t child;
	siginfo_t si;

	if (argc < 2)
		return 2;
	snprintf(p, sizeof(p), "%s/outside.pid", argv[1]);
	if (!(f = fopen(p, "r")) || fscanf(f, "%d", &outside) != 1)
		return 3;
	fclose(f);
	kill(outside, SIGTERM);

	child = fork();
	if (child == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)0);
		_exit(1);
	}
	usleep(200000); /* the child has exec'd */
	for (i = 0; i < 5; i++)
		kill(child, 0);
	pidfd = syscall(SYS_pidfd_open, child, 0);
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitpid(child, NULL, 0);

	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, &si);
	kill(999999, SIGTERM);
	return 0;
}
