/* tree.c: `proctor tree [SESSION]`: the session's process lineage with
 * command lines, pids, exit codes and durations, readable at a glance. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/sensitive.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/util.h"

struct node {
	struct store_process_row row;
	char *exe, *cmdline, *comm, *signal;
	char *notes;	 /* activity lines, '\n'-separated, or NULL */
	int parent;	 /* index or -1 */
	int first_child; /* index or -1 */
	int next;	 /* next sibling or -1 */
};

struct forest {
	struct node *n;
	size_t len, cap;
};

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
	nd->notes = NULL;
	nd->parent = nd->first_child = nd->next = -1;
	return 0;
}

static int64_t born(const struct node *n)
{
	return n->row.start_ns ? n->row.start_ns : n->row.exec_ns;
}

/* The parent is the latest process with pid == ppid born before the child
 * (pids can be reused within a session). */
static void link_parents(struct forest *f)
{
	size_t i, j;
	int last_child_of[1];

	(void)last_child_of;
	for (i = 0; i < f->len; i++) {
		int best = -1;
		for (j = 0; j < f->len; j++) {
			if (j == i || f->n[j].row.pid != f->n[i].row.ppid)
				continue;
			if (born(&f->n[j]) > born(&f->n[i]))
				continue;
			if (best < 0 || born(&f->n[j]) > born(&f->n[best]))
				best = (int)j;
		}
		f->n[i].parent = best;
	}
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
		out[o++] = (char)(c < 0x20 ? '?' : c);
		if ((c & 0xc0) != 0x80)
			chars++;
	}
	out[o] = 0;
}

static void print_node(const struct forest *f, int i, const char *prefix, bool last, bool root)
{
	const struct node *n = &f->n[i];
	char dur[32] = "", child_prefix[1024], label[LABEL_MAX * 4 + 8];
	int c;

	one_line(*n->cmdline ? n->cmdline : n->comm, label, sizeof(label));

	if (n->row.end_ns && born(n))
		fmt_duration((uint64_t)(n->row.end_ns - born(n)), dur, sizeof(dur));
	printf("%s%s%s", prefix, root ? "" : (last ? "└─ " : "├─ "), label);
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
	size_t i;
	for (i = f->len; i-- > 0;)
		if (f->n[i].row.pid == pid)
			return &f->n[i];
	return NULL;
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

/* One SQL query per kind of activity; each row is (pid, note text). */
static const char *const annotation_sql[] = {
	/* a process that exec'd more than once (env, setsid, unshare, sudo ...) */
	"SELECT pid, 'exec chain: ' || group_concat(summary, ' ⇒ ') FROM ("
	" SELECT pid, substr(summary, 1, 80) AS summary FROM events"
	" WHERE session=?1 AND type='process.exec' ORDER BY id)"
	" GROUP BY pid HAVING count(*) > 1",
	/* files: opens, writes, metadata changes */
	"SELECT pid, 'files: ' || sum(CASE WHEN type='file.open' THEN"
	" coalesce(json_extract(data,'$.\"file.open_count\"'), 1) ELSE 0 END) || ' opened'"
	" || CASE WHEN sum(type='file.write') > 0 THEN ', ' || sum(type='file.write') || ' "
	"written' ELSE '' END"
	" || CASE WHEN sum(type='file.metadata') > 0 THEN ', ' || sum(type='file.metadata') || ' "
	"changed' ELSE '' END"
	" FROM events WHERE session=?1 AND type IN ('file.open','file.write','file.metadata')"
	" GROUP BY pid",
	/* sensitive reads: filled in with the glob list */
	NULL,
	/* network: flows with verdicts and bytes, and connects when no flows exist */
	"SELECT pid, 'net: ' || group_concat(dest, ', ') FROM ("
	" SELECT pid, coalesce(nullif(json_extract(data,'$.\"server.address\"'),''),"
	"  json_extract(data,'$.\"network.peer.address\"')) || ':' ||"
	"  coalesce(json_extract(data,'$.\"network.peer.port\"'),'')"
	"  || CASE WHEN type='net.flow' THEN ' ' || json_extract(data,'$.verdict') ||"
	"   ' (' || json_extract(data,'$.\"flow.bytes_out\"') || 'B out, ' ||"
	"   json_extract(data,'$.\"flow.bytes_in\"') || 'B in)' ELSE '' END AS dest"
	" FROM events WHERE session=?1 AND (type='net.flow' OR (type='net.connect' AND NOT EXISTS"
	"  (SELECT 1 FROM events f WHERE f.session=?1 AND f.type='net.flow')))"
	" GROUP BY pid, dest) GROUP BY pid",
	/* DNS names resolved */
	"SELECT pid, 'dns: ' || group_concat(DISTINCT json_extract(data,'$.\"dns.question.name\"'))"
	" FROM events WHERE session=?1 AND type='dns.query' GROUP BY pid",
	/* privilege changes and escape attempts */
	"SELECT pid, 'privilege: ' || group_concat(DISTINCT "
	"json_extract(data,'$.\"privilege.operation\"'))"
	" FROM events WHERE session=?1 AND type='security.privilege' GROUP BY pid",
	"SELECT pid, 'ESCAPE ATTEMPT: ' || group_concat(DISTINCT "
	"json_extract(data,'$.\"escape.category\"')"
	" || '(' || json_extract(data,'$.\"escape.syscall\"') || ')')"
	" FROM events WHERE session=?1 AND type='security.escape' GROUP BY pid",
	"SELECT pid, 'memory: ' || group_concat(DISTINCT "
	"json_extract(data,'$.\"memory.operation\"'))"
	" FROM events WHERE session=?1 AND type='security.memexec' GROUP BY pid",
};

static void sensitive_sql(struct strbuf *sb)
{
	size_t i;

	sb_puts(sb, "SELECT pid, 'SENSITIVE READ: ' || group_concat(DISTINCT path)"
		    " FROM events WHERE session=?1 AND type='file.open' AND (");
	for (i = 0; sensitive_path_globs[i]; i++)
		sb_printf(sb, "%spath GLOB '%s'", i ? " OR " : "", sensitive_path_globs[i]);
	sb_puts(sb, ") GROUP BY pid");
}

/* Per-process activity notes from the events table (SQLite JSON functions). */
static void annotate(struct store *st, const char *session, struct forest *f)
{
	struct strbuf sens = STRBUF_INIT;
	size_t k;

	sensitive_sql(&sens);
	for (k = 0; k < ARRAY_SIZE(annotation_sql); k++) {
		const char *sql = annotation_sql[k] ? annotation_sql[k] : sb_cstr(&sens);
		sqlite3_stmt *q;

		if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) {
			dbg_msg("tree annotation %zu: %s", k, sqlite3_errmsg(st->db));
			continue;
		}
		sqlite3_bind_text(q, 1, session, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(q) == SQLITE_ROW) {
			struct node *n = node_of(f, sqlite3_column_int64(q, 0));
			const unsigned char *t = sqlite3_column_text(q, 1);
			if (n && t)
				add_note(n, (const char *)t);
		}
		sqlite3_finalize(q);
	}
	sb_free(&sens);
}

