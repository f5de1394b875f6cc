// Kernel module loading and unloading by an unprivileged account: init_module,
// finit_module and delete_module all fail (ENOSYS: this kernel is built
// without module support; EPERM elsewhere); each attempt is
// recorded with the file, parameters or module name.
// user: proctor-agent
// expect: {"type": "security.escape", "escape.category": "module", "escape.syscall": "init_module", "escape.detail": "len=16 params=debug=1", "event.outcome": "failure", "error.code": "~^(ENOSYS|EPERM)$"}
// expect: {"type": "security.escape", "escape.category": "module", "escape.syscall": "finit_module", "escape.detail": "file=rootkit.ko params=hide=1 flags=0x0", "event.outcome": "failure", "error.code": "~^(ENOSYS|EPERM)$"}
// expect: {"type": "security.escape", "escape.category": "module", "escape.syscall": "delete_module", "escape.detail": "name=ext4 flags=0x800", "event.outcome": "failure", "error.code": "~^(ENOSYS|EPERM)$"}
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char image[16];
	int fd;

	(void)argc;
	if (chdir(argv[1]))
		return 1;
	fd = open("rootkit.ko", O_RDWR | O_CREAT, 0644);
	syscall(SYS_init_module, image, sizeof(image), "debug=1");
	syscall(SYS_finit_module, fd, "hide=1", 0);
	syscall(SYS_delete_module, "ext4", O_NONBLOCK);
	return 0;
}
