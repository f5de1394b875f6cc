/* yaml.h: the one set of YAML helpers for proctor's input files (the policy
 * file and the pipeline configuration). Loading is strict, because these
 * files are untrusted and a silently ignored line can disable a rule:
 *   - one document only (a second document after `---` is an error);
 *   - every mapping key appears once (a duplicate is an error, never "last wins");
 *   - keys are plain values; anchors and aliases are refused;
 *   - nesting is bounded (YDOC_MAX_DEPTH), so bad input fails fast.
 * The result is a libyaml document; nodes carry their line and column.
 * Every error reads "FILE:LINE:COL: reason". */
#ifndef PROCTOR_UTIL_YAML_H
#define PROCTOR_UTIL_YAML_H
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define YDOC_MAX_DEPTH 32	  /* nested collections */
#define YDOC_MAX_BYTES (1u << 20) /* a file larger than this is refused */

struct ydoc {
	yaml_document_t doc;
	bool loaded;
	const char *file; /* in messages */
	char *err;
	size_t errlen;
};

/* Load text (or a file) into d. 0, or -1 with "FILE:LINE:COL: reason" in err.
 * d->file points at name/path: it must outlive d. */
int ydoc_load(struct ydoc *d, const char *name, const char *text, size_t len, char *err,
	      size_t errlen);
int ydoc_load_file(struct ydoc *d, const char *path, char *err, size_t errlen);
void ydoc_free(struct ydoc *d);

yaml_node_t *ydoc_root(struct ydoc *d); /* NULL: the file is empty */
yaml_node_t *ydoc_node(struct ydoc *d, int id);
/* The text of a scalar node; NULL for anything else. */
const char *ydoc_scalar(const yaml_node_t *n);
int ydoc_line(const yaml_node_t *n); /* 1-based; 1 for NULL */
int ydoc_col(const yaml_node_t *n);  /* 1-based; 1 for NULL */

/* Write "FILE:LINE:COL: reason" (the position of n) into d->err; returns -1. */
int ydoc_error(struct ydoc *d, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ydoc_error_at(struct ydoc *d, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Iterate a mapping: k is the key node, v the value node. */
#define YDOC_FOR_PAIRS(d, map, k, v)                                                               \
	for (yaml_node_pair_t *pair_ = (map)->data.mapping.pairs.start;                            \
	     pair_ < (map)->data.mapping.pairs.top &&                                              \
	     ((k) = ydoc_node((d), pair_->key), (v) = ydoc_node((d), pair_->value), 1);            \
	     pair_++)
/* Iterate a sequence: v is each item node. */
#define YDOC_FOR_ITEMS(d, seq, v)                                                                  \
	for (yaml_node_item_t *item_ = (seq)->data.sequence.items.start;                           \
	     item_ < (seq)->data.sequence.items.top && ((v) = ydoc_node((d), *item_), 1); item_++)

#endif
