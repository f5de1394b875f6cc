/* log.c: `proctor log [SESSION] [--type T] [--pid P] [--path GLOB] [--host H] [--escape]
 *  [--tool-call ID] [--json] [--local] [--date] [--follow]`:
 * a session's events in order, as JSON lines (the contract, in store order) or
 * one readable line each: time (UTC unless --local, zone named), process
 * name[pid], type, the stored summary. The readable lines hold a flow back
 * until its own connect has been printed. --follow tails a live session
 * until it ends. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/api.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/util.h"

static const char log_usage[] =
	"usage: proctor log [SESSION] [--type PREFIX] [--pid PID] [--path "
	"GLOB] [--host NAME] [--escape] [--tool-call ID] [--json] [--local] [--date] "
	"[--follow] [--db PATH]";

/* A flow waits at most this long (event time) for its connect. */
#define FLOW_WAIT_NS	1000000000LL
#define MAX_PENDING	64
#define RECENT_CONNECTS 256
#define FOLLOW_POLL_US	200000

/* Who a connect or a flow is: the process and the peer. */
struct peer_key {
	long long pid, port;
	char addr[64];
};

struct pending_flow {
	struct peer_key key;
	long long time_ns;
	char *line;
};

struct log_out {
	bool local, date;
	struct strbuf line;
	struct pending_flow pending[MAX_PENDING];
	int npending;
	struct peer_key recent[RECENT_CONNECTS]; /* a ring of the last connects printed */
	int nrecent;
};

static int print_json(void *ctx, const char *json, const char *summary)
{
	(void)ctx, (void)summary;
	puts(json);
	return 0;
}

/* The value of a top-level key of the store's compact JSON, decoded by
 * jansson without parsing the whole record (the text log reads 4-6 keys of
 * ~40). A key's pattern "KEY": cannot occur inside a string value: every
 * quote there is escaped. NULL when absent. */
static json_t *value_of(const char *json, const char *key)
{
	char pat[64];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if (!(p = strstr(json, pat)))
		return NULL;
	p += strlen(pat);
	if (*p == '"') {
		for (e = p + 1; *e && *e != '"'; e++)
			if (*e == '\\' && e[1])
				e++;
		if (*e)
			e++;
	} else {
		for (e = p; *e && *e != ',' && *e != '}'; e++)
			;
	}
	return json_loadb(p, (size_t)(e - p), JSON_DECODE_ANY, NULL);
}

/* What a readable line shows of an event besides its summary. */
struct line_fields {
	char time[48], type[64], name[256];
	struct peer_key peer; /* pid, and the peer of a net.* event */
};

static void copy_str(const char *json, const char *key, char *out, size_t len)
{
	json_t *v = value_of(json, key);

	snprintf(out, len, "%s", json_string_value(v) ? json_string_value(v) : "");
	json_decref(v);
}

static long long get_int(const char *json, const char *key)
{
	json_t *v = value_of(json, key);
	long long n = json_integer_value(v);

	json_decref(v);
	return n;
}

static void read_fields(const char *json, struct line_fields *lf)
{
	copy_str(json, "time", lf->time, sizeof(lf->time));
	copy_str(json, "type", lf->type, sizeof(lf->type));
	copy_str(json, "process.name", lf->name, sizeof(lf->name));
	lf->peer = (struct peer_key){.pid = get_int(json, "process.pid")};
	if (!strncmp(lf->type, "net.", 4)) {
		lf->peer.port = get_int(json, "network.peer.port");
		copy_str(json, "network.peer.address", lf->peer.addr, sizeof(lf->peer.addr));
	}
}

/* "2026-12-07T02:31:53.506873956Z" -> ns since the epoch; -1 if malformed. */
static long long parse_time(const char *s)
{
	struct tm tm = {0};
	char frac[16] = "";
	long long ns = 0;
	int i;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%9[0-9]Z", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac) < 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	for (i = 0; i < 9; i++)
		ns = ns * 10 + (frac[i] >= '0' && frac[i] <= '9' ? frac[i] - '0' : 0);
	return (long long)timegm(&tm) * 1000000000LL + ns;
}

