/* fan_rules.c: what the fanotify engine marks and how it decides one open
 * (fan_rules.h): the walk of each rule's literal directory (files.deny, the
 * label file rules), the (device, inode) decision cache, and the decision
 * from the event's fd, the opener's label bits and its open's flags. */
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
#include "util/util.h"
#include "policy/labels.h"
#include "policy/temporal.h"

static unsigned rule_mask(const struct policy_rule *r)
{
	if (r->kind == RULE_CONDITIONAL) /* a label file rule: every open (exec's too) */
		return FAN_OPEN_PERM;
	return ((r->access & (POLICY_READ | POLICY_WRITE)) ? FAN_OPEN_PERM : 0) |
	       ((r->access & POLICY_EXEC) ? FAN_OPEN_EXEC_PERM : 0);
}

bool fan_rule_applies(const struct policy_rule *r)
{
	return r->kind == RULE_FILE_DENY && rule_mask(r);
}

bool fan_cond_rule(const struct policy_rule *r)
{
	return policy_label_file_rule(r) || policy_rule_temporal_file(r);
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
static void cache_put(struct fan_rules *fr, uint64_t dev, uint64_t ino, int rule, unsigned crules)
{
	uint64_t i = slot_of(dev, ino), n;

	for (n = 0; n < FAN_CACHE_SLOTS; n++, i = (i + 1) & (FAN_CACHE_SLOTS - 1)) {
		struct fan_cache_entry *e = &fr->cache[i];
		if (e->used && (e->dev != dev || e->ino != ino))
			continue;
		if (!e->used)
			*e = (struct fan_cache_entry){
				.used = true, .dev = dev, .ino = ino, .rule = -1};
		if (rule >= 0 && (e->rule < 0 || fan_rule_rank(&fr->p->rules[rule]) >
							 fan_rule_rank(&fr->p->rules[e->rule])))
			e->rule = rule;
		e->crules |= (uint16_t)crules;
		return;
	}
}

static const struct fan_cache_entry *cache_get(const struct fan_rules *fr, uint64_t dev,
					       uint64_t ino)
{
	uint64_t i = slot_of(dev, ino), n;

	for (n = 0; n < FAN_CACHE_SLOTS; n++, i = (i + 1) & (FAN_CACHE_SLOTS - 1)) {
		const struct fan_cache_entry *e = &fr->cache[i];
		if (!e->used)
			return NULL;
		if (e->dev == dev && e->ino == ino)
			return e;
	}
	return NULL;
}

/* The bit of rule i among the conditional file rules (0: it is not one). */
static unsigned crule_bit(const struct fan_rules *fr, int i)
{
	int k;

	for (k = 0; k < fr->ncrules; k++)
		if (fr->crule[k] == i)
			return 1u << k;
	return 0;
}

/* Put an inode a rule covers into the cache, as that rule's kind says. */
static void cache_rule(struct fan_rules *fr, uint64_t dev, uint64_t ino, int rule)
{
	unsigned bit = crule_bit(fr, rule);

	cache_put(fr, dev, ino, bit ? -1 : rule, bit);
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
	const char *glob;
	char *err;
	size_t errlen;
} walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	unsigned mask = rule_mask(&walk.fr->p->rules[walk.rule]);

	(void)ftw;
	if (type == FTW_D)
		return mark(walk.fr, path, mask | FAN_EVENT_ON_CHILD, walk.err, walk.errlen);
	if (type == FTW_F && glob_match(walk.glob, path, true)) {
		cache_rule(walk.fr, (uint64_t)st->st_dev, (uint64_t)st->st_ino, walk.rule);
		return mark(walk.fr, path, mask, walk.err, walk.errlen);
	}
	return 0;
}

