// Ambient capabilities survive exec into any program (no file capabilities
// needed): raising one is a privilege change even though no id changes.
// prctl(PR_CAP_AMBIENT) raise / clear_all and a refused raise are
// security.privilege records with the ambient set before and after.
// expect: {"type": "security.privilege", "privilege.operation": "cap_ambient_raise", "privilege.requested": "cap=CAP_NET_RAW", "privilege.from": "cap_amb=0x0", "privilege.to": "cap_amb=0x2000", "privilege.capabilities_gained": ["CAP_NET_RAW"], "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "cap_ambient_clear_all", "privilege.requested": "clear_all", "privilege.from": "cap_amb=0x2000", "privilege.to": "cap_amb=0x0", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "cap_ambient_raise", "privilege.requested": "cap=CAP_SYS_ADMIN", "privilege.from": "cap_amb=0x0", "privilege.to": "cap_amb=0x0", "event.outcome": "failure", "error.code": "EPERM"}
// expect-not: {"type": "security.privilege", "privilege.operation": "~^cap_ambient_", "privilege.requested": "~IS_SET|cap=CAP_CHOWN"}
#define _GNU_SOURCE
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 1;
	d[0].inheritable = 1u << CAP_NET_RAW; /* ambient needs permitted and inheritable */
	d[1].inheritable = 0;
	if (syscall(SYS_capset, &h, d))
		return 1;
	/* a query is not a change */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_CHOWN, 0, 0) != 0)
		return 1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0))
		return 1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return 1;
	/* not inheritable: refused */
	return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0) == -1 ? 0 : 1;
}
