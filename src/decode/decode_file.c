/* decode_file.c: file.open, file.read, file.write and file.metadata records
 * (include/proctor/abi_file.h) -> spec fields. Resolves relative names
 * against the directory the kernel walked, names flags, marks escape paths
 * (model/paths.h), and fills in the path of folded open repeats from a cache of the
 * opens it has seen. Field reference: docs/EVENTS-file.md. */
#include "decode/decode_file.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "proctor/abi_file.h"
#include "decode/decode.h"
#include "model/paths.h"
#include "probe/syscall_table.h"
#include "util/strbuf.h"
#include "util/util.h"

/* ---- paths ---------------------------------------------------------- */

const char *file_path_resolve(struct record *r, const char *dir, const char *name)
{
	struct strbuf in = STRBUF_INIT;
	const char *src, *p, *e;
	char *out, *o;
	bool abs;
	size_t n;

	if (!name)
		name = "";
	if (name[0] != '/' && dir && dir[0] == '/') {
		sb_puts(&in, dir);
		sb_putc(&in, '/');
	}
	sb_puts(&in, name);
	src = sb_cstr(&in);
	abs = src[0] == '/';
	out = record_alloc(r, strlen(src) + 2);
	o = out;
	for (p = src; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		e = strchr(p, '/');
		n = e ? (size_t)(e - p) : strlen(p);
		if (n == 1 && p[0] == '.') {
			/* skip */
		} else if (n == 2 && p[0] == '.' && p[1] == '.' && (abs || o > out)) {
			while (o > out && o[-1] != '/')
				o--;
			if (o > out)
				o--;
		} else {
			if (abs || o > out)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == out && abs)
		*o++ = '/';
	*o = 0;
	sb_free(&in);
	return out;
}

/* ---- names ---------------------------------------------------------- */

struct flag_name {
	uint64_t bit;
	const char *name;
};

/* Kernel values (the C library's O_LARGEFILE is 0 on 64-bit). */
#if defined(__aarch64__)
#define K_O_DIRECTORY 040000
#define K_O_NOFOLLOW  0100000
#define K_O_DIRECT    0200000
#define K_O_LARGEFILE 0400000
#else
#define K_O_DIRECT    040000
#define K_O_LARGEFILE 0100000
#define K_O_DIRECTORY 0200000
#define K_O_NOFOLLOW  0400000
#endif
#define K_O_TMPFILE_BIT 020000000
#define K_O_SYNC_BIT	04000000
#define K_O_PATH	010000000

static const struct flag_name open_flags[] = {
	{0100, "O_CREAT"},
	{0200, "O_EXCL"},
	{0400, "O_NOCTTY"},
	{01000, "O_TRUNC"},
	{02000, "O_APPEND"},
	{04000, "O_NONBLOCK"},
	{010000, "O_DSYNC"},
	{020000, "O_ASYNC"},
	{K_O_DIRECT, "O_DIRECT"},
	{K_O_LARGEFILE, "O_LARGEFILE"},
	{K_O_DIRECTORY, "O_DIRECTORY"},
	{K_O_NOFOLLOW, "O_NOFOLLOW"},
	{01000000, "O_NOATIME"},
	{02000000, "O_CLOEXEC"},
	{K_O_PATH, "O_PATH"},
};

uint32_t file_open_flag_names(uint64_t flags, const char **out, uint32_t max)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	uint32_t n = 0;
	size_t i;

	if (max)
		out[n++] = acc[flags & 3];
	if ((flags & K_O_TMPFILE_BIT) && n < max) {
		out[n++] = "O_TMPFILE";
		flags &= ~(uint64_t)(K_O_TMPFILE_BIT | K_O_DIRECTORY);
	}
	if ((flags & K_O_SYNC_BIT) && n < max) {
		out[n++] = "O_SYNC";
		flags &= ~(uint64_t)(K_O_SYNC_BIT | 010000);
	}
	for (i = 0; i < ARRAY_SIZE(open_flags) && n < max; i++)
		if (flags & open_flags[i].bit)
			out[n++] = open_flags[i].name;
	return n;
}

const char *file_access_name(uint64_t flags)
{
	static const char *const acc[] = {"read", "write", "read_write", "none"};
	if (flags & K_O_PATH)
		return "none";
	return acc[flags & 3];
}

static const struct flag_name resolve_flags[] = {
	{0x01, "RESOLVE_NO_XDEV"}, {0x02, "RESOLVE_NO_MAGICLINKS"}, {0x04, "RESOLVE_NO_SYMLINKS"},
	{0x08, "RESOLVE_BENEATH"}, {0x10, "RESOLVE_IN_ROOT"},	    {0x20, "RESOLVE_CACHED"},
};

