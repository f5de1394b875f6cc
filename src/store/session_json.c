/* session_json.c: the JSON object of a session row (session_json.h). */
#include "store/session_json.h"

#include <inttypes.h>

#include "util/util.h"

static void put_str(struct strbuf *sb, const char *key, const char *v)
{
	sb_printf(sb, ",\"%s\":", key);
	sb_json_str(sb, v);
}

void session_row_json(struct strbuf *sb, const struct store_session_row *r, unsigned flags)
{
	char start[40], end[40];

	fmt_rfc3339((uint64_t)r->start_ns, start, sizeof(start));
	fmt_rfc3339((uint64_t)r->end_ns, end, sizeof(end));
	sb_puts(sb, "{\"session\":");
	sb_json_str(sb, r->id);
	put_str(sb, "agent", r->agent);
	put_str(sb, "project", r->project);
	sb_printf(sb, ",\"command\":%s", *r->command_json ? r->command_json : "[]");
	put_str(sb, "user", r->user);
	put_str(sb, "host.name", r->host);
	put_str(sb, "origin", r->origin);
	put_str(sb, "container.name", r->container);
	put_str(sb, "k8s.pod.name", r->pod);
	if (flags & SESSION_JSON_STATUS)
		put_str(sb, "status", r->end_ns ? "ended" : "live");
	sb_printf(sb, ",\"start\":\"%s\"", start);
	if (r->end_ns)
		sb_printf(sb, ",\"end\":\"%s\",\"exit.code\":%" PRId64, end, r->exit_code);
	else
		sb_puts(sb, ",\"end\":null,\"exit.code\":null");
	sb_printf(sb,
		  ",\"events\":%" PRId64 ",\"drops\":%" PRId64 ",\"drops.by_type\":%s"
		  ",\"processes\":%" PRId64 "}",
		  r->events, r->drops, *r->drops_detail ? r->drops_detail : "{}", r->processes);
}
