/* container_inspect.h: a container's metadata from its runtime's CLI
 * (podman, then docker): id, name, image, main pid and the attribution
 * labels, for `proctor watch --container`. */
#ifndef PROCTOR_CONTAINER_INSPECT_H
#define PROCTOR_CONTAINER_INSPECT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/container.h"

/* The label keys agent and project are read from by default. */
#define CONTAINER_LABEL_AGENT	"proctor.agent"
#define CONTAINER_LABEL_PROJECT "proctor.project"
/* The kubelet's labels on a CRI container: its pod (k8s.* fields). */
#define CONTAINER_LABEL_POD_NAME      "io.kubernetes.pod.name"
#define CONTAINER_LABEL_POD_NAMESPACE "io.kubernetes.pod.namespace"
#define CONTAINER_LABEL_POD_UID	      "io.kubernetes.pod.uid"

struct container_meta {
	struct container c;	      /* runtime, id, name, image, pod (CRI labels) */
	uint32_t pid;		      /* its main process (0: not running) */
	char agent[64], project[128]; /* from the labels; "" without */
	bool labelled;		      /* it has an attribution label (container_state) */
};

/* Ask each installed runtime about ref (a name or an id); the first that
 * knows it answers. Returns 0, or -1 with err ("no container ..."). */
int container_inspect(const char *ref, struct container_meta *m, char *err, size_t errlen);

#endif
