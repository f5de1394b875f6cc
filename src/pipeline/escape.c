/* escape.c: the Escape stage: security.escape from file.open/file.metadata
 * records the file decoder classified (file.sensitive_category) and from
 * connects to container runtime sockets (network.sensitive_category). */
#include "pipeline/escape.h"
#include "model/paths.h"

#include <stdio.h>
#include <string.h>

#include "proctor/abi.h"
#include "util/util.h"

/* Common fields carried over from a file event to the escape it implies. */
static const char *const escape_common[] = {
	"session",
	"agent",
	"project",
	"host.name",
	"process.pid",
	"process.tid",
	"process.parent_pid",
	"process.name",
	"process.executable.path",
	"process.user.id",
	"process.group.id",
	"event.outcome",
	"error.code",
};

static bool implies_escape(const struct record *src)
{
	if (!src->type_name)
		return false;
	if (!strcmp(src->type_name, "net.connect"))
		return record_get_str(src, "network.sensitive_category") != NULL;
	return (!strcmp(src->type_name, "file.open") || !strcmp(src->type_name, "file.metadata")) &&
	       sensitive_category_is_escape(record_get_str(src, "file.sensitive_category"));
}

/* A connect to a runtime socket: the socket's path as the file path. */
static void derive_connect(const struct record *src, struct record *r)
{
	const char *path = record_get_str(src, "network.peer.address");
	char detail[PR_PATH_CAP + 32];

	record_add_str(r, "escape.category", record_get_str(src, "network.sensitive_category"));
	record_add_str(r, "escape.syscall", record_get_str(src, "network.syscall") ?: "connect");
	snprintf(detail, sizeof(detail), "connect %s", path ? path : "?");
	record_add_str(r, "escape.detail", detail);
	if (path)
		record_add_str(r, "file.path", path);
}

static void copy_common(const struct record *src, struct record *r)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(escape_common); i++) {
		const struct field *f = record_get(src, escape_common[i]);
		if (f && f->kind == FIELD_STR)
			record_add_str(r, f->key, f->s);
		else if (f && f->kind == FIELD_INT)
			record_add_int(r, f->key, f->i);
	}
}

/* (core_pattern, /proc/PID/mem, /proc/sysrq-trigger, runtime sockets,
 * /proc/1/root, release_agent...). I/O summaries of the same open are not
 * repeated as escapes. */
bool escape_derive(const struct record *src, struct record *r)
{
	const char *cat = record_get_str(src, "file.sensitive_category");
	const char *path = record_get_str(src, "file.path");
	const char *how = record_get_str(src, "file.syscall");
	const char *access = record_get_str(src, "file.access");
	const char *op = record_get_str(src, "file.operation");
	char detail[4400];

	record_reset(r);
	if (!implies_escape(src))
		return false;
	record_begin(r, PR_EV_SEC_ESCAPE, "security.escape", src->time_ns);
	r->session_key = src->session_key;
	r->cgroup_id = src->cgroup_id;
	r->pid = src->pid;
	copy_common(src, r);
	if (!strcmp(src->type_name, "net.connect")) {
		derive_connect(src, r);
		record_add_str_ref(r, "escape.derived_from", src->type_name);
		return true;
	}
	record_add_str(r, "escape.category", cat);
	record_add_str(r, "escape.syscall", how ? how : op ? op : src->type_name);
	snprintf(detail, sizeof(detail), "%s %s%s%s", op ? op : "open", path ? path : "?",
		 access ? " for " : "", access ? access : "");
	record_add_str(r, "escape.detail", detail);
	if (path)
		record_add_str(r, "file.path", path);
	record_add_str_ref(r, "escape.derived_from", src->type_name);
	return true;
}
