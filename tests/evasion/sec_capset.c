// capset(): root keeps only CAP_NET_RAW (effective and permitted), then
// execs: exec as uid 0 gives every capability back (capabilities_exec).
// expect: {"type": "security.privilege", "privilege.operation": "capset", "privilege.from": "~^cap_eff=0x[0-9a-f]{10,},cap_prm=0x[0-9a-f]{10,},cap_inh=0x0$", "privilege.to": "cap_eff=0x2000,cap_prm=0x2000,cap_inh=0x0", "privilege.requested": "cap_eff=0x2000,cap_prm=0x2000,cap_inh=0x0", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "capset", "privilege.requested": "cap_eff=0x200000,cap_prm=0x200000,cap_inh=0x0", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.privilege", "privilege.operation": "capabilities_exec", "privilege.from": "cap_eff=0x2000,cap_prm=0x2000,cap_inh=0x0", "privilege.to": "~^cap_eff=0x[0-9a-f]{10,},cap_prm=0x[0-9a-f]{10,},cap_inh=0x0$", "process.name": "true"}
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

static long set_caps(unsigned eff, unsigned prm)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{eff, prm, 0}, {0, 0, 0}};
	return syscall(SYS_capset, &h, d);
}

int main(void)
{
	set_caps(1u << CAP_NET_RAW, 1u << CAP_NET_RAW);
	set_caps(1u << CAP_SYS_ADMIN, 1u << CAP_SYS_ADMIN); /* cannot regain: EPERM */
	execl("/bin/true", "true", (char *)0);
	return 1;
}
