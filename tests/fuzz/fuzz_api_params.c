/* fuzz_api_params.c: libFuzzer target for the API's parameter parsers
 * (src/serve/params.h) and the event query they feed. The input is lines:
 * cursor, since, until, limit, pid, type, path glob, host, Authorization
 * header, route path, query string. Checks: no crash; what parses is in
 * range and reads back the same; a page of the fixture store's events
 * honours every filter (count <= limit, times in [since, until), after the
 * cursor, in (time, id) order). */
#include <microhttpd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "serve/params.h"
#include "store/api.h"
#include "store/writer.h"

#define FIELDS 11
static char db[64];

static void fixture(void)
{
	static const char *const types[] = {"file.open", "file.read", "net.connect",
					    "net.flow",	 "dns.query", "process.exec"};
	struct store_session ses = {.id = "s1",
				    .agent = "a",
				    .project = "p",
				    .command_json = "[\"sh\"]",
				    .drops_detail_json = "{}",
				    .start_ns = 1};
	struct store_writer *w;
	char err[512], path[64], json[256];
	int i;

	snprintf(db, sizeof(db), "/tmp/fuzz-api-%d.db", (int)getpid());
	unlink(db);
	if (!(w = store_writer_open(db, err, sizeof(err))) || store_session_put(w, &ses) ||
	    store_batch_begin(w))
		abort();
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof(path), "/tmp/d%d/f%d", i % 7, i);
		snprintf(json, sizeof(json),
			 "{\"type\":\"%s\",\"process.pid\":%d,\"file.path\":\"%s\","
			 "\"network.peer.address\":\"10.0.0.%d\",\"server.address\":\"h%d.test\"}",
			 types[i % 6], 100 + i % 5, path, i % 9, i % 4);
		struct store_event e = {.session = "s1",
					.type = types[i % 6],
					.path = path,
					.summary = "",
					.json = json,
					.json_len = strlen(json),
					.time_ns = 1000 + i / 3,
					.pid = 100 + i % 5};
		if (store_add_event(w, &e))
			abort();
	}
	if (store_batch_commit(w))
		abort();
	store_writer_close(w);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	fixture();
	return 0;
}

struct page {
	const struct store_event_page *p;
	int64_t last_time, last_id;
	int n;
};

static int check_row(void *ctx, int64_t id, int64_t time_ns, const char *json)
{
	struct page *c = ctx;

	(void)json;
	if ((c->p->since_ns && time_ns < c->p->since_ns) ||
	    (c->p->until_ns && time_ns >= c->p->until_ns))
		abort();
	if (time_ns < c->last_time || (time_ns == c->last_time && id <= c->last_id))
		abort(); /* not after the cursor, or out of order */
	c->last_time = time_ns;
	c->last_id = id;
	c->n++;
	return 0;
}

static void query_events(char **f)
{
	struct store_event_page p = {.f = {.session = "s1"}, .limit = 100};
	struct page c = {.p = &p};
	struct store st;
	int64_t limit = 0;
	char err[512];
	int n;

	p.after_time = -1;
	if ((*f[0] && api_parse_cursor(f[0], &p.after_time, &p.after_id)) ||
	    (*f[1] && api_parse_time(f[1], &p.since_ns)) ||
	    (*f[2] && api_parse_time(f[2], &p.until_ns)) ||
	    (*f[3] && api_parse_count(f[3], &limit)) || (*f[4] && api_parse_count(f[4], &p.f.pid)))
		return;
	if (limit)
		p.limit = limit > 1000 ? 1000 : (int)limit;
	p.f.type_prefix = *f[5] ? f[5] : NULL;
	p.f.path_glob = *f[6] ? f[6] : NULL;
	p.f.host = *f[7] ? f[7] : NULL;
	c.last_time = p.after_time;
	c.last_id = p.after_id;
	if (store_open_ro(&st, db, err, sizeof(err)))
		abort();
	n = store_api_events(&st, &p, check_row, &c);
	if (n >= 0 && (n != c.n || n > p.limit))
		abort();
	store_close(&st);
}

static void parse_header_and_route(char **f)
{
	const char *tok = api_bearer_token(f[8]), *rest;
	char id[65], again[80], id2[65];

	if (tok && (tok < f[8] || !*tok || tok > f[8] + strlen(f[8])))
		abort();
	if (api_session_path(f[9], id, &rest))
		return;
	if (!*id || strlen(id) > 64 || id[0] == '.')
		abort();
	snprintf(again, sizeof(again), "sessions/%s", id);
	if (api_session_path(again, id2, &rest) || strcmp(id, id2) || rest)
		abort();
}

/* "a=b&c=%41": split, unescape (as libmicrohttpd does), count. */
static void parse_query(char *q)
{
	static const char *const names[] = {"type",  "pid",    "path",	"host", "since",
					    "until", "cursor", "limit", NULL};
	struct api_args a = {.names = names};
	char *save = NULL, *kv, *v;

	for (kv = strtok_r(q, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		v = strchr(kv, '=');
		if (v)
			*v++ = 0;
		MHD_http_unescape(kv);
		if (v)
			MHD_http_unescape(v);
		api_args_add(&a, kv, v);
	}
	if (api_args_too_long(&a) != (a.bytes > API_QUERY_MAX))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *f[FIELDS], *p;
	int i;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	for (i = 0, p = buf; i < FIELDS; i++) {
		f[i] = p;
		if ((p = strchr(p, '\n')))
			*p++ = 0;
		else
			p = f[i] + strlen(f[i]);
	}
	parse_header_and_route(f);
	query_events(f);
	parse_query(f[10]);
	free(buf);
	return 0;
}