static const struct flag_name rename_flags[] = {
	{1, "RENAME_NOREPLACE"},
	{2, "RENAME_EXCHANGE"},
	{4, "RENAME_WHITEOUT"},
};

static void add_flag_names(struct record *r, const char *key, uint64_t v, const struct flag_name *t,
			   size_t nt)
{
	const char *names[16];
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < nt && n < ARRAY_SIZE(names); i++)
		if (v & t[i].bit)
			names[n++] = t[i].name;
	if (n)
		record_add_strv(r, key, names, n);
}

/* chattr: FS_*_FL as FS_IOC_SETFLAGS takes them, FS_XFLAG_* of
 * FS_IOC_FSSETXATTR, and the inode's S_* flags (what the kernel enforces) */
static const struct flag_name fs_fl_flags[] = {
	{0x1, "secrm"},
	{0x2, "unrm"},
	{0x4, "compr"},
	{0x8, "sync"},
	{0x10, "immutable"},
	{0x20, "append"},
	{0x40, "nodump"},
	{0x80, "noatime"},
	{0x1000, "index"},
	{0x4000, "journal_data"},
	{0x8000, "notail"},
	{0x10000, "dirsync"},
	{0x20000, "topdir"},
	{0x80000, "extent"},
	{0x100000, "verity"},
	{0x800000, "nocow"},
	{0x2000000, "dax"},
	{0x10000000, "inline_data"},
	{0x20000000, "projinherit"},
	{0x40000000, "casefold"},
};
static const struct flag_name fs_xflags[] = {
	{0x1, "realtime"},	 {0x2, "prealloc"},	 {0x8, "immutable"},
	{0x10, "append"},	 {0x20, "sync"},	 {0x40, "noatime"},
	{0x80, "nodump"},	 {0x100, "rtinherit"},	 {0x200, "projinherit"},
	{0x400, "nosymlinks"},	 {0x800, "extsize"},	 {0x1000, "extszinherit"},
	{0x2000, "nodefrag"},	 {0x4000, "filestream"}, {0x8000, "dax"},
	{0x10000, "cowextsize"},
};
static const struct flag_name inode_flags[] = {
	{0x1, "sync"}, {0x2, "noatime"}, {0x4, "append"}, {0x8, "immutable"}, {0x40, "dirsync"},
};

/* Always present, [] when none is set (a cleared +i is the point). */
static void add_attr_names(struct record *r, const char *key, uint64_t v, const struct flag_name *t,
			   size_t nt)
{
	const char *names[24];
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < nt && n < ARRAY_SIZE(names); i++)
		if (v & t[i].bit)
			names[n++] = t[i].name;
	record_add_strv(r, key, names, n);
}

static void add_setflags(struct record *r, const struct pr_file_meta *e)
{
	bool xattr = e->arg & PR_SETFLAGS_XATTR;
	uint32_t before = (uint32_t)e->arg2, after = (uint32_t)(e->arg2 >> 32);

	record_add_str_ref(r, "file.ioctl", xattr ? "FS_IOC_FSSETXATTR" : "FS_IOC_SETFLAGS");
	if (xattr)
		add_attr_names(r, "file.attributes.requested", (uint32_t)e->arg, fs_xflags,
			       ARRAY_SIZE(fs_xflags));
	else
		add_attr_names(r, "file.attributes.requested", (uint32_t)e->arg, fs_fl_flags,
			       ARRAY_SIZE(fs_fl_flags));
	if (before != PR_SETFLAGS_NO_BEFORE)
		add_attr_names(r, "file.attributes.before", before, inode_flags,
			       ARRAY_SIZE(inode_flags));
	add_attr_names(r, "file.attributes.after", after, inode_flags, ARRAY_SIZE(inode_flags));
}

static const char *uring_op_name(uint32_t op)
{
	switch (op) {
	case 18: return "io_uring:openat";
	case 28: return "io_uring:openat2";
	case 35: return "io_uring:renameat";
	case 36: return "io_uring:unlinkat";
	case 37: return "io_uring:mkdirat";
	case 38: return "io_uring:symlinkat";
	case 39: return "io_uring:linkat";
	case 55: return "io_uring:ftruncate";
	case 41: return "io_uring:fsetxattr";
	case 42: return "io_uring:setxattr";
	}
	return "io_uring";
}

