/* record.h: one decoded event as an ordered list of fields named as in
 * ../shared/spec/events.md. Decoders fill it, the pipeline enriches, redacts
 * and filters it, and every sink (SQLite, JSON lines, syslog, OTLP, ...)
 * serializes from it, so a field a decoder adds reaches every export as is.
 * Strings live in the record's arena and stay valid until record_reset(). */
#ifndef PROCTOR_RECORD_H
#define PROCTOR_RECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

enum field_kind { FIELD_STR, FIELD_INT, FIELD_BOOL, FIELD_STRV, FIELD_DOUBLE };

struct field {
	const char *key; /* static storage, e.g. "file.path" */
	enum field_kind kind;
	uint32_t klen; /* strlen(key): lookups compare lengths first */
	union {
		const char *s;
		int64_t i;
		double d; /* finite; written with 12 significant digits */
		bool b;
		struct {
			const char **v;
			uint32_t n;
		} sv;
	};
};

struct arena_block;
struct arena {
	struct arena_block *head;
	size_t used_total;
};

#define RECORD_MAX_FIELDS 64

struct record {
	uint64_t time_ns;      /* wall clock, ns since the epoch */
	uint16_t type;	       /* enum pr_event_type */
	const char *type_name; /* "process.exec" */
	uint64_t session_key;  /* kernel session key, 0 if none */
	uint64_t cgroup_id;
	uint32_t pid;
	uint32_t nf;
	uint32_t lost_fields; /* adds refused because f[] was full */
	struct field f[RECORD_MAX_FIELDS];
	struct arena arena;
};

void record_init(struct record *r);
void record_reset(struct record *r); /* drop fields, keep memory */
void record_free(struct record *r);

void *record_alloc(struct record *r, size_t n);
char *record_strdup(struct record *r, const char *s);
char *record_strndup(struct record *r, const char *s, size_t n);

/* Start a record: sets time/type and adds them as the first fields. */
void record_begin(struct record *r, uint16_t type, const char *type_name, uint64_t time_ns);

/* Adders copy strings into the arena; *_ref variants keep the pointer (static
 * strings only). All return 0, or -1 when the record is full (counted in
 * lost_fields; the pipeline counts such records). */
int record_add_str(struct record *r, const char *key, const char *s);
int record_add_str_ref(struct record *r, const char *key, const char *s);
int record_add_int(struct record *r, const char *key, int64_t v);
int record_add_bool(struct record *r, const char *key, bool v);
/* A finite number (a cost in USD); -1 for NaN or infinity. */
int record_add_double(struct record *r, const char *key, double v);
int record_add_strv(struct record *r, const char *key, const char *const *v, uint32_t n);

/* Replace a string field's value (copying), or add it when absent. */
int record_set_str(struct record *r, const char *key, const char *s);
int record_set_int(struct record *r, const char *key, int64_t v);
const struct field *record_get(const struct record *r, const char *key);
struct field *record_get_mut(struct record *r, const char *key);
const char *record_get_str(const struct record *r, const char *key); /* NULL if absent */
bool record_get_int(const struct record *r, const char *key, int64_t *out);
void record_remove(struct record *r, const char *key);

/* One flat JSON object, no trailing newline. */
int record_to_json(const struct record *r, struct strbuf *out);
/* Copy every field of src into dst (dst reset first). */
int record_copy(struct record *dst, const struct record *src);

#endif
