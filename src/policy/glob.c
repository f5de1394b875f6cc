/* glob.c: compiling (expansion and can-it-match checks) and matching policy
 * globs (glob.h). Matching simulates the glob as a small NFA over the
 * text: time O(glob x text), no backtracking blow-up on many stars. */
#include "policy/glob.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

enum tok { T_LIT, T_ONE, T_STAR, T_ANY, T_DIRS };

#define token glob_token

static int fail(char *why, size_t whylen, const char *msg, const char *arg)
{
	snprintf(why, whylen, msg, arg);
	return -1;
}

static int append(char *out, size_t outlen, size_t *n, const char *s, size_t len)
{
	if (*n + len >= outlen)
		return -1;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = 0;
	return 0;
}

static int expand(const char *text, const struct policy_env *env, char *out, size_t outlen,
		  char *why, size_t whylen)
{
	size_t n = 0;
	const char *s = text;

	out[0] = 0;
	if (s[0] == '~') {
		if (s[1] && s[1] != '/')
			return fail(why, whylen,
				    "'%s': only '~' and '~/' are supported (not ~user)", text);
		if (append(out, outlen, &n, env->home, strlen(env->home)))
			goto too_long;
		s++;
	}
	while (*s) {
		if (!strncmp(s, "${", 2)) {
			if (strncmp(s, "${workspace}", 12))
				return fail(why, whylen,
					    "'%s': unknown variable (the only one is ${workspace})",
					    text);
			if (append(out, outlen, &n, env->workspace, strlen(env->workspace)))
				goto too_long;
			s += 12;
			continue;
		}
		if (append(out, outlen, &n, s++, 1))
			goto too_long;
	}
	return 0;
too_long:
	snprintf(why, whylen, "'%.64s...' is longer than %zu bytes once expanded", text,
		 outlen - 1);
	return -1;
}

/* A resolved path is absolute, with no empty, "." or ".." component and no
 * trailing '/': a glob that needs one of those can never match. */
static int check_path(const char *text, const char *g, char *why, size_t whylen)
{
	size_t len = strlen(g);
	const char *c;

	if (g[0] != '/' && strncmp(g, "**", 2))
		return fail(why, whylen,
			    "'%s' can never match: paths are matched as the kernel resolved them, "
			    "absolute (start it with '/', '~', '${workspace}' or '**')",
			    text);
	if (len > 1 && g[len - 1] == '/')
		return fail(why, whylen,
			    "'%s' can never match: a resolved path has no trailing '/'", text);
	if (strstr(g, "//"))
		return fail(why, whylen, "'%s' can never match: a resolved path has no '//'", text);
	for (c = g; *c; c += len) {
		c += *c == '/';
		len = strcspn(c, "/");
		if ((len == 1 && c[0] == '.') || (len == 2 && !strncmp(c, "..", 2)))
			return fail(why, whylen,
				    "'%s' can never match: a resolved path has no '.' or '..' "
				    "component",
				    text);
		if (len > 255 && !memchr(c, '*', len) && !memchr(c, '?', len))
			return fail(why, whylen,
				    "'%s' can never match: a path component is at most 255 bytes",
				    text);
	}
	return 0;
}

int glob_compile(const char *text, bool path, const struct policy_env *env, char *out,
		 size_t outlen, char *why, size_t whylen)
{
	if (path && !*text)
		return fail(why, whylen, "an empty path glob%s can never match", "");
	if (expand(text, env, out, outlen, why, whylen))
		return -1;
	return path ? check_path(text, out, why, whylen) : 0;
}

bool glob_is_literal(const char *glob)
{
	return !strpbrk(glob, "*?");
}

size_t glob_tokenize(const char *g, struct token *t, bool path)
{
	size_t n = 0;

	while (*g) {
		if (g[0] == '*' && g[1] == '*') {
			bool dirs = path && g[2] == '/';
			t[n++] = (struct token){dirs ? T_DIRS : T_ANY, 0};
			g += dirs ? 3 : 2;
		} else if (*g == '*') {
			t[n++] = (struct token){path ? T_STAR : T_ANY, 0};
			g++;
		} else if (*g == '?') {
			t[n++] = (struct token){T_ONE, 0};
			g++;
		} else {
			t[n++] = (struct token){T_LIT, *g++};
		}
	}
	return n;
}

/* States reached without consuming a character: past a star, or past a
 * "**" "/" that matches no directory at all. */
static void closure(const struct token *t, size_t n, bool *st)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (st[i] && t[i].t != T_LIT && t[i].t != T_ONE)
			st[i + 1] = true;
}

void glob_nfa_start(const struct token *t, size_t n, bool *at, bool *in)
{
	memset(at, 0, (n + 1) * sizeof(bool));
	memset(in, 0, (n + 1) * sizeof(bool));
	at[0] = true;
	closure(t, n, at);
}

/* at[i]: the glob is matched up to token i. in[i]: inside the directories
 * of the T_DIRS token i (something consumed; it ends only at a '/'). */
bool glob_nfa_step(const struct token *t, size_t n, const bool *at, const bool *in, char c,
		   bool *nat, bool *nin)
{
	bool any = false;
	size_t i;

	memset(nat, 0, (n + 1) * sizeof(bool));
	memset(nin, 0, (n + 1) * sizeof(bool));
	for (i = 0; i < n; i++) {
		if (t[i].t == T_DIRS && (at[i] || in[i])) {
			nin[i] = true;
			nat[i + 1] |= c == '/';
			continue;
		}
		if (!at[i])
			continue;
		switch (t[i].t) {
		case T_LIT: nat[i + 1] |= t[i].c == c; break;
		case T_ONE: nat[i + 1] |= c != '/'; break;
		case T_STAR: nat[i] |= c != '/'; break;
		case T_ANY: nat[i] = true; break;
		case T_DIRS: break;
		}
	}
	closure(t, n, nat);
	for (i = 0; i <= n; i++)
		any |= nat[i] || nin[i];
	return any;
}

static bool nfa_match(const struct token *t, size_t n, const char *s)
{
	bool at[POLICY_GLOB_MAX + 1], in[POLICY_GLOB_MAX + 1];
	bool nat[POLICY_GLOB_MAX + 1], nin[POLICY_GLOB_MAX + 1];

	glob_nfa_start(t, n, at, in);
	for (; *s; s++) {
		if (!glob_nfa_step(t, n, at, in, *s, nat, nin))
			return false;
		memcpy(at, nat, (n + 1) * sizeof(bool));
		memcpy(in, nin, (n + 1) * sizeof(bool));
	}
	return at[n];
}

bool glob_match(const char *glob, const char *s, bool path)
{
	struct token t[POLICY_GLOB_MAX];
	size_t len = strlen(glob), n;

	if (len >= POLICY_GLOB_MAX)
		return false;
	n = glob_tokenize(glob, t, path);
	if (nfa_match(t, n, s))
		return true;
	/* a trailing slash-and-globstar matches the directory itself too */
	if (path && len >= 3 && !strcmp(glob + len - 3, "/**")) {
		char prefix[POLICY_GLOB_MAX];
		memcpy(prefix, glob, len - 3);
		prefix[len - 3] = 0;
		n = glob_tokenize(prefix, t, path);
		return nfa_match(t, n, s);
	}
	return false;
}

/* The literal directory a glob starts with (/a/b of /a/b/STAR.key). */
int glob_literal_dir(const char *glob, char *out, size_t outlen)
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
