/* tree.c: `proctor tree [SESSION]`: the session's process lineage with
 * command lines, pids, exit codes and durations, readable at a glance. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/liveness.h"
#include "cli/cli.h"
#include "model/sensitive.h"
#include "store/store.h"
#include "util/pidindex.h"
#include "util/strbuf.h"
#include "util/util.h"

struct node {
	struct store_process_row row;
	char *exe, *cmdline, *comm, *signal;
	char *notes;	 /* activity lines, '\n'-separated, or NULL */
	char *tool_id;	 /* the tool call it belongs to (gen_ai.tool.call.id), or NULL */
	char *tool_line; /* "tool call NAME (ID): COMMAND", or NULL */
	int parent;	 /* index or -1 */
	int first_child; /* index or -1 */
	int next;	 /* next sibling or -1 */
};

struct forest {
	struct node *n;
	size_t len, cap;
	struct pid_index ix; /* the nodes by pid */
};

static const char tree_usage[] = "usage: proctor tree [SESSION] [--db PATH]";
static int collect(void *ctx, const struct store_process_row *r)
{
	struct forest *f = ctx;
	struct node *nd;

	if (f->len == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct node *nn = realloc(f->n, cap * sizeof(*nn));
		if (!nn)
			return -1;
		f->n = nn;
		f->cap = cap;
	}
	nd = &f->n[f->len++];
	nd->row = *r;
	nd->exe = strdup(r->exe);
	nd->cmdline = strdup(r->cmdline);
	nd->comm = strdup(r->comm);
	nd->signal = strdup(r->exit_signal);
	nd->notes = nd->tool_id = nd->tool_line = NULL;
	nd->parent = nd->first_child = nd->next = -1;
	return 0;
}

static int64_t born(const struct node *n)
{
	return n->row.start_ns ? n->row.start_ns : n->row.exec_ns;
}

static int64_t pid_at(const void *ctx, size_t i)
{
	return ((const struct forest *)ctx)->n[i].row.pid;
}

static int64_t born_at(const void *ctx, size_t i)
{
	return born(&((const struct forest *)ctx)->n[i]);
}

/* The parent is the latest process with pid == ppid born before the child
 * (pids can be reused within a session). */
static void link_parents(struct forest *f)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		f->n[i].parent = (int)pid_index_find(&f->ix, f->n[i].row.ppid, born(&f->n[i]), i);
	/* children in birth order: rows are already sorted by birth */
	for (i = f->len; i-- > 0;) {
		int p = f->n[i].parent;
		if (p < 0)
			continue;
		f->n[i].next = f->n[p].first_child;
		f->n[p].first_child = (int)i;
	}
}

#define LABEL_MAX 100

/* One line per process: whitespace runs (newlines included) become one space
 * and long command lines are cut with an ellipsis. */
static void one_line(const char *in, char *out, size_t len)
{
	size_t o = 0, chars = 0;
	bool space = false;

	for (; *in && o + 4 < len; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (chars >= LABEL_MAX) {
			memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
			o += 3;
			break;
		}
		if (space) {
			out[o++] = ' ';
			chars++;
			space = false;
		}
		out[o++] = (char)c;
		if ((c & 0xc0) != 0x80)
			chars++;
	}
	out[o] = 0;
}

/* The first process of a tool call's subtree: its parent is not the call's. */
static bool tool_root(const struct forest *f, const struct node *n)
{
	const struct node *p = n->parent >= 0 ? &f->n[n->parent] : NULL;

	return n->tool_id && (!p || !p->tool_id || strcmp(p->tool_id, n->tool_id));
}

