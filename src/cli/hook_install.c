/* hook_install.c: `proctor hook install|uninstall claude-code [--managed]`
 * and `... codex`: puts proctor's command hooks into the agent's settings
 * (Claude Code: PreToolUse, PostToolUse and PostToolUseFailure in the user's
 * ~/.claude/settings.json, or with --managed in
 * /etc/claude-code/managed-settings.json, which a user cannot override;
 * Codex: PreToolUse and PostToolUse in ~/.codex/hooks.json), or takes them
 * out. Idempotent; every other setting and hook is kept as
 * it was; a file that is not a JSON object is refused untouched; the new
 * file replaces the old in one rename. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/shquote.h"
#include "util/strbuf.h"
#include "util/util.h"

#define MANAGED_SETTINGS "/etc/claude-code/managed-settings.json"

/* $PROCTOR_CLAUDE_MANAGED_SETTINGS: another place for it (tests, packaging). */
static const char *managed_path(void)
{
	const char *p = getenv("PROCTOR_CLAUDE_MANAGED_SETTINGS");

	return p && p[0] == '/' ? p : MANAGED_SETTINGS;
}

/* One agent's settings: where, which events, and the hook's command. */
struct agent_hooks {
	const char *name;     /* "claude-code": `proctor hook NAME` */
	const char *user_rel; /* below $HOME */
	bool has_managed;
	const char *matcher;
	const char *events[3];
};

static const struct agent_hooks agents[] = {
	/* PostToolUseFailure: Claude Code runs it instead of PostToolUse when
	 * the tool failed, which is what a blocked call usually does. */
	{"claude-code",
	 ".claude/settings.json",
	 true,
	 "*",
	 {"PreToolUse", "PostToolUse", "PostToolUseFailure"}},
	/* Codex matchers are regular expressions; its shell tool is "Bash",
	 * its file edits "apply_patch". */
	{"codex", ".codex/hooks.json", false, "Bash|apply_patch", {"PreToolUse", "PostToolUse"}},
};

/* Ours: a command hook running a program named proctor with "hook NAME". */
static bool is_ours(const struct agent_hooks *a, json_t *h)
{
	const char *cmd = json_string_value(json_object_get(h, "command"));
	const char *end, *base;
	char tail[64];
	size_t n;

	snprintf(tail, sizeof(tail), " hook %s", a->name);
	if (!cmd || (n = strlen(cmd)) <= strlen(tail) || strcmp(cmd + n - strlen(tail), tail))
		return false;
	end = cmd + n - strlen(tail);
	if (end > cmd && end[-1] == '\'')
		end--;
	for (base = end; base > cmd && base[-1] != '/'; base--)
		;
	return end - base == 7 && !strncmp(base, "proctor", 7);
}

/* Remove our hooks from one event's matcher groups; drop emptied groups. */
static void remove_ours(const struct agent_hooks *a, json_t *groups)
{
	size_t i = 0, j;
	json_t *g, *hs;

	while (i < json_array_size(groups)) {
		g = json_array_get(groups, i);
		hs = json_object_get(g, "hooks");
		if (json_is_array(hs)) {
			for (j = 0; j < json_array_size(hs);)
				if (is_ours(a, json_array_get(hs, j)))
					json_array_remove(hs, j);
				else
					j++;
			if (!json_array_size(hs)) {
				json_array_remove(groups, i);
				continue;
			}
		}
		i++;
	}
}

static int edit(const struct agent_hooks *a, json_t *settings, const char *command, bool install,
		char *err, size_t errlen)
{
	json_t *hooks = json_object_get(settings, "hooks"), *groups;
	size_t i;

	if (hooks && !json_is_object(hooks)) {
		snprintf(err, errlen, "\"hooks\" is not an object");
		return -1;
	}
	if (!hooks) {
		if (!install)
			return 0;
		json_object_set_new(settings, "hooks", hooks = json_object());
	}
	for (i = 0; i < 3 && a->events[i]; i++) {
		groups = json_object_get(hooks, a->events[i]);
		if (groups && !json_is_array(groups)) {
			snprintf(err, errlen, "\"hooks.%s\" is not an array", a->events[i]);
			return -1;
		}
		if (!groups) {
			if (!install)
				continue;
			json_object_set_new(hooks, a->events[i], groups = json_array());
		}
		remove_ours(a, groups);
		if (install)
			json_array_append_new(groups, json_pack("{s:s,s:[{s:s,s:s}]}", "matcher",
								a->matcher, "hooks", "type",
								"command", "command", command));
		else if (!json_array_size(groups))
			json_object_del(hooks, a->events[i]);
	}
	if (!install && !json_object_size(hooks))
		json_object_del(settings, "hooks");
	return 0;
}

