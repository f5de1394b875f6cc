/* check.c: conflicts between rules and rules that would block proctor's or
 * the agent's own binary (check.h). Two rules conflict when they cover the
 * same object (the same glob, or a literal path the other's glob matches)
 * for the same access with a different outcome. The winner is chosen by a
 * fixed order: an unconditional rule over a conditional one, then the
 * stricter effect (kill, block, notify), then enforce over audit, then the
 * earlier rule in the file. */
#include "policy/check.h"

#include <stdio.h>
#include <string.h>

#include "policy/common.h"
#include "policy/glob.h"

struct checker {
	const struct policy *p;
	policy_note_fn note;
	void *ctx;
	int count;
};

static void emit(struct checker *k, const struct policy_rule *r, const char *kind, const char *msg)
{
	k->note(k->ctx, r->line, r->col, kind, msg);
	k->count++;
}

static int effect_rank(enum policy_effect e)
{
	return e == POLICY_KILL ? 2 : e == POLICY_BLOCK ? 1 : 0;
}

static bool conditional(const struct policy_rule *r)
{
	return r->label >= 0 || r->has_unless;
}

/* <0: a wins, >0: b wins; why says by what. a is earlier in the file. */
static int precedence(const struct policy_rule *a, const struct policy_rule *b, const char **why)
{
	if (conditional(a) != conditional(b)) {
		*why = "an unconditional rule wins over a conditional one";
		return conditional(a) ? 1 : -1;
	}
	if (a->effect != b->effect) {
		*why = "the stricter effect wins (kill, then block, then notify)";
		return effect_rank(b->effect) - effect_rank(a->effect);
	}
	if (a->mode != b->mode) {
		*why = "enforce wins over audit";
		return a->mode == PR_MODE_ENFORCE ? -1 : 1;
	}
	*why = "they agree; the earlier rule is the one reported";
	return -1;
}

/* Same glob, or a literal one glob matches. */
static bool globs_overlap(const struct policy *p, struct policy_globs a, struct policy_globs b,
			  bool path, const char **obj)
{
	int i, j;

	for (i = 0; i < a.n; i++)
		for (j = 0; j < b.n; j++) {
			const struct policy_glob *x = &p->globs[a.first + i],
						 *y = &p->globs[b.first + j];
			if (!strcmp(x->expanded, y->expanded) ||
			    (x->literal && glob_match(y->expanded, x->expanded, path))) {
				*obj = x->text;
				return true;
			}
			if (y->literal && glob_match(x->expanded, y->expanded, path)) {
				*obj = y->text;
				return true;
			}
		}
	return false;
}

static bool same_argv(const struct policy *p, const struct policy_argv *a,
		      const struct policy_argv *b)
{
	int i;

	if (a->elem.n != b->elem.n || a->rest != b->rest || !a->elem.n)
		return false;
	for (i = 0; i < a->elem.n; i++)
		if (strcmp(p->globs[a->elem.first + i].expanded,
			   p->globs[b->elem.first + i].expanded))
			return false;
	return true;
}

static bool is_exec_deny(const struct policy_rule *r)
{
	return r->kind == RULE_EXEC_DENY ||
	       (r->kind == RULE_CONDITIONAL && r->object.op == OP_EXEC &&
		(r->object.argv.elem.n || r->object.paths.n));
}

/* The object two rules share, or NULL. */
static const char *shared_object(const struct policy *p, const struct policy_rule *a,
				 const struct policy_rule *b, char *buf, size_t len)
{
	const char *obj = NULL;

	if (a->kind == RULE_FILE_DENY && b->kind == RULE_FILE_DENY) {
		if (!(a->access & b->access) ||
		    !globs_overlap(p, a->object.paths, b->object.paths, true, &obj))
			return NULL;
		snprintf(buf, len, "%s", obj);
		return buf;
	}
	if (!is_exec_deny(a) || !is_exec_deny(b))
		return NULL;
	if (same_argv(p, &a->object.argv, &b->object.argv)) {
		policy_globs_text(p, a->object.argv.elem, " ", buf, len);
		return buf;
	}
	if (a->object.paths.n && b->object.paths.n &&
	    globs_overlap(p, a->object.paths, b->object.paths, true, &obj)) {
		snprintf(buf, len, "%s", obj);
		return buf;
	}
	return NULL;
}

