/* summary.c: the human one-liner of each event type (the store's summary
 * column, shown by `proctor log`, the web UI and reports): every number has
 * a label or a unit, addresses are ADDRESS:PORT, and the two paths of a
 * rename, link or symlink read in one order, from -> to. */
#include "model/summary.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Shown as `label value` for types without a rule of their own. */
static const struct {
	const char *key, *label;
} generic_keys[] = {
	{"file.path", ""},
	{"file.target_path", "target "},
	{"network.peer.address", "peer "},
	{"network.peer.port", "port "},
	{"server.address", "server "},
	{"dns.question.name", "name "},
	{"privilege.operation", ""},
	{"privilege.requested", "requested "},
	{"privilege.from", "from "},
	{"privilege.to", "to "},
	{"memory.operation", ""},
	{"memory.protection", "prot "},
	{"memory.count", "count "},
	{"escape.category", ""},
	{"escape.syscall", "syscall "},
	{"escape.detail", ""},
	{"escape.count", "count "},
	{"signal.name", ""},
	{"signal.target.pid", "to pid "},
	{"signal.target.name", "name "},
	{"policy.rule", "rule "},
	{"policy.verdict", ""},
	{"process.cgroup.path", "cgroup "},
	{"verdict", ""},
	{"file.bytes", "bytes "},
};

static const char *str(const struct record *r, const char *key)
{
	const char *s = record_get_str(r, key);
	return s && *s ? s : NULL;
}

static bool num(const struct record *r, const char *key, int64_t *v)
{
	return record_get_int(r, key, v);
}

static void put_field(struct strbuf *out, const struct field *f)
{
	uint32_t i;

	switch (f->kind) {
	case FIELD_STR: sb_puts(out, f->s); break;
	case FIELD_INT: sb_put_i64(out, f->i); break;
	case FIELD_BOOL: sb_puts(out, f->b ? "true" : "false"); break;
	case FIELD_DOUBLE: sb_printf(out, "%.12g", f->d); break;
	case FIELD_STRV:
		for (i = 0; i < f->sv.n; i++)
			sb_printf(out, "%s%s", i ? "," : "", f->sv.v[i]);
		break;
	}
}

/* " label N unit" when the field is there. */
static void put_num(struct strbuf *out, const struct record *r, const char *key, const char *label,
		    const char *unit)
{
	int64_t v;

	if (num(r, key, &v))
		sb_printf(out, "%s%" PRId64 "%s", label, v, unit);
}

/* PREFIX.address:PREFIX.port; [v6]:port; a UNIX path alone. */
static void put_addr(struct strbuf *out, const struct record *r, const char *prefix)
{
	char key[64];
	const char *a;
	int64_t port;

	snprintf(key, sizeof(key), "%s.address", prefix);
	a = str(r, key) ?: "?";
	snprintf(key, sizeof(key), "%s.port", prefix);
	if (!num(r, key, &port)) {
		sb_puts(out, a);
		return;
	}
	if (strchr(a, ':'))
		sb_printf(out, "[%s]:%" PRId64, a, port);
	else
		sb_printf(out, "%s:%" PRId64, a, port);
}

/* ", failed EPERM", ", in progress (EINPROGRESS)". */
static void put_outcome(struct strbuf *out, const struct record *r)
{
	const char *o = str(r, "event.outcome"), *e = str(r, "error.code");

	if (o && !strcmp(o, "failure"))
		sb_printf(out, ", failed %s", e ?: "");
	else if (e && !strcmp(e, "EINPROGRESS"))
		sb_puts(out, ", in progress (EINPROGRESS)");
	else if (e)
		sb_printf(out, ", %s", e);
}

static void sum_exec(const struct record *r, struct strbuf *out)
{
	sb_puts(out, record_get_str(r, "process.command_line") ?: "");
}

static void sum_fork(const struct record *r, struct strbuf *out)
{
	const struct field *t = record_get(r, "process.thread");
	bool thread = t && t->kind == FIELD_BOOL && t->b;
	int64_t v;

	sb_printf(out, "%s %" PRId64 " (%s)", thread ? "thread tid" : "child pid",
		  num(r, thread ? "process.tid" : "process.pid", &v) ? v : 0,
		  str(r, "process.fork.syscall") ?: "fork");
}

