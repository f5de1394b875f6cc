/* proctree.c: open-addressing pid table and /proc scanning. */
#include "model/proctree.h"

#include <ctype.h>
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int proctree_init(struct proctree *t)
{
	memset(t, 0, sizeof(*t));
	t->cap = 4096;
	t->slots = calloc(t->cap, sizeof(*t->slots));
	return t->slots ? 0 : -ENOMEM;
}

static void proc_release(struct proc *p)
{
	uint32_t i;

	free(p->exe);
	if (p->opens) {
		for (i = 0; i < PROC_OPEN_NAMES; i++) {
			free(p->opens[i].path);
			free(p->opens[i].requested);
		}
		free(p->opens);
	}
}

void proctree_free(struct proctree *t)
{
	size_t i;
	for (i = 0; i < t->cap; i++)
		proc_release(&t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static size_t slot_of(const struct proctree *t, uint32_t pid)
{
	return (pid * 2654435761u) & (t->cap - 1);
}

struct proc *proctree_get(struct proctree *t, uint32_t pid)
{
	size_t i = slot_of(t, pid), n;

	if (!pid) /* 0 marks a free slot; no tracked task has it */
		return NULL;
	for (n = 0; n < t->cap; n++, i = (i + 1) & (t->cap - 1)) {
		if (t->slots[i].pid == pid)
			return &t->slots[i];
		if (!t->slots[i].pid)
			return NULL;
	}
	return NULL;
}

static int grow(struct proctree *t)
{
	struct proctree nt = {.cap = t->cap * 2};
	size_t i;

	nt.slots = calloc(nt.cap, sizeof(*nt.slots));
	if (!nt.slots)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		if (t->slots[i].pid) {
			size_t j = slot_of(&nt, t->slots[i].pid);
			while (nt.slots[j].pid)
				j = (j + 1) & (nt.cap - 1);
			nt.slots[j] = t->slots[i];
			nt.count++;
		}
	}
	free(t->slots);
	t->slots = nt.slots; /* the rest of *t (exited ring) stays */
	t->cap = nt.cap;
	t->count = nt.count;
	return 0;
}

struct proc *proctree_upsert(struct proctree *t, uint32_t pid)
{
	struct proc *p = proctree_get(t, pid);
	size_t i;

	if (p)
		return p;
	if (!pid || t->count >= PROCTREE_MAX_ENTRIES)
		return NULL;
	if ((t->count + 1) * 2 > t->cap && grow(t))
		return NULL;
	i = slot_of(t, pid);
	while (t->slots[i].pid)
		i = (i + 1) & (t->cap - 1);
	memset(&t->slots[i], 0, sizeof(t->slots[i]));
	t->slots[i].pid = pid;
	t->count++;
	return &t->slots[i];
}

struct proc *proctree_get_or_read(struct proctree *t, uint32_t pid)
{
	struct proc *p = proctree_get(t, pid);
	char path[64], buf[512], *open, *close;
	unsigned ppid = 0;

	if (p)
		return p;
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return NULL;
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open || sscanf(close + 1, " %*c %u", &ppid) != 1)
		return NULL;
	if (!(p = proctree_upsert(t, pid)))
		return NULL;
	p->ppid = ppid;
	snprintf(p->name, sizeof(p->name), "%.*s", (int)(close - open - 1), open + 1);
	return p;
}

int proctree_set_exe(struct proc *p, const char *exe)
{
	char *c = strdup(exe ? exe : "");
	if (!c)
		return -ENOMEM;
	free(p->exe);
	p->exe = c;
	return 0;
}

int proc_open_name_put(struct proc *p, uint64_t key, const char *path, const char *requested)
{
	struct proc_open_name *n;
	char *pc, *rc = NULL;

	if (!p->opens && !(p->opens = calloc(PROC_OPEN_NAMES, sizeof(*p->opens))))
		return -ENOMEM;
	pc = strdup(path ? path : "");
	if (requested)
		rc = strdup(requested);
	if (!pc || (requested && !rc)) {
		free(pc);
		free(rc);
		return -ENOMEM;
	}
	n = &p->opens[p->opens_next++ % PROC_OPEN_NAMES];
	free(n->path);
	free(n->requested);
	n->key = key;
	n->path = pc;
	n->requested = rc;
	return 0;
}

const struct proc_open_name *proc_open_name_get(const struct proc *p, uint64_t key)
{
	uint32_t i, at;

	if (!p || !p->opens)
		return NULL;
	/* newest first: a key re-emitted later names the file as opened last */
	for (i = 1; i <= PROC_OPEN_NAMES; i++) {
		at = (p->opens_next - i) % PROC_OPEN_NAMES;
		if (p->opens[at].path && p->opens[at].key == key)
			return &p->opens[at];
	}
	return NULL;
}

void proctree_remove(struct proctree *t, uint32_t pid)
{
	size_t i = slot_of(t, pid), j;
	struct proc *p = proctree_get(t, pid);

	if (!p)
		return;
	proc_release(p);
	i = (size_t)(p - t->slots);
	memset(p, 0, sizeof(*p));
	t->count--;
	/* Re-insert the rest of the cluster (backward-shift deletion). */
	for (j = (i + 1) & (t->cap - 1); t->slots[j].pid; j = (j + 1) & (t->cap - 1)) {
		struct proc moved = t->slots[j];
		size_t k;
		memset(&t->slots[j], 0, sizeof(t->slots[j]));
		k = slot_of(t, moved.pid);
		while (t->slots[k].pid)
			k = (k + 1) & (t->cap - 1);
		t->slots[k] = moved;
	}
}

void proctree_mark_exited(struct proctree *t, uint32_t pid)
{
	struct proc *p = proctree_get(t, pid), *old;
	uint32_t evict;

	if (!p)
		return;
	p->exited = true;
	evict = t->exited[t->exited_next];
	t->exited[t->exited_next] = pid;
	t->exited_next = (t->exited_next + 1) % PROCTREE_EXITED_KEEP;
	if (evict && evict != pid && (old = proctree_get(t, evict)) && old->exited)
		proctree_remove(t, evict);
}

void proctree_forget_session(struct proctree *t, uint64_t session_key)
{
	size_t i = 0;

	/* Removal shifts entries back, so re-check the same slot after one. */
	while (i < t->cap) {
		if (t->slots[i].pid && t->slots[i].session_key == session_key)
			proctree_remove(t, t->slots[i].pid);
		else
			i++;
	}
}

int proctree_scan_cgroup(const char *cgpath, void (*fn)(void *ctx, uint32_t pid), void *ctx)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t plen = strlen(cgpath);
	int count = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char cg[4096];
		uint32_t pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (uint32_t)strtoul(de->d_name, NULL, 10);
		if (!proc_cgroup2_path(pid, cg, sizeof(cg)) && !strncmp(cg, cgpath, plen) &&
		    (cg[plen] == 0 || cg[plen] == '/')) {
			fn(ctx, pid);
			count++;
		}
	}
	closedir(d);
	return count;
}
