/* cgroup.c: cgroup v2 session cgroups. */
#include "probe/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/util.h"

int cgroup2_mount(char *out, size_t len, char *err, size_t errlen)
{
	FILE *f = setmntent("/proc/mounts", "re");
	struct mntent *m;
	int rc = -1;

	if (!f) {
		snprintf(err, errlen, "cannot read /proc/mounts: %s", strerror(errno));
		return -1;
	}
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(out, len, "%s", m->mnt_dir);
			rc = 0;
			break;
		}
	}
	endmntent(f);
	if (rc)
		snprintf(err, errlen,
			 "no cgroup v2 hierarchy is mounted (see /proc/mounts); "
			 "mount one with: mount -t cgroup2 none /sys/fs/cgroup/unified");
	return rc;
}

int cgroup_create(const char *mount, const char *name, char *abs, size_t abslen, char *rel,
		  size_t rellen, char *err, size_t errlen)
{
	char parent[4096];

	snprintf(parent, sizeof(parent), "%s/proctor", mount);
	if (mkdir(parent, 0755) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create cgroup %s: %s", parent, strerror(errno));
		return -1;
	}
	snprintf(abs, abslen, "%s/%s", parent, name);
	snprintf(rel, rellen, "/proctor/%s", name);
	if (mkdir(abs, 0755)) {
		snprintf(err, errlen, "cannot create cgroup %s: %s", abs, strerror(errno));
		return -1;
	}
	return 0;
}

int cgroup_id(const char *abs, uint64_t *id)
{
	struct stat sb;

	/* On cgroup2 the directory inode number is the kernfs node id, which is
	 * what bpf_get_current_cgroup_id() returns. */
	if (stat(abs, &sb))
		return -errno;
	*id = (uint64_t)sb.st_ino;
	return 0;
}

int cgroup_move(const char *abs, pid_t pid)
{
	char path[4200], buf[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", abs);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_small_file(path, buf);
}

bool cgroup_populated(const char *abs)
{
	char path[4200], buf[256], *p;

	snprintf(path, sizeof(path), "%s/cgroup.events", abs);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "populated ");
	return p && p[10] == '1';
}

static void kill_listed(const char *abs)
{
	char path[4200], buf[65536], *line;
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/cgroup.procs", abs);
	if (read_small_file(path, buf, sizeof(buf)) > 0)
		for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			kill(atoi(line), SIGKILL);
	if (!(d = opendir(abs)))
		return;
	while ((de = readdir(d))) {
		if (de->d_type == DT_DIR && de->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", abs, de->d_name);
			kill_listed(path);
		}
	}
	closedir(d);
}

int cgroup_kill(const char *abs)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/cgroup.kill", abs);
	if (!write_small_file(path, "1"))
		return 0;
	kill_listed(abs); /* kernels before 5.14 */
	return 0;
}

int cgroup_freeze(const char *abs, bool frozen)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/cgroup.freeze", abs);
	return write_small_file(path, frozen ? "1" : "0") ? -errno : 0;
}

int cgroup_remove(const char *abs)
{
	char path[4200];
	DIR *d = opendir(abs);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			if (de->d_type == DT_DIR && de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", abs, de->d_name);
				cgroup_remove(path);
			}
		}
		closedir(d);
	}
	return rmdir(abs);
}
