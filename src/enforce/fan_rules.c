/* fan_rules.c: what the fanotify engine marks and how it decides one open
 * (fan_rules.h): the walk of each files.deny rule's literal directory, the
 * (device, inode) decision cache, and the decision from the event's fd. */
#include "enforce/fan_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/glob.h"

static unsigned rule_mask(const struct policy_rule *r)
{
	return ((r->access & (POLICY_READ | POLICY_WRITE)) ? FAN_OPEN_PERM : 0) |
	       ((r->access & POLICY_EXEC) ? FAN_OPEN_EXEC_PERM : 0);
}

bool fan_rule_applies(const struct policy_rule *r)
{
	return r->kind == RULE_FILE_DENY && rule_mask(r);
}

/* enforce block/kill (3), notify (2), audit (1): the strictest decides */
int fan_rule_rank(const struct policy_rule *r)
{
	if (r->mode == PR_MODE_AUDIT)
		return 1;
	return r->effect == POLICY_NOTIFY ? 2 : 3;
}

static uint64_t slot_of(uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ (ino * 0xc2b2ae3d27d4eb4full);

	return (h ^ (h >> 29)) & (FAN_CACHE_SLOTS - 1);
}

/* The cache: (device, inode) -> rule; an inode any name of which a rule
 * denies is denied by every name (hard links, renames). */
static void cache_put(struct fan_rules *fr, uint64_t dev, uint64_t ino, int rule)
{
	uint64_t i = slot_of(dev, ino), n;

	for (n = 0; n < FAN_CACHE_SLOTS; n++, i = (i + 1) & (FAN_CACHE_SLOTS - 1)) {
		struct fan_cache_entry *e = &fr->cache[i];
		if (e->used && (e->dev != dev || e->ino != ino))
			continue;
		if (!e->used ||
		    fan_rule_rank(&fr->p->rules[rule]) > fan_rule_rank(&fr->p->rules[e->rule])) {
			e->used = true;
			e->dev = dev;
			e->ino = ino;
			e->rule = rule;
		}
		return;
	}
}

static int cache_get(const struct fan_rules *fr, uint64_t dev, uint64_t ino)
{
	uint64_t i = slot_of(dev, ino), n;

	for (n = 0; n < FAN_CACHE_SLOTS; n++, i = (i + 1) & (FAN_CACHE_SLOTS - 1)) {
		const struct fan_cache_entry *e = &fr->cache[i];
		if (!e->used)
			return -1;
		if (e->dev == dev && e->ino == ino)
			return e->rule;
	}
	return -1;
}

/* The literal directory a glob starts with (/a/b of /a/b/STAR.key). */
static int literal_dir(const char *glob, char *out, size_t outlen)
{
	size_t n = strcspn(glob, "*?[");
	char *slash;

	snprintf(out, outlen, "%.*s", (int)n, glob);
	if (!glob[n]) /* a literal path: its directory */
		n = 0;
	if ((slash = strrchr(out, '/')))
		*slash = 0;
	if (!out[0] && (n || glob[0] != '/'))
		return -1; /* a wildcard first: every directory of the host */
	if (!out[0])
		snprintf(out, outlen, "/");
	return 0;
}

static int mark(struct fan_rules *fr, const char *path, unsigned mask, char *err, size_t errlen)
{
	if (fr->nmarks >= FAN_MAX_MARKS) {
		snprintf(err, errlen,
			 "more than %d directories and files to watch for files.deny (at %s): "
			 "narrow the glob",
			 FAN_MAX_MARKS, path);
		return -1;
	}
	if (fanotify_mark(fr->fd, FAN_MARK_ADD, mask, AT_FDCWD, path)) {
		snprintf(err, errlen, "fanotify_mark %s: %s", path, strerror(errno));
		return -1;
	}
	fr->nmarks++;
	return 0;
}