static void add_syscall(struct record *r, uint16_t hflags, uint32_t nr)
{
	bool ia32 = !(hflags & PR_FILE_IO_URING) && (nr & PR_SYSCALL_IA32);
	const char *n;

	nr &= ia32 ? ~(uint32_t)PR_SYSCALL_IA32 : ~0u;
	n = (hflags & PR_FILE_IO_URING) ? uring_op_name(nr) : syscall_name(nr);
	if (n)
		record_add_str_ref(r, "file.syscall", n);
	if (ia32)
		record_add_str_ref(r, "file.syscall_abi", "ia32");
	if (hflags & PR_FILE_IO_URING)
		record_add_bool(r, "file.io_uring", true);
}

static void add_outcome(struct record *r, int64_t ret, uint16_t hflags)
{
	const char *en;
	char buf[32];

	if (hflags & PR_FILE_UNCONFIRMED) { /* no result exists (yet) */
		record_add_bool(r, "file.io_uring_unconfirmed", true);
		return;
	}
	if (ret >= 0) {
		record_add_str_ref(r, "event.outcome", "success");
		return;
	}
	record_add_str_ref(r, "event.outcome", "failure");
	en = errno_name_of(ret);
	if (!en) {
		snprintf(buf, sizeof(buf), "E%" PRIu64, (uint64_t)0 - (uint64_t)ret);
		record_add_str(r, "error.code", buf);
	} else {
		record_add_str(r, "error.code", en);
	}
}

static void add_mode(struct record *r, uint64_t mode)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%04" PRIo64, mode & 07777);
	record_add_str(r, "file.mode", buf);
}

static void add_time(struct decode_ctx *c, struct record *r, const char *key, uint64_t boot_ns)
{
	char buf[40];

	fmt_rfc3339(boot_ns + c->wall_offset_ns, buf, sizeof(buf));
	record_add_str(r, key, buf);
}

/* Split the variable part into n NUL-terminated strings of the given
 * lengths (0 = absent -> NULL). False when the lengths overrun the record. */
static bool split_data(struct record *r, const char *p, size_t avail, const uint16_t *lens,
		       const char **out, int n)
{
	size_t total = 0;
	int i;

	for (i = 0; i < n; i++)
		total += lens[i];
	if (total > avail)
		return false;
	for (i = 0; i < n; i++) {
		out[i] = lens[i] ? decode_str(r, p, lens[i]) : NULL;
		p += lens[i];
	}
	return true;
}

/* ---- names by fold key ------------------------------------------------ */

/* The open of (pid, key) as recorded in the process table, or NULL. */
static const struct proc_open_name *open_name(struct decode_ctx *c, uint32_t pid, uint64_t key)
{
	return proc_open_name_get(proctree_get(c->procs, pid), key);
}

static void open_name_put(struct decode_ctx *c, uint32_t pid, uint64_t key, const char *path,
			  const char *req)
{
	struct proc *p = proctree_upsert(c->procs, pid);

	if (p)
		proc_open_name_put(p, key, path, req);
}

/* ---- decoders ------------------------------------------------------- */

static bool open_writes(uint64_t flags)
{
	return (flags & 3) == 1 || (flags & 3) == 2 || (flags & (0100 | 01000));
}

static void add_open_flags(struct record *r, uint64_t flags)
{
	const char *names[24];
	uint32_t n = file_open_flag_names(flags, names, ARRAY_SIZE(names));

	record_add_strv(r, "file.flags", names, n);
	record_add_str_ref(r, "file.access", file_access_name(flags));
}

