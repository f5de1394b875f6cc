/* watch.c: `proctor watch`: adopt what is already running (a process and
 * its descendants, or a cgroup) into a new session of an in-process engine
 * and record it from now on, until it ends or Ctrl-C. Adoption itself is
 * src/app/adopt.c; this file has only the options, the loop and messages. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/adopt.h"
#include "app/app.h"
#include "cli/cli.h"
#include "store/store.h"
#include "util/util.h"

struct watch_opts {
	const char *agent, *project, *db, *jsonl, *config, *cgroup, *container;
	uint32_t pid;
};

static const char watch_usage[] =
	"usage: proctor watch (--pid PID | --cgroup PATH | --container NAME|ID) [OPTIONS]\n"
	"  --pid PID          adopt PID and its descendants from now on (they move into\n"
	"                     a session cgroup, and back when the watch ends)\n"
	"  --cgroup PATH      adopt a cgroup (path in the cgroup2 mount or as in\n"
	"                     /proc/PID/cgroup) and every cgroup below it, in place\n"
	"  --container REF    adopt a running podman or docker container by name or id;\n"
	"                     records carry container.*; agent and project default to\n"
	"                     its labels " CONTAINER_LABEL_AGENT " and " CONTAINER_LABEL_PROJECT
	"\n"
	"  --agent NAME       attribution label (e.g. codex)\n"
	"  --project NAME     attribution label\n"
	"  --db PATH|none     SQLite store (default $PROCTOR_DB or /var/lib/proctor/proctor.db)\n"
	"  --jsonl PATH|-     also write JSON lines to PATH or stdout\n"
	"  --config FILE      pipeline configuration (sinks, filters, redaction)\n"
	"Records until the adopted processes are gone, or until SIGINT/SIGTERM.\n";

static int parse_watch_opts(int argc, char **argv, struct watch_opts *o)
{
	static const struct option longopts[] = {
		{"pid", required_argument, 0, 'P'},
		{"cgroup", required_argument, 0, 'C'},
		{"container", required_argument, 0, 'K'},
		{"agent", required_argument, 0, 'a'},
		{"project", required_argument, 0, 'p'},
		{"db", required_argument, 0, 'd'},
		{"jsonl", required_argument, 0, 'j'},
		{"config", required_argument, 0, 'c'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (parse_u64(optarg, &v) || !v || v > 0x7fffffff) {
				err_msg("--pid: '%s' is not a process id", optarg);
				return -1;
			}
			o->pid = (uint32_t)v;
			break;
		case 'C': o->cgroup = optarg; break;
		case 'K': o->container = optarg; break;
		case 'a': o->agent = optarg; break;
		case 'p': o->project = optarg; break;
		case 'd': o->db = optarg; break;
		case 'j': o->jsonl = optarg; break;
		case 'c': o->config = optarg; break;
		case 'h': fputs(watch_usage, stdout); exit(0);
		case ':':
			err_msg("option '%s' needs a value\n%s", argv[optind - 1], watch_usage);
			return -1;
		default:
			err_msg("unknown option '%s'\n%s", argv[optind - 1], watch_usage);
			return -1;
		}
	}
	if (optind < argc) {
		err_msg("unexpected argument '%s'\n%s", argv[optind], watch_usage);
		return -1;
	}
	if (!!o->pid + !!o->cgroup + !!o->container != 1) {
		err_msg("give one of --pid PID, --cgroup PATH or --container NAME|ID\n%s",
			watch_usage);
		return -1;
	}
	return 0;
}

static int open_sinks(struct app *a, const struct watch_opts *o)
{
	const char *db = o->db ? o->db : store_default_path();
	struct app_sinks as = {
		.store = strcmp(db, "none") ? db : NULL,
		.jsonl = o->jsonl,
	};
	char err[4800];

	if (app_open_sinks(a, &as, err, sizeof(err)) ||
	    (o->config && app_load_config(a, o->config, err, sizeof(err)))) {
		err_msg("%s", err);
		return -1;
	}
	if (!a->pipeline.nsinks) {
		err_msg("--db none leaves nothing to record to: add --jsonl PATH|- or a --config "
			"with sinks");
		return -1;
	}
	return 0;
}

/* The session's user: the adopted process's owner (root for a cgroup). */
static void session_user(struct session *s, uint32_t pid)
{
	char path[64];
	struct stat sb;
	struct passwd *pw;

	snprintf(path, sizeof(path), "/proc/%u", pid);
	if (pid && !stat(path, &sb) && (pw = getpwuid(sb.st_uid)))
		snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	else if (pid && !stat(path, &sb))
		snprintf(s->user, sizeof(s->user), "%u", (unsigned)sb.st_uid);
	else
		snprintf(s->user, sizeof(s->user), "root");
}