/* HH:MM:SS.mmm ZONE, with the date first under --date. */
static void put_time(struct strbuf *sb, const struct log_out *o, long long ns)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;
	char buf[64];

	if (ns < 0) {
		sb_puts(sb, "(no time)");
		return;
	}
	if (o->local)
		localtime_r(&sec, &tm);
	else
		gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), o->date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
	sb_printf(sb, "%s.%03lld ", buf, ns / 1000000 % 1000);
	if (o->local)
		strftime(buf, sizeof(buf), "%Z", &tm);
	sb_puts(sb, o->local ? buf : "UTC");
}

static bool same_peer(const struct peer_key *a, const struct peer_key *b)
{
	return a->pid == b->pid && a->port == b->port && !strcmp(a->addr, b->addr);
}

static void release(struct log_out *o, int i)
{
	fputs(o->pending[i].line, stdout);
	free(o->pending[i].line);
	memmove(&o->pending[i], &o->pending[i + 1], (o->npending - i - 1) * sizeof(o->pending[0]));
	o->npending--;
}

/* Flows that waited long enough (or all, at the end). */
static void release_old(struct log_out *o, long long now_ns, bool all)
{
	while (o->npending && (all || now_ns - o->pending[0].time_ns > FLOW_WAIT_NS))
		release(o, 0);
}

static bool connect_seen(const struct log_out *o, const struct peer_key *k)
{
	int i, n = o->nrecent < RECENT_CONNECTS ? o->nrecent : RECENT_CONNECTS;

	for (i = 0; i < n; i++)
		if (same_peer(&o->recent[i], k))
			return true;
	return false;
}

static int hold_flow(struct log_out *o, const struct peer_key *k, long long t, const char *line)
{
	char *copy = strdup(line);

	if (!copy)
		return -1;
	if (o->npending == MAX_PENDING)
		release(o, 0);
	o->pending[o->npending++] = (struct pending_flow){.key = *k, .time_ns = t, .line = copy};
	return 0;
}

/* A connect was printed: remember it, and print the flows that waited for it. */
static void connect_printed(struct log_out *o, const struct peer_key *k)
{
	int i = 0;

	o->recent[o->nrecent++ % RECENT_CONNECTS] = *k;
	while (i < o->npending)
		if (same_peer(&o->pending[i].key, k))
			release(o, i);
		else
			i++;
}

/* Every value is shown visibly escaped: a hostile name cannot start a line
 * or reach the terminal as a control sequence. */
static int print_text(void *ctx, const char *json, const char *summary)
{
	struct log_out *o = ctx;
	struct strbuf *sb = &o->line, v = STRBUF_INIT, who = STRBUF_INIT;
	struct line_fields lf;
	long long t;
	int rc = 0;

	read_fields(json, &lf);
	t = parse_time(lf.time);
	release_old(o, t, false);
	sb_reset(sb);
	put_time(sb, o, t);
	sb_put_visible(&who, lf.name, strlen(lf.name));
	sb_printf(&who, "[%lld]", lf.peer.pid);
	sb_printf(sb, " %-22s ", sb_cstr(&who));
	sb_printf(sb, "%-18s ", sb_visible(&v, lf.type));
	sb_puts(sb, sb_visible(&v, summary));
	sb_putc(sb, '\n');
	if (!strcmp(lf.type, "net.flow") && !connect_seen(o, &lf.peer)) {
		rc = hold_flow(o, &lf.peer, t, sb_cstr(sb));
	} else {
		fputs(sb_cstr(sb), stdout);
		if (!strcmp(lf.type, "net.connect") || !strcmp(lf.type, "net.send"))
			connect_printed(o, &lf.peer);
	}
	sb_free(&v);
	sb_free(&who);
	return rc;
}

