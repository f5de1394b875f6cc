/* file_deny_evasion.c: tries to read a denied file F by other names and
 * other calls, from inside the workspace W, and prints one line per
 * attempt: "NAME=ok:CONTENT" when the file's bytes were read, else
 * "NAME=ERRNO" (the call that failed). Used by test_policy_files.py.
 * usage: file_deny_evasion F W */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *F, *W;

static void report(const char *name, int fd)
{
	char buf[64] = "";
	ssize_t n;

	if (fd < 0) {
		printf("%s=%s\n", name, strerrorname_np(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	if (n < 0)
		printf("%s=%s\n", name, strerrorname_np(errno));
	else
		printf("%s=ok:%s\n", name, buf);
	close(fd);
}

static char *in_w(const char *leaf)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", W, leaf);
	return p;
}

static void by_symlink(void)
{
	if (symlink(F, in_w("sl")))
		return report("symlink", -1);
	report("symlink", open(in_w("sl"), O_RDONLY));
}

static void by_hardlink(void)
{
	if (link(F, in_w("hl")))
		return report("hardlink", -1);
	report("hardlink", open(in_w("hl"), O_RDONLY));
}

static void by_rename(void)
{
	if (rename(F, in_w("rn")))
		return report("rename", -1);
	report("rename", open(in_w("rn"), O_RDONLY));
	(void)!rename(in_w("rn"), F);
}

static void by_proc_fd(void)
{
	char p[64];
	int o = open(F, O_PATH);

	if (o < 0)
		return report("proc_self_fd", -1);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", o);
	report("proc_self_fd", open(p, O_RDONLY));
	close(o);
}

static void by_dirfd(void)
{
	char dir[4096];
	int d;

	snprintf(dir, sizeof(dir), "%s", F);
	*strrchr(dir, '/') = 0;
	if ((d = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		return report("dirfd", -1);
	report("dirfd", openat(d, strrchr(F, '/') + 1, O_RDONLY));
	close(d);
}

static void by_openat2(void)
{
	struct open_how how = {.flags = O_RDONLY};

	report("openat2", (int)syscall(SYS_openat2, AT_FDCWD, F, &how, sizeof(how)));
}

static void by_io_uring(void)
{
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int res;

	if (io_uring_queue_init(4, &ring, 0))
		return report("io_uring_openat", -1);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_openat(sqe, AT_FDCWD, F, O_RDONLY, 0);
	io_uring_submit(&ring);
	if (io_uring_wait_cqe(&ring, &cqe))
		return report("io_uring_openat", -1);
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	io_uring_queue_exit(&ring);
	errno = res < 0 ? -res : 0;
	report("io_uring_openat", res < 0 ? -1 : res);
}

static void by_handle(void)
{
	struct file_handle *h = calloc(1, sizeof(*h) + MAX_HANDLE_SZ);
	int mount_id, m;

	h->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, F, h, &mount_id, 0) || (m = open(W, O_RDONLY)) < 0)
		return report("open_by_handle_at", -1);
	report("open_by_handle_at", open_by_handle_at(m, h, O_RDONLY));
	close(m);
	free(h);
}

/* mmap, sendfile, copy_file_range all need an fd of the file first: the
 * only fd there is without an open permission check is O_PATH's. */
static void by_mmap(void)
{
	int o = open(F, O_PATH);
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, o, 0);

	if (p == MAP_FAILED)
		printf("mmap_o_path=%s\n", strerrorname_np(errno));
	else
		printf("mmap_o_path=ok:%.*s\n", (int)strcspn(p, "\n"), (char *)p);
	close(o);
}

static void by_sendfile(void)
{
	int o = open(F, O_PATH), out = open(in_w("sf"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ssize_t n = sendfile(out, o, NULL, 64);

	if (n < 0)
		printf("sendfile_o_path=%s\n", strerrorname_np(errno));
	else
		printf("sendfile_o_path=ok:%zd\n", n);
	close(o);
	close(out);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	F = argv[1];
	W = argv[2];
	setvbuf(stdout, NULL, _IOLBF, 0);
	by_symlink();
	by_hardlink();
	by_rename();
	by_proc_fd();
	by_dirfd();
	by_openat2();
	by_io_uring();
	by_handle();
	by_mmap();
	by_sendfile();
	return 0;
}
