/* Copies a secret without read(2)/write(2): sendfile, splice through a pipe
 * and copy_file_range. Each source read and each destination write is in
 * the I/O summaries (the pipe itself is not a file and is not reported).
 * setup: printf 'topsecret\n' > $WORK/secret
 * expect: {"type": "file.write", "file.path": "$WORK/by_sendfile", "file.bytes": 10, "file.operations": 1}
 * expect: {"type": "file.write", "file.path": "$WORK/by_splice", "file.bytes": 10, "file.operations": 1}
 * expect: {"type": "file.write", "file.path": "$WORK/by_copy_file_range", "file.bytes": 10, "file.operations": 1}
 * expect: {"type": "file.read", "file.path": "$WORK/secret", "file.bytes": 10, "file.operations": 1, "file.descriptor": 3}
 * expect-not: {"type": "file.write", "file.path": "~^pipe:"}
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

static int src(void)
{
	return open("secret", O_RDONLY);
}

static int dst(const char *name)
{
	return open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

int main(void)
{
	int in, out, p[2];

	in = src();
	out = dst("by_sendfile");
	sendfile(out, in, NULL, 10);
	close(in);
	close(out);

	in = src();
	out = dst("by_splice");
	pipe(p);
	splice(in, NULL, p[1], NULL, 10, 0);
	splice(p[0], NULL, out, NULL, 10, 0);
	close(in);
	close(out);

	in = src();
	out = dst("by_copy_file_range");
	copy_file_range(in, NULL, out, NULL, 10, 0);
	close(in);
	close(out);
	return 0;
}
