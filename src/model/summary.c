/* summary.c: human one-liners per event type. */
#include "model/summary.h"

#include <inttypes.h>
#include <string.h>

/* Fields worth showing, in order of preference, for types without a rule. */
static const char *const generic_keys[] = {
	"file.path",	       "file.target_path", "network.peer.address", "network.peer.port",
	"network.local.port",  "server.address",   "dns.question.name",	   "dns.answers",
	"privilege.operation", "privilege.from",   "privilege.to",	   "memory.operation",
	"memory.protection",   "escape.category",  "escape.syscall",	   "escape.detail",
	"file.operation",      "verdict",	   "policy.rule",	   "file.bytes",
	"error.code",
};

static void put_field(struct strbuf *out, const struct field *f)
{
	uint32_t i;

	switch (f->kind) {
	case FIELD_STR: sb_puts(out, f->s); break;
	case FIELD_INT: sb_put_i64(out, f->i); break;
	case FIELD_BOOL: sb_puts(out, f->b ? "true" : "false"); break;
	case FIELD_STRV:
		for (i = 0; i < f->sv.n; i++)
			sb_printf(out, "%s%s", i ? "," : "", f->sv.v[i]);
		break;
	}
}

void record_summary(const struct record *r, struct strbuf *out)
{
	const struct field *f;
	int64_t v;
	size_t i, n = 0;

	if (r->type_name && !strcmp(r->type_name, "process.exec")) {
		sb_puts(out, record_get_str(r, "process.command_line") ?: "");
		return;
	}
	if (r->type_name && !strcmp(r->type_name, "process.fork")) {
		const struct field *t = record_get(r, "process.thread");
		sb_puts(out, t && t->b ? "thread " : "child ");
		sb_put_i64(out, record_get_int(r, t && t->b ? "process.tid" : "process.pid", &v)
					? v
					: 0);
		sb_puts(out, " from ");
		sb_puts(out, record_get_str(r, "process.fork.syscall") ?: "fork");
		return;
	}
	if (r->type_name && !strcmp(r->type_name, "process.exit")) {
		sb_puts(out, "exit ");
		sb_put_i64(out, record_get_int(r, "process.exit.code", &v) ? v : -1);
		if (record_get_str(r, "process.exit.signal"))
			sb_printf(out, " (%s)", record_get_str(r, "process.exit.signal"));
		return;
	}
	for (i = 0; i < sizeof(generic_keys) / sizeof(generic_keys[0]); i++) {
		if (!(f = record_get(r, generic_keys[i])))
			continue;
		if (f->kind == FIELD_STR && !*f->s)
			continue;
		if (n++)
			sb_putc(out, ' ');
		put_field(out, f);
	}
}