static void sum_exit(const struct record *r, struct strbuf *out)
{
	const char *sig = str(r, "process.exit.signal");
	const struct field *core = record_get(r, "process.exit.core_dumped");
	int64_t v;

	if (sig)
		sb_printf(out, "killed by %s", sig);
	else
		sb_printf(out, "exit code %" PRId64, num(r, "process.exit.code", &v) ? v : -1);
	if (core && core->kind == FIELD_BOOL && core->b)
		sb_puts(out, " (core dumped)");
	put_num(out, r, "process.duration_ms", ", ran ", " ms");
}

static void sum_open(const struct record *r, struct strbuf *out)
{
	int64_t n;

	sb_puts(out, record_get_str(r, "file.path") ?: "");
	if (num(r, "file.open_count", &n) && n > 1)
		sb_printf(out, ", %" PRId64 " opens", n);
	put_outcome(out, r);
}

static void sum_io(const struct record *r, struct strbuf *out)
{
	const char *what = !strcmp(r->type_name, "file.read") ? "read" : "written";
	int64_t bytes, ops, files;

	sb_puts(out, record_get_str(r, "file.path") ?: "");
	if (num(r, "file.bytes", &bytes))
		sb_printf(out, ", %" PRId64 " B %s", bytes, what);
	if (num(r, "file.operations", &ops))
		sb_printf(out, " in %" PRId64 " call%s", ops, ops == 1 ? "" : "s");
	if (num(r, "file.open_count", &files) && files > 1)
		sb_printf(out, " over %" PRId64 " opens", files);
	put_outcome(out, r);
}

/* rename: path -> new name; link: existing file -> path (the new name);
 * symlink: contents -> path (the link). */
static void sum_metadata(const struct record *r, struct strbuf *out)
{
	const char *op = str(r, "file.operation") ?: "change", *path = str(r, "file.path") ?: "",
		   *target = str(r, "file.target_path");
	const char *mode = str(r, "file.mode");

	sb_printf(out, "%s ", op);
	if (target && !strcmp(op, "rename"))
		sb_printf(out, "%s → %s", path, target);
	else if (target && (!strcmp(op, "link") || !strcmp(op, "symlink")))
		sb_printf(out, "%s → %s", target, path);
	else
		sb_puts(out, path);
	if (mode)
		sb_printf(out, " mode %s", mode);
	put_num(out, r, "file.owner.id", " owner uid ", "");
	put_num(out, r, "file.size", " size ", " B");
	put_outcome(out, r);
}

static void sum_socket(const struct record *r, struct strbuf *out)
{
	sb_printf(out, "%s %s", str(r, "network.type") ?: "?", str(r, "network.transport") ?: "?");
	put_num(out, r, "network.socket.new_fd", ", fd ", "");
	put_outcome(out, r);
}

static void sum_connect(const struct record *r, struct strbuf *out)
{
	int64_t port;

	sb_puts(out, "to ");
	put_addr(out, r, "network.peer");
	if (num(r, "network.local.port", &port) && port)
		sb_printf(out, " from port %" PRId64, port);
	put_outcome(out, r);
}

static void sum_local(const struct record *r, struct strbuf *out)
{
	sb_puts(out, "on ");
	put_addr(out, r, "network.local");
	put_outcome(out, r);
}

static void sum_accept(const struct record *r, struct strbuf *out)
{
	sb_puts(out, "from ");
	put_addr(out, r, "network.peer");
	put_num(out, r, "network.local.port", " on port ", "");
	put_num(out, r, "network.socket.new_fd", ", fd ", "");
	put_outcome(out, r);
}

static void sum_send(const struct record *r, struct strbuf *out)
{
	sb_puts(out, "to ");
	put_addr(out, r, "network.peer");
	put_num(out, r, "network.bytes", ", ", " B");
	put_num(out, r, "network.messages", " in ", " messages");
	put_outcome(out, r);
}

