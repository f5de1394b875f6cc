/* serve.c: `proctor serve` (the HTTP API, src/serve) and `proctor token
 * create|list|revoke` (its bearer tokens, kept hashed in the store; every
 * create and revoke is recorded in the store's audit table). */
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "serve/serve.h"
#include "store/api.h"
#include "util/strbuf.h"
#include "util/util.h"

static const char serve_usage[] =
	"usage: proctor serve [--listen HOST:PORT] [--tls-cert PEM --tls-key PEM]\n"
	"                     [--insecure-http] [--db PATH]\n"
	"  --listen defaults to 127.0.0.1:7070; an address off loopback needs TLS\n"
	"  (or --insecure-http). The API is described in docs/API.md.";

static const char token_usage[] =
	"usage: proctor token create (--project P ... | --all-projects) (--read | --admin)\n"
	"       proctor token list [--json]\n"
	"       proctor token revoke ID\n"
	"  every form takes --db PATH";

int cmd_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"listen", required_argument, 0, 'l'},
		{"db", required_argument, 0, 'd'},
		{"tls-cert", required_argument, 0, 'c'},
		{"tls-key", required_argument, 0, 'k'},
		{"insecure-http", no_argument, 0, 'i'},
		{"help", no_argument, 0, 'h'},
		{0},
	};
	struct serve_opts o = {.listen = "127.0.0.1:7070",
			       .what = "--listen",
			       .tls_options = "--tls-cert and --tls-key"};
	char err[1024];
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o.listen = optarg; break;
		case 'd': o.db = optarg; break;
		case 'c': o.tls_cert = optarg; break;
		case 'k': o.tls_key = optarg; break;
		case 'i': o.insecure_http = true; break;
		case 'h': puts(serve_usage); return 0;
		case ':':
			err_msg("serve: option '%s' needs a value\n%s", argv[optind - 1],
				serve_usage);
			return EXIT_USAGE;
		default:
			err_msg("serve: unknown option '%s'\n%s", argv[optind - 1], serve_usage);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		err_msg("serve: unexpected argument '%s'\n%s", argv[optind], serve_usage);
		return EXIT_USAGE;
	}
	if (!o.db)
		o.db = store_default_path();
	if (serve_run(&o, err, sizeof(err))) {
		err_msg("serve: %s", err);
		return strstr(err, "--listen") || strstr(err, "--tls") ? EXIT_USAGE : EXIT_SETUP;
	}
	return 0;
}

static void actor(char *out, size_t len)
{
	struct passwd *pw = getpwuid(getuid());
	snprintf(out, len, "cli:%s", pw ? pw->pw_name : "?");
}

static int open_rw(struct store *st, const char *db)
{
	char err[1024];

	if (store_open_rw(st, db ? db : store_default_path(), err, sizeof(err))) {
		err_msg("token: %s", err);
		return -1;
	}
	return 0;
}

