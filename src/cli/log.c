/* log.c: `proctor log [SESSION] [--type T] [--pid P] [--path GLOB] [--host H] [--escape]
 *  [--json] [--local] [--date] [--follow]`:
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

static const char log_usage[] = "usage: proctor log [SESSION] [--type PREFIX] [--pid PID] [--path "
				"GLOB] [--host NAME] [--escape] [--json] [--local] [--date] "
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

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
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

static void peer_of(json_t *ev, struct peer_key *k)
{
	k->pid = json_integer_value(json_object_get(ev, "process.pid"));
	k->port = json_integer_value(json_object_get(ev, "network.peer.port"));
	snprintf(k->addr, sizeof(k->addr), "%s", jstr(ev, "network.peer.address"));
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
	json_t *ev = json_loads(json, 0, NULL);
	const char *type = jstr(ev, "type");
	struct peer_key k;
	long long t;
	int rc = 0;

	t = parse_time(jstr(ev, "time"));
	release_old(o, t, false);
	sb_reset(sb);
	put_time(sb, o, t);
	sb_put_visible(&who, jstr(ev, "process.name"), strlen(jstr(ev, "process.name")));
	sb_printf(&who, "[%lld]",
		  (long long)json_integer_value(json_object_get(ev, "process.pid")));
	sb_printf(sb, " %-22s ", sb_cstr(&who));
	sb_printf(sb, "%-18s ", sb_visible(&v, type));
	sb_puts(sb, sb_visible(&v, summary));
	sb_putc(sb, '\n');
	peer_of(ev, &k);
	if (!strcmp(type, "net.flow") && !connect_seen(o, &k)) {
		rc = hold_flow(o, &k, t, sb_cstr(sb));
	} else {
		fputs(sb_cstr(sb), stdout);
		if (!strcmp(type, "net.connect") || !strcmp(type, "net.send"))
			connect_printed(o, &k);
	}
	json_decref(ev);
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
		{"json", no_argument, 0, 'j'},	     {"db", required_argument, 0, 'd'},
		{"type", required_argument, 0, 't'}, {"pid", required_argument, 0, 'p'},
		{"path", required_argument, 0, 'P'}, {"help", no_argument, 0, 'h'},
		{"escape", no_argument, 0, 'e'},     {"host", required_argument, 0, 'H'},
		{"local", no_argument, 0, 'l'},	     {"date", no_argument, 0, 'D'},
		{"follow", no_argument, 0, 'f'},     {0},
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
