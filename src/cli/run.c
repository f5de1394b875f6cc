/* run.c: `proctor run`: record CMD and everything it starts. The command is
 * forked, drops privileges, and waits until the parent has moved it into a
 * fresh session cgroup that the BPF programs already track; only then does
 * it exec, so its first instruction is recorded. Signals are forwarded, and
 * after CMD exits, leftovers are recorded for a grace period and then killed
 * with the cgroup, so nothing unrecorded outlives the session. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "cli/run_opts.h"
#include "daemon/proto.h"
#include "app/metrics.h"
#include "pipeline/config.h"
#include "pipeline/redact_rules.h"
#include "enforce/enforce.h"
#include "enforce/fan_rules.h"
#include "enforce/landlock.h"
#include "policy/policy.h"
#include "probe/cgroup.h"
#include "egress/session.h"
#include "app/app.h"
#include "app/liveness.h"
#include "app/supervise.h"
#include "store/store.h"
#include "util/strbuf.h"
#include "util/util.h"

struct target_user {
	bool set;
	uid_t uid;
	gid_t gid;
	char name[64], home[1024], shell[256];
};

static int resolve_user(const char *name, struct target_user *u)
{
	const char *sudo_user = getenv("SUDO_USER");
	struct passwd *pw;
	uint64_t id;

	memset(u, 0, sizeof(*u));
	if (!name && sudo_user && *sudo_user && strcmp(sudo_user, "root"))
		name = sudo_user;
	if (!name)
		return 0;
	if (!(pw = getpwnam(name)) && parse_u64(name, &id) == 0) {
		if (id >= (uint64_t)(uid_t)-1) {
			err_msg("--user: '%s' is not a user id", name);
			return -1;
		}
		/* A uid without a passwd entry: that uid and group, home "/". */
		if (!(pw = getpwuid((uid_t)id))) {
			u->set = true;
			u->uid = u->gid = (uid_t)id;
			snprintf(u->name, sizeof(u->name), "%s", name);
			snprintf(u->home, sizeof(u->home), "/");
			snprintf(u->shell, sizeof(u->shell), "/bin/sh");
			return 0;
		}
	}
	if (!pw) {
		err_msg("--user: no such user '%s'", name);
		return -1;
	}
	u->set = true;
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir);
	snprintf(u->shell, sizeof(u->shell), "%s", pw->pw_shell);
	return 0;
}

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/* Block SIGCHLD and the forwarded signals and read them from a signalfd
 * (the old mask goes to *oldmask, for the child to restore). Become the
 * subreaper too: orphans of the session (daemons) reparent to us, not to an
 * init that may never reap them; the event loop reaps them. */
