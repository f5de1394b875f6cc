/* static_eval.c: the policy on a shell command line or a file path, before
 * the tool runs (static_eval.h). */
#include "policy/static_eval.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/check.h"
#include "policy/glob.h"

/* Programs that run the rest of their argv: the rest is judged too. */
static const char *const wrappers[] = {"env", "nohup", "exec", "command", "nice", "time", NULL};

struct cmd {
	char *w[SE_MAX_WORDS];
	int n;
};

struct ctx {
	const struct policy *p;
	const char *cwd, *path;
	struct se_verdict *v;
};

static bool denies(const struct policy_rule *r)
{
	return r->mode != PR_MODE_AUDIT && r->effect != POLICY_NOTIFY;
}

/* Absolute, with "." and ".." folded ("~" is the policy's home). */
static void absolute(const struct policy *p, const char *cwd, const char *in, char *out,
		     size_t outlen)
{
	char tmp[PATH_MAX * 2], *save, *c;
	size_t n = 0;

	if (in[0] == '~' && (in[1] == '/' || !in[1]))
		snprintf(tmp, sizeof(tmp), "%s%s", p->env.home, in + 1);
	else if (in[0] == '/')
		snprintf(tmp, sizeof(tmp), "%s", in);
	else
		snprintf(tmp, sizeof(tmp), "%s/%s", cwd, in);
	out[0] = 0;
	for (c = strtok_r(tmp, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			char *slash = strrchr(out, '/');
			n = slash ? (size_t)(slash - out) : 0;
			out[n] = 0;
			continue;
		}
		if (n + strlen(c) + 2 > outlen)
			break;
		n += (size_t)snprintf(out + n, outlen - n, "/%s", c);
	}
	if (!out[0])
		snprintf(out, outlen, "/");
}

static bool any_glob(const struct policy *p, struct policy_globs g, const char *s)
{
	int i;

	for (i = 0; i < g.n; i++)
		if (glob_match(p->globs[g.first + i].expanded, s, true))
			return true;
	return false;
}

static bool implicit_device(const char *path)
{
	return !strcmp(path, "/dev/null") || !strcmp(path, "/dev/zero") ||
	       !strcmp(path, "/dev/full") || !strcmp(path, "/dev/tty") ||
	       !strcmp(path, "/dev/ptmx") || !strncmp(path, "/dev/pts/", 9);
}

void se_eval_file(const struct policy *p, const char *file, const char *cwd, bool write,
		  struct se_verdict *v)
{
	char path[PATH_MAX];
	int i;

	v->rule = -1;
	absolute(p, cwd, file, path, sizeof(path));
	for (i = 0; i < p->nrules && v->rule < 0; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (!denies(r))
			continue;
		if (r->kind == RULE_FILE_DENY &&
		    (r->access & (write ? POLICY_WRITE : POLICY_READ)) &&
		    any_glob(p, r->object.paths, path))
			v->rule = i;
		if (write && r->kind == RULE_WRITE_ONLY_UNDER && !implicit_device(path) &&
		    !any_glob(p, r->object.paths, path))
			v->rule = i;
	}
	if (v->rule >= 0)
		snprintf(v->what, sizeof(v->what), "%s %s", write ? "write" : "read", path);
}

int se_eval_patch(const struct policy *p, const char *patch, size_t len, const char *cwd,
		  struct se_verdict *v, char *why, size_t whylen)
{
	static const char *const heads[] = {
		"*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "};
	const char *line = patch, *end = patch + len, *nl;
	char path[PATH_MAX];
	size_t i, n, files = 0;

	v->rule = -1;
	for (; line < end && v->rule < 0; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
			size_t h = strlen(heads[i]);
			if ((size_t)(nl - line) <= h || memcmp(line, heads[i], h))
				continue;
			n = (size_t)(nl - line) - h;
			while (n && (line[h + n - 1] == '\r' || line[h + n - 1] == ' '))
				n--;
			if (!n || n >= sizeof(path) || memchr(line + h, 0, n))
				break;
			memcpy(path, line + h, n);
			path[n] = 0;
			se_eval_file(p, path, cwd, true, v);
			files++;
			break;
		}
	}
	if (!files && v->rule < 0) {
		snprintf(why, whylen,
			 "the patch names no file (no \"*** Add/Update/Delete File:\")");
		return -1;
	}
	return 0;
}

static void copy(char *out, size_t outlen, const char *s)
{
	size_t n = strnlen(s, outlen - 1);

	memcpy(out, s, n);
	out[n] = 0;
}

/* The executable a program name runs, as the kernel will resolve it. */
static void resolve(const struct ctx *c, const char *prog, char *out, size_t outlen)
{
	char buf[PATH_MAX * 2], *dirs, *save, *d, *real;

	if (strchr(prog, '/')) {
		absolute(c->p, c->cwd, prog, buf, sizeof(buf));
	} else {
		snprintf(buf, sizeof(buf), "%s", prog);
		dirs = strdup(c->path ? c->path : "/usr/local/bin:/usr/bin:/bin");
		for (d = dirs ? strtok_r(dirs, ":", &save) : NULL; d;
		     d = strtok_r(NULL, ":", &save)) {
			char cand[PATH_MAX * 2];
			snprintf(cand, sizeof(cand), "%s/%s", d, prog);
			if (!access(cand, X_OK)) {
				snprintf(buf, sizeof(buf), "%s", cand);
				break;
			}
		}
		free(dirs);
	}
	real = realpath(buf, NULL);
	copy(out, outlen, real ? real : buf);
	free(real);
}