static enum decode_result decode_open(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_file_open *e = data;
	uint16_t lens[3] = {e->path_len, e->name_len, e->dir_len};
	const char *s[3], *path, *req = NULL, *cat;
	const struct proc_open_name *on;

	if (!split_data(r, e->data, len - sizeof(*e), lens, s, 3))
		return DECODE_BAD;
	decode_common(c, &e->hdr, "file.open", r);
	if (e->hdr.flags & PR_FILE_REPEAT) {
		on = open_name(c, e->hdr.pid, e->agg_id);
		path = on ? on->path : "";
		req = on ? on->requested : NULL;
	} else if (s[0]) {
		path = s[0];
		if (s[1] && strcmp(s[1], path))
			req = s[1];
	} else {
		path = file_path_resolve(r, s[2], s[1]);
	}
	record_add_str(r, "file.path", path);
	add_open_flags(r, e->flags);
	add_outcome(r, e->ret, e->hdr.flags);
	if (e->ret >= 0 && e->ret != 0x7fffffff && !(e->hdr.flags & PR_FILE_REPEAT))
		record_add_int(r, "file.descriptor", e->ret);
	add_syscall(r, e->hdr.flags, e->syscall);
	record_add_int(r, "file.open_count", e->count);
	if (e->hdr.flags & PR_FILE_REPEAT) {
		record_add_bool(r, "file.open_repeat", true);
		add_time(c, r, "file.open_first_time", e->first_ts);
		if (!*path)
			record_add_bool(r, "file.path_unknown", true);
	}
	if (req)
		record_add_str(r, "file.requested_path", req);
	if (e->hdr.flags & PR_FILE_DELETED)
		record_add_bool(r, "file.deleted", true);
	if (e->flags & (0100 | 020000000))
		add_mode(r, e->mode);
	add_flag_names(r, "file.resolve", e->resolve, resolve_flags, ARRAY_SIZE(resolve_flags));
	if (e->hdr.flags & (PR_FILE_PATH_TRUNC | PR_FILE_NAME_TRUNC))
		record_add_bool(r, "file.path_truncated", true);
	if ((cat = escape_path_category(path, req, open_writes(e->flags))))
		record_add_str_ref(r, "file.sensitive_category", cat);
	if (!(e->hdr.flags & PR_FILE_REPEAT))
		open_name_put(c, e->hdr.pid, e->agg_id, path, req);
	return DECODE_OK;
}

static const char *flush_reason(uint16_t r)
{
	static const char *const names[] = {
		"",	   "close",	"close_range",	  "dup",      "exec",  "exit",
		"evicted", "fd_reused", "io_uring_close", "periodic", "folded"};
	return r < ARRAY_SIZE(names) ? names[r] : "";
}

static enum decode_result decode_io(struct decode_ctx *c, const void *data, size_t len,
				    struct record *r, const char *type, bool write)
{
	const struct pr_file_io *e = data;
	uint16_t lens[1] = {e->path_len};
	const char *s[1], *path, *cat;
	bool folded = e->hdr.flags & PR_FILE_FOLDED;
	bool by_key = e->hdr.flags & (PR_FILE_FOLDED | PR_FILE_NAMED);
	const struct proc_open_name *on;

	if (!split_data(r, e->data, len - sizeof(*e), lens, s, 1))
		return DECODE_BAD;
	path = s[0] ? s[0] : "";
	if (by_key) {
		on = open_name(c, e->hdr.pid, e->agg_id);
		path = on ? on->path : "";
	}
	decode_common(c, &e->hdr, type, r);
	record_add_str(r, "file.path", path);
	record_add_int(r, "file.bytes", (int64_t)e->bytes);
	record_add_int(r, "file.operations", (int64_t)e->ops);
	if (folded)
		record_add_int(r, "file.open_count", e->files);
	if (by_key && !*path)
		record_add_bool(r, "file.path_unknown", true);
	record_add_str_ref(r, "event.outcome", "success");
	if (e->fd >= 0)
		record_add_int(r, "file.descriptor", e->fd);
	if (e->uring_ops)
		record_add_int(r, "file.io_uring_operations", (int64_t)e->uring_ops);
	if (e->mmaps)
		record_add_int(r, "file.mmaps", e->mmaps);
	if (e->unconfirmed) {
		record_add_int(r, "file.io_uring_unconfirmed_operations", e->unconfirmed);
		record_add_bool(r, "file.bytes_estimated", true);
	}
	add_time(c, r, "file.first_time", e->first_ts);
	record_add_str_ref(r, "file.summary_reason", flush_reason(e->reason));
	if (e->hdr.flags & PR_FILE_PARTIAL)
		record_add_bool(r, "file.partial", true);
	if (e->hdr.flags & PR_FILE_STALE)
		record_add_bool(r, "file.path_uncertain", true);
	if (e->hdr.flags & PR_FILE_DELETED)
		record_add_bool(r, "file.deleted", true);
	if (e->hdr.flags & PR_FILE_PATH_TRUNC)
		record_add_bool(r, "file.path_truncated", true);
	if ((cat = escape_path_category(path, NULL, write)))
		record_add_str_ref(r, "file.sensitive_category", cat);
	return DECODE_OK;
}

static enum decode_result decode_read(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	return decode_io(c, data, len, r, "file.read", false);
}

static enum decode_result decode_write(struct decode_ctx *c, const void *data, size_t len,
				       struct record *r)
{
	return decode_io(c, data, len, r, "file.write", true);
}

