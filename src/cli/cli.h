/* cli.h: subcommand entry points (one file each under src/cli/). */
#ifndef PROCTOR_CLI_H
#define PROCTOR_CLI_H

int cmd_run(int argc, char **argv);
int cmd_sessions(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_bypass(int argc, char **argv);

/* Exit codes shared by the subcommands. */
#define EXIT_USAGE 2   /* bad flags or arguments */
#define EXIT_SETUP 3   /* not root, store or BPF failure */

#endif

struct store;
/* Open the store read-only for a query command; prints the error. */
int cli_open_store(struct store *st, const char *db);
