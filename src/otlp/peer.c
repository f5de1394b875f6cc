/* peer.c: loopback peer port -> socket inode (/proc/net/tcp, tcp6) -> the
 * process holding it (/proc/PID/fd) -> its parent, ids and name
 * (/proc/PID/status). Read once per connection by the receiver. */
#include "otlp/peer.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

uint64_t peer_inode_in(const char *path, uint16_t peer_port, uint16_t our_port)
{
	FILE *f = fopen(path, "re");
	char line[512], local[64], remote[64];
	unsigned long long inode;
	unsigned st, lp, rp;
	uint64_t found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char *lc, *rc;
		if (sscanf(line, " %*u: %63s %63s %x %*s %*s %*s %*u %*d %llu", local, remote, &st,
			   &inode) != 4)
			continue; /* the header */
		if (!(lc = strrchr(local, ':')) || !(rc = strrchr(remote, ':')))
			continue;
		lp = (unsigned)strtoul(lc + 1, NULL, 16);
		rp = (unsigned)strtoul(rc + 1, NULL, 16);
		if (lp == peer_port && rp == our_port && inode)
			found = inode;
	}
	fclose(f);
	return found;
}

static int holds(unsigned long pid, const char *want)
{
	char dir[64], path[340], link[64];
	struct dirent *e;
	DIR *d;
	ssize_t n;
	int yes = 0;

	snprintf(dir, sizeof(dir), "/proc/%lu/fd", pid);
	if (!(d = opendir(dir)))
		return 0;
	while (!yes && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) > 0) {
			link[n] = 0;
			yes = !strcmp(link, want);
		}
	}
	closedir(d);
	return yes;
}

static void read_status(struct peer_proc *p)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", p->pid);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Name:\t", 6)) {
			snprintf(p->comm, sizeof(p->comm), "%.15s", line + 6);
			p->comm[strcspn(p->comm, "\n")] = 0;
		} else if (!strncmp(line, "PPid:", 5))
			p->ppid = (uint32_t)strtoul(line + 5, NULL, 10);
		else if (!strncmp(line, "Uid:", 4))
			sscanf(line + 4, "%*u %u", &p->uid); /* effective */
		else if (!strncmp(line, "Gid:", 4))
			sscanf(line + 4, "%*u %u", &p->gid);
	}
	fclose(f);
}

int peer_lookup(uint16_t peer_port, uint16_t our_port, struct peer_proc *out)
{
	uint64_t inode = peer_inode_in("/proc/net/tcp", peer_port, our_port);
	uint32_t best = 0;
	char want[48];
	struct dirent *e;
	DIR *d;

	if (!inode)
		inode = peer_inode_in("/proc/net/tcp6", peer_port, our_port);
	if (!inode || !(d = opendir("/proc")))
		return -1;
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)inode);
	while ((e = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(e->d_name, &end, 10);
		if (*end || !pid || (best && pid >= best) || pid == (unsigned long)getpid())
			continue;
		if (holds(pid, want))
			best = (uint32_t)pid;
	}
	closedir(d);
	if (!best)
		return -1;
	memset(out, 0, sizeof(*out));
	out->pid = best;
	read_status(out);
	return 0;
}
