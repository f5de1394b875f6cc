/* xcheck.c: the per-session tallies of reported and kernel-seen model and
 * tool calls, and the check run at session end (xcheck.h). */
#include "otlp/xcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *xc_reason_name(enum xc_reason r)
{
	switch (r) {
	case XC_REPORTED_UNSEEN: return "reported_call_not_seen";
	case XC_UNREPORTED: return "seen_call_not_reported";
	case XC_TOOL_COUNT: return "tool_calls_differ";
	}
	return "?";
}

static struct xc_session *find(struct xcheck *x, uint64_t key, bool make)
{
	size_t i, free_slot = XC_SESSIONS;

	for (i = 0; i < XC_SESSIONS; i++) {
		if (x->s[i] && x->s[i]->key == key)
			return x->s[i];
		if (!x->s[i] && free_slot == XC_SESSIONS)
			free_slot = i;
	}
	if (!make || !key)
		return NULL;
	if (free_slot == XC_SESSIONS || !(x->s[free_slot] = calloc(1, sizeof(struct xc_session)))) {
		x->lost_sessions++;
		return NULL;
	}
	x->s[free_slot]->key = key;
	return x->s[free_slot];
}

static void add_call(struct xc_session *s, struct xc_call *v, unsigned *n, const struct xc_call *c)
{
	if (*n == XC_CALLS) {
		s->lost++;
		return;
	}
	v[*n] = *c;
	v[*n].matched = false;
	(*n)++;
}

static struct xc_tool *tool(struct xc_session *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->ntools; i++)
		if (!strcmp(s->tools[i].name, name))
			return &s->tools[i];
	if (s->ntools == XC_TOOLS) {
		s->lost++;
		return NULL;
	}
	snprintf(s->tools[s->ntools].name, sizeof(s->tools[0].name), "%s", name);
	return &s->tools[s->ntools++];
}

void xc_kernel_call(struct xcheck *x, uint64_t key, const struct xc_call *c)
{
	struct xc_session *s = find(x, key, true);

	if (s)
		add_call(s, s->kernel, &s->nkernel, c);
}

void xc_reported_call(struct xcheck *x, uint64_t key, const struct xc_call *c)
{
	struct xc_session *s = find(x, key, true);

	if (s) {
		s->reported_calls = true;
		add_call(s, s->reported, &s->nreported, c);
	}
}

void xc_kernel_tool(struct xcheck *x, uint64_t key, const char *name)
{
	struct xc_session *s = find(x, key, true);
	struct xc_tool *t = s && name ? tool(s, name) : NULL;

	if (t)
		t->kernel++;
}

void xc_reported_tool(struct xcheck *x, uint64_t key, const char *name)
{
	struct xc_session *s = find(x, key, true);
	struct xc_tool *t;

	if (!s || !name)
		return;
	s->reported_tools = true;
	if ((t = tool(s, name)))
		t->reported++;
}

static bool same_tokens(const struct xc_call *a, const struct xc_call *b)
{
	/* A count one side does not give (-1) is not compared. */
	return a->in == b->in && a->out == b->out &&
	       (a->cache_read < 0 || b->cache_read < 0 || a->cache_read == b->cache_read) &&
	       (a->cache_creation < 0 || b->cache_creation < 0 ||
		a->cache_creation == b->cache_creation);
}

size_t xc_finish(struct xcheck *x, uint64_t key,
		 void (*fn)(void *ctx, uint64_t key, const struct xc_mismatch *m), void *ctx)
{
	struct xc_session *s = find(x, key, false);
	struct xc_mismatch m;
	size_t n = 0, i, j;

	if (!s)
		return 0;
	for (i = 0; s->reported_calls && i < s->nreported; i++) {
		for (j = 0; j < s->nkernel; j++)
			if (!s->kernel[j].matched && same_tokens(&s->reported[i], &s->kernel[j]))
				break;
		if (j < s->nkernel) {
			s->kernel[j].matched = s->reported[i].matched = true;
			continue;
		}
		m = (struct xc_mismatch){.reason = XC_REPORTED_UNSEEN, .call = &s->reported[i]};
		fn(ctx, key, &m);
		n++;
	}
	for (j = 0; s->reported_calls && j < s->nkernel; j++)
		if (!s->kernel[j].matched) {
			m = (struct xc_mismatch){.reason = XC_UNREPORTED, .call = &s->kernel[j]};
			fn(ctx, key, &m);
			n++;
		}
	for (i = 0; s->reported_tools && i < s->ntools; i++)
		if (s->tools[i].kernel != s->tools[i].reported) {
			m = (struct xc_mismatch){.reason = XC_TOOL_COUNT, .tool = &s->tools[i]};
			fn(ctx, key, &m);
			n++;
		}
	x->lost_items += s->lost;
	for (i = 0; i < XC_SESSIONS; i++)
		if (x->s[i] == s) {
			free(s);
			x->s[i] = NULL;
		}
	return n;
}

void xc_free(struct xcheck *x)
{
	size_t i;

	for (i = 0; i < XC_SESSIONS; i++) {
		free(x->s[i]);
		x->s[i] = NULL;
	}
}
