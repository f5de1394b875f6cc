// bpf() from an unprivileged user (kernel.unprivileged_bpf_disabled=2):
// loading a socket filter and creating a map both fail with EPERM, and
// both attempts are recorded with the command and program/map type.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "bpf", "escape.syscall": "bpf", "escape.detail": "cmd=BPF_PROG_LOAD prog_type=1", "event.outcome": "failure", "error.code": "EPERM", "process.user.id": 1001}
// expect: {"type": "security.escape", "escape.category": "bpf", "escape.detail": "cmd=BPF_MAP_CREATE map_type=2", "event.outcome": "failure", "error.code": "EPERM"}
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (unsigned long)insns;
	a.license = (unsigned long)"GPL";
	syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	return 0;
}
