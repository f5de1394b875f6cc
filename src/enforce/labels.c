/* labels.c: compiling and loading a session's labels (labels.h). Bit i of
 * a label set is p->labels[i]. Source globs run on the resolved path of
 * every file a process of the session opens for reading; declassify
 * programs on the executable at exec (a first argv element with a '/' on
 * its path, else on its basename, as exec rules match). */
#define _XOPEN_SOURCE 700
#include "enforce/labels.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "egress/session.h"
#include "policy/labels.h"
#include "probe/maps.h"

#define MAX_GLOBS	 POLICY_MAX_GLOBS
#define SEED_FILES_MAX	 4096 /* inodes of existing source files, per session */
#define EGRESS_RESOLVERS 8    /* room kept for the egress section's resolvers */

struct lglobs {
	struct dfa_glob g[MAX_GLOBS];
	size_t n;
};

static void add(struct lglobs *s, const char *glob, uint64_t bit)
{
	if (s->n < MAX_GLOBS)
		s->g[s->n++] = (struct dfa_glob){glob, true, bit};
}

static uint32_t kdev(dev_t d)
{
	return major(d) << 20 | minor(d);
}

/* Seeding existing source files by inode (nftw has no context pointer). */
static struct {
	struct probe *pr;
	uint64_t key;
	uint16_t bit;
	int n, rc;
} seed;

static int seed_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (seed.n++ >= SEED_FILES_MAX)
		return 1;
	seed.rc = probe_label_add_inode(seed.pr, seed.key, st->st_ino, kdev(st->st_dev), seed.bit);
	return seed.rc ? 1 : 0;
}

/* A literal source, or the files below the literal directory of a glob DIR/ then "**". */
static int seed_glob(const struct policy_glob *g)
{
	char dir[POLICY_GLOB_MAX];
	size_t n = strlen(g->expanded);
	struct stat st;

	if (g->literal) {
		if (!stat(g->expanded, &st) && S_ISREG(st.st_mode))
			return probe_label_add_inode(seed.pr, seed.key, st.st_ino, kdev(st.st_dev),
						     seed.bit);
		return 0;
	}
	if (n < 4 || strcmp(g->expanded + n - 3, "/**") || g->expanded[0] != '/')
		return 0;
	memcpy(dir, g->expanded, n - 3);
	dir[n - 3] = 0;
	if (strpbrk(dir, "*?["))
		return 0;
	seed.rc = 0;
	nftw(dir, seed_one, 16, FTW_PHYS | FTW_MOUNT);
	return seed.rc;
}

static int compile_sources(const struct policy *p, struct lglobs *src)
{
	int i, j;

	for (i = 0; i < p->nlabels; i++)
		for (j = 0; j < p->labels[i].sources.n; j++)
			add(src, p->globs[p->labels[i].sources.first + j].expanded, 1ull << i);
	return 0;
}

static void compile_declassify(const struct policy *p, struct lglobs *path, struct lglobs *base)
{
	int i;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		const char *g;
		if (r->kind != RULE_DECLASSIFY || r->label < 0 || !r->object.argv.elem.n)
			continue;
		g = p->globs[r->object.argv.elem.first].expanded;
		add(strchr(g, '/') ? path : base, g, 1ull << r->label);
	}
}

/* The exec label rules: any exec, or the executables their path glob
 * matches (bit k of the exec path DFA). */
static void compile_exec(const struct policy *p, struct lglobs *path, struct pr_label_policy *k)
{
	int i, ri;

	for (i = 0; (ri = policy_label_exec_rule(p, i)) >= 0 && i < PR_LABEL_EXECS; i++) {
		const struct policy_rule *r = &p->rules[ri];
		struct pr_label_exec_rule *e = &k->exec[k->nexec++];
		e->labels = (uint16_t)(1u << r->label);
		e->audit = r->mode == PR_MODE_AUDIT;
		e->notify = r->effect == POLICY_NOTIFY;
		e->kill = !e->audit && !e->notify;
		k->exec_labels |= e->labels;
		if (r->object.paths.n) {
			e->by_path = 1;
			add(path, p->globs[r->object.paths.first].expanded, 1ull << i);
		}
	}
}

/* The connect label rules and their except destinations. */
static int compile_rules(const struct policy *p, struct probe *pr, uint64_t key,
			 struct pr_label_policy *k, char *err, size_t errlen)
{
	int i, j, ri, rc;