static int exec_rule(const struct ctx *c, const char *exe, char **argv, int argc)
{
	const struct policy *p = c->p;
	int i;

	for (i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];
		if (!denies(r))
			continue;
		if (r->kind == RULE_EXEC_DENY && r->object.argv.elem.n &&
		    policy_argv_match(p, &r->object.argv, exe, (const char *const *)argv, argc))
			return i;
		if (r->kind == RULE_EXEC_DENY && !r->object.argv.elem.n &&
		    any_glob(p, r->object.paths, exe))
			return i;
		if (r->kind == RULE_EXEC_ALLOW_ONLY && !any_glob(p, r->object.paths, exe))
			return i;
	}
	return -1;
}

static bool assignment(const char *w)
{
	size_t n = strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");

	return n && w[n] == '=' && !(w[0] >= '0' && w[0] <= '9');
}

static bool is_wrapper(const char *w)
{
	const char *base = strrchr(w, '/') ? strrchr(w, '/') + 1 : w;
	int i;

	for (i = 0; wrappers[i]; i++)
		if (!strcmp(base, wrappers[i]))
			return true;
	return false;
}

static void eval_cmd(struct ctx *c, struct cmd *k)
{
	char exe[PATH_MAX];
	int i = 0, rule;
	size_t n;

	while (c->v->rule < 0 && i < k->n) {
		while (i < k->n && assignment(k->w[i]))
			i++;
		if (i == k->n)
			return;
		resolve(c, k->w[i], exe, sizeof(exe));
		if ((rule = exec_rule(c, exe, k->w + i, k->n - i)) >= 0) {
			c->v->rule = rule;
			n = (size_t)snprintf(c->v->what, sizeof(c->v->what), "exec");
			for (; i < k->n && n < sizeof(c->v->what); i++)
				n += (size_t)snprintf(c->v->what + n, sizeof(c->v->what) - n, " %s",
						      k->w[i]);
			return;
		}
		if (!is_wrapper(k->w[i]))
			return;
		for (i++; i < k->n && k->w[i][0] == '-'; i++)
			;
	}
}

static bool op_char(char ch)
{
	return ch == ';' || ch == '&' || ch == '|' || ch == '\n' || ch == '(' || ch == ')';
}

/* One word at *s into out; quotes and backslashes as the shell takes them. */
static int read_word(const char **s, const char *end, char *out, size_t outlen, bool *quoted)
{
	size_t n = 0;
	char q = 0;

	*quoted = false;
	for (; *s < end; (*s)++) {
		char ch = **s;
		if (q == '\'') {
			if (ch == '\'') {
				q = 0;
				continue;
			}
		} else if (q == '"') {
			if (ch == '"') {
				q = 0;
				continue;
			}
			if (ch == '\\' && *s + 1 < end && strchr("\"\\$`\n", (*s)[1]))
				ch = *++(*s);
		} else if (ch == '\'' || ch == '"') {
			q = ch;
			*quoted = true;
			continue;
		} else if (ch == '\\') {
			if (*s + 1 == end) { /* a trailing backslash: nothing to escape */
				(*s)++;
				break;
			}
			ch = *++(*s);
			*quoted = true;
		} else if (ch == ' ' || ch == '\t' || op_char(ch) || ch == '<' || ch == '>') {
			break;
		}
		if (n + 1 < outlen)
			out[n++] = ch;
	}
	out[n] = 0;
	return q ? -1 : 0;
}

/* After '<' or '>' at *s: the target of an output redirection is a write. */
static int redirect(struct ctx *c, const char **s, const char *end, char *buf, size_t buflen)
{
	bool out = **s == '>', quoted;

	while (*s < end && (**s == '>' || **s == '<' || **s == '|'))
		(*s)++;
	if (*s < end && **s == '&') { /* >&2: a descriptor, not a file */
		(*s)++;
		if (*s < end && ((**s >= '0' && **s <= '9') || **s == '-')) {
			(*s)++;
			return 0;
		}
	}
	while (*s < end && (**s == ' ' || **s == '\t'))
		(*s)++;
	if (read_word(s, end, buf, buflen, &quoted))
		return -1;
	if (out && buf[0] && c->v->rule < 0)
		se_eval_file(c->p, buf, c->cwd, true, c->v);
	return 0;
}

int se_eval_shell(const struct policy *p, const char *line, size_t len, const char *cwd,
		  const char *path, struct se_verdict *v, char *why, size_t whylen)
{
	static char pool[SE_MAX_WORDS][4096];
	struct ctx c = {.p = p, .cwd = cwd, .path = path, .v = v};
	const char *s = line, *end = line + (len > SE_MAX_LINE ? SE_MAX_LINE : len);
	struct cmd k = {.n = 0};
	char buf[4096];
	bool quoted;

	v->rule = -1;
	while (s < end && v->rule < 0) {
		if (*s == ' ' || *s == '\t') {
			s++;
		} else if (*s == '#' && (s == line || strchr(" \t\n;&|", s[-1]))) {
			while (s < end && *s != '\n')
				s++;
		} else if (op_char(*s)) {
			eval_cmd(&c, &k);
			k.n = 0;
			s++;
		} else if (*s == '<' || *s == '>') {
			if (redirect(&c, &s, end, buf, sizeof(buf)))
				goto unterminated;
		} else {
			if (read_word(&s, end, buf, sizeof(buf), &quoted))
				goto unterminated;
			if (!quoted && buf[strspn(buf, "0123456789")] == 0 && s < end &&
			    (*s == '<' || *s == '>'))
				continue; /* 2>file: the descriptor number */
			if (k.n < SE_MAX_WORDS)
				snprintf(k.w[k.n] = pool[k.n], sizeof(pool[0]), "%s", buf), k.n++;
		}
	}
	if (v->rule < 0)
		eval_cmd(&c, &k);
	return 0;
unterminated:
	snprintf(why, whylen, "the command has an unterminated quote");
	v->rule = -1;
	return -1;
}
