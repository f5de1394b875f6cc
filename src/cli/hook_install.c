/* hook_install.c: `proctor hook install|uninstall claude-code [--managed]`:
 * puts proctor's PreToolUse, PostToolUse and PostToolUseFailure command hooks into Claude
 * Code's settings (the user's ~/.claude/settings.json, or with --managed
 * /etc/claude-code/managed-settings.json, which a user cannot override),
 * or takes them out. Idempotent; every other setting and hook is kept as
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

/* PostToolUseFailure: Claude Code runs it instead of PostToolUse when the
 * tool failed, which is what a blocked call usually does. */
static const char *const hook_events[] = {"PreToolUse", "PostToolUse", "PostToolUseFailure"};

/* Ours: a command hook running a program named proctor with "hook claude-code". */
static bool is_ours(json_t *h)
{
	const char *cmd = json_string_value(json_object_get(h, "command"));
	const char *tail = " hook claude-code", *end, *base;
	size_t n;

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
static void remove_ours(json_t *groups)
{
	size_t i = 0, j;
	json_t *g, *hs;

	while (i < json_array_size(groups)) {
		g = json_array_get(groups, i);
		hs = json_object_get(g, "hooks");
		if (json_is_array(hs)) {
			for (j = 0; j < json_array_size(hs);)
				if (is_ours(json_array_get(hs, j)))
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

static int edit(json_t *settings, const char *command, bool install, char *err, size_t errlen)
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
	for (i = 0; i < sizeof(hook_events) / sizeof(hook_events[0]); i++) {
		groups = json_object_get(hooks, hook_events[i]);
		if (groups && !json_is_array(groups)) {
			snprintf(err, errlen, "\"hooks.%s\" is not an array", hook_events[i]);
			return -1;
		}
		if (!groups) {
			if (!install)
				continue;
			json_object_set_new(hooks, hook_events[i], groups = json_array());
		}
		remove_ours(groups);
		if (install)
			json_array_append_new(groups, json_pack("{s:s,s:[{s:s,s:s}]}", "matcher",
								"*", "hooks", "type", "command",
								"command", command));
		else if (!json_array_size(groups))
			json_object_del(hooks, hook_events[i]);
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

static int hook_command(char *buf, size_t len)
{
	char exe[4096];
	const char *argv[1] = {exe};
	struct strbuf sb = {0};
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return -1;
	exe[n] = 0;
	sh_join_argv(&sb, argv, 1);
	snprintf(buf, len, "%s hook claude-code", sb_cstr(&sb));
	sb_free(&sb);
	return 0;
}

int hook_install(int argc, char **argv, bool install)
{
	char path[4200], command[4200], err[4400];
	const char *home = getenv("HOME");
	bool managed = argc == 3 && !strcmp(argv[2], "--managed");
	struct stat sb;
	json_t *o;
	int rc;

	if ((argc != 2 && !managed) || strcmp(argv[1], "claude-code")) {
		fprintf(stderr, "usage: proctor hook %s claude-code [--managed]\n", argv[0]);
		return EXIT_USAGE;
	}
	if (managed)
		snprintf(path, sizeof(path), "%s", managed_path());
	else if (home && home[0] == '/')
		snprintf(path, sizeof(path), "%s/.claude/settings.json", home);
	else {
		fprintf(stderr, "proctor hook: $HOME is not set; cannot find Claude Code's user "
				"settings (or use --managed)\n");
		return EXIT_USAGE;
	}
	if (hook_command(command, sizeof(command))) {
		fprintf(stderr, "proctor hook: cannot find proctor's own executable\n");
		return 1;
	}
	if (!(o = load(path, err, sizeof(err)))) {
		fprintf(stderr, "proctor hook: %s; the file is left as it is\n", err);
		return EXIT_USAGE;
	}
	if (edit(o, command, install, err, sizeof(err))) {
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
		printf("proctor hook: %s: PreToolUse, PostToolUse and PostToolUseFailure run %s\n",
		       path, command);
	else
		printf("proctor hook: %s: no proctor hooks\n", path);
	return 0;
}