static const char *meta_op_name(uint16_t op)
{
	static const char *const names[] = {
		"",	   "unlink",   "rmdir",	      "rename", "link",
		"symlink", "mkdir",    "chmod",	      "chown",	"truncate",
		"utimes",  "setxattr", "removexattr", "mknod",	"setflags"};
	return op < ARRAY_SIZE(names) ? names[op] : "";
}

/* The object of a metadata record: the fd's path, else name against dir. */
static const char *meta_object(struct record *r, const char *path, const char *name,
			       const char *dir)
{
	if (path)
		return path;
	return name ? file_path_resolve(r, dir, name) : "";
}

static void add_meta_args(struct record *r, const struct pr_file_meta *e)
{
	switch (e->op) {
	case PR_META_CHMOD:
	case PR_META_MKDIR:
	case PR_META_MKNOD: add_mode(r, e->arg); break;
	case PR_META_CHOWN:
		if ((uint32_t)e->arg != UINT32_MAX)
			record_add_int(r, "file.owner.id", (uint32_t)e->arg);
		if ((uint32_t)e->arg2 != UINT32_MAX)
			record_add_int(r, "file.group.id", (uint32_t)e->arg2);
		break;
	case PR_META_TRUNCATE: record_add_int(r, "file.size", (int64_t)e->arg); break;
	case PR_META_RENAME:
		add_flag_names(r, "file.rename_flags", e->arg, rename_flags,
			       ARRAY_SIZE(rename_flags));
		break;
	case PR_META_SETXATTR: record_add_int(r, "file.xattr.size", (int64_t)e->arg2); break;
	case PR_META_SETFLAGS: add_setflags(r, e); break;
	}
}

static enum decode_result decode_meta(struct decode_ctx *c, const void *data, size_t len,
				      struct record *r)
{
	const struct pr_file_meta *e = data;
	uint16_t lens[6] = {e->path_len,  e->name_len, e->dir_len,
			    e->name2_len, e->dir2_len, e->xattr_len};
	const char *s[6], *obj1, *obj2 = NULL, *path, *target = NULL, *cat;
	char *dir;

	if (!split_data(r, e->data, len - sizeof(*e), lens, s, 6))
		return DECODE_BAD;
	decode_common(c, &e->hdr, "file.metadata", r);
	obj1 = meta_object(r, s[0], s[1], s[2]);
	if (s[3])
		obj2 = file_path_resolve(r, s[4], s[3]);
	path = obj1;
	if (e->op == PR_META_RENAME) {
		target = obj2;
	} else if (e->op == PR_META_LINK) { /* path: the new name; target: the file */
		path = obj2 ? obj2 : "";
		target = obj1;
	} else if (e->op == PR_META_SYMLINK) { /* target: the contents, made absolute */
		path = obj2 ? obj2 : "";
		dir = record_strdup(r, path);
		if (strrchr(dir, '/'))
			*strrchr(dir, '/') = 0;
		target = s[1] ? file_path_resolve(r, *dir ? dir : "/", s[1]) : "";
		if (s[1])
			record_add_str(r, "file.symlink_contents", s[1]);
	}
	record_add_str_ref(r, "file.operation", meta_op_name(e->op));
	record_add_str(r, "file.path", path);
	if (target)
		record_add_str(r, "file.target_path", target);
	if (s[0] && s[1] && *s[1] && e->op != PR_META_LINK && e->op != PR_META_SYMLINK)
		record_add_str(r, "file.requested_path", s[1]); /* e.g. /proc/self/fd/N */
	add_outcome(r, e->ret, e->hdr.flags);
	add_syscall(r, e->hdr.flags, e->syscall);
	add_meta_args(r, e);
	if (s[5])
		record_add_str(r, "file.xattr.name", s[5]);
	if (e->hdr.flags & (PR_FILE_PATH_TRUNC | PR_FILE_NAME_TRUNC))
		record_add_bool(r, "file.path_truncated", true);
	if ((cat = escape_path_category(path, target, true)))
		record_add_str_ref(r, "file.sensitive_category", cat);
	return DECODE_OK;
}

const struct decoder file_decoders[] = {
	{PR_EV_FILE_OPEN, "file.open", sizeof(struct pr_file_open), decode_open},
	{PR_EV_FILE_READ, "file.read", sizeof(struct pr_file_io), decode_read},
	{PR_EV_FILE_WRITE, "file.write", sizeof(struct pr_file_io), decode_write},
	{PR_EV_FILE_META, "file.metadata", sizeof(struct pr_file_meta), decode_meta},
	{0},
};