static int token_create(const char *db, const char *scope, struct strbuf *projects)
{
	char token[STORE_TOKEN_LEN + 1], err[1024], who[96];
	struct store_token t;
	struct strbuf detail = STRBUF_INIT;
	struct store st;
	int rc = 0;

	if (open_rw(&st, db))
		return EXIT_SETUP;
	sqlite3_exec(st.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (store_token_create(&st, scope, projects->len ? sb_cstr(projects) : NULL, token, &t, err,
			       sizeof(err)))
		rc = 1;
	if (!rc) {
		actor(who, sizeof(who));
		sb_printf(&detail, "{\"token\":\"%s\",\"scope\":\"%s\",\"projects\":%s}", t.id,
			  t.scope, projects->len ? sb_cstr(projects) : "null");
		rc = store_audit(&st, "token.create", who, sb_cstr(&detail), err, sizeof(err));
	}
	if (rc || sqlite3_exec(st.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(st.db, "ROLLBACK", NULL, NULL, NULL);
		err_msg("token create: %s", rc ? err : store_errmsg(&st));
		rc = 1;
	} else {
		puts(token);
		fprintf(stderr,
			"token %s (%s, projects %s): shown once, only its SHA-256 is stored\n",
			t.id, t.scope, projects->len ? sb_cstr(projects) : "all");
	}
	sb_free(&detail);
	store_close(&st);
	return rc;
}

static int token_revoke(const char *db, const char *id)
{
	char err[1024], who[96];
	struct strbuf detail = STRBUF_INIT;
	struct store st;
	int rc;

	if (open_rw(&st, db))
		return EXIT_SETUP;
	actor(who, sizeof(who));
	sb_puts(&detail, "{\"token\":");
	sb_json_str(&detail, id);
	sb_putc(&detail, '}');
	sqlite3_exec(st.db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	rc = store_token_revoke(&st, id, err, sizeof(err)) ||
	     store_audit(&st, "token.revoke", who, sb_cstr(&detail), err, sizeof(err));
	if (rc || sqlite3_exec(st.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(st.db, "ROLLBACK", NULL, NULL, NULL);
		err_msg("token revoke: %s", rc ? err : store_errmsg(&st));
		rc = 1;
	} else
		fprintf(stderr, "token %s revoked\n", id);
	sb_free(&detail);
	store_close(&st);
	return rc;
}

static int print_token(void *ctx, const struct store_token *t)
{
	char created[40], revoked[40] = "";
	bool json = *(bool *)ctx;

	fmt_rfc3339((uint64_t)t->created_ns, created, sizeof(created));
	if (t->revoked_ns)
		fmt_rfc3339((uint64_t)t->revoked_ns, revoked, sizeof(revoked));
	if (json) {
		printf("{\"id\":\"%s\",\"scope\":\"%s\",\"projects\":%s,\"created\":\"%s\","
		       "\"revoked\":%s%s%s}\n",
		       t->id, t->scope, *t->projects_json ? t->projects_json : "null", created,
		       *revoked ? "\"" : "", *revoked ? revoked : "null", *revoked ? "\"" : "");
		return 0;
	}
	created[19] = 0;
	printf("%-16s %-5s %-19s %-8s %s\n", t->id, t->scope, created,
	       t->revoked_ns ? "revoked" : "live", *t->projects_json ? t->projects_json : "all");
	return 0;
}

static int token_list(const char *db, bool json)
{
	struct store st;
	int rc;

	if (open_rw(&st, db))
		return EXIT_SETUP;
	if (!json)
		printf("%-16s %-5s %-19s %-8s %s\n", "ID", "SCOPE", "CREATED", "STATUS",
		       "PROJECTS");
	rc = store_foreach_token(&st, print_token, &json);
	store_close(&st);
	return rc ? 1 : 0;
}

int cmd_token(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"project", required_argument, 0, 'p'}, {"all-projects", no_argument, 0, 'a'},
		{"read", no_argument, 0, 'r'},		{"admin", no_argument, 0, 'A'},
		{"json", no_argument, 0, 'j'},		{"db", required_argument, 0, 'd'},
		{"help", no_argument, 0, 'h'},		{0},
	};
	struct strbuf projects = STRBUF_INIT;
	const char *db = NULL, *scope = NULL, *verb = argc > 1 ? argv[1] : "";
	bool all = false, json = false;
	int c, rc = EXIT_USAGE;

	optind = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!*optarg) {
				err_msg("token: --project needs a name");
				goto out;
			}
			sb_puts(&projects, projects.len ? "," : "[");
			sb_json_str(&projects, optarg);
			break;
		case 'a': all = true; break;
		case 'r': scope = scope && strcmp(scope, "read") ? "" : "read"; break;
		case 'A': scope = scope && strcmp(scope, "admin") ? "" : "admin"; break;
		case 'j': json = true; break;
		case 'd': db = optarg; break;
		case 'h':
			puts(token_usage);
			rc = 0;
			goto out;
		case ':':
			err_msg("token: option '%s' needs a value\n%s", argv[optind - 1],
				token_usage);
			goto out;
		default:
			err_msg("token: unknown option '%s'\n%s", argv[optind - 1], token_usage);
			goto out;
		}
	}
	if (projects.len)
		sb_putc(&projects, ']');
	if (!strcmp(verb, "create")) {
		if (optind < argc || !scope || !*scope || all == !!projects.len) {
			err_msg("token create: give --read or --admin, and --project P "
				"(repeatable) "
				"or --all-projects\n%s",
				token_usage);
			goto out;
		}
		rc = token_create(db, scope, &projects);
	} else if (!strcmp(verb, "list") && optind == argc && !scope && !projects.len && !all) {
		rc = token_list(db, json);
	} else if (!strcmp(verb, "revoke") && optind == argc - 1 && !scope && !projects.len &&
		   !all) {
		rc = token_revoke(db, argv[optind]);
	} else {
		err_msg("token: expected create, list or revoke ID\n%s", token_usage);
	}
out:
	sb_free(&projects);
	return rc;
}