static int mark_glob(struct fan_rules *fr, int i, const struct policy_glob *g, char *err,
		     size_t errlen)
{
	const struct policy_rule *r = &fr->p->rules[i];
	char dir[POLICY_GLOB_MAX];
	struct stat st;

	if (glob_literal_dir(g->expanded, dir, sizeof(dir)))
		return 0; /* the session's mounts are marked (fan_rules_mount_mask) */
	if (glob_is_literal(g->expanded)) {
		/* the file (by inode) and its directory (a file created there later) */
		if (stat(g->expanded, &st) == 0 && S_ISREG(st.st_mode)) {
			cache_rule(fr, (uint64_t)st.st_dev, (uint64_t)st.st_ino, i);
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
	walk.glob = g->expanded;
	walk.err = err;
	walk.errlen = errlen;
	return nftw(dir, visit, 16, FTW_PHYS | FTW_MOUNT) ? -1 : 0;
}

static int mark_rule(struct fan_rules *fr, int i, char *err, size_t errlen)
{
	const struct policy_rule *r = &fr->p->rules[i];
	int j;

	for (j = 0; j < r->object.paths.n; j++)
		if (mark_glob(fr, i, &fr->p->globs[r->object.paths.first + j], err, errlen))
			return -1;
	return 0;
}

unsigned fan_rules_mount_mask(const struct policy *p)
{
	unsigned mask = 0;
	int i;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if ((fan_rule_applies(r) || fan_cond_rule(r)) && policy_rule_unbounded(p, r))
			mask |= rule_mask(r);
	}
	return mask;
}

bool fan_rules_need_mounts(const struct policy *p)
{
	return fan_rules_mount_mask(p) != 0;
}

int fan_rules_mark(struct fan_rules *fr, char *err, size_t errlen)
{
	int i;

	fr->ncrules = 0;
	fr->bare = 0;
	for (i = 0; i < fr->p->nrules && fr->ncrules < FAN_COND_RULES; i++) {
		const struct policy_rule *r = &fr->p->rules[i];
		if (!fan_cond_rule(r))
			continue;
		fr->cbit[fr->ncrules] =
			policy_rule_temporal_file(r) ? 1ull << policy_exec_rule_bit(fr->p, i) : 0;
		if (!r->object.paths.n)
			fr->bare |= (uint16_t)(1u << fr->ncrules);
		fr->crule[fr->ncrules++] = i;
	}
	for (i = 0; i < fr->p->nrules; i++)
		if ((fan_rule_applies(&fr->p->rules[i]) || crule_bit(fr, i)) &&
		    mark_rule(fr, i, err, errlen))
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

/* The conditional file rules whose globs match path. */
static unsigned cond_paths(const struct fan_rules *fr, const char *path)
{
	unsigned bits = 0;
	int k, j;

	for (k = 0; k < fr->ncrules; k++) {
		const struct policy_rule *r = &fr->p->rules[fr->crule[k]];
		for (j = 0; j < r->object.paths.n; j++)
			if (glob_match(fr->p->globs[r->object.paths.first + j].expanded, path,
				       true))
				bits |= 1u << k;
	}
	return bits;
}

/* Where syscall nr (an x86_64 or an ia32 number: no number is an open in
 * one table and another call that opens in the other) keeps its open
 * flags: the argument index, READS for an exec, or -1: unknown. */
#define READS 9

static int flags_arg_of(long nr)
{
	static const struct {
		short nr, arg;
	} calls[] = {
		{2, 1},	      /* open */
		{5, 1},	      /* ia32 open (native fstat opens nothing) */
		{257, 2},     /* openat */
		{295, 2},     /* ia32 openat (native preadv opens nothing) */
		{304, 2},     /* open_by_handle_at(mount_fd, handle, flags) */
		{342, 2},     /* ia32 open_by_handle_at (unused natively) */
		{59, READS},  /* execve */
		{322, READS}, /* execveat */
		{11, READS},  /* ia32 execve (native munmap opens nothing) */
		{358, READS}, /* ia32 execveat (unused natively) */
	};
	size_t i;

	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (calls[i].nr == nr)
			return calls[i].arg;
	return -1; /* creat, openat2 (its flags are in memory), io_uring, ... */
}

bool fan_syscall_writes(const char *text)
{
	unsigned long long a[6] = {0};
	long nr;
	int arg;

	if (sscanf(text, "%ld %llx %llx %llx %llx %llx %llx", &nr, &a[0], &a[1], &a[2], &a[3],
		   &a[4], &a[5]) != 7 ||
	    (arg = flags_arg_of(nr)) < 0)
		return true;
	if (arg == READS)
		return false;
	return (a[arg] & O_ACCMODE) != O_RDONLY || (a[arg] & (O_CREAT | O_TRUNC));
}

static bool opener_writes(uint32_t tid)
{
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%u/syscall", tid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return true;
	return fan_syscall_writes(buf);
}

/* Whether conditional rule k's condition holds for who: its label is one
 * of the opener's, or its temporal rule is not satisfied now. */
static bool cond_holds(const struct fan_rules *fr, int k, struct fan_opener *who)
{
	const struct policy_rule *r = &fr->p->rules[fr->crule[k]];

	if (fr->cbit[k] && who->satisfied && (who->satisfied(who->ctx) & fr->cbit[k]))
		return false; /* a temporal rule, satisfied now */
	if (r->label < 0)
		return true;
	if (!who->labels_read) {
		who->labels = who->labels_of ? who->labels_of(who->ctx, who->tid) : 0;
		who->labels_read = true;
	}
	return who->labels & (1u << r->label);
}

/* The strictest conditional file rule of cbits that applies to who's open. */
static int cond_decide(struct fan_rules *fr, unsigned cbits, struct fan_opener *who)
{
	int k, best = -1, writes = -1;

	for (k = 0; k < fr->ncrules; k++) {
		const struct policy_rule *r = &fr->p->rules[fr->crule[k]];
		if (!(cbits & (1u << k)) || !cond_holds(fr, k, who))
			continue;
		if (r->object.op == OP_WRITE && writes < 0)
			writes = opener_writes(who->tid);
		if (r->object.op == OP_WRITE && !writes)
			continue;
		if (best < 0 || fan_rule_rank(r) > fan_rule_rank(&fr->p->rules[best]))
			best = fr->crule[k];
	}
	return best;
}

int fan_rules_decide(struct fan_rules *fr, int fd, uint64_t mask, struct fan_opener *who,
		     char *path, size_t pathlen, bool *cached)
{
	const struct fan_cache_entry *e = NULL;
	struct stat st;
	bool have = fstat(fd, &st) == 0;
	unsigned cbits = 0;
	int i, best = -1, cbest;

	path_of(fd, path, pathlen);
	*cached = false;
	if (have && (e = cache_get(fr, (uint64_t)st.st_dev, (uint64_t)st.st_ino))) {
		cbits = e->crules;
		if (e->rule >= 0 && (rule_mask(&fr->p->rules[e->rule]) & mask)) {
			*cached = true;
			best = e->rule;
		}
	}
	for (i = 0; !*cached && i < fr->p->nrules; i++) {
		const struct policy_rule *r = &fr->p->rules[i];
		if (!fan_rule_applies(r) || !(rule_mask(r) & mask) ||
		    !glob_match(fr->p->globs[r->object.paths.first].expanded, path, true))
			continue;
		if (best < 0 || fan_rule_rank(r) > fan_rule_rank(&fr->p->rules[best]))
			best = i;
	}
	cbits |= fr->ncrules ? cond_paths(fr, path) : 0;
	if (have && (best >= 0 || cbits))
		cache_put(fr, (uint64_t)st.st_dev, (uint64_t)st.st_ino, best, cbits);
	if (have && S_ISREG(st.st_mode)) /* a bare rule: every regular file, never cached */
		cbits |= fr->bare;
	who->write = false;
	if (cbits && (mask & FAN_OPEN_PERM) && (cbest = cond_decide(fr, cbits, who)) >= 0 &&
	    (best < 0 ||
	     fan_rule_rank(&fr->p->rules[cbest]) > fan_rule_rank(&fr->p->rules[best]))) {
		best = cbest;
		who->write = fr->p->rules[cbest].object.op == OP_WRITE;
	}
	return best;
}