static int print_header(void *ctx, const struct store_session_row *r)
{
	const char *want = ctx;
	char dur[32] = "running";

	if (strcmp(r->id, want))
		return 0;
	if (r->end_ns)
		fmt_duration((uint64_t)(r->end_ns - r->start_ns), dur, sizeof(dur));
	printf("session %s", r->id);
	if (*r->agent)
		printf("  agent=%s", r->agent);
	if (*r->project)
		printf("  project=%s", r->project);
	printf("  %s", dur);
	if (r->end_ns)
		printf("  exit %" PRId64, r->exit_code);
	printf("  %" PRId64 " processes, %" PRId64 " events, %" PRId64 " drops\n", r->processes,
	       r->events, r->drops);
	return 0;
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
			err_msg("%s: option '%s' needs a value", argv[0], argv[optind - 1]);
			return EXIT_USAGE;
		default: err_msg("tree: unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
		}
	}
	if ((rc = cli_open_session(argc, argv, db, &st, id, sizeof(id))))
		return rc;
	store_foreach_session(&st, print_header, id);
	if (store_foreach_process(&st, id, collect, &f)) {
		err_msg("reading processes: %s", sqlite3_errmsg(st.db));
		store_close(&st);
		return 1;
	}
	link_parents(&f);
	annotate(&st, id, &f);
	for (i = 0; i < f.len; i++)
		if (f.n[i].parent < 0)
			print_node(&f, (int)i, "", true, true);
	for (i = 0; i < f.len; i++) {
		free(f.n[i].exe);
		free(f.n[i].cmdline);
		free(f.n[i].comm);
		free(f.n[i].signal);
		free(f.n[i].notes);
	}
	free(f.n);
	store_close(&st);
	return 0;
}
