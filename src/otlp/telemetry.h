/* telemetry.h: an agent's own OTLP telemetry (logs and metrics, protobuf
 * or JSON bodies) -> items ready to become agent.telemetry records. Pure:
 * no I/O, no globals; the receiver (receiver.c) calls it on untrusted
 * bodies. Only the attributes in the table of telemetry.c are kept, under
 * the record field names of docs/EVENTS-llm.md; prompt and response text
 * never are (counted in ignored). */
#ifndef PROCTOR_OTLP_TELEMETRY_H
#define PROCTOR_OTLP_TELEMETRY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tele_signal { TELE_LOGS, TELE_METRICS };
enum tele_format { TELE_PROTOBUF, TELE_JSON };

#define TELE_FIELDS    24
#define TELE_MAX_ITEMS 4096 /* per request: more is refused (413) */
#define TELE_MAX_VALUE 1024 /* bytes kept of a string attribute */

enum tele_kind { TF_STR, TF_INT, TF_BOOL };

struct tele_field {
	const char *key; /* static: the record field */
	enum tele_kind kind;
	char *s;
	int64_t i;
};

struct tele_item {
	struct tele_item *next;
	char *event;   /* "claude_code.api_request", "codex.sse_event", a metric name */
	char *service; /* the resource's service.name, "" when none */
	enum tele_signal signal;
	uint64_t time_ns; /* as the agent stamped it (0: none) */
	bool has_value;	  /* metrics: the data point's value */
	int64_t value;
	char value_str[32]; /* metrics: the value as sent (a double keeps its digits) */
	struct tele_field f[TELE_FIELDS];
	unsigned nf;
	unsigned ignored; /* attributes not kept */
	/* The sending process, set by the receiver. */
	uint32_t pid, ppid, uid, gid;
	char comm[16];
};

struct tele_list {
	struct tele_item *head, **tail;
	size_t n;
};

void tele_list_init(struct tele_list *l);
void tele_list_free(struct tele_list *l);
/* Parse one request body into l (appended). 0, or -1 with err saying what
 * is malformed (nothing appended then). */
int tele_parse(enum tele_signal sig, enum tele_format fmt, const void *body, size_t len,
	       struct tele_list *l, char *err, size_t errlen);
const struct tele_field *tele_get(const struct tele_item *it, const char *key);
void tele_item_free(struct tele_item *it);

#endif
