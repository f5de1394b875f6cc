/* mcp.c: `proctor mcp` (cli/mcp.h): the stdio loop and the JSON-RPC 2.0 /
 * MCP protocol: initialize, ping, tools/list, tools/call; notifications get
 * no answer; everything else a JSON-RPC error, never a crash. */
#include "cli/mcp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/hook_feed.h"

#define RPC_PARSE_ERROR	     -32700
#define RPC_INVALID_REQUEST  -32600
#define RPC_METHOD_NOT_FOUND -32601
#define RPC_INVALID_PARAMS   -32602

static const char *const versions[] = {"2025-06-18", "2025-03-26", "2024-11-05"};

static json_t *error(json_t *id, int code, const char *msg)
{
	return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
			 "error", "code", code, "message", msg);
}

static json_t *result(json_t *id, json_t *res)
{
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id, "result", res);
}

static json_t *initialize(json_t *params)
{
	const char *want = json_string_value(json_object_get(params, "protocolVersion"));
	const char *v = versions[0];
	size_t i;

	for (i = 0; want && i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcmp(want, versions[i]))
			v = versions[i];
	return json_pack("{s:s,s:{s:{s:b}},s:{s:s,s:s},s:s}", "protocolVersion", v, "capabilities",
			 "tools", "listChanged", 0, "serverInfo", "name", "proctor", "version",
			 PROCTOR_VERSION, "instructions",
			 "proctor enforces this session's policy in the kernel. When a command "
			 "fails with 'Operation not permitted' or is killed, call "
			 "list_violations to learn which rule stopped it and why; call "
			 "check_action before trying something else.");
}

static json_t *call(struct mcp *m, json_t *id, json_t *params)
{
	json_t *args = json_object_get(params, "arguments"), *res;
	const char *name = json_string_value(json_object_get(params, "name"));
	char msg[512];
	int code = RPC_INVALID_PARAMS;

	if (!json_is_object(params) || !name)
		return error(id, RPC_INVALID_PARAMS, "tools/call needs params.name");
	if (args && !json_is_object(args))
		return error(id, RPC_INVALID_PARAMS, "params.arguments must be an object");
	if (!(res = mcp_tools_call(m, name, args, &code, msg, sizeof(msg))))
		return error(id, code, msg);
	return result(id, res);
}

json_t *mcp_handle(struct mcp *m, const char *msg, size_t len)
{
	json_error_t je;
	json_t *req = json_loadb(msg, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je), *id,
	       *params, *rep;
	const char *method, *ver;

	if (!req)
		return error(NULL, RPC_PARSE_ERROR, "parse error: not JSON");
	if (!json_is_object(req)) {
		json_decref(req);
		return error(NULL, RPC_INVALID_REQUEST,
			     "invalid request: not an object (batches are not supported)");
	}
	id = json_object_get(req, "id");
	method = json_string_value(json_object_get(req, "method"));
	ver = json_string_value(json_object_get(req, "jsonrpc"));
	params = json_object_get(req, "params");
	if (id && !json_is_string(id) && !json_is_integer(id)) {
		rep = error(NULL, RPC_INVALID_REQUEST,
			    "invalid request: id must be a string or "
			    "an integer");
	} else if (!ver || strcmp(ver, "2.0")) {
		rep = error(id, RPC_INVALID_REQUEST, "invalid request: jsonrpc must be \"2.0\"");
	} else if (!method) { /* a response from the client: nothing to answer */
		rep = id && (json_object_get(req, "result") || json_object_get(req, "error"))
			      ? NULL
			      : error(id, RPC_INVALID_REQUEST, "invalid request: no method");
	} else if (params && !json_is_object(params) && !json_is_array(params)) {
		rep = id ? error(id, RPC_INVALID_PARAMS, "params must be an object") : NULL;
	} else if (!id) {
		rep = NULL; /* a notification (notifications/initialized, ...) */
	} else if (!strcmp(method, "initialize")) {
		rep = result(id, initialize(params));
	} else if (!strcmp(method, "ping")) {
		rep = result(id, json_object());
	} else if (!strcmp(method, "tools/list")) {
		rep = result(id, json_pack("{s:o}", "tools", mcp_tools_list()));
	} else if (!strcmp(method, "tools/call")) {
		rep = call(m, id, params);
	} else {
		char buf[300];
		snprintf(buf, sizeof(buf), "method not found: %.200s", method);
		rep = error(id, RPC_METHOD_NOT_FOUND, buf);
	}
	json_decref(req);
	return rep;
}

static void send_msg(json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT);

	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	json_decref(o);
}

/* One line of at most MCP_MAX_LINE bytes into buf (the rest of a longer
 * one is skipped: *too_long). -1 at the end of input. */
static long read_line(char *buf, bool *too_long)
{
	long n = 0;
	int c;

	*too_long = false;
	while ((c = getchar()) != EOF && c != '\n') {
		if ((size_t)n < MCP_MAX_LINE)
			buf[n++] = (char)c;
		else
			*too_long = true;
	}
	if (c == EOF && !n && !*too_long)
		return -1;
	while (n && buf[n - 1] == '\r')
		n--;
	return n;
}

int cmd_mcp(int argc, char **argv)
{
	struct mcp m;
	char *line = malloc(MCP_MAX_LINE);
	bool too_long;
	json_t *rep;
	long n;

	(void)argv;
	if (argc != 1) {
		fputs("usage: proctor mcp   (an MCP server on stdin/stdout)\n", stderr);
		free(line);
		return EXIT_USAGE;
	}
	if (!line)
		return 1;
	mcp_init(&m);
	while ((n = read_line(line, &too_long)) >= 0) {
		if (too_long)
			send_msg(error(NULL, RPC_INVALID_REQUEST,
				       "message too long (the limit is 1 MiB)"));
		else if (n && (rep = mcp_handle(&m, line, (size_t)n)))
			send_msg(rep);
	}
	free(line);
	mcp_free(&m);
	return 0;
}
