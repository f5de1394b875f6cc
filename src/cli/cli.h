/* cli.h: subcommand entry points (one file each under src/cli/). */
#ifndef PROCTOR_CLI_H
#define PROCTOR_CLI_H
#include <stdbool.h>
#include <stddef.h>

int cmd_run(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_bypass(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_hook(int argc, char **argv);
int cmd_mcp(int argc, char **argv);
/* `proctor hook install|uninstall`: argv[0] is "install" or "uninstall". */
int hook_install(int argc, char **argv, bool install);
int cmd_daemon(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_oci_hook(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_report(int argc, char **argv);

/* Exit codes shared by the subcommands. */
#define EXIT_USAGE 2 /* bad flags or arguments */
#define EXIT_SETUP 3 /* not root, store or BPF failure */

#endif

struct store;
/* Open the store read-only for a query command; prints the error. */
int cli_open_store(struct store *st, const char *db);
/* After option parsing: take the optional SESSION argument (default the
 * latest), open the store and resolve it into id. Returns 0, or the exit
 * status to return (usage error, set-up failure, unknown session). */
int cli_open_session(int argc, char **argv, const char *db, struct store *st, char *id,
		     size_t idlen);
