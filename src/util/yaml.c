/* yaml.c: strict loading of a YAML file into a libyaml document (yaml.h).
 * The document is built from parser events rather than by yaml_parser_load,
 * so that a second document, an alias, a duplicate key or deep nesting is
 * refused at the event that shows it, before libyaml does any more work (its
 * scanner is quadratic in the nesting depth). */
#include "util/yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frame {
	int id;	 /* the open sequence or mapping */
	int key; /* in a mapping: the key waiting for its value, or 0 */
};

struct builder {
	struct ydoc *d;
	struct frame stack[YDOC_MAX_DEPTH];
	int depth;
	int documents;
};

static int verror_at(struct ydoc *d, int line, int col, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	snprintf(d->err, d->errlen, "%s:%d:%d: %s", d->file, line, col, msg);
	return -1;
}

int ydoc_error_at(struct ydoc *d, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(d, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

int ydoc_error(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(d, ydoc_line(n), ydoc_col(n), fmt, ap);
	va_end(ap);
	return -1;
}

static int error_mark(struct ydoc *d, yaml_mark_t m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int error_mark(struct ydoc *d, yaml_mark_t m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(d, (int)m.line + 1, (int)m.column + 1, fmt, ap);
	va_end(ap);
	return -1;
}

yaml_node_t *ydoc_root(struct ydoc *d)
{
	return d->loaded ? yaml_document_get_root_node(&d->doc) : NULL;
}

yaml_node_t *ydoc_node(struct ydoc *d, int id)
{
	return yaml_document_get_node(&d->doc, id);
}

const char *ydoc_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

int ydoc_line(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 1;
}

int ydoc_col(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.column + 1 : 1;
}

struct key_ref {
	const char *text;
	int order;
	yaml_node_t *node;
};

static int by_text_then_order(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->text, y->text);

	return c ? c : x->order - y->order;
}

/* At the end of a mapping: refuse a key that appears twice, at its second
 * appearance. Sorting keeps this O(n log n) for a mapping of many keys. */
static int check_duplicate_keys(struct ydoc *d, yaml_node_t *map)
{
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start), i;
	struct key_ref *keys, *dup = NULL;

	if (n < 2)
		return 0;
	if (!(keys = calloc(n, sizeof(*keys))))
		return ydoc_error(d, map, "out of memory");
	for (i = 0; i < n; i++) {
		keys[i].node = ydoc_node(d, map->data.mapping.pairs.start[i].key);
		keys[i].text = ydoc_scalar(keys[i].node);
		keys[i].order = (int)i;
	}
	qsort(keys, n, sizeof(*keys), by_text_then_order);
	for (i = 1; i < n; i++)
		if (!strcmp(keys[i - 1].text, keys[i].text) && (!dup || keys[i].order < dup->order))
			dup = &keys[i];
	if (dup) {
		struct key_ref *first = dup;
		while (first > keys && !strcmp(first[-1].text, dup->text))
			first--;
		ydoc_error(d, dup->node,
			   "duplicate key '%s' (first at line %d); every key appears once",
			   dup->text, ydoc_line(first->node));
	}
	free(keys);
	return dup ? -1 : 0;
}

/* A finished node joins its parent: a sequence item, a mapping key, or the
 * value of the waiting key. */
static int attach(struct builder *b, int id)
{
	struct ydoc *d = b->d;
	struct frame *f;
	yaml_node_t *parent;
	int ok;

	if (!b->depth)
		return 0; /* the root: the first node added */
	f = &b->stack[b->depth - 1];
	parent = ydoc_node(d, f->id);
	if (parent->type == YAML_SEQUENCE_NODE)
		ok = yaml_document_append_sequence_item(&d->doc, f->id, id);
	else if (!f->key)
		return f->key = id, 0;
	else {
		ok = yaml_document_append_mapping_pair(&d->doc, f->id, f->key, id);
		f->key = 0;
	}
	return ok ? 0 : ydoc_error(d, parent, "out of memory");
}

/* A collection may not be a mapping key: keys are plain values. */
static bool at_key(struct builder *b)
{
	struct frame *f = b->depth ? &b->stack[b->depth - 1] : NULL;

	return f && ydoc_node(b->d, f->id)->type == YAML_MAPPING_NODE && !f->key;
}

static int open_collection(struct builder *b, yaml_event_t *ev)
{
	struct ydoc *d = b->d;
	bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
	yaml_char_t *tag = seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag;
	yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
	int id;

	if (anchor)
		return error_mark(d, ev->start_mark, "anchors ('&%s') are not supported", anchor);
	if (at_key(b))
		return error_mark(d, ev->start_mark,
				  "a key must be a plain value, not a list or mapping");
	if (b->depth == YDOC_MAX_DEPTH)
		return error_mark(d, ev->start_mark, "nested deeper than %d levels",
				  YDOC_MAX_DEPTH);
	id = seq ? yaml_document_add_sequence(&d->doc, tag, ev->data.sequence_start.style)
		 : yaml_document_add_mapping(&d->doc, tag, ev->data.mapping_start.style);
	if (!id)
		return error_mark(d, ev->start_mark, "out of memory");
	ydoc_node(d, id)->start_mark = ev->start_mark;
	if (attach(b, id))
		return -1;
	b->stack[b->depth++] = (struct frame){.id = id};
	return 0;
}

static int close_collection(struct builder *b, yaml_event_t *ev)
{
	yaml_node_t *n = ydoc_node(b->d, b->stack[b->depth - 1].id);

	n->end_mark = ev->end_mark;
	if (n->type == YAML_MAPPING_NODE && check_duplicate_keys(b->d, n))
		return -1;
	b->depth--;
	return 0;
}

static int add_scalar(struct builder *b, yaml_event_t *ev)
{
	struct ydoc *d = b->d;
	int id;

	if (ev->data.scalar.anchor)
		return error_mark(d, ev->start_mark, "anchors ('&%s') are not supported",
				  ev->data.scalar.anchor);
	id = yaml_document_add_scalar(&d->doc, ev->data.scalar.tag, ev->data.scalar.value,
				      (int)ev->data.scalar.length, ev->data.scalar.style);
	if (!id)
		return error_mark(d, ev->start_mark, "out of memory");
	ydoc_node(d, id)->start_mark = ev->start_mark;
	ydoc_node(d, id)->end_mark = ev->end_mark;
	return attach(b, id);
}

static int on_event(struct builder *b, yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++b->documents > 1)
			return error_mark(b->d, ev->start_mark,
					  "a second YAML document ('---'): the file must hold "
					  "exactly one");
		return 0;
	case YAML_ALIAS_EVENT:
		return error_mark(b->d, ev->start_mark,
				  "aliases ('*%s') are not supported (quote a value that starts "
				  "with '*')",
				  ev->data.alias.anchor);
	case YAML_SCALAR_EVENT: return add_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: return open_collection(b, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: return close_collection(b, ev);
	default: return 0;
	}
}

