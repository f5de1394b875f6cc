/* landlock.c: files.write_only_under as a Landlock ruleset (landlock.h). */
#include "enforce/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy/glob.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE /* ABI 3; Debian 12's headers know ABI 2 */
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/* Devices every program writes to (a shell's 2>/dev/null, the terminal):
 * allowed whatever the policy says (docs/POLICY.md). */
static const char *const implicit[] = {"/dev/null", "/dev/zero", "/dev/full",
				       "/dev/tty",  "/dev/ptmx", "/dev/pts"};

#define FILE_RIGHTS (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE)

/* The write rights a kernel of this ABI knows. */
static __u64 write_rights(int abi)
{
	__u64 r = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
		  LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
		  LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		  LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
		  LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return r;
}

/* A tree glob (DIR, slash, globstar) -> DIR, a literal path -> itself;
 * anything else: -1. */
static int tree_of(const char *glob, char *out, size_t outlen)
{
	size_t n = strlen(glob);

	snprintf(out, outlen, "%s", glob);
	if (n > 3 && !strcmp(glob + n - 3, "/**"))
		out[n - 3] = 0;
	return glob_is_literal(out) && out[0] == '/' ? 0 : -1;
}

static int allow(int rfd, const char *path, __u64 rights, char *err, size_t errlen)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = rights};
	struct stat st;
	int rc;

	if ((pb.parent_fd = open(path, O_PATH | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "write_only_under %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= FILE_RIGHTS;
	rc = (int)syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	if (rc)
		snprintf(err, errlen, "landlock_add_rule %s: %s", path, strerror(errno));
	close(pb.parent_fd);
	return rc ? -1 : 0;
}

static int build(struct landlock_plan *lp, char *err, size_t errlen)
{
	struct landlock_ruleset_attr ra = {0};
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	size_t i;
	int t;

	if (abi < 1) {
		snprintf(err, errlen,
			 "files.write_only_under needs Landlock, which this kernel does not offer "
			 "(%s)",
			 strerror(errno));
		return -1;
	}
	ra.handled_access_fs = write_rights((int)abi);
	lp->ruleset_fd = (int)syscall(SYS_landlock_create_ruleset, &ra, sizeof(ra), 0);
	if (lp->ruleset_fd < 0) {
		snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	for (t = 0; t < lp->ntrees; t++)
		if (allow(lp->ruleset_fd, lp->trees[t], ra.handled_access_fs, err, errlen))
			return -1;
	for (i = 0; i < sizeof(implicit) / sizeof(implicit[0]); i++)
		if (access(implicit[i], F_OK) == 0 &&
		    allow(lp->ruleset_fd, implicit[i], ra.handled_access_fs, err, errlen))
			return -1;
	return 0;
}

int landlock_plan(const struct policy *p, struct landlock_plan *lp, char *err, size_t errlen)
{
	const struct policy_rule *r = NULL;
	int i;

	memset(lp, 0, sizeof(*lp));
	lp->ruleset_fd = -1;
	lp->rule = -1;
	for (i = 0; i < p->nrules && !r; i++)
		if (p->rules[i].kind == RULE_WRITE_ONLY_UNDER)
			r = &p->rules[(lp->rule = i)];
	if (!r)
		return 0;
	for (i = 0; i < r->object.paths.n; i++) {
		const struct policy_glob *g = &p->globs[r->object.paths.first + i];
		if (lp->ntrees == LANDLOCK_MAX_TREES ||
		    tree_of(g->expanded, lp->trees[lp->ntrees], sizeof(lp->trees[0]))) {
			snprintf(err, errlen,
				 "%s:%d:%d: write_only_under \"%s\": Landlock takes a directory "
				 "tree (\"DIR/**\") or a literal path; this build cannot enforce "
				 "other globs here",
				 p->file, g->line, g->col, g->text);
			return -1;
		}
		lp->ntrees++;
	}
	lp->audit = r->mode == PR_MODE_AUDIT || r->effect == POLICY_NOTIFY;
	if (!lp->audit && build(lp, err, errlen)) {
		landlock_plan_free(lp);
		return -1;
	}
	return 0;
}

void landlock_plan_free(struct landlock_plan *lp)
{
	if (lp->ruleset_fd >= 0)
		close(lp->ruleset_fd);
	lp->ruleset_fd = -1;
}

int landlock_apply(int ruleset_fd)
{
	if (ruleset_fd < 0)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0))
		return -errno;
	close(ruleset_fd);
	return 0;
}

static bool beneath(const char *tree, const char *path)
{
	size_t n = strlen(tree);

	if (n == 1 && tree[0] == '/')
		return true;
	return !strncmp(tree, path, n) && (path[n] == 0 || path[n] == '/');
}

bool landlock_outside(const struct landlock_plan *lp, const char *path)
{
	size_t i;
	int t;

	if (path[0] != '/')
		return false; /* no name (open_by_handle_at): not judged */
	for (t = 0; t < lp->ntrees; t++)
		if (beneath(lp->trees[t], path))
			return false;
	for (i = 0; i < sizeof(implicit) / sizeof(implicit[0]); i++)
		if (beneath(implicit[i], path))
			return false;
	return true;
}