static void sum_flow(const struct record *r, struct strbuf *out)
{
	const char *server = str(r, "server.address"), *end = str(r, "flow.end");
	int64_t port;

	sb_printf(out, "%s to ", str(r, "network.transport") ?: "?");
	put_addr(out, r, "network.peer");
	if (server)
		sb_printf(out, " (%s)", server);
	if (num(r, "network.local.port", &port) && port)
		sb_printf(out, " from port %" PRId64, port);
	sb_printf(out, ", %s", str(r, "verdict") ?: "?");
	if (str(r, "policy.rule"))
		sb_printf(out, " by %s", str(r, "policy.rule"));
	put_num(out, r, "flow.bytes_out", ", out ", " B");
	put_num(out, r, "flow.bytes_in", ", in ", " B");
	put_num(out, r, "flow.duration_ms", ", ", " ms");
	if (end)
		sb_printf(out, ", ended %s", end);
	put_outcome(out, r);
}

static void sum_dns(const struct record *r, struct strbuf *out)
{
	const struct field *ans = record_get(r, "dns.answers");
	const char *rcode = str(r, "dns.response_code");

	sb_printf(out, "%s %s", str(r, "dns.question.type") ?: "?",
		  record_get_str(r, "dns.question.name") ?: "");
	if (rcode) {
		sb_printf(out, " %s", rcode);
		if (ans && ans->kind == FIELD_STRV && ans->sv.n) {
			sb_puts(out, " → ");
			put_field(out, ans);
		}
	}
	sb_puts(out, !strcmp(r->type_name, "dns.query") ? " to " : " from ");
	put_addr(out, r, "network.peer");
}

/* "namespace: unshare flags=CLONE_NEWUSER", "(300 times)" for a summary. */
static void sum_escape(const struct record *r, struct strbuf *out)
{
	const char *detail = str(r, "escape.detail");

	sb_printf(out, "%s: %s", str(r, "escape.category") ?: "?", str(r, "escape.syscall") ?: "?");
	if (detail)
		sb_printf(out, " %s", detail);
	put_num(out, r, "escape.count", " (", " times)");
	put_outcome(out, r);
}

/* "r-block: blocked", "no-ssh: would_block open /home/a/.ssh/id_rsa". */
static void sum_violation(const struct record *r, struct strbuf *out)
{
	const char *access = str(r, "policy.access"), *path = str(r, "file.path");

	sb_printf(out, "%s: %s", str(r, "policy.rule") ?: "?", str(r, "policy.verdict") ?: "?");
	if (access)
		sb_printf(out, " %s", access);
	if (path)
		sb_printf(out, " %s", path);
}

/* "network: connect 127.0.0.1:4242 (declared: ls)". */
static void sum_intent(const struct record *r, struct strbuf *out)
{
	sb_printf(out, "%s: %s (declared: %s)", str(r, "intent.reason") ?: "?",
		  str(r, "intent.observed") ?: "?", str(r, "intent.declared") ?: "?");
}

static void sum_generic(const struct record *r, struct strbuf *out)
{
	const struct field *f;
	size_t i, n = 0;

	for (i = 0; i < sizeof(generic_keys) / sizeof(generic_keys[0]); i++) {
		if (!(f = record_get(r, generic_keys[i].key)))
			continue;
		if (f->kind == FIELD_STR && !*f->s)
			continue;
		if (n++)
			sb_putc(out, ' ');
		sb_puts(out, generic_keys[i].label);
		put_field(out, f);
	}
	put_outcome(out, r);
}

static const struct {
	const char *type;
	void (*fn)(const struct record *, struct strbuf *);
} rules[] = {
	{"process.exec", sum_exec},	 {"process.fork", sum_fork},
	{"process.exit", sum_exit},	 {"file.open", sum_open},
	{"file.read", sum_io},		 {"file.write", sum_io},
	{"file.metadata", sum_metadata}, {"net.socket", sum_socket},
	{"net.connect", sum_connect},	 {"net.bind", sum_local},
	{"net.listen", sum_local},	 {"net.accept", sum_accept},
	{"net.send", sum_send},		 {"net.flow", sum_flow},
	{"dns.query", sum_dns},		 {"dns.response", sum_dns},
	{"security.escape", sum_escape}, {"policy.violation", sum_violation},
	{"intent.mismatch", sum_intent},
};

void record_summary(const struct record *r, struct strbuf *out)
{
	size_t i;

	for (i = 0; r->type_name && i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(r->type_name, rules[i].type)) {
			rules[i].fn(r, out);
			return;
		}
	sum_generic(r, out);
}