/* Until the adopted processes are gone or a stop signal arrives. */
static void watch_loop(struct app *a, const struct adopt *ad, int sfd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN}, out[4];
	struct signalfd_siginfo si;
	bool stop = false;

	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = probe_fd(&a->probe);
	epoll_ctl(ep, EPOLL_CTL_ADD, ev.data.fd, &ev);
	while (!stop) {
		int n = epoll_wait(ep, out, 4, 50), i;
		for (i = 0; i < n; i++)
			if (out[i].data.fd == sfd && read(sfd, &si, sizeof(si)) == sizeof(si))
				stop = true;
		app_drain(a);
		if (!adopt_alive(ad))
			break;
	}
	close(ep);
}

static void print_summary(const struct session *s, uint64_t t0)
{
	char dur[32];

	fmt_duration(now_monotonic_ns() - t0, dur, sizeof(dur));
	fprintf(stderr, "proctor: session %s (adopted)%s%s%s%s\n", s->id,
		*s->agent ? " agent=" : "", s->agent, *s->project ? " project=" : "", s->project);
	fprintf(stderr, "proctor: %s, %llu processes, %llu events, %llu drops%s\n", dur,
		(unsigned long long)s->processes, (unsigned long long)s->events,
		(unsigned long long)s->drops, s->drops ? " (events were lost)" : "");
}

/* Bad input fails here, before the programs load. */
static int check_target(struct app *a, const struct watch_opts *o, struct adopt *ad,
			struct container_meta *cm, char *err, size_t errlen)
{
	if (o->pid)
		return adopt_check_pid(a, o->pid, err, errlen);
	if (o->cgroup)
		return adopt_check_cgroup(ad, o->cgroup, err, errlen);
	return adopt_check_container(ad, o->container, cm, err, errlen);
}

int cmd_watch(int argc, char **argv)
{
	struct watch_opts o;
	struct app *a;
	struct session s;
	struct adopt ad;
	struct container_meta cm;
	sigset_t mask;
	char err[4096], what[4200];
	uint64_t t0 = now_monotonic_ns();
	int rc = EXIT_SETUP, sfd;

	if (parse_watch_opts(argc, argv, &o))
		return EXIT_USAGE;
	if (geteuid() != 0) {
		err_msg("proctor watch needs root to load its BPF programs: run it with sudo");
		return EXIT_SETUP;
	}
	if (!(a = calloc(1, sizeof(*a))))
		return EXIT_SETUP;
	if (app_init(a, err, sizeof(err))) {
		err_msg("%s", err);
		goto out;
	}
	if (check_target(a, &o, &ad, &cm, err, sizeof(err))) {
		err_msg("%s", err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (open_sinks(a, &o)) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (app_start_probe(a, 0, err, sizeof(err))) {
		err_msg("%s", err);
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);

	if (o.container) {
		/* the labels attribute unless the flags say otherwise */
		session_init(&s, o.agent ? o.agent : cm.agent, o.project ? o.project : cm.project);
		s.container = cm.c;
	} else
		session_init(&s, o.agent, o.project);
	session_user(&s, o.pid);
	if ((o.pid ? app_adopt_pid(a, &s, o.pid, &ad, err, sizeof(err))
		   : app_adopt_cgroup(a, &s, &ad, err, sizeof(err)))) {
		/* gone between the check and the move: still bad input */
		err_msg("%s", err);
		rc = errno == ESRCH || strstr(err, "has exited") ? EXIT_USAGE : EXIT_SETUP;
		goto out;
	}
	if (o.pid)
		snprintf(what, sizeof(what),
			 "the tree of pid %u (%zu processes moved into %.4000s)", o.pid, ad.nmoves,
			 ad.cg_rel);
	else if (o.container)
		snprintf(what, sizeof(what), "%s container %.256s (%.12s, cgroup %.3800s)",
			 cm.c.runtime, cm.c.name, cm.c.id, ad.cg_rel);
	else
		snprintf(what, sizeof(what), "cgroup %.4000s", ad.cg_rel);
	fprintf(stderr, "proctor: session %s: watching %s\n", s.id, what);
	watch_loop(a, &ad, sfd);
	app_release_adopted(a, &s, &ad);
	print_summary(&s, t0);
	rc = 0;
out:
	app_destroy(a);
	free(a);
	return rc;
}
