/* bypass.c: `proctor bypass SESSION DURATION`: let a running session's
 * egress through for DURATION (recorded BYPASSED, with the rule that would
 * have denied it). Talks to the session over its control socket
 * (PROCTOR_CTL_DIR/<session>.sock, see src/egress/session.h). SESSION may be
 * "latest": the most recently started session that has a socket. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "egress/session.h"
#include "util/util.h"

static const char bypass_usage[] =
	"usage: proctor bypass SESSION|latest DURATION\n"
	"  let SESSION's network traffic through for DURATION (e.g. 5m, 30s, 0 to end\n"
	"  a bypass); every flow is recorded as BYPASSED with the rule it broke\n";

static int latest_session(char *id, size_t len)
{
	DIR *d = opendir(PROCTOR_CTL_DIR);
	struct dirent *de;
	time_t best = 0;
	char path[512];
	struct stat sb;

	if (!d)
		return -1;
	id[0] = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".sock"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", PROCTOR_CTL_DIR, de->d_name);
		if (stat(path, &sb) || sb.st_mtime < best)
			continue;
		best = sb.st_mtime;
		snprintf(id, len, "%.*s", (int)(n - 5), de->d_name);
	}
	closedir(d);
	return id[0] ? 0 : -1;
}

int cmd_bypass(int argc, char **argv)
{
	char id[64], line[160], reply[256];
	uint64_t ns;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(bypass_usage, stdout);
		return 0;
	}
	for (rc = 1; rc < argc; rc++)
		if (argv[rc][0] == '-' && argv[rc][1]) {
			err_msg("bypass: unknown option '%s'", argv[rc]);
			fputs(bypass_usage, stderr);
			return EXIT_USAGE;
		}
	if (argc != 3) {
		fputs(bypass_usage, stderr);
		return EXIT_USAGE;
	}
	if (parse_duration_ns(argv[2], &ns)) {
		err_msg("bypass: '%s' is not a duration (e.g. 5m, 30s)", argv[2]);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "latest")) {
		if (latest_session(id, sizeof(id))) {
			err_msg("bypass: no running session with an egress policy");
			return 1;
		}
	} else if (strlen(argv[1]) >= sizeof(id) || strchr(argv[1], '/')) {
		err_msg("bypass: '%s' is not a session id", argv[1]);
		return EXIT_USAGE;
	} else {
		snprintf(id, sizeof(id), "%s", argv[1]);
	}
	snprintf(line, sizeof(line), "bypass %s %llu\n", id, (unsigned long long)ns);
	if ((rc = egress_ctl_request(id, line, reply, sizeof(reply)))) {
		err_msg("bypass: cannot reach session %s (%s): is it running with --policy?", id,
			strerror(-rc));
		return 1;
	}
	if (strncmp(reply, "ok ", 3)) {
		err_msg("bypass: session %s: %s", id, reply);
		return 1;
	}
	printf("session %s: egress bypassed until %s", id, reply + 3);
	return 0;
}
