/* jresp.h: read small JSON replies from receivers (OpenSearch _bulk,
 * Splunk HEC) defensively. JSON is parsed with libyaml (a JSON document is
 * a YAML flow document), so no hand-written parser handles untrusted input. */
#ifndef PROCTOR_JRESP_H
#define PROCTOR_JRESP_H
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

struct jdoc {
	yaml_document_t d;
	bool ok;
};

int jdoc_parse(struct jdoc *j, const char *text, size_t len); /* 0 or -1 */
void jdoc_free(struct jdoc *j);
yaml_node_t *jdoc_root(struct jdoc *j);
yaml_node_t *jget(struct jdoc *j, yaml_node_t *map, const char *key); /* NULL if absent */
size_t jlen(yaml_node_t *seq);
yaml_node_t *jat(struct jdoc *j, yaml_node_t *seq, size_t i);
long jint(yaml_node_t *n, long dflt);
bool jtrue(yaml_node_t *n);
const char *jstr(yaml_node_t *n); /* NULL unless a scalar */
/* First (only) value of a one-key mapping, e.g. {"create": {...}}. */
yaml_node_t *jfirst(struct jdoc *j, yaml_node_t *map);

#endif
