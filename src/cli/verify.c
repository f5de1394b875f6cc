/* verify.c: `proctor verify [--db PATH] [--key PUBKEY] [--heads FILE] [SESSION|--all]`:
 * check sessions' hash chains and signed checkpoints (store/verify.h). Exit
 * 0 when every checked session is intact, 1 naming the first bad record.
 * Also `proctor db check`: SQLite's integrity check, then every chain. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/heads.h"
#include "store/hostkey.h"
#include "store/store.h"
#include "store/verify.h"
#include "util/strbuf.h"
#include "util/util.h"

static const char usage[] =
	"usage: proctor verify [--db PATH] [--key PUBKEY] [--heads FILE] [SESSION|--all]";

static void report_as(const char *id, const struct verify_result *r);

struct verify_run {
	struct store *st;
	EVP_PKEY *key;
	struct chain_head *heads; /* --heads: what a sink received */
	bool *seen;		  /* --all: heads of a session the store has */
	size_t nheads;
	int bad, failed;
};

static void report(const char *raw, const struct verify_result *r)
{
	struct strbuf vis = STRBUF_INIT;
	const char *id = sb_visible(&vis, raw); /* a --heads file's ids are anyone's */

	report_as(id, r);
	sb_free(&vis);
}

static void report_as(const char *id, const struct verify_result *r)
{
	if (r->status == VERIFY_OK && r->pruned) {
		printf("%s: intact, %" PRId64 " records (records 1..%" PRId64 " pruned), %" PRId64
		       " checkpoints (signed up to record %" PRId64 ")\n",
		       id, r->records, r->pruned, r->checkpoints, r->signed_seq);
		return;
	}
	if (r->status == VERIFY_OK) {
		printf("%s: intact, %" PRId64 " records, %" PRId64
		       " checkpoints (signed up to record %" PRId64 ")",
		       id, r->records, r->checkpoints, r->signed_seq);
		if (r->sink_heads)
			printf(", %" PRId64 " sink heads match", r->sink_heads);
		putchar('\n');
		return;
	}
	printf("%s: %s at record %" PRId64, id, verify_status_name(r->status), r->record);
	if (r->row)
		printf(" (events row %" PRId64 ")", r->row);
	printf(": %s\n", r->detail);
}

static int verify_one(struct verify_run *v, const char *id)
{
	struct verify_result r;
	char err[512];

	if (store_verify_session_heads(v->st, id, v->key, v->heads, v->nheads, &r, err,
				       sizeof(err))) {
		err_msg("verify %s: %s", id, err);
		v->failed++;
		return 0;
	}
	report(id, &r);
	if (r.status != VERIFY_OK)
		v->bad++;
	return 0;
}

/* Mark the heads of session as checked (--all). */
static void mark_seen(struct verify_run *v, const char *session)
{
	size_t i;

	for (i = 0; i < v->nheads; i++)
		if (!strcmp(v->heads[i].session, session))
			v->seen[i] = true;
}

static int verify_row(void *ctx, const struct store_session_row *row)
{
	struct verify_run *v = ctx;

	if (v->seen)
		mark_seen(v, row->id);
	return verify_one(ctx, row->id);
}

/* --all --heads: the sessions a sink has heads of and the store has not
 * (deleted from it) are checked too: their records are gone. */
static void verify_missing(struct verify_run *v)
{
	size_t i;

	for (i = 0; i < v->nheads; i++) {
		if (v->seen[i])
			continue;
		mark_seen(v, v->heads[i].session);
		verify_one(v, v->heads[i].session);
	}
}

static EVP_PKEY *load_key(const char *path)
{
	char def[4200], err[512];
	EVP_PKEY *k;

	if (!path) {
		snprintf(def, sizeof(def), "%s/host.pub", hostkey_dir());
		path = def;
	}
	if (!(k = hostkey_load_public(path, err, sizeof(err))))
		err_msg("%s", err);
	return k;
}

