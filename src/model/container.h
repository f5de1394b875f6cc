/* container.h: container attribution: which container (runtime and id)
 * and which Kubernetes pod a cgroup v2 path belongs to, for the cgroupfs
 * and systemd drivers of podman/libpod, docker, containerd (CRI) and CRI-O,
 * and the metadata the runtime gives (name, image, labels) once resolved. */
#ifndef PROCTOR_CONTAINER_H
#define PROCTOR_CONTAINER_H
#include <stdbool.h>
#include <stddef.h>

#define CONTAINER_ID_LEN 64

struct container {
	char runtime[16];		 /* "podman", "docker", "containerd", "cri-o" */
	char id[CONTAINER_ID_LEN + 1];	 /* full hex id */
	char name[256];			 /* from the runtime; "" unknown */
	char image[512];		 /* image name; "" unknown */
	char pod_name[256], pod_uid[40]; /* Kubernetes; "" outside a pod */
	char pod_namespace[256];
};

/* Parse a cgroup path as in /proc/PID/cgroup ("0::" stripped): fills
 * runtime and id (and pod_uid under kubepods) and returns true when the
 * path is a container's or below one; false (c zeroed) otherwise. The
 * runtime's monitor (conmon) is not the container. Pure: no I/O. */
bool container_from_cgroup(const char *path, struct container *c);

#endif