/* nftw has no context argument: one walk at a time (setup is single-threaded). */
static struct {
	struct fan_rules *fr;
	int rule;
	char *err;
	size_t errlen;
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const struct policy_rule *r = &walk.fr->p->rules[walk.rule];
	const char *glob = walk.fr->p->globs[r->object.paths.first].expanded;
	unsigned mask = rule_mask(r);

	(void)ftw;
	if (type == FTW_D)
		return mark(walk.fr, path, mask | FAN_EVENT_ON_CHILD, walk.err, walk.errlen);
	if (type == FTW_F && glob_match(glob, path, true)) {
		cache_put(walk.fr, (uint64_t)st->st_dev, (uint64_t)st->st_ino, walk.rule);
		return mark(walk.fr, path, mask, walk.err, walk.errlen);
	}
	return 0;
}

static int mark_rule(struct fan_rules *fr, int i, char *err, size_t errlen)
{
	const struct policy_rule *r = &fr->p->rules[i];
	const struct policy_glob *g = &fr->p->globs[r->object.paths.first];
	char dir[POLICY_GLOB_MAX];
	struct stat st;

	if (literal_dir(g->expanded, dir, sizeof(dir))) {
		snprintf(err, errlen,
			 "%s:%d:%d: files.deny \"%s\": this build watches a glob from its "
			 "literal directory, and this one has none (it would watch every "
			 "directory of the host)",
			 fr->p->file, g->line, g->col, g->text);
		return -1;
	}
	if (glob_is_literal(g->expanded)) {
		/* the file (by inode) and its directory (a file created there later) */
		if (stat(g->expanded, &st) == 0 && S_ISREG(st.st_mode)) {
			cache_put(fr, (uint64_t)st.st_dev, (uint64_t)st.st_ino, i);
			if (mark(fr, g->expanded, rule_mask(r), err, errlen))
				return -1;
		}
		if (stat(dir, &st) == 0)
			return mark(fr, dir, rule_mask(r) | FAN_EVENT_ON_CHILD, err, errlen);
		return 0;
	}
	if (stat(dir, &st))
		return 0; /* nothing there yet: nothing to open */
	walk.fr = fr;
	walk.rule = i;
	walk.err = err;
	walk.errlen = errlen;
	return nftw(dir, visit, 16, FTW_PHYS | FTW_MOUNT) ? -1 : 0;
}

int fan_rules_mark(struct fan_rules *fr, char *err, size_t errlen)
{
	int i;

	for (i = 0; i < fr->p->nrules; i++)
		if (fan_rule_applies(&fr->p->rules[i]) && mark_rule(fr, i, err, errlen))
			return -1;
	return 0;
}

/* The path the kernel resolved for the event's file, or "" (no name). */
static void path_of(int fd, char *out, size_t outlen)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, outlen - 1);
	out[n > 0 ? n : 0] = 0;
	if (n > 10 && !strcmp(out + n - 10, " (deleted)"))
		out[n - 10] = 0;
}

int fan_rules_decide(struct fan_rules *fr, int fd, uint64_t mask, char *path, size_t pathlen,
		     bool *cached)
{
	struct stat st;
	int i, best = -1;

	path_of(fd, path, pathlen);
	*cached = false;
	if (fstat(fd, &st) == 0 &&
	    (best = cache_get(fr, (uint64_t)st.st_dev, (uint64_t)st.st_ino)) >= 0) {
		if (rule_mask(&fr->p->rules[best]) & mask) {
			*cached = true;
			return best;
		}
		best = -1;
	}
	for (i = 0; i < fr->p->nrules; i++) {
		const struct policy_rule *r = &fr->p->rules[i];
		if (!fan_rule_applies(r) || !(rule_mask(r) & mask) ||
		    !glob_match(fr->p->globs[r->object.paths.first].expanded, path, true))
			continue;
		if (best < 0 || fan_rule_rank(r) > fan_rule_rank(&fr->p->rules[best]))
			best = i;
	}
	if (best >= 0 && fstat(fd, &st) == 0)
		cache_put(fr, (uint64_t)st.st_dev, (uint64_t)st.st_ino, best);
	return best;
}