static int take_signals(sigset_t *oldmask)
{
	sigset_t mask;
	size_t i;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	for (i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, oldmask);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* The child: drop privileges, say so on ready_fd, wait for the go, exec.
 * The parent moves it into the tracked cgroup only after "ready", so the
 * privilege drop (ours, not the agent's) is never recorded. Exec failure
 * (errno) is reported through the close-on-exec err_fd. */
static void child_main(const struct run_opts *o, const struct target_user *u, int ready_fd,
		       int go_fd, int err_fd, const sigset_t *oldmask, int landlock_fd,
		       bool new_mntns)
{
	char c;
	int e;

	/* a copy of our mounts, for the policy's fanotify mount marks
	 * (enforce_wants_mntns); while we still may */
	if (new_mntns && unshare(CLONE_NEWNS)) {
		e = errno;
		(void)!write(err_fd, &e, sizeof(e));
		_exit(126);
	}
	if (u->set) {
		if (initgroups(u->name, u->gid) || setgid(u->gid) || setuid(u->uid)) {
			e = errno;
			(void)!write(err_fd, &e, sizeof(e));
			_exit(126);
		}
		setenv("HOME", u->home, 1);
		setenv("USER", u->name, 1);
		setenv("LOGNAME", u->name, 1);
	}
	/* for `proctor hook` (docs/POLICY.md "Feedback to the agent") */
	if (o->policy) {
		char *abs = realpath(o->policy, NULL), cwd[4096];
		setenv("PROCTOR_POLICY", abs ? abs : o->policy, 1);
		if (getcwd(cwd, sizeof(cwd)))
			setenv("PROCTOR_WORKSPACE", cwd, 1);
		free(abs);
	}
	/* files.write_only_under: irrevocable, inherited by all CMD runs */
	if ((e = -landlock_apply(landlock_fd))) {
		(void)!write(err_fd, &e, sizeof(e));
		_exit(126);
	}
	(void)!write(ready_fd, "r", 1);
	close(ready_fd);
	if (read(go_fd, &c, 1) != 1)
		_exit(125); /* parent gave up */
	close(go_fd);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	execvp(o->cmd[0], o->cmd);
	e = errno;
	(void)!write(err_fd, &e, sizeof(e));
	_exit(e == ENOENT ? 127 : 126);
}

struct run_state {
	struct app rec;
	struct egress_session eg;
	struct policy policy;
	struct session ses;
	struct supervisor sv;
	int live_fd; /* app/liveness.h */
	char cg_abs[4096], cg_rel[4096];
	pid_t child;
	int child_status;
	bool child_done;
	/* the escalation's cgroup.kill: why, and what it killed */
	char kill_reason[64], killed[512];
	size_t nkilled;
	bool loss_kill; /* via the daemon, --on-daemon-loss kill */
};

/* Returns 0, or the exit status: EXIT_USAGE when no sink is left. */
/* --otlp-agent-env: CMD inherits it. The endpoint always points here; the
 * other OTEL_* variables keep a value the caller set. */
static void setenv_otel(struct app *r)
{
	const char *const *e = app_telemetry_env(r);
	char name[64];

	for (; e && *e; e++) {
		size_t n = strcspn(*e, "=");
		snprintf(name, sizeof(name), "%.*s", (int)n, *e);
		setenv(name, *e + n + 1, !strcmp(name, "OTEL_EXPORTER_OTLP_ENDPOINT"));
	}
}

static int setup_sinks(struct run_state *st, const struct run_opts *o)
{
	/* The files first: one that cannot be opened is a set-up failure (3);
	 * a malformed URL or config file is bad usage (2). */
	struct app_sinks files = {
		.store = run_opts_no_store(o) ? NULL
			 : o->db	      ? o->db
					      : store_default_path(),
		.jsonl = o->jsonl,
	};
	struct app_sinks as = {
		.exports = o->exports,
		.nexports = o->nexports,
	};
	char err[4800];

	if (app_open_sinks(&st->rec, &files, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_SETUP;
	}
	if (app_open_sinks(&st->rec, &as, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_USAGE; /* a rejected export URL */
	}
	if (o->config && app_load_config(&st->rec, o->config, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_USAGE; /* an invalid file, like --policy */
	}
	if (o->redact_rules &&
	    redact_rules_load(st->rec.pipeline.redactor, o->redact_rules, err, sizeof(err)) < 0) {
		err_msg("%s", err);
		return EXIT_USAGE;
	}
	if (!st->rec.pipeline.nsinks) {
		err_msg(NO_SINK_MSG);
		return EXIT_USAGE;
	}
	if (o->metrics && metrics_start(o->metrics, &st->rec.pipeline, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_SETUP;
	}
	if (o->otlp_receiver && app_telemetry_start(&st->rec, o->otlp_receiver, err, sizeof(err))) {
		err_msg("--otlp-receiver %s", err);
		return EXIT_SETUP;
	}
	if (o->otlp_agent_env)
		setenv_otel(&st->rec);
	return 0;
}

static int setup_cgroup(struct run_state *st)
{
	char mnt[4096], err[512];

	if (cgroup2_mount(mnt, sizeof(mnt), err, sizeof(err)) ||
	    cgroup_create(mnt, st->ses.id, st->cg_abs, sizeof(st->cg_abs), st->cg_rel,
			  sizeof(st->cg_rel), err, sizeof(err))) {
		err_msg("%s", err);
		return -1;
	}
	if (cgroup_id(st->cg_abs, &st->ses.cgroup_id)) {
		err_msg("cannot stat cgroup %s: %s", st->cg_abs, strerror(errno));
		return -1;
	}
	snprintf(st->ses.cgroup_path, sizeof(st->ses.cgroup_path), "%s", st->cg_abs);
	return 0;
}

/* Network: cgroup programs, policy, bypass endpoint; before CMD starts. */
static int setup_egress(struct run_state *st, const struct run_opts *o)
{
	char err[512];

	if (app_add_egress(&st->rec, &st->eg, st->cg_abs, &st->ses, err, sizeof(err)) ||
	    egress_set_policy(&st->eg, o->policy ? &st->policy.egress : NULL, o->egress_mode, err,
			      sizeof(err))) {
		err_msg("%s", err);
		return -1;
	}
	st->eg.udp_idle_ns = o->flow_idle_ns;
	if (st->eg.has_policy && egress_ctl_listen(&st->eg, err, sizeof(err)))
		err_msg("warning: %s (proctor bypass will not reach this session)", err);
	return 0;
}

/* TCP flows still open: give their close callbacks up to 200 ms, then
 * flush whatever is left. */
static void finish_egress(struct run_state *st)
{
	uint64_t until = now_monotonic_ns() + 200000000ull;

	while (now_monotonic_ns() < until && egress_pending_tcp(&st->eg)) {
		app_drain(&st->rec);
		usleep(10000);
	}
	app_drain(&st->rec);
	egress_tick(&st->eg, true);
	app_remove_egress(&st->rec, &st->eg);
}

/* Reap CMD and any orphan of the session (we are its subreaper). */
static void reap(struct run_state *st)
{
	int status;
	pid_t p;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p == st->child) {
			st->child_status = status;
			st->child_done = true;
		}
	}
}

static void forward_signal(struct run_state *st, const struct signalfd_siginfo *si)
{
	/* Terminal-generated signals already reached CMD (same process group). */
	if (si->ssi_code == SI_KERNEL &&
	    (si->ssi_signo == SIGINT || si->ssi_signo == SIGQUIT || si->ssi_signo == SIGWINCH))
		return;
	if (!st->child_done)
		kill(st->child, (int)si->ssi_signo);
}

/* What the escalation killed, for the summary: the processes in the
 * session cgroup just before cgroup.kill. */
static void note_killed(void *ctx, uint32_t pid)
{
	struct run_state *st = ctx;
	char path[64], comm[64] = "?";
	size_t off = strlen(st->killed);
	long n;

	st->nkilled++;
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	if ((n = read_small_file(path, comm, sizeof(comm))) > 0 && comm[n - 1] == '\n')
		comm[n - 1] = 0;
	if (st->nkilled <= 8)
		snprintf(st->killed + off, sizeof(st->killed) - off, "%s%s(%u)", off ? ", " : "",
			 comm, pid);
	else if (st->nkilled == 9)
		snprintf(st->killed + off, sizeof(st->killed) - off, ", ...");
}

static void kill_session(struct run_state *st, const char *why)
{
	snprintf(st->kill_reason, sizeof(st->kill_reason), "%s", why);
	proctree_scan_cgroup(st->cg_rel, note_killed, st);
	dbg_msg("%s: killing what is left in %s", why, st->cg_abs);
	cgroup_kill(st->cg_abs);
}

/* Event loop until CMD exits, then the grace period, then the kill. A
 * first SIGTERM/SIGINT is forwarded and starts the grace period too; a
 * second one, or the grace running out, ends the session with cgroup.kill. */
static void event_loop(struct run_state *st, int sfd, uint64_t grace_ns)
{
	int ep = epoll_create1(EPOLL_CLOEXEC), rbfd = probe_fd(&st->rec.probe), stops = 0;
	struct epoll_event ev = {.events = EPOLLIN}, out[4];
	uint64_t deadline = 0, now;
	bool killed = false;

	ev.data.fd = sfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = rbfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, rbfd, &ev);
	for (;;) {
		int n = epoll_wait(ep, out, 4, 50), i;
		for (i = 0; i < n; i++) {
			if (out[i].data.fd == sfd) {
				struct signalfd_siginfo si;
				while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
					if (si.ssi_signo == SIGCHLD) {
						reap(st);
						continue;
					}
					if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
						stops++;
					if (stops >= 2 && !killed) {
						kill_session(st, si.ssi_signo == SIGTERM
									 ? "a second SIGTERM"
									 : "a second SIGINT");
						killed = true;
						deadline = now_monotonic_ns() + 5000000000ull;
					} else
						forward_signal(st, &si);
				}
			}
		}
		app_drain(&st->rec);
		egress_tick(&st->eg, false);
		now = now_monotonic_ns();
		if (!deadline && (st->child_done || stops))
			deadline = now + grace_ns;
		if (st->child_done && !cgroup_populated(st->cg_abs))
			break;
		if (!killed && deadline && now >= deadline) {
			kill_session(st, "the grace period ran out");
			killed = true;
			deadline = now + 5000000000ull;
		} else if (killed && now >= deadline && st->child_done) {
			err_msg("processes in %s survived SIGKILL", st->cg_abs);
			break;
		}
	}
	close(ep);
}

static void print_summary(const struct run_state *st, uint64_t t0)
{
	const struct session *s = &st->ses;
	char dur[32];

	fmt_duration(now_monotonic_ns() - t0, dur, sizeof(dur));
	struct strbuf agent = STRBUF_INIT, project = STRBUF_INIT;

	fprintf(stderr, "proctor: session %s%s%s%s%s\n", s->id, *s->agent ? " agent=" : "",
		sb_visible(&agent, s->agent), *s->project ? " project=" : "",
		sb_visible(&project, s->project));
	sb_free(&agent);
	sb_free(&project);
	fprintf(stderr, "proctor: %s, %llu processes, %llu events, %llu drops%s, exit %d\n", dur,
		(unsigned long long)s->processes, (unsigned long long)s->events,
		(unsigned long long)s->drops, s->drops ? " (events were lost)" : "", s->exit_code);
	if (s->kernel_drops)
		fprintf(stderr, "proctor: kernel ring buffer losses by type: %s\n",
			s->drops_detail);
	if (s->fail_closed || s->freezes) {
		fmt_duration(s->frozen_ns, dur, sizeof(dur));
		fprintf(stderr, "proctor: fail-closed: frozen %llu times, %s in all\n",
			(unsigned long long)s->freezes, dur);
	}
	if (*st->kill_reason) {
		struct strbuf k = STRBUF_INIT;
		fprintf(stderr, "proctor: %s: killed %zu process%s%s%s\n", st->kill_reason,
			st->nkilled, st->nkilled == 1 ? "" : "es", st->nkilled ? ": " : "",
			sb_visible(&k, st->killed));
		sb_free(&k);
	}
	egress_print_summary(&st->eg, stderr);
	if (verbose)
		app_print_stats(&st->rec, stderr);
	else
		app_print_losses(&st->rec, stderr);
}

static int exit_status_of(int status, struct session *s)
{
	if (WIFSIGNALED(status)) {
		s->exit_signal = WTERMSIG(status);
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/* Fork CMD's process; returns once it has dropped privileges and waits. */
static int spawn(struct run_state *st, const struct run_opts *o, const struct target_user *u,
		 const sigset_t *oldmask, int landlock_fd, bool new_mntns, int *go_w, int *err_r)
{
	int ready[2], go[2], errp[2];
	char c;

	if (pipe2(ready, O_CLOEXEC) || pipe2(go, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		err_msg("pipe: %s", strerror(errno));
		return -1;
	}
	st->child = fork();
	if (st->child < 0) {
		err_msg("fork: %s", strerror(errno));
		return -1;
	}
	if (st->child == 0) {
		close(ready[0]);
		close(go[1]);
		close(errp[0]);
		child_main(o, u, ready[1], go[0], errp[1], oldmask, landlock_fd, new_mntns);
	}
	close(ready[1]);
	close(go[0]);
	close(errp[1]);
	*go_w = go[1];
	*err_r = errp[0];
	/* EOF instead of "r": the drop failed; the error arrives on err_r. */
	(void)!read(ready[0], &c, 1);
	close(ready[0]);
	return 0;
}

/* The daemon's summary of a session, printed like print_summary's. */
static void print_daemon_summary(json_t *rep, uint64_t t0)
{
	const char *id = json_string_value(json_object_get(rep, "session"));
	const char *detail = json_string_value(json_object_get(rep, "drops_detail"));
	const char *egress = json_string_value(json_object_get(rep, "egress_summary"));
	json_int_t drops = json_integer_value(json_object_get(rep, "drops"));
	char dur[32];

	fmt_duration(now_monotonic_ns() - t0, dur, sizeof(dur));
	fprintf(stderr, "proctor: session %s (via the daemon)\n", id ? id : "?");
	fprintf(stderr, "proctor: %s, %lld processes, %lld events, %lld drops%s, exit %d\n", dur,
		(long long)json_integer_value(json_object_get(rep, "processes")),
		(long long)json_integer_value(json_object_get(rep, "events")), (long long)drops,
		drops ? " (events were lost)" : "",
		(int)json_integer_value(json_object_get(rep, "exit_code")));
	if (json_integer_value(json_object_get(rep, "kernel_drops")) && detail)
		fprintf(stderr, "proctor: kernel ring buffer losses by type: %s\n", detail);
	if (json_is_true(json_object_get(rep, "fail_closed"))) {
		fmt_duration((uint64_t)json_integer_value(json_object_get(rep, "frozen_ns")), dur,
			     sizeof(dur));
		fprintf(stderr, "proctor: fail-closed: frozen %lld times, %s in all\n",
			(long long)json_integer_value(json_object_get(rep, "freezes")), dur);
	}
	if (egress && *egress)
		fputs(egress, stderr); /* the daemon's egress_print_summary */
}

static json_t *begin_request(const struct run_opts *o, const struct target_user *u, pid_t pid,
			     json_t *policy)
{
	json_t *argv = json_array(), *req;
	int i;

	for (i = 0; i < o->cmdc; i++)
		json_array_append_new(argv, json_string(o->cmd[i]));
	req = json_pack("{s:s,s:s,s:s,s:s,s:o,s:i}", "op", "session.begin", "agent",
			o->agent ? o->agent : "", "project", o->project ? o->project : "", "user",
			u->set ? u->name : "root", "argv", argv, "pid", (int)pid);
	if (req && policy)
		json_object_set(req, "policy", policy);
	if (req && o->fail_closed) /* the daemon freezes only this session */
		json_object_set_new(req, "fail_closed", json_true());
	return req;
}

static void warn_gap(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "proctor: warning: policy: %s\n", msg);
}

/* --policy through the daemon: validated here (bad input exits 2 before
 * anything starts), its Landlock ruleset planned here for our child, and
 * the text sent with the environment it was read for (the daemon parses
 * it again and installs the rest: daemon/session_policy.h). Returns the
 * request's "policy" object, or NULL with the error reported. */
static json_t *daemon_policy(const struct run_opts *o, struct policy *p, struct landlock_plan *lp)
{
	char err[4096], *abs, *text = malloc(PROTO_MAX_MSG / 2);
	long n;
	json_t *obj = NULL;

	if (!text)
		return NULL;
	if (policy_load_enforceable(o->policy, p, err, sizeof(err))) {
		err_msg("invalid policy: %s", err);
		goto out;
	}
	policy_files_gaps(p, warn_gap, NULL);
	if (fan_rules_need_mounts(p)) {
		err_msg("invalid policy: %s: %s", o->policy, ENFORCE_NEEDS_LAUNCHER);
		goto out;
	}
	if (landlock_plan(p, lp, err, sizeof(err))) {
		err_msg("%s", err);
		goto out;
	}
	if ((n = read_small_file(o->policy, text, PROTO_MAX_MSG / 2)) < 0 ||
	    n >= PROTO_MAX_MSG / 2 - 1) {
		err_msg("%s: %s", o->policy,
			n < 0 ? strerror(errno) : "too large to send to the daemon");
		goto out;
	}
	abs = realpath(o->policy, NULL);
	obj = json_pack("{s:s,s:s%,s:s,s:s,s:i,s:I}", "name", abs ? abs : o->policy, "text", text,
			(size_t)n, "home", p->env.home, "workspace", p->env.workspace,
			"egress_mode", o->egress_mode, "flow_idle_ns", (json_int_t)o->flow_idle_ns);
	free(abs);
	if (!obj)
		err_msg("%s: not valid UTF-8 text", o->policy);
out:
	free(text);
	return obj;
}

/* A daemon that went away: try to take the session back from a new one
 * (it re-adopts the session from the pinned state); the fd, or -1. */
static int try_resume(const char *sid)
{
	char err[1200];
	int fd = daemon_resume(proto_socket_path(), sid, err, sizeof(err));

	if (fd >= 0)
		err_msg("the daemon is back: session %s resumed", sid);
	else
		dbg_msg("resuming session %s: %s", sid, err);
	return fd;
}

/* Wait for CMD (forwarding signals). A daemon that goes away is reported
 * once and the run goes on: the pinned programs keep recording it, and the
 * run takes its session back when a daemon answers again (every 200 ms). */
static void wait_child(struct run_state *st, int sfd, int *dfd, const char *sid,
		       const char *freeze_cg)
{
	struct pollfd pf[2] = {{.fd = sfd, .events = POLLIN}, {.fd = *dfd, .events = POLLIN}};
	struct signalfd_siginfo si;
	char c;

	while (!st->child_done) {
		if (poll(pf, pf[1].fd >= 0 ? 2 : 1, *dfd < 0 ? 200 : -1) < 0)
			continue;
		if (pf[0].revents)
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					reap(st);
				else
					forward_signal(st, &si);
			}
		if (pf[1].fd >= 0 && pf[1].revents && recv(*dfd, &c, 1, MSG_PEEK) <= 0) {
			close(*dfd);
			*dfd = pf[1].fd = -1;
			if (freeze_cg && !cgroup_freeze(freeze_cg, true))
				err_msg("warning: the daemon went away; CMD is frozen until a "
					"daemon takes the session back (--on-daemon-loss freeze)");
			else if (st->loss_kill) /* the daemon's watchdog kills it */
				err_msg("warning: the daemon went away; CMD is killed "
					"(--on-daemon-loss kill)");
			else
				err_msg("warning: the daemon went away; CMD keeps running, "
					"recorded until a daemon takes the session back");
		}
		if (*dfd < 0 && (*dfd = try_resume(sid)) >= 0) {
			pf[1].fd = *dfd;
			if (freeze_cg)
				cgroup_freeze(freeze_cg, false);
		}
	}
}

/* CMD is done but no daemon runs: wait up to PROCTOR_RESUME_WAIT seconds
 * (10) for one, for the summary. -1: none came (the next daemon ends the
 * session from the pinned state, with what the kernel buffered). */
static int wait_daemon(const char *sid)
{
	const char *v = getenv("PROCTOR_RESUME_WAIT");
	uint64_t until = now_monotonic_ns() + (uint64_t)(v && *v ? atof(v) * 1e9 : 10e9);
	int fd;

	while ((fd = try_resume(sid)) < 0 && now_monotonic_ns() < until)
		usleep(200000);
	if (fd < 0)
		err_msg("no daemon came back: session %s stays open until the next daemon "
			"starts (it ends it with every event buffered meanwhile)",
			sid);
	return fd;
}

/* `proctor run` through the daemon: it creates and tracks the session's
 * cgroup and moves our child in; we only spawn, relay and report. */
static int run_via_daemon(const struct run_opts *o, const struct target_user *u, int dfd,
			  uint64_t t0)
{
	char sid[64] = "", cg[4096] = "";
	const char *loss;
	struct run_state *st = calloc(1, sizeof(*st));
	sigset_t oldmask;
	char err[8192];
	int sfd, go_w, err_r, exec_errno = 0, rc = EXIT_SETUP;
	json_t *rep = NULL, *pol = NULL;
	struct landlock_plan lp = {.ruleset_fd = -1};

	if (!st)
		return EXIT_SETUP;
	if (o->policy && !(pol = daemon_policy(o, &st->policy, &lp))) {
		close(dfd);
		free(st);
		return EXIT_USAGE;
	}
	sfd = take_signals(&oldmask);
	if (spawn(st, o, u, &oldmask, lp.ruleset_fd, false, &go_w, &err_r))
		goto out;
	landlock_plan_free(&lp); /* the child has it */
	if (daemon_request(dfd, begin_request(o, u, st->child, pol), &rep, err, sizeof(err))) {
		err_msg("the daemon refused the session: %s", err);
		kill(st->child, SIGKILL);
		waitpid(st->child, NULL, 0);
		goto out;
	}
	snprintf(sid, sizeof(sid), "%s", json_string_value(json_object_get(rep, "session")));
	loss = json_string_value(json_object_get(rep, "on_daemon_loss"));
	if (loss && !strcmp(loss, "freeze"))
		snprintf(cg, sizeof(cg), "%s", json_string_value(json_object_get(rep, "cgroup")));
	st->loss_kill = loss && !strcmp(loss, "kill");
	dbg_msg("session %s in %s", sid, json_string_value(json_object_get(rep, "cgroup")));
	json_decref(rep);
	(void)!write(go_w, "g", 1);
	close(go_w);
	if (read(err_r, &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno))
		err_msg("cannot execute '%s': %s", o->cmd[0], strerror(exec_errno));
	close(err_r);
	wait_child(st, sfd, &dfd, sid, *cg ? cg : NULL);
	reap(st);
	rc = exit_status_of(st->child_status, &st->ses);
	if (dfd < 0 && (dfd = wait_daemon(sid)) < 0)
		goto out;
	if (daemon_request(dfd,
			   json_pack("{s:s,s:i,s:i,s:I}", "op", "session.end", "exit_code", rc,
				     "exit_signal", st->ses.exit_signal, "grace_ns",
				     (json_int_t)o->grace_ns),
			   &rep, err, sizeof(err)))
		err_msg("no summary from the daemon: %s", err);
	else {
		print_daemon_summary(rep, t0);
		json_decref(rep);
	}
out:
	if (dfd >= 0)
		close(dfd);
	close(sfd);
	landlock_plan_free(&lp);
	json_decref(pol);
	free(st);
	return rc;
}

/* Which engine records this run: the daemon's (fd returned), or -1 for
 * the in-process one; -2: --daemon without a daemon (reported). */
static int pick_engine(const struct run_opts *o)
{
	char err[1200];
	int fd;

	if (o->mode == RUN_STANDALONE || (o->mode == RUN_AUTO && o->engine_opt))
		return -1;
	fd = daemon_connect(proto_socket_path(), err, sizeof(err));
	if (fd >= 0)
		return fd;
	if (o->mode == RUN_DAEMON || fd == -1) {
		err_msg("%s%s", err,
			o->mode == RUN_DAEMON ? " (--daemon needs a running daemon)" : "");
		return -2;
	}
	dbg_msg("%s: recording in-process", err);
	return -1;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct target_user u;
	struct run_state *st;
	sigset_t oldmask;
	char err[4096];
	uint64_t t0 = now_monotonic_ns();
	int sfd, go_w = -1, err_r = -1, exec_errno = 0, rc = EXIT_SETUP, src, dfd;
	size_t i;

	if (run_opts_parse(argc, argv, &o))
		return EXIT_USAGE;
	if (o.egress_mode >= 0 && !o.policy) {
		err_msg("--egress needs --policy FILE");
		return EXIT_USAGE;
	}
	if ((dfd = pick_engine(&o)) == -2)
		return EXIT_SETUP;
	if (dfd >= 0) {
		if (resolve_user(o.user, &u))
			return EXIT_USAGE;
		return run_via_daemon(&o, &u, dfd, t0); /* closes dfd */
	}
	if (geteuid() != 0) {
		err_msg("proctor run needs root to load its BPF programs: run it with sudo");
		return EXIT_SETUP;
	}
	if (resolve_user(o.user, &u))
		return EXIT_USAGE;
	if (!(st = calloc(1, sizeof(*st))))
		return EXIT_SETUP;
	st->eg.ctl_fd = -1;
	st->live_fd = -1;
	if (o.policy && policy_load_enforceable(o.policy, &st->policy, err, sizeof(err))) {
		err_msg("invalid policy: %s", err);
		free(st);
		return EXIT_USAGE;
	}
	if (o.policy)
		policy_files_gaps(&st->policy, warn_gap, NULL);
	if (o.egress_mode >= 0 && !o.policy) {
		err_msg("--egress needs --policy FILE");
		free(st);
		return EXIT_USAGE;
	}
	session_init(&st->ses, o.agent, o.project);
	st->ses.argv = o.cmd;
	st->ses.argc = o.cmdc;
	snprintf(st->ses.user, sizeof(st->ses.user), "%s", u.set ? u.name : "root");
	st->ses.fail_closed = o.fail_closed;

	if (app_init(&st->rec, err, sizeof(err)))
		goto out;
	st->rec.tls.capture_content = o.capture_content;
	if ((src = setup_sinks(st, &o))) {
		rc = src;
		goto out;
	}
	/* sessions of this store whose recorder died: crashed, cleaned up */
	if (!run_opts_no_store(&o))
		liveness_repair(o.db ? o.db : store_default_path());
	st->live_fd = liveness_hold(st->ses.id);
	if (app_start_probe(&st->rec, o.ringbuf_bytes, err, sizeof(err))) {
		err_msg("%s", err);
		goto out;
	}
	if (setup_cgroup(st))
		goto out;
	if (setup_egress(st, &o))
		goto out_cg;
	st->rec.enforce.launcher_attaches = true; /* spawn() and enforce_attach_child */
	if (o.policy && app_add_policy(&st->rec, &st->ses, &st->policy, err, sizeof(err))) {
		err_msg("%s", err);
		goto out_cg;
	}
	if (supervise_start(&st->sv, st->cg_abs, o.on_loss, err, sizeof(err))) {
		err_msg("%s", err);
		goto out_cg;
	}

	sfd = take_signals(&oldmask);
	if (spawn(st, &o, &u, &oldmask, enforce_landlock_fd(&st->rec.enforce, st->ses.key),
		  enforce_wants_mntns(&st->rec.enforce, st->ses.key), &go_w, &err_r))
		goto out_cg;
	err[0] = 0;
	if (cgroup_move(st->cg_abs, st->child) ||
	    app_add_session(&st->rec, &st->ses, st->cg_rel, (uint32_t)st->child, err,
			    sizeof(err)) ||
	    enforce_attach_child(&st->rec.enforce, st->ses.key, (uint32_t)st->child, err,
				 sizeof(err))) {
		if (*err)
			err_msg("%s", err);
		else
			err_msg("cannot move the command into %s: %s", st->cg_abs, strerror(errno));
		kill(st->child, SIGKILL);
		waitpid(st->child, NULL, 0);
		goto out_cg;
	}
	/* Tracking is live: let CMD exec. */
	(void)!write(go_w, "g", 1);
	close(go_w);
	if (read(err_r, &exec_errno, sizeof(exec_errno)) == sizeof(exec_errno))
		err_msg("cannot execute '%s': %s", o.cmd[0], strerror(exec_errno));
	close(err_r);

	event_loop(st, sfd, o.grace_ns);
	if (!st->child_done) {
		waitpid(st->child, &st->child_status, 0);
		st->child_done = true;
	}
	reap(st); /* killed orphans */
	st->ses.exit_code = exit_status_of(st->child_status, &st->ses);
	finish_egress(st);
	app_end_session(&st->rec, &st->ses);
	rc = st->ses.exit_code;
	pipeline_drain_sinks(&st->rec.pipeline); /* the sinks' late losses, for the summary */
	pipeline_session_recount(&st->rec.pipeline, &st->ses);
	print_summary(st, t0);
out_cg:
	app_remove_egress(&st->rec, &st->eg);
	supervise_stop(&st->sv); /* from here on the session ends by our hand */
	cgroup_kill(st->cg_abs);
	for (i = 0; i < 100 && cgroup_populated(st->cg_abs); i++)
		usleep(10000);
	cgroup_remove(st->cg_abs);
out:
	metrics_stop();
	app_destroy(&st->rec);
	liveness_release(st->live_fd, st->ses.id); /* ended: nothing to repair */
	free(st);
	return rc;
}
