/* enrich.c: the Enrich stage: user/group names (cached getpwuid/getgrgid),
 * parent chains from the process table (which it teaches the names and
 * parents seen in records; /proc for ancestors it does not know) and the
 * severity. Attribution (host, session, agent, project, executable) is the
 * decoder's, once (decode_common). */
#include "pipeline/enrich.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/paths.h"
#include "util/util.h"

#define ID_SLOTS    256
#define CHAIN_DEPTH 4

struct id_ent {
	int64_t id;
	int used;
	char name[64];
};

struct enricher {
	struct proctree *procs; /* own, or the app's (enricher_use_procs) */
	struct proctree own;
	struct id_ent users[ID_SLOTS], groups[ID_SLOTS];
};

struct enricher *enricher_new(void)
{
	struct enricher *e = calloc(1, sizeof(*e));

	if (e && proctree_init(&e->own)) {
		free(e);
		return NULL;
	}
	if (e)
		e->procs = &e->own;
	return e;
}

void enricher_use_procs(struct enricher *e, struct proctree *t)
{
	e->procs = t ? t : &e->own;
}

void enricher_free(struct enricher *e)
{
	if (!e)
		return;
	proctree_free(&e->own);
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

static void proc_learn(struct enricher *e, const struct record *r)
{
	int64_t pid, ppid;
	const char *name = record_get_str(r, "process.name");
	const char *exe = record_get_str(r, "process.executable.path");
	struct proc *p;

	if (!record_get_int(r, "process.pid", &pid) || pid <= 0 ||
	    !(p = proctree_upsert(e->procs, (uint32_t)pid)))
		return;
	if (record_get_int(r, "process.parent_pid", &ppid) && ppid > 0)
		p->ppid = (uint32_t)ppid;
	if (name && *name)
		snprintf(p->name, sizeof(p->name), "%s", name);
	if (exe && *exe && (!p->exe || strcmp(p->exe, exe)))
		proctree_set_exe(p, exe);
}

/* "[ < ]NAME(PID)" at dst as snprintf(dst, room, "%s%s(%u)", ...) would
 * write it (truncated to room - 1), without printf: it runs for every
 * ancestor of every record. Returns the untruncated length. */
static size_t chain_piece(char *dst, size_t room, int depth, const char *name, uint32_t pid)
{
	char buf[128], num[12];
	size_t n = 0, nl = strnlen(name, sizeof(((struct proc *)0)->name)), k = sizeof(num);

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
		struct proc *p = proctree_get_or_read(e->procs, ppid);
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

/* How a sensitive file was touched: a failed attempt, a write (writes,
 * metadata changes, opens for writing) or a read. */
static const char *sensitive_access(const struct record *r)
{
	const char *t = r->type_name, *v = record_get_str(r, "event.outcome");

	if (v && !strcmp(v, "failure"))
		return "failed";
	if (!strcmp(t, "file.write") || !strcmp(t, "file.metadata"))
		return "write";
	if (!strcmp(t, "file.open") && (v = record_get_str(r, "file.access")) && strcmp(v, "read"))
		return "write";
	return "read";
}

/* A file record on a credential path (file.path or file.target_path: a
 * rename into ~/.ssh counts) or one the decoder classified (procsys,
 * container): file.sensitive, its category, file.sensitive_access; the
 * severity (record_severity) is raised from them. */
static void mark_sensitive(struct record *r)
{
	const char *cat;

	if (!r->type_name || strncmp(r->type_name, "file.", 5))
		return;
	if (!record_get_str(r, "file.sensitive_category")) {
		if (!(cat = credential_path_category(record_get_str(r, "file.path"))) &&
		    !(cat = credential_path_category(record_get_str(r, "file.target_path"))))
			return;
		record_add_str_ref(r, "file.sensitive_category", cat);
	}
	record_add_bool(r, "file.sensitive", true);
	record_add_str_ref(r, "file.sensitive_access", sensitive_access(r));
}

void enrich_record(struct enricher *e, struct record *r)
{
	int64_t v, pid;
	const char *name;

	proc_learn(e, r);
	if (record_get_int(r, "process.user.id", &v) && !record_get(r, "process.user.name") &&
	    (name = id_name(e->users, v, 0)))
		record_add_str(r, "process.user.name", name);
	if (record_get_int(r, "process.group.id", &v) && !record_get(r, "process.group.name") &&
	    (name = id_name(e->groups, v, 1)))
		record_add_str(r, "process.group.name", name);
	if (record_get_int(r, "process.pid", &pid) && pid > 0 &&
	    !record_get(r, "process.parent.chain") && record_get_int(r, "process.parent_pid", &v))
		add_chain(e, r, (uint32_t)v);
	mark_sensitive(r);
	if (!record_get(r, "event.severity"))
		record_add_str_ref(r, "event.severity", severity_name(record_severity(r)));
}
