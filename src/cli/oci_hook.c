/* oci_hook.c: `proctor oci-hook [--socket PATH]`, the OCI hook the daemon
 * installs (docs/DAEMON.md): run by the container runtime at createRuntime
 * with the container's OCI state on stdin, it hands that state to the
 * daemon, which adopts a labelled container before its workload runs, and
 * exits 0 once the daemon answered. It never stops a container from
 * starting: without a daemon, or on any failure, it says so on stderr and
 * exits 0 (the container runs unrecorded, as without the hook). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/daemon_client.h"
#include "daemon/proto.h"
#include "util/util.h"

#define STATE_MAX      (1u << 20)
#define HOOK_TIMEOUT_S 10

static const char oci_usage[] =
	"usage: proctor oci-hook [--socket PATH]   (run by the container runtime: the OCI\n"
	"       state on stdin; see docs/DAEMON.md)\n";

static json_t *read_state(char *err, size_t errlen)
{
	static char buf[STATE_MAX];
	json_error_t je;
	size_t n = fread(buf, 1, sizeof(buf), stdin);
	json_t *j;

	if (n == sizeof(buf)) {
		snprintf(err, errlen, "the OCI state on stdin is larger than %u bytes", STATE_MAX);
		return NULL;
	}
	j = json_loadb(buf, n, 0, &je);
	if (!json_is_object(j)) {
		snprintf(err, errlen, "the OCI state on stdin is not a JSON object: %s", je.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

static int ask_daemon(const char *sock, json_t *state, char *err, size_t errlen)
{
	struct timeval tv = {.tv_sec = HOOK_TIMEOUT_S};
	json_t *rep = NULL;
	int fd = daemon_connect(sock, err, errlen);

	if (fd < 0) {
		json_decref(state);
		return fd == -ENOENT || fd == -ECONNREFUSED ? 1 : -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (daemon_request(fd, json_pack("{s:s,s:o}", "op", "container.start", "state", state),
			   &rep, err, errlen)) {
		close(fd);
		return -1;
	}
	if (verbose)
		fprintf(stderr, "proctor: oci-hook: %s %s\n",
			json_is_true(json_object_get(rep, "adopted")) ? "adopted as session"
								      : "not adopted:",
			json_string_value(json_object_get(rep, "session"))
				?: json_string_value(json_object_get(rep, "why")) ?: "");
	json_decref(rep);
	close(fd);
	return 0;
}

int cmd_oci_hook(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, 0, 's'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	const char *sock = NULL;
	char err[2048];
	json_t *state;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 's')
			sock = optarg;
		else {
			fputs(oci_usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(oci_usage, stderr);
		return EXIT_USAGE;
	}
	if (!(state = read_state(err, sizeof(err)))) {
		err_msg("oci-hook: %s", err);
		return 0;
	}
	if (ask_daemon(sock ? sock : proto_socket_path(), state, err, sizeof(err)) < 0)
		err_msg("oci-hook: %s (the container runs unrecorded)", err);
	return 0;
}
