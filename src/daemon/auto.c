/* auto.c: the daemon's auto-adopted sessions (auto.h). */
#include "daemon/auto.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "app/adopt.h"
#include "proctor/abi_auto.h"
#include "util/util.h"

#define AUTO_CHECK_NS	500000000ull  /* liveness checks; ended after two idle ones */
#define AUTO_RESOLVE_NS 1000000000ull /* paths of rules by path looked at again */

static bool was_ended(const struct daemon_auto *a, uint64_t key)
{
	size_t i;

	for (i = 0; i < AUTO_ENDED_KEEP; i++)
		if (a->ended_keys[i] == key)
			return true;
	return false;
}

/* A key whose session ended or could not be made: never tried again. */
static void forget_key(struct daemon_auto *a, uint64_t key)
{
	a->ended_keys[a->ended_next] = key;
	a->ended_next = (a->ended_next + 1) % AUTO_ENDED_KEEP;
}

/* The rule for a process name: the kernel keeps 15 bytes of it (comm), so
 * a longer exe matches by its first 15. */
static const struct daemon_agent_rule *rule_for_comm(const struct daemon_config *c,
						     const char *comm)
{
	size_t i, n = strlen(comm);

	for (i = 0; i < c->nagents; i++)
		if (!strcmp(c->agents[i].exe, comm) || (n == 15 && strlen(c->agents[i].exe) > 15 &&
							!strncmp(c->agents[i].exe, comm, 15)))
			return &c->agents[i];
	return NULL;
}

static void free_session(struct auto_session *s)
{
	int i;

	for (i = 0; i < s->ses.argc; i++)
		free(s->ses.argv[i]);
	free(s->ses.argv);
	free(s);
}

/* argv from a process.exec record's data (exe\0 cwd\0 argv), else comm. */
static void take_argv(struct session *s, const struct pr_exec *e, size_t len, const char *comm)
{
	const char *p, *end;
	size_t n = 0, i;

	if (e) {
		p = e->data + e->exe_len + e->cwd_len;
		end = p + e->args_size;
		if ((size_t)(end - (const char *)e) > len)
			end = p;
		for (const char *q = p; q < end; q += strnlen(q, (size_t)(end - q)) + 1)
			n++;
	}
	if (!(s->argv = calloc(n + 2, sizeof(char *))))
		return;
	if (!n) {
		s->argv[0] = strdup(comm);
		s->argc = s->argv[0] ? 1 : 0;
		return;
	}
	for (i = 0; i < n && p < end; i++) {
		size_t l = strnlen(p, (size_t)(end - p));
		if (!(s->argv[i] = strndup(p, l)))
			break;
		s->argc = (int)i + 1;
		p += l + 1;
	}
}

/* The first record under a kernel-made key: its session. The exec record
 * (PR_EXEC_AUTO) names the executable; should it have been lost, the
 * process name stands in. */
static void on_auto(void *ctx, const void *data, size_t len)
{
	struct daemon_auto *a = ctx;
	const struct pr_hdr *h = data;
	const struct pr_exec *e = NULL;
	const struct daemon_agent_rule *rule = NULL;
	char comm[sizeof(h->comm) + 1], err[512];
	struct auto_session *s;
	struct passwd *pw;

	if (was_ended(a, h->session_key))
		return; /* a late record of an ended session: unattributed */
	snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(h->comm), h->comm);
	if (h->type == PR_EV_PROC_EXEC && (h->flags & PR_EXEC_AUTO) &&
	    len >= sizeof(struct pr_exec) && h->size <= len) {
		e = data;
		if (sizeof(*e) + e->exe_len + e->cwd_len + e->args_size > h->size || !e->exe_len)
			e = NULL;
	}
	if (e && PR_EXEC_AUTO_RULE(h->flags) && PR_EXEC_AUTO_RULE(h->flags) <= a->cfg->nagents)
		rule = &a->cfg->agents[PR_EXEC_AUTO_RULE(h->flags) - 1]; /* the kernel's match */
	if (!rule && e && e->data[e->exe_len - 1] == 0)
		rule = daemon_config_agent(a->cfg, e->data);
	if (!rule) /* a #! script: the exe is its interpreter, comm its name */
		rule = rule_for_comm(a->cfg, comm);
	if (a->n >= AUTO_MAX_SESSIONS || !(s = calloc(1, sizeof(*s)))) {
		err_msg("auto-adoption of pid %u (%s): too many sessions (at most %d)", h->pid,
			comm, AUTO_MAX_SESSIONS);
		a->refused++;
		forget_key(a, h->session_key);
		return;
	}
	session_init(&s->ses, rule ? rule->agent : comm, rule ? rule->project : NULL);
	s->ses.key = h->session_key;
	s->ses.root_pid = h->pid;
	s->root = h->pid;
	if ((pw = getpwuid(h->uid)))
		snprintf(s->ses.user, sizeof(s->ses.user), "%s", pw->pw_name);
	take_argv(&s->ses, e, len, comm);
	if (app_adopt_auto(a->app, &s->ses, h->pid, err, sizeof(err))) {
		err_msg("auto-adoption of pid %u (%s): %s", h->pid, comm, err);
		a->refused++;
		forget_key(a, h->session_key);
		free_session(s);
		return;
	}
	a->s[a->n++] = s;
	a->started++;
	fprintf(stderr, "proctor: session %s: auto-adopted pid %u (%s, agent %s)\n", s->ses.id,
		h->pid, comm, s->ses.agent);
}

