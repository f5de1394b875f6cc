// Securebits change how uid 0 and set*id treat capabilities:
// SECBIT_KEEP_CAPS keeps them across setuid away from root,
// SECBIT_NO_SETUID_FIXUP stops the kernel from clearing them. Each change is
// a security.privilege with the bits before and after; PR_SET_KEEPCAPS sets
// the same bit; PR_SET_NO_NEW_PRIVS is recorded with the flag before and
// after. Other prctls (PR_SET_NAME) are not privilege records.
// expect: {"type": "security.privilege", "privilege.operation": "set_securebits", "privilege.requested": "securebits=SECBIT_NO_SETUID_FIXUP|SECBIT_KEEP_CAPS", "privilege.from": "securebits=0", "privilege.to": "securebits=SECBIT_NO_SETUID_FIXUP|SECBIT_KEEP_CAPS", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "set_keepcaps", "privilege.requested": "keepcaps=0", "privilege.from": "securebits=SECBIT_NO_SETUID_FIXUP|SECBIT_KEEP_CAPS", "privilege.to": "securebits=SECBIT_NO_SETUID_FIXUP", "event.outcome": "success"}
// expect: {"type": "security.privilege", "privilege.operation": "set_securebits", "privilege.requested": "securebits=0x1000000", "event.outcome": "failure", "error.code": "EPERM"}
// expect: {"type": "security.privilege", "privilege.operation": "set_no_new_privs", "privilege.requested": "no_new_privs=1", "privilege.from": "no_new_privs=0", "privilege.to": "no_new_privs=1", "event.outcome": "success"}
// expect-not: {"type": "security.privilege", "process.name": "~.", "privilege.requested": "~name"}
// expect-not: {"type": "security.escape", "escape.syscall": "prctl"}
#define _GNU_SOURCE
#include <linux/securebits.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(void)
{
	if (prctl(PR_SET_NAME, "securebits", 0, 0, 0))
		return 1;
	if (prctl(PR_SET_SECUREBITS, SECBIT_KEEP_CAPS | SECBIT_NO_SETUID_FIXUP, 0, 0, 0))
		return 1;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return 1;
	/* a bit the kernel does not know */
	if (prctl(PR_SET_SECUREBITS, 1 << 24, 0, 0, 0) != -1)
		return 1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ? 1 : 0;
}
