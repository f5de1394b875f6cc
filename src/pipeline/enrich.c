/* enrich.c: the Enrich stage: session attribution, user/group names (cached
 * getpwuid/getgrgid), a process table learnt from the records themselves
 * (pid -> name, parent, executable; /proc fallback) for parent chains. */
#include "pipeline/enrich.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

#define PROC_SLOTS  8192
#define ID_SLOTS    256
#define CHAIN_DEPTH 4

struct proc_ent {
	uint32_t pid, ppid;
	char name[16];
	char *exe;
};

struct id_ent {
	int64_t id;
	int used;
	char name[64];
};

struct enricher {
	struct proc_ent procs[PROC_SLOTS];
	struct id_ent users[ID_SLOTS], groups[ID_SLOTS];
	char host[256];
};

struct enricher *enricher_new(void)
{
	struct enricher *e = calloc(1, sizeof(*e));
	if (e && gethostname(e->host, sizeof(e->host) - 1))
		snprintf(e->host, sizeof(e->host), "unknown");
	return e;
}

void enricher_free(struct enricher *e)
{
	size_t i;
	if (!e)
		return;
	for (i = 0; i < PROC_SLOTS; i++)
		free(e->procs[i].exe);
	free(e);
}

static const char *id_name(struct id_ent *tab, int64_t id, int is_group)
{
	struct id_ent *ent = &tab[(uint64_t)id % ID_SLOTS];
	char buf[4096];

	if (ent->used && ent->id == id)
		return ent->name[0] ? ent->name : NULL;
	ent->used = 1;
	ent->id = id;
	ent->name[0] = 0;
	if (is_group) {
		struct group g, *res = NULL;
		if (!getgrgid_r((gid_t)id, &g, buf, sizeof(buf), &res) && res)
			snprintf(ent->name, sizeof(ent->name), "%s", g.gr_name);
	} else {
		struct passwd pw, *res = NULL;
		if (!getpwuid_r((uid_t)id, &pw, buf, sizeof(buf), &res) && res)
			snprintf(ent->name, sizeof(ent->name), "%s", pw.pw_name);
	}
	return ent->name[0] ? ent->name : NULL;
}

static struct proc_ent *proc_slot(struct enricher *e, uint32_t pid)
{
	return &e->procs[pid % PROC_SLOTS];
}

/* Look a pid up, reading /proc/PID/stat once when we have not seen it. */
static struct proc_ent *proc_get(struct enricher *e, uint32_t pid)
{
	struct proc_ent *p = proc_slot(e, pid);
	char path[64], buf[512], *open, *close;
	unsigned ppid = 0;

	if (p->pid == pid)
		return p;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return NULL;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open || sscanf(close + 1, " %*c %u", &ppid) != 1)
		return NULL;
	free(p->exe);
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	p->ppid = ppid;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)(close - open - 1), open + 1);
	return p;
}

static void proc_learn(struct enricher *e, const struct record *r)
{
	int64_t pid, ppid;
	const char *name = record_get_str(r, "process.name");
	const char *exe = record_get_str(r, "process.executable.path");
	struct proc_ent *p;

	if (!record_get_int(r, "process.pid", &pid) || pid <= 0)
		return;
	p = proc_slot(e, (uint32_t)pid);
	if (p->pid != (uint32_t)pid) {
		free(p->exe);
		memset(p, 0, sizeof(*p));
		p->pid = (uint32_t)pid;
	}
	if (record_get_int(r, "process.parent_pid", &ppid) && ppid > 0)
		p->ppid = (uint32_t)ppid;
	if (name && *name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	if (exe && *exe && (!p->exe || strcmp(p->exe, exe))) {
		free(p->exe);
		p->exe = strdup(exe);
	}
}

/* "[ < ]NAME(PID)" at dst as snprintf(dst, room, "%s%s(%u)", ...) would
 * write it (truncated to room - 1), without printf: it runs for every
 * ancestor of every record. Returns the untruncated length. */
static size_t chain_piece(char *dst, size_t room, int depth, const char *name, uint32_t pid)
{
	char buf[128], num[12];
	size_t n = 0, nl = strnlen(name, 64), k = sizeof(num);

	if (depth) {
		memcpy(buf, " < ", 3);
		n = 3;
	}
	memcpy(buf + n, name, nl);
	n += nl;
	do {
		num[--k] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid);
	buf[n++] = '(';
	memcpy(buf + n, num + k, sizeof(num) - k);
	n += sizeof(num) - k;
	buf[n++] = ')';
	if (room) {
		size_t c = n < room - 1 ? n : room - 1;
		memcpy(dst, buf, c);
		dst[c] = 0;
	}
	return n;
}

static void add_chain(struct enricher *e, struct record *r, uint32_t ppid)
{
	char chain[256];
	size_t len = 0;
	int depth;

	chain[0] = 0;
	for (depth = 0; ppid > 0 && depth < CHAIN_DEPTH; depth++) {
		struct proc_ent *p = proc_get(e, ppid);
		size_t n = chain_piece(chain + len, sizeof(chain) - len, depth,
				       p && p->name[0] ? p->name : "?", ppid);
		if (n >= sizeof(chain) - len)
			break;
		len += n;
		if (!p || p->ppid == ppid)
			break;
		ppid = p->ppid;
	}
	if (len)
		record_add_str(r, "process.parent.chain", chain);
}

static void add_if_absent(struct record *r, const char *key, const char *val)
{
	if (val && !record_get(r, key))
		record_add_str(r, key, val);
}

void enrich_record(struct enricher *e, struct record *r, const struct session *ses)
{
	int64_t v, pid;
	const char *name;

	proc_learn(e, r);
	add_if_absent(r, "host.name", ses && ses->host[0] ? ses->host : e->host);
	if (ses) {
		add_if_absent(r, "session", ses->id);
		add_if_absent(r, "agent", ses->agent);
		add_if_absent(r, "project", ses->project);
	}
	if (record_get_int(r, "process.user.id", &v) && !record_get(r, "process.user.name") &&
	    (name = id_name(e->users, v, 0)))
		record_add_str(r, "process.user.name", name);
	if (record_get_int(r, "process.group.id", &v) && !record_get(r, "process.group.name") &&
	    (name = id_name(e->groups, v, 1)))
		record_add_str(r, "process.group.name", name);
	if (record_get_int(r, "process.pid", &pid) && pid > 0) {
		struct proc_ent *p = proc_slot(e, (uint32_t)pid);
		if (p->pid == (uint32_t)pid && p->exe)
			add_if_absent(r, "process.executable.path", p->exe);
		if (!record_get(r, "process.parent.chain") &&
		    record_get_int(r, "process.parent_pid", &v))
			add_chain(e, r, (uint32_t)v);
	}
	if (!record_get(r, "event.severity"))
		record_add_str_ref(r, "event.severity", severity_name(record_severity(r)));
}
