// clang-format off
/* A 32-bit program's signals (i386 kill 37, tkill 238, tgkill 270,
 * rt_sigqueueinfo 178, rt_tgsigqueueinfo 335, pidfd_send_signal 424): each
 * a process.signal as from a 64-bit program, with the target resolved and
 * marked ia32: a SIGTERM to a process outside the session, a SIGKILL through
 * a pidfd to a child, thread- and queue-directed signals to itself, and a
 * kill of a pid that does not exist.
 * build: -m32
 * setup: sleep 60 >/dev/null 2>&1 & echo $! > $WORK/outside.pid
 * expect: {"type": "process.signal", "signal.name": "SIGTERM", "signal.syscall": "kill", "signal.syscall_abi": "ia32", "signal.target.name": "sleep", "signal.target.relation": "outside_session", "signal.target.outside_session": true, "event.outcome": "success"}
 * expect: {"type": "process.signal", "signal.name": "SIGKILL", "signal.syscall": "pidfd_send_signal", "signal.syscall_abi": "ia32", "signal.target.name": "sleep", "signal.target.relation": "session", "event.outcome": "success"}
 * expect: {"type": "process.signal", "signal.name": "SIGUSR1", "signal.syscall": "tkill", "signal.syscall_abi": "ia32", "signal.target.relation": "self", "event.outcome": "success"}
 * expect: {"type": "process.signal", "signal.name": "SIGUSR2", "signal.syscall": "tgkill", "signal.syscall_abi": "ia32", "signal.target.relation": "self", "event.outcome": "success"}
 * expect: {"type": "process.signal", "signal.name": "SIGWINCH", "signal.syscall": "rt_sigqueueinfo", "signal.syscall_abi": "ia32", "signal.target.relation": "self", "event.outcome": "success"}
 * expect: {"type": "process.signal", "signal.name": "SIGURG", "signal.syscall": "rt_tgsigqueueinfo", "signal.syscall_abi": "ia32", "signal.target.relation": "self", "event.outcome": "success"}
 * expect: {"type": "process.signal", "signal.name": "SIGTERM", "signal.syscall": "kill", "signal.syscall_abi": "ia32", "signal.target.requested": 999998, "event.outcome": "failure", "error.code": "ESRCH"}
 */
// clang-format on
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
	int outside = 0, pidfd;
	pid_t child, me = getpid(), tid = syscall(SYS_gettid);
	siginfo_t si;

	if (argc < 2)
		return 2;
	snprintf(p, sizeof(p), "%s/outside.pid", argv[1]);
	if (!(f = fopen(p, "r")) || fscanf(f, "%d", &outside) != 1)
		return 3;
	fclose(f);
	syscall(SYS_kill, outside, SIGTERM);
	child = fork();
	if (child == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)0);
		_exit(1);
	}
	usleep(200000); /* the child has exec'd */
	pidfd = syscall(SYS_pidfd_open, child, 0);
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	waitpid(child, NULL, 0);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	signal(SIGWINCH, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	syscall(SYS_tkill, tid, SIGUSR1);
	syscall(SYS_tgkill, me, tid, SIGUSR2);
	memset(&si, 0, sizeof(si));
	si.si_code = SI_QUEUE;
	si.si_pid = me;
	syscall(SYS_rt_sigqueueinfo, me, SIGWINCH, &si);
	syscall(SYS_rt_tgsigqueueinfo, me, tid, SIGURG, &si);
	syscall(SYS_kill, 999998, SIGTERM);
	return 0;
}
