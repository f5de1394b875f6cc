/* pin.c: the probe's maps, links and stamp pinned in bpffs (see pin.h).
 * The stamp identifies the build: the ABI version, the release and an
 * FNV-1a hash of the BPF object, so that maps are only ever re-opened by
 * the programs that laid them out. */
#include "probe/pin.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "proctor.skel.h"
#include "util/util.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

struct pin_stamp {
	uint32_t abi, pad;
	uint64_t obj_hash;
	char release[48];
};

static void this_stamp(struct pin_stamp *st)
{
	size_t sz, i;
	const unsigned char *elf = proctor_bpf__elf_bytes(&sz);
	uint64_t h = 1469598103934665603ull;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < sz; i++)
		h = (h ^ elf[i]) * 1099511628211ull;
	st->abi = PR_ABI_VERSION;
	st->obj_hash = h;
	snprintf(st->release, sizeof(st->release), "%s", PROCTOR_VERSION);
}

static void describe(const struct pin_stamp *st, char *out, size_t len)
{
	snprintf(out, len, "proctor %s (ABI %u, BPF object %016llx)", st->release,
		 (unsigned)st->abi, (unsigned long long)st->obj_hash);
}

/* bpffs names: the map's name with dots (".bss") made underscores. */
static void pin_path(char *out, size_t len, const char *dir, const char *sub, const char *name)
{
	size_t n;

	snprintf(out, len, "%s/%s/", dir, sub);
	n = strlen(out);
	for (; *name && n + 1 < len; name++)
		out[n++] = *name == '.' ? '_' : *name;
	out[n] = 0;
}

static bool on_bpffs(const char *path)
{
	struct statfs fs;

	return !statfs(path, &fs) && fs.f_type == BPF_FS_MAGIC;
}

static int ensure_bpffs(const char *dir, char *err, size_t errlen)
{
	char parent[4096], *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	if ((slash = strrchr(parent, '/')) && slash != parent)
		*slash = 0;
	if (on_bpffs(parent))
		return 0;
	if (!strcmp(parent, "/sys/fs/bpf")) {
		mkdir(parent, 0700);
		if (!mount("bpf", parent, "bpf", 0, "mode=0700") || errno == EBUSY)
			if (on_bpffs(parent))
				return 0;
	}
	snprintf(err, errlen, "%s is not on a bpf filesystem (mount -t bpf bpf %s): %s", parent,
		 parent, strerror(errno));
	return -1;
}

static int read_stamp(const char *dir, struct pin_stamp *st)
{
	char path[4200];
	uint32_t k = 0;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/stamp", dir);
	if ((fd = bpf_obj_get(path)) < 0)
		return -1;
	rc = bpf_map_lookup_elem(fd, &k, st);
	close(fd);
	return rc;
}

/* Whether the pinned tracked-cgroup map holds a session's cgroup. */
static bool sessions_live(const char *dir)
{
	char path[4200];
	uint64_t key;
	int fd;
	bool live;

	pin_path(path, sizeof(path), dir, "maps", "tracked_cgroups");
	if ((fd = bpf_obj_get(path)) < 0)
		return false;
	live = !bpf_map_get_next_key(fd, NULL, &key);
	close(fd);
	return live;
}

static void remove_tree(const char *dir)
{
	char path[4400];
	struct dirent *e;
	struct stat sb;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!lstat(path, &sb) && S_ISDIR(sb.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int probe_pin_remove(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb))
		return errno == ENOENT ? 0 : -errno;
	remove_tree(dir);
	return 0;
}