	for (i = 0; (ri = policy_label_connect_rule(p, i)) >= 0 && i < PR_LABEL_RULES; i++) {
		const struct policy_rule *r = &p->rules[ri];
		struct pr_label_rule *kr = &k->rules[k->nrules++];
		kr->labels = (uint16_t)(1u << r->label);
		kr->audit = r->mode == PR_MODE_AUDIT;
		kr->notify = r->effect == POLICY_NOTIFY;
		k->connect_labels |= kr->labels;
		for (j = 0; j < r->nexcept && k->nexcept < PR_LABEL_EXCEPTS; j++) {
			const struct egress_rule *x = &p->except.rules[r->except_first + j];
			int bit = 63 - k->nexcept;
			egress_kernel_rule(&k->except[k->nexcept], x);
			kr->except |= (uint8_t)(1u << k->nexcept);
			k->nexcept++;
			if (x->kind != PR_RULE_DOMAIN)
				continue;
			kr->resolvers = 1; /* the name must resolve */
			if (p->egress.nrules + EGRESS_RESOLVERS > bit) {
				snprintf(err, errlen,
					 "%s:%d: rule '%s': except %s: too many egress rules to "
					 "match "
					 "domains for the label rules too (at most %d with %d "
					 "except "
					 "domains)",
					 p->file, r->line, r->name, x->domain,
					 bit - EGRESS_RESOLVERS, k->nexcept);
				return -1;
			}
			if ((rc = probe_egress_add_domain(pr, key, egress_domain_hash(x->domain),
							  bit, x->wildcard))) {
				snprintf(err, errlen, "loading except domain '%s': %s", x->domain,
					 strerror(-rc));
				return -1;
			}
		}
	}
	return 0;
}

static int load(struct dfa_table *t, struct probe *pr, uint64_t key, const struct policy *p,
		struct pr_label_policy *k, char *err, size_t errlen)
{
	static struct lglobs src, dpath, dbase, xpath;
	uint32_t first = t->n, st;
	int i, j, rc;

	memset(&src, 0, sizeof(src));
	memset(&dpath, 0, sizeof(dpath));
	memset(&dbase, 0, sizeof(dbase));
	memset(&xpath, 0, sizeof(xpath));
	compile_sources(p, &src);
	compile_declassify(p, &dpath, &dbase);
	compile_exec(p, &xpath, k);
	if (dfa_compile(t, src.g, src.n, &st, err, errlen))
		return -1;
	k->source_start = (uint16_t)st;
	if (dfa_compile(t, dpath.g, dpath.n, &st, err, errlen))
		return -1;
	k->declass_path = (uint16_t)st;
	if (dfa_compile(t, dbase.g, dbase.n, &st, err, errlen))
		return -1;
	k->declass_base = (uint16_t)st;
	if (dfa_compile(t, xpath.g, xpath.n, &st, err, errlen))
		return -1;
	k->exec_path_start = (uint16_t)st;
	if (compile_rules(p, pr, key, k, err, errlen))
		return -1;
	if ((rc = probe_policy_write_dfa(pr, first, t->n - first, &t->states[first])))
		goto fail;
	seed.pr = pr;
	seed.key = key;
	for (i = 0; i < p->nlabels; i++) {
		seed.bit = (uint16_t)(1u << i);
		seed.n = 0;
		for (j = 0; j < p->labels[i].sources.n; j++)
			if ((rc = seed_glob(&p->globs[p->labels[i].sources.first + j])))
				goto fail;
	}
	if (!(rc = probe_label_set_policy(pr, key, k)))
		return 0;
fail:
	snprintf(err, errlen, "loading the labels into the kernel: %s", strerror(-rc));
	return -1;
}

int labels_add_session(struct dfa_table *t, struct probe *pr, uint64_t session_key,
		       const struct policy *p, char *err, size_t errlen)
{
	struct pr_label_policy k = {0};
	uint32_t first = t->n;

	if (!p->nlabels)
		return 0;
	if (load(t, pr, session_key, p, &k, err, errlen)) {
		labels_remove_session(pr, session_key);
		t->n = first;
		return -1;
	}
	return 0;
}

void labels_remove_session(struct probe *pr, uint64_t session_key)
{
	probe_label_forget(pr, session_key);
}