static int open_and_verify(struct verify_run *v, int argc, char **argv, const char *db, bool all,
			   const char *keypath);

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, 0, 'd'}, {"key", required_argument, 0, 'k'},
		{"all", no_argument, 0, 'a'},	   {"heads", required_argument, 0, 'H'},
		{"help", no_argument, 0, 'h'},	   {0},
	};
	const char *db = NULL, *keypath = NULL, *heads = NULL;
	struct store st;
	struct verify_run v = {.st = &st};
	char err[4400];
	bool all = false;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'k': keypath = optarg; break;
		case 'a': all = true; break;
		case 'H': heads = optarg; break;
		case 'h': puts(usage); return 0;
		case ':':
			err_msg("verify: option '%s' needs a value\n%s", argv[optind - 1], usage);
			return EXIT_USAGE;
		default:
			err_msg("verify: unknown option '%s'\n%s", argv[optind - 1], usage);
			return EXIT_USAGE;
		}
	}
	if (all && optind < argc) {
		err_msg("verify: SESSION and --all exclude each other\n%s", usage);
		return EXIT_USAGE;
	}
	if (heads && (rc = chain_heads_load(heads, &v.heads, &v.nheads, err, sizeof(err)))) {
		err_msg("verify: %s", err);
		return rc == -2 ? EXIT_USAGE : EXIT_SETUP;
	}
	if (all && v.nheads && !(v.seen = calloc(v.nheads, sizeof(*v.seen)))) {
		free(v.heads);
		return EXIT_SETUP;
	}
	if ((rc = open_and_verify(&v, argc, argv, db, all, keypath)) < 0)
		rc = v.failed ? EXIT_SETUP : v.bad ? 1 : 0;
	free(v.heads);
	free(v.seen);
	return rc;
}

/* Open the store (--all, or SESSION's) and check: -1 when checked (v
 * counts), else the exit code. */
static int open_and_verify(struct verify_run *v, int argc, char **argv, const char *db, bool all,
			   const char *keypath)
{
	struct store *st = v->st;
	char id[64];
	int rc;

	if (all) {
		if (optind < argc) {
			err_msg("verify: unexpected argument '%s'", argv[optind]);
			return EXIT_USAGE;
		}
		if (cli_open_store(st, db))
			return EXIT_SETUP;
	} else if ((rc = cli_open_session(argc, argv, db, st, id, sizeof(id)))) {
		return rc;
	}
	if (!(v->key = load_key(keypath))) {
		store_close(st);
		return EXIT_SETUP;
	}
	if (all) {
		store_foreach_session(st, verify_row, v);
		if (v->seen)
			verify_missing(v);
	} else {
		verify_one(v, id);
	}
	EVP_PKEY_free(v->key);
	store_close(st);
	return -1;
}

/* `proctor db check [--db PATH] [--key PUBKEY]`: SQLite's integrity check of
 * the file, then every session's chain (docs/STORE.md "Checking a store").
 * Exit 0 when both are intact, 1 naming each problem, 3 when the store or
 * the key cannot be read at all. */
static const char check_usage[] = "usage: proctor db check [--db PATH] [--key PUBKEY]";

static int print_problem(void *ctx, const char *problem)
{
	struct strbuf vis = STRBUF_INIT;

	printf("%s: integrity: %s\n", (const char *)ctx, sb_visible(&vis, problem));
	sb_free(&vis);
	return 0;
}

int cmd_db_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"db", required_argument, 0, 'd'},
		{"key", required_argument, 0, 'k'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	const char *db = NULL, *keypath = NULL;
	struct store st;
	struct verify_run v = {.st = &st};
	char err[4096];
	int c, problems, rows;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'k': keypath = optarg; break;
		case 'h': puts(check_usage); return 0;
		case ':':
			err_msg("db check: option '%s' needs a value\n%s", argv[optind - 1],
				check_usage);
			return EXIT_USAGE;
		default:
			err_msg("db check: unknown option '%s'\n%s", argv[optind - 1], check_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		err_msg("db check: unexpected argument '%s'\n%s", argv[optind], check_usage);
		return EXIT_USAGE;
	}
	if (!db)
		db = store_default_path();
	if (access(db, R_OK)) {
		err_msg("db check: cannot read %s: %s", db, strerror(errno));
		return EXIT_SETUP;
	}
	if (store_open_ro(&st, db, err, sizeof(err))) {
		printf("%s: damaged: %s\n", db, err); /* not a database, truncated */
		return 1;
	}
	if (!(v.key = load_key(keypath))) {
		store_close(&st);
		return EXIT_SETUP;
	}
	if ((problems = store_integrity_check(&st, print_problem, (void *)db, err, sizeof(err))) <
	    0) {
		printf("%s: damaged: %s\n", db, err);
		problems = 1;
	}
	rows = store_foreach_session(&st, verify_row, &v);
	if (rows) {
		printf("%s: damaged: reading the sessions: %s\n", db, store_errmsg(&st));
		v.failed++;
	}
	EVP_PKEY_free(v.key);
	store_close(&st);
	if (problems || v.bad || v.failed) {
		printf("%s: damaged: %d integrity problems, %d sessions not intact, %d "
		       "unreadable\n",
		       db, problems, v.bad, v.failed);
		return 1;
	}
	printf("%s: ok: integrity ok, every session's chain intact\n", db);
	return 0;
}