/* Load path: an object, a new one when the file is absent or empty. */
static json_t *load(const char *path, char *err, size_t errlen)
{
	json_error_t je;
	struct stat sb;
	json_t *o;

	if (stat(path, &sb) && errno == ENOENT)
		return json_object();
	if (!stat(path, &sb) && sb.st_size == 0)
		return json_object();
	if (!(o = json_load_file(path, JSON_REJECT_DUPLICATES, &je))) {
		snprintf(err, errlen, "%s:%d:%d: %s", path, je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		json_decref(o);
		return NULL;
	}
	return o;
}

static int save(const char *path, json_t *o, mode_t mode, char *err, size_t errlen)
{
	char tmp[4300], dir[4200], *slash, *text = json_dumps(o, JSON_INDENT(2));
	size_t n = text ? strlen(text) : 0;
	int fd = -1, rc = -1;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')))
		*slash = 0;
	snprintf(tmp, sizeof(tmp), "%.4200s.proctor-%d", path, (int)getpid());
	if (!text || mkdir_p(dir, 0755) ||
	    (fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0 ||
	    write(fd, text, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || fsync(fd) ||
	    rename(tmp, path)) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
	} else {
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

static int hook_command(const struct agent_hooks *a, char *buf, size_t len)
{
	char exe[4096];
	const char *argv[1] = {exe};
	struct strbuf sb = {0};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = 0;
	sh_join_argv(&sb, argv, 1);
	snprintf(buf, len, "%s hook %s", sb_cstr(&sb), a->name);
	sb_free(&sb);
	return 0;
}

static void print_events(const struct agent_hooks *a, const char *path, const char *command)
{
	int i;

	printf("proctor hook: %s: ", path);
	for (i = 0; i < 3 && a->events[i]; i++)
		printf("%s%s", i ? (i + 1 < 3 && a->events[i + 1] ? ", " : " and ") : "",
		       a->events[i]);
	printf(" run %s\n", command);
}

int hook_install(int argc, char **argv, bool install)
{
	char path[4200], command[4200], err[4400];
	const char *home = getenv("HOME");
	const struct agent_hooks *a = NULL;
	bool managed = argc == 3 && !strcmp(argv[2], "--managed");
	struct stat sb;
	size_t i;
	json_t *o;
	int rc;

	for (i = 0; argc >= 2 && i < sizeof(agents) / sizeof(agents[0]); i++)
		if (!strcmp(argv[1], agents[i].name))
			a = &agents[i];
	if ((argc != 2 && !managed) || !a || (managed && !a->has_managed)) {
		fprintf(stderr,
			"usage: proctor hook %s claude-code [--managed]\n"
			"       proctor hook %s codex\n",
			argv[0], argv[0]);
		return EXIT_USAGE;
	}
	if (managed)
		snprintf(path, sizeof(path), "%s", managed_path());
	else if (home && home[0] == '/')
		snprintf(path, sizeof(path), "%s/%s", home, a->user_rel);
	else {
		fprintf(stderr,
			"proctor hook: $HOME is not set; cannot find the user's %s "
			"settings%s\n",
			a->name, a->has_managed ? " (or use --managed)" : "");
		return EXIT_USAGE;
	}
	if (hook_command(a, command, sizeof(command))) {
		fprintf(stderr, "proctor hook: cannot find proctor's own executable\n");
		return 1;
	}
	if (!(o = load(path, err, sizeof(err)))) {
		fprintf(stderr, "proctor hook: %s; the file is left as it is\n", err);
		return EXIT_USAGE;
	}
	if (edit(a, o, command, install, err, sizeof(err))) {
		fprintf(stderr, "proctor hook: %s: %s; the file is left as it is\n", path, err);
		json_decref(o);
		return EXIT_USAGE;
	}
	rc = save(path, o, stat(path, &sb) ? (managed ? 0644 : 0600) : sb.st_mode & 07777, err,
		  sizeof(err));
	json_decref(o);
	if (rc) {
		fprintf(stderr, "proctor hook: %s\n", err);
		return 1;
	}
	if (install)
		print_events(a, path, command);
	else
		printf("proctor hook: %s: no proctor hooks\n", path);
	return 0;
}
