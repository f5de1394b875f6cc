// Fileless execution: copy /bin/true into a memfd and fexecve() it
// (execveat(fd, "", AT_EMPTY_PATH)). Nothing on disk has the program; the
// exec of an unlinked memfd is reported as memory.operation memfd_exec.
// expect: {"type": "security.memexec", "memory.operation": "memfd_exec", "memory.protection": "r-x", "memory.anonymous": true, "memory.memfd": true, "file.name": "memfd:payload", "event.outcome": "success"}
// expect: {"type": "process.exec", "process.command_args": ["payload", "from-memory"]}
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
	int src = open("/bin/true", O_RDONLY);
	int mfd = memfd_create("payload", MFD_CLOEXEC);
	struct stat st;
	char *argv[] = {"payload", "from-memory", 0};

	if (src < 0 || mfd < 0 || fstat(src, &st))
		return 1;
	if (sendfile(mfd, src, NULL, st.st_size) != st.st_size)
		return 1;
	fexecve(mfd, argv, environ);
	return 1;
}
