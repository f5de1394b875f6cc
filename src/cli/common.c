/* common.c: helpers shared by the query subcommands. */
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
	return 0;
}
