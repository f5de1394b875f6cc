/* paths.c: the two path classifications, named apart: credential paths
 * (globs a reviewer looks for among reads) and escape paths (procsys and
 * container paths whose open implies security.escape). */
#include "model/paths.h"

#include <fnmatch.h>
#include <stddef.h>
#include <string.h>

#include "util/util.h"

/* Every credential glob once, with its file.sensitive_category. */
#define CREDENTIAL_PATHS(X)                                                                        \
	X("*/.ssh/*", "ssh")                                                                       \
	X("*/.aws/credentials", "cloud")                                                           \
	X("*/.aws/config", "cloud")                                                                \
	X("*/.config/gcloud/*", "cloud")                                                           \
	X("*/.azure/*", "cloud")                                                                   \
	X("*/.kube/config", "kube")                                                                \
	X("*/.env", "env")                                                                         \
	X("*/.env.*", "env")                                                                       \
	X("*/.netrc", "token")                                                                     \
	X("*/.git-credentials", "token")                                                           \
	X("*/.docker/config.json", "token")                                                        \
	X("*/.npmrc", "token")                                                                     \
	X("*/.pypirc", "token")                                                                    \
	X("*/.gnupg/*", "gpg")                                                                     \
	X("*/id_rsa*", "ssh")                                                                      \
	X("*/id_ed25519*", "ssh")                                                                  \
	X("*/.config/gh/hosts.yml", "token")                                                       \
	X("*/.claude/.credentials.json", "token")                                                  \
	X("*/.codex/auth.json", "token")                                                           \
	X("/var/run/secrets/kubernetes.io/serviceaccount/*", "kube")                               \
	X("/run/secrets/*", "token")                                                               \
	X("/etc/shadow", "system")                                                                 \
	X("/etc/gshadow", "system")                                                                \
	X("/etc/sudoers", "system")

#define GLOB_OF(g, c)	  g,
#define CATEGORY_OF(g, c) c,
const char *const credential_path_globs[] = {CREDENTIAL_PATHS(GLOB_OF) NULL};
static const char *const credential_categories[] = {CREDENTIAL_PATHS(CATEGORY_OF)};

const char *credential_path_category(const char *path)
{
	size_t i;

	for (i = 0; path && i < ARRAY_SIZE(credential_categories); i++)
		if (!fnmatch(credential_path_globs[i], path, 0))
			return credential_categories[i];
	return NULL;
}

bool path_is_credential(const char *path)
{
	return credential_path_category(path) != NULL;
}

static bool has_prefix(const char *s, const char *pre)
{
	return s && !strncmp(s, pre, strlen(pre));
}

static const char *base_name(const char *p)
{
	const char *b = p ? strrchr(p, '/') : NULL;
	return b ? b + 1 : (p ? p : "");
}

/* /proc/<digits or self or thread-self>/<leaf> */
static bool proc_pid_leaf(const char *p, const char *leaf)
{
	const char *q, *s;

	if (!has_prefix(p, "/proc/"))
		return false;
	q = p + 6;
	s = strchr(q, '/');
	if (!s || s == q || strcmp(s + 1, leaf))
		return false;
	if (has_prefix(q, "self/") || has_prefix(q, "thread-self/"))
		return true;
	for (; q < s; q++)
		if (*q < '0' || *q > '9')
			return false;
	return true;
}

static const char *category_of(const char *p, bool writes)
{
	static const char *const sockets[] = {"docker.sock", "containerd.sock", "podman.sock",
					      "crio.sock", "cri-dockerd.sock"};
	const char *b = base_name(p);
	size_t i;

	if (!p || !*p)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(sockets); i++)
		if (!strcmp(b, sockets[i]))
			return "container";
	if (has_prefix(p, "/proc/1/root/") || !strcmp(p, "/proc/1/root") ||
	    !strcmp(b, "release_agent") || !strcmp(b, "notify_on_release"))
		return "container";
	if (proc_pid_leaf(p, "mem") || !strcmp(p, "/proc/kcore") || !strcmp(p, "/dev/mem") ||
	    !strcmp(p, "/dev/kmem") || !strcmp(p, "/dev/port") ||
	    !strcmp(p, "/proc/sysrq-trigger") || !strcmp(p, "/proc/sys/kernel/core_pattern"))
		return "procsys";
	if (writes && (has_prefix(p, "/proc/sys/") || has_prefix(p, "/sys/")))
		return "procsys";
	return NULL;
}

const char *escape_path_category(const char *path, const char *requested, bool writes)
{
	const char *c = category_of(path, writes);
	return c ? c : category_of(requested, writes);
}

bool sensitive_category_is_escape(const char *category)
{
	return category && (!strcmp(category, "procsys") || !strcmp(category, "container"));
}
