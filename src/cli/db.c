/* db.c: `proctor db migrate [--db PATH]` (a schema v1 store to v2) and
 * `proctor db prune [--older-than DURATION] [--max-size SIZE] [--db PATH]`
 * (store/maint.h, docs/STORE.md "Retention"); `db check` is verify.c's. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/hostkey.h"
#include "store/maint.h"
#include "store/store.h"
#include "util/util.h"

static const char usage[] =
	"usage: proctor db migrate [--db PATH]\n"
	"       proctor db prune [--older-than DURATION] [--max-size SIZE] [--db PATH]\n"
	"       proctor db check [--db PATH] [--key PUBKEY]\n";

static int db_migrate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0}};
	struct store_migrate_result res;
	const char *db = NULL;
	char err[4096];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'd') {
			db = optarg;
		} else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "proctor db migrate: unknown option '%s'\n%s",
				argv[optind - 1], usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "proctor db migrate: unexpected argument '%s'\n%s", argv[optind],
			usage);
		return EXIT_USAGE;
	}
	if (!db)
		db = store_default_path();
	if (store_migrate(db, &res, err, sizeof(err))) {
		err_msg("%s", err);
		return EXIT_SETUP;
	}
	if (res.from_version == STORE_SCHEMA_VERSION)
		printf("%s: already schema version %d (%" PRId64 " events)\n", db,
		       STORE_SCHEMA_VERSION, res.events);
	else
		printf("%s: migrated from schema version %d to %d: %" PRId64 " events of %" PRId64
		       " sessions, %" PRId64 " -> %" PRId64 " bytes\n",
		       db, res.from_version, STORE_SCHEMA_VERSION, res.events, res.sessions,
		       res.bytes_before, res.bytes_after);
	return 0;
}

static int bad_value(const char *opt, const char *v)
{
	fprintf(stderr, "proctor db prune: invalid %s '%s'\n%s", opt, v, usage);
	return EXIT_USAGE;
}

static int db_prune(int argc, char **argv)
{
	static const struct option longopts[] = {{"db", required_argument, 0, 'd'},
						 {"older-than", required_argument, 0, 'o'},
						 {"max-size", required_argument, 0, 's'},
						 {"help", no_argument, 0, 'h'},
						 {0}};
	struct store_prune_result res;
	uint64_t age = 0, size = 0, now = now_realtime_ns();
	const char *db = NULL;
	char err[4096];
	EVP_PKEY *key;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'd') {
			db = optarg;
		} else if (c == 'o') {
			if (parse_duration_ns(optarg, &age) || !age || age > now)
				return bad_value("--older-than", optarg);
		} else if (c == 's') {
			if (parse_size(optarg, &size) || !size || size > INT64_MAX)
				return bad_value("--max-size", optarg);
		} else if (c == 'h') {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "proctor db prune: unknown option '%s'\n%s",
				argv[optind - 1], usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "proctor db prune: unexpected argument '%s'\n%s", argv[optind],
			usage);
		return EXIT_USAGE;
	}
	if (!age && !size) {
		fprintf(stderr, "proctor db prune: give --older-than, --max-size or both\n%s",
			usage);
		return EXIT_USAGE;
	}
	if (!db)
		db = store_default_path();
	if (!(key = hostkey_load_or_create(err, sizeof(err)))) {
		err_msg("%s", err);
		return EXIT_SETUP;
	}
	rc = store_prune(db, key, age ? (int64_t)(now - age) : 0, (int64_t)size, &res, err,
			 sizeof(err));
	EVP_PKEY_free(key);
	if (rc) {
		err_msg("%s", err);
		return EXIT_SETUP;
	}
	printf("%s: pruned %" PRId64 " events of %" PRId64 " sessions, %" PRId64 " -> %" PRId64
	       " bytes\n",
	       db, res.events, res.sessions, res.bytes_before, res.bytes_after);
	return 0;
}

int cmd_db(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "migrate"))
		return db_migrate(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "prune"))
		return db_prune(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return cmd_db_check(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "proctor db: %s '%s'\n%s", argc >= 2 ? "unknown subcommand" : "missing",
		argc >= 2 ? argv[1] : "subcommand", usage);
	return EXIT_USAGE;
}
