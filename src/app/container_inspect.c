/* container_inspect.c: `podman inspect` / `docker inspect` with a Go
 * template of tab-separated fields (no shell; ref is passed as one
 * argument after "--"), parsed into a container_meta. */
#include "app/container_inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LABEL(k) "{{index .Config.Labels \"" k "\"}}"
/* The pod of a CRI container (containerd, CRI-O), from the labels the
 * kubelet sets. */
#define CRI_LABELS                                                                                 \
	LABEL(CONTAINER_LABEL_POD_NAME)                                                            \
	"\t" LABEL(CONTAINER_LABEL_POD_NAMESPACE) "\t" LABEL(CONTAINER_LABEL_POD_UID) "\t"

static const struct {
	const char *runtime, *format;
} runtimes[] = {
	{"podman",
	 "{{.Id}}\t{{.Name}}\t{{.ImageName}}\t{{.State.Pid}}\t" LABEL(
		 CONTAINER_LABEL_AGENT) "\t" LABEL(CONTAINER_LABEL_PROJECT) "\t" CRI_LABELS},
	{"docker",
	 "{{.Id}}\t{{.Name}}\t{{.Config.Image}}\t{{.State.Pid}}\t" LABEL(
		 CONTAINER_LABEL_AGENT) "\t" LABEL(CONTAINER_LABEL_PROJECT) "\t" CRI_LABELS},
};

/* Run RUNTIME inspect; its stdout into out. Returns the exit status, or -1
 * when the runtime is not installed. */
static int run_inspect(const char *runtime, const char *format, const char *ref, char *out,
		       size_t len)
{
	const char *argv[] = {runtime, "inspect", "--format", format, "--", ref, NULL};
	int p[2], status, devnull;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	if ((pid = fork()) < 0)
		return -1;
	if (!pid) {
		devnull = open("/dev/null", O_WRONLY);
		dup2(p[1], 1);
		dup2(devnull, 2);
		execvp(runtime, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	while (n < len - 1 && (r = read(p[0], out + n, len - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += (size_t)r;
	}
	out[n] = 0;
	close(p[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
}

/* The next tab-terminated field of *s into dst. */
static int take(char **s, char *dst, size_t len)
{
	char *tab = strchr(*s, '\t');

	if (!tab)
		return -1;
	snprintf(dst, len, "%.*s", (int)(tab - *s), *s);
	*s = tab + 1;
	return 0;
}

static int parse(char *line, const char *runtime, struct container_meta *m)
{
	char id[128], pid[32], *name;

	memset(m, 0, sizeof(*m));
	if (take(&line, id, sizeof(id)) || strlen(id) != CONTAINER_ID_LEN ||
	    take(&line, m->c.name, sizeof(m->c.name)) ||
	    take(&line, m->c.image, sizeof(m->c.image)) || take(&line, pid, sizeof(pid)) ||
	    take(&line, m->agent, sizeof(m->agent)) ||
	    take(&line, m->project, sizeof(m->project)) ||
	    take(&line, m->c.pod_name, sizeof(m->c.pod_name)) ||
	    take(&line, m->c.pod_namespace, sizeof(m->c.pod_namespace)) ||
	    take(&line, m->c.pod_uid, sizeof(m->c.pod_uid)))
		return -1;
	snprintf(m->c.id, sizeof(m->c.id), "%s", id);
	snprintf(m->c.runtime, sizeof(m->c.runtime), "%s", runtime);
	name = m->c.name[0] == '/' ? m->c.name + 1 : m->c.name; /* docker's "/name" */
	memmove(m->c.name, name, strlen(name) + 1);
	m->pid = (uint32_t)strtoul(pid, NULL, 10);
	return 0;
}

int container_inspect(const char *ref, struct container_meta *m, char *err, size_t errlen)
{
	char out[4096], tried[64] = "";
	size_t i;
	int rc;

	if (!*ref || *ref == '-') {
		snprintf(err, errlen, "--container '%s' is not a container name or id", ref);
		return -1;
	}
	for (i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++) {
		rc = run_inspect(runtimes[i].runtime, runtimes[i].format, ref, out, sizeof(out));
		if (rc < 0)
			continue;
		snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s",
			 *tried ? ", " : "", runtimes[i].runtime);
		if (rc == 0 && !parse(out, runtimes[i].runtime, m))
			return 0;
	}
	if (*tried)
		snprintf(err, errlen, "no container '%s' (asked %s)", ref, tried);
	else
		snprintf(err, errlen, "no container '%s': neither podman nor docker is installed",
			 ref);
	return -1;
}
