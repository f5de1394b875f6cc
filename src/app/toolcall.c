/* toolcall.c: tool call -> processes (toolcall.h). */
#include "app/toolcall.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REMOVED UINT32_MAX

void toolcalls_free(struct toolcalls *t)
{
	free(t->pids);
	free(t->intent);
	memset(t, 0, sizeof(*t));
}

void toolcalls_expect(struct toolcalls *t, uint64_t session_key, uint32_t agent_pid, const char *id,
		      const char *command)
{
	struct toolcall_pending *p;

	if (!t->intent && !(t->intent = calloc(TOOLCALL_IDS, sizeof(*t->intent))))
		return;
	if (!t->pids && !(t->pids = calloc(TOOLCALL_PIDS, sizeof(*t->pids))))
		return;
	if (t->npending == TOOLCALL_PENDING) { /* the oldest never ran: given up */
		memmove(t->pending, t->pending + 1, sizeof(t->pending[0]) * (TOOLCALL_PENDING - 1));
		t->npending--;
	}
	p = &t->pending[t->npending++];
	p->session_key = session_key;
	p->agent_pid = agent_pid;
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->command, sizeof(p->command), "%s", command);
}

static struct toolcall_pid *slot_of(struct toolcalls *t, uint32_t pid)
{
	uint32_t i, h = (pid * 2654435761u) % TOOLCALL_PIDS;

	for (i = 0; i < TOOLCALL_PIDS; i++) {
		struct toolcall_pid *s = &t->pids[(h + i) % TOOLCALL_PIDS];
		if (s->pid == pid)
			return s;
		if (!s->pid)
			return NULL;
	}
	return NULL;
}

static void link_pid(struct toolcalls *t, uint32_t pid, uint16_t id);

/* Drop the removed entries: probing stops at the first empty slot. */
static void rebuild(struct toolcalls *t)
{
	struct toolcall_pid *old = t->pids, *n = calloc(TOOLCALL_PIDS, sizeof(*n));
	uint32_t i;

	if (!n)
		return;
	t->pids = n;
	t->npids = t->used = 0;
	for (i = 0; i < TOOLCALL_PIDS; i++)
		if (old[i].pid && old[i].pid != REMOVED)
			link_pid(t, old[i].pid, old[i].id);
	free(old);
}

static void link_pid(struct toolcalls *t, uint32_t pid, uint16_t id)
{
	uint32_t i, h = (pid * 2654435761u) % TOOLCALL_PIDS;
	struct toolcall_pid *s = slot_of(t, pid);

	if (s) {
		s->id = id;
		return;
	}
	if (t->used >= TOOLCALL_PIDS * 3 / 4)
		rebuild(t);
	if (t->npids >= TOOLCALL_PIDS * 3 / 4) {
		t->refused++;
		return;
	}
	for (i = 0; i < TOOLCALL_PIDS; i++) {
		s = &t->pids[(h + i) % TOOLCALL_PIDS];
		if (!s->pid) {
			s->pid = pid;
			s->id = id;
			t->npids++;
			t->used++;
			return;
		}
	}
}

static bool descends(struct proctree *procs, uint32_t pid, uint32_t ancestor)
{
	int depth;

	for (depth = 0; depth < 64 && pid > 1; depth++) {
		struct proc *p;
		if (pid == ancestor)
			return true;
		p = proctree_get(procs, pid);
		if (!p)
			return false;
		pid = p->ppid;
	}
	return pid == ancestor;
}

/* command single-quoted for the shell with each ' written as close
 * (quote in between) open: '"'"' (Claude Code's eval) or '\'' (others). */
static bool quote_as(char *out, size_t len, const char *command, const char *q)
{
	size_t n = 0, ql = strlen(q);

	if (len < 3)
		return false;
	out[n++] = '\'';
	for (; *command; command++) {
		if (*command == '\'') {
			if (n + ql + 2 > len)
				return false;
			memcpy(out + n, q, ql);
			n += ql;
		} else {
			if (n + 2 > len)
				return false;
			out[n++] = *command;
		}
	}
	out[n++] = '\'';
	out[n] = 0;
	return true;
}

/* The exec's command line holds the tool's command, as is or quoted
 * (Claude Code runs it as bash -c "... eval '<command, quoted>' ...",
 * other agents as bash -lc <command>). */
static bool command_matches(const struct record *r, const char *command)
{
	const struct field *f = record_get(r, "process.command_args");
	char dq[2048], bq[2048];
	bool has_quote = strchr(command, '\'') != NULL;
	uint32_t i;

	if (!f || f->kind != FIELD_STRV)
		return false;
	if (has_quote && !quote_as(dq, sizeof(dq), command, "'\"'\"'"))
		dq[0] = 0;
	if (has_quote && !quote_as(bq, sizeof(bq), command, "'\\''"))
		bq[0] = 0;
	for (i = 0; i < f->sv.n; i++)
		if (strstr(f->sv.v[i], command) ||
		    (has_quote &&
		     ((dq[0] && strstr(f->sv.v[i], dq)) || (bq[0] && strstr(f->sv.v[i], bq)))))
			return true;
	return false;
}

static void match_exec(struct toolcalls *t, struct proctree *procs, const struct pr_hdr *h,
		       struct record *r)
{
	int i;

	for (i = 0; i < t->npending; i++) {
		struct toolcall_pending *p = &t->pending[i];
		if (p->session_key != h->session_key || h->pid == p->agent_pid ||
		    !descends(procs, h->pid, p->agent_pid) || !command_matches(r, p->command))
			continue;
		memcpy(t->ids[t->next_id], p->id, sizeof(t->ids[0])); /* both NUL-terminated */
		link_pid(t, h->pid, (uint16_t)t->next_id);
		intent_start(t, (uint16_t)t->next_id, h, r, p->command);
		t->next_id = (t->next_id + 1) % TOOLCALL_IDS;
		t->linked++;
		memmove(p, p + 1, sizeof(*p) * (size_t)(t->npending - i - 1));
		t->npending--;
		return;
	}
}

void toolcalls_note(struct toolcalls *t, struct proctree *procs, const struct pr_hdr *h,
		    struct record *r)
{
	struct toolcall_pid *s;

	if (!t->pids)
		return; /* no tool call yet: nothing to do, one branch per record */
	if (h->type == PR_EV_PROC_FORK && (s = slot_of(t, h->ppid)))
		link_pid(t, h->pid, s->id);
	else if (h->type == PR_EV_PROC_EXEC && t->npending && !slot_of(t, h->pid))
		match_exec(t, procs, h, r);
	if ((s = slot_of(t, h->pid))) {
		record_add_str(r, "gen_ai.tool.call.id", t->ids[s->id]);
		intent_check(t, s->id, h, r);
	}
}

void toolcalls_exited(struct toolcalls *t, const struct pr_hdr *h)
{
	struct toolcall_pid *s;
	uint16_t id;

	if (!t->pids || h->type != PR_EV_PROC_EXIT || !(s = slot_of(t, h->pid)))
		return;
	id = s->id;
	s->pid = REMOVED;
	t->npids--;
	if (t->intent[id].root_pid == h->pid && t->intent[id].session_key == h->session_key)
		t->intent[id].ended = true;
}