/* A #! script: the kernel execs its interpreter, and the exec program sees
 * only the interpreter's file (bprm->executable is kept for binfmt_misc's
 * O flag only), so a script pinned by path would never match. */
static bool is_script(const char *path)
{
	char head[2] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;

	if (fd >= 0)
		close(fd);
	return n == 2 && head[0] == '#' && head[1] == '!';
}

/* The file at a rule's path as the kernel names it: 0, or -errno (-EINVAL:
 * not a regular file, -ENOEXEC: a #! script). */
static int resolve(const char *path, struct pr_auto_inode *out)
{
	struct stat st;

	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (is_script(path))
		return -ENOEXEC;
	memset(out, 0, sizeof(*out));
	out->ino = st.st_ino;
	out->dev = (uint32_t)(major(st.st_dev) << 20 | minor(st.st_dev));
	return 0;
}

/* Every rule's path into inodes[] (a rule by name: left zero). */
static int resolve_all(const struct daemon_config *c, struct pr_auto_inode *inodes, char *err,
		       size_t errlen)
{
	struct pr_auto_inode *a = inodes;
	size_t i, j;
	int rc;

	for (i = 0; i < c->nagents; i++) {
		if (!*c->agents[i].path)
			continue;
		if ((rc = resolve(c->agents[i].path, &a[i]))) {
			snprintf(err, errlen, "auto_adopt rule path %s: %s", c->agents[i].path,
				 rc == -EINVAL	  ? "not a regular file"
				 : rc == -ENOEXEC ? "a #! script: the kernel runs its interpreter, "
						    "so pin the interpreter or match the script "
						    "by exe"
						  : strerror(-rc));
			return -1;
		}
		for (j = 0; j < i; j++)
			if (*c->agents[j].path && a[j].ino == a[i].ino && a[j].dev == a[i].dev) {
				snprintf(err, errlen,
					 "auto_adopt rule paths %s and %s are one file",
					 c->agents[j].path, c->agents[i].path);
				return -1;
			}
	}
	return 0;
}

int daemon_auto_check(const struct daemon_config *c, char *err, size_t errlen)
{
	struct pr_auto_inode inodes[PR_AUTO_MAX_RULES] = {{0}};

	return c && c->auto_agents ? resolve_all(c, inodes, err, errlen) : 0;
}

int daemon_auto_start(struct daemon_auto *a, struct app *app, const struct daemon_config *c,
		      char *err, size_t errlen)
{
	const char *names[PR_AUTO_MAX_RULES];
	size_t i;
	int rc;

	memset(a, 0, sizeof(*a));
	a->app = app;
	a->cfg = c;
	if (!c->auto_agents || !c->nagents)
		return 0;
	if (resolve_all(c, a->inodes, err, errlen))
		return -1;
	for (i = 0; i < c->nagents; i++)
		names[i] = c->agents[i].exe;
	if ((rc = probe_auto_set_rules(&app->probe, names, a->inodes, c->nagents))) {
		snprintf(err, errlen, "cannot load the auto-adoption rules: %s", strerror(-rc));
		return -1;
	}
	app->on_auto = on_auto;
	app->auto_ctx = a;
	return 0;
}

static void end_one(struct daemon_auto *a, size_t i)
{
	struct auto_session *s = a->s[i];

	app_end_session(a->app, &s->ses);
	forget_key(a, s->ses.key);
	a->s[i] = a->s[--a->n];
	a->ended++;
	free_session(s);
}

/* A rule's path that names another file now (the agent upgraded: a new
 * file renamed over the old) pins the new file; a path gone keeps the old. */
static void follow_paths(struct daemon_auto *a, uint64_t now)
{
	const struct daemon_config *c = a->cfg;
	struct pr_auto_inode now_ino;
	size_t i;

	if (now < a->next_resolve_ns)
		return;
	a->next_resolve_ns = now + AUTO_RESOLVE_NS;
	for (i = 0; i < c->nagents; i++) {
		if (!a->inodes[i].ino || resolve(c->agents[i].path, &now_ino) ||
		    (now_ino.ino == a->inodes[i].ino && now_ino.dev == a->inodes[i].dev))
			continue;
		if (!probe_auto_move_inode(&a->app->probe, (uint32_t)i, &a->inodes[i], &now_ino)) {
			fprintf(stderr, "proctor: auto_adopt rule path %s names a new file now\n",
				c->agents[i].path);
			a->inodes[i] = now_ino;
		}
	}
}

void daemon_auto_tick(struct daemon_auto *a)
{
	uint64_t now = now_monotonic_ns();
	size_t i;

	if (a->app && a->app->on_auto)
		follow_paths(a, now);
	if (!a->n || now < a->next_check_ns)
		return;
	a->next_check_ns = now + AUTO_CHECK_NS;
	for (i = a->n; i-- > 0;) {
		struct auto_session *s = a->s[i];
		if (app_session_alive(a->app, s->ses.key))
			s->idle_ticks = 0;
		else if (++s->idle_ticks >= 2)
			end_one(a, i);
	}
}

void daemon_auto_end_all(struct daemon_auto *a)
{
	if (a->app)
		a->app->on_auto = NULL;
	while (a->n)
		end_one(a, a->n - 1);
}