static int syntax_error(struct ydoc *d, yaml_parser_t *p)
{
	return ydoc_error_at(d, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
			     "YAML syntax: %s%s%s", p->problem ? p->problem : "invalid YAML",
			     p->context ? " " : "", p->context ? p->context : "");
}

static int build(struct builder *b, yaml_parser_t *parser)
{
	yaml_event_t ev;
	bool done = false;
	int rc = 0;

	while (!done && !rc) {
		if (!yaml_parser_parse(parser, &ev))
			return syntax_error(b->d, parser);
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = on_event(b, &ev);
		yaml_event_delete(&ev);
	}
	return rc;
}

int ydoc_load(struct ydoc *d, const char *name, const char *text, size_t len, char *err,
	      size_t errlen)
{
	struct builder b = {.d = d};
	yaml_parser_t parser;
	int rc;

	memset(d, 0, sizeof(*d));
	d->file = name;
	d->err = err;
	d->errlen = errlen;
	if (len > YDOC_MAX_BYTES)
		return ydoc_error_at(d, 1, 1, "larger than 1 MiB");
	if (!yaml_document_initialize(&d->doc, NULL, NULL, NULL, 1, 1))
		return ydoc_error_at(d, 1, 1, "out of memory");
	d->loaded = true;
	if (!yaml_parser_initialize(&parser)) {
		ydoc_free(d);
		return ydoc_error_at(d, 1, 1, "out of memory");
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	rc = build(&b, &parser);
	yaml_parser_delete(&parser);
	if (rc)
		ydoc_free(d);
	return rc;
}

int ydoc_load_file(struct ydoc *d, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	memset(d, 0, sizeof(*d));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!(buf = malloc(YDOC_MAX_BYTES + 1))) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(buf, 1, YDOC_MAX_BYTES + 1, f);
	if (ferror(f) || n > YDOC_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 ferror(f) ? strerror(errno) : "larger than 1 MiB");
		rc = -1;
	} else {
		rc = ydoc_load(d, path, buf, n, err, errlen);
	}
	free(buf);
	fclose(f);
	return rc;
}

void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
}
