/* jresp.c: JSON replies through libyaml's document API. */
#include "sinks/jresp.h"

#include <stdlib.h>
#include <string.h>

int jdoc_parse(struct jdoc *j, const char *text, size_t len)
{
	yaml_parser_t p;

	memset(j, 0, sizeof(*j));
	if (!text || !len)
		return -1;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	j->ok = yaml_parser_load(&p, &j->d) && yaml_document_get_root_node(&j->d);
	if (!j->ok)
		yaml_document_delete(&j->d);
	yaml_parser_delete(&p);
	return j->ok ? 0 : -1;
}

void jdoc_free(struct jdoc *j)
{
	if (j->ok)
		yaml_document_delete(&j->d);
	j->ok = false;
}

yaml_node_t *jdoc_root(struct jdoc *j)
{
	return j->ok ? yaml_document_get_root_node(&j->d) : NULL;
}

yaml_node_t *jget(struct jdoc *j, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *pr;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&j->d, pr->key);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, key))
			return yaml_document_get_node(&j->d, pr->value);
	}
	return NULL;
}

yaml_node_t *jfirst(struct jdoc *j, yaml_node_t *map)
{
	if (!map || map->type != YAML_MAPPING_NODE ||
	    map->data.mapping.pairs.start == map->data.mapping.pairs.top)
		return NULL;
	return yaml_document_get_node(&j->d, map->data.mapping.pairs.start->value);
}

size_t jlen(yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *jat(struct jdoc *j, yaml_node_t *seq, size_t i)
{
	if (i >= jlen(seq))
		return NULL;
	return yaml_document_get_node(&j->d, seq->data.sequence.items.start[i]);
}

const char *jstr(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

long jint(yaml_node_t *n, long dflt)
{
	const char *s = jstr(n);
	char *end;
	long v;

	if (!s || !*s)
		return dflt;
	v = strtol(s, &end, 10);
	return *end ? dflt : v;
}

bool jtrue(yaml_node_t *n)
{
	const char *s = jstr(n);
	return s && !strcmp(s, "true");
}