static int session_end(void *ctx, const struct store_session_row *r)
{
	*(int64_t *)ctx = r->end_ns;
	return 0;
}

/* --follow: what the session stores next, until it has ended and its last
 * events were printed. */
static int follow(struct store *st, struct store_event_filter *f, bool json, struct log_out *o)
{
	struct store_session_query q = {.id = f->session};
	int64_t last = f->after_id, end = 0;
	bool ended = false;
	int rc;

	for (;;) {
		f->after_id = last;
		f->last_id = &last;
		if ((rc = store_foreach_event(st, f, json ? print_json : print_text, o)))
			return rc;
		fflush(stdout);
		if (last != f->after_id)
			continue;
		release_old(o, 0, true); /* nothing new: held flows wait no longer */
		fflush(stdout);
		if (ended)
			return 0;
		if (store_api_sessions(st, &q, session_end, &end))
			return -1;
		ended = end != 0; /* one more read: what was stored before the end */
		if (!ended)
			usleep(FOLLOW_POLL_US);
	}
}

static int print_log(struct store *st, struct store_event_filter *f, bool json, bool tail,
		     struct log_out *o)
{
	int rc;

	if (tail)
		rc = follow(st, f, json, o);
	else
		rc = store_foreach_event(st, f, json ? print_json : print_text, o);
	release_old(o, 0, true);
	sb_free(&o->line);
	return rc;
}

int cmd_log(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, 'j'},
		{"db", required_argument, 0, 'd'},
		{"type", required_argument, 0, 't'},
		{"pid", required_argument, 0, 'p'},
		{"path", required_argument, 0, 'P'},
		{"help", no_argument, 0, 'h'},
		{"escape", no_argument, 0, 'e'},
		{"host", required_argument, 0, 'H'},
		{"local", no_argument, 0, 'l'},
		{"date", no_argument, 0, 'D'},
		{"follow", no_argument, 0, 'f'},
		{"tool-call", required_argument, 0, 'T'},
		{0},
	};
	static struct log_out out;
	struct store_event_filter f = {0};
	const char *db = NULL;
	bool json = false, tail = false;
	struct store st;
	char id[64];
	int c, pid, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'd': db = optarg; break;
		case 't': f.type_prefix = optarg; break;
		case 'P': f.path_glob = optarg; break;
		case 'e': f.type_prefix = "security.escape"; break; /* escape attempts only */
		case 'H': f.host = optarg; break;
		case 'T':
			if (!*optarg || strlen(optarg) > 127 || strpbrk(optarg, " \t\n\"\\")) {
				err_msg("log: --tool-call '%s' is not a tool call id (like "
					"toolu_01...)",
					optarg);
				return EXIT_USAGE;
			}
			f.tool_call = optarg; /* what the tool call caused, and the call itself */
			break;
		case 'l': out.local = true; break;
		case 'D': out.date = true; break;
		case 'f': tail = true; break;
		case 'p':
			if (parse_int(optarg, &pid) || pid <= 0) {
				err_msg("log: --pid '%s' is not a process id", optarg);
				return EXIT_USAGE;
			}
			f.pid = pid;
			break;
		case 'h': puts(log_usage); return 0;
		case ':':
			err_msg("%s: option '%s' needs a value\n%s", argv[0], argv[optind - 1],
				log_usage);
			return EXIT_USAGE;
		default:
			err_msg("log: unknown option '%s'\n%s", argv[optind - 1], log_usage);
			return EXIT_USAGE;
		}
	}
	if ((rc = cli_open_session(argc, argv, db, &st, id, sizeof(id))))
		return rc;
	f.session = id;
	rc = print_log(&st, &f, json, tail, &out);
	if (rc)
		err_msg("reading events: %s", store_errmsg(&st));
	store_close(&st);
	return rc ? 1 : 0;
}
