// Fileless exec without memfd: /bin/true copied into an O_TMPFILE (never
// linked into the directory tree), reopened read-only through /proc and run
// with execveat(AT_EMPTY_PATH). Reported as memory.operation unlinked_exec
// (an O_TMPFILE dentry is named "#<inode>").
// expect: {"type": "security.memexec", "memory.operation": "unlinked_exec", "memory.protection": "r-x", "memory.anonymous": true, "event.outcome": "success", "file.name": "~^#[0-9]+$", "process.name": "~^#[0-9]+$"}
// expect-not: {"type": "security.memexec", "memory.operation": "memfd_exec"}
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int src = open("/bin/true", O_RDONLY);
	int w = open(argc > 1 ? argv[1] : ".", O_TMPFILE | O_RDWR, 0755);
	char proc[64];
	struct stat st;
	char *args[] = {"tmpfile-payload", 0};
	char *env[] = {0};
	int r;

	if (src < 0 || w < 0 || fstat(src, &st) || sendfile(w, src, 0, st.st_size) != st.st_size)
		return 1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", w);
	r = open(proc, O_RDONLY | O_CLOEXEC);
	close(w); /* no writer left: exec would fail with ETXTBSY */
	syscall(SYS_execveat, r, "", args, env, AT_EMPTY_PATH);
	return 1;
}
