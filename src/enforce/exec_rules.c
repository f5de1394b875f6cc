/* exec_rules.c: compiling exec.deny and exec.allow_only (exec_rules.h).
 * Path globs (exec.deny path, allow_only, an argv pattern whose first
 * element has a '/') share the path DFA; argv element j of every argv
 * pattern shares the DFA of position j. A literal denied path is also
 * matched by inode, so a hard link to it is the same program. */
#include "enforce/exec_rules.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy/labels.h"
#include "policy/temporal.h"

#define MAX_DFA_GLOBS (POLICY_MAX_GLOBS * 2)

struct globset {
	struct dfa_glob g[MAX_DFA_GLOBS];
	size_t n;
};

static void add(struct globset *s, const char *glob, bool path, uint64_t bit)
{
	if (s->n < MAX_DFA_GLOBS)
		s->g[s->n++] = (struct dfa_glob){glob, path, bit};
}

static void add_inode(struct exec_rules *out, const char *path, uint64_t bit)
{
	struct stat st;
	int i;

	if (stat(path, &st))
		return; /* nothing there now: the path DFA still names it */
	for (i = 0; i < out->ninodes; i++)
		if (out->inodes[i].ino == st.st_ino &&
		    out->inodes[i].dev == (major(st.st_dev) << 20 | minor(st.st_dev))) {
			out->inodes[i].bits |= bit;
			return;
		}
	if (out->ninodes < EXEC_RULES_INODES)
		out->inodes[out->ninodes++] = (struct exec_inode){
			st.st_ino, major(st.st_dev) << 20 | minor(st.st_dev), bit};
}

static void add_paths(const struct policy *p, const struct policy_rule *r, uint64_t bit,
		      struct globset *path, struct exec_rules *out)
{
	int i;

	for (i = 0; i < r->object.paths.n; i++) {
		const struct policy_glob *g = &p->globs[r->object.paths.first + i];
		add(path, g->expanded, true, bit);
		if (g->literal && r->kind == RULE_EXEC_DENY)
			add_inode(out, g->expanded, bit);
	}
}

static void add_argv(const struct policy *p, const struct policy_rule *r, uint64_t bit,
		     struct globset *path, struct globset *pos, struct exec_rules *out)
{
	const struct policy_argv *a = &r->object.argv;
	struct pr_exec_policy *k = &out->kpol;
	int j;

	k->argv_rules |= bit;
	if (a->rest)
		k->rest |= bit;
	for (j = 0; j <= PR_POLICY_ARGV; j++) {
		if (a->elem.n > j)
			k->need[j] |= bit;
		if (!a->rest && a->elem.n < j)
			k->exact[j] |= bit;
	}
	for (j = 0; j < a->elem.n; j++) {
		const char *g = p->globs[a->elem.first + j].expanded;
		if (j == 0 && strchr(g, '/'))
			add(path, g, true, bit);
		else
			add(&pos[j], g, false, bit);
	}
}

/* One argv pattern as a bit that is never a deny. */
static int add_pattern(const struct policy *p, const struct policy_rule *r,
		       const struct policy_argv *argv, int bit, struct globset *path,
		       struct globset *pos, struct exec_rules *out, char *err, size_t errlen)
{
	struct policy_rule w;

	if (bit >= PR_POLICY_BITS) {
		snprintf(err, errlen, "%s:%d:%d: more than %d exec and temporal rules", p->file,
			 r->line, r->col, PR_POLICY_BITS);
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.object.argv = *argv;
	add_argv(p, &w, 1ull << bit, path, pos, out);
	if (bit + 1 > out->nbits)
		out->nbits = bit + 1;
	return 0;
}

/* The succeeded pattern of each temporal rule, and its after {exec: {argv}}:
 * argv bits after every exec rule bit, never a deny (src/enforce/temporal.c). */
static int add_watches(const struct policy *p, struct globset *path, struct globset *pos,
		       struct exec_rules *out, char *err, size_t errlen)
{
	int i, k = 0, bit;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (!policy_rule_temporal(r))
			continue;
		if (add_pattern(p, r, &r->succeeded, policy_temporal_watch_bit(p, k), path, pos,
				out, err, errlen))
			return -1;
		if ((bit = policy_temporal_after_bit(p, k)) >= 0 &&
		    add_pattern(p, r, &r->after.argv, bit, path, pos, out, err, errlen))
			return -1;
		k++;
	}
	return 0;
}

int exec_rules_compile(const struct policy *p, struct dfa_table *t, struct exec_rules *out,
		       char *err, size_t errlen)
{
	static struct globset path, pos[PR_POLICY_ARGV];
	struct pr_exec_policy *k = &out->kpol;
	uint32_t first = t->n, start;
	int i, bit;

	memset(out, 0, sizeof(*out));
	memset(&path, 0, sizeof(path));
	memset(pos, 0, sizeof(pos));
	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		uint64_t b;
		if ((bit = policy_exec_rule_bit(p, i)) < 0)
			continue;
		if (bit >= PR_POLICY_BITS) {
			snprintf(err, errlen, "%s:%d:%d: more than %d exec rules", p->file, r->line,
				 r->col, PR_POLICY_BITS);
			return -1;
		}
		b = 1ull << bit;
		out->nbits = bit + 1;
		if (policy_rule_temporal_file(r))
			continue; /* its satisfied bit only: the fanotify engine denies */
		if (r->mode == PR_MODE_ENFORCE && r->effect != POLICY_NOTIFY)
			k->kill |= b;
		if (policy_label_argv_rule(r) || (policy_rule_temporal(r) && r->label >= 0)) {
			/* kept only for a process with the label */
			k->label_rules |= b;
			k->label_bits[r->label] |= b;
		}
		if (r->kind == RULE_EXEC_ALLOW_ONLY)
			k->allow_only |= b;
		else if (r->object.argv.elem.n)
			add_argv(p, r, b, &path, pos, out);
		else
			k->path_rules |= b;
		if (!r->object.argv.elem.n)
			add_paths(p, r, b, &path, out);
	}
	if (add_watches(p, &path, pos, out, err, errlen))
		return -1;
	if (!out->nbits)
		return 0;
	if (dfa_compile(t, path.g, path.n, &start, err, errlen))
		goto fail;
	k->path_start = (uint16_t)start;
	for (i = 0; i < PR_POLICY_ARGV; i++) {
		if (dfa_compile(t, pos[i].g, pos[i].n, &start, err, errlen))
			goto fail;
		k->argv_start[i] = (uint16_t)start;
	}
	return 0;
fail:
	t->n = first;
	return -1;
}
