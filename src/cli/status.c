/* status.c: `proctor status [--json]`: the daemon's health, asked over its
 * control socket. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "daemon/proto.h"
#include "util/util.h"

static const char status_usage[] = "usage: proctor status [--json] [--socket PATH]\n";

static json_int_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void print_text(json_t *st)
{
	json_t *ring = json_object_get(st, "ring"), *drops = json_object_get(st, "drops"), *v;
	json_t *sessions = json_object_get(st, "sessions"), *store = json_object_get(st, "store");
	const char *key;
	size_t i;

	printf("daemon: proctor %s, pid %lld, up %.0f s, protocol %lld\n", str(st, "version"),
	       (long long)num(st, "pid"), json_real_value(json_object_get(st, "uptime_s")),
	       (long long)num(st, "protocol"));
	printf("events: %.1f/s\n", json_real_value(json_object_get(st, "events_per_s")));
	printf("ring buffer: %lld KiB pending of %lld KiB, high water %lld KiB\n",
	       (long long)num(ring, "pending_bytes") >> 10,
	       (long long)num(ring, "size_bytes") >> 10,
	       (long long)num(ring, "high_water_bytes") >> 10);
	printf("drops:");
	json_object_foreach(drops, key, v)
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	printf("\n");
	printf("unattributed events: %lld\n", (long long)num(st, "attribution_missing"));
	json_array_foreach(json_object_get(st, "sinks"), i, v)
		printf("sink %s: %s, %lld records, %lld failures, %lld dropped\n", str(v, "url"),
		       str(v, "state"), (long long)num(v, "records"), (long long)num(v, "failures"),
		       (long long)num(v, "dropped"));
	if (*str(store, "path"))
		printf("store: %s, %lld bytes, %lld chain heads exported, %lld lost\n",
		       str(store, "path"), (long long)num(store, "bytes"),
		       (long long)num(store, "heads"), (long long)num(store, "heads_lost"));
	printf("sessions live: %zu\n", json_array_size(sessions));
	json_array_foreach(sessions, i, v)
		printf("  %s agent=%s project=%s origin=%s start=%s events=%lld%s\n", str(v, "id"),
		       str(v, "agent"), str(v, "project"), str(v, "origin"), str(v, "start"),
		       (long long)num(v, "events"),
		       json_is_true(json_object_get(v, "ending")) ? " (ending)" : "");
}

int cmd_status(int argc, char **argv)
{
	const char *path = proto_socket_path();
	bool as_json = false;
	char err[1200];
	json_t *rep;
	int i, fd;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			as_json = true;
		else if (!strcmp(argv[i], "--socket") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(status_usage, stdout);
			return 0;
		} else {
			err_msg("unknown argument '%s'\n%s", argv[i], status_usage);
			return EXIT_USAGE;
		}
	}
	if ((fd = daemon_connect(path, err, sizeof(err))) < 0 ||
	    daemon_request(fd, json_pack("{s:s}", "op", "status"), &rep, err, sizeof(err))) {
		err_msg("%s", err);
		if (fd >= 0)
			close(fd);
		return EXIT_SETUP;
	}
	close(fd);
	if (as_json) {
		json_object_del(rep, "ok");
		json_dumpf(rep, stdout, JSON_COMPACT);
		putchar('\n');
	} else
		print_text(rep);
	json_decref(rep);
	return 0;
}
