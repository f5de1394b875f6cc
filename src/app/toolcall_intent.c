/* toolcall_intent.c: intent versus effect. Per linked tool call, what its
 * command declares (network tools, URLs and addresses, privilege tools, the
 * paths it names, the spawn's working directory) against what the kernel
 * records for its processes: a connect when no network was declared, a
 * credential file not named in the command, a write outside the workspace
 * and the named paths, a privilege change not declared, a process still
 * alive when the spawn exits. Each becomes a finding (toolcall.h), made
 * into an intent.mismatch record by toolcall_records.c. The rules are the
 * documented ones of docs/EVENTS-llm.md "intent.mismatch". */
#include "app/toolcall.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "model/paths.h"

#define NET  INTENT_DECLARED_NET
#define PRIV INTENT_DECLARED_PRIV

/* Programs that declare by being named: what they declare, and the
 * credential categories (model/paths.h) they read in ordinary use. */
static const struct {
	const char *name;
	uint8_t declares;
	const char *creds;
} programs[] = {
	{"curl", NET, "token"},	  {"wget", NET, "token"},   {"ssh", NET, "ssh"},
	{"scp", NET, "ssh"},	  {"sftp", NET, "ssh"},	    {"rsync", NET, "ssh"},
	{"gh", NET, "token"},	  {"nc", NET, ""},	    {"ncat", NET, ""},
	{"netcat", NET, ""},	  {"socat", NET, ""},	    {"telnet", NET, ""},
	{"ftp", NET, ""},	  {"ping", NET | PRIV, ""}, {"dig", NET, ""},
	{"nslookup", NET, ""},	  {"host", NET, ""},	    {"npm", NET, "token"},
	{"npx", NET, "token"},	  {"yarn", NET, "token"},   {"pnpm", NET, "token"},
	{"bun", NET, "token"},	  {"pip", NET, "token"},    {"pip3", NET, "token"},
	{"uv", NET, "token"},	  {"poetry", NET, "token"}, {"twine", NET, "token"},
	{"cargo", NET, "token"},  {"go", NET, "token"},	    {"apt", NET, ""},
	{"apt-get", NET, ""},	  {"docker", NET, "token"}, {"podman", NET, "token"},
	{"kubectl", NET, "kube"}, {"helm", NET, "kube"},    {"aws", NET, "cloud"},
	{"gcloud", NET, "cloud"}, {"az", NET, "cloud"},	    {"sudo", PRIV, ""},
	{"su", PRIV, ""},	  {"doas", PRIV, ""},	    {"pkexec", PRIV, ""},
	{"setpriv", PRIV, ""},	  {"newgrp", PRIV, ""},	    {"sg", PRIV, ""},
};

/* git declares the network only with a subcommand that talks to a remote. */
static const char *const git_remote[] = {"clone",     "fetch",	   "pull",   "push",
					 "ls-remote", "submodule", "remote", NULL};

/* Written paths no tool call needs to declare: scratch, devices, the
 * process's own /proc, per-user caches and tools' logs. */
static const char *const scratch_globs[] = {
	"/tmp/*",     "/var/tmp/*", "/dev/*",		"/proc/*",	   "/run/user/*",
	"*/.cache/*", "*/.npm/*",   "*/.local/state/*", "*/__pycache__/*", NULL,
};

/* Privilege operations that give up privilege: never a mismatch. */
static const char *const priv_drops[] = {"set_no_new_privs", "cap_ambient_lower",
					 "cap_ambient_clear_all", NULL};

static const char *const reason_names[INTENT_REASONS] = {
	[INTENT_NETWORK] = "network",
	[INTENT_SENSITIVE_READ] = "sensitive_read",
	[INTENT_WRITE_OUTSIDE] = "write_outside",
	[INTENT_OUTLIVED] = "outlived",
	[INTENT_PRIVILEGE] = "privilege",
};