static void check_pair(struct checker *k, const struct policy_rule *a, const struct policy_rule *b)
{
	const char *why, *obj;
	char buf[POLICY_GLOB_MAX], msg[2048];
	const struct policy_rule *win, *lose;

	if (!(obj = shared_object(k->p, a, b, buf, sizeof(buf))))
		return;
	if (precedence(a, b, &why) <= 0)
		win = a, lose = b;
	else
		win = b, lose = a;
	snprintf(msg, sizeof(msg),
		 "rules '%s' (line %d) and '%s' (line %d) both cover %s; '%s' wins: %s", a->name,
		 a->line, b->name, b->line, obj, win->name, why);
	emit(k, lose, "conflict", msg);
}

/* An `except` the egress section denies stays denied: egress is decided
 * first. */
static void check_except(struct checker *k, const struct policy_rule *r)
{
	const struct egress_policy *e = &k->p->egress, *x = &k->p->except;
	char msg[1024];
	int i, j;

	for (i = r->except_first; i < r->except_first + r->nexcept; i++)
		for (j = 0; j < e->nrules; j++) {
			const struct egress_rule *d = &e->rules[j];
			if (d->action != PR_RULE_DENY || strcmp(d->domain, x->rules[i].domain) ||
			    d->wildcard != x->rules[i].wildcard)
				continue;
			snprintf(msg, sizeof(msg),
				 "rule '%s' excepts %s, but egress rule '%s' (line %d) denies it; "
				 "'%s' wins: the egress section is decided first",
				 r->name, x->rules[i].domain, d->name, d->line, d->name);
			emit(k, r, "conflict", msg);
		}
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

bool policy_argv_match(const struct policy *p, const struct policy_argv *a, const char *exe,
		       const char *const *argv, int argc)
{
	const struct policy_glob *g0 = &p->globs[a->elem.first];
	int i;

	if (!a->elem.n || argc < a->elem.n || (!a->rest && argc != a->elem.n))
		return false;
	if (strchr(g0->expanded, '/') ? !(glob_match(g0->expanded, exe, true) ||
					  glob_match(g0->expanded, argv[0], true))
				      : !(glob_match(g0->expanded, base_name(argv[0]), false) ||
					  glob_match(g0->expanded, base_name(exe), false)))
		return false;
	for (i = 1; i < a->elem.n; i++)
		if (!glob_match(p->globs[a->elem.first + i].expanded, argv[i], false))
			return false;
	return true;
}

static bool any_glob_matches(const struct policy *p, struct policy_globs g, const char *path)
{
	int i;

	for (i = 0; i < g.n; i++)
		if (glob_match(p->globs[g.first + i].expanded, path, true))
			return true;
	return false;
}

/* Would r keep the target from running at all? */
static bool blocks_target(const struct policy *p, const struct policy_rule *r, const char *path)
{
	const char *argv[] = {path};

	switch (r->kind) {
	case RULE_FILE_DENY:
		return (r->access & (POLICY_EXEC | POLICY_READ)) &&
		       any_glob_matches(p, r->object.paths, path);
	case RULE_EXEC_ALLOW_ONLY: return !any_glob_matches(p, r->object.paths, path);
	case RULE_EXEC_DENY:
	case RULE_CONDITIONAL:
		if (r->object.op != OP_EXEC || r->label >= 0)
			return false;
		if (r->object.paths.n)
			return any_glob_matches(p, r->object.paths, path);
		if (!r->object.argv.elem.n) /* deny: exec, unconditional or until a condition */
			return true;
		return r->object.argv.elem.n == 1 && r->object.argv.rest &&
		       policy_argv_match(p, &r->object.argv, path, argv, 1);
	default: return false;
	}
}

static void check_target(struct checker *k, const struct policy_target *t)
{
	char msg[1536];
	int i;

	for (i = 0; i < k->p->nrules; i++) {
		const struct policy_rule *r = &k->p->rules[i];
		if (r->effect == POLICY_NOTIFY || !blocks_target(k->p, r, t->path))
			continue;
		snprintf(msg, sizeof(msg), "rule '%s' would block %s %s%s", r->name, t->what,
			 t->path,
			 r->mode == PR_MODE_AUDIT ? " (in audit mode: recorded only)" : "");
		emit(k, r, "warning", msg);
	}
}

int policy_check(const struct policy *p, const struct policy_target *targets, int ntargets,
		 policy_note_fn note, void *ctx)
{
	struct checker k = {.p = p, .note = note, .ctx = ctx};
	int i, j;

	for (i = 0; i < p->nrules; i++)
		for (j = i + 1; j < p->nrules; j++)
			check_pair(&k, &p->rules[i], &p->rules[j]);
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].nexcept)
			check_except(&k, &p->rules[i]);
	for (i = 0; i < ntargets; i++)
		if (targets[i].path)
			check_target(&k, &targets[i]);
	return k.count;
}
