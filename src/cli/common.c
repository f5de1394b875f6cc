/* common.c: helpers shared by the query subcommands. */
#include <getopt.h>

#include "cli/cli.h"
#include "store/store.h"
#include "util/util.h"

int cli_open_store(struct store *st, const char *db)
{
	char err[4096];

	if (store_open_ro(st, db ? db : store_default_path(), err, sizeof(err))) {
		err_msg("%s", err);
		return -1;
	}
	if (st->version == 1)
		err_msg("note: %s is a schema version 1 store, read as it is; `proctor db "
			"migrate --db %s` makes it version %d",
			st->path, st->path, STORE_SCHEMA_VERSION);
	return 0;
}

int cli_open_session(int argc, char **argv, const char *db, struct store *st, char *id,
		     size_t idlen)
{
	const char *want = NULL;
	char err[512];

	if (optind < argc)
		want = argv[optind++];
	if (optind < argc) {
		err_msg("%s: unexpected argument '%s'", argv[0], argv[optind]);
		return EXIT_USAGE;
	}
	if (cli_open_store(st, db))
		return EXIT_SETUP;
	if (store_resolve_session(st, want, id, idlen, err, sizeof(err))) {
		err_msg("%s", err);
		store_close(st);
		return 1;
	}
	return 0;
}
