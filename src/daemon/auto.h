/* auto.h: the daemon's auto-adopted sessions (docs/DAEMON.md): a known
 * agent's executable started outside any session is tracked by the kernel
 * at its exec under a provisional key (bpf/lifecycle/auto.h); here the
 * session is created under that key, from the first record that carries
 * it, attributed by the config's rule, and ended once none of its
 * processes is left. */
#ifndef PROCTOR_DAEMON_AUTO_H
#define PROCTOR_DAEMON_AUTO_H
#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "daemon/config.h"

#define AUTO_MAX_SESSIONS SESSION_TABLE_MAX
#define AUTO_ENDED_KEEP	  256 /* keys of ended (or refused) sessions, never retried */

struct auto_session {
	struct session ses;
	uint32_t root;
	int idle_ticks; /* consecutive checks that found no live process */
};

struct daemon_auto {
	struct app *app;
	const struct daemon_config *cfg;
	struct auto_session *s[AUTO_MAX_SESSIONS];
	size_t n;
	uint64_t ended_keys[AUTO_ENDED_KEEP];
	size_t ended_next;
	uint64_t started, ended, refused;
	uint64_t next_check_ns;
	/* the file each rule pinned by path names now (ino 0: a rule by name) */
	struct pr_auto_inode inodes[PR_AUTO_MAX_RULES];
	uint64_t next_resolve_ns;
};

/* The rules' paths name regular files, each another: checked before
 * anything loads. 0, or -1 with err. */
int daemon_auto_check(const struct daemon_config *c, char *err, size_t errlen);
/* Load the config's rules into the kernel (names, and the files that rules
 * by path name now) and take the app's on_auto hook. Nothing is loaded when
 * auto-adoption is off. A path that names no regular file is refused. */
int daemon_auto_start(struct daemon_auto *a, struct app *app, const struct daemon_config *c,
		      char *err, size_t errlen);
/* From the daemon's loop: end sessions whose processes are all gone, and
 * follow a rule's path to the new file when it is replaced (an upgrade). */
void daemon_auto_tick(struct daemon_auto *a);
/* Shutdown: end every auto session. */
void daemon_auto_end_all(struct daemon_auto *a);

#endif