int probe_pin_check(const char *dir, enum pin_state *st, char *err, size_t errlen)
{
	struct pin_stamp mine, theirs;
	char a[128], b[128];
	struct stat sb;

	*st = PIN_NONE;
	if (ensure_bpffs(dir, err, errlen))
		return -1;
	if (stat(dir, &sb))
		return 0;
	this_stamp(&mine);
	if (!read_stamp(dir, &theirs) && !memcmp(&mine, &theirs, sizeof(mine))) {
		*st = PIN_MATCH;
		return 0;
	}
	if (sessions_live(dir)) {
		describe(&mine, a, sizeof(a));
		if (read_stamp(dir, &theirs))
			snprintf(b, sizeof(b), "an incomplete set");
		else
			describe(&theirs, b, sizeof(b));
		snprintf(err, errlen,
			 "the BPF state pinned in %s is from %s, with live sessions; this is %s: "
			 "stop them with the daemon that made them (proctor daemon "
			 "--stop-sessions), or remove %s to drop them",
			 dir, b, a, dir);
		return -1;
	}
	dbg_msg("removing pinned state of another build in %s (no session live)", dir);
	remove_tree(dir);
	return 0;
}

int probe_pin_reuse_maps(struct probe *s, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	struct bpf_map *m;
	int fd, rc;

	bpf_object__for_each_map(m, s->skel->obj)
	{
		pin_path(path, sizeof(path), dir, "maps", bpf_map__name(m));
		if ((fd = bpf_obj_get(path)) < 0) {
			if (!bpf_map__autocreate(m))
				continue;
			snprintf(err, errlen, "re-opening pinned map %s: %s", path,
				 strerror(errno));
			return -1;
		}
		rc = bpf_map__reuse_fd(m, fd);
		close(fd);
		if (rc) {
			snprintf(err, errlen, "re-using pinned map %s: %s", path, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

static int pin_link(struct bpf_link *l, const char *dir, int n, const char *name, char *err,
		    size_t errlen)
{
	char path[4200], tag[300];
	int rc;

	if (!l)
		return 0;
	snprintf(tag, sizeof(tag), "%03d_%s", n, name);
	pin_path(path, sizeof(path), dir, "links", tag);
	if ((rc = bpf_link__pin(l, path))) {
		snprintf(err, errlen, "pinning link %s: %s", path, strerror(-rc));
		return -1;
	}
	return 0;
}

static int pin_stamp_map(const char *dir, char *err, size_t errlen)
{
	struct pin_stamp st;
	char path[4200];
	uint32_t k = 0;
	int fd, rc = -1;

	this_stamp(&st);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "proctor_stamp", sizeof(k), sizeof(st), 1, NULL);
	snprintf(path, sizeof(path), "%s/stamp", dir);
	if (fd >= 0 && !bpf_map_update_elem(fd, &k, &st, BPF_ANY) && !bpf_obj_pin(fd, path))
		rc = 0;
	else
		snprintf(err, errlen, "pinning the stamp %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

int probe_pin_all(struct probe *s, const char *dir, char *err, size_t errlen)
{
	const struct bpf_object_skeleton *sk = s->skel->skeleton;
	char path[4200];
	struct bpf_map *m;
	size_t i;
	int n = 0, rc;

	snprintf(path, sizeof(path), "%s/maps", dir);
	if (mkdir_p(path, 0700)) {
		snprintf(err, errlen, "creating %s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/links", dir);
	if (mkdir_p(path, 0700)) {
		snprintf(err, errlen, "creating %s: %s", path, strerror(errno));
		return -1;
	}
	bpf_object__for_each_map(m, s->skel->obj)
	{
		if (bpf_map__fd(m) < 0)
			continue;
		pin_path(path, sizeof(path), dir, "maps", bpf_map__name(m));
		if ((rc = bpf_map__pin(m, path))) {
			snprintf(err, errlen, "pinning map %s: %s", path, strerror(-rc));
			return -1;
		}
	}
	for (i = 0; i < (size_t)sk->prog_cnt; i++)
		if (pin_link(*sk->progs[i].link, dir, n++, sk->progs[i].name, err, errlen))
			return -1;
	for (i = 0; i < s->n_extra_links; i++)
		if (pin_link(s->extra_links[i], dir, n++, "extra", err, errlen))
			return -1;
	return pin_stamp_map(dir, err, errlen);
}