static void print_node(const struct forest *f, int i, const char *prefix, bool last, bool root)
{
	const struct node *n = &f->n[i];
	char dur[32] = "", child_prefix[1040], tool_prefix[1024], label[LABEL_MAX * 4 + 8];
	int c;

	struct strbuf vis = STRBUF_INIT;

	if (tool_root(f, n)) { /* the tool call above the subtree it caused */
		one_line(n->tool_line, label, sizeof(label));
		printf("%s%s%s\n", prefix, root ? "" : (last ? "└─ " : "├─ "),
		       sb_visible(&vis, label));
		if (snprintf(tool_prefix, sizeof(tool_prefix), "%s%s", prefix,
			     root ? "" : (last ? "   " : "│  ")) < (int)sizeof(tool_prefix))
			prefix = tool_prefix; /* else as deep as the prefix can go */
		last = true;
		root = false;
	}
	one_line(*n->cmdline ? n->cmdline : n->comm, label, sizeof(label));

	if (n->row.end_ns && born(n))
		fmt_duration((uint64_t)(n->row.end_ns - born(n)), dur, sizeof(dur));
	printf("%s%s%s", prefix, root ? "" : (last ? "└─ " : "├─ "), sb_visible(&vis, label));
	sb_free(&vis);
	if (!*n->cmdline)
		printf(" (fork, no exec)");
	printf("  [pid %" PRId64, n->row.pid);
	if (n->row.has_exit) {
		if (*n->signal)
			printf(", killed by %s", n->signal);
		else
			printf(", exit %" PRId64, n->row.exit_code);
	} else {
		printf(", no exit seen");
	}
	if (*dur)
		printf(", %s", dur);
	if (n->row.threads)
		printf(", %" PRId64 " threads", n->row.threads);
	printf("]\n");
	snprintf(child_prefix, sizeof(child_prefix), "%s%s", prefix,
		 root ? "" : (last ? "   " : "│  "));
	if (n->notes) {
		const char *line = n->notes, *end;
		for (; *line; line = *end ? end + 1 : end) {
			end = strchr(line, '\n');
			if (!end)
				end = line + strlen(line);
			printf("%s%s   %.*s\n", child_prefix, n->first_child >= 0 ? "│" : " ",
			       (int)(end - line), line);
		}
	}
	for (c = n->first_child; c >= 0; c = f->n[c].next)
		print_node(f, c, child_prefix, f->n[c].next < 0, false);
}

/* The process (latest row with that pid) an event belongs to. */
static struct node *node_of(struct forest *f, int64_t pid)
{
	long i = pid_index_find(&f->ix, pid, INT64_MAX, SIZE_MAX);
	return i < 0 ? NULL : &f->n[i];
}

static int tool_of(void *ctx, int64_t pid, const char *id, const char *name, const char *command)
{
	struct node *n = node_of(ctx, pid);
	char line[LABEL_MAX * 4 + 8];

	if (!n || n->tool_id || !id)
		return 0; /* its first exec's */
	snprintf(line, sizeof(line), "tool call %s (%s)%s%s", *name ? name : "?", id,
		 *command ? ": " : "", command);
	n->tool_id = strdup(id);
	n->tool_line = strdup(line);
	if (!n->tool_id || !n->tool_line) {
		free(n->tool_id);
		free(n->tool_line);
		n->tool_id = n->tool_line = NULL;
	}
	return 0;
}

static void add_note(struct node *n, const char *text)
{
	size_t old = n->notes ? strlen(n->notes) : 0, add = strlen(text);
	char *nn = realloc(n->notes, old + add + 2);

	if (!nn)
		return;
	if (old)
		nn[old++] = '\n';
	memcpy(nn + old, text, add + 1);
	n->notes = nn;
}

/* A note is one line: what it quotes (paths, hosts) is shown visibly. */
static int note_of(void *ctx, int64_t pid, const char *text)
{
	struct node *n = node_of(ctx, pid);
	struct strbuf vis = STRBUF_INIT;

	if (n)
		add_note(n, sb_visible(&vis, text));
	sb_free(&vis);
	return 0;
}

