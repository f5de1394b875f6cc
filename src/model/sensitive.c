/* sensitive.c: the sensitive-path list and its matcher. */
#include "model/sensitive.h"

#include <fnmatch.h>
#include <stddef.h>

const char *const sensitive_path_globs[] = {
	"*/.ssh/*",
	"*/.aws/credentials",
	"*/.aws/config",
	"*/.config/gcloud/*",
	"*/.azure/*",
	"*/.kube/config",
	"*/.env",
	"*/.env.*",
	"*/.netrc",
	"*/.git-credentials",
	"*/.docker/config.json",
	"*/.npmrc",
	"*/.pypirc",
	"*/.gnupg/*",
	"*/id_rsa*",
	"*/id_ed25519*",
	"*/.config/gh/hosts.yml",
	"*/.claude/.credentials.json",
	"*/.codex/auth.json",
	"/var/run/secrets/kubernetes.io/serviceaccount/*",
	"/run/secrets/*",
	"/etc/shadow",
	"/etc/gshadow",
	"/etc/sudoers",
	NULL,
};

bool path_is_sensitive(const char *path)
{
	size_t i;
	for (i = 0; sensitive_path_globs[i]; i++)
		if (!fnmatch(sensitive_path_globs[i], path, 0))
			return true;
	return false;
}
