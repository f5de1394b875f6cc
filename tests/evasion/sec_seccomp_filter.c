// Installing seccomp filters, both through seccomp(2) and through
// prctl(PR_SET_SECCOMP): a process changing its own syscall sandbox.
// expect: {"type": "security.escape", "escape.category": "seccomp", "escape.syscall": "seccomp", "escape.detail": "op=SECCOMP_SET_MODE_FILTER flags=0x0 filter_len=1", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "seccomp", "escape.syscall": "prctl", "escape.detail": "op=PR_SET_SECCOMP mode=SECCOMP_MODE_FILTER", "event.outcome": "success"}
// expect: {"type": "security.escape", "escape.category": "seccomp", "escape.syscall": "seccomp", "escape.detail": "op=SECCOMP_SET_MODE_FILTER flags=0x0 filter_len=1", "event.outcome": "failure", "error.code": "EFAULT"}
// expect-not: {"type": "security.escape", "escape.syscall": "prctl", "escape.detail": "~PR_SET_NAME"}
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {1, allow};
	struct sock_fprog bad = {1, (struct sock_filter *)8};

	prctl(PR_SET_NAME, "sandboxed");
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
	prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
	syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &bad);
	return 0;
}