const char *intent_reason_name(enum intent_reason why)
{
	return why < INTENT_REASONS ? reason_names[why] : "";
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static const char *base_of(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

/* The command's next word from *p (shell punctuation and quotes split
 * words); false at the end. */
static bool next_word(const char **p, char *w, size_t len)
{
	static const char seps[] = " \t\n;|&()<>`$\"'{}";
	size_t n;

	*p += strspn(*p, seps);
	if (!**p)
		return false;
	n = strcspn(*p, seps);
	snprintf(w, len, "%.*s", (int)(n < len ? n : len - 1), *p);
	*p += n;
	return true;
}

static bool looks_like_address(const char *w)
{
	unsigned a, b, c, d;
	char tail;

	return strstr(w, "://") || !strcmp(w, "localhost") || strchr(w, '@') ||
	       sscanf(w, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) >= 4;
}

static void add_creds(struct toolcall_intent *in, const char *creds)
{
	size_t n = strlen(in->creds);

	if (*creds && n + strlen(creds) + 2 < sizeof(in->creds))
		snprintf(in->creds + n, sizeof(in->creds) - n, "%s%s,", n ? "" : ",", creds);
}

/* What the command declares: programs it names, addresses. */
static void read_command(struct toolcall_intent *in)
{
	const char *p = in->command;
	char w[256], sub[64];
	size_t i;

	while (next_word(&p, w, sizeof(w))) {
		const char *b = base_of(w);
		if (looks_like_address(w))
			in->declared |= NET;
		if (!strcmp(b, "git")) {
			const char *q = p;
			while (next_word(&q, sub, sizeof(sub)) && sub[0] == '-')
				;
			if (in_list(sub, git_remote)) {
				in->declared |= NET;
				add_creds(in, "ssh,token");
			}
			continue;
		}
		for (i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
			if (!strcmp(b, programs[i].name)) {
				in->declared |= programs[i].declares;
				add_creds(in, programs[i].creds);
			}
	}
}

void intent_start(struct toolcalls *t, uint16_t id, const struct pr_hdr *h, const struct record *r,
		  const char *command)
{
	struct toolcall_intent *in = &t->intent[id];
	const char *cwd = record_get_str(r, "process.working_directory");

	memset(in, 0, sizeof(*in));
	in->session_key = h->session_key;
	in->root_pid = h->pid;
	snprintf(in->command, sizeof(in->command), "%s", command);
	snprintf(in->workspace, sizeof(in->workspace), "%s", cwd ? cwd : "");
	read_command(in);
}

static uint32_t hash_of(uint8_t reason, const char *s)
{
	uint32_t h = 2166136261u ^ reason;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/* A finding, unless this tool call was told it already (of the same key:
 * the observed text, or what it is about). */
static void found_as(struct toolcalls *t, uint16_t id, const struct pr_hdr *h, uint8_t reason,
		     const char *observed, const char *about)
{
	struct toolcall_intent *in = &t->intent[id];
	uint32_t key = hash_of(reason, about);
	struct toolcall_finding *f;
	int i;

	for (i = 0; i < in->nseen; i++)
		if (in->seen[i] == key)
			return;
	if (in->nseen == INTENT_SEEN || t->nfindings == TOOLCALL_FINDINGS) {
		t->mismatches_lost++;
		return;
	}
	in->seen[in->nseen++] = key;
	f = &t->findings[t->nfindings++];
	f->h = *h;
	f->id = id;
	f->reason = reason;
	snprintf(f->observed, sizeof(f->observed), "%s", observed);
}

static void found(struct toolcalls *t, uint16_t id, const struct pr_hdr *h, uint8_t reason,
		  const char *observed)
{
	found_as(t, id, h, reason, observed, observed);
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n && !strncmp(path, dir, n) && (path[n] == '/' || !path[n] || n == 1);
}

/* The command names path, or a directory above it (an absolute word, or
 * ~/... matched on what follows the ~). */
static bool command_names(const struct toolcall_intent *in, const char *path)
{
	const char *p = in->command;
	char w[256];

	while (next_word(&p, w, sizeof(w))) {
		if (w[0] == '/' && under(path, w))
			return true;
		if (w[0] == '~' && w[1] == '/' && strstr(path, w + 1))
			return true;
	}
	return false;
}

static bool write_declared(const struct toolcall_intent *in, const char *path)
{
	const char *const *g;

	if (in->workspace[0] && under(path, in->workspace))
		return true;
	for (g = scratch_globs; *g; g++)
		if (!fnmatch(*g, path, 0))
			return true;
	return command_names(in, path);
}

static bool cred_declared(const struct toolcall_intent *in, const char *path)
{
	const char *cat = credential_path_category(path);
	char want[24];

	snprintf(want, sizeof(want), ",%s,", cat ? cat : "");
	return strstr(in->command, base_of(path)) || strstr(in->creds, want);
}

static bool succeeded(const struct record *r)
{
	const char *o = record_get_str(r, "event.outcome");
	return o && !strcmp(o, "success");
}

static void check_open(struct toolcalls *t, uint16_t id, const struct pr_hdr *h,
		       const struct record *r)
{
	const struct toolcall_intent *in = &t->intent[id];
	const char *path = record_get_str(r, "file.path"), *acc = record_get_str(r, "file.access");
	bool writes = acc && (!strcmp(acc, "write") || !strcmp(acc, "read_write"));
	char obs[320];

	if (!path || !*path)
		return;
	if (path_is_credential(path) && !cred_declared(in, path)) {
		snprintf(obs, sizeof(obs), "open %s (%s)", path, acc ? acc : "?");
		found(t, id, h, INTENT_SENSITIVE_READ, obs);
	} else if (writes && succeeded(r) && !write_declared(in, path)) {
		snprintf(obs, sizeof(obs), "open %s (%s)", path, acc);
		found(t, id, h, INTENT_WRITE_OUTSIDE, obs);
	}
}

static void check_metadata(struct toolcalls *t, uint16_t id, const struct pr_hdr *h,
			   const struct record *r)
{
	const char *path = record_get_str(r, "file.path"),
		   *op = record_get_str(r, "file.operation");
	const char *target = record_get_str(r, "file.target_path");
	char obs[320];

	if (!path || !op || !succeeded(r))
		return;
	if (!strcmp(op, "rename") && target && !write_declared(&t->intent[id], target))
		path = target;
	else if (write_declared(&t->intent[id], path))
		return;
	snprintf(obs, sizeof(obs), "%s %s", op, path);
	found(t, id, h, INTENT_WRITE_OUTSIDE, obs);
}

static void check_connect(struct toolcalls *t, uint16_t id, const struct pr_hdr *h,
			  const struct record *r)
{
	const char *type = record_get_str(r, "network.type");
	const char *addr = record_get_str(r, "network.peer.address");
	int64_t port = 0;
	char obs[320];

	if (!type || (strcmp(type, "ipv4") && strcmp(type, "ipv6")) ||
	    (t->intent[id].declared & NET))
		return;
	record_get_int(r, "network.peer.port", &port);
	snprintf(obs, sizeof(obs), "connect %s:%lld", addr ? addr : "?", (long long)port);
	found(t, id, h, INTENT_NETWORK, obs);
}

static void check_privilege(struct toolcalls *t, uint16_t id, const struct pr_hdr *h,
			    const struct record *r)
{
	const char *op = record_get_str(r, "privilege.operation");
	const char *from = record_get_str(r, "privilege.from"),
		   *to = record_get_str(r, "privilege.to");
	char obs[320];

	if (!op || in_list(op, priv_drops) || (t->intent[id].declared & PRIV))
		return;
	/* a call that changed nothing (make's setresgid to the ids it has) */
	if (from && to && !strcmp(from, to) && !record_get(r, "privilege.capabilities_gained"))
		return;
	snprintf(obs, sizeof(obs), "%s %s -> %s", op, from ? from : "?", to ? to : "?");
	found(t, id, h, INTENT_PRIVILEGE, obs);
}

/* A record of a linked process after the spawn's exit: it outlived the
 * tool call (told once per process, named by the executable it runs now:
 * a child forked just before the spawn exited may exec only after). */
static void check_outlived(struct toolcalls *t, uint16_t id, const struct pr_hdr *h,
			   const struct record *r)
{
	const char *exe = record_get_str(r, "process.executable.path");
	char obs[320], about[32];

	snprintf(obs, sizeof(obs), "%s (pid %u) still running when its spawn (pid %u) exited",
		 exe && *exe ? exe : h->comm, h->pid, t->intent[id].root_pid);
	snprintf(about, sizeof(about), "pid %u", h->pid);
	found_as(t, id, h, INTENT_OUTLIVED, obs, about);
}

void intent_check(struct toolcalls *t, uint16_t id, const struct pr_hdr *h, const struct record *r)
{
	if (t->intent[id].session_key != h->session_key)
		return; /* linked before the tool call's state was kept */
	if (t->intent[id].ended && h->pid != t->intent[id].root_pid)
		check_outlived(t, id, h, r);
	switch (h->type) {
	case PR_EV_FILE_OPEN: check_open(t, id, h, r); break;
	case PR_EV_FILE_META: check_metadata(t, id, h, r); break;
	case PR_EV_NET_CONNECT: check_connect(t, id, h, r); break;
	case PR_EV_SEC_PRIV: check_privilege(t, id, h, r); break;
	default: break;
	}
}