static int print_header(void *ctx, const struct store_session_row *r)
{
	const char *want = ctx;
	char dur[40] = "running", d[32];

	if (strcmp(r->id, want))
		return 0;
	if (r->end_ns) {
		fmt_duration((uint64_t)(r->end_ns - r->start_ns), d, sizeof(d));
		snprintf(dur, sizeof(dur), "ran %s", d);
	}
	bool crashed = r->crashed || (!r->end_ns && liveness_crashed(r->id));
	if (crashed)
		snprintf(dur, sizeof(dur), "crashed"); /* app/liveness.h */
	struct strbuf vis = STRBUF_INIT;

	printf("session %s", sb_visible(&vis, r->id));
	if (*r->agent)
		printf("  agent=%s", sb_visible(&vis, r->agent));
	if (*r->project)
		printf("  project=%s", sb_visible(&vis, r->project));
	sb_free(&vis);
	printf("  %s", dur);
	/* the root's exit, when the session knows it (a watched tree has none) */
	if (!crashed && r->end_ns && r->exit_signal > 0 && signal_name((int)r->exit_signal))
		printf("  root killed by %s", signal_name((int)r->exit_signal));
	else if (!crashed && r->end_ns && r->exit_signal > 0)
		printf("  root killed by signal %" PRId64, r->exit_signal);
	else if (!crashed && r->end_ns && r->exit_code >= 0)
		printf("  root exit code %" PRId64, r->exit_code);
	printf("  %" PRId64 " processes, %" PRId64 " events, %" PRId64 " drops\n", r->processes,
	       r->events, r->drops);
	return 0;
}

/* The header's LLM line, when the session made model or tool calls. */
static void print_llm_header(struct store *st, const char *id)
{
	struct store_llm_summary s;
	struct strbuf vis = STRBUF_INIT;

	if (store_llm_summary(st, id, &s) || (!s.calls && !s.tool_calls && !s.mismatches))
		return;
	printf("llm: %" PRId64 " model calls, tokens %" PRId64 " in / %" PRId64 " out", s.calls,
	       s.in_tokens, s.out_tokens);
	if (s.priced)
		printf(", cost $%.6f", s.cost_usd);
	if (s.priced < s.calls)
		printf(" (%" PRId64 " calls not priced)", s.calls - s.priced);
	printf("; %" PRId64 " tool calls%s%s", s.tool_calls, s.tool_calls ? ": " : "",
	       sb_visible(&vis, s.tools));
	printf("; %" PRId64 " intent mismatches%s%s\n", s.mismatches, s.mismatches ? ": " : "",
	       sb_visible(&vis, s.mismatch_by));
	sb_free(&vis);
}

int cmd_tree(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0}};
	const char *db = NULL;
	struct forest f = {0};
	struct store st;
	char id[64];
	size_t i;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h': puts("usage: proctor tree [SESSION] [--db PATH]"); return 0;
		case ':':
			err_msg("%s: option '%s' needs a value\n%s", argv[0], argv[optind - 1],
				tree_usage);
			return EXIT_USAGE;
		default:
			err_msg("tree: unknown option '%s'\n%s", argv[optind - 1], tree_usage);
			return EXIT_USAGE;
		}
	}
	if ((rc = cli_open_session(argc, argv, db, &st, id, sizeof(id))))
		return rc;
	store_foreach_session(&st, print_header, id);
	print_llm_header(&st, id);
	if (store_foreach_process(&st, id, collect, &f)) {
		err_msg("reading processes: %s", store_errmsg(&st));
		store_close(&st);
		return 1;
	}
	if (pid_index_build(&f.ix, f.len, pid_at, born_at, &f)) {
		err_msg("tree: out of memory");
		store_close(&st);
		return 1;
	}
	link_parents(&f);
	store_foreach_tree_note(&st, id, sensitive_path_globs, note_of, &f);
	store_foreach_tool_exec(&st, id, tool_of, &f);
	for (i = 0; i < f.len; i++)
		if (f.n[i].parent < 0)
			print_node(&f, (int)i, "", true, true);
	for (i = 0; i < f.len; i++) {
		free(f.n[i].exe);
		free(f.n[i].cmdline);
		free(f.n[i].comm);
		free(f.n[i].signal);
		free(f.n[i].notes);
		free(f.n[i].tool_id);
		free(f.n[i].tool_line);
	}
	free(f.n);
	pid_index_free(&f.ix);
	store_close(&st);
	return 0;
}
